"""The TikTok source: a real TikTokLiveClient talking to a fake TikTok on loopback.

The fake is a local websocket server that sends the same gzip'd `WebcastPushFrame`s as
TikTok, and the client's HTTP calls (live check, room id, sign server) are replaced at the
client's web boundary; its HTTP transport refuses everything else, so nothing can leave
the machine. Sleeps are injected: backoff delays are recorded, never waited.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import sqlite3
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import certifi
import httpx
import pytest
import trustme
import websockets
from aiohttp import web
from aiohttp.test_utils import TestServer
from TikTokLive import TikTokLiveClient
from TikTokLive.client.errors import (
    AgeRestrictedError,
    PremiumEndpointError,
    SignAPIError,
    SignatureRateLimitError,
    UserNotFoundError,
    WebcastBlockedError,
)
from TikTokLive.client.web.routes.fetch_signed_websocket import WebcastPlatform
from TikTokLive.client.ws import ws_connect
from TikTokLive.events import (
    CommentEvent,
    ControlEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    RoomUserSeqEvent,
    SocialEvent,
)
from TikTokLive.events.custom_events import WebsocketResponseEvent
from TikTokLive.proto import (
    CommonMessageData,
    ControlAction,
    FansClubData,
    FansClubMember,
    ImageModel,
    ProtoMessageFetchResult,
    ProtoMessageFetchResultBaseProtoMessage,
    PushHeader,
    WebcastPushFrame,
)
from TikTokLive.proto import (
    Gift as ProtoGift,
)
from TikTokLive.proto import (
    User as ProtoUser,
)
from TikTokLiveProto.v3.webcast.model.message.common import Text
from websockets.asyncio.server import ServerConnection
from websockets.legacy.exceptions import InvalidStatusCode

from overlay.config import Config, TikTokSettings
from overlay.engine.state import Engine
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
from overlay.i18n import format_duration, status_detail
from overlay.sources import tiktok as tiktok_module
from overlay.sources.base import Joinable, Simulated
from overlay.sources.tiktok import MEMORY_FILE, TikTokSource, default_client, tls_context
from overlay.sources.tiktok_decoding import Slim
from overlay.sources.tiktok_decoding import build_validators_parse_would_hide as hide
from overlay.store import FILENAME, Store
from overlay.web import create_app
from overlay.web.keys import CONTROL_TOKEN, PERSISTER
from tests.conftest import http_url, make_config, ws_url

ROOM = 7312345678901234567


# -- building real TikTok messages ------------------------------------------------------------


def viewer(uid: int = 12, handle: str = "lea_77", nickname: str = "Léa") -> ProtoUser:
    return ProtoUser(
        id=uid, nickname=nickname, display_id=handle, avatar_thumb=ImageModel(url_list=[f"https://p16/{handle}.jpg"])
    )


def message(method: str, proto: Any) -> ProtoMessageFetchResultBaseProtoMessage:
    return ProtoMessageFetchResultBaseProtoMessage(method=method, payload=bytes(proto))


def like(count: int, total: int, msg_id: int = 0, user: ProtoUser | None = None) -> Any:
    user = viewer() if user is None else user
    proto = LikeEvent(common=CommonMessageData(msg_id=msg_id), count=count, total=total, user=user)
    return message("WebcastLikeMessage", proto)


def social(kind: str, msg_id: int) -> Any:
    key = {
        "follow": "pm_main_follow_message_viewer_2",
        "share": "pm_mt_guidance_share",
        "share brought 5": "pm_mt_guidance_viewer_5_share",  # TikTok: "5 viewers joined through Hugo's share"
    }[kind]
    # (No local named `common`: pydantic resolves the proto's lazy forward references in the caller's frame.)
    meta = CommonMessageData(msg_id=msg_id, display_text=Text(key=key))
    return message("WebcastSocialMessage", SocialEvent(common=meta, user=viewer(13, "hugo", "Hugo")))


def gift(name: str, diamonds: int, repeat: int, *, streaking: bool, msg_id: int) -> Any:
    proto = GiftEvent(
        common=CommonMessageData(msg_id=msg_id),
        gift=ProtoGift(name=name, diamond_count=diamonds, type=1),
        repeat_count=repeat,
        repeat_end=0 if streaking else 1,
        user=viewer(14, "ines", "Inès"),
    )
    return message("WebcastGiftMessage", proto)


def comment(text: str, msg_id: int) -> Any:
    proto = CommentEvent(common=CommonMessageData(msg_id=msg_id), content=text, user=viewer(15, "adam", "Adam"))
    return message("WebcastChatMessage", proto)


def join(msg_id: int) -> Any:
    """A viewer entering the live: TikTok sends one for each, the source has no use for them."""
    return message("WebcastMemberMessage", JoinEvent(common=CommonMessageData(msg_id=msg_id), user=viewer(16, "noa")))


def viewers(total: int) -> Any:
    return message("WebcastRoomUserSeqMessage", RoomUserSeqEvent(total=total))


def live_end(msg_id: int = 0) -> Any:
    meta = CommonMessageData(msg_id=msg_id)
    return message("WebcastControlMessage", ControlEvent(common=meta, action=ControlAction.STREAM_ENDED))


def control(action: ControlAction, msg_id: int = 0) -> Any:
    """A pause or its end: the creator left TikTok's app, or came back (the room stays open meanwhile)."""
    return message("WebcastControlMessage", ControlEvent(common=CommonMessageData(msg_id=msg_id), action=action))


def push_frame(*messages: Any, ack: str = "", log_id: int = 0) -> bytes:
    """A frame of messages as TikTok pushes them; with `ack`, one the client must acknowledge with that text."""
    result = ProtoMessageFetchResult(messages=list(messages), need_ack=bool(ack), internal_ext=ack)
    return bytes(
        WebcastPushFrame(
            log_id=log_id,
            payload_type="msg",
            headers=[PushHeader(key="compress_type", value="gzip")],
            payload=gzip.compress(bytes(result)),
        )
    )


# -- the fake TikTok ----------------------------------------------------------------------


@dataclass
class Visit:
    """One websocket connection: what the sign server replays, the frames sent, and how it closes."""

    replayed: list[Any] = field(default_factory=list)
    frames: list[list[Any]] = field(default_factory=list)
    close: int | None = 1000  # None: stay open, sending what the test pushes, until told to close
    room: int = ROOM


