"""Web: the control page and the control API (challenges, goal controls, Stream Deck hotkeys).

Every action becomes an event published on the bus, exactly like a like from TikTok, so a
recording replays it and the tests drive it the same way. Every state-changing request is
checked by `security.check_control` (or `check_hotkey` for the one GET route) first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from overlay.config import HOTKEY_ACTIONS
from overlay.events import (
    AddLikes,
    ChallengeCancel,
    ChallengeStart,
    Event,
    GoalNext,
    GoalPrevious,
    GoalReset,
    SetProgress,
)
from overlay.i18n import format_number, own_text, own_texts
from overlay.web.errors import json_error, json_error_response, one_of
from overlay.web.keys import BUS, CONTROL_TOKEN, DATA_DIR, ENGINE
from overlay.web.language import page_locale
from overlay.web.pages import render_page, running_config
from overlay.web.security import (
    LOG_FILTER,
    Handler,
    check_control,
    check_hotkey,
    load_or_create_token,
    query_token,
    token_matches,
)

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
BODY_SECONDS = 10.0  # a request body not all sent by then is refused (408): its connection is not held forever
MAX_PROGRESS = 1_000_000_000  # a sanity bound for {"set": N} and {"add": N}: a billion likes

# `GET /api/hotkeys/{id}`: a challenge id starts that challenge; these names do the rest.
ACTIONS: dict[str, Callable[[], Event]] = {
    "cancel": ChallengeCancel,
    "goal-next": GoalNext,
    "goal-previous": GoalPrevious,
    "goal-reset": GoalReset,
}
assert tuple(ACTIONS) == HOTKEY_ACTIONS, "config.HOTKEY_ACTIONS reserves these names from challenge ids"

# The POST address of each of `ACTIONS` (a challenge's own is `/api/challenges/{id}/start`).
ACTION_PATHS = {
    "/api/challenges/cancel": "cancel",
    "/api/goals/next": "goal-next",
    "/api/goals/previous": "goal-previous",
    "/api/goals/reset": "goal-reset",
}
_START_PATH = re.compile(r"/api/challenges/([A-Za-z0-9_-]{1,40})/start")

# Words the control page's script needs (the rest of the page is in the template).
LABELS = {
    "fr": {
        "running": "en cours",
        "succeeded": "réussi",
        "failed": "raté",
        "none": "Aucun défi en cours",
        "started": "Défi lancé\u202f: {text}",
        "replaced": "Défi remplacé\u202f: {text}",
        "already_running": "Défi déjà en cours\u202f: {text}",
        "cancelled": "Défi annulé",
        "cleared": "Résultat retiré de l'écran",
        "goal_now": "Objectif\u202f: {progress} / {target}",
        "first_goal": "Déjà au premier objectif",
        "last_goal": "Déjà au dernier objectif",
        "goal_reset": "Objectif remis à 0",
        "goal_was_reset": "Objectif déjà à 0",
        "sent": "Envoyé",
        "confirm_reset": "Confirmer\u202f: objectif à 0\u202f?",
        "confirm_new_live": "Confirmer\u202f: nouveau live\u202f?",
        "new_live_done": "Nouveau live commencé",
        "error_line": "Erreur {status}\u202f: {message}",
        "server_error": "Le serveur n'a pas pu le faire (erreur {status})\u202f: les détails sont dans sa console.",
        "unreachable": "Serveur injoignable\u202f: l'overlay est-il lancé\u202f? (la page se reconnecte toute seule)",
        "server_offline": "serveur injoignable, reconnexion…",
        "bad_number": f"Un nombre entier de 0 à {format_number(MAX_PROGRESS, 'fr')}, s'il vous plaît.",
        "no_token": "Pas de jeton\u202f: ouvrez l'adresse /control?token=… affichée au démarrage du serveur.",
        "bad_token": "Jeton refusé\u202f: ouvrez l'adresse /control?token=… affichée au démarrage du serveur.",
        "seconds": "s",
        "no_challenges": "Aucun défi configuré\u202f: ajoutez-en sous «\u202fchallenges:\u202f» dans config.yaml.",
    },
    "en": {
        "running": "running",
        "succeeded": "succeeded",
        "failed": "failed",
        "none": "No challenge running",
        "started": "Challenge started: {text}",
        "replaced": "Challenge replaced: {text}",
        "already_running": "Challenge already running: {text}",
        "cancelled": "Challenge cancelled",
        "cleared": "Result taken off the screen",
        "goal_now": "Goal: {progress} / {target}",
        "first_goal": "Already at the first goal",
        "last_goal": "Already at the last goal",
        "goal_reset": "Goal reset to 0",
        "goal_was_reset": "Goal already at 0",
        "sent": "Sent",
        "confirm_reset": "Sure? Goal to 0",
        "confirm_new_live": "Sure? New live",
        "new_live_done": "New live started",
        "error_line": "Error {status}: {message}",
        "server_error": "The server could not do it (error {status}): the details are in its console.",
        "unreachable": "Server unreachable: is the overlay running? (this page reconnects by itself)",
        "server_offline": "server unreachable, reconnecting…",
        "bad_number": f"A whole number from 0 to {format_number(MAX_PROGRESS, 'en')}, please.",
        "no_token": "No token: open the /control?token=… address printed when the server starts.",
        "bad_token": "Token refused: open the /control?token=… address printed when the server starts.",
        "seconds": "s",
        "no_challenges": "No challenges yet: add some under “challenges:” in config.yaml.",
    },
}


def setup(app: web.Application) -> None:
    """Add the control routes, and load (or create) the control token when the app starts."""
    app.on_startup.append(_load_token)
    app.on_cleanup.append(_forget_token)
    app.router.add_get("/control", control_page, name="control")
    app.router.add_get("/api/challenges", list_challenges)
    # `POST /api/challenges/cancel` takes the challenge off the screen (harmless when there is none).
    for path, action in ACTION_PATHS.items():
        app.router.add_post(path, _action_route(action))
    app.router.add_post("/api/challenges/{id}/start", start_challenge)
    app.router.add_post("/api/goals/progress", goal_progress)
    app.router.add_get("/api/hotkeys/{id}", hotkey, allow_head=False)  # a HEAD must not act


async def _load_token(app: web.Application) -> None:
    app[CONTROL_TOKEN] = load_or_create_token(app[DATA_DIR])
    LOG_FILTER.hide(app[CONTROL_TOKEN])  # wherever aiohttp's messages quote it, plain or %-encoded


async def _forget_token(app: web.Application) -> None:
    if (token := app.get(CONTROL_TOKEN)) is not None:
        LOG_FILTER.forget(token)


def control_url(base: str, token: str) -> str:
    """The ready-to-open control page address printed at start."""
    return f"{base}/control?token={token}"


# -- actions ------------------------------------------------------------------------------------


def _publish(request: web.Request, event: Event) -> web.Response:
    return web.json_response(_apply(request, event), headers=NO_STORE)


def _apply(request: web.Request, event: Event) -> dict[str, Any]:
    """The action takes the events' one path; the answer shows its effect, and `changed` whether it had one
    (false: "previous" on the first goal, a cancel with no challenge), for the control page to say so."""
    bus, engine = request.app[BUS], request.app[ENGINE]
    now = bus.clock()
    before = _on_screen(engine.snapshot(now))
    bus.publish(event)
    changed = _on_screen(engine.snapshot(now)) != before  # at one instant: a countdown going on is no change
    snapshot = engine.snapshot(bus.clock())
    log.info("control: %s", event.to_dict())
    return {
        "ok": True,
        "action": event.name,
        "changed": changed,
        "challenge": snapshot["challenge"],
        "goal": snapshot["goal"],
    }


def _on_screen(snapshot: dict[str, Any]) -> tuple[Any, Any]:
    """What the controls act on: the challenge and the goal."""
    return snapshot["challenge"], snapshot["goal"]


def _start(request: web.Request, challenge_id: str) -> web.Response:
    """Start a challenge; the answer says which of started, replaced or already running (then left untouched: a
    second press of a Stream Deck key, or a moderator pressing too, must not start it again from 0)."""
    challenges = request.app[ENGINE].challenges
    known = challenges.by_id
    if challenge_id not in known:
        json_error(request, web.HTTPNotFound, "unknown_challenge", id=challenge_id, extra={"challenges": list(known)})
    # The engine's log of starts tells what it did, at its own instant: no new line, the challenge went on.
    starts = len(challenges.started)
    answer = _apply(request, ChallengeStart(challenge_id))
    already = len(challenges.started) == starts
    took_off = None if already else challenges.started[-1][3]  # (what the start took off the screen)
    said = "already_running" if already else "replaced" if took_off and took_off[0] == "running" else "started"
    locale = page_locale(request)
    text = own_text(known[challenge_id].text, locale)
    answer["already_running"] = already
    answer["message"] = LABELS[locale][said].replace("{text}", text)
    return web.json_response(answer, headers=NO_STORE)


async def start_challenge(request: web.Request) -> web.Response:
    """`POST /api/challenges/{id}/start`: starts it now, replacing any other challenge on screen; the same one,
    still running, goes on untouched (`already_running` in the answer)."""
    check_control(request)
    return _start(request, request.match_info["id"])


def _action_route(action: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A POST route for one of the argument-free `ACTIONS` (the same ones the Stream Deck route offers)."""
    make = ACTIONS[action]

    async def route(request: web.Request) -> web.Response:
        check_control(request)
        return _publish(request, make())

    return route


