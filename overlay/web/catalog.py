"""Web: the widgets the server offers, with the Browser Source size to give each in OBS."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Widget:
    """One Browser Source page at `/widgets/<name>`."""

    name: str
    title: dict[str, str]
    about: dict[str, str]
    width: int
    height: int
    params: tuple[str, ...] = ()  # URL query options the page understands


WIDGETS: dict[str, Widget] = {
    w.name: w
    for w in (
        Widget(
            "goal",
            {"fr": "Barre d'objectif", "en": "Goal bar"},
            {
                "fr": "L'objectif de likes en cours, sa progression, une célébration quand il est atteint.",
                "en": "The current like goal, its progress, and a celebration when it is reached.",
            },
            1000,
            200,
            ("goal", "locale"),
        ),
        Widget(
            "challenge",
            {"fr": "Défi", "en": "Challenge"},
            {
                "fr": "Le défi lancé depuis la page de contrôle : compte à rebours, progression, réussite ou échec.",
                "en": "The challenge started from the control page: countdown, progress, success or failure.",
            },
            1000,
            300,
        ),
    )
}
