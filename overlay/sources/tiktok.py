"""Source: a creator's real TikTok LIVE, through the TikTokLive library (with `tiktok_import`, `tiktok_decoding`).

Two jobs:
- translate TikTokLive's protobuf events into our small events (`overlay.events`), dropping
  what the library replays on every connect so nothing is counted twice, even after a restart
  (the follows, shares and gifts counted in the current room, and the gift streaks counted before
  their end, are remembered in a small file);
- supervise the connection, because the library has none: check politely whether the
  creator is live, connect, reconnect with capped exponential backoff and jitter, honour the
  sign server's rate limits, and say what is happening in words a creator understands.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import os
import random
import re
import ssl
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import certifi
import httpx
import websockets

from overlay.sources import tiktok_import  # noqa: F401  (first: it imports TikTokLive lighter)

# isort: split
from TikTokLive import TikTokLiveClient
from TikTokLive.client.errors import (
    AgeRestrictedError,
    PremiumEndpointError,
    SignAPIError,
    SignatureRateLimitError,
    TikTokLiveError,
    UserNotFoundError,
    UserOfflineError,
    WebcastBlockedError,
)
from TikTokLive.events import (
    CommentEvent,
    ConnectEvent,
    DisconnectEvent,
    FollowEvent,
    GiftEvent,
    LikeEvent,
    LiveEndEvent,
    RoomUserSeqEvent,
    ShareEvent,
)
from TikTokLive.events.custom_events import LivePauseEvent, LiveUnpauseEvent, WebsocketResponseEvent
from TikTokLive.events.proto_events import EVENT_MAPPINGS
from websockets.legacy.exceptions import InvalidStatusCode  # (what TikTokLive's websocket raises; imported by it)

from overlay import datafiles
from overlay.config import TikTokSettings
from overlay.events import (
    Comment,
    Event,
    Follow,
    Gift,
    Like,
    LiveEnded,
    LiveStarted,
    Share,
    SourceStatus,
    User,
    Viewers,
)
from overlay.i18n import status_detail
from overlay.sources.base import Emit
from overlay.sources.tiktok_decoding import (
    build_validators_parse_would_hide,
    decode_only,
    read_envelopes_in_c,
    reuse_validators,
)
from overlay.sources.tiktok_streaks import Streaks

log = logging.getLogger(__name__)

ClientFactory = Callable[[str, str], Any]
"""Builds a TikTokLiveClient for (unique_id, sign_api_key); tests pass one whose network stays local."""

# What the like, comment and gift handlers read (`_on_like`, `_on_comment`, `_on_gift`, `_duplicate`,
# `_count`, `_user`, `_streaking`, and `tiktok_streaks.key_of`): these events arrive as `Slim` views
# holding only these fields (any other raises AttributeError).
VIEWER = ("user.id", "user.nickname", "user.display_id", "user.avatar_thumb.url_list")
SLIM_READS: dict[type, tuple[str, ...]] = {
    LikeEvent: ("common.msg_id", "count", "total", *VIEWER),
    CommentEvent: ("common.msg_id", "content", *VIEWER),
    GiftEvent: (
        "common.msg_id",
        "gift_id",
        "group_id",
        "repeat_count",
        "repeat_end",
        "gift.name",
        "gift.diamond_count",
        "gift.type",
        *VIEWER,
    ),
}

STABLE_SECONDS = 60.0  # a connection that lasted this long resets the backoff: the next drop retries quickly
SEEN_IDS = 5000  # message ids remembered to drop the messages TikTok sends again after a reconnect
COUNTED_IDS = 2000  # follows, shares and gifts of the room kept in the memory file, for after a restart
MEMORY_SECONDS = 0.5  # the memory file is written at most this often (like the live's own state)
MEMORY_FILE = "tiktok-seen.json"  # its usual name, in the data folder
SHUTDOWN_SECONDS = 5.0
STREAK_SECONDS = 10.0  # a gift streak with no news for this long is counted as it stands (its end can go missing)
SIGN_SERVER_SECONDS = 15.0  # for each step of one request to the sign server (connect, send, answer)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings of every client's connections to TikTok, made once: the system's authorities and certifi's.

    A client is made for every check and connection attempt (every `poll_seconds` while the creator
    is not live), and httpx loaded the certificate authorities anew for each (~0.8 MB, once more per
    proxy set in the environment). With two proxies set, the server's memory grew by 15 MB over 15
    failed attempts before it levelled off; with this context it stays flat (bench/README).
    Shared, so never changed after it is made: every client speaks HTTP/1.1 (httpcore sets the same
    ALPN on it for each connection), and `SSL_CERT_FILE`/`SSL_CERT_DIR` are read once, at the first
    client. The client for the sign server (`guard_sign_server`) and the websocket use it too: for
    the websocket, asyncio made a context of its own at each connection, loading the authorities of
    the system on the event loop (35-47 ms without a frame to the widgets, and ~0.8 MB while connected).

    It trusts the authorities `ssl` reads from the system (on Windows, its certificate store; on Linux,
    the system's bundle), so a root certificate an antivirus or a company network installs there works
    here too, as in the browser; and certifi's bundle (httpx's default) for a system with none that
    `ssl` reads (Python on macOS does not read the Keychain: there, certifi's alone). With
    `SSL_CERT_FILE` or `SSL_CERT_DIR` set, that file or folder alone is trusted, as httpx does.
    """
    if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        return httpx.create_ssl_context()
    context = system_tls_context()
    context.load_verify_locations(certifi.where())  # (OpenSSL skips the authorities it has already)
    return context


