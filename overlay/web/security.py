"""Web: who may talk to the server. Loopback names only (against DNS rebinding), same-origin websockets,
and a control token for everything that changes state (so a web page the streamer opens cannot drive the overlay).
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePath

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage

from overlay import datafiles
from overlay.web.errors import json_error, json_error_response, one_of, said
from overlay.web.keys import CONFIG, CONTROL_TOKEN

MAX_BODY_BYTES = 64 * 1024  # a bigger request body is refused (413): the API's bodies are a few bytes
ROUTER_NOT_FOUND = web.HTTPNotFound().text  # aiohttp's own 404 ("404: Not Found"), for an address no route has

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::\d+)?")


def host_name(host: str) -> str:
    """`127.0.0.1:8080` -> `127.0.0.1`; `[::1]:8080` -> `[::1]`; anything else is returned whole (and matches nothing).

    Strict: `[::1].evil.com` is not `[::1]`.
    """
    found = _HOST.fullmatch(host)
    return found.group(1) if found else host


def is_loopback(name: str) -> bool:
    """`localhost` or a loopback address *literal*; a DNS name like `127.0.0.1.evil.com` is not one.

    No zone (`::1%eth0`): Python takes any text after `%` as one, which the index page would then show.
    """
    if name in LOOPBACK_NAMES:
        return True
    if "%" in name:
        return False
    try:
        return ipaddress.ip_address(name.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def allowed_host(request: web.Request) -> bool:
    name = host_name(request.host or "").lower().rstrip(".")  # `studio.local.` is `studio.local`
    extra = {h.lower() for h in request.app[CONFIG].server.allowed_hosts}
    return is_loopback(name) or name in extra


def same_origin(request: web.Request) -> bool:
    """A missing Origin is a non-browser client; a browser's must match this server exactly."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin in (f"http://{request.host}", f"https://{request.host}")


# -- the control token ------------------------------------------------------------------------

TOKEN_FILE = "control-token"
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")


