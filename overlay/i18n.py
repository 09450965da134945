"""On-screen texts in French (default) and English, and locale number formatting."""

from __future__ import annotations

from typing import Literal

Locale = Literal["fr", "en"]

# U+202F NARROW NO-BREAK SPACE: what CLDR (and so the browsers' Intl.NumberFormat) uses in French.
_GROUP = {"fr": "\u202f", "en": ","}

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "goal_default_label": "{target} likes ensemble !",
        "goal_reached": "Objectif atteint !",
        "goal_next": "Prochain objectif",
        "likes": "likes",
        "per_minute": "likes/min",
        "status_connecting": "connexion…",
        "status_offline": "hors ligne",
        "demo": "Live de démonstration",
        "counter_label": "likes",
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
    },
    "en": {
        "goal_default_label": "{target} likes together!",
        "goal_reached": "Goal reached!",
        "goal_next": "Next goal",
        "likes": "likes",
        "per_minute": "likes/min",
        "status_connecting": "connecting…",
        "status_offline": "offline",
        "demo": "Demo live",
        "counter_label": "likes",
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
    },
}


def format_number(value: int | float, locale: Locale) -> str:
    """`10000` -> `10 000` (fr, narrow no-break space) or `10,000` (en)."""
    return f"{round(value):,}".replace(",", _GROUP[locale])


def text(key: str, locale: Locale, **values: int | str) -> str:
    """A translated text with `{name}` placeholders filled; numbers are formatted for the locale."""
    template = TEXTS[locale][key]
    return template.format(**{k: format_number(v, locale) if isinstance(v, int) else v for k, v in values.items()})
