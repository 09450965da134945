"""Web: the errors the server answers, each with a stable code and its words in French and English.

The API answers `{"error": message, "code": code, ...}`: scripts and Stream Deck plugins test the status and
`code`, which never change; `error` is for the person reading it. Messages are in the config's `locale`, or in
the `?locale=fr|en` of the request's address (the control page sends its own), as pages are: never in the
`Accept-Language` a browser or OBS sends, which is the system's language, not the one chosen for the overlay.
"""

from __future__ import annotations

import json
from typing import NoReturn

from aiohttp import web

from overlay.i18n import Locale, format_number
from overlay.web.language import page_locale

# French puts a narrow no-break space (U+202F) before : ; ! ? (so a sign never starts a line of its own);
# quoted names are in « » with no-break spaces, as `wording.quoted` writes them.
MESSAGES: dict[Locale, dict[str, str]] = {
    "fr": {
        "unknown_challenge": "aucun défi n'a l'identifiant «\u00a0{id}\u00a0»",
        "no_room_yet": (
            "aucun live TikTok rejoint pour l'instant\u202f: le vôtre commencera un nouveau live tout seul"
        ),
        "unknown_hotkey": (
            "aucun raccourci «\u00a0{id}\u00a0»\u202f: donnez l'identifiant d'un défi ou l'un de {actions}"
        ),
        "progress_usage": (
            'envoyez {{"set": N}} pour que l\'objectif affiche N, ou {{"add": N}} pour ajouter N likes à la main'
        ),
        "progress_range": (
            "«\u00a0{key}\u00a0» doit être un nombre entier de 0 à {max} (un milliard)\u202f; "
            'envoyez {{"set": N}} ou {{"add": N}}'
        ),
        "progress_add_range": (
            "ajouter {add} porterait l'objectif à {total}, au-delà de {max} (un milliard)\u202f; il en est à {now}"
        ),
        "body_timeout": "le corps de la requête n'est pas arrivé en {seconds}\u00a0s",
        "body_not_json": "le corps de la requête n'est pas du JSON valide",
        "body_not_object": 'le corps doit être un objet JSON\u202f: {{"set": N}} ou {{"add": N}}',
        "body_too_large": "le corps de la requête est trop gros (au plus {size} octets)",
        "token_missing": (
            "jeton de contrôle absent\u202f: envoyez «\u00a0Authorization: Bearer <jeton>\u00a0» "
            "(ouvrez l'adresse de contrôle affichée au démarrage)"
        ),
        "token_wrong": "jeton de contrôle refusé (le bon est dans l'adresse de contrôle affichée au démarrage)",
        "token_missing_hotkey": (
            "jeton de contrôle absent\u202f: mettez-le dans l'adresse du raccourci, /api/hotkeys/ID?token=<jeton> "
            "(il est dans l'adresse de contrôle affichée au démarrage)"
        ),
        "token_in_query": (
            "jeton de contrôle absent\u202f: le jeton dans l'adresse (?token=) ne vaut que pour /api/hotkeys/ID "
            "(GET)\u202f; pour cette action, envoyez l'en-tête «\u00a0Authorization: Bearer <jeton>\u00a0»"
        ),
        "token_not_bearer": (
            "l'en-tête Authorization doit être «\u00a0Bearer <jeton>\u00a0»\u202f: le mot Bearer, une espace, "
            "puis le jeton"
        ),
        "foreign_page": "les requêtes venant d'une autre page web sont refusées",
        "preload": "un préchargement du navigateur ne déclenche rien\u202f: seule l'adresse ouverte agit",
        "ws_option": (
            "«\u00a0{option}\u00a0» n'est pas une option de /ws\u202f; "
            "donnez seulement fps=1..{max}, events=0|1 et locale=fr|en"
        ),
        "ws_fps": "fps={value}\u202f: donnez un nombre entier d'images par seconde de 1 à {max}",
        "ws_events": "events={value}\u202f: donnez 1 (les lots d'animations) ou 0 (l'état seulement)",
        "ws_handshake": (
            "ce n'est pas l'ouverture d'un websocket (en-têtes Upgrade, Sec-WebSocket-Key et Sec-WebSocket-Version)"
        ),
        "content_type": "envoyez «\u00a0Content-Type: application/json\u00a0» (le corps peut être {{}})",
        "host_not_allowed": (
            "le nom «\u00a0{host}\u00a0» n'est pas autorisé\u202f; ajoutez-le à server.allowed_hosts dans config.yaml"
        ),
        "no_such_address": "cette adresse n'existe pas\u202f: {path} (la partie Control API du README les donne)",
        "wrong_method": "{method} n'est pas accepté ici\u202f; utilisez {allowed}",
        "wrong_method_hotkey": (
            "{method} n'est pas accepté ici\u202f; utilisez {allowed}, ou pour un bouton qui n'envoie que des GET "
            "(Stream Deck, action «\u00a0Website\u00a0»)\u202f: {hotkey}?token=<jeton>"
        ),
        "http_error": "requête refusée (erreur HTTP {http})",
        "no_widget": "Aucun widget «\u00a0{name}\u00a0». Widgets\u202f: {widgets}",
        "no_live": "Aucun live n° {id} dans l'historique\u202f; vos lives sont sur {stats}",
        "no_stats_page": "Cette adresse n'existe pas\u202f: {path}. Vos lives sont sur {stats}",
        "no_page": (
            "Cette adresse n'existe pas\u202f: {path}. Les widgets et leurs adresses pour OBS sont sur la page "
            "d'accueil\u202f: {home}"
        ),
    },
    "en": {
        "unknown_challenge": "no challenge with id '{id}'",
        "no_room_yet": "no TikTok live joined yet: yours will start a new live by itself",
        "unknown_hotkey": "no hotkey '{id}': use a challenge id or one of {actions}",
        "progress_usage": 'send {{"set": N}} to make the goal show N, or {{"add": N}} to add N likes by hand',
        "progress_range": (
            '\'{key}\' must be a whole number from 0 to {max} (a billion); send {{"set": N}} or {{"add": N}}'
        ),
        "progress_add_range": "adding {add} would take the goal to {total}, past {max} (a billion); it is at {now}",
        "body_timeout": "the request body did not arrive within {seconds} s",
        "body_not_json": "the body is not valid JSON",
        "body_not_object": 'the body must be a JSON object: {{"set": N}} or {{"add": N}}',
        "body_too_large": "the request body is too large (at most {size} bytes)",
        "token_missing": (
            "control token missing: send 'Authorization: Bearer <token>' (open the control URL printed at start)"
        ),
        "token_wrong": "wrong control token (the current one is in the control URL printed at start)",
        "token_missing_hotkey": (
            "control token missing: put it in the hotkey's address, /api/hotkeys/ID?token=<token> (it is in the "
            "control URL printed at start)"
        ),
        "token_in_query": (
            "control token missing: the token in the address (?token=) is only for /api/hotkeys/ID (GET); for this "
            "action, send the header 'Authorization: Bearer <token>'"
        ),
        "token_not_bearer": (
            "the Authorization header must be 'Bearer <token>': the word Bearer, a space, then the token"
        ),
        "foreign_page": "requests from another web page are refused",
        "preload": "a browser's preloading does nothing: only opening the address acts",
        "ws_option": "'{option}' is not an option of /ws; give only fps=1..{max}, events=0|1 and locale=fr|en",
        "ws_fps": "fps={value}: give a whole number of frames per second from 1 to {max}",
        "ws_events": "events={value}: give 1 (animation batches) or 0 (state only)",
        "ws_handshake": "not a websocket handshake (Upgrade, Sec-WebSocket-Key and Sec-WebSocket-Version headers)",
        "content_type": "send 'Content-Type: application/json' (the body may be {{}})",
        "host_not_allowed": "host '{host}' is not allowed; add it to server.allowed_hosts in config.yaml",
        "no_such_address": "no such address: {path} (the README's Control API lists them)",
        "wrong_method": "{method} is not accepted here; use {allowed}",
        "wrong_method_hotkey": (
            "{method} is not accepted here; use {allowed}, or for a button that only sends GET (Stream Deck's "
            '"Website" action): {hotkey}?token=<token>'
        ),
        "http_error": "request refused ({http} {reason})",
        "no_widget": "No widget named '{name}'. Try: {widgets}",
        "no_live": "No live #{id} in the history; your lives are listed at {stats}",
        "no_stats_page": "There is no page at {path}. Your lives are listed at {stats}",
        "no_page": "There is no page at {path}. The widgets and their addresses for OBS are on the home page: {home}",
    },
}

