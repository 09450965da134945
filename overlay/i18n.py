"""On-screen texts in French (default) and English, and locale number formatting."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

Locale = Literal["fr", "en"]
LOCALES: tuple[Locale, ...] = ("fr", "en")

# U+202F NARROW NO-BREAK SPACE: what CLDR (and so the browsers' Intl.NumberFormat) uses in French.
_GROUP = {"fr": "\u202f", "en": ","}

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        # French puts a narrow no-break space before "!": the "!" never wraps onto a line of its own.
        "goal_default_label": "{target} likes ensemble\u202f!",
        "goal_reached": "Objectif atteint\u202f!",
        "like": "like",
        "likes": "likes",
        "rhythm_title": "Rythme",
        "rhythm_unit": "/min",
        "rhythm_target": "objectif {target}/min",
        "trend_up": "en hausse",
        "trend_down": "en baisse",
        "trend_flat": "stable",
        "toplikers_title": "Top likers",
        "activity_follow": "{user} s'abonne",
        "activity_share": "{user} partage le live",
        "activity_gift": "{user} envoie {gift} ×{count}",
        # What the source is doing (`SourceStatus.key`); `{reason}` is itself one of the tiktok_* texts.
        "source_checking": "vérification du live de {handle}",
        "source_waiting": "en attente du live de {handle}",
        "source_connecting": "connexion au live de {handle}",
        "source_connected": "connecté (live n° {room})",
        "source_paused": "{handle} a mis le live en pause sur TikTok",
        "source_ended": "live terminé\u202f; en attente du prochain live de {handle}",
        "source_reconnecting": "reconnexion dans {wait} (essai {attempt})",
        "source_silent": "aucune donnée de TikTok depuis {silence}\u202f; reconnexion dans {wait} (essai {attempt})",
        "source_error": "erreur\u202f: {reason}\u202f; nouvel essai dans {wait}",
        # The same once the wait is over, while the next try is under way (a slow network: seconds)
        "source_reconnecting_now": "reconnexion en cours (essai {attempt})",
        "source_silent_now": "aucune donnée de TikTok depuis {silence}\u202f; reconnexion en cours (essai {attempt})",
        "source_error_now": "erreur\u202f: {reason}\u202f; nouvel essai en cours",
        "source_demo": "live de démonstration",
        "source_replaying": "rejoue {file} ({count} évènements, ×{speed})",
        "source_replaying_loop": "rejoue {file} en boucle ({count} évènements, ×{speed})",
        "source_finished": "la source {kind} n'a plus rien à jouer",
        "source_replay_over": "rejeu terminé\u202f; «\u202fNouveau live\u202f» sur la page de contrôle le rejoue",
        "source_replay_stopped": (
            "rejeu arrêté\u202f: {reason}\u202f; corrigez l'enregistrement, puis «\u202fNouveau live\u202f» sur la "
            "page de contrôle le rejoue"
        ),
        "source_failed": "la source {kind} s'est arrêtée\u202f: {error}",
        "source_stopped": "la source {kind} s'est arrêtée\u202f: {reason}",
        "recording_missing": "{path}\u202f: fichier introuvable (faites un enregistrement avec --record FICHIER)",
        "recording_unreadable": "{path}\u202f: lecture impossible\u202f: {why}",
        "recording_empty": (
            "{path}\u202f: l'enregistrement ne contient aucun évènement à rejouer "
            "(des états de la connexion seuls ne se rejouent pas)"
        ),
        "tiktok_rate_limited": (
            "impossible de joindre TikTok (limite du serveur de signature atteinte\u202f; "
            "une sign_api_key relève la limite)"
        ),
        "tiktok_premium": "le serveur de signature refuse\u202f: il faut une sign_api_key payante",
        "tiktok_sign_failed": "le serveur de signature a échoué ({message})",
        "tiktok_certificate": (
            "connexion non sécurisée\u202f: le certificat de TikTok ou du serveur de signature n'est pas reconnu "
            "(antivirus ou réseau qui analyse le HTTPS\u202f? vérifiez aussi la date et l'heure du PC\u202f; "
            "voir «\u00a0Troubleshooting\u00a0» dans le README)"
        ),
        "tiktok_sign_silent": "le serveur de signature ne répond pas (souvent passager)",
        "tiktok_not_found": (
            "TikTok n'a pas de compte live {handle} "
            "(vérifiez tiktok.unique_id\u202f; TikTok demande peut-être une vérification anti-robot)"
        ),
        "tiktok_age_restricted": "ce live a une limite d'âge, et TikTok le cache aux spectateurs non connectés",
        "tiktok_offline": "{handle} n'est pas encore en live",
        "tiktok_blocked": "TikTok a refusé la connexion (souvent passager)",
        "tiktok_network": "impossible de joindre TikTok (vérifiez la connexion internet de ce PC)",
        "tiktok_network_proxy": (
            "impossible de joindre TikTok par le proxy {proxy} (vérifiez-le, ou retirez HTTPS_PROXY)"
        ),
        "tiktok_http": "TikTok a répondu {code}",
        "tiktok_other": "TikTok\u202f: {message}",
        "tiktok_odd_answer": (
            "TikTok a renvoyé une réponse inattendue ({error})\u202f: souvent une vérification anti-robot "
            "ou un blocage passager"
        ),
        "tiktok_unexpected": "erreur inattendue {error}\u202f: {message}",
        # Why the live cannot be saved now (`reason` is one of the saving_* texts; `error` as the system said it).
        "saving_failed": "{path}\u202f: {reason} ({error})",
        "saving_disk_full": "le disque est plein\u202f; libérez de la place",
        "saving_read_only": "écriture interdite dans ce fichier ou son dossier (droits, dossier en lecture seule)",
        "saving_missing": "le dossier des données est introuvable (supprimé, déplacé, ou son disque retiré\u202f?)",
        "saving_locked": "un autre programme bloque le fichier",
        "saving_io": "le disque ne répond pas (retiré, ou défaillant\u202f?)",
        "saving_other": "erreur inattendue",
    },
    "en": {
        "goal_default_label": "{target} likes together!",
        "goal_reached": "Goal reached!",
        "like": "like",
        "likes": "likes",
        "rhythm_title": "Rhythm",
        "rhythm_unit": "/min",
        "rhythm_target": "target {target}/min",
        "trend_up": "rising",
        "trend_down": "falling",
        "trend_flat": "steady",
        "toplikers_title": "Top likers",
        "activity_follow": "{user} followed",
        "activity_share": "{user} shared the live",
        "activity_gift": "{user} sent {gift} ×{count}",
        "source_checking": "checking whether {handle} is live",
        "source_waiting": "waiting for {handle} to go live",
        "source_connecting": "connecting to {handle}'s live",
        "source_connected": "connected (room {room})",
        "source_paused": "{handle} paused the live on TikTok",
        "source_ended": "live ended; waiting for {handle} to go live again",
        "source_reconnecting": "reconnecting in {wait} (attempt {attempt})",
        "source_silent": "no data from TikTok for {silence}; reconnecting in {wait} (attempt {attempt})",
        "source_error": "error: {reason}; retrying in {wait}",
        "source_reconnecting_now": "reconnecting now (attempt {attempt})",
        "source_silent_now": "no data from TikTok for {silence}; reconnecting now (attempt {attempt})",
        "source_error_now": "error: {reason}; retrying now",
        "source_demo": "demo live",
        "source_replaying": "replaying {file} ({count} events, ×{speed})",
        "source_replaying_loop": "replaying {file} in a loop ({count} events, ×{speed})",
        "source_finished": "the {kind} source has nothing more to play",
        "source_replay_over": "replay over; “New live” on the control page plays it again",
        "source_replay_stopped": (
            "replay stopped: {reason}; fix the recording, then “New live” on the control page plays it again"
        ),
        "source_failed": "the {kind} source stopped: {error}",
        "source_stopped": "the {kind} source stopped: {reason}",
        "recording_missing": "{path}: file not found (make a recording with --record FILE)",
        "recording_unreadable": "{path}: cannot be read: {why}",
        "recording_empty": "{path}: the recording holds no events to play (connection statuses alone are not played)",
        "tiktok_rate_limited": (
            "could not reach TikTok (rate-limited by the sign server; a sign_api_key raises the limit)"
        ),
        "tiktok_premium": "the sign server refused: this needs a paid sign_api_key",
        "tiktok_sign_failed": "the sign server failed ({message})",
        "tiktok_certificate": (
            "connection not secure: the certificate of TikTok or of the sign server is not trusted "
            "(an antivirus or a network inspecting HTTPS? check the PC's date and time too; "
            "see Troubleshooting in the README)"
        ),
        "tiktok_sign_silent": "the sign server did not answer (usually temporary)",
        "tiktok_not_found": (
            "TikTok has no live account {handle} (check tiktok.unique_id; TikTok may also be checking for bots)"
        ),
        "tiktok_age_restricted": "this live is age-restricted, and TikTok hides it from signed-out viewers",
        "tiktok_offline": "{handle} is not live yet",
        "tiktok_blocked": "TikTok refused the connection (usually temporary)",
        "tiktok_network": "could not reach TikTok (check this PC's internet connection)",
        "tiktok_network_proxy": "could not reach TikTok through the proxy {proxy} (check it, or unset HTTPS_PROXY)",
        "tiktok_http": "TikTok answered {code}",
        "tiktok_other": "TikTok: {message}",
        "tiktok_odd_answer": "TikTok sent an unexpected answer ({error}): often a bot check or a short block",
        "tiktok_unexpected": "unexpected {error}: {message}",
        "saving_failed": "{path}: {reason} ({error})",
        "saving_disk_full": "the disk is full; free some space",
        "saving_read_only": "this file or its folder cannot be written (permissions, a read-only folder)",
        "saving_missing": "the data folder is not there (deleted, moved, or its disk removed?)",
        "saving_locked": "another program holds the file",
        "saving_io": "the disk does not answer (removed, or failing?)",
        "saving_other": "unexpected error",
    },
}


_SPACED_SIGN = re.compile(r"[ \u00a0]([:;!?])(?![\w/])")


def narrow_spaces(text: str) -> str:
    """French written with a plain space before : ; ! ? (for a console), with the pages' narrow no-break space.

    `a : b` -> `a\u202f: b`; `config.yaml:3`, `h:mm:ss` and `http://` have no space before the sign and stay.
    """
    return _SPACED_SIGN.sub("\u202f\\1", text)


def unbroken_signs(text: str) -> str:
    """A creator's text as a page draws it: the space before ! ? : ; » and after « never breaks the line (Chromium
    would put a prompt's "!" alone on a line of its own). As `Overlay.ownText` does in the widgets."""
    return re.sub(r" (?=[!?:;»])", "\u00a0", text).replace("« ", "«\u00a0")