class FakeTikTok:
    """TikTok as the client sees it, on loopback. `checks` and `signs` script the HTTP answers."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls  # its certificate, for a TikTok over wss:// as the real one
        self.visits: list[Visit] = []
        self.checks: list[bool | BaseException] = []  # answers of the live check; then: live
        self.signs: list[BaseException] = []  # failures of the sign call before it works
        self.uri = ""
        self.connections = 0
        self.clients: list[TikTokLiveClient] = []
        self.outbox: asyncio.Queue[bytes | int] = asyncio.Queue()  # frames to send live, or a close code
        self.received: list[WebcastPushFrame] = []  # what the client sent after entering the room (acks...)
        self._current: Visit | None = None

    async def serve(self) -> AsyncIterator[FakeTikTok]:
        async with websockets.serve(self._handler, "127.0.0.1", 0, ssl=self.tls) as server:
            port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.uri = f"{'wss' if self.tls else 'ws'}://127.0.0.1:{port}"
            yield self

    async def _handler(self, ws: ServerConnection) -> None:
        visit = self._current or Visit(close=None)
        self.connections += 1
        await ws.recv()  # the client's "enter room" frame
        reading = asyncio.ensure_future(self._read(ws))
        for frames in visit.frames:
            await ws.send(push_frame(*frames))
        close = visit.close
        closed = asyncio.ensure_future(ws.wait_closed())
        while close is None and not closed.done():
            item = asyncio.ensure_future(self.outbox.get())
            await asyncio.wait([item, closed], return_when=asyncio.FIRST_COMPLETED)
            if not item.done():
                item.cancel()  # the client left
            elif isinstance(item.result(), int):
                close = item.result()
            else:
                await ws.send(item.result())
        if close is not None:
            await ws.close(code=close)
        closed.cancel()
        reading.cancel()

    async def _read(self, ws: ServerConnection) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for frame in ws:
                self.received.append(WebcastPushFrame().parse(frame if isinstance(frame, bytes) else frame.encode()))

    def push(self, *messages: Any, ack: str = "", log_id: int = 0) -> None:
        """Send one frame on the open connection, as TikTok does during a live."""
        self.outbox.put_nowait(push_frame(*messages, ack=ack, log_id=log_id))

    def drop(self, code: int = 1011) -> None:
        """Close the open connection (1000: TikTok's normal close; 1011: an error)."""
        self.outbox.put_nowait(code)

    def client(self, unique_id: str, sign_api_key: str) -> TikTokLiveClient:
        """A real client whose network ends here: unknown HTTP requests are refused locally."""

        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError(f"tests never leave the machine ({request.url.host})")

        client = TikTokLiveClient(
            unique_id,
            ws_kwargs={"uri": self.uri},
            web_kwargs={
                "httpx_kwargs": {"transport": httpx.MockTransport(refuse)},
                "signer_kwargs": {"sign_api_key": sign_api_key or None, "sign_api_base": "http://127.0.0.1:9"},
            },
        )
        return self.answer(client)

    def real_client(self, unique_id: str, sign_api_key: str) -> TikTokLiveClient:
        """The server's own client (`default_client`), its look-ups answered here and its websocket sent here."""
        client = default_client(unique_id, sign_api_key)
        client._ws._ws_kwargs["uri"] = self.uri
        return self.answer(client)

    def answer(self, client: TikTokLiveClient) -> TikTokLiveClient:
        """Answer the client's look-ups before it connects (is the creator live, the room, the signed URL)."""
        web = client.web

        async def is_live(room_id: int | None = None, unique_id: str | None = None) -> bool:
            answer = self.checks.pop(0) if self.checks else True
            if isinstance(answer, BaseException):
                raise answer
            return answer

        async def room_id(unique_id: str) -> int:
            return self.visits[0].room if self.visits else ROOM

        async def sign(*args: Any, **kwargs: Any) -> ProtoMessageFetchResult:
            if self.signs:
                raise self.signs.pop(0)
            self._current = self.visits.pop(0) if self.visits else Visit(close=None)
            return ProtoMessageFetchResult(is_first=True, messages=list(self._current.replayed))

        web.fetch_is_live = is_live
        web.fetch_room_id_from_html = room_id
        web.fetch_signed_websocket = sign
        self.clients.append(client)
        return client


@pytest.fixture
async def tiktok() -> AsyncIterator[FakeTikTok]:
    async for fake in FakeTikTok().serve():
        yield fake


class Sleeps:
    """The injected sleep: records each wait and returns at once (a few turns of the loop).

    With `hold_from`, that wait and the next ones never end: the source stays where it is.
    """

    def __init__(self, hold_from: int = 0) -> None:
        self.waits: list[float] = []
        self.hold_from = hold_from
        self._more = asyncio.Event()

    async def reach(self, count: int) -> None:
        """Until the source has started `count` waits (some come with no new event to wake `Seen.until`)."""
        async with asyncio.timeout(10):
            while len(self.waits) < count:
                self._more.clear()
                await self._more.wait()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self._more.set()
        if self.hold_from and len(self.waits) >= self.hold_from:
            await asyncio.get_running_loop().create_future()
        await asyncio.sleep(0)


class Ticks:
    """The silence watchdog's injected wait: each one parks until the test, having moved the clock, lets it go."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._parked: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._parked.put_nowait(woken)
        await woken

    async def parked(self) -> asyncio.Future[None]:
        """The next wait the watchdog starts (set its result to end it)."""
        async with asyncio.timeout(10):
            return await self._parked.get()


class Seen:
    """What the source emitted, with a way to await a condition on it."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Condition()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, check: Callable[[], bool]) -> None:
        async with asyncio.timeout(10), self._changed:
            await self._changed.wait_for(check)

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def last(self) -> str:
        """The latest status word ("" before the first)."""
        statuses = self.statuses
        return statuses[-1][0] if statuses else ""

    @property
    def statuses(self) -> list[tuple[str, str]]:
        return [(e.status, e.detail) for e in self.of(SourceStatus)]


def settings(**values: Any) -> TikTokSettings:
    return TikTokSettings(unique_id="@moncompte", **values)


def make_source(fake: FakeTikTok, sleeps: Sleeps, memory: Path | None = None, **values: Any) -> TikTokSource:
    return TikTokSource(
        settings(**values), client_factory=fake.client, sleep=sleeps, rand=lambda: 0.5, environ={}, memory=memory
    )


async def running(source: TikTokSource, seen: Seen) -> asyncio.Task[None]:
    return asyncio.create_task(source.run(seen))


async def connected(tiktok: FakeTikTok) -> tuple[Seen, asyncio.Task[None]]:
    """A source on a live that stays open, once it has connected: what it emits, and its task."""
    tiktok.visits = [Visit(close=None)]
    seen = Seen()
    task = await running(make_source(tiktok, Sleeps()), seen)
    await seen.until(lambda: seen.last == "connected")
    return seen, task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# -- normalisation ------------------------------------------------------------------------


async def test_every_kind_of_message_becomes_our_event(tiktok: FakeTikTok) -> None:
    tiktok.visits = [
        Visit(
            frames=[
                [like(3, 103, msg_id=1), social("follow", 2), social("share", 3)],
                [gift("Rose", 1, 4, streaking=True, msg_id=4), gift("Rose", 1, 5, streaking=False, msg_id=5)],
                [comment("<b>trop bien</b>", 6), viewers(321)],
            ],
            close=None,
        )
    ]
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: bool(seen.of(Viewers)))
    await stop(task)

    assert seen.of(LiveStarted) == [LiveStarted(room_id=str(ROOM), total=None)]
    lea = User(id="lea_77", nickname="Léa", avatar="https://p16/lea_77.jpg")
    assert seen.of(Like) == [Like(count=3, total=103, user=lea)]
    hugo = User(id="hugo", nickname="Hugo", avatar="https://p16/hugo.jpg")
    assert [type(e).__name__ for e in seen.events if isinstance(e, Follow | Gift | Comment)] == [
        "Follow",
        "Gift",
        "Comment",
    ]
    assert seen.of(Follow)[0].user == hugo
    assert seen.of(Gift) == [Gift(gift="Rose", count=5, diamonds=1, user=User("ines", "Inès", "https://p16/ines.jpg"))]
    assert seen.of(Comment)[0].text == "<b>trop bien</b>"
    assert seen.of(Viewers) == [Viewers(count=321)]
    assert ("connected", f"connected (room {ROOM})") in seen.statuses
    assert len(seen.events) == len([*seen.of(SourceStatus), *seen.of(LiveStarted)]) + 6  # share included


def decodings(monkeypatch: pytest.MonkeyPatch, *kinds: type[Any]) -> list[str]:
    """The messages of these kinds that the client decodes, in order (spied on betterproto2's `load`)."""
    decoded: list[str] = []
    for kind in kinds:

        def load(self: Any, *args: Any, _load: Any = kind.load, **kwargs: Any) -> Any:
            decoded.append(type(self).__name__)
            return _load(self, *args, **kwargs)

        monkeypatch.setattr(kind, "load", load)
    return decoded


