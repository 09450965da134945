"""Web: the post-live stats pages (`/stats`), their CSV and JSON exports, and `POST /api/lives/new`.

Everything is rendered on the server, the chart included (an SVG, hover values in `<title>`):
no CDN and no script needed, so the page works offline and prints. A small script (`stats.js`) writes the dates
again in the reader's time zone and takes the chart to a moment tapped in the list.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import logging
import math
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from aiohttp import web
from markupsafe import Markup

from overlay.events import NewLive
from overlay.i18n import LOCALES, Locale, format_number
from overlay.sources.base import Simulated
from overlay.stats import (
    BUCKET_SECONDS,
    LULL_RATIO,
    LULL_SECONDS,
    Analysis,
    Outage,
    analyse,
    average_per_minute,
    bar_windows,
    least_likes,
    under_a_minute,
    unseen_seconds,
)
from overlay.web.control import NO_STORE
from overlay.web.errors import json_error, not_found_text
from overlay.web.keys import BUS, ENGINE, PERSISTER, SOURCE, STATS_TURN
from overlay.web.language import asked_locale, page_locale
from overlay.web.pages import render_page_in_thread, running_config
from overlay.web.security import check_control
from overlay.wording import builtin_text

log = logging.getLogger(__name__)

AGAIN_SECONDS = 2.0  # a new live pressed again this soon is the same new live

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Statistiques des lives",
        "lives": "Vos lives",  # (the one under way among them, marked "en cours")
        "none": "Aucun live enregistré pour l'instant. Lancez le serveur pendant un live\u202f: tout est gardé ici.",
        "date": "Date",
        "duration": "Durée",
        "total": "Likes (total du live)",
        "received": "Likes reçus",
        "peak": "Pic (likes/min)",
        "average_col": "Moyenne (likes/min)",
        "goals": "Objectifs atteints",
        "running": "en cours",
        "source": "Source",
        "source_tiktok": "TikTok",
        "source_demo": "démo",
        "source_replay": "rejeu",
        "back": "← Tous les lives",
        "chart": "Likes par tranche de {span}",
        "chart_minute": "Likes par minute",
        "chart_values": "Les valeurs du graphique, en tableau",
        "chart_about": (
            "Survolez une barre pour la valeur. Traits verticaux\u202f: objectifs atteints\u202f; bandes\u202f: défis "
            "(grises en pointillés\u202f: serveur arrêté, connexion à TikTok perdue ou live en pause). Les temps sont "
            "comptés depuis le début du live (h:mm:ss)."
        ),
        "scroll_hint": (
            "Le graphique continue à droite\u202f: faites-le glisser, ou touchez un moment fort pour aller à sa barre."
        ),
        "scroll_hint_plain": "Le graphique continue à droite\u202f: faites-le glisser.",
        "moments": "Moments forts",
        # (What the rule found, not "the rhythm stayed even": a live may go from 94 to 613 likes a bar without a peak.)
        "no_moments": "Pas de pic marqué\u202f: aucun moment n'a dépassé les hauts et bas habituels du live.",
        "no_moments_quiet": "Pas de pic marqué\u202f: trop peu de likes pour en distinguer un.",
        "no_moments_short": "Pas de pic marqué\u202f: le live est trop court pour en distinguer un.",
        "no_likes": "Aucun like reçu pendant ce live.",
        "at": "à",
        "times": "\u00a0× la moyenne",
        "colon": "\u202f: ",  # French puts a narrow no-break space before the colon
        "goal_step": "objectif",
        "goal_col": "Objectif",
        "challenge_col": "Défi",
        "challenge": "défi",
        "reached": "objectif atteint",
        "rhythm": "Rythme",
        "average": "Moyenne",
        "per_minute": "likes/min",
        "under_a_minute": "live de moins d'une minute\u202f: {likes} en {duration}",
        "lull": "Plus long creux",
        "no_lull": "aucun de {seconds} ou plus sous {percent} de la moyenne",  # (dips above it may show)
        "outage": "Serveur arrêté",
        "outage_connection": "Connexion à TikTok perdue",
        "outage_pause": "Live en pause",
        "outage_about_pause": "mis en pause dans l'appli TikTok, ce moment ne compte pas comme un creux",
        "outage_about": "les likes de ce moment sont dans le total du live, pas dans la courbe",
        "outage_about_demo": "la démo ne comptait rien pendant ce temps",
        "from": "à partir de",
        "goals_reached": "Objectifs atteints",
        "no_goals": "Aucun objectif atteint.",
        "target": "Cible",
        "time": "Temps écoulé",
        "challenges": "Défis",
        "no_challenges": "Aucun défi lancé.",
        "outcome": "Résultat",
        "likers": "Top likers",
        "no_likers": "Aucun liker connu par son nom.",
        "export": "Exporter",
        "succeeded": "réussi",
        "failed": "raté",
        "cancelled": "annulé",
        "replaced": "remplacé par le suivant",
        "interrupted": "interrompu (live non poursuivi)",
        "in_progress": "en cours",
        "notice": "Attention",
        "likes": "likes",
        "like": "like",
        "likes_col": "Likes",
        "csv": "seconde,heure,likes,total,serveur_arrete,connexion_perdue,en_pause",
    },
    "en": {
        "title": "Live stats",
        "lives": "Your lives",
        "none": "No live recorded yet. Run the server during a live: everything is kept here.",
        "date": "Date",
        "duration": "Duration",
        "total": "Likes (live total)",
        "received": "Likes received",
        "peak": "Peak (likes/min)",
        "average_col": "Average (likes/min)",
        "goals": "Goals reached",
        "running": "running",
        "source": "Source",
        "source_tiktok": "TikTok",
        "source_demo": "demo",
        "source_replay": "replay",
        "back": "← All lives",
        "chart": "Likes per {span}",
        "chart_minute": "Likes per minute",
        "chart_values": "The chart's values, as a table",
        "chart_about": (
            "Hover a bar for its value. Vertical lines: goals reached; bands: challenges "
            "(grey, dashed: server stopped, connection to TikTok lost or live paused). Times are counted from the "
            "start of the live (h:mm:ss)."
        ),
        "scroll_hint": "The chart goes on to the right: swipe it, or tap a top moment to go to its bar.",
        "scroll_hint_plain": "The chart goes on to the right: swipe it.",
        "moments": "Top moments",
        "no_moments": "No marked peak: no moment stood out above the live's usual ups and downs.",
        "no_moments_quiet": "No marked peak: too few likes to tell one apart.",
        "no_moments_short": "No marked peak: the live is too short to tell one apart.",
        "no_likes": "No likes during this live.",
        "at": "at",
        "times": "\u00a0× the average",
        "colon": ": ",
        "goal_step": "goal",
        "goal_col": "Goal",
        "challenge_col": "Challenge",
        "challenge": "challenge",
        "reached": "goal reached",
        "rhythm": "Rhythm",
        "average": "Average",
        "per_minute": "likes/min",
        "under_a_minute": "a live under a minute: {likes} in {duration}",
        "lull": "Longest lull",
        "no_lull": "none of {seconds} or more below {percent} of the average",
        "outage": "Server stopped",
        "outage_connection": "Connection to TikTok lost",
        "outage_pause": "Live paused",
        "outage_about_pause": "paused in TikTok's app, this time does not count as a lull",
        "outage_about": "the likes of that time are in the live's total, not in the chart",
        "outage_about_demo": "the demo counted nothing meanwhile",
        "from": "from",
        "goals_reached": "Goals reached",
        "no_goals": "No goal reached.",
        "target": "Target",
        "time": "Time into live",
        "challenges": "Challenges",
        "no_challenges": "No challenge started.",
        "outcome": "Outcome",
        "likers": "Top likers",
        "no_likers": "No likers known by name.",
        "export": "Export",
        "succeeded": "succeeded",
        "failed": "failed",
        "cancelled": "cancelled",
        "replaced": "replaced by the next",
        "interrupted": "interrupted (live not continued)",
        "in_progress": "running",
        "notice": "Warning",
        "likes": "likes",
        "like": "like",
        "likes_col": "Likes",
        "csv": "second,time,likes,total,server_down,connection_lost,paused",
    },
}

# The chart's drawing box (SVG user units; the SVG scales to the page width, never under `.chart`'s min-width).
# The right margin holds half of the last time label ("12:00:00"), centred on the live's end.
WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 36, 28, 30
# A bar's hover area reaches this far above the bar, no higher: the space above it is the challenge's or
# outage's band (drawn under the bars), whose tooltip says what ran then. Low bars keep a HIT_MIN-tall one.
HIT_ABOVE, HIT_MIN = 12, 24
BAND_MIN = 4  # a 60-second challenge on a 12-hour chart is 1.2 units wide: too thin to find with the mouse


def add_routes(app: web.Application) -> None:
    app[STATS_TURN] = asyncio.Lock()
    app.router.add_get("/stats", one_at_a_time(lives_page), name="stats")
    app.router.add_get("/stats/", to_the_list)  # (typed or pasted with its slash)
    app.router.add_get(r"/stats/{id:\d+}", one_at_a_time(live_page), name="stats_live")
    app.router.add_get(r"/stats/{id:\d+}.csv", one_at_a_time(live_csv))
    app.router.add_get(r"/stats/{id:\d+}.json", one_at_a_time(live_json))
    app.router.add_post("/api/lives/new", new_live)


def one_at_a_time(
    handler: Callable[[web.Request], Awaitable[web.Response]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Build the stats pages and exports one at a time, and none for a reader who has gone meanwhile.

    aiohttp goes on with a request whose reader has left (a reload, a click elsewhere), so its build runs in full,
    and nothing bounded them: a page of another site may navigate a window it opened to /stats/1 again and again
    (navigations pass `foreign_page_guard`, as links do), each a 12-hour live's build (~0.3 s of a core), queued
    faster than they are made, with the widgets' scripts waiting behind them for a worker thread.
    """

    @functools.wraps(handler)
    async def in_turn(request: web.Request) -> web.Response:
        async with request.app[STATS_TURN]:
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=503, text="the reader has gone")  # (never sent)
            return await handler(request)

    return in_turn