def system_tls_context() -> ssl.SSLContext:
    """A context that checks certificates against the authorities the system trusts."""
    return ssl.create_default_context()


def default_client(unique_id: str, sign_api_key: str) -> Any:
    """The real client; the key goes to the signer directly, so it never sits in a URL or a log line."""
    web_kwargs: dict[str, Any] = {"httpx_kwargs": {"verify": tls_context()}}
    if sign_api_key:
        web_kwargs["signer_kwargs"] = {"sign_api_key": sign_api_key}
    # (TikTokLive hands `ws_kwargs` it does not know on to the websocket's `create_connection`.)
    # The handle without its "@": TikTokLive strips it for its requests, but not for the referer it sends with
    # them (`https://www.tiktok.com/@@moncompte/live`), which no browser sends.
    client = TikTokLiveClient(
        unique_id=unique_id.removeprefix("@"), web_kwargs=web_kwargs, ws_kwargs={"ssl": tls_context()}
    )
    guard_sign_server(client)
    return client


def proxy_in(environ: Mapping[str, str]) -> str:
    """The proxy TikTok's requests go through (`HTTPS_PROXY` or `ALL_PROXY`, as httpx reads them), without its
    user and password, to name it in the status; "" when there is none."""
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        if value := environ.get(name, "").strip():
            try:
                url = httpx.URL(value if "://" in value else f"http://{value}")
            except (httpx.InvalidURL, ValueError, TypeError):
                return name  # (unreadable: its variable's name, never its text)
            return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
    return ""


def _note_refusals(client: Any, attempt: Attempt) -> None:
    """Have the client's HTTP answers from TikTok noted in `attempt`: TikTokLive reads a body without looking at
    its status, so a 429 or a 503 with an empty or HTML body reaches us only as a JSON error."""

    async def seen(response: httpx.Response) -> None:
        code = response.status_code
        attempt.refused = code if code == 429 or code >= 500 else 0  # (a 404 of an optional look-up is not one)

    with contextlib.suppress(Exception):  # (a stand-in client without an httpx client: nothing to note)
        client.web.httpx_client.event_hooks["response"].append(seen)


def guard_sign_server(client: Any) -> None:
    """Make the client's requests to the sign server check its certificate, and give up on a silent one.

    TikTokLive 7.0.1 makes its sign-server client with certificate checks off and no timeout. That
    client carries the sign_api_key and brings back the address of the websocket to join: anyone
    between this PC and the sign server (a hostile Wi-Fi, a rogue proxy) could read the key or hand
    over a websocket of their own; and a sign server that accepted the connection but never answered
    held the attempt forever, the status stuck on "connecting" (now: nothing for `SIGN_SERVER_SECONDS`
    while connecting, sending or waiting for the answer ends the attempt). This gives the library's client a
    client of the same settings (address, headers and key, redirects) with our TLS context and a
    timeout, through the SDK's public `set_async_httpx_client`. `_attempt_once` closes it.
    """
    sign_server = client.web.signer.sdk_client
    checked = attrs.evolve(sign_server, verify_ssl=tls_context(), timeout=httpx.Timeout(SIGN_SERVER_SECONDS))
    sign_server.set_async_httpx_client(checked.get_async_httpx_client())


def prime_metadata() -> None:
    """Build betterproto's per-class metadata for every event class before any message arrives.

    betterproto2 caches it per class on first use; if an upstream `Webcast*Message` is
    parsed first, its event subclass inherits the wrong field types and `user` loses
    `unique_id` (seen on real lives after a pinned message).
    """
    for cls in (*EVENT_MAPPINGS.values(), FollowEvent, ShareEvent, LiveEndEvent, LivePauseEvent, LiveUnpauseEvent):
        _ = cls._betterproto