async def test_messages_it_does_not_read_are_not_decoded_but_still_show_the_live_is_there(
    tiktok: FakeTikTok, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, task = await connected(tiktok)
    announced: list[Any] = []
    tiktok.clients[-1].add_listener(WebsocketResponseEvent, announced.append)  # what the silence watchdog hears
    decoded = decodings(monkeypatch, JoinEvent, LikeEvent, SocialEvent)
    tiktok.push(join(1), join(2))
    tiktok.push(join(3), like(3, 103, msg_id=4), social("follow", 5))
    await seen.until(lambda: bool(seen.of(Follow)))
    await stop(task)
    assert decoded == ["SocialEvent", "FollowEvent"]  # likes are read too, but in C (the next test); joins not at all
    assert len({id(event.raw) for event in announced}) == 2  # every frame, its messages decoded or not
    assert seen.of(Like) == [Like(count=3, total=103, user=User("lea_77", "Léa", "https://p16/lea_77.jpg"))]


async def test_a_fan_club_member_s_follow_is_counted(tiktok: FakeTikTok, monkeypatch: pytest.MonkeyPatch) -> None:
    # Their profile names a class that decoding could not build; that it decodes is checked in a fresh
    # process (tests/test_tiktok_decoding.py), since this one may have built it already. Here: the
    # source builds such classes, once, and the follow counts.
    built: list[list[str]] = []

    def build() -> list[str]:
        built.append(hide())
        return built[-1]

    monkeypatch.setattr(tiktok_module, "build_validators_parse_would_hide", build)
    seen, task = await connected(tiktok)
    member = viewer(13, "hugo", "Hugo")
    member.fans_club = FansClubMember(data=FansClubData(club_name="Les Hugolins", level=7))
    header = CommonMessageData(msg_id=2, display_text=Text(key="pm_main_follow_message_viewer_2"))
    tiktok.push(message("WebcastSocialMessage", SocialEvent(common=header, user=member)))
    await seen.until(lambda: bool(seen.of(Follow)))
    await stop(task)
    assert len(built) == 1
    assert seen.of(Follow)[0].user == User(id="hugo", nickname="Hugo", avatar="https://p16/hugo.jpg")


async def test_likes_comments_and_gifts_are_read_in_c_with_the_same_result(
    tiktok: FakeTikTok, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, task = await connected(tiktok)
    handed: list[Any] = []
    for kind in (LikeEvent, CommentEvent, GiftEvent, WebsocketResponseEvent):
        tiktok.clients[-1].add_listener(kind, handed.append)
    decoded = decodings(monkeypatch, LikeEvent, CommentEvent, GiftEvent)
    rich = viewer(7234567890123456789, "zoé.live", "Zoé 🌸")
    tiktok.push(like(15, 2**40, msg_id=2**62, user=rich), comment("<i>coucou</i> 💖", 6))
    tiktok.push(gift("Rose", 1, 3, streaking=True, msg_id=8), gift("Rose", 1, 5, streaking=False, msg_id=9))
    tiktok.push(like(1, 0, msg_id=7, user=ProtoUser()))  # no viewer, no room total
    await seen.until(lambda: len(seen.of(Like)) == 2 and bool(seen.of(Comment)))
    await stop(task)
    assert decoded == []
    envelopes = [event.raw for event in handed if isinstance(event, WebsocketResponseEvent)]
    assert len(envelopes) == 3  # one per frame
    assert not any(isinstance(envelope, ProtoMessageFetchResult) for envelope in envelopes)  # read in C too
    handed = [event for event in handed if not isinstance(event, WebsocketResponseEvent)]
    assert [event.get_type() for event in handed] == [
        "LikeEvent",
        "CommentEvent",
        "GiftEvent",
        "GiftEvent",
        "LikeEvent",
    ]
    assert all(isinstance(event, Slim) for event in handed)
    assert seen.of(Like) == [
        Like(count=15, total=2**40, user=User("zoé.live", "Zoé 🌸", "https://p16/zoé.live.jpg")),
        Like(count=1, total=None, user=User()),
    ]
    assert seen.of(Comment)[0].text == "<i>coucou</i> 💖"
    assert seen.of(Gift) == [Gift(gift="Rose", count=5, diamonds=1, user=User("ines", "Inès", "https://p16/ines.jpg"))]


async def test_a_frame_that_asks_for_an_ack_gets_it_with_the_envelope_read_in_c(tiktok: FakeTikTok) -> None:
    seen, task = await connected(tiktok)
    tiktok.push(like(2, 40, msg_id=3), ack="internal_src:dim|wss_push_room_id:7", log_id=42)
    await seen.until(lambda: bool(seen.of(Like)))
    for _ in range(3000):  # up to 30 s: the ack crosses a socket, and a loaded machine may take its time
        if any(frame.payload_type == "ack" for frame in tiktok.received):
            break
        await asyncio.sleep(0.01)
    await stop(task)
    assert getattr(ws_connect.extract_webcast_response_message, "in_c", False)  # the envelope was read in C
    acks = [frame for frame in tiktok.received if frame.payload_type == "ack"]
    assert [(ack.log_id, ack.payload) for ack in acks] == [(42, b"internal_src:dim|wss_push_room_id:7")]
    assert seen.of(Like) == [Like(count=2, total=40, user=User("lea_77", "Léa", "https://p16/lea_77.jpg"))]


async def test_likes_reach_the_api_and_a_websocket_through_the_real_app(tiktok: FakeTikTok, tmp_path: Path) -> None:
    tiktok.visits = [Visit(replayed=[like(2, 7500, msg_id=1)], frames=[], close=None)]
    source = make_source(tiktok, Sleeps())
    app = create_app(make_config(), source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        state = await state_where(ws, lambda s: s["likes"]["total"] == 7500)
        # The pages say it in the configured language: French by default (test_status_details_follow_the_locale).
        assert state["source"] == {
            "kind": "tiktok",
            "status": "connected",
            "detail": f"connecté (live n° {ROOM})",
            "detail_by_locale": {"fr": f"connecté (live n° {ROOM})", "en": f"connected (room {ROOM})"},
        }
        assert state["live"]["room_id"] == str(ROOM)
        # A like arriving live, over the fake TikTok's websocket, then the next one.
        tiktok.push(like(15, 7515, msg_id=2))
        tiktok.push(like(7, 7530, msg_id=3, user=viewer(99, "zoe", "Zoé")))
        state = await state_where(ws, lambda s: s["likes"]["total"] == 7530)
        assert state["likes"]["session"] == 2 + 15 + 7
        assert state["goal"]["progress"] == 7530
        async with aiohttp.ClientSession() as http, http.get(http_url(server, "/api/state")) as response:
            api = await response.json()
        assert api["likes"]["total"] == 7530
        assert api["likes"]["session"] == 24


async def state_where(ws: Any, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    async with asyncio.timeout(5):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "state" and check(message["state"]):
                return message["state"]


def test_seconds_are_said_like_a_person_would() -> None:
    expected = ["1 s", "8 s", "1 min", "1 min", "1 min 30 s", "10 min"]
    for locale in ("fr", "en"):
        assert [format_duration(s, locale) for s in (0.2, 8, 59.6, 60, 90, 600)] == expected
    assert (format_duration(90_000, "fr"), format_duration(90_000, "en")) == ("1\u202f500 min", "1,500 min")


def test_no_handle_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="needs your handle"):
        TikTokSource(TikTokSettings())


def test_the_sign_key_comes_from_config_or_environment_and_is_never_shown() -> None:
    given: list[str] = []

    def factory(unique_id: str, key: str) -> Any:
        given.append(key)
        raise RuntimeError("stop here")

    from_env = TikTokSource(settings(), client_factory=factory, environ={"SIGN_API_KEY": "env-key"})
    from_config = TikTokSource(settings(sign_api_key="cfg-key"), client_factory=factory, environ={"SIGN_API_KEY": "x"})
    assert from_env._sign_api_key == "env-key"
    assert from_config._sign_api_key == "cfg-key"
    assert "cfg-key" not in repr(settings(sign_api_key="cfg-key"))
    assert "cfg-key" not in str(make_config(tiktok={"unique_id": "@a_b", "sign_api_key": "cfg-key"}))


async def test_the_real_clients_load_the_certificate_authorities_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A client is made for every check while the creator is not live: loading the authorities for
    # each, once more per proxy in the environment, grew the server's memory by 15 MB.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    loads: list[Any] = []
    load = ssl.SSLContext.load_verify_locations

    def counted(context: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        load(context, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    tls_context.cache_clear()
    clients = [default_client("moncompte", ""), default_client("moncompte", ""), default_client("moncompte", "a-key")]
    try:
        assert len(loads) == 1
        assert clients[2].web.signer.sign_api_key == "a-key"
        assert tls_context().verify_mode == ssl.CERT_REQUIRED  # still checked, as httpx does by default
        assert tls_context().check_hostname
    finally:
        for client in clients:
            await client.web.close()
            await client.web.signer.client.aclose()


@pytest.fixture
async def tls_tiktok(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeTikTok]:
    """TikTok over wss://, its certificate from a test authority that the source's TLS context trusts."""
    authority = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_side)
    trusted = httpx.create_ssl_context()
    authority.configure_trust(trusted)
    monkeypatch.setattr(tiktok_module, "tls_context", lambda: trusted)
    async for fake in FakeTikTok(tls=server_side).serve():
        yield fake


async def test_the_websocket_to_tiktok_trusts_the_same_authorities_as_the_requests(
    tls_tiktok: FakeTikTok, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One TLS context for every connection to TikTok: SSL_CERT_FILE (Troubleshooting) applies to the
    # websocket too, and connecting loads no authorities on the event loop.
    loads: list[Any] = []
    load = ssl.SSLContext.load_verify_locations

    def counted(context: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        load(context, *args, **kwargs)

    tls_tiktok.visits = [Visit(frames=[[like(3, 1503, msg_id=1)]], close=None)]
    source = TikTokSource(
        settings(), client_factory=tls_tiktok.real_client, sleep=Sleeps(), rand=lambda: 0.5, environ={}
    )
    seen = Seen()
    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    task = await running(source, seen)
    try:
        await seen.until(lambda: len(seen.of(Like)) == 1)
    finally:
        await stop(task)
    assert seen.of(Like)[0].total == 1503
    assert loads == []


# -- the sign server --------------------------------------------------------------------------


CERTIFICATE = (
    "error: connection not secure: the certificate of TikTok or of the sign server is not trusted (an antivirus or a "
    "network inspecting HTTPS? check the PC's date and time too; see Troubleshooting in the README); retrying in 30 s"
)


class SignServer:
    """A sign server on loopback, over HTTPS, whose certificate comes from a test authority no PC trusts.

    It records the headers of every request that reaches it. `answer="sign"` sends back the first
    fetch result as the real one does; `answer="never"` accepts the request and never answers.
    """

    def __init__(self, answer: str = "sign") -> None:
        self.authority = trustme.CA()
        self.answer = answer
        self.requests: list[dict[str, str]] = []
        self.url = ""
        self._closing = asyncio.Event()

    async def serve(self) -> AsyncIterator[SignServer]:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.authority.issue_cert("127.0.0.1").configure_cert(context)
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        self.url = f"https://127.0.0.1:{runner.addresses[0][1]}"
        try:
            yield self
        finally:
            self._closing.set()  # lets a request left unanswered end
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append({name.lower(): value for name, value in request.headers.items()})
        if self.answer == "never":
            await self._closing.wait()
        return web.Response(body=bytes(ProtoMessageFetchResult(is_first=True)), headers={"X-Set-TT-Cookie": "ttwid=t"})

    def trusted(self) -> ssl.SSLContext:
        """httpx's default TLS context, trusting the test authority too: a PC that trusts this server."""
        context = httpx.create_ssl_context()
        self.authority.configure_trust(context)
        return context


@pytest.fixture
async def sign_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SignServer]:
    async for server in SignServer().serve():
        monkeypatch.setenv("SIGN_API_URL", server.url)  # where TikTokLive's signer sends its requests
        yield server


async def signed_websocket(client: TikTokLiveClient) -> ProtoMessageFetchResult:
    """The sign server's part of a connection, as `client.start` asks for it."""
    return await client.web.fetch_signed_websocket(platform=WebcastPlatform.WEB, room_id=ROOM)


async def test_the_key_goes_only_to_a_sign_server_whose_certificate_this_pc_trusts(sign_server: SignServer) -> None:
    guarded = default_client("moncompte", "my-key")
    as_the_library_makes_it = TikTokLiveClient("moncompte", web_kwargs={"signer_kwargs": {"sign_api_key": "my-key"}})
    try:
        with pytest.raises(SignAPIError) as refused:
            await signed_websocket(guarded)
        assert tiktok_module._untrusted_certificate(refused.value)
        assert sign_server.requests == []  # the TLS handshake failed: no request, no key, left this PC

        # TikTokLive's own sign-server client checks no certificate: the same server gets the key.
        await signed_websocket(as_the_library_makes_it)
        assert [request["x-api-key"] for request in sign_server.requests] == ["my-key"]
    finally:
        for client in (guarded, as_the_library_makes_it):
            await client.web.close()
            await client.web.signer.client.aclose()


async def test_a_trusted_sign_server_gets_the_key_and_signs(
    sign_server: SignServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tiktok_module, "tls_context", sign_server.trusted)
    client = default_client("moncompte", "my-key")
    try:
        result = await signed_websocket(client)
    finally:
        await client.web.close()
        await client.web.signer.client.aclose()
    assert result.is_first
    assert client.web.cookies.get("ttwid") == "t"
    assert client.web.signer.client.timeout == httpx.Timeout(tiktok_module.SIGN_SERVER_SECONDS)
    assert [request["x-api-key"] for request in sign_server.requests] == ["my-key"]
    assert sign_server.requests[0]["user-agent"].startswith("TikTokLive.py/")  # the library's headers, kept


async def test_ssl_cert_file_names_the_authorities_to_trust(
    sign_server: SignServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # What the README's troubleshooting says to do behind an antivirus or a network inspecting HTTPS.
    bundle = tmp_path / "authorities.pem"
    sign_server.authority.cert_pem.write_to_path(str(bundle))
    clients: list[TikTokLiveClient] = []
    try:
        clients.append(default_client("moncompte", "my-key"))
        with pytest.raises(SignAPIError):
            await signed_websocket(clients[-1])
        assert sign_server.requests == []

        monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
        tls_context.cache_clear()
        clients.append(default_client("moncompte", "my-key"))
        await signed_websocket(clients[-1])
    finally:
        tls_context.cache_clear()  # the next client reads the environment again
        for client in clients:
            await client.web.close()
            await client.web.signer.client.aclose()
    assert [request["x-api-key"] for request in sign_server.requests] == ["my-key"]


async def test_a_root_the_system_trusts_is_trusted_and_certifis_authorities_too(
    sign_server: SignServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A company network's or an antivirus's root, installed in the system as a browser trusts it, lets
    # the overlay connect; certifi's authorities are still there for a system that has none of its own.
    def system_trusting_the_test_authority() -> ssl.SSLContext:
        context = ssl.create_default_context()
        sign_server.authority.configure_trust(context)
        return context

    monkeypatch.setattr(tiktok_module, "system_tls_context", system_trusting_the_test_authority)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    tls_context.cache_clear()
    client = default_client("moncompte", "my-key")
    try:
        await signed_websocket(client)
        assert serial_numbers(certifi_context()) <= serial_numbers(tls_context())
        assert tls_context().verify_mode == ssl.CERT_REQUIRED
        assert tls_context().check_hostname
    finally:
        tls_context.cache_clear()
        await client.web.close()
        await client.web.signer.client.aclose()
    assert [request["x-api-key"] for request in sign_server.requests] == ["my-key"]


def certifi_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def serial_numbers(context: ssl.SSLContext) -> set[str]:
    """The authorities a context has loaded (those of a bundle file; a folder's are read when needed)."""
    return {authority["serialNumber"] for authority in context.get_ca_certs()}


def live_clients(made: list[TikTokLiveClient]) -> Callable[[str, str], TikTokLiveClient]:
    """The real clients (`default_client`), told the creator is live; the sign server is the test's."""

    def make(unique_id: str, sign_api_key: str) -> TikTokLiveClient:
        client = default_client(unique_id, sign_api_key)

        async def live(*args: Any, **kwargs: Any) -> bool:
            return True

        async def room(*args: Any, **kwargs: Any) -> int:
            return ROOM

        client.web.fetch_is_live, client.web.fetch_room_id_from_html = live, room
        made.append(client)
        return client

    return make


async def test_an_untrusted_certificate_is_said_and_every_attempt_closes_its_clients(sign_server: SignServer) -> None:
    made: list[TikTokLiveClient] = []
    seen, sleeps = Seen(), Sleeps(hold_from=2)
    source = TikTokSource(
        settings(sign_api_key="my-key"), client_factory=live_clients(made), sleep=sleeps, rand=lambda: 0.5, environ={}
    )
    task = await running(source, seen)
    await seen.until(lambda: len(sleeps.waits) == 2)
    await stop(task)
    errors = [text for status, text in seen.statuses if status == "error"]
    assert errors == 2 * [CERTIFICATE]  # once per attempt
    assert sleeps.waits == [30, 30]  # not a quick retry: a certificate does not fix itself in 2 s
    assert sign_server.requests == []
    assert len(made) == 2
    assert all(client.web.signer.client.is_closed for client in made)


async def test_a_sign_server_that_never_answers_is_given_up_on(
    sign_server: SignServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_server.answer = "never"
    monkeypatch.setattr(tiktok_module, "tls_context", sign_server.trusted)
    monkeypatch.setattr(tiktok_module, "SIGN_SERVER_SECONDS", 1.0)
    made: list[TikTokLiveClient] = []
    seen, sleeps = Seen(), Sleeps(hold_from=1)
    source = TikTokSource(settings(), client_factory=live_clients(made), sleep=sleeps, rand=lambda: 0.5, environ={})
    task = await running(source, seen)
    await seen.until(lambda: seen.last == "error")
    await stop(task)
    assert len(sign_server.requests) == 1
    assert seen.statuses[-1] == ("error", "error: the sign server did not answer (usually temporary); retrying in 2 s")
    assert made[0].web.signer.client.is_closed


# -- the supervisor -------------------------------------------------------------------------


async def test_waits_politely_while_offline_then_connects(tiktok: FakeTikTok) -> None:
    tiktok.checks = [False, False, True]
    tiktok.visits = [Visit(close=None)]
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: seen.last == "connected")
    await stop(task)
    assert seen.statuses == [
        ("connecting", "checking whether @moncompte is live"),
        ("waiting", "waiting for @moncompte to go live"),  # said once, not at every check
        ("connecting", "connecting to @moncompte's live"),
        ("connected", f"connected (room {ROOM})"),
    ]
    assert sleeps.waits == [30, 30]  # tiktok.poll_seconds between live checks; nothing asked the sign server
    assert tiktok.connections == 1


async def test_a_connect_that_fails_three_times_then_works(tiktok: FakeTikTok) -> None:
    tiktok.signs = [httpx.ConnectError("no route to host") for _ in range(3)]
    tiktok.visits = [Visit(close=None)]
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: seen.last == "connected")
    await stop(task)
    errors = [detail for status, detail in seen.statuses if status == "error"]
    assert errors == [
        f"error: could not reach TikTok (check this PC's internet connection); retrying in {n} s" for n in (2, 4, 8)
    ]
    assert sleeps.waits == [2, 4, 8]


async def test_dropped_connections_back_off_doubling_up_to_the_cap(tiktok: FakeTikTok) -> None:
    tiktok.visits = [Visit(frames=[[viewers(10)]], close=code) for code in (1011, 1000, 1011, 1011, 1000)]
    tiktok.visits.append(Visit(close=None))
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps, reconnect_min_seconds=2, reconnect_max_seconds=10), seen)
    await seen.until(lambda: tiktok.connections == 6 and seen.last == "connected")
    await stop(task)
    assert sleeps.waits == [2, 4, 8, 9, 9]  # (with jitter in the middle: the cap's 10 s spread over 8-10 s)
    reconnecting = [detail for status, detail in seen.statuses if status == "reconnecting"]
    assert reconnecting == [
        "reconnecting in 2 s (attempt 1)",
        "reconnecting in 4 s (attempt 2)",
        "reconnecting in 8 s (attempt 3)",
        "reconnecting in 9 s (attempt 4)",
        "reconnecting in 9 s (attempt 5)",
    ]
    # Same room every time: one live, so the engine is never reset by these reconnects.
    assert {e.room_id for e in seen.of(LiveStarted)} == {str(ROOM)}


async def test_a_connection_that_held_resets_the_backoff(tiktok: FakeTikTok) -> None:
    now = [1000.0]
    tiktok.visits = [Visit(close=1011), Visit(close=1011), Visit(close=None), Visit(close=None)]
    seen, sleeps = Seen(), Sleeps()
    source = TikTokSource(
        settings(), client_factory=tiktok.client, sleep=sleeps, clock=lambda: now[0], rand=lambda: 0.5
    )
    task = await running(source, seen)
    await seen.until(lambda: tiktok.connections == 3 and seen.last == "connected")
    now[0] += 61  # the third connection held for a minute, then drops
    tiktok.drop(1011)
    await seen.until(lambda: tiktok.connections == 4 and seen.last == "connected")
    await stop(task)
    reconnecting = [detail for status, detail in seen.statuses if status == "reconnecting"]
    assert reconnecting[-1] == "reconnecting in 2 s (attempt 1)"
    assert sleeps.waits == [2, 4, 2]


def watched_source(fake: FakeTikTok, sleeps: Sleeps, ticks: Ticks, now: list[float]) -> TikTokSource:
    return TikTokSource(
        settings(),
        client_factory=fake.client,
        sleep=sleeps,
        clock=lambda: now[0],
        rand=lambda: 0.5,
        environ={},
        watch_sleep=ticks,
    )


async def test_a_connection_that_goes_silent_is_reopened_and_the_status_says_why(tiktok: FakeTikTok) -> None:
    now = [1000.0]
    # Each socket stays open but goes quiet (a half-open connection, a stalled TikTok edge).
    tiktok.visits = [Visit(frames=[[viewers(10)]], close=None), Visit(close=None), Visit(close=None)]
    seen, sleeps, ticks = Seen(), Sleeps(), Ticks()
    task = await running(watched_source(tiktok, sleeps, ticks, now), seen)
    await seen.until(lambda: bool(seen.of(Viewers)))
    watchdog = await ticks.parked()
    now[0] += 60  # tiktok.silence_seconds without anything
    watchdog.set_result(None)
    await seen.until(lambda: tiktok.connections == 2 and seen.last == "connected")
    # The second connection never delivers anything: it did not "hold", so the backoff keeps doubling.
    watchdog = await ticks.parked()
    now[0] += 75  # (the watchdog looked a little late): the status says how long it really was
    watchdog.set_result(None)
    await seen.until(lambda: tiktok.connections == 3 and seen.last == "connected")
    await stop(task)
    reconnecting = [detail for status, detail in seen.statuses if status == "reconnecting"]
    assert reconnecting == [
        "no data from TikTok for 1 min; reconnecting in 2 s (attempt 1)",
        "no data from TikTok for 1 min 15 s; reconnecting in 4 s (attempt 2)",
    ]
    assert seen.statuses[-2:] == [
        ("connecting", "connecting to @moncompte's live"),
        ("connected", f"connected (room {ROOM})"),
    ]
    assert sleeps.waits == [2, 4]
    assert ticks.waits == [60, 60, 60]  # one wait per connection, no polling in between
    assert {e.room_id for e in seen.of(LiveStarted)} == {str(ROOM)}  # the same live: nothing is reset


async def test_a_quiet_live_that_still_sends_viewer_counts_stays_connected(tiktok: FakeTikTok) -> None:
    now = [1000.0]
    tiktok.visits = [Visit(close=None)]
    seen, sleeps, ticks = Seen(), Sleeps(), Ticks()
    task = await running(watched_source(tiktok, sleeps, ticks, now), seen)
    await seen.until(lambda: seen.last == "connected")
    for _ in range(3):  # three minutes without a like: only a viewer count every 30 s
        watchdog = await ticks.parked()
        for _ in range(2):
            now[0] += 30
            expected = len(seen.of(Viewers)) + 1
            tiktok.push(viewers(40 + expected))
            await seen.until(lambda n=expected: len(seen.of(Viewers)) == n)
        watchdog.set_result(None)  # a minute after the previous check: silent without the viewer counts
    await ticks.parked()  # the watchdog looked, and waits again
    await stop(task)
    assert tiktok.connections == 1
    assert [status for status, _ in seen.statuses] == ["connecting", "connecting", "connected"]
    assert sleeps.waits == []
    assert ticks.waits == [60, 60, 60, 60]


def test_jitter_spreads_retries_but_never_beyond_the_cap() -> None:
    def delay(failures: int, rand: float) -> float:
        source = TikTokSource(settings(reconnect_min_seconds=2, reconnect_max_seconds=60), rand=lambda: rand)
        return source._backoff(failures)

    assert delay(1, 0.0) == pytest.approx(1.6)
    assert delay(1, 1.0) == pytest.approx(2.4)
    assert delay(3, 0.0) == pytest.approx(6.4)
    assert delay(10, 1.0) == 60
    assert delay(10, 0.5) == pytest.approx(54)  # at the cap too: overlays that failed together retry apart
    assert delay(1000, 0.0) == pytest.approx(48)


def rate_limited(seconds: int) -> SignatureRateLimitError:
    response = httpx.Response(429, headers={"RateLimit-Remaining": str(seconds), "RateLimit-Reset": "1767225600"})
    return SignatureRateLimitError("Too many connections.", "Rate limited; retry in %s seconds.", response=response)


@pytest.mark.parametrize(
    ("failure", "where", "detail", "wait"),
    [
        (
            rate_limited(40),
            "sign",
            "error: could not reach TikTok (rate-limited by the sign server; a sign_api_key raises the limit); "
            "retrying in 40 s",
            40,
        ),
        (
            UserNotFoundError("moncompte", "The requested user 'moncompte' is not capable of going LIVE"),
            "check",
            "error: TikTok has no live account @moncompte (check tiktok.unique_id; TikTok may also be checking for "
            "bots); retrying in 30 s",
            30,
        ),
        (
            AgeRestrictedError("age restricted"),
            "sign",
            "error: this live is age-restricted, and TikTok hides it from signed-out viewers; retrying in 30 s",
            30,
        ),
        (
            WebcastBlockedError('WebSocket rejected by TikTok due to "400 Bad Request"'),
            "sign",
            "error: TikTok refused the connection (usually temporary); retrying in 2 s",
            2,
        ),
        (
            httpx.ConnectError("[Errno -3] Temporary failure in name resolution"),
            "check",
            "error: could not reach TikTok (check this PC's internet connection); retrying in 2 s",
            2,
        ),
        (
            ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] unable to get local issuer certificate"),
            "sign",
            CERTIFICATE,
            30,
        ),
        (
            json.JSONDecodeError("Expecting value", "<html>captcha</html>", 0),  # is_live reading a captcha page
            "check",
            "error: TikTok sent an unexpected answer (JSONDecodeError): often a bot check or a short block; "
            "retrying in 30 s",
            30,
        ),
        (
            KeyError("liveRoom"),  # is_live reading JSON without the room it expects
            "check",
            "error: TikTok sent an unexpected answer (KeyError): often a bot check or a short block; retrying in 30 s",
            30,
        ),
        (
            InvalidStatusCode(403, websockets.datastructures.Headers()),  # the websocket refused, not with a 200/400
            "sign",
            "error: TikTok refused the connection (usually temporary); retrying in 2 s",
            2,
        ),
        (
            PremiumEndpointError("premium", api_message="This endpoint requires a paid plan"),
            "sign",
            "error: the sign server refused: this needs a paid sign_api_key; retrying in 30 s",
            30,
        ),
    ],
)
async def test_failures_say_what_happened_and_when_the_next_try_is(
    tiktok: FakeTikTok, failure: BaseException, where: str, detail: str, wait: float
) -> None:
    if where == "sign":
        tiktok.signs = [failure]
    else:
        tiktok.checks = [failure]
    tiktok.visits = [Visit(close=None)]
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: seen.last == "connected")
    await stop(task)
    assert [(status, text) for status, text in seen.statuses if status == "error"] == [("error", detail)]
    assert sleeps.waits == [wait]


def refused_by_the_sign_server(headers: dict[str, str]) -> BaseException:
    """What TikTokLive raises for a 429 of the sign server with these headers, made by its own code."""
    try:
        raise SignatureRateLimitError(
            "Too many.", "Rate limited; retry in %s s.", response=httpx.Response(429, headers=headers)
        )
    except Exception as exc:  # (a TypeError when there is no RateLimit-Remaining to read)
        return exc


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"RateLimit-Remaining": "0", "RateLimit-Reset": "120"}, 120),  # seconds until the reset
        ({"RateLimit-Remaining": "0", "RateLimit-Reset": "{in 300 s}"}, 300),  # the reset as a unix time
        ({"RateLimit-Remaining": "0", "Retry-After": "90"}, 90),
        ({"RateLimit-Remaining": "0"}, 30),  # nothing said: the poll, not a 2 s backoff
        ({}, 30),  # TikTokLive fails to make its own error: still a rate limit
        ({"RateLimit-Remaining": "0", "RateLimit-Reset": "86400"}, 3600),  # a day: an hour, then ask again
    ],
)
async def test_a_rate_limit_waits_as_long_as_the_sign_server_asks_and_never_less_than_the_poll(
    tiktok: FakeTikTok, headers: dict[str, str], wait: float
) -> None:
    headers = {k: v.replace("{in 300 s}", str(int(time.time()) + 300)) for k, v in headers.items()}
    tiktok.signs = [refused_by_the_sign_server(headers)]
    tiktok.visits = [Visit(close=None)]
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: seen.last == "connected")
    await stop(task)
    assert sleeps.waits == [pytest.approx(wait, abs=2)]
    errors = [detail for status, detail in seen.statuses if status == "error"]
    assert len(errors) == 1
    assert "rate-limited by the sign server" in errors[0]