# -- formatting ------------------------------------------------------------------------------


def clock(seconds: float) -> str:
    """Time into the live, always h:mm:ss (`0:24:00`, `1:02:05`): `24:00` would read as a time of day."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def likes_word(count: float, locale: Locale) -> str:
    """`like` for a count shown as 1 (and 0, in French), else `likes`: the number as written decides, 1.4/min
    shows as 1."""
    shown = round(count)
    return LABELS[locale]["like" if shown == 1 or (locale == "fr" and shown == 0) else "likes"]


def count_likes(count: float, locale: Locale) -> str:
    """`1 like`, `4 000 likes`: a no-break space keeps the number with its word."""
    return f"{format_number(count, locale)}\u00a0{likes_word(count, locale)}"


def per_minute(count: float, locale: Locale) -> str:
    """`1 like/min`, `1 200 likes/min`."""
    return f"{count_likes(count, locale)}/min"


def duration(seconds: float) -> str:
    """`1 h 05 min`, `12 min 30 s`, `45 s`, all on one line: no-break spaces, as French writes it (the same
    units in English)."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}\u00a0h\u00a0{minutes:02d}\u00a0min"
    return f"{minutes}\u00a0min\u00a0{secs:02d}\u00a0s" if minutes else f"{secs}\u00a0s"