def load_or_create_token(data_dir: Path) -> str:
    """The control token kept in `data_dir` (never in config.yaml); created at random on first run.

    The file is readable by its owner only (mode 0600): anyone who can read it can drive the overlay.
    Delete it to get a new token (the old control URLs then stop working). It is never read or written through a
    link, nor taken from a file another user owns (who could have chosen the token): `UnsafeDataFile`.
    """
    path = data_dir / TOKEN_FILE
    token = _read_token(path)
    if not _TOKEN_SHAPE.fullmatch(token):
        token = secrets.token_urlsafe(32)  # 256 bits
        data_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # an empty or broken one (a regular file of ours): a new file, not written over
        fd = datafiles.open_fd(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(token + "\n")
    return token


def _read_token(path: Path) -> str:
    """The token in the file at `path`, made private (0600) if it was not; "" when there is none or it is unreadable."""
    try:
        fd = datafiles.open_fd(path, os.O_RDONLY)
    except FileNotFoundError:
        return ""
    with os.fdopen(fd, "rb") as file:
        if hasattr(os, "geteuid") and os.fstat(fd).st_uid != os.geteuid():
            raise datafiles.UnsafeDataFile(path, "not_yours")
        if hasattr(os, "fchmod"):  # (Windows has no such rights to tighten)
            os.fchmod(fd, 0o600)  # also tightens a file someone copied with looser rights
        text = file.read(1024)
    try:
        return text.decode("ascii").strip()
    except UnicodeDecodeError:
        return ""


def token_matches(request: web.Request, given: str) -> bool:
    """Constant-time comparison, so response timing tells nothing about the token."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), request.app[CONTROL_TOKEN].encode("ascii"))


def _from_this_site(request: web.Request) -> bool:
    """Same origin (exact match), and not a request a browser made on behalf of another site."""
    # Browsers send Sec-Fetch-Site even where they omit Origin (e.g. an <img> or a link from another page).
    return same_origin(request) and request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def check_token(request: web.Request, given: str | None, *, advice: str = "token_missing") -> None:
    """`given` is the control token; `advice` says where to put it when it is missing."""
    if not given:
        json_error(request, web.HTTPUnauthorized, "token_missing", message=advice)
    if not token_matches(request, given):
        json_error(request, web.HTTPForbidden, "token_wrong")


def check_control(request: web.Request) -> None:
    """Refuse a state-changing request unless it comes from this site, with the token, as JSON.

    A foreign Origin gets 403 before anything else, so a page elsewhere learns nothing. The JSON
    content type matters too: a cross-site HTML form can only send form encodings or text/plain.
    """
    if not _from_this_site(request):
        json_error(request, web.HTTPForbidden, "foreign_page")
    # The control page's `?token=` pasted into an action's address (a Companion button): the token was sent, but
    # where only the GET hotkeys read it. "Token missing" alone read wrong to someone who had sent it.
    advice = "token_in_query" if "token" in request.query else "token_missing"
    check_token(request, _bearer(request), advice=advice)
    if request.content_type != "application/json":
        json_error(request, web.HTTPUnsupportedMediaType, "content_type")


def check_hotkey(request: web.Request) -> None:
    """The one state-changing GET (Stream Deck's "Website" action): the token in `?token=` or a Bearer header."""
    if not _from_this_site(request):
        json_error(request, web.HTTPForbidden, "foreign_page")
    if _preloading(request):
        json_error(request, web.HTTPBadRequest, "preload")
    check_token(request, query_token(request) or _bearer(request), advice="token_missing_hotkey")


def query_token(request: web.Request) -> str:
    """The token of `?token=`, without the spaces or line break around it (as a Bearer header's is read): one pasted
    with them was refused there while the control page's buttons, which send it as a header, worked."""
    return request.query.get("token", "").strip()


def _preloading(request: web.Request) -> bool:
    """A browser fetching an address ahead of its opening (`Sec-Purpose: prefetch`, `Purpose: prefetch` in older
    ones, Firefox's `X-Moz: prefetch`, Safari's `X-Purpose: preview` for its Top Sites): Chrome preloads an address
    of its history that the address bar completes, as if typed in, so a hotkey address tried there once could start
    a challenge on stream while the creator is still typing."""
    headers = request.headers
    purpose = " ".join(headers.get(name, "") for name in ("Sec-Purpose", "Purpose", "X-Moz", "X-Purpose")).lower()
    return "prefetch" in purpose or "preview" in purpose


def _bearer(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; an Authorization of another form is refused as such
    (it read "token missing" to someone who had sent the token, without the word Bearer)."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return None
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        json_error(request, web.HTTPUnauthorized, "token_not_bearer")
    return given.strip()


# -- the token kept out of the log ------------------------------------------------------------

# aiohttp's loggers: a request it cannot parse is logged with its raw first line, `?token=` included; an error in a
# handler, with a traceback whose message may quote the request; a websocket client's subprotocols, at WARNING (some
# clients send their credentials there: `new WebSocket(url, ["bearer", token])`).
SERVER_LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.access", "aiohttp.websocket")


def _any_escape(word: str) -> str:
    """A pattern for `word` with any of its letters %-encoded, as aiohttp reads a query name: `%74oken` and `t%6Fken`
    are `token` to it (with re.IGNORECASE, `TOKEN` and `%54OKEN` match too: masking them costs nothing)."""
    return "".join(f"(?:{re.escape(c)}|%{ord(c.lower()):02x}|%{ord(c.upper()):02x})" for c in word)


# `token=` however its name is %-encoded, and a Bearer header: the value (%-encoded or not) up to `&`, a space, a quote.
_SECRET = re.compile(rf"({_any_escape('token')}=|bearer\s+)[^\s&'\"]+", re.IGNORECASE)
# A run of the token's characters, some maybe %-encoded: a running server's token is looked for in it, decoded.
_TOKEN_RUN = re.compile(r"(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2})+")


class HideSecrets(logging.Filter):
    """Masks control tokens in aiohttp's log records, and says a malformed request in one DEBUG line.

    aiohttp logs a request it cannot parse (a stray space, a control character) at ERROR with a traceback
    holding the raw request line: any local client could fill the log with them, and with the token.
    A running server's own token is masked wherever it appears (a path, a Referer, a subprotocol, a quoted query),
    plain or %-encoded; any other under a `token=` or `Bearer` (an old token, another server's).
    """

    def __init__(self) -> None:
        super().__init__()
        # Replaced, never changed in place: servers in other threads (the tests') log while one starts.
        self._tokens: frozenset[str] = frozenset()

    def hide(self, token: str) -> None:
        """Mask `token` wherever it appears, from now on (a server that starts)."""
        self._tokens = self._tokens | {token}

    def forget(self, token: str) -> None:
        self._tokens = self._tokens - {token}

    def masked(self, text: str) -> str:
        """`?token=abc` -> `?token=***`, `Bearer abc` -> `Bearer ***`, `/x/<token>` -> `/x/***`: logs get pasted
        into bug reports."""
        text = _SECRET.sub(r"\1***", text)
        tokens = self._tokens
        if not tokens:
            return text

        def hidden(run: re.Match[str]) -> str:
            decoded = urllib.parse.unquote(run.group())
            return "***" if any(token in decoded for token in tokens) else run.group()

        return _TOKEN_RUN.sub(hidden, text)

    def filter(self, record: logging.LogRecord) -> bool:
        with contextlib.suppress(Exception):  # (args that do not fit the message are the handler's to report)
            record.msg, record.args = self.masked(record.getMessage()), ()
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, BadHttpMessage):  # answered 400 by aiohttp: the client's mistake, not the server's
            record.msg = f"{record.msg}: malformed request, answered 400 ({type(exc).__name__})"
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        if record.exc_info:  # rendered here, masked: no handler formats the raw exception again
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.masked(record.exc_text)
        if record.stack_info:
            record.stack_info = self.masked(record.stack_info)
        return True


LOG_FILTER = HideSecrets()


def hide_secrets_in_logs() -> None:
    """Install LOG_FILTER on aiohttp's loggers (again is harmless)."""
    for name in SERVER_LOGGERS:
        logging.getLogger(name).addFilter(LOG_FILTER)


@web.middleware
async def host_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse requests whose Host is not this machine (a rebound DNS name from a web page)."""
    if not allowed_host(request):
        return json_error_response(request, 403, "host_not_allowed", host=host_name(request.host or ""))
    return await handler(request)


@web.middleware
async def foreign_page_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse what a browser fetches for a page of another site, reads included (opening a link is fine).

    Such a page cannot read the answers (no CORS here), but it could still make the server build
    stats pages or states in a loop during a live, with fetches, images or frames. Tools and scripts
    send no `Sec-Fetch-*` headers; OBS and the overlay's own pages fetch as this site ("same-origin",
    or "none" for what is typed in or bookmarked).
    """
    site = request.headers.get("Sec-Fetch-Site", "same-origin")
    opened = request.headers.get("Sec-Fetch-Mode") == "navigate" and request.headers.get("Sec-Fetch-Dest") == "document"
    if site in ("cross-site", "same-site") and not opened:
        return json_error_response(request, 403, "foreign_page")
    return await handler(request)


def _missing_static_file(request: web.Request) -> bool:
    """A request for /static/NAME where no file NAME is.

    Only a plain name inside the folder is looked at: one with a drive, a root or `..` stays aiohttp's to refuse,
    unread. (On Windows, even asking whether `\\\\host\\share\\x` is a file connects to that host with the user's
    login.)
    """
    resource = request.match_info.route.resource
    if not isinstance(resource, web.StaticResource):
        return False
    name = request.match_info.get("filename", "")
    if not name:
        return True
    parts = PurePath(name.replace("\\", "/"))
    if parts.is_absolute() or parts.anchor or ".." in parts.parts or ":" in name:
        return False
    try:
        return not (Path(resource.get_info()["directory"]) / parts).is_file()
    except (OSError, ValueError):  # a name too long for the system: no such file (aiohttp's own answer is a 500)
        return True


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors under /api/ are JSON, as the README says: the router's own 404 and 405 too, not plain text.

    Elsewhere, the router's own 404 (a mistyped address in OBS: `/widget/goal`) says where the right ones are,
    and so does a file missing under /static/ (aiohttp's answer has no words at all).
    """
    try:
        if _missing_static_file(request):
            raise web.HTTPNotFound()
        return await handler(request)
    except web.HTTPException as exc:
        api = request.path == "/api" or request.path.startswith("/api/")
        if isinstance(exc, web.HTTPNotFound) and exc.text == ROUTER_NOT_FOUND and not api:
            home = f"{request.scheme}://{request.host}/"
            # The address as it came, still %-encoded: a crafted link cannot make it say other words or lines.
            path = request.raw_path.split("?")[0][:200]
            # A stats address (`/stats/abc`): the way back is the list of lives, not the widgets.
            text = (
                said(request, "no_stats_page", path=path, stats=home + "stats")
                if request.path.startswith("/stats/")
                else said(request, "no_page", path=path, home=home)
            )
            raise web.HTTPNotFound(text=text, headers={"X-Content-Type-Options": "nosniff"}) from None
        if exc.status < 400 or exc.content_type == "application/json" or not api:
            raise
        allow = exc.headers.get("Allow")
        headers = {"Allow": allow} if allow else None
        if isinstance(exc, web.HTTPMethodNotAllowed) and allow:
            allowed = one_of(request, [method.strip() for method in allow.split(",")])
            return json_error_response(
                request, exc.status, "wrong_method", headers=headers, method=request.method, allowed=allowed
            )
        if isinstance(exc, web.HTTPNotFound):
            return json_error_response(request, exc.status, "no_such_address", path=request.path)
        if isinstance(exc, web.HTTPRequestEntityTooLarge):
            return json_error_response(request, exc.status, "body_too_large", size=MAX_BODY_BYTES)
        return json_error_response(
            request, exc.status, "http_error", headers=headers, http=str(exc.status), reason=exc.reason
        )