async def goal_progress(request: web.Request) -> web.Response:
    """`POST /api/goals/progress` with `{"set": N}` (the goal shows N now) or `{"add": N}` (N likes by hand)."""
    check_control(request)
    body = await _json_object(request)
    if len(body) != 1 or next(iter(body)) not in ("set", "add"):
        json_error(request, web.HTTPBadRequest, "progress_usage")
    key, value = next(iter(body.items()))
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PROGRESS:
        json_error(request, web.HTTPBadRequest, "progress_range", key=key, max=MAX_PROGRESS)
    now = request.app[ENGINE].progress
    if key == "add" and now + value > MAX_PROGRESS:  # (a set is held to the bound: so is what adds make)
        json_error(
            request, web.HTTPBadRequest, "progress_add_range", add=value, total=now + value, now=now, max=MAX_PROGRESS
        )
    return _publish(request, SetProgress(value) if key == "set" else AddLikes(value))


async def hotkey(request: web.Request) -> web.Response:
    """`GET /api/hotkeys/{id}?token=...`: for Stream Deck's "Website" action, which can only send a GET.

    `id` is a challenge id (starts it, as `start_challenge` does: the same one, running, goes on untouched) or one
    of `cancel`, `goal-next`, `goal-previous`, `goal-reset`.
    It acts only with the right token; no other GET changes anything.
    """
    check_hotkey(request)
    name = request.match_info["id"]
    action = ACTIONS.get(name)
    if action is not None:
        return _publish(request, action())
    if name not in request.app[ENGINE].challenges.by_id:
        json_error(
            request,
            web.HTTPNotFound,
            "unknown_hotkey",
            id=name,
            actions=one_of(request, list(ACTIONS)),
            extra={"hotkeys": [*request.app[ENGINE].challenges.by_id, *ACTIONS]},
        )
    return _start(request, name)