# Said in a list ("goal-next or goal-reset", "goal-next ou goal-reset").
OR = {"fr": " ou ", "en": " or "}


def said(request: web.Request, code: str, **values: int | str) -> str:
    """`code`'s message in the request's language, `values` filled in (whole numbers written for that language)."""
    locale = page_locale(request)
    return MESSAGES[locale][code].format(
        **{k: format_number(v, locale) if isinstance(v, int) else _writable(v) for k, v in values.items()}
    )


def _writable(text: str) -> str:
    """`text` as UTF-8 can write it: aiohttp reads a header's bytes that are not UTF-8 (a Host of `\\xff`) as lone
    surrogates, which made the answer a 500 (and an ERROR with a traceback in the log); they are shown as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def one_of(request: web.Request, names: list[str]) -> str:
    """`a, b or c` (`a, b ou c`)."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + OR[page_locale(request)] + names[-1]


def _body(
    request: web.Request, code: str, values: dict[str, int | str], extra: dict[str, object], message: str | None = None
) -> str:
    said_as = said(request, message or code, **values)
    return json.dumps({"error": said_as, "code": code, **extra}, ensure_ascii=False)


def json_error(
    request: web.Request,
    status: type[web.HTTPException],
    code: str,
    *,
    extra: dict[str, object] | None = None,
    message: str | None = None,
    **values: int | str,
) -> NoReturn:
    """Stop the request with the API's JSON error: `code`'s message in the request's language (or `message`'s, said
    where the same code needs other advice), and `extra` fields."""
    headers = {"WWW-Authenticate": 'Bearer realm="overlay control"'} if status is web.HTTPUnauthorized else None
    body = _body(request, code, values, extra or {}, message)
    raise status(text=body, content_type="application/json", headers=headers)


def json_error_response(
    request: web.Request,
    status: int,
    code: str,
    *,
    headers: dict[str, str] | None = None,
    message: str | None = None,
    **values: int | str,
) -> web.Response:
    """The same answer as `json_error`, returned (by a middleware) rather than raised."""
    return web.json_response(text=_body(request, code, values, {}, message), status=status, headers=headers)


def not_found_text(request: web.Request, code: str, **values: int | str) -> NoReturn:
    """Stop the request with a 404 page of one line, in the page's language (a widget or live that does not exist)."""
    raise web.HTTPNotFound(text=said(request, code, **values), headers={"X-Content-Type-Options": "nosniff"})