def quoted(text: str, locale: Locale) -> Markup:
    """The creator's text quoted in a sentence: `« Explose ! »` (no-break spaces inside the guillemets, so `»`
    never starts a line), `“Explose!”`; isolated, so a right-to-left text leaves the sentence's order alone."""
    if locale == "fr":
        return Markup("«\u00a0<bdi>{}</bdi>\u00a0»").format(text)
    return Markup("“<bdi>{}</bdi>”").format(text)


# The short names the browsers' Intl.DateTimeFormat gives (CLDR), so a time reformatted by stats.js in the reader's
# time zone reads as the server wrote it.
WEEKDAYS: dict[Locale, tuple[str, ...]] = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
MONTHS: dict[Locale, tuple[str, ...]] = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


MONTH_NAMES: dict[Locale, tuple[str, ...]] = {
    "fr": ("Janvier", "Février", "Mars", "Avril", "Mai", "Juin", "Juillet", "Août", "Septembre", "Octobre",
           "Novembre", "Décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip


def time_of_day(timestamp: float, locale: Locale, zone: tzinfo | None = None) -> str:
    """`21 h 34` (French), `9:34 pm` (English), in `zone` (the server's own by default)."""
    moment = datetime.fromtimestamp(timestamp, zone)
    if locale == "fr":
        return f"{moment.hour}\u00a0h\u00a0{moment.minute:02d}"
    return f"{(moment.hour - 1) % 12 + 1}:{moment.minute:02d}\u00a0{'am' if moment.hour < 12 else 'pm'}"


def date(timestamp: float, locale: Locale, zone: tzinfo | None = None) -> str:
    """`sam. 5 déc. 2026, 21 h 34`, `Sat 5 Dec 2026, 9:34 pm`, in `zone` (the server's own by default)."""
    moment = datetime.fromtimestamp(timestamp, zone)
    day = f"{moment.day}\u00a0{MONTHS[locale][moment.month - 1]}\u00a0{moment.year}"
    return f"{WEEKDAYS[locale][moment.weekday()]} {day}, {time_of_day(timestamp, locale, zone)}"


def when(timestamp: float, locale: Locale, show: Literal["date", "time"]) -> Markup:
    """A date (or a time of day) in the server's time zone, which stats.js writes again in the reader's own: a
    server in Docker, WSL or on a VPS often runs on UTC. The page still reads well without the script."""
    written = date(timestamp, locale) if show == "date" else time_of_day(timestamp, locale)
    utc = datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Markup('<time datetime="{}" data-show="{}">{}</time>').format(utc, show, written)


# The store writes its notice in English, for the log; the French page recognises its fixed parts.
_NOTICE = re.compile(
    r"The live history (?P<path>.+?) could not be read \((?P<why>.*)\)\. It was moved to (?P<moved>.+) "
    r"and a new, empty history was started; nothing was deleted\.",
    re.DOTALL,
)
_NEWER = re.compile(r"it was written by a newer version of this program \(schema (?P<schema>[^)]*)\)")


def outage_word(outage: Outage, locale: Locale) -> str:
    """What an outage was, in the page's language: the server stopped, TikTok lost, or the live paused."""
    return LABELS[locale][f"outage_{outage.kind}" if outage.kind in ("connection", "pause") else "outage"]


def notice_text(notice: str, locale: Locale) -> str:
    """The store's damaged-history notice in the page's language (an unknown one stays as the store said it)."""
    found = _NOTICE.fullmatch(notice) if locale == "fr" else None
    if found is None:
        return notice
    why = _NEWER.sub(r"il a été écrit par une version plus récente de ce programme (schéma \g<schema>)", found["why"])
    return (
        f"L'historique des lives {found['path']} n'a pas pu être lu ({why}). Il a été déplacé vers "
        f"{found['moved']} et un nouvel historique vide a été commencé\u202f; rien n'a été supprimé."
    )


def isolated(text: str) -> str:
    """The creator's or a viewer's text in a plain-text tooltip, isolated as `<bdi>` does in the page (FIRST
    STRONG ISOLATE ... POP DIRECTIONAL ISOLATE): a right-to-left name leaves the numbers after it in place."""
    return f"\u2068{text}\u2069"


async def _page(template: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    locale = page_locale(request)
    asked = asked_locale(request)
    context = {
        "locale": locale,
        # (Only a language the reader asked for goes on to the next page: one opened from the list in the config's
        # language stayed in it, reloads included, after `locale` was edited.)
        "locale_query": f"?locale={asked}" if asked else "",
        "t": LABELS[locale],
        "n": lambda value: format_number(value, locale),
        "likes": lambda value: count_likes(value, locale),
        "per_minute": lambda value: per_minute(value, locale),
        "under_a_minute": under_a_minute,
        "clock": clock,
        "duration": duration,
        "date": lambda ts: date(ts, locale),
        "when": lambda ts, show="date": when(ts, locale, show),
        "ratio": lambda value: f"{value:.1f}".replace(".", "," if locale == "fr" else "."),
        "quoted": lambda text: quoted(text, locale),
        "notice": notice_text(request.app[PERSISTER].store.notice, locale),
        "outage_word": lambda outage: outage_word(outage, locale),
        **context,
    }
    response = await render_page_in_thread(template, request, context)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- reading a live --------------------------------------------------------------------------


async def _load(request: web.Request) -> dict[str, Any]:
    """A live with everything the page and the exports show; 404 when there is no such live."""
    try:
        live_id = int(request.match_info["id"])
    except ValueError:  # more digits than Python turns into a number (4,300): no such live either
        live_id = 2**63
    store = request.app[PERSISTER].store

    def read() -> dict[str, Any] | None:
        if live_id >= 2**63:  # past SQLite's integers: no such live (not an OverflowError and a 500)
            return None
        live = store.live(live_id)
        if live is None:
            return None
        return {
            "live": live,
            "timeline": store.timeline(live_id),
            "goals": store.goals(live_id),
            "shown": store.goals_shown(live_id),
            "outages": store.outages(live_id),
            "challenges": store.challenges(live_id),
            "likers": store.likers(live_id),
        }

    data = await asyncio.to_thread(read)
    if data is None:
        not_found_text(request, "no_live", id=str(live_id), stats=f"{request.scheme}://{request.host}/stats")
    locale, safe = page_locale(request), running_config(request).safe_wording
    for goal in (*data["goals"], *data["shown"]):
        goal["label"] = _in_page_language(str(goal["label"]), int(goal["target"]), locale, safe)
    for challenge in data["challenges"]:
        # A challenge written per language in config.yaml, in the page's: its row keeps them all since they were
        # recorded (`detail`); an older row has only the text shown on the live, in the config's language then.
        by_locale = (challenge.get("detail") or {}).get("label_by_locale") or {}
        challenge["label"] = by_locale.get(locale) or challenge["label"]
    ladder = request.app[ENGINE].goals
    # (Lives recorded before the goal on screen was kept: their goals are counted along today's ladder.)
    goals = [ladder.goal(index) for index in range(len(data["goals"]) + 1)]
    labels = [goal.labels[locale] if goal.labels else goal.label for goal in goals]
    # Off the event loop, as the reading: a 12-hour live's analysis held the widgets' frames for ~60 ms.
    data["analysis"] = await asyncio.to_thread(
        analyse,
        [(second, likes) for second, likes, _ in data["timeline"]],
        float(data["live"]["seconds"]),
        data["goals"],
        data["challenges"],
        labels,
        data["shown"],
        data["outages"],
    )
    return data


def _in_page_language(label: str, target: int, locale: Locale, safe: bool) -> str:
    """A built-in goal label ("20 000 likes ensemble !"), saved in the config's language then, in the page's own;
    the creator's labels stay as they wrote them."""

    def builtin(language: Locale, softened: bool) -> str:
        return builtin_text("goal_default_label", language, softened).replace(
            "{target}", format_number(target, language)
        )

    if label in {builtin(language, softened) for language in LOCALES for softened in (False, True)}:
        return builtin(locale, safe)
    return label


async def to_the_list(request: web.Request) -> web.Response:
    """`/stats/` is the list of lives, at its own address (`?locale=` kept)."""
    raise web.HTTPFound(request.rel_url.with_path("/stats").with_query(request.rel_url.query))


async def lives_page(request: web.Request) -> web.Response:
    """Every recorded live, newest first, month by month."""
    lives = await asyncio.to_thread(with_averages, request.app[PERSISTER].store.lives)
    locale = page_locale(request)
    months = by_month(lives, locale)
    return await _page(
        "stats.html", request, {"lives": lives, "months": months, "month_names": MONTH_NAMES[locale], "data": None}
    )


def with_averages(read: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The lives `read` gives, each with its average likes per minute (`per_minute`, None for a live under a
    minute) as its own page says it: the list compares lives of 40 minutes and of 4 hours by their pace."""
    lives = read()
    for live in lives:
        live["per_minute"] = average_per_minute(
            int(live["likes"]), float(live["seconds"]), live["outages"], int(live["peak_per_minute"])
        )
    return lives


def by_month(lives: list[dict[str, Any]], locale: Locale) -> list[tuple[str, list[dict[str, Any]]]]:
    """(`Décembre 2026`, its lives) for each month, in the list's order: in the server's time zone, which `stats.js`
    puts in the reader's, as it does the dates."""
    months: list[tuple[str, list[dict[str, Any]]]] = []
    for live in lives:
        moment = datetime.fromtimestamp(float(live["started_at"]))
        name = f"{MONTH_NAMES[locale][moment.month - 1]} {moment.year}"
        if not months or months[-1][0] != name:
            months.append((name, []))
        months[-1][1].append(live)
    return months


async def live_page(request: web.Request) -> web.Response:
    data = await _load(request)
    locale = page_locale(request)
    drawn = await asyncio.to_thread(chart, data, locale)
    context = {
        "lives": None,
        "data": data,
        "chart": drawn,
        "no_moments": no_moments_said(data["analysis"]),
        "no_lull": no_lull_said(locale),
        "under_a_minute_said": LABELS[locale]["under_a_minute"].format(
            likes=count_likes(data["analysis"].likes, locale), duration=duration(float(data["live"]["seconds"]))
        ),
    }
    return await _page("stats.html", request, context)


SHORT_LIVE = 120  # seconds: shorter, a live without a top moment is too short to tell one apart


def no_moments_said(analysis: Analysis) -> str:
    """Why a live has no top moment, as a text key that is true of it: too few likes, too short, or nothing above
    the live's usual ups and downs."""
    if not analysis.likes:
        return "no_likes"
    windows = bar_windows(analysis.buckets, analysis.moment_seconds // BUCKET_SECONDS)
    if max(windows or [0]) < least_likes(analysis.moment_seconds):
        return "no_moments_quiet"  # no bar's width of likes could be a moment
    if analysis.seconds < SHORT_LIVE:
        return "no_moments_short"
    return "no_moments"


def no_lull_said(locale: Locale) -> str:
    """No lull, as the rule found it: "none" alone was said of a live whose bars fell from 400 to 130 for a minute,
    a dip above the rule's threshold."""
    percent = f"{round(LULL_RATIO * 100)}\u202f%" if locale == "fr" else f"{round(LULL_RATIO * 100)}%"
    return LABELS[locale]["no_lull"].format(seconds=duration(LULL_SECONDS), percent=percent)


async def live_csv(request: web.Request) -> web.Response:
    """The per-second like timeline: second into the live, local time, likes that arrived, room total, 1 while
    the server was down, 1 while the connection to TikTok was lost, and 1 while the live was paused in TikTok's app
    (a second only partly in one of those, with likes counted in it, has 0: `unseen_seconds`).

    Every second of the live has its row, 0 likes included: a chart made from it shows the lulls, and the
    outages (the likes of that time arrive in the room total after it). Written for the spreadsheet of the
    page's language (the page's export link says which): a French Excel splits columns at `;`, not `,`, and
    gets French headers; both read `2026-12-06 21:35:07` as a date and time.
    """
    data = await _load(request)
    zone = reader_zone(request.query.get("tz", ""))
    text = await asyncio.to_thread(_timeline_csv, data, page_locale(request), zone)  # (43,200 rows for 12 hours)
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{file_name(data, "csv", zone)}"'},
    )


def reader_zone(name: str) -> tzinfo | None:
    """The time zone `stats.js` puts in the CSV link (`?tz=Europe/Paris`, the browser's), or None for the
    server's own: a server in Docker, WSL or on a VPS often runs on UTC, a spreadsheet wants the creator's hours."""
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed (`../x`), or a folder (`Europe`)
        return None


def _timeline_csv(data: dict[str, Any], locale: Locale, zone: tzinfo | None = None) -> str:
    """`live_csv`'s text: a row for every second of the live, its time of day in `zone` (the server's if None)."""
    started = float(data["live"]["started_at"])
    timeline = data["timeline"]
    recorded = {second: (likes, total) for second, likes, total in timeline}
    last = max([math.ceil(float(data["live"]["seconds"])) - 1, *recorded], default=-1)
    spans: dict[str, list[tuple[float, float]]] = {"server": [], "connection": [], "pause": []}
    for outage in data["outages"]:
        kind = outage["kind"] if outage.get("kind") in ("connection", "pause") else "server"
        spans[kind].append((float(outage["start"]), float(outage["seconds"])))
    # (A second an outage covers only in part, with likes counted in it, is not flagged: `unseen_seconds`.)
    liked = {second for second, (likes, _) in recorded.items() if likes}
    down = {kind: unseen_seconds(spans[kind], liked) for kind in spans}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", delimiter=";" if locale == "fr" else ",")
    writer.writerow(LABELS[locale]["csv"].split(","))
    # Before the first like, the room's count as it stood (a live joined late, or started by hand, has one).
    total = timeline[0][2] - timeline[0][1] if timeline else 0
    for second in range(last + 1):
        likes, total = recorded.get(second, (0, total))  # (a second without likes: the room total as it stood)
        when = datetime.fromtimestamp(started + second, zone).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow([second, when, likes, total, *(int(second in down[kind]) for kind in down)])
    return out.getvalue()


async def live_json(request: web.Request) -> web.Response:
    data = await _load(request)
    zone = reader_zone(request.query.get("tz", ""))
    body = await asyncio.to_thread(_live_json, data)  # (2 MB for 12 hours: ~0.25 s of the loop's time)
    return web.Response(
        body=body,
        content_type="application/json",
        # (named with the live's day where the reader is, as the CSV: `stats.js` adds `?tz=` to both)
        headers={"Content-Disposition": f'attachment; filename="{file_name(data, "json", zone)}"'},
    )


def file_name(data: dict[str, Any], extension: str, zone: tzinfo | None = None) -> str:
    """`live-3-2026-12-05.csv`: the live's day in the name, so that exports of different days (or of two data
    folders, whose numbers start at 1 each) do not overwrite one another in Downloads."""
    day = datetime.fromtimestamp(float(data["live"]["started_at"]), zone).date().isoformat()
    return f"live-{data['live']['id']}-{day}.{extension}"


def _live_json(data: dict[str, Any]) -> bytes:
    """`live_json`'s body."""
    analysis: Analysis = data["analysis"]
    body = {
        "live": data["live"],
        "timeline": [{"second": s, "likes": likes, "total": total} for s, likes, total in data["timeline"]],
        "goals": data["goals"],
        "challenges": data["challenges"],
        "outages": data["outages"],
        "top_likers": data["likers"],
        "analysis": {
            "seconds": analysis.seconds,
            "likes": analysis.likes,
            # (null for a live under a minute: it has no minute to count)
            "per_minute": None if analysis.per_minute is None else round(analysis.per_minute, 1),
            "peak_per_minute": analysis.peak_per_minute,
            "bucket_seconds": BUCKET_SECONDS,
            "buckets": analysis.buckets,
            "moment_seconds": analysis.moment_seconds,  # each moment's span: as long as the chart's bar
            "moments": [
                {
                    "rank": m.rank,
                    "start": m.start,  # its best 10 seconds
                    "counted_from": m.counted_from,  # where its `likes` are counted from (at any 10 s)
                    "bar_start": m.bar,  # the chart's bar it is marked over: one its likes are in
                    "likes": m.likes,
                    "ratio": m.ratio,
                    "goal": m.goal,
                    "goal_step": m.goal_step,
                    "challenge": m.challenge,
                    "reached": m.reached,
                }
                for m in analysis.moments
            ],
            "longest_lull": None
            if analysis.lull is None
            else {"start": analysis.lull.start, "seconds": analysis.lull.seconds},
        },
    }
    return orjson.dumps(body)


# -- a new live by hand ----------------------------------------------------------------------


async def new_live(request: web.Request) -> web.Response:
    """Start a new session now (control token required); the demo starts a fresh simulated live, a replay plays its
    recording again."""
    check_control(request)
    persister, source, engine, bus = request.app[PERSISTER], request.app[SOURCE], request.app[ENGINE], request.app[BUS]
    if getattr(source, "kind", "") == "tiktok" and not engine.room_id:
        # No room joined yet: the new live would be an empty one in the history, and the creator's live, when it
        # begins, starts a new one by itself anyway.
        json_error(request, web.HTTPConflict, "no_room_yet")
    now = bus.clock()
    # A second press soon after (a Stream Deck key hit twice, a script run again) is the same new live: each press
    # made one more live of a second in the history. Likes do not make it another: the demo's come at once.
    if persister.new_by_hand_at is None or now - persister.new_by_hand_at >= AGAIN_SECONDS:
        # Only a simulated live gets a room id from us; TikTok's room stays TikTok's (the new session keeps it).
        room_id = persister.new_live_room() if isinstance(source, Simulated) else ""
        persister.checkpoint(now)  # the last moments of the current live, before the engine resets
        event = NewLive(room_id=room_id)
        bus.publish(event)
        persister.new_by_hand_at = now
        if isinstance(source, Simulated):
            source.new_live(room_id)
        log.info("control: %s", event.to_dict())  # as every other control action
    live = persister.live
    return web.json_response(
        {"ok": True, "live": live.id if live else None, "room_id": engine.room_id}, headers=NO_STORE
    )


# -- the chart -------------------------------------------------------------------------------


def _nice(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return 10.0 * power


def _hit_top(bar_top: float, bottom: float) -> float:
    """Top of a bar's hover area: just above the bar, so the band behind the empty space above stays reachable."""
    return round(max(TOP, min(bar_top - HIT_ABOVE, bottom - HIT_MIN)), 2)


def chart(data: dict[str, Any], locale: Locale) -> dict[str, Any]:
    """Geometry of the SVG chart: bars with hover texts, axes, goal lines, challenge bands, moment markers."""
    t = LABELS[locale]
    analysis: Analysis = data["analysis"]
    size, counts = analysis.moment_seconds, analysis.bars  # (each moment is marked over one of them: `Moment.bar`)
    span = len(counts) * size
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = max(1.0, _nice(max(counts, default=0) / 4))
    top = step * max(1, math.ceil(max(counts, default=0) / step))

    def x(second: float) -> float:
        return round(LEFT + plot_w * min(max(second, 0), span) / span, 2)

    def y(likes: float) -> float:
        return round(TOP + plot_h - plot_h * likes / top, 2)

    width = plot_w / len(counts)
    # The live's end (a like saved just after its last saved second extends it, as in `analyse`): the last bar
    # often covers only its first seconds (a running live's always does), and drawn as wide as the others it made
    # every live seem to end on a drop. It is as wide as the seconds it covers, and its span ends with the live.
    end = max([analysis.seconds, *(second + 1 for second, _, _ in data.get("timeline", [])[-1:])])
    bars = []
    covers = []  # the share of its slot each bar covers (1 but for a last bar cut short)
    for index, likes in enumerate(counts):
        first, stop = index * size, min((index + 1) * size, max(end, index * size + 1))
        cover = (stop - first) / size
        covers.append(cover)
        times = f"{clock(first)}–{clock(stop)}"
        bars.append(
            {
                "start": first,
                "likes": likes,
                "x": round(LEFT + index * width, 2),
                "w": round(max(width * 0.8 * cover, 0.6), 2),
                "hit_w": round(width, 2),
                "hit_y": _hit_top(y(likes), TOP + plot_h),
                "y": y(likes),
                "h": round(TOP + plot_h - y(likes), 2),
                "span": times,
                "title": f"{times}{t['colon']}{count_likes(likes, locale)}",
            }
        )
    y_ticks = [
        {"y": y(value), "label": format_number(value, locale)}
        for value in (step * i for i in range(int(top / step) + 1))
    ]
    every = next((s for s in (30, 60, 120, 300, 600, 900, 1800, 3600, 7200) if span / s <= 10), 14400)
    x_ticks = [{"x": x(second), "label": clock(second)} for second in range(0, span + 1, every)]
    goals = [
        {
            "x": x(float(goal["second"])),
            "title": f"{isolated(goal['label'])} ({format_number(goal['target'], locale)}) — {clock(goal['second'])}",
        }
        for goal in data["goals"]
    ]
    bands = []
    for challenge in data["challenges"]:
        start = x(float(challenge["started"]))
        end = x(float(challenge["ended"]) if challenge["ended"] is not None else span)
        outcome = t.get(challenge["outcome"] or "in_progress", challenge["outcome"] or "")
        bands.append(
            {
                "x": start,
                "w": round(max(end - start, BAND_MIN), 2),
                "title": f"{t['challenge']} {isolated(challenge['label'] or challenge['id'])} — {outcome}",
            }
        )
    outages = [
        {
            "x": x(start),
            "w": round(max(x(stop) - x(start), BAND_MIN), 2),
            "title": f"{outage_word(outage, locale)} — {clock(outage.start)}, {duration(outage.seconds)}",
        }
        for outage in analysis.outages
        # (over its exact time: a crash at 845.6 s shaded second 845 too, whose likes were counted)
        for start, stop in [outage.span or (outage.start, outage.start + outage.seconds)]
    ]
    moments = [
        {
            "rank": m.rank,
            "start": m.start,
            # Over its bar (the middle of the seconds it covers: a last bar cut short is narrower).
            "x": round(x(m.bar) + width * covers[m.bar // size] / 2, 2),
            "y": round(max(y(counts[m.bar // size]) - 12, 10), 2),
        }
        for m in analysis.moments
    ]
    per = f"{size}\u00a0s" if size < 60 else f"{size // 60}\u00a0min"  # ("Likes per minute" for 1 min)
    return {
        "title": t["chart_minute"] if size == 60 else t["chart"].format(span=per),
        "bar_seconds": size,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": TOP + plot_h,
        "bars": bars,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
        "goals": goals,
        "bands": bands,
        "outages": outages,
        "moments": moments,
    }
