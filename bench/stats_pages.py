"""Benchmark: what opening a long live's stats costs the live on screen (the event loop's longest stall).

    .venv/bin/python bench/stats_pages.py              # a 12-hour live, 3 rounds
    .venv/bin/python bench/stats_pages.py --hours 2 --rounds 5
    .venv/bin/python bench/stats_pages.py --lives 200 --hours 1   # a data folder with many lives (the list)

The creator may open `/stats` during a live: while the server renders a page, its event loop sends
no frame to the widgets. This writes one live of `--hours` at 2 likes a second (with a burst and a
goal) straight into a fresh store, starts the real app on a free loopback port, and fetches the
live's page, its JSON and its CSV, and the list of lives, while a task on the server's loop wakes
every 5 ms: its longest late wake-up is how long the widgets went without a frame (at 30 frames a
second, one is due every 33 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web

from overlay.config import parse_config
from overlay.sources import Emit
from overlay.store import FILENAME, LiveRecord, Store
from overlay.web import create_app

PATHS = ("/stats/1", "/stats/1.json", "/stats/1.csv", "/stats")
TICK = 0.005
CONFIG = parse_config("goals: {steps: [{id: a, label: '1 000 likes ensemble !', target: 1000}]}", "bench")


class Quiet:
    """A source that sends nothing: the store's live is the only one, and nothing else runs on the loop."""

    kind = "bench"

    async def run(self, emit: Emit) -> None:
        await asyncio.Event().wait()


def write_lives(data_dir: Path, hours: float, count: int) -> None:
    """`count` lives of `hours` each, one after the other, the last ending now; with more than one, each has a
    minute of the server stopped at its first quarter, as a folder of real lives has (the list leaves it out)."""
    store = Store(data_dir / FILENAME).open()
    for live_id in range(1, count + 1):
        store.write([bench_live(live_id, hours, count, outage=count > 1)], time.time())
    store.close()


def bench_live(live_id: int, hours: float, count: int, *, outage: bool) -> LiveRecord:
    seconds = int(hours * 3600)
    likes = {second: 2 for second in range(seconds)}
    likes.update({second: 200 for second in range(seconds // 2, seconds // 2 + 10)})
    running, totals = 0, {}
    for second in range(seconds):
        running += likes[second]
        totals[second] = running
    return LiveRecord(
        id=live_id,
        room_id="bench",
        source="bench",
        started_at=time.time() - seconds * (count - live_id + 1),
        seconds=seconds,
        ended=True,
        total=running,
        likes=likes,
        totals=totals,
        goals=[("a", "1 000 likes ensemble !", 1000, 500.0)],
        outages=[(seconds / 4, 60.0, "server")] if outage else [],
    )


FETCH = """
import sys, time, urllib.request
print("ready", flush=True)
sys.stdin.readline()
started = time.perf_counter()
with urllib.request.urlopen(sys.argv[1]) as response:
    size = len(response.read())
print(size, time.perf_counter() - started, flush=True)
"""


async def fetcher(url: str) -> asyncio.subprocess.Process:
    """A process that fetches `url` when told, as a browser would: a thread of this one would hold the GIL too."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", FETCH, url, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    await process.stdout.readline()  # started: its start is not the server's time
    return process


async def fetch(process: asyncio.subprocess.Process) -> tuple[int, float]:
    out, _ = await process.communicate(b"go\n")
    size, took = out.split()
    return int(size), float(took)


async def main(hours: float, rounds: int, lives: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-stats-"))
    write_lives(data_dir, hours, lives)
    app = create_app(CONFIG, source=Quiet(), data_dir=data_dir)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    stalls: list[float] = []

    async def watch() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            stalls.append(now - last - TICK)
            last = now

    watcher = asyncio.create_task(watch())
    results: dict[str, list[tuple[int, float, float]]] = {path: [] for path in PATHS}
    try:
        for _ in range(rounds):
            for path in PATHS:
                process = await fetcher(f"http://127.0.0.1:{port}{path}")
                await asyncio.sleep(0.2)
                stalls.clear()
                size, took = await fetch(process)
                await asyncio.sleep(0.05)
                results[path].append((size, took, max(stalls, default=0.0)))
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await runner.cleanup()
    print(f"{lives} live(s) of {hours:g} h, {rounds} rounds", end="; ")
    print(f"loop stall = the longest wait past a {TICK * 1000:.0f} ms tick")
    print("| path | size KB | response ms (median) | loop stall ms (median, worst) |")
    print("|---|---|---|---|")
    for path, runs in results.items():
        took = statistics.median(run[1] for run in runs) * 1000
        stall = [run[2] * 1000 for run in runs]
        print(f"| {path} | {runs[0][0] / 1024:.0f} | {took:.0f} | {statistics.median(stall):.1f}, {max(stall):.1f} |")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=12.0, help="the live's length")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lives", type=int, default=1, help="how many lives the list shows (the page is the first)")
    args = parser.parse_args()
    asyncio.run(main(args.hours, args.rounds, args.lives))


if __name__ == "__main__":
    cli()
