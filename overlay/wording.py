"""The wording check: on-screen words TikTok is reported to treat as "non-genuine interaction" bait.

TikFinity's public FAQ and creators' guides report that lives showing "like", "follow" or
gift requests on screen can be limited. We cannot know TikTok's real rules, so we warn (text
and config line) and offer `safe_wording: true`, which shows a heart or a neutral phrase
instead: the creator decides with full knowledge. Pure code: config in, warnings out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from overlay.config import Config, default_goals
from overlay.i18n import LOCALES, TEXTS, Locale, OwnText

# (pattern, kind). Word boundaries use lookarounds so "likes/min", "j'aime" and "abonne-toi" match,
# but "unlikely" or "Likely" inside a word do not.
_B, _E = r"(?<![\w])", r"(?![\w])"
RISKY: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(_B + pattern + _E, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"lik(?:e|es|er|ers|ez|é|és|ée|ées|ing|ed)", "like"),
        (r"j['’]aime", "like"),
        (r"follow(?:s|er|ers|ing|ed)?", "follow"),
        (r"abonn(?:e|ez|ons)[- ](?:toi|vous|nous)", "follow"),
        (r"abonne(?:z)?", "follow"),
        (r"s['’]abonner", "follow"),
        (r"abonnements?", "follow"),
        (r"cadeaux?", "gift"),
        (r"gifts?", "gift"),
    )
)

# The on-screen texts of a challenge the creator writes.
CHALLENGE_TEXTS = ("text", "success_text", "failure_text")

# `{gift}`, `{user}`...: filled in later with the real name, never a word on screen as such.
PLACEHOLDER = re.compile(r"(\{[^{}]*\})")

# Built-in texts whose softened words would not read well, written out instead.
SAFE_TEXTS: dict[Locale, dict[str, str]] = {
    "fr": {"activity_follow": "{user} nous rejoint"},
    "en": {"activity_follow": "{user} joined"},
}

NEUTRAL: dict[Locale, dict[str, str]] = {
    "fr": {"like": "❤", "follow": "rejoins-nous", "gift": "soutien"},
    "en": {"like": "❤", "follow": "join us", "gift": "support"},
}


@dataclass(frozen=True, slots=True)
class WordingWarning:
    """One on-screen text with words TikTok may flag."""

    where: str  # "config.yaml:14" or "built-in text"
    key: str  # "goals.steps[1].label"
    text: str
    words: tuple[str, ...]

    def __str__(self) -> str:
        """The console's line, in English: `config.yaml:21: goals.steps[1].label: "..." shows "likes" on screen`."""
        words = ", ".join(quoted(w, "en") for w in self.words)
        return f"{self.where}: {self.key}: {quoted(as_read(self.text), 'en')} shows {words} on screen"


def quoted(text: str, locale: Locale) -> str:
    """A word or text quoted inside a sentence as each language does: `"likes"`, `« likes »` (no-break spaces)."""
    return f"«\u00a0{text}\u00a0»" if locale == "fr" else f'"{text}"'


def as_read(text: str) -> str:
    """`text` as the screen shows it, on one console line.

    Not repr(), which writes French no-break spaces as `\\u202f`; control characters (a line break) become spaces.
    """
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def _words_part(text: str) -> str:
    """`text` with its placeholders blanked out (same length, so positions still match)."""
    return PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)


def risky_words(text: str) -> tuple[str, ...]:
    """The flagged words in `text`, in order of appearance, without repeats or overlaps (placeholders aside)."""
    words_part = _words_part(text)
    matches = sorted(
        ((m.start(), -len(m.group(0)), m.group(0)) for pattern, _ in RISKY for m in pattern.finditer(words_part)),
    )
    words: dict[str, None] = {}
    end = -1
    for start, negative_length, word in matches:
        if start >= end:  # "Abonne-toi" once, not also its "Abonne"
            words.setdefault(word, None)
            end = start - negative_length
    return tuple(words)


def soften(text: str, locale: Locale) -> str:
    """`10 000 likes ensemble !` -> `10 000 ❤ ensemble !`: flagged words become a heart or a neutral phrase.

    Placeholders (`{gift}`) are left for the real value.
    """
    parts = PLACEHOLDER.split(text)  # words, placeholder, words, ...
    for i in range(0, len(parts), 2):
        for pattern, kind in RISKY:
            parts[i] = pattern.sub(NEUTRAL[locale][kind], parts[i])
    return "".join(parts)


def config_texts(config: Config) -> list[tuple[str, str]]:
    """Every on-screen text the creator wrote, as (dotted key, text); each language's of a text per language
    (`goals.steps[0].label.en`)."""
    # (With no `goals:` written, the built-in goal is checked as the built-in text it is, not as a line of the file.)
    steps = [] if config.goals.steps == default_goals().steps else config.goals.steps
    written: list[tuple[str, OwnText]] = [(f"goals.steps[{i}].label", step.label) for i, step in enumerate(steps)]
    written.append(("goals.then.label", config.goals.then.label))
    for i, challenge in enumerate(config.challenges):
        written += [(f"challenges[{i}].{field}", getattr(challenge, field)) for field in CHALLENGE_TEXTS]
    texts: list[tuple[str, str]] = []
    for key, value in written:
        if isinstance(value, str):
            texts += [(key, value)] if value else []
        else:
            texts += [(f"{key}.{language}", value[language]) for language in LOCALES if language in value]
    return texts


def check(config: Config) -> list[WordingWarning]:
    """Warnings for the creator's texts and for the built-in texts of the chosen language."""
    warnings = [
        WordingWarning(config.where(key), key, text, words)
        for key, text in config_texts(config)
        if (words := risky_words(text))
    ]
    warnings += [
        WordingWarning("built-in text", f"{config.locale}.{key}", text, words)
        for key, text in TEXTS[config.locale].items()
        if (words := risky_words(text))
    ]
    return warnings


def texts_for(locale: str, safe: bool) -> dict[str, str]:
    """The built-in texts of `locale` ("fr" unless "en"), softened when `safe_wording` is on."""
    chosen: Locale = "en" if locale == "en" else "fr"
    return {key: builtin_text(key, chosen, safe) for key in TEXTS[chosen]}


def builtin_text(key: str, locale: Locale, safe: bool) -> str:
    """One built-in text of `locale`, softened (or written out safe) when `safe_wording` is on."""
    text = TEXTS[locale][key]
    return (SAFE_TEXTS[locale].get(key) or soften(text, locale)) if safe else text


def softened(config: Config) -> Config:
    """`config` with the creator's on-screen texts softened (for `safe_wording: true`)."""

    def soft(text: OwnText) -> OwnText:
        """A plain text softened with the config's words; each text of a text per language with its own's."""
        if isinstance(text, str):
            return soften(text, config.locale)
        return {language: soften(written, language) for language, written in text.items()}

    goals = config.goals
    steps = [step.model_copy(update={"label": soft(step.label)}) for step in goals.steps]
    # (The built-in label of the goals after the last step is softened by the goal ladder, in every language.)
    then = goals.then.model_copy(update={"label": soft(goals.then.label)}) if goals.then.label else goals.then
    challenges = [
        challenge.model_copy(update={field: soft(getattr(challenge, field)) for field in CHALLENGE_TEXTS})
        for challenge in config.challenges
    ]
    return config.model_copy(
        update={"goals": goals.model_copy(update={"steps": steps, "then": then}), "challenges": challenges}
    )
