"""Benchmark: the server under test, in its own process, fed by a bench source at a fixed offered rate.

`--mode hub` is the real thing: `create_app` with the real bus, engine and hub; only the source
is the bench's. `--mode naive` is the baseline the figures are compared with: the same engine
and source, but a relay that sends one websocket message per event to each client.
`--mode tiktok --tiktok-uri URI` is the real thing with the real TikTok source as well: a
`TikTokLiveClient` connected to the driver's stand-in TikTok (`bench/tiktok_push.py`), which sends
the likes; `go` then only waits out the window and answers `DONE <likes counted> <total> []`.

The driver (`bench/run.py`) talks to this process over stdin/stdout, one line each way:
  stdout  `PORT <port>` once listening
  stdin   `go <rate> <seconds> <t0>`  offer `rate` likes/s for `seconds` from monotonic time `t0`
          (rate 0: as fast as the server absorbs them), then answer `DONE <emitted> <total> <marks>`
  stdin   `quit` (or end of input) stops the server.

The source hands likes over in batches every `TICK` seconds (TikTok's push frames carry batches
too), each like stamped `sent_at = time.monotonic()` when its batch is emitted. Every like is
`Like(count=1)`, so the room total is the like's index `k`; `marks` (JSON) lists, per batch,
the total after it and its emission time, so the driver knows when every like entered the
server and, from the totals in the clients' frames, when each client could show it.
CLOCK_MONOTONIC is system-wide on Linux, so processes compare their times directly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

# Run as a script (`python bench/server_main.py`): make the project importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from overlay.bus import Bus
from overlay.config import Config, parse_config
from overlay.engine import Engine
from overlay.events import Event, Like, LiveStarted, SourceStatus, User
from overlay.sources import Emit
from overlay.web import create_app
from overlay.web.keys import ENGINE

VIEWERS = 2000  # distinct likers, so the rankings have real work to do
MAX_BATCH = 2000  # likes emitted between two yields to the loop in a max-ingest run
TICK = 0.01  # seconds between two batches of likes at a fixed rate
CONFIG_YAML = """
goals:
  steps:
    - {id: warmup, label: "1 000 likes ensemble !", target: 1000}
    - {id: main, label: "10 000 likes ensemble !", target: 10000}
  then: {every: 10000}