def hotkey_for(path: str, challenges: set[str]) -> str | None:
    """The `/api/hotkeys/ID` that does what a POST to `path` does; None when no GET can (a number to send, or a
    challenge that is not among `challenges`: its hotkey address would only answer 404)."""
    if path in ACTION_PATHS:
        return f"/api/hotkeys/{ACTION_PATHS[path]}"
    start = _START_PATH.fullmatch(path)
    if start is None or start.group(1) not in challenges:
        return None
    return f"/api/hotkeys/{start.group(1)}"


@web.middleware
async def hotkey_hint(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A GET to an action's address says which address does it with a GET.

    Stream Deck's "Website" action (and a button of Companion set to GET) can send nothing else: "use POST"
    alone left its user nowhere. The status and code stay those of any wrong method (405 `wrong_method`).
    """
    try:
        return await handler(request)
    except web.HTTPMethodNotAllowed:
        known = {challenge.id for challenge in running_config(request).challenges}
        hotkey = hotkey_for(request.path, known) if request.method == "GET" else None
        if hotkey is None:
            raise
        return json_error_response(
            request,
            405,
            "wrong_method",
            headers={"Allow": "POST"},
            message="wrong_method_hotkey",
            method="GET",
            allowed="POST",
            hotkey=hotkey,
        )


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        async with asyncio.timeout(BODY_SECONDS):
            raw = await request.read()
    except TimeoutError:
        json_error(request, web.HTTPRequestTimeout, "body_timeout", seconds=f"{BODY_SECONDS:g}")
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError):  # (RecursionError: a body nested thousands deep)
        json_error(request, web.HTTPBadRequest, "body_not_json")
    if not isinstance(data, dict):
        json_error(request, web.HTTPBadRequest, "body_not_object")
    return data


# -- read-only ----------------------------------------------------------------------------------


def _challenges(request: web.Request) -> list[dict[str, Any]]:
    """The configured challenges, their texts in the page's language (the config's, unless `?locale=`), and in
    each language (`..._by_locale`, null for a plain text) for a widget opened with its own `?locale=`."""
    locale = page_locale(request)
    return [
        {
            "id": c.id,
            "text": own_text(c.text, locale),
            "text_by_locale": own_texts(c.text),
            "target": c.target,
            "duration": c.duration,
            "hotkey": c.hotkey,
            "success_text": own_text(c.success_text, locale),
            "success_text_by_locale": own_texts(c.success_text),
            "failure_text": own_text(c.failure_text, locale),
            "failure_text_by_locale": own_texts(c.failure_text),
        }
        for c in running_config(request).challenges
    ]


async def list_challenges(request: web.Request) -> web.Response:
    """`GET /api/challenges`: the configured challenges (the challenge widget reads its result texts here)."""
    return web.json_response({"challenges": _challenges(request)}, headers=NO_STORE)


async def control_page(request: web.Request) -> web.Response:
    """`/control?token=...`: buttons and hotkeys for the creator, as an OBS dock (~300 px) or a full page.

    The page works without a token only to say where to find it; its script sends the token from
    its own URL as a Bearer header with each action. The token is never written into the HTML.
    """
    locale = page_locale(request)
    given = query_token(request)
    token_state = "missing" if not given else ("ok" if token_matches(request, given) else "wrong")
    challenges = _challenges(request)
    options = {"locale": locale, "labels": LABELS[locale], "challenges": challenges, "token_state": token_state}
    buttons = [{**c, "target_text": format_number(c["target"], locale) if c["target"] else ""} for c in challenges]
    context = {"locale": locale, "challenges": buttons, "token_state": token_state, "options": options}
    response = render_page("control.html", request, context)
    response.headers.update(NO_STORE)
    return response