async def test_the_same_failure_again_says_its_new_wait_so_the_countdown_starts_over(tiktok: FakeTikTok) -> None:
    offline_pc = httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
    tiktok.checks = [offline_pc, offline_pc]  # the live check fails twice: no "connecting" in between
    tiktok.visits = [Visit(close=None)]
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps, reconnect_min_seconds=10, reconnect_max_seconds=10), seen)
    await seen.until(lambda: seen.last == "connected")
    await stop(task)
    errors = [detail for status, detail in seen.statuses if status == "error"]
    assert len(errors) == 2
    assert errors[0] == errors[1]  # said again: the pages count down from the second one anew
    assert sleeps.waits == [9, 9]


async def test_the_end_of_the_live_is_said_and_the_next_live_is_a_new_one(tiktok: FakeTikTok) -> None:
    tiktok.visits = [
        Visit(frames=[[like(5, 500, msg_id=1)], [live_end()]], close=None),
        Visit(replayed=[like(1, 1, msg_id=9)], close=None, room=ROOM + 1),
    ]
    tiktok.checks = [True, False, False, True]  # live; then offline for two checks; then a new live
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: len(seen.of(LiveStarted)) == 2 and seen.last == "connected")
    await stop(task)
    assert len(seen.of(LiveEnded)) == 1
    assert seen.statuses[2:] == [
        ("connected", f"connected (room {ROOM})"),
        ("ended", "live ended; waiting for @moncompte to go live again"),  # stays up while offline: no "waiting"
        ("connecting", "connecting to @moncompte's live"),
        ("connected", f"connected (room {ROOM + 1})"),
    ]
    assert sleeps.waits == [30, 30, 30]
    assert [e.room_id for e in seen.of(LiveStarted)] == [str(ROOM), str(ROOM + 1)]
    assert seen.of(Like)[-1] == Like(count=1, total=1, user=seen.of(Like)[0].user)