"""

Deliver = Callable[[Event], Awaitable[None]]


def bench_yaml(frame_ms: int = 33) -> str:
    return CONFIG_YAML + f"server: {{frame_ms: {frame_ms}}}\n"


def bench_config(frame_ms: int = 33) -> Config:
    return parse_config(bench_yaml(frame_ms), "bench-config.yaml")


class BenchSource:
    """Offers likes on a schedule through `emit`, exactly as a real source hands events to the bus."""

    kind = "bench"

    def __init__(self) -> None:
        self.emit: Emit | None = None
        self.ready = asyncio.Event()
        self.users = [User(id=f"bench-{i}", nickname=f"viewer_{i}") for i in range(VIEWERS)]

    async def run(self, emit: Emit) -> None:
        emit(LiveStarted(room_id="bench"))
        emit(SourceStatus("connected", "bench source"))
        self.emit = emit
        self.ready.set()
        await asyncio.Event().wait()  # runs until the app stops

    async def offer(
        self, rate: float, seconds: float, t0: float, deliver: Deliver | None = None
    ) -> tuple[int, list[tuple[int, float]]]:
        """Emit the likes due by the schedule until `t0 + seconds`: (how many, the batch marks).

        With `deliver` (the naive relay), each like is also awaited through it, one by one,
        stamped when emitted, and what is not emitted by the end of the window never is.
        """
        await self.ready.wait()
        emit = self.emit
        assert emit is not None
        users = self.users
        viewers = len(users)
        end = t0 + seconds
        marks: list[tuple[int, float]] = []
        await asyncio.sleep(max(0.0, t0 - time.monotonic()))
        emitted = 0
        planned = int(rate * seconds) if rate > 0 else -1
        tick = 0
        while emitted != planned:
            now = time.monotonic()
            if now >= end + (0.05 if planned > 0 else 0):  # a relay that fell behind, or a max-ingest run
                break
            # Max ingest: a big batch, then a yield so the hub can still send frames.
            due = min(planned, int((now - t0) * rate)) if planned > 0 else emitted + MAX_BATCH
            while emitted < due:
                emitted += 1
                like = Like(count=1, user=users[emitted % viewers], sent_at=now)
                emit(like)
                if deliver is not None:
                    await deliver(like)
                    now = time.monotonic()
                    if now >= end + 0.05:
                        break
            if not marks or marks[-1][0] != emitted:
                marks.append((emitted, now))
            if planned > 0:
                tick += 1
                await asyncio.sleep(max(0.001, t0 + tick * TICK - time.monotonic()))
            else:
                await asyncio.sleep(0)
        return emitted, marks


# -- the naive relay baseline --------------------------------------------------------------


class NaiveRelay:
    """One message per event per client, each send awaited in turn: what a first version usually does."""

    def __init__(self) -> None:
        self.clients: set[web.WebSocketResponse] = set()

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # aiohttp's defaults, as a first version would have them
        await ws.prepare(request)
        self.clients.add(ws)
        try:
            async for message in ws:
                if message.type == WSMsgType.ERROR:
                    break
        finally:
            self.clients.discard(ws)
        return ws

    async def deliver(self, event: Event) -> None:
        assert isinstance(event, Like)
        payload = json.dumps(
            {"type": "like", "count": event.count, "user": event.user.nickname, "sent_at": event.sent_at}
        )
        for ws in list(self.clients):
            if not ws.closed:
                await ws.send_str(payload)


def naive_app(source: BenchSource, relay: NaiveRelay) -> tuple[web.Application, Engine]:
    engine = Engine(bench_config(), source.kind, now=time.monotonic())
    bus = Bus(engine, time.monotonic)
    app = web.Application()
    app.router.add_get("/ws", relay.websocket)

    async def run_source(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(source.run(bus.publish))
        yield
        task.cancel()

    app.cleanup_ctx.append(run_source)
    return app, engine


def tiktok_client(uri: str, authority: str) -> Callable[[str, str], Any]:
    """A client factory for the real TikTok source whose TikTok is the stand-in at `uri`.

    Its clients are the source's own (`default_client`: its TLS context, its sign-server client),
    the stand-in's test `authority` trusted as a system's root would be. The look-ups made before
    connecting (is the creator live, which room, the signed websocket URL) are answered here; any
    other HTTP request is refused, so nothing leaves the machine.
    """
    import httpx
    from TikTokLive.proto import ProtoMessageFetchResult

    from overlay.sources.tiktok import default_client, tls_context

    tls_context().load_verify_locations(authority)  # (the bench alone adds to it, before any client is made)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"the bench never leaves the machine ({request.url.host})")

    def make(unique_id: str, sign_api_key: str) -> Any:
        client = default_client(unique_id, sign_api_key)
        client._ws._ws_kwargs["uri"] = uri  # (as `ws_kwargs={"uri": ...}` would)
        http = client.web.httpx_client
        http._transport, http._mounts = httpx.MockTransport(refuse), {}  # (no proxy from the environment either)

        async def live(*args: Any, **kwargs: Any) -> bool:
            return True

        async def room(*args: Any, **kwargs: Any) -> int:
            return 7_000_000_000_000_000_001

        async def signed(*args: Any, **kwargs: Any) -> ProtoMessageFetchResult:
            return ProtoMessageFetchResult(is_first=True)

        client.web.fetch_is_live, client.web.fetch_room_id_from_html = live, room
        client.web.fetch_signed_websocket = signed
        return client

    return make


def source_alone_app(source: BenchSource) -> tuple[web.Application, Engine]:
    """The bench source emitting into nothing: what the instrument itself costs (its wake-ups, its likes)."""
    engine = Engine(bench_config(), source.kind, now=time.monotonic())  # only for the DONE line; never fed
    app = web.Application()

    async def run_source(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(source.run(lambda event: None))
        yield
        task.cancel()

    app.cleanup_ctx.append(run_source)
    return app, engine


# -- the process -----------------------------------------------------------------------------


async def serve(mode: str, frame_ms: int, tiktok_uri: str = "", tiktok_ca: str = "") -> None:
    source = BenchSource()
    relay = NaiveRelay()
    if mode in ("hub", "tiktok"):
        # As `make run` does: the config comes from a file, watched for edits while the server runs.
        data_dir = Path(tempfile.mkdtemp(prefix="overlay-bench-"))
        # In a folder of its own, as config.yaml is in the project's folder and the data in the user's: the
        # watcher watches the file's folder, and the store writes its own folder twice a second.
        config_path = data_dir / "config" / "config.yaml"
        config_path.parent.mkdir()
        config_path.write_text(bench_yaml(frame_ms), encoding="utf-8")
        feeding: Any = source
        if mode == "tiktok":
            from overlay.config import TikTokSettings
            from overlay.sources.tiktok import TikTokSource

            settings = TikTokSettings(unique_id="@bench")
            feeding = TikTokSource(settings, client_factory=tiktok_client(tiktok_uri, tiktok_ca), environ={})
        app = create_app(bench_config(frame_ms), source=feeding, data_dir=data_dir, config_path=config_path)
        engine = app[ENGINE]
    elif mode == "source":
        app, engine = source_alone_app(source)
    else:
        app, engine = naive_app(source, relay)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"PORT {runner.addresses[0][1]}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := (await reader.readline()).decode().split():
            if line[0] == "go":
                rate, seconds, t0 = float(line[1]), float(line[2]), float(line[3])
                if mode == "tiktok":  # the likes come from the stand-in TikTok, which keeps the marks
                    await asyncio.sleep(max(0.0, t0 + seconds - time.monotonic()))
                    planned = int(rate * seconds)
                    for _ in range(100):  # up to 5 s more: the last push frame may still be on its way
                        if engine.total >= planned:
                            break
                        await asyncio.sleep(0.05)
                    print(f"DONE {engine.session} {engine.total} []", flush=True)
                    continue
                deliver = relay.deliver if mode == "naive" else None
                emitted, marks = await source.offer(rate, seconds, t0, deliver)
                print(f"DONE {emitted} {engine.total} {json.dumps(marks, separators=(',', ':'))}", flush=True)
            elif line[0] == "quit":
                break
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["hub", "naive", "source", "tiktok"], default="hub")
    parser.add_argument("--tiktok-uri", default="", help="--mode tiktok: the stand-in TikTok's websocket URL")
    parser.add_argument("--tiktok-ca", default="", help="--mode tiktok: the PEM file of its certificate's authority")
    parser.add_argument("--frame-ms", type=int, default=33, help="the hub's server.frame_ms")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile statistics of the whole run to FILE")
    args = parser.parse_args()
    if args.profile:
        import cProfile

        call = f"serve({args.mode!r}, {args.frame_ms}, {args.tiktok_uri!r}, {args.tiktok_ca!r})"
        cProfile.run(f"asyncio.run({call})", args.profile)
    else:
        asyncio.run(serve(args.mode, args.frame_ms, args.tiktok_uri, args.tiktok_ca))


if __name__ == "__main__":
    main()