class Attempt:
    """What happened during one connection: filled by the listeners, read by the supervisor."""

    def __init__(self) -> None:
        self.room_id = ""
        self.connected_at: float | None = None
        self.heard_at = 0.0  # when anything last came from TikTok (the silence watchdog reads it)
        self.ended = False
        self.started = False  # the live was said to be on (`LiveStarted`); see `TikTokSource._start`
        self.sign_host = ""  # the sign server's, to tell its failures from TikTok's
        self.refused = 0  # the status of TikTok's last HTTP answer if it was a refusal (429, 5xx), else 0


class TikTokSource:
    """Follows one creator's lives, forever: waiting, connected, reconnecting, ended, and again."""

    kind = "tiktok"

    def __init__(
        self,
        settings: TikTokSettings,
        *,
        client_factory: ClientFactory = default_client,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        environ: Mapping[str, str] = os.environ,
        watch_sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        memory: Path | None = None,
    ) -> None:
        """`memory`: the file (usually `MEMORY_FILE` in the data folder) that keeps the ids of the
        follows, shares and gifts counted in the current room, and the gift streaks counted before
        their end, so that what TikTok replays on connect after a restart is not counted again;
        None: remembered only while the process runs."""
        if not settings.unique_id:
            raise ValueError("the tiktok source needs your handle: tiktok.unique_id in config.yaml, or --user @name")
        self.settings = settings
        self.handle = settings.unique_id
        self._client_factory = client_factory
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        # The silence watchdog's own wait, apart from `sleep`: tests that skip the backoff waits
        # would otherwise spin the watchdog, and tests of the watchdog step it by hand.
        self._watch_sleep = watch_sleep
        self._sign_api_key = settings.sign_api_key.get_secret_value() or environ.get("SIGN_API_KEY", "")
        self._proxy = proxy_in(environ)
        self._emit: Emit = lambda event: None
        self._status_now: tuple[str, str] = ("", "")
        self._odd_logged = ""  # the last unreadable answer logged with its traceback (the next alike: --verbose)
        # Replay protection: message ids already seen, and the room's highest like total.
        self._seen: set[tuple[str, int]] = set()
        self._seen_order: deque[tuple[str, int]] = deque()
        self._room_id = ""
        self._high_total = 0
        self._floor = -1  # likes replayed on connect with a total <= this were counted before the reconnect
        self._first_batch = False
        self._attempt = Attempt()
        self._memory = memory
        self._counted: deque[tuple[str, int]] = deque(maxlen=COUNTED_IDS)  # what the memory file keeps
        self._counted_changed = False
        self._joined = False
        self._live_open = False  # a live was joined and has not been said to end (see `_end_live`)
        self._ended_room = ""  # the room whose live was said to end: joining it again waits for news (`_start`)
        self._replayed_ends = 0  # connections in a row that found only that room's end, replayed
        self._streaks = Streaks()  # gift streaks under way, and the ones counted before their end
        # Writes happen on worker threads and one last time at shutdown: the lock and the version
        # make sure an older write never lands after a newer one.
        self._memory_lock = threading.Lock()
        self._memory_version = 0
        self._memory_written = [0]

    def join(self, room_id: str, total: int | None = None) -> None:
        """After a restart: the live `room_id` was counted up to `total` likes (see `Joinable`).

        If the next connection is to that room, the likes TikTok replays on connect with a total
        up to `total` are dropped, as after a reconnect; another room is a new live as usual.
        """
        self._room_id, self._high_total, self._floor = room_id, max(0, total or 0), -1
        self._joined = True
        self._live_open = True

    # -- the supervisor ---------------------------------------------------------------

    async def run(self, emit: Emit) -> None:
        prime_metadata()
        build_validators_parse_would_hide()
        reuse_validators()
        read_envelopes_in_c()
        self._emit = emit
        if self._memory is not None and self._joined:
            await asyncio.to_thread(self._recall, self._memory)
        keeper = asyncio.ensure_future(self._keep_memory())
        try:
            await self._supervise()
        finally:
            keeper.cancel()
            self._save_memory()  # on the way out (a shutdown): what was counted up to the last moment

    async def _supervise(self) -> None:
        failures = 0
        self._status("connecting", "source_checking", handle=self.handle)
        while True:
            try:
                outcome = await self._attempt_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay, reason, values = self._explain(exc, failures)
                self._status("error", "source_error", reason=reason, wait=round(delay), **values)
                await self._sleep(delay)
                continue
            if outcome == "offline":
                failures = self._replayed_ends = 0
                if self._end_live():  # it ended while we were not connected, or with no end message
                    self._status("ended", "source_ended", handle=self.handle)
                elif self._status_now[0] != "ended":  # "live ended" stays up until the next live
                    self._status("waiting", "source_waiting", handle=self.handle)
                self._ended_room = ""  # TikTok's check has caught up with the end: that room next is a new live
                await self._sleep(self.settings.poll_seconds)
            elif outcome == "ended":
                failures = 0
                self._status("ended", "source_ended", handle=self.handle)
                # TikTok's live check can lag behind the end: each poll would then connect (a sign-server
                # request) only to be told the end again. Poll less while it does: 1, 2, 4, then 8 times slower.
                self._replayed_ends = 0 if self._attempt.started else self._replayed_ends + 1
                await self._sleep(self.settings.poll_seconds * 2 ** min(max(self._replayed_ends - 1, 0), 3))
            else:  # dropped or silent: the socket closed, or we closed it, while the live goes on
                attempt = self._attempt
                # A silent connection held only while data came: one that connects and then never
                # delivers must keep backing off, not ask the sign server again every minute.
                silent = outcome == "silent"
                until = attempt.heard_at if silent else self._clock()
                if attempt.connected_at is not None and until - attempt.connected_at >= STABLE_SECONDS:
                    failures = 0
                failures += 1
                delay = self._backoff(failures)
                if silent:
                    silence = round(self._clock() - attempt.heard_at)  # (hanging up took a moment too)
                    self._status("reconnecting", "source_silent", silence=silence, wait=round(delay), attempt=failures)
                else:
                    self._status("reconnecting", "source_reconnecting", wait=round(delay), attempt=failures)
                await self._sleep(delay)

    async def _attempt_once(self) -> str:
        """Check, connect and follow one connection: 'offline', 'ended', 'dropped' or 'silent' (errors raise)."""
        self._attempt = attempt = Attempt()  # (first: a client that cannot be made is this attempt's failure)
        client = self._client_factory(self.handle, self._sign_api_key)
        with contextlib.suppress(Exception):  # (the SDK's own field: `signer.client` would make a client to ask it)
            attempt.sign_host = httpx.URL(client.web.signer.sdk_client._base_url).host
        _note_refusals(client, attempt)
        try:
            if not await client.is_live():
                return "offline"
            self._listen(client)
            if not self._ended_room:  # (after an end, "live ended" stays up while we look whether it goes on)
                self._status("connecting", "source_connecting", handle=self.handle)
            try:
                task = await client.start(fetch_live_check=False)
            except UserOfflineError:  # the live ended between the check and the connect
                return "offline"
            task.add_done_callback(_retrieved)
            attempt.heard_at = self._clock()
            watchdog = asyncio.ensure_future(self._watch(attempt))
            try:
                # `wait` leaves both running if we are cancelled: a shutdown closes the socket
                # politely instead of killing the reader.
                await asyncio.wait((task, watchdog), return_when=asyncio.FIRST_COMPLETED)
                if not task.done():  # the watchdog fired: TikTok went quiet without closing the socket
                    await self._hang_up(client, task)
                    return "silent"
                await task
            except asyncio.CancelledError:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    async with asyncio.timeout(SHUTDOWN_SECONDS):
                        await client.disconnect()
                task.cancel()
                raise
            except Exception:
                if attempt.connected_at is None:
                    raise  # never got in: an error to explain, not a drop
                log.info("the connection to TikTok dropped", exc_info=True)
            finally:
                watchdog.cancel()
            return "ended" if attempt.ended else "dropped"
        finally:
            try:
                self._count_streaks(math.inf)  # a streak cut by the disconnect: its end may never come
            except Exception:
                log.exception("the gift streaks under way could not be counted")
            self._attempt_done()
            with contextlib.suppress(Exception):
                await client.web.close()
            with contextlib.suppress(Exception):  # the sign server's, if made (TikTokLive leaves it open)
                if (sign_client := client.web.signer.sdk_client._async_client) is not None:
                    await sign_client.aclose()

    async def _watch(self, attempt: Attempt) -> None:
        """Return once nothing has come from TikTok for `silence_seconds` (a half-open or stalled socket)."""
        limit = self.settings.silence_seconds
        while (quiet := self._clock() - attempt.heard_at) < limit:
            await self._watch_sleep(limit - quiet)

    async def _hang_up(self, client: Any, task: asyncio.Task[Any]) -> None:
        """Close a silent connection; a half-open socket never answers the close, so don't wait long."""
        try:
            async with asyncio.timeout(SHUTDOWN_SECONDS):
                await client.disconnect()
        except Exception:
            log.debug("the silent TikTok connection did not close cleanly", exc_info=True)
        if not task.done():
            task.cancel()
            await asyncio.wait((task,), timeout=SHUTDOWN_SECONDS)

    def _backoff(self, failures: int) -> float:
        """Doubling wait with +/-20 % jitter (so many overlays do not retry in step), capped."""
        low, high = self.settings.reconnect_min_seconds, self.settings.reconnect_max_seconds
        base: float = min(high, low * 2.0 ** min(failures - 1, 30))
        spread = self._rand()
        return min(high * (0.8 + 0.2 * spread), base * (0.8 + 0.4 * spread))  # (spread at the cap too)

    def _explain(self, exc: BaseException, failures: int) -> tuple[float, str, dict[str, int | str]]:
        """How long to wait after a failed attempt, and why it failed: a text key of `overlay.i18n` and its values."""
        delay = self._backoff(failures)
        slow = max(delay, self.settings.poll_seconds)
        if _untrusted_certificate(exc):
            return slow, "tiktok_certificate", {}
        if isinstance(exc, SignatureRateLimitError) or _rate_limit_unread(exc):
            return max(slow, _rate_limit_wait(exc)), "tiktok_rate_limited", {}
        if isinstance(exc, PremiumEndpointError):
            return slow, "tiktok_premium", {}
        if isinstance(exc, SignAPIError):
            return delay, "tiktok_sign_failed", {"message": _short(exc)}
        if isinstance(exc, httpx.TransportError) and self._attempt.sign_host == _host(exc) != "":
            return delay, "tiktok_sign_silent", {}  # TikTokLive wraps only its connect errors in SignAPIError
        if isinstance(exc, UserNotFoundError):
            return slow, "tiktok_not_found", {"handle": self.handle}
        if isinstance(exc, AgeRestrictedError):
            return slow, "tiktok_age_restricted", {}
        if isinstance(exc, UserOfflineError):
            return slow, "tiktok_offline", {"handle": self.handle}
        if isinstance(exc, WebcastBlockedError):
            return delay, "tiktok_blocked", {}
        if isinstance(exc, InvalidStatusCode | websockets.exceptions.InvalidStatus):
            return delay, "tiktok_blocked", {}  # TikTok answered the websocket with a refusal (not 101, 200 or 400)
        if isinstance(exc, httpx.TransportError | OSError | TimeoutError | websockets.exceptions.WebSocketException):
            if self._proxy:  # the way out is the proxy's: "check this PC's internet connection" would mislead
                return delay, "tiktok_network_proxy", {"proxy": self._proxy}
            return delay, "tiktok_network", {}
        if isinstance(exc, httpx.HTTPStatusError):
            return delay, "tiktok_http", {"code": exc.response.status_code}
        if isinstance(exc, TikTokLiveError):
            return delay, "tiktok_other", {"message": _short(exc)}
        if isinstance(exc, ValueError | KeyError | TypeError | IndexError):
            # TikTokLive reads TikTok's answers without checking them: a captcha page, a block or a rate limit
            # (HTML, an empty body, JSON without the expected fields) ends as one of these. Retry politely, and
            # say TikTok's own refusal when it gave one (a 429 or a 5xx, whose body could not be read either).
            # Its traceback once (it may be ours), then only with --verbose: not on every retry of a two-hour wait.
            said = f"{type(exc).__name__}: {exc}"[:300]
            odd = isinstance(exc, json.JSONDecodeError) or self._attempt.refused or said == self._odd_logged
            (log.debug if odd else log.warning)("TikTok's answer could not be read", exc_info=exc)
            self._odd_logged = said
            if self._attempt.refused:
                return slow, "tiktok_http", {"code": self._attempt.refused}
            return slow, "tiktok_odd_answer", {"error": type(exc).__name__}
        log.warning("unexpected error from TikTokLive", exc_info=exc)
        return delay, "tiktok_unexpected", {"error": type(exc).__name__, "message": _short(exc)}

    def _status(self, status: str, key: str, **params: int | str) -> None:
        """Say what the source is doing: in English in the log, in the configured language on the pages."""
        detail = status_detail(key, params, "en", key)
        if (status, detail) == self._status_now and "wait" not in params:  # (a new wait starts a new countdown)
            return
        self._status_now = (status, detail)
        (log.warning if status == "error" else log.info)("TikTok: %s", detail)
        self._emit(SourceStatus(status, detail, key, params))

    # -- the memory of what was counted, for after a restart --------------------------------

    def _recall(self, path: Path) -> None:
        """Read the memory file: if it is about the room joined, its messages were counted before the restart."""
        try:
            with os.fdopen(datafiles.open_fd(path, os.O_RDONLY), encoding="utf-8") as file:  # not through a link
                data = json.loads(file.read())
            room, ids = str(data["room"]), [(str(kind), int(msg_id)) for kind, msg_id in data["ids"]]
            streaks = Streaks()
            streaks.recall(data.get("streaks", []))  # (not in the files of versions before it)
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError):
            log.warning("%s is unreadable; follows, shares and gifts TikTok replays may count twice", path)
            return
        if room != self._room_id:
            return
        self._streaks = streaks
        self._counted.extend(ids)
        for key in ids:
            if key not in self._seen:
                self._mark_seen(key)
        log.debug("remembered %d follows, shares and gifts of room %s", len(ids), room)

    async def _keep_memory(self) -> None:
        """Write the memory file every `MEMORY_SECONDS` when it changed, on a worker thread."""
        while True:
            await asyncio.sleep(MEMORY_SECONDS)
            if write := self._memory_write():
                await asyncio.to_thread(write)

    def _save_memory(self) -> None:
        if write := self._memory_write():
            write()  # waits for a write in progress on the worker thread, if any: the newest lands last

    def _memory_write(self) -> Callable[[], None] | None:
        """What to write now, taken on the event loop; None when nothing changed."""
        if not (self._counted_changed or self._streaks.changed) or self._memory is None:
            return None
        self._counted_changed = self._streaks.changed = False
        self._memory_version += 1
        return functools.partial(
            _write_memory,
            self._memory,
            self._memory_lock,
            self._memory_written,
            self._memory_version,
            {"room": self._room_id, "ids": list(self._counted), "streaks": self._streaks.remembered()},
        )

    def _count(self, ev: Any) -> None:
        """Remember a follow, share or gift that was counted (by its message id), for after a restart."""
        msg_id = int(getattr(getattr(ev, "common", None), "msg_id", 0) or 0)
        if msg_id:
            self._counted.append((ev.get_type(), msg_id))
            self._counted_changed = True

    # -- the listeners ----------------------------------------------------------------

    def _listen(self, client: Any) -> None:
        """Plain (not async) handlers: pyee calls them in order, inside the library's read loop."""
        handlers: dict[type[Any], Callable[[Any], None]] = {
            ConnectEvent: self._on_connect,
            DisconnectEvent: self._on_disconnect,
            LiveEndEvent: self._on_live_end,
            LivePauseEvent: self._on_pause,
            LiveUnpauseEvent: self._on_unpause,
            WebsocketResponseEvent: self._on_response,
            LikeEvent: self._on_like,
            FollowEvent: lambda ev: self._social(ev, Follow(user=_user(ev.user))),
            ShareEvent: self._on_share,
            GiftEvent: self._on_gift,
            CommentEvent: self._on_comment,
            RoomUserSeqEvent: self._on_viewers,
        }
        for event_type, handler in handlers.items():
            client.add_listener(event_type, handler)
        # The other kinds of messages (joins, rankings...) are not decoded; likes, comments and gifts,
        # the bulk of a busy live, are read in C, only the fields in SLIM_READS.
        decode_only(client, handlers, SLIM_READS)
        # Exceptions in handlers end up here (pyee); without a listener they would vanish.
        client.listens_to("error")(self._on_handler_error)

    def _on_handler_error(self, exc: BaseException) -> None:
        log.error("a TikTok event could not be handled", exc_info=exc)

    def _on_connect(self, ev: Any) -> None:
        room = str(ev.room_id)
        attempt = self._attempt
        attempt.room_id, attempt.connected_at = room, self._clock()
        attempt.heard_at = attempt.connected_at
        if room != self._room_id:  # a new room is a new live: totals start again
            self._room_id, self._high_total, self._floor = room, 0, -1
            self._counted.clear()
            self._streaks.forget_all()
            self._counted_changed = True
        else:  # the same live again: what the library replays now was counted before
            self._floor = self._high_total
        self._first_batch = True
        if room != self._ended_room:
            self._start()
        # else: the room whose end was said. TikTok's live check may have lagged behind that end, and TikTok
        # then replays it on connect: the live is said to be on again only once live news comes (`_on_response`).

    def _start(self) -> None:
        """Say the live joined is on (again)."""
        attempt = self._attempt
        attempt.started, self._ended_room, self._live_open = True, "", True
        self._emit(LiveStarted(room_id=attempt.room_id, total=None))
        self._status("connected", "source_connected", room=attempt.room_id)

    def _on_disconnect(self, ev: Any) -> None:
        log.debug("TikTokLive reported a disconnect")

    def _on_live_end(self, ev: Any) -> None:
        # Not dropped when replayed: a check made just after the end may still see the room live, and
        # TikTok then replays the end on connect (the library hangs up on it all the same).
        self._attempt.ended = True
        self._count_streaks(math.inf)  # the live's last gifts before its end
        self._end_live()

    def _on_pause(self, ev: Any) -> None:
        # The creator paused the live in TikTok's app (the stream stops, the room stays open). The status
        # still reads "connected" (not a lost connection): the words say it, and the stats show a pause.
        if self._attempt.started:
            self._status("connected", "source_paused", handle=self.handle)

    def _on_unpause(self, ev: Any) -> None:
        if self._attempt.started:
            self._status("connected", "source_connected", room=self._attempt.room_id)

    def _end_live(self) -> bool:
        """Say the live ended, once (True if said now).

        TikTok does not always send the end message: a live can also end while the connection is
        down, or go quiet until the watchdog hangs up. The next check then finds the creator offline,
        and that ends the live joined (`_supervise`), or the one resumed after a restart (`join`).
        """
        if not self._live_open:
            return False
        self._live_open, self._ended_room = False, self._room_id
        self._emit(LiveEnded())
        return True

    def _on_response(self, ev: Any) -> None:
        # The library announces each message's envelope first, for every message TikTok sends
        # (viewer counts, unknown and unparsable ones included): the watchdog's sign of life.
        # (TikTok's own heartbeat and ack frames are dropped inside the library, unseen.)
        # `is_first` marks the batch it replays on connect, as opposed to live websocket frames.
        attempt = self._attempt
        attempt.heard_at = now = self._clock()
        self._first_batch = bool(ev.raw.is_first)
        if not (self._first_batch or attempt.started or attempt.connected_at is None):
            self._start()  # news from a room whose end was said: its live goes on
        if self._streaks:  # (one look at the oldest, most of the time)
            self._count_streaks(now - STREAK_SECONDS)

    def _on_like(self, ev: Any) -> None:
        if self._duplicate(ev):
            return
        total = int(ev.total) or None
        if total is not None:
            if self._first_batch and total <= self._floor:
                return  # replayed from before the reconnect: its hearts are already counted
            self._high_total = max(self._high_total, total)
        count = int(ev.count)
        if count <= 0 and total is None:
            return
        self._emit(Like(count=max(0, count), total=total, user=_user(ev.user)))

    def _on_share(self, ev: Any) -> None:
        # TikTokLive makes a ShareEvent of every message whose text key holds "share": also of TikTok's
        # "N viewers joined through @x's share" (`pm_mt_guidance_viewer_N_share`), which is no new share.
        try:
            notice = ev.users_joined is not None
        except ValueError:  # a "viewer_..._share" key with something else than a number in it
            notice = True
        if not notice:
            self._social(ev, Share(user=_user(ev.user)))

    def _social(self, ev: Any, event: Event) -> None:
        if not self._duplicate(ev):
            self._count(ev)
            self._emit(event)

    def _on_gift(self, ev: Any) -> None:
        """A gift; a streak (a combo of one gift) is counted once, at its end or after STREAK_SECONDS without news."""
        if self._duplicate(ev):
            return
        if not _streaking(ev):
            self._gift(ev, self._streaks.end(ev))
        elif not (self._first_batch and self._floor >= 0):  # a replay of a room we were in: counted before
            self._streaks.step(ev, self._clock())

    def _gift(self, ev: Any, count: int) -> None:
        self._count(ev)  # even adding nothing (a late end): TikTok may replay it after a restart
        if count <= 0:
            return
        gift = ev.gift
        self._emit(
            Gift(
                gift=str(gift.name) if gift is not None else "",
                count=count,
                diamonds=max(0, int(gift.diamond_count)) if gift is not None else 0,
                user=_user(ev.user),
            )
        )

    def _count_streaks(self, older_than: float) -> None:
        """Count the streaks last heard of before `older_than` (all: `math.inf`) as they stand (`tiktok_streaks`)."""
        for message, count in self._streaks.due(older_than):
            self._gift(message, count)

    def _on_comment(self, ev: Any) -> None:
        if not self._duplicate(ev):
            self._emit(Comment(text=str(ev.content), user=_user(ev.user)))

    def _on_viewers(self, ev: Any) -> None:
        self._emit(Viewers(count=max(0, int(ev.total))))

    def _duplicate(self, ev: Any) -> bool:
        """True for a message already handled (TikTok resends recent messages on each connect)."""
        common = getattr(ev, "common", None)
        msg_id = int(getattr(common, "msg_id", 0) or 0)
        if not msg_id:
            return False
        key = (ev.get_type(), msg_id)
        if key in self._seen:
            return True
        self._mark_seen(key)
        return False

    def _mark_seen(self, key: tuple[str, int]) -> None:
        """Remember a message id, forgetting the oldest beyond SEEN_IDS (memory stays bounded)."""
        self._seen.add(key)
        self._seen_order.append(key)
        if len(self._seen_order) > SEEN_IDS:
            self._seen.discard(self._seen_order.popleft())

    def _attempt_done(self) -> None:
        self._first_batch = False