async def test_a_paused_live_says_so_and_stays_the_same_live(tiktok: FakeTikTok) -> None:
    seen, task = await connected(tiktok)
    tiktok.push(like(5, 500, msg_id=1), control(ControlAction.STREAM_PAUSED, msg_id=2))
    await seen.until(lambda: "paused" in seen.statuses[-1][1])
    tiktok.push(control(ControlAction.STREAM_UNPAUSED, msg_id=3), like(2, 502, msg_id=4))
    await seen.until(lambda: len(seen.of(Like)) == 2)
    await stop(task)
    assert seen.statuses[-2:] == [
        ("connected", "@moncompte paused the live on TikTok"),
        ("connected", f"connected (room {ROOM})"),
    ]
    assert tiktok.connections == 1
    assert not seen.of(LiveEnded)
    assert len(seen.of(LiveStarted)) == 1  # the same live: nothing is reset
    assert [e.total for e in seen.of(Like)] == [500, 502]


async def test_a_live_that_ends_without_an_end_message_ends_at_the_next_check(tiktok: FakeTikTok) -> None:
    # TikTok does not always send the end: the connection just closes (or goes quiet), and the live is over.
    tiktok.visits = [Visit(frames=[[like(5, 500, msg_id=1)]], close=1011)]
    tiktok.checks = [True, False]
    seen, sleeps = Seen(), Sleeps(hold_from=2)
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: seen.last == "ended")
    await stop(task)
    assert len(seen.of(LiveEnded)) == 1
    assert seen.statuses[2:] == [
        ("connected", f"connected (room {ROOM})"),
        ("reconnecting", "reconnecting in 2 s (attempt 1)"),
        ("ended", "live ended; waiting for @moncompte to go live again"),
    ]


@pytest.mark.parametrize("resumed", [True, False], ids=["resumed after a restart", "not live before"])
async def test_a_live_resumed_after_a_restart_ends_if_it_ended_meanwhile(tiktok: FakeTikTok, resumed: bool) -> None:
    tiktok.checks = [False]
    seen, sleeps = Seen(), Sleeps(hold_from=1)
    source = make_source(tiktok, sleeps)
    if resumed:
        source.join(str(ROOM), 500)  # the server stopped mid-live, and the live ended while it was down
    task = await running(source, seen)
    await seen.until(lambda: seen.last in ("ended", "waiting"))
    await stop(task)
    assert len(seen.of(LiveEnded)) == (1 if resumed else 0)
    assert seen.last == ("ended" if resumed else "waiting")


async def test_an_end_replayed_on_a_late_reconnect_still_ends_the_live(tiktok: FakeTikTok) -> None:
    # Checked just after the end, the room may still read as live: TikTok then replays its end message.
    tiktok.visits = [
        Visit(frames=[[like(5, 500, msg_id=1)], [live_end(msg_id=77)]], close=None),
        Visit(replayed=[like(5, 500, msg_id=1), live_end(msg_id=77)], close=None),
    ]
    tiktok.checks = [True, True, False]
    seen, sleeps = Seen(), Sleeps(hold_from=3)
    task = await running(make_source(tiktok, sleeps), seen)
    await sleeps.reach(3)
    await stop(task)
    engine = Engine(make_config(), "tiktok", now=0)
    for event in seen.events:
        engine.apply(event, now=1)
    assert engine.live_ended
    # Not said to be on again, even for a moment: the pages do not flash "connected", and the live's end stays put.
    assert [type(e).__name__ for e in seen.events if isinstance(e, LiveStarted | LiveEnded)] == [
        "LiveStarted",
        "LiveEnded",
    ]
    assert [status for status, _ in seen.statuses] == ["connecting", "connecting", "connected", "ended"]
    assert sleeps.waits == [30, 30, 30]  # the poll, not a reconnect's backoff


async def test_while_tiktok_still_says_live_after_the_end_it_is_asked_less_and_less_often(tiktok: FakeTikTok) -> None:
    end = [like(5, 500, msg_id=1), live_end(msg_id=77)]
    tiktok.visits = [Visit(frames=[end[:1], end[1:]], close=None), *(Visit(replayed=end, close=None) for _ in range(5))]
    tiktok.checks = [True] * 6 + [False]  # the check lags behind the end five times, then says offline
    seen, sleeps = Seen(), Sleeps(hold_from=7)
    task = await running(make_source(tiktok, sleeps), seen)
    await sleeps.reach(7)
    await stop(task)
    assert sleeps.waits == [30, 30, 60, 120, 240, 240, 30]  # each connection is a sign-server request
    assert tiktok.connections == 6
    assert len(seen.of(LiveStarted)) == 1


