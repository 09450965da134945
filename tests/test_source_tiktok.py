"""The TikTok source: a real TikTokLiveClient talking to a fake TikTok on loopback.

The fake is a local websocket server that sends the same gzip'd `WebcastPushFrame`s as
TikTok, and the client's HTTP calls (live check, room id, sign server) are replaced at the
client's web boundary; its HTTP transport refuses everything else, so nothing can leave
the machine. Sleeps are injected: backoff delays are recorded, never waited.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import websockets
from aiohttp.test_utils import TestServer
from TikTokLive import TikTokLiveClient
from TikTokLive.events import CommentEvent, ControlEvent, GiftEvent, LikeEvent, RoomUserSeqEvent, SocialEvent
from TikTokLive.proto import (
    CommonMessageData,
    ControlAction,
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

from overlay.config import TikTokSettings
from overlay.events import Comment, Event, Follow, Gift, Like, LiveStarted, SourceStatus, User, Viewers
from overlay.sources.tiktok import TikTokSource, seconds_text
from overlay.web import create_app
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
    proto = LikeEvent(common=CommonMessageData(msg_id=msg_id), count=count, total=total, user=user or viewer())
    return message("WebcastLikeMessage", proto)


def social(kind: str, msg_id: int) -> Any:
    key = {"follow": "pm_main_follow_message_viewer_2", "share": "pm_mt_guidance_share"}[kind]
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


def viewers(total: int) -> Any:
    return message("WebcastRoomUserSeqMessage", RoomUserSeqEvent(total=total))


def live_end() -> Any:
    return message("WebcastControlMessage", ControlEvent(action=ControlAction.STREAM_ENDED))


def push_frame(*messages: Any) -> bytes:
    result = ProtoMessageFetchResult(messages=list(messages))
    return bytes(
        WebcastPushFrame(
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

    def __init__(self) -> None:
        self.visits: list[Visit] = []
        self.checks: list[bool | BaseException] = []  # answers of the live check; then: live
        self.signs: list[BaseException] = []  # failures of the sign call before it works
        self.uri = ""
        self.connections = 0
        self.clients: list[TikTokLiveClient] = []
        self.outbox: asyncio.Queue[bytes | int] = asyncio.Queue()  # frames to send live, or a close code
        self._current: Visit | None = None

    async def serve(self) -> AsyncIterator[FakeTikTok]:
        async with websockets.serve(self._handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.uri = f"ws://127.0.0.1:{port}"
            yield self

    async def _handler(self, ws: ServerConnection) -> None:
        visit = self._current or Visit(close=None)
        self.connections += 1
        await ws.recv()  # the client's "enter room" frame
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

    def push(self, *messages: Any) -> None:
        """Send one frame on the open connection, as TikTok does during a live."""
        self.outbox.put_nowait(push_frame(*messages))

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
    """The injected sleep: records each wait and returns at once (a few turns of the loop)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


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
    def statuses(self) -> list[tuple[str, str]]:
        return [(e.status, e.detail) for e in self.of(SourceStatus)]


def settings(**values: Any) -> TikTokSettings:
    return TikTokSettings(unique_id="@moncompte", **values)


def make_source(fake: FakeTikTok, sleeps: Sleeps, **values: Any) -> TikTokSource:
    return TikTokSource(settings(**values), client_factory=fake.client, sleep=sleeps, rand=lambda: 0.5, environ={})


async def running(source: TikTokSource, seen: Seen) -> asyncio.Task[None]:
    return asyncio.create_task(source.run(seen))


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


async def test_likes_reach_the_api_and_a_websocket_through_the_real_app(tiktok: FakeTikTok, tmp_path: Path) -> None:
    tiktok.visits = [Visit(replayed=[like(2, 7500, msg_id=1)], frames=[], close=None)]
    source = make_source(tiktok, Sleeps())
    app = create_app(make_config(), source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        state = await state_where(ws, lambda s: s["likes"]["total"] == 7500)
        assert state["source"] == {"kind": "tiktok", "status": "connected", "detail": f"connected (room {ROOM})"}
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
    assert [seconds_text(s) for s in (0.2, 8, 59.6, 60, 90, 600)] == [
        "1 s",
        "8 s",
        "1 min",
        "1 min",
        "1 min 30 s",
        "10 min",
    ]


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
