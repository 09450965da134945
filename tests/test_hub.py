"""The hub: coalesced frames, a snapshot on connect, and one slow client never hurting the others."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from aiohttp.test_utils import TestServer

from overlay.bus import Bus
from overlay.engine import Engine
from overlay.events import Like, User
from overlay.hub import EVENT_FRAMES, Hub
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
    assert len(states) <= elapsed / 0.033 + 2
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