async def test_a_live_that_goes_on_in_the_room_whose_end_was_said_is_on_again(tiktok: FakeTikTok) -> None:
    tiktok.visits = [
        Visit(frames=[[like(5, 500, msg_id=1)], [live_end(msg_id=77)]], close=None),
        Visit(replayed=[like(5, 500, msg_id=1)], frames=[[like(2, 502, msg_id=2)]], close=None),
    ]
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: len(seen.of(LiveStarted)) == 2)
    await stop(task)
    assert [status for status, _ in seen.statuses][-2:] == ["ended", "connected"]
    assert [like.total for like in seen.of(Like)] == [500, 502]
    assert [str(ROOM)] * 2 == [e.room_id for e in seen.of(LiveStarted)]


async def test_a_share_counts_once_and_its_viewers_joined_notice_is_no_new_share(tiktok: FakeTikTok) -> None:
    frames = [[social("share", 21)], [social("share brought 5", 22)], [like(1, 1, msg_id=23)]]
    tiktok.visits = [Visit(frames=frames, close=None)]
    seen, sleeps = Seen(), Sleeps(hold_from=1)
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: bool(seen.of(Like)))
    await stop(task)
    assert [share.user.nickname for share in seen.of(Share)] == ["Hugo"]


async def test_a_viewer_without_a_nickname_shows_as_their_handle(tiktok: FakeTikTok) -> None:
    tiktok.visits = [Visit(frames=[[like(3, 3, msg_id=31, user=viewer(40, "sans_nom", ""))]], close=None)]
    seen = Seen()
    task = await running(make_source(tiktok, Sleeps()), seen)
    await seen.until(lambda: bool(seen.of(Like)))
    await stop(task)
    assert (seen.of(Like)[0].user.id, seen.of(Like)[0].user.nickname) == ("sans_nom", "sans_nom")


def gifts_of(seen: Seen) -> list[tuple[str, int]]:
    return [(g.gift, g.count) for g in seen.of(Gift)]


async def test_a_gift_streak_whose_end_never_comes_is_counted_once_as_it_stands(tiktok: FakeTikTok) -> None:
    now = [0.0]
    seen = Seen()
    source = TikTokSource(
        settings(), client_factory=tiktok.client, sleep=Sleeps(), clock=lambda: now[0], rand=lambda: 0.5, environ={}
    )
    tiktok.visits = [Visit(close=None)]
    task = await running(source, seen)
    await seen.until(lambda: seen.last == "connected")
    tiktok.push(*[gift("Rose", 1, repeat, streaking=True, msg_id=40 + repeat) for repeat in (1, 2, 3)])
    tiktok.push(viewers(120))
    await seen.until(lambda: bool(seen.of(Viewers)))
    assert gifts_of(seen) == []  # a streak under way: not counted yet
    now[0] = 9.0
    tiktok.push(viewers(121))
    await seen.until(lambda: len(seen.of(Viewers)) == 2)
    assert gifts_of(seen) == []  # still within STREAK_SECONDS of its last message
    now[0] = 11.0
    tiktok.push(viewers(122))
    await seen.until(lambda: bool(seen.of(Gift)))
    assert gifts_of(seen) == [("Rose", 3)]
    # The end comes after all, with one more rose: only that one is added.
    tiktok.push(gift("Rose", 1, 4, streaking=False, msg_id=44), like(1, 1, msg_id=45))
    await seen.until(lambda: bool(seen.of(Like)))
    await stop(task)
    assert gifts_of(seen) == [("Rose", 3), ("Rose", 1)]


@pytest.mark.parametrize("end_replayed", [False, True], ids=["its end never comes", "its end replayed on reconnect"])
async def test_a_gift_streak_cut_by_a_drop_is_counted_once(tiktok: FakeTikTok, end_replayed: bool) -> None:
    streak = [gift("Rose", 1, repeat, streaking=True, msg_id=50 + repeat) for repeat in (1, 2)]
    end = [gift("Rose", 1, 2, streaking=False, msg_id=53)] if end_replayed else []
    tiktok.visits = [
        Visit(frames=[streak], close=1011),
        # On reconnect TikTok replays what it sent before the drop (and the streak's end, if it was sent).
        Visit(replayed=[*streak, *end], frames=[[like(1, 1, msg_id=54)]]),
    ]
    seen, sleeps = Seen(), Sleeps(hold_from=2)
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: bool(seen.of(Like)))
    await stop(task)
    assert gifts_of(seen) == [("Rose", 2)]


@pytest.mark.parametrize(("roses", "added"), [(8, [("Rose", 3)]), (5, [])], ids=["it went on", "it had ended"])
async def test_a_streak_counted_at_a_shutdown_is_not_counted_again_after_the_restart(
    tiktok: FakeTikTok, tmp_path: Path, roses: int, added: list[tuple[str, int]]
) -> None:
    memory = tmp_path / MEMORY_FILE
    streak = [gift("Rose", 1, repeat, streaking=True, msg_id=60 + repeat) for repeat in range(1, 6)]
    tiktok.visits = [Visit(frames=[[*streak, like(1, 1, msg_id=66)]], close=None)]
    seen = Seen()
    task = await running(make_source(tiktok, Sleeps(), memory), seen)
    await seen.until(lambda: bool(seen.of(Like)))  # the streak's frame is read
    await stop(task)  # the server stops mid-streak: counted as it stands (its end would come too late)
    assert gifts_of(seen) == [("Rose", 5)]
    end = gift("Rose", 1, roses, streaking=False, msg_id=69)

    async def restarted(total: int) -> list[tuple[str, int]]:
        """The gifts counted by a server restarted on the same live, to which TikTok replays the streak and its end."""
        tiktok.visits = [Visit(replayed=[*streak, end], frames=[[like(1, total, msg_id=70 + total)]], close=None)]
        seen = Seen()
        source = make_source(tiktok, Sleeps(), memory)
        source.join(str(ROOM), total - 1)
        task = await running(source, seen)
        await seen.until(lambda: bool(seen.of(Like)))
        await stop(task)
        return gifts_of(seen)

    assert await restarted(2) == added
    assert await restarted(3) == []  # once more: the end counted (or found already counted) is remembered too


async def test_the_last_streak_is_counted_before_the_live_ends(tiktok: FakeTikTok) -> None:
    tiktok.visits = [Visit(frames=[[gift("Rose", 1, 2, streaking=True, msg_id=81)], [live_end(msg_id=82)]], close=None)]
    seen, sleeps = Seen(), Sleeps(hold_from=1)
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: seen.last == "ended")
    await stop(task)
    assert [type(e).__name__ for e in seen.events if isinstance(e, Gift | LiveEnded)] == ["Gift", "LiveEnded"]


# -- no double counting ---------------------------------------------------------------------


async def test_a_reconnect_does_not_count_replayed_likes_again(tiktok: FakeTikTok) -> None:
    tiktok.visits = [
        Visit(
            replayed=[like(2, 100, msg_id=1)],
            # One frame: the library drops frames still queued when the socket closes.
            frames=[[like(3, 103, msg_id=2), like(5, 108, msg_id=3)]],
            close=1011,
        ),
        Visit(
            replayed=[
                like(3, 103, msg_id=2),  # seen before the drop (same message id)
                like(5, 108, msg_id=3),
                like(4, 107, msg_id=0),  # no id, but a total we had passed: also from before the drop
                like(6, 114, msg_id=7),  # sent while we were away: counts
            ],
            frames=[[like(1, 115, msg_id=8)]],
            close=None,
        ),
    ]
    seen, sleeps = Seen(), Sleeps()
    task = await running(make_source(tiktok, sleeps), seen)
    await seen.until(lambda: any(e.total == 115 for e in seen.of(Like)))
    await stop(task)
    assert [(e.count, e.total) for e in seen.of(Like)] == [(2, 100), (3, 103), (5, 108), (6, 114), (1, 115)]


