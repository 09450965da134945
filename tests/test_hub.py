"""The hub: coalesced frames, a snapshot on connect, and one slow client never hurting the others."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
from pathlib import Path

import aiohttp
import pytest
import websockets
from aiohttp.test_utils import TestServer

from overlay.bus import Bus
from overlay.engine import Engine
from overlay.events import Gift, Like, User
from overlay.hub import EVENT_FRAMES, Hub
from overlay.web import create_app
from overlay.web.keys import HUB, SOCKETS
from tests.conftest import DrivenSource, make_config, ws_url


class RecordingPeer:
    """A client that reads everything at once."""

    def __init__(self) -> None:
        self.frames: list[dict] = []
        self.got = asyncio.Event()
        self.closed = False

    async def send(self, frame: bytes) -> None:
        self.frames.append(json.loads(frame))
        self.got.set()

    async def close(self) -> None:
        self.closed = True


class StalledPeer(RecordingPeer):
    """A client that never reads: its first send blocks forever."""

    async def send(self, frame: bytes) -> None:
        self.frames.append(json.loads(frame))
        await asyncio.Event().wait()


async def read_until_closed(ws: websockets.ClientConnection) -> None:
    while True:
        await ws.recv()


def make_hub(**kwargs: float) -> tuple[Hub, Bus]:
    loop = asyncio.get_running_loop()
    engine = Engine(make_config(), "test", now=loop.time())
    bus = Bus(engine, loop.time)
    return Hub(bus, **kwargs), bus


async def test_a_new_client_gets_the_full_state_first() -> None:
    hub, bus = make_hub()
    bus.publish(Like(count=7, user=User(id="a")))
    peer = RecordingPeer()
    slot = hub.connect(peer)
    pump = asyncio.create_task(hub.pump(slot))
    await asyncio.wait_for(peer.got.wait(), 5)
    assert peer.frames[0]["type"] == "state"
    assert peer.frames[0]["state"]["likes"]["total"] == 7
    pump.cancel()


async def test_a_stalled_client_does_not_block_the_others_and_holds_bounded_frames() -> None:
    hub, bus = make_hub(frame_seconds=0.005, stall_seconds=0.5)
    stalled, healthy = StalledPeer(), RecordingPeer()
    stalled_slot, healthy_slot = hub.connect(stalled), hub.connect(healthy)
    pumps = [asyncio.create_task(hub.pump(s)) for s in (stalled_slot, healthy_slot)]
    ticker = asyncio.create_task(hub.run())
    for i in range(200):
        bus.publish(Like(count=1, user=User(id=str(i), nickname=f"n{i}")))
        await asyncio.sleep(0.001)
    async with asyncio.timeout(5):
        while not healthy.frames or healthy.frames[-1].get("state", {}).get("likes", {}).get("total") != 200:
            healthy.got.clear()
            await healthy.got.wait()
    # The stalled client holds at most one state frame and a few animation frames, whatever was sent.
    assert stalled_slot.state is not None
    assert len(stalled_slot.events) <= EVENT_FRAMES
    assert stalled_slot.dropped > 0
    # ...and after `stall_seconds` it is closed so that its browser reconnects.
    await asyncio.wait_for(pumps[0], 5)
    assert stalled.closed
    ticker.cancel()
    pumps[1].cancel()


async def test_frames_are_serialised_once_and_shared_by_all_clients() -> None:
    hub, bus = make_hub()
    peers = [RecordingPeer() for _ in range(3)]
    slots = [hub.connect(p) for p in peers]
    bus.publish(Like(count=1, user=User(id="a")))
    hub.flush(bus.clock())
    assert len({id(s.state) for s in slots}) == 1


async def test_state_frames_are_coalesced_at_5000_likes_per_second(server: TestServer, source: DrivenSource) -> None:
    async with websockets.connect(ws_url(server)) as ws:
        await ws.recv()  # the snapshot
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(100):  # 5,000 likes in ~1 s, 50 every 10 ms
            await source.push(*(Like(count=1, user=User(id="v")) for _ in range(50)))
            await asyncio.sleep(0.01)
        states: list[dict] = []
        async with asyncio.timeout(5):
            while not states or states[-1]["likes"]["total"] < 5000:
                message = json.loads(await ws.recv())
                if message["type"] == "state":
                    states.append(message["state"])
        elapsed = loop.time() - started
    # Frames are at least one frame interval (33 ms) apart: never more than ~30 a second, whatever the like rate.
    # (Small slack: a sleep can wake a little early; without coalescing this would be thousands of frames.)
    assert len(states) <= elapsed / 0.030 + 3
    assert states[-1]["likes"]["total"] == 5000


async def test_clients_are_told_when_the_server_shuts_down(source: DrivenSource, tmp_path) -> None:
    from overlay.web import create_app

    app = create_app(make_config(), source=source, data_dir=tmp_path)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    async with websockets.connect(ws_url(server)) as ws:
        await ws.recv()
        await server.close()
        async with asyncio.timeout(5):
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await read_until_closed(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1001  # GOING_AWAY: the widget reconnects to the next server


class DirectRecordingPeer(RecordingPeer):
    """A client on the fast path: `send_now` takes frames at once unless `behind` says its socket is full."""

    def __init__(self) -> None:
        super().__init__()
        self.behind = False
        self.writes: list[tuple[bytes, ...]] = []

    @staticmethod
    def encode(frames: tuple[bytes, ...]) -> bytes:
        return b"\0".join(frames)  # JSON never holds a raw NUL

    def send_now(self, wire: bytes) -> bool:
        if self.behind:
            return False
        frames = tuple(wire.split(b"\0"))
        self.writes.append(frames)
        self.frames.extend(json.loads(frame) for frame in frames)
        self.got.set()
        return True


async def test_a_client_that_keeps_up_gets_state_and_animations_in_one_write_without_its_task() -> None:
    hub, bus = make_hub()
    peer = DirectRecordingPeer()
    slot = hub.connect(peer)
    slot.state = None  # as if its pump had sent the snapshot already; no pump runs in this test
    bus.publish(Like(count=3, user=User(id="a", nickname="Léa")))
    hub.flush(bus.clock())
    assert len(peer.writes) == 1
    assert [frame["type"] for frame in peer.frames] == ["state", "events"]
    assert peer.frames[0]["state"]["likes"]["total"] == 3
    assert slot.state is None
    assert not slot.events


async def test_a_client_that_falls_behind_holds_bounded_frames_and_catches_up_with_the_newest() -> None:
    hub, bus = make_hub()
    peer = DirectRecordingPeer()
    slot = hub.connect(peer)
    slot.state = None
    peer.behind = True
    for i in range(1000):
        bus.publish(Like(count=1, user=User(id=str(i))))
        hub.flush(bus.clock())
    # Per-client memory stays bounded whatever the like rate: one state and a few animation frames.
    assert slot.state is not None
    assert len(slot.events) <= EVENT_FRAMES
    assert slot.dropped > 0
    assert peer.writes == []
    # Its own task then sends only the newest state: the client skips straight to the current total.
    peer.behind = False
    pump = asyncio.create_task(hub.pump(slot))
    async with asyncio.timeout(5):
        while not peer.frames or peer.frames[0]["type"] != "state":
            peer.got.clear()
            await peer.got.wait()
    assert peer.frames[0]["state"]["likes"]["total"] == 1000
    async with asyncio.timeout(5):
        while slot.state is not None or slot.events:  # frames still waiting for the pump
            peer.got.clear()
            await peer.got.wait()
    pump.cancel()
    await asyncio.wait((pump,))  # the pump has ended, not only been asked to
    # It was idle, all sent: from now on the fast path takes over again.
    assert slot.sending_since is None
    bus.publish(Like(count=1, user=User(id="late")))
    hub.flush(bus.clock())
    assert json.loads(peer.writes[-1][0])["state"]["likes"]["total"] == 1001


async def test_a_frame_that_fails_is_logged_and_the_ticker_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    hub, bus = make_hub(frame_seconds=0.0)
    peer = DirectRecordingPeer()
    slot = hub.connect(peer)
    slot.state = None  # as if its pump had sent the snapshot already
    engine = bus.engine
    real_snapshot = engine.snapshot
    failed = asyncio.Event()

    def snapshot_once_broken(now: float) -> dict:
        engine.snapshot = real_snapshot  # type: ignore[method-assign]
        failed.set()
        raise RuntimeError("a bug in the snapshot")

    engine.snapshot = snapshot_once_broken  # type: ignore[method-assign]
    ticker = asyncio.create_task(hub.run())
    with caplog.at_level(logging.ERROR):
        bus.publish(Like(count=1, user=User(id="a")))
        async with asyncio.timeout(5):
            await failed.wait()
            bus.publish(Like(count=1, user=User(id="b")))
            while not any(frame["type"] == "state" for frame in peer.frames):
                peer.got.clear()
                await peer.got.wait()
    assert "the widgets' frame could not be built" in caplog.text
    assert "a bug in the snapshot" in caplog.text
    assert not ticker.done()
    assert [frame["state"]["likes"]["total"] for frame in peer.frames if frame["type"] == "state"] == [2]
    ticker.cancel()
    await asyncio.wait((ticker,))


@pytest.mark.parametrize("size", [0, 125, 126, 1000, 65535, 65536, 100_000])
def test_direct_writes_are_the_same_websocket_frames_the_library_would_send(size: int) -> None:
    from websockets.frames import Frame, Opcode

    from overlay.web.sockets import text_frame

    payload = b"x" * size
    assert text_frame(payload) == Frame(Opcode.TEXT, payload).serialize(mask=False)


async def test_a_real_client_that_never_reads_does_not_delay_the_others(
    server: TestServer, source: DrivenSource
) -> None:
    import socket

    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(stalled, ("127.0.0.1", server.port))
    handshake = (
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(stalled, handshake.encode())
    try:
        async with websockets.connect(ws_url(server)) as ws:
            await ws.recv()  # the snapshot
            for _ in range(50):
                await source.push(*(Like(count=1, user=User(id="v", nickname="x" * 40)) for _ in range(100)))
                await asyncio.sleep(0.005)
            async with asyncio.timeout(5):
                total = 0
                while total < 5000:
                    message = json.loads(await ws.recv())
                    if message["type"] == "state":
                        total = message["state"]["likes"]["total"]
    finally:
        stalled.close()


async def test_a_client_can_ask_for_state_only() -> None:
    hub, bus = make_hub()
    goal_bar, hearts = DirectRecordingPeer(), DirectRecordingPeer()
    for slot in (hub.connect(goal_bar, events=False), hub.connect(hearts)):
        slot.state = None  # as if its pump had sent the snapshot already
    bus.publish(Like(count=3, user=User(id="a", nickname="Léa")))
    hub.flush(bus.clock())
    assert [frame["type"] for frame in goal_bar.frames] == ["state"]
    assert [frame["type"] for frame in hearts.frames] == ["state", "events"]


async def test_a_slower_client_gets_every_animation_between_its_frames_merged_into_one() -> None:
    hub, bus = make_hub(frame_seconds=1 / 60)
    fast, slow = DirectRecordingPeer(), DirectRecordingPeer()
    for slot in (hub.connect(fast), hub.connect(slow, fps=10)):
        slot.state = None
    start = asyncio.get_running_loop().time()
    for i in range(6):  # six 60 fps ticks: one frame for the 10 fps client, at the first tick
        bus.publish(Like(count=1, user=User(id=str(i), nickname=f"n{i}")))
        hub.flush(bus.clock(), start + i / 60)
    bus.publish(Like(count=1, user=User(id="6", nickname="n6")))
    hub.flush(bus.clock(), start + 0.1)  # the slow client's next frame is due
    assert [f["state"]["likes"]["total"] for f in fast.frames if f["type"] == "state"] == [1, 2, 3, 4, 5, 6, 7]
    assert [f["state"]["likes"]["total"] for f in slow.frames if f["type"] == "state"] == [1, 7]
    slow_events = [event for f in slow.frames if f["type"] == "events" for event in f["events"]]
    fast_events = [event for f in fast.frames if f["type"] == "events" for event in f["events"]]
    assert slow_events == fast_events
    assert len(slow_events) == 7


async def test_a_slower_client_gets_a_gift_sent_before_more_likes_than_a_frame_holds() -> None:
    hub, bus = make_hub(frame_seconds=1 / 60, max_events=40)
    fast, slow = DirectRecordingPeer(), DirectRecordingPeer()
    for slot in (hub.connect(fast), hub.connect(slow, fps=5)):
        slot.state = None
    start = asyncio.get_running_loop().time()
    bus.publish(Like(count=1, user=User(id="a", nickname="Léa")))
    hub.flush(bus.clock(), start)  # the 5 fps client's first frame; its next is due 0.2 s later
    del slow.frames[:]
    bus.publish(Gift(gift="Rose", user=User(id="g", nickname="Zoé")))
    for tick in range(1, 12):  # 11 ticks of 30 likes each before the slow client's next frame
        for i in range(30):
            bus.publish(Like(count=1, user=User(id=f"{tick}-{i}", nickname=f"n{tick}-{i}")))
        hub.flush(bus.clock(), start + tick / 60)
    hub.flush(bus.clock(), start + 0.2)
    slow_events = [event for f in slow.frames if f["type"] == "events" for event in f["events"]]
    assert [event["user"] for event in slow_events if event["type"] == "gift"] == ["Zoé"]
    assert sum(event["type"] == "like" for event in slow_events) == 40  # the newest likes; the rest merged


async def test_a_frame_whose_timer_fires_a_hair_early_is_still_sent() -> None:
    hub, bus = make_hub(frame_seconds=1 / 60)
    peer = DirectRecordingPeer()
    hub.connect(peer).state = None
    start = asyncio.get_running_loop().time()
    bus.publish(Like(count=1, user=User(id="a", nickname="Léa")))
    hub.flush(bus.clock(), start)
    bus.publish(Like(count=1, user=User(id="a", nickname="Léa")))
    hub.flush(bus.clock(), start + 1 / 60 - 1e-6)  # asyncio may run a timer up to its clock's resolution early
    assert [f["state"]["likes"]["total"] for f in peer.frames if f["type"] == "state"] == [1, 2]


def likes_shown(peer: RecordingPeer) -> int | None:
    states = [frame for frame in peer.frames if frame["type"] == "state"]
    return states[-1]["state"]["likes"]["total"] if states else None


async def test_a_one_fps_client_does_not_hold_back_the_other_clients_frames() -> None:
    hub, bus = make_hub()
    slow, fast = DirectRecordingPeer(), DirectRecordingPeer()
    for slot in (hub.connect(slow, fps=1), hub.connect(fast)):
        slot.state = None  # as if their pumps had sent the snapshot already
    ticker = asyncio.create_task(hub.run())
    try:
        async with asyncio.timeout(5):
            for total in (1, 2, 3):  # one like at a time, each once the fast client shows the previous
                bus.publish(Like(count=1, user=User(id="a")))
                while likes_shown(fast) != total:
                    fast.got.clear()
                    await fast.got.wait()
    finally:
        ticker.cancel()
    # The slow client got the first like at once and waits a second for its next frame: the fast one did not.
    assert likes_shown(slow) == 1


async def read_states(ws: websockets.ClientConnection, total: int) -> list[str]:
    """Message types until a state shows `total` likes."""
    kinds: list[str] = []
    seen = 0
    while seen < total:
        message = json.loads(await ws.recv())
        kinds.append(message["type"])
        if message["type"] == "state":
            seen = message["state"]["likes"]["total"]
    return kinds


async def test_each_client_chooses_its_frame_rate(server: TestServer, source: DrivenSource) -> None:
    url = ws_url(server)
    async with (
        websockets.connect(url) as default,
        websockets.connect(url + "?fps=60&events=0") as fast,
        websockets.connect(url + "?fps=10") as slow,
    ):
        for ws in (default, fast, slow):
            await ws.recv()  # the snapshot
        loop = asyncio.get_running_loop()
        started = loop.time()
        readers = [asyncio.create_task(read_states(ws, 5000)) for ws in (default, fast, slow)]
        for _ in range(100):  # 5,000 likes in ~1 s
            await source.push(*(Like(count=1, user=User(id="v")) for _ in range(50)))
            await asyncio.sleep(0.01)
        async with asyncio.timeout(5):
            default_kinds, fast_kinds, slow_kinds = await asyncio.gather(*readers)
        elapsed = loop.time() - started
    assert set(fast_kinds) == {"state"}  # events=0: no animation batches
    assert "events" in default_kinds
    assert "events" in slow_kinds
    states = {
        name: kinds.count("state") for name, kinds in (("30", default_kinds), ("60", fast_kinds), ("10", slow_kinds))
    }
    assert states["10"] <= elapsed * 10 + 2  # never faster than asked
    assert states["10"] < states["30"] < states["60"]


# (fps=²: a digit to str.isdigit, not to int(), which said "invalid literal for int() with base 10")
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("fps=0", "ws_fps"),
        ("fps=61", "ws_fps"),
        ("fps=abc", "ws_fps"),
        ("fps=", "ws_fps"),
        ("fps=%C2%B2", "ws_fps"),
        ("events=yes", "ws_events"),
        ("foo=1", "ws_option"),
        ("token=abc", "ws_option"),
    ],
)
async def test_a_wrong_subscription_is_refused_with_what_is_valid(server: TestServer, query: str, code: str) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(ws_url(server) + "?" + query + "&locale=en"):
            pass
    assert refused.value.response.status_code == 400
    answer = json.loads(refused.value.response.body)
    assert answer["code"] == code
    assert "give" in answer["error"]


async def test_a_refused_subscription_says_why_in_the_configs_language_with_a_stable_code(server: TestServer) -> None:
    """French by default, as the API's other refusals: a script tests `code`, a person reads `error`."""
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(ws_url(server) + "?fps=90"):
            pass
    answer = json.loads(refused.value.response.body)
    assert answer == {"code": "ws_fps", "error": "fps=90\u202f: donnez un nombre entier d'images par seconde de 1 à 60"}


