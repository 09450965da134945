"""Benchmark: the engine's throughput with and without persistence (the bus listener plus the flush loop).

    .venv/bin/python bench/persistence.py            # 5 rounds of 3 s each way
    .venv/bin/python bench/persistence.py --seconds 1 --rounds 2

Each round publishes likes through a fresh Bus + Engine as fast as one event loop can, yielding
to the loop every `--chunk` events (as a real source does), once alone and once with a Persister
writing to a fresh SQLite store every FLUSH_SECONDS. The two kinds of round alternate, so machine
noise hits both; the medians are compared. Persistence must cost under 10 %.

Rates are given per second of wall time and per second of this process's CPU time (both
threads): the second is what to compare on a busy machine, where other programs steal the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from overlay.bus import Bus
from overlay.config import parse_config
from overlay.engine import Engine
from overlay.events import Like, LiveStarted, User
from overlay.persist import Persister
from overlay.store import FILENAME, Store

CONFIG = parse_config(
    "goals: {celebrate_seconds: 0, steps: [{id: a, label: A, target: 1000}], then: {every: 100000}}", "bench"
)
USERS = [User(id=f"u{i}", nickname=f"viewer_{i}") for i in range(2000)]


def make_events(n: int) -> list[Like]:
    # No room total (`total=None`): the same list can be replayed without the totals going stale.
    return [Like(count=1 + i % 15, user=USERS[(i * 7919) % len(USERS)]) for i in range(n)]


async def one_round(events: list[Like], seconds: float, chunk: int, folder: Path | None) -> tuple[float, float, dict]:
    engine = Engine(CONFIG, "bench", now=time.monotonic())
    bus = Bus(engine, time.monotonic)
    persister = task = None
    if folder is not None:
        persister = Persister(Store(folder / FILENAME), bus)
        await persister.start()
        task = asyncio.create_task(persister.run())
    bus.publish(LiveStarted(room_id=f"bench-{time.time_ns()}"))
    publish = bus.publish
    sent = 0
    start = time.perf_counter()
    cpu = time.process_time()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for offset in range(0, len(events), chunk):
            for event in events[offset : offset + chunk]:
                publish(event)
            sent += chunk
            await asyncio.sleep(0)  # let the flush (and anything else) run, as between two socket reads
            if time.perf_counter() >= deadline:
                break
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    info: dict = {}
    if persister is not None and task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        flushed_before = persister.flushes
        t0 = time.perf_counter()
        await persister.stop()
        info = {"flushes": flushed_before, "final_flush_ms": (time.perf_counter() - t0) * 1000}
    info["likes"] = engine.total
    return sent / elapsed, sent / cpu, info


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=500, help="events published between two yields to the loop")
    args = parser.parse_args()
    events = make_events(100_000)
    alone: list[tuple[float, float]] = []
    stored: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.rounds):
            order = (False, True) if index % 2 == 0 else (True, False)
            for persist in order:
                folder = Path(tmp) / f"round{index}" if persist else None
                rate, cpu_rate, info = await one_round(events, args.seconds, args.chunk, folder)
                (stored if persist else alone).append((rate, cpu_rate))
                label = "with persistence" if persist else "engine alone    "
                extra = f"  ({info['flushes']} flushes, final flush {info['final_flush_ms']:.1f} ms)" if persist else ""
                print(
                    f"round {index + 1}  {label}  {rate:>10,.0f} events/s  {cpu_rate:>10,.0f} events/CPU-s{extra}",
                    flush=True,
                )
    print()
    for column, name in ((0, "per wall second"), (1, "per CPU second ")):
        a = statistics.median(r[column] for r in alone)
        s = statistics.median(r[column] for r in stored)
        cost = (a - s) / a * 100
        verdict = "OK" if cost <= 10 else "TOO SLOW"
        print(f"{name}: alone {a:>10,.0f}  with persistence {s:>10,.0f} events  cost {cost:5.1f} %  -> {verdict}")
    print("(limit: 10 %; a like event carries 1-15 hearts, 8 on average)")


if __name__ == "__main__":
    asyncio.run(main())
