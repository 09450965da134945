"""Benchmark: what the server costs while nothing happens (before the live, or a quiet moment of it).

    .venv/bin/python bench/idle.py                 # 3 rounds of 30 s
    .venv/bin/python bench/idle.py --seconds 10 --rounds 1

Starts the real server (`bench/server_main.py --mode hub`: `create_app`, its config read from a
file and watched for edits as `make run` does, persistence, the hub's ticker) with a source that
sends nothing and no widget connected, and prints the CPU it uses in % of one core, and its memory.
What remains is the timers: the hub's time-driven tick, the persistence flush, the config watcher.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import cpu_seconds, expect, load, send, start, status_mb  # noqa: E402 (bench/ is not a package)


async def one_round(seconds: float) -> tuple[float, float]:
    """The idle server's CPU (% of one core) over `seconds`, and its resident memory (MB) at the end."""
    server = await start(str(HERE / "server_main.py"), "--mode", "hub")
    try:
        await expect(server, "PORT")
        await asyncio.sleep(2.0)  # start-up (imports, SQLite, the watcher's first scan) is not idling
        cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
        await asyncio.sleep(seconds)
        cpu = 100 * (cpu_seconds(server.pid) - cpu0) / (time.monotonic() - t0)
        return cpu, status_mb(server.pid, "VmRSS")
    finally:
        if server.returncode is None:
            await send(server, "quit")
            try:
                await asyncio.wait_for(server.wait(), 10)
            except TimeoutError:
                server.kill()
                await server.wait()


async def main(seconds: float, rounds: int) -> None:
    print(f"load average before: {load()}")
    cpus = []
    for index in range(rounds):
        cpu, rss = await one_round(seconds)
        cpus.append(cpu)
        print(f"round {index + 1}: idle server {cpu:.2f} % of a core over {seconds:.0f} s, RSS {rss:.0f} MB")
    print(f"median: {statistics.median(cpus):.2f} % of a core; load average after: {load()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of a round (CPU: 10 ms ticks)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.rounds))