def _write_memory(path: Path, lock: threading.Lock, written: list[int], version: int, content: dict[str, Any]) -> None:
    """Replace the memory file in one step (a crash leaves the old file or the new one, never half of one)."""
    with lock:
        if version <= written[0]:
            return  # a newer version was written already
        written[0] = version
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp")
            # Not through a link left at the temporary name: it would be written over the file it points to.
            fd = datafiles.open_fd(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(json.dumps(content))
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("could not write %s (%s); after a restart, replayed follows may count twice", path, exc)


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark a finished reader's exception as seen: after a hang-up nobody awaits it, and it is expected."""
    if not task.cancelled():
        task.exception()


def _streaking(ev: Any) -> bool:
    """A gift in the middle of a streak: TikTokLive's `GiftEvent.streaking`, from fields a `Slim` gift has too.

    (A streakable gift is one of type 1; `repeat_end` marks the streak's last message.)
    """
    gift = ev.gift
    return gift is not None and gift.type == 1 and not ev.repeat_end


def _user(user: Any) -> User:
    """Our viewer from TikTok's: the @handle as id (numeric id if missing), nickname, small avatar."""
    if user is None:
        return User()
    handle = str(getattr(user, "display_id", "") or "")
    numeric = getattr(user, "id", 0) or 0
    avatar = ""
    thumb = getattr(user, "avatar_thumb", None)
    if thumb is not None and thumb.url_list:
        avatar = str(thumb.url_list[0])
    nickname = str(user.nickname or "") or handle  # a viewer with no nickname shows as their handle
    return User(id=handle or (str(numeric) if numeric else ""), nickname=nickname, avatar=avatar)


def _untrusted_certificate(exc: BaseException) -> bool:
    """Whether a failure came from a certificate this PC does not trust (TikTok's, or the sign server's).

    httpx and TikTokLive wrap the `ssl` error (`SignAPIError` <- `httpx.ConnectError` <- httpcore's
    <- `SSLCertVerificationError`, the last link a suppressed context); the websocket raises it as it is.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__  # httpcore's is `from None`: its context holds it
    return False


def _rate_limit_wait(exc: BaseException) -> float:
    """Seconds the sign server asked to wait in its 429 answer, at most an hour (0 if it did not say).

    TikTokLive 7.0.1's `retry_after` reads `RateLimit-Remaining`, the number of requests left (0 when
    refused), so it is only one reading among the others: `Retry-After`, and `RateLimit-Reset`, in
    seconds or as the unix time of the reset.
    """
    response = getattr(exc, "response", None)
    headers = response.headers if isinstance(response, httpx.Response) else httpx.Headers()
    waits = [0.0]
    for name in ("Retry-After", "RateLimit-Reset", "RateLimit-Remaining"):
        try:
            value = float(headers[name])
        except (KeyError, ValueError):
            continue
        waits.append(value - time.time() if value > 1e9 else value)  # a date, or seconds
    return min(3600.0, max(waits))


def _rate_limit_unread(exc: BaseException) -> bool:
    """Whether TikTokLive failed while making its rate-limit error (a 429 without `RateLimit-Remaining`)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "calculate_retry_after":
            return True
        tb = tb.tb_next
    return False


def _host(exc: httpx.TransportError) -> str:
    """The host an httpx error was about ("" if it does not say)."""
    try:
        return exc.request.url.host
    except RuntimeError:  # raised outside a request
        return ""


def _short(exc: BaseException) -> str:
    """An exception's message on one line, without TikTokLive's version prefix or framed boxes."""
    text = re.sub(r"^TikTokLive v[\w.]+ ->\s*", "", str(exc).strip())
    text = re.sub(r"\s+", " ", text.split("\n\t|")[0]).strip()
    return (text[:160] + "…") if len(text) > 160 else (text or type(exc).__name__)