# A text the creator wrote in config.yaml (a goal's label, a challenge's prompt): one text for every language,
# or a text per language (`{fr: "...", en: "..."}`), which need not give them all.
OwnText = str | Mapping[Locale, str]


def own_text(written: OwnText, locale: Locale) -> str:
    """The creator's text as `locale` shows it: a plain text as written; of a text per language, `locale`'s, else
    the first other one given (the creator wrote it in one language only)."""
    if isinstance(written, str):
        return written
    return written.get(locale) or next((written[other] for other in LOCALES if written.get(other)), "")


def own_texts(written: OwnText) -> dict[Locale, str] | None:
    """A text per language, each as `own_text` shows it; None for a plain text (the same in every language)."""
    return None if isinstance(written, str) else {locale: own_text(written, locale) for locale in LOCALES}


def format_number(value: int | float, locale: Locale) -> str:
    """`10000` -> `10 000` (fr, narrow no-break space) or `10,000` (en)."""
    return f"{round(value):,}".replace(",", _GROUP[locale])


def text(key: str, locale: Locale, **values: int | str) -> str:
    """A translated text with `{name}` placeholders filled; numbers are formatted for the locale."""
    template = TEXTS[locale][key]
    return template.format(**{k: format_number(v, locale) if isinstance(v, int) else v for k, v in values.items()})


