"""Web: the widgets the server offers, with the Browser Source size to give each in OBS and their URL options."""

from __future__ import annotations

from dataclasses import dataclass

# URL options every widget understands (they override the config's `locale` and `theme.*`).
LOOK_PARAMS: tuple[str, ...] = (
    "locale",
    "theme",
    "font",
    "text_color",
    "accent",
    "accent_2",
    "scale",
    "align",
    "valign",
    "fps",  # state frames a second, 1-60 (the server's default: 30)
)


@dataclass(frozen=True, slots=True)
class Widget:
    """One Browser Source page at `/widgets/<name>`."""

    name: str
    title: dict[str, str]
    about: dict[str, str]
    width: int
    height: int
    params: tuple[str, ...] = ()  # the widget's own URL query options, besides LOOK_PARAMS
    settings: str = ""  # its section under the config's `widgets:` (defaults of `params`), if any


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
            ("goal", "variant"),
            "goal",
        ),
        Widget(
            "counter",
            {"fr": "Compteur de likes", "en": "Like counter"},
            {
                "fr": "Un grand nombre animé\u202f: les likes du live (ou de cette session avec ?basis=session).",
                "en": "One big animated number: the live's likes (or this session's with ?basis=session).",
            },
            600,
            200,
            ("basis", "label"),
            "counter",
        ),
        Widget(
            "rhythm",
            {"fr": "Rythme", "en": "Rhythm meter"},
            {
                "fr": "Les likes par minute, leur tendance et un repère au rythme visé.",
                "en": "Likes per minute, their trend, and a marker at the target rhythm.",
            },
            600,
            200,
            ("target", "max"),
            "rhythm",
        ),
        Widget(
            "hearts",
            {"fr": "Cœurs", "en": "Hearts"},
            {
                "fr": "Des cœurs qui s'envolent à chaque like, plafonnés pour rester fluides pendant une tempête.",
                "en": "Hearts floating up with every like, capped so a storm stays smooth.",
            },
            400,
            800,
            ("max",),
            "hearts",
        ),
        Widget(
            "toplikers",
            {"fr": "Top likers", "en": "Top likers"},
            {
                "fr": "Le classement des spectateurs qui ont envoyé le plus de likes, avec leur avatar.",
                "en": "The leaderboard of the viewers who sent the most likes, with their avatars.",
            },
            500,
            500,
            ("count", "title"),
            "toplikers",
        ),
        Widget(
            "activity",
            {"fr": "Activité", "en": "Recent activity"},
            {
                "fr": "Les abonnements, partages et cadeaux, en courtes notifications.",
                "en": "Follows, shares and gifts as short toasts.",
            },
            600,
            400,
            ("seconds", "max", "kinds"),
            "activity",
        ),
        Widget(
            "challenge",
            {"fr": "Défi", "en": "Challenge"},
            {
                "fr": (
                    "Le défi lancé depuis la page de contrôle\u202f: compte à rebours, progression, réussite ou échec."
                ),
                "en": "The challenge started from the control page: countdown, progress, success or failure.",
            },
            1000,
            300,
        ),
    )
}
