"""The wording check: words TikTok may flag are reported with their config line, and softened on request."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import aiohttp
import pytest

from overlay.config import parse_config
from overlay.i18n import LOCALES, TEXTS
from overlay.web import create_app
from overlay.web.stats import LABELS as STATS_LABELS
from overlay.wording import check, quoted, risky_words, soften, softened, texts_for
from tests.conftest import DrivenSource

CONFIG = textwrap.dedent(
    """\
    locale: fr
    goals:
      steps:
        - {id: warmup, label: "Objectif 1 000 !", target: 1000}
        - {id: main, label: "10 000 likes ensemble !", target: 10000}
    challenges:
      - {id: abo, text: "Abonne-toi et envoie un cadeau !"}
      - {id: calme, text: "Faites exploser le compteur !"}
    """
)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("10 000 likes ensemble !", ("likes",)),
        ("Likez le live", ("Likez",)),
        ("Si tu aimes, j'aime !", ("j'aime",)),
        ("Abonne-toi !", ("Abonne-toi",)),
        ("Abonnez-vous et envoyez des cadeaux", ("Abonnez-vous", "cadeaux")),
        ("Follow me for more", ("Follow",)),
        ("Send gifts", ("gifts",)),
        ("Top likers", ("likers",)),
        ("likes/min", ("likes",)),
        ("Faites exploser le compteur !", ()),
        ("That is unlikely, Likely, alike", ()),
    ],
)
def test_flagged_words_are_found_in_french_and_english(text: str, words: tuple[str, ...]) -> None:
    assert risky_words(text) == words


def test_softening_shows_a_heart_or_a_neutral_phrase() -> None:
    assert soften("10\u202f000 likes ensemble !", "fr") == "10\u202f000 ❤ ensemble !"
    assert soften("Abonne-toi !", "fr") == "rejoins-nous !"
    assert soften("Send gifts!", "en") == "Send support!"


def test_placeholders_are_left_for_the_real_values_and_built_in_texts_still_read_well() -> None:
    assert risky_words("{user} envoie {gift} ×{count}") == ()  # "{gift}" becomes the gift's name
    assert soften("{target} likes et des gifts", "en") == "{target} ❤ et des support"
    assert texts_for("fr", safe=True)["activity_gift"] == "{user} envoie {gift} ×{count}"
    assert texts_for("fr", safe=True)["activity_follow"] == "{user} nous rejoint"  # not "{user} s'rejoins-nous"
    assert texts_for("en", safe=True)["activity_follow"] == "{user} joined"
    assert texts_for("fr", safe=False)["activity_follow"] == "{user} s'abonne"


def test_each_warning_names_the_text_and_its_config_line() -> None:
    warnings = check(parse_config(CONFIG, "config.yaml"))
    mine = [str(w) for w in warnings if w.where != "built-in text"]
    assert mine == [
        'config.yaml:5: goals.steps[1].label: "10 000 likes ensemble !" shows "likes" on screen',
        'config.yaml:7: challenges[0].text: "Abonne-toi et envoie un cadeau !" shows "Abonne-toi", "cadeau" on screen',
    ]
    assert any(w.key == "fr.likes" for w in warnings)  # the counter's word, on screen


def test_the_built_in_goal_is_warned_of_as_a_built_in_text_not_as_a_line_of_the_file() -> None:
    warnings = check(parse_config("locale: fr\n", "config.yaml"))  # no goals written
    assert [w.key for w in warnings if w.where != "built-in text"] == []  # (it named goals.steps[0].label, no line)
    assert any(w.key == "fr.goal_default_label" for w in warnings)


PER_LANGUAGE = textwrap.dedent(
    """\
    goals:
      steps:
        - id: main
          label:
            fr: "10 000 j'aime ensemble !"
            en: "10,000 hearts together!"
          target: 10000
    challenges:
      - {id: abo, text: {fr: "Rejoins-nous !", en: "Follow!"}}
    """
)


def test_each_language_of_a_text_per_language_is_checked_at_its_own_line() -> None:
    mine = [str(w) for w in check(parse_config(PER_LANGUAGE, "config.yaml")) if w.where != "built-in text"]
    assert mine == [
        'config.yaml:5: goals.steps[0].label.fr: "10 000 j\'aime ensemble !" shows "j\'aime" on screen',
        'config.yaml:9: challenges[0].text.en: "Follow!" shows "Follow" on screen',
    ]


def test_safe_wording_softens_each_language_of_a_text_with_its_own_words() -> None:
    config = softened(parse_config(PER_LANGUAGE, "config.yaml"))
    assert config.goals.steps[0].label == {"fr": "10 000 ❤ ensemble !", "en": "10,000 hearts together!"}
    assert config.challenges[0].text == {"fr": "Rejoins-nous !", "en": "join us!"}


def test_the_console_writes_a_text_as_it_reads_on_screen_without_escapes() -> None:
    """repr() wrote the default goal as '10\\u202f000 likes ensemble\\u202f!'."""
    default_goal = next(w for w in check(parse_config("", "config.yaml")) if w.key == "fr.goal_default_label")
    assert (
        str(default_goal)
        == 'built-in text: fr.goal_default_label: "{target} likes ensemble\u202f!" shows "likes" on screen'
    )
    written = check(parse_config('goals: {steps: [{id: a, label: "10\u202f000 likes\u202f!", target: 5}]}\n', "c.yaml"))
    assert str(written[0]) == 'c.yaml:1: goals.steps[0].label: "10\u202f000 likes\u202f!" shows "likes" on screen'
    two_lines = parse_config('goals: {steps: [{id: a, label: "Objectif\\nlikes", target: 5}]}\n', "config.yaml")
    assert '"Objectif likes" shows' in str(check(two_lines)[0])  # still one console line


def test_french_quotes_words_with_guillemets_and_no_break_spaces() -> None:
    assert quoted("likes", "fr") == "«\u00a0likes\u00a0»"
    assert quoted("likes", "en") == '"likes"'
    assert "«\u00a0Troubleshooting\u00a0»" in TEXTS["fr"]["tiktok_certificate"]


def test_the_stats_page_names_the_top_likers_as_the_widget_does() -> None:
    assert STATS_LABELS["fr"]["likers"] == TEXTS["fr"]["toplikers_title"] == "Top likers"


async def test_safe_wording_softens_what_the_widgets_show(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestServer

    config = parse_config(CONFIG + "safe_wording: true\n", "config.yaml")
    app = create_app(config, source=DrivenSource(), data_dir=tmp_path)
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{server.port}/api/state") as response:
            state = await response.json()
        assert [goal["label"] for goal in state["goals"]] == ["Objectif 1 000 !", "10 000 ❤ ensemble !"]
        async with session.get(f"http://127.0.0.1:{server.port}/widgets/counter") as response:
            page = await response.text()
        options = json.loads(re.search(r'id="overlay-options">(.*?)</script>', page, re.S).group(1))
        assert [text for text in options["texts"].values() if risky_words(text)] == []
        assert options["texts"]["toplikers_title"] == "Top ❤"


def test_the_source_statuses_are_never_warned_of() -> None:
    # They show on the index and control pages, never on stream: a warning for them would be a false one.
    for locale in LOCALES:
        statuses = {key: text for key, text in TEXTS[locale].items() if key.startswith("source_")}
        assert "source_paused" in statuses
        assert {key: risky_words(text) for key, text in statuses.items() if risky_words(text)} == {}