DURATIONS = frozenset({"wait", "silence"})  # status parameters that are a number of seconds


def format_duration(seconds: float, locale: Locale) -> str:
    """'8 s', '2 min', '1 min 30 s': how long, for a person (the same units in French and English)."""
    whole = max(1, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    spoken = f"{format_number(minutes, locale)} min"
    return spoken if not rest else f"{spoken} {rest} s"


def status_detail(key: str, params: Mapping[str, int | str], locale: Locale, fallback: str = "") -> str:
    """A source status in `locale`: `key`'s text with `params` filled, or `fallback` for an unknown key.

    Parameters named in `DURATIONS` are seconds, said as a duration; `reason` is the key of
    another text, filled with the same parameters; other numbers are formatted for the locale.
    """
    texts = TEXTS[locale]
    if key not in texts:
        return fallback  # a status without a key (demo, replay), or from a newer recording
    values: dict[str, int | str] = {}
    for name, value in params.items():
        if name in DURATIONS and isinstance(value, int):
            values[name] = format_duration(value, locale)
        elif name == "reason" and isinstance(value, str):
            values[name] = status_detail(value, {k: v for k, v in params.items() if k != "reason"}, locale, value)
        else:
            values[name] = value
    try:
        return text(key, locale, **values)
    except (KeyError, IndexError, ValueError):  # a parameter missing or malformed (a hand-edited recording)
        return fallback