async def test_a_handshake_with_a_key_that_is_not_ascii_is_a_400_not_a_500(server: TestServer) -> None:
    # aiohttp's handshake raised ValueError (base64 of a non-ASCII text): a 500 and an ERROR traceback in the log.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: \xff\xff\r\n\r\n"
    )
    status = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    await writer.wait_closed()
    assert status.startswith(b"HTTP/1.1 400 ")


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a page or curl opening /ws as an address
        {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "x"},
        {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "abc"},
    ],
    ids=["plain GET", "version 8", "key not base64 of 16 bytes"],
)
async def test_a_request_that_is_not_a_websocket_opening_gets_the_apis_json_refusal(
    server: TestServer, headers: dict[str, str]
) -> None:
    # aiohttp answered these with its own line of English text, not the API's error with a code.
    async with (
        aiohttp.ClientSession() as session,
        session.get(ws_url(server).replace("ws:", "http:"), headers=headers) as response,
    ):
        assert response.status == 400
        answer = await response.json()
    assert answer["code"] == "ws_handshake"
    assert answer["error"].startswith("ce n'est pas l'ouverture d'un websocket")


async def test_with_nobody_connected_likes_do_not_wake_the_ticker_but_a_new_client_gets_them() -> None:
    hub, bus = make_hub(tick_seconds=10.0)  # the time-driven tick alone would flush once in this test
    flushes = 0
    real_flush = hub.flush

    def counting_flush(now: float, at: float | None = None) -> None:
        nonlocal flushes
        flushes += 1
        real_flush(now, at)

    hub.flush = counting_flush  # type: ignore[method-assign]
    ticker = asyncio.create_task(hub.run())
    await asyncio.sleep(0)  # the ticker is idle
    for i in range(50):
        bus.publish(Like(count=1, user=User(id=str(i))))
        await asyncio.sleep(0.002)
    assert flushes <= 1  # not one per like: no screen to update
    peer = RecordingPeer()
    slot = hub.connect(peer)
    pump = asyncio.create_task(hub.pump(slot))
    bus.publish(Like(count=1, user=User(id="late")))
    async with asyncio.timeout(5):  # far sooner than the 10 s tick: connecting woke the ticker
        while 51 not in [frame["state"]["likes"]["total"] for frame in peer.frames if frame["type"] == "state"]:
            peer.got.clear()
            await peer.got.wait()
    ticker.cancel()
    pump.cancel()
    await asyncio.wait((ticker, pump))


async def test_a_client_that_never_reads_is_cut_off_and_does_not_hold_up_shutdown(tmp_path: Path) -> None:
    source = DrivenSource()
    app = create_app(make_config(), source=source, data_dir=tmp_path)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    app[HUB].stall_seconds = 0.5
    # A websocket by hand that never reads (a tiny receive buffer).
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)  # before connecting: the window stays small
    sock.connect(("127.0.0.1", server.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    for _ in range(1000):  # the server registers it just after its answer
        if app[SOCKETS]:
            break
        await asyncio.sleep(0.01)
    (peer,) = app[SOCKETS]
    peer.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # fills sooner
    writer.write(b"\x81\x80" + os.urandom(4))  # a masked, empty text message: it is alive
    name = "x" * 200  # big frames: the buffers fill within a few frames
    async with asyncio.timeout(10):  # its heartbeat (20 s) is not what ends it
        while app[SOCKETS]:  # until the server hangs up on it, once stalled for `stall_seconds`
            await source.push(*(Like(count=1, user=User(id=f"{n}", nickname=f"{name}{n}")) for n in range(50)))
            await asyncio.sleep(0.05)
    async with asyncio.timeout(20):  # and stopping the server is not held up by it
        await server.close()
    writer.close()