async def test_after_a_reconnect_the_goal_follows_a_jump_and_ignores_a_drop(tiktok: FakeTikTok, tmp_path: Path) -> None:
    tiktok.visits = [
        Visit(replayed=[like(2, 7500, msg_id=1)], frames=[[like(5, 7600, msg_id=2)]], close=1011),
        # Same room: TikTok's total lags after the reconnect (lower), then jumps past the first goal.
        Visit(replayed=[like(3, 7590)], close=None),
        Visit(replayed=[like(4, 40)], close=None, room=ROOM + 1),
    ]
    source = make_source(tiktok, Sleeps())
    app = create_app(make_config(), source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await state_where(ws, lambda s: s["likes"]["total"] == 7600 and s["source"]["status"] == "connected")
        # Frames pushed now wait for the second connection (the first one closes by itself).
        tiktok.push(like(4, 7580, msg_id=11))  # a live message with a stale total: counted, total not lowered
        state = await state_where(ws, lambda s: s["likes"]["session"] == 2 + 5 + 4)
        assert state["likes"]["total"] == 7600
        assert state["goal"]["progress"] == 7600
        tiktok.push(like(10, 10_020, msg_id=12))  # the total jumped while we were away
        state = await state_where(ws, lambda s: s["likes"]["total"] == 10_020)
        assert state["likes"]["session"] == 2 + 5 + 4 + 10
        assert state["goal"]["reached"] or state["goal"]["step"] == 2
        assert state["live"]["room_id"] == str(ROOM)
        # The creator ends this live without TikTok saying so, and starts another: a new room, a new session.
        tiktok.drop(1000)
        state = await state_where(ws, lambda s: s["live"]["room_id"] == str(ROOM + 1) and s["likes"]["session"] == 4)
        assert state["likes"]["total"] == 40
        assert state["goal"]["id"] == "warmup"


async def test_a_restart_mid_live_does_not_count_the_replayed_likes_again(tiktok: FakeTikTok, tmp_path: Path) -> None:
    # TikTok is told which live it continues, but a new live by hand never gets a room id made up here.
    assert isinstance(make_source(tiktok, Sleeps()), Joinable)
    assert not isinstance(make_source(tiktok, Sleeps()), Simulated)
    zoe = viewer(99, "zoe", "Zoé")
    before_restart = [like(2, 7500, msg_id=1), like(5, 7505, msg_id=2, user=zoe)]
    config = make_config(goals={"basis": "session", "steps": [{"id": "a", "label": "A", "target": 100}]})
    tiktok.visits = [Visit(replayed=before_restart, close=None)]
    first = create_app(config, source=make_source(tiktok, Sleeps()), data_dir=tmp_path / "data")
    async with TestServer(first, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await state_where(ws, lambda s: s["likes"]["total"] == 7505 and len(s["top_likers"]) == 2)
    # The server restarts (its state is saved on the way out); TikTok replays the same likes on connect,
    # and one sent while the server was down.
    tiktok.visits = [Visit(replayed=[*before_restart, like(4, 7509, msg_id=3)], close=None)]
    second = create_app(config, source=make_source(tiktok, Sleeps()), data_dir=tmp_path / "data")
    async with TestServer(second, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        state = await state_where(
            ws, lambda s: s["likes"]["total"] == 7509 and s["top_likers"] and s["top_likers"][0]["count"] == 6
        )
    assert state["live"]["room_id"] == str(ROOM)
    assert (state["likes"]["session"], state["goal"]["progress"]) == (2 + 5 + 4, 2 + 5 + 4)
    assert [(v["user"], v["count"]) for v in state["top_likers"]] == [("Léa", 6), ("Zoé", 5)]


async def test_a_restart_mid_live_does_not_count_replayed_follows_shares_and_gifts_again(
    tiktok: FakeTikTok, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    counted = [
        like(2, 7500, msg_id=1),
        social("follow", 2),
        social("share", 3),
        gift("Rose", 1, 5, streaking=False, msg_id=4),
    ]
    tiktok.visits = [Visit(replayed=counted[:2], frames=[counted[2:]], close=None)]
    first = create_app(make_config(), source=make_source(tiktok, Sleeps(), data / MEMORY_FILE), data_dir=data)
    async with TestServer(first, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        state = await state_where(ws, lambda s: s["live"]["gifts"] == 5)
        assert (state["live"]["follows"], state["live"]["shares"], state["live"]["diamonds"]) == (1, 1, 5)
    # The server restarts; on connect TikTok replays what was counted, and a follow and a gift sent meanwhile.
    later = [social("follow", 6), gift("Lion", 29_999, 1, streaking=False, msg_id=7)]
    tiktok.visits = [Visit(replayed=[*counted, *later], close=None)]
    second = create_app(make_config(), source=make_source(tiktok, Sleeps(), data / MEMORY_FILE), data_dir=data)
    async with TestServer(second, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        state = await state_where(ws, lambda s: s["live"]["gifts"] >= 6 and s["source"]["status"] == "connected")
        tiktok.push(social("share", 8))  # and one live, after the replay
        state = await state_where(ws, lambda s: s["live"]["shares"] >= 2)
    assert state["live"]["room_id"] == str(ROOM)
    assert (state["live"]["follows"], state["live"]["shares"]) == (2, 2)
    assert (state["live"]["gifts"], state["live"]["diamonds"]) == (6, 5 + 29_999)
    assert state["likes"]["total"] == 7500


async def test_the_memory_of_a_finished_room_does_not_hide_a_new_live(tiktok: FakeTikTok, tmp_path: Path) -> None:
    memory = tmp_path / MEMORY_FILE
    tiktok.visits = [Visit(replayed=[social("follow", 2)], close=None)]
    seen = Seen()
    task = await running(make_source(tiktok, Sleeps(), memory), seen)
    await seen.until(lambda: len(seen.of(Follow)) == 1)
    await stop(task)
    assert json.loads(memory.read_text()) == {"room": str(ROOM), "ids": [["FollowEvent", 2]], "streaks": []}
    # Joined to another room (or not joined at all), the same message ids are new messages.
    for joined in (str(ROOM + 1), None):
        tiktok.visits = [Visit(replayed=[social("follow", 2)], close=None)]
        source, seen = make_source(tiktok, Sleeps(), memory), Seen()
        if joined:
            source.join(joined, 10)
        task = await running(source, seen)
        await seen.until(lambda seen=seen: len(seen.of(Follow)) == 1)
        await stop(task)
    # An unreadable file is said in the log and otherwise ignored.
    memory.write_text("{not json")
    tiktok.visits = [Visit(replayed=[social("follow", 2)], close=None)]
    source, seen = make_source(tiktok, Sleeps(), memory), Seen()
    source.join(str(ROOM), 10)
    task = await running(source, seen)
    await seen.until(lambda: len(seen.of(Follow)) == 1)
    await stop(task)


async def test_the_memory_file_is_never_written_or_read_through_a_link(
    tiktok: FakeTikTok, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A link at its temporary name would have the file it points to written over; one at its name, read."""
    memory = tmp_path / "data" / MEMORY_FILE
    memory.parent.mkdir()
    victim = tmp_path / "victim"
    victim.write_text(json.dumps({"room": str(ROOM), "ids": [["FollowEvent", 2]], "streaks": []}))
    kept = victim.read_text()
    memory.symlink_to(victim)  # says follow 2 was counted: not believed
    memory.with_name(MEMORY_FILE + ".tmp").symlink_to(victim)
    tiktok.visits = [Visit(replayed=[social("follow", 2)], close=None)]
    source, seen = make_source(tiktok, Sleeps(), memory), Seen()
    source.join(str(ROOM), 10)
    with caplog.at_level(logging.WARNING):
        task = await running(source, seen)
        await seen.until(lambda: len(seen.of(Follow)) == 1)  # counted: the linked memory was not read
        await stop(task)
    assert victim.read_text() == kept
    assert f"{memory} is unreadable" in caplog.text
    assert f"could not write {memory}" in caplog.text


# -- the status, in the creator's language --------------------------------------------------

FRENCH = [
    "vérification du live de @moncompte",
    "erreur\u202f: TikTok n'a pas de compte live @moncompte (vérifiez tiktok.unique_id\u202f; TikTok demande peut-être "
    "une vérification anti-robot)\u202f; nouvel essai dans 1 min",
    "en attente du live de @moncompte",
    "connexion au live de @moncompte",
    "erreur\u202f: TikTok a répondu 429\u202f; nouvel essai dans 2 s",
    "connexion au live de @moncompte",
    "erreur\u202f: impossible de joindre TikTok (limite du serveur de signature atteinte\u202f; "
    "une sign_api_key relève la limite)\u202f; nouvel essai dans 50 min",
    "connexion au live de @moncompte",
    f"connecté (live n° {ROOM})",
    "reconnexion dans 8 s (essai 3)",
    "connexion au live de @moncompte",
    f"connecté (live n° {ROOM})",
    "live terminé\u202f; en attente du prochain live de @moncompte",
]
ENGLISH = [
    "checking whether @moncompte is live",
    "error: TikTok has no live account @moncompte (check tiktok.unique_id; TikTok may also be checking for bots); "
    "retrying in 1 min",
    "waiting for @moncompte to go live",
    "connecting to @moncompte's live",
    "error: TikTok answered 429; retrying in 2 s",
    "connecting to @moncompte's live",
    "error: could not reach TikTok (rate-limited by the sign server; a sign_api_key raises the limit); "
    "retrying in 50 min",
    "connecting to @moncompte's live",
    f"connected (room {ROOM})",
    "reconnecting in 8 s (attempt 3)",
    "connecting to @moncompte's live",
    f"connected (room {ROOM})",
    "live ended; waiting for @moncompte to go live again",
]


def script_a_bad_day(fake: FakeTikTok) -> Sleeps:
    """Not found, offline, two sign failures, a drop, then the live ends: one status of each kind.

    Returns the sleep to give the source: it stays on "live ended" (its sixth wait never ends).
    """
    too_many = httpx.HTTPStatusError("429", request=httpx.Request("GET", "http://sign"), response=httpx.Response(429))
    fake.checks = [UserNotFoundError("moncompte", "not capable of going LIVE"), False]
    fake.signs = [too_many, rate_limited(3_000)]
    fake.visits = [Visit(frames=[[viewers(10)]], close=1011), Visit(frames=[[live_end()]], close=None)]
    return Sleeps(hold_from=6)


@pytest.mark.parametrize(("locale", "expected"), [(None, FRENCH), ("fr", FRENCH), ("en", ENGLISH)])
async def test_status_details_are_said_in_the_configured_language(
    tiktok: FakeTikTok, locale: str | None, expected: list[str]
) -> None:
    sleeps = script_a_bad_day(tiktok)
    seen = Seen()
    task = await running(make_source(tiktok, sleeps, poll_seconds=60), seen)
    await seen.until(lambda: seen.last == "ended")
    await stop(task)
    # The events keep English details (the log's words); the state says them in the config's language.
    assert [detail for _, detail in seen.statuses] == ENGLISH
    engine = Engine(make_config(**({"locale": locale} if locale else {})), "tiktok")
    shown, by_locale = [], []
    for status in seen.of(SourceStatus):
        engine.apply(status, 1.0)
        source = engine.snapshot(1.0)["source"]
        shown.append(source["detail"])
        by_locale.append(source["detail_by_locale"])
    assert shown == expected
    # Whatever the config's language, both are there for a page opened with ?locale=.
    assert [d["fr"] for d in by_locale] == FRENCH
    assert [d["en"] for d in by_locale] == ENGLISH


@pytest.mark.parametrize(("locale", "expected"), [(None, FRENCH[-1]), ("en", ENGLISH[-1])])
async def test_the_api_and_the_pages_state_say_the_status_in_the_configured_language(
    tiktok: FakeTikTok, tmp_path: Path, locale: str | None, expected: str
) -> None:
    sleeps = script_a_bad_day(tiktok)
    config = make_config(**({"locale": locale} if locale else {}))
    app = create_app(config, source=make_source(tiktok, sleeps, poll_seconds=60), data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        state = await state_where(ws, lambda s: s["source"]["status"] == "ended")
        assert (state["source"]["kind"], state["source"]["status"], state["source"]["detail"]) == (
            "tiktok",
            "ended",
            expected,
        )
        async with aiohttp.ClientSession() as http, http.get(http_url(server, "/api/state")) as response:
            assert (await response.json())["source"]["detail"] == expected


def test_a_silent_connection_and_unknown_keys_are_said_too() -> None:
    values: dict[str, int | str] = {"silence": 90, "wait": 4, "attempt": 2}
    assert status_detail("source_silent", values, "fr") == (
        "aucune donnée de TikTok depuis 1 min 30 s\u202f; reconnexion dans 4 s (essai 2)"
    )
    # A status without a key (demo, replay, an older recording) or with a key this version lacks keeps its detail.
    assert status_detail("", {}, "fr", "demo live") == "demo live"
    assert status_detail("source_from_the_future", {"x": 1}, "fr", "later") == "later"
    assert status_detail("source_reconnecting", {"wait": 4}, "fr", "reconnecting") == "reconnecting"  # no attempt


def test_the_app_gives_the_tiktok_source_its_memory_file_in_the_data_folder(tmp_path: Path) -> None:
    from overlay.web.keys import SOURCE

    app = create_app(make_config(tiktok={"unique_id": "moncompte"}), data_dir=tmp_path / "data")
    source = app[SOURCE]
    assert isinstance(source, TikTokSource)
    assert source._memory == tmp_path / "data" / MEMORY_FILE  # the wiring is what this checks


def answered(status: int, body: bytes, asked: list[str]) -> Callable[[str, str], TikTokLiveClient]:
    """A real client whose every HTTP request gets this answer, as TikTok gives it (its addresses noted)."""

    def factory(unique_id: str, sign_api_key: str) -> TikTokLiveClient:
        def reply(request: httpx.Request) -> httpx.Response:
            asked.append(str(request.url))
            return httpx.Response(status, content=body)

        web = {"httpx_kwargs": {"transport": httpx.MockTransport(reply)}, "signer_kwargs": {"sign_api_base": SIGNER}}
        return TikTokLiveClient(unique_id, web_kwargs=web)

    return factory


SIGNER = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (429, b"", "error: TikTok answered 429; retrying in 30 s"),  # an empty 429: TikTokLive reads no JSON in it
        (503, b"<html>Service Unavailable</html>", "error: TikTok answered 503; retrying in 30 s"),
        (
            404,
            b"",  # not a refusal: TikTok's answer to an address it no longer has
            "error: TikTok sent an unexpected answer (JSONDecodeError): often a bot check or a short block; "
            "retrying in 30 s",
        ),
        (
            200,
            b"<html>captcha</html>",  # a bot check, as a page
            "error: TikTok sent an unexpected answer (JSONDecodeError): often a bot check or a short block; "
            "retrying in 30 s",
        ),
    ],
)
async def test_an_answer_tiktoklive_cannot_read_is_said_with_tiktoks_status_and_no_traceback(
    status: int, body: bytes, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    asked: list[str] = []
    sleeps, seen = Sleeps(hold_from=1), Seen()
    source = TikTokSource(
        settings(), client_factory=answered(status, body, asked), sleep=sleeps, rand=lambda: 0.5, environ={}
    )
    with caplog.at_level(logging.INFO):
        task = await running(source, seen)
        await sleeps.reach(1)
        await stop(task)
    assert asked, "the live check went through the client's HTTP"
    assert [detail for state, detail in seen.statuses if state == "error"] == [said]
    assert sleeps.waits == [30]  # the poll: a refusal is not hurried
    assert "Traceback" not in caplog.text  # (a known answer: its traceback only with --verbose)
    assert [r.levelno for r in caplog.records if r.name.startswith("overlay") and r.exc_info] == []


async def test_an_odd_answer_of_another_kind_is_logged_with_its_traceback_once(
    tiktok: FakeTikTok, caplog: pytest.LogCaptureFixture
) -> None:
    # It may be a fault of ours (a KeyError in our own reading): said once in full, then the status line alone.
    tiktok.checks = [KeyError("liveRoom"), KeyError("liveRoom"), KeyError("roomId")]
    tiktok.visits = [Visit(close=None)]
    seen, sleeps = Seen(), Sleeps()
    with caplog.at_level(logging.INFO):
        task = await running(make_source(tiktok, sleeps), seen)
        await seen.until(lambda: seen.last == "connected")
        await stop(task)
    logged = [record for record in caplog.records if record.getMessage() == "TikTok's answer could not be read"]
    assert [(r.levelno, str(r.exc_info[1]) if r.exc_info else None) for r in logged] == [
        (logging.WARNING, "'liveRoom'"),
        (logging.WARNING, "'roomId'"),
    ]


async def test_behind_a_proxy_a_network_failure_names_the_proxy_not_the_internet(tiktok: FakeTikTok) -> None:
    tiktok.checks = [httpx.ConnectError("[Errno 111] Connection refused")]
    tiktok.visits = [Visit(close=None)]
    seen, sleeps = Seen(), Sleeps()
    environ = {"HTTPS_PROXY": "http://lea:secret@127.0.0.1:9"}
    source = TikTokSource(settings(), client_factory=tiktok.client, sleep=sleeps, rand=lambda: 0.5, environ=environ)
    task = await running(source, seen)
    await seen.until(lambda: seen.last == "connected")
    await stop(task)
    assert [detail for state, detail in seen.statuses if state == "error"] == [
        "error: could not reach TikTok through the proxy http://127.0.0.1:9 (check it, or unset HTTPS_PROXY); "
        "retrying in 2 s"  # (its password left out)
    ]


def test_the_handle_goes_to_tiktoklive_without_its_at_so_no_request_names_it_twice() -> None:
    client = default_client("@moncompte", "")
    assert client.unique_id == "moncompte"
    assert client.web.params["referer"] == "https://www.tiktok.com/@moncompte/live"  # not /@@moncompte/live


async def test_a_new_live_by_hand_before_any_tiktok_live_is_refused_saying_why(
    tiktok: FakeTikTok, tmp_path: Path
) -> None:
    # It made an empty TikTok live, "running" in the history, and the creator's live then began one by itself.
    tiktok.checks = [False]  # the creator is not live yet
    sleeps = Sleeps(hold_from=1)
    app = create_app(make_config(), source=make_source(tiktok, sleeps), data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
        await sleeps.reach(1)
        headers = {"Authorization": f"Bearer {app[CONTROL_TOKEN]}"}
        async with session.post(http_url(server, "/api/lives/new?locale=en"), headers=headers, json={}) as response:
            assert response.status == 409
            body = await response.json()
        await app[PERSISTER].flush()
        assert app[PERSISTER].store.lives() == []
    assert body["error"] == "no TikTok live joined yet: yours will start a new live by itself"


async def a_live_stopped(tiktok: FakeTikTok, config: Config, data: Path, *, minutes_ago: float) -> dict[str, Any]:
    """A TikTok live at 7 500 likes, its server stopped `minutes_ago` (as its store has it): the live as saved."""
    tiktok.visits = [Visit(replayed=[like(2, 7500, msg_id=1)], close=None)]
    first = create_app(config, source=make_source(tiktok, Sleeps()), data_dir=data)
    async with TestServer(first, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await state_where(ws, lambda s: s["likes"]["total"] == 7500)
    store = Store(data / FILENAME).open()
    (live,) = store.lives()
    store.close()
    as_if_stopped(data, minutes_ago)
    return live


def as_if_stopped(data: Path, minutes_ago: float) -> None:
    """Move the store's live and last save `minutes_ago` back: as if the server had been stopped that long."""
    away = minutes_ago * 60
    with contextlib.closing(sqlite3.connect(data / FILENAME)) as db, db:
        db.execute("UPDATE lives SET started_at = started_at - ?, saved_at = saved_at - ?", (away, away))


def stored_live(data: Path, live_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The live `live_id` as the store in `data` has it, and its outages."""
    store = Store(data / FILENAME).open()
    try:
        live = store.live(live_id)
        assert live is not None
        return live, store.outages(live_id)
    finally:
        store.close()


@pytest.mark.parametrize("found", ["offline", "live again"])
async def test_a_live_that_ended_while_the_server_was_stopped_ends_at_its_last_save_not_at_the_restart(
    tiktok: FakeTikTok, tmp_path: Path, found: str
) -> None:
    # The creator stops the server as the live ends (before TikTok's end message), and starts it again half an hour
    # later to read the live's stats: TikTok says the creator is offline, or live again in a new room. The live
    # lasted as long as it was seen.
    data = tmp_path / "data"
    config = make_config()
    live = await a_live_stopped(tiktok, config, data, minutes_ago=30)
    if found == "offline":
        tiktok.checks = [False]
    else:
        tiktok.visits = [Visit(replayed=[like(3, 40, msg_id=2)], close=None, room=ROOM + 1)]
    second = create_app(config, source=make_source(tiktok, Sleeps(hold_from=1)), data_dir=data)
    async with TestServer(second, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await state_where(ws, lambda s: s["source"]["status"] == "ended" or s["likes"]["total"] == 40)
    ended, outages = stored_live(data, live["id"])
    assert ended["ended"]
    assert ended["seconds"] == pytest.approx(live["seconds"], abs=1.0)  # not half an hour more
    assert outages == []  # and no "server stopped" band after the live's end


@pytest.mark.parametrize("ending", ["kill -9", "stop"])
@pytest.mark.parametrize("found", ["offline", "live again"])
async def test_a_server_ended_before_tiktok_is_back_after_a_restart_loses_none_of_its_absences(
    tiktok: FakeTikTok, tmp_path: Path, found: str, ending: str
) -> None:
    # Stopped 30 minutes, started again while the network is out, killed (only its last save is left) or stopped
    # (Ctrl+C), and started 10 minutes later: the live is then found over, or going on. Both absences are known.
    data = tmp_path / "data"
    crashed = tmp_path / "crashed" if ending == "kill -9" else data
    config = make_config()
    live = await a_live_stopped(tiktok, config, data, minutes_ago=30)
    tiktok.checks = [httpx.ConnectError("[Errno -3] Temporary failure in name resolution")]
    second = create_app(config, source=make_source(tiktok, Sleeps(hold_from=1)), data_dir=data)
    async with TestServer(second, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await state_where(ws, lambda s: s["source"]["status"] == "error")  # (could not reach TikTok)
        if ending == "kill -9":
            await second[PERSISTER].flush()
            crashed.mkdir()  # what a kill -9 leaves: the last save
            with (
                contextlib.closing(sqlite3.connect(data / FILENAME)) as saved,
                contextlib.closing(sqlite3.connect(crashed / FILENAME)) as copy,
            ):
                saved.backup(copy)
    as_if_stopped(crashed, 10)  # (and started 10 minutes after)
    if found == "offline":
        tiktok.checks = [False]
    else:
        tiktok.checks = []
        tiktok.visits = [Visit(replayed=[like(3, 7540, msg_id=2)], close=None)]
    third = create_app(config, source=make_source(tiktok, Sleeps(hold_from=1)), data_dir=crashed)
    async with TestServer(third, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await state_where(ws, lambda s: s["source"]["status"] == "ended" or s["likes"]["total"] == 7540)
    after, recorded = stored_live(crashed, live["id"])
    outages = [(round(o["start"]), round(o["seconds"], -1), o["kind"]) for o in recorded]
    if found == "offline":
        assert after["ended"]
        assert after["seconds"] == pytest.approx(live["seconds"], abs=1.0)  # last seen before the first stop
        assert outages == []
    else:
        assert not after["ended"]
        start = round(live["seconds"])
        servers = [outage for outage in outages if outage[2] == "server"]
        assert servers == [(start, 1800, "server"), (pytest.approx(start + 1800, abs=2), 600, "server")]
