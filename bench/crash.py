"""Benchmark: how many likes a `kill -9` loses, in likes and in seconds of the live.

    .venv/bin/python bench/crash.py                 # 5 kills at 2,000 likes/s (the demo source)
    .venv/bin/python bench/crash.py --kills 10 --rate 500

Each round starts `server.py` on the demo source with a fresh data folder, watches its state frames over a
websocket for a while (a different time each round, so the kills land at different points of the save cycle),
kills the process with SIGKILL right after a frame, and reads the SQLite store it left: the likes on screen in that
last frame minus the likes saved are the likes lost (those of the few milliseconds between that frame and the kill
are not seen, so it errs low by up to a frame), and divided by the rate seen on screen, the seconds lost.
The server saves every 0.5 s (`persist.flush_seconds`), so a kill loses the likes since the last save: up to 0.5 s,
0.25 s on average, plus how late a save is on a busy machine. Tests check that nothing saved is lost
(tests/test_recovery.py); this measures the time, which is no test's business.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent


def kill_once(rate: int, seconds: float, folder: Path) -> tuple[int, float]:
    """(likes lost, seconds lost) for one server killed after `seconds` of watching."""
    config = folder / "config.yaml"
    config.write_text(f"source: demo\ndemo: {{likes_per_second: {rate}, seed: 5}}\n", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "server.py", "--config", str(config), "--data-dir", str(folder / "data"), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = next(int(m.group(1)) for line in server.stdout if (m := re.search(r"http://127\.0\.0\.1:(\d+)/", line)))
        frames: list[tuple[float, int]] = []
        with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as ws:
            start = time.monotonic()
            while not frames or time.monotonic() - start < seconds:
                message = json.loads(ws.recv(timeout=10))
                if message["type"] == "state":
                    frames.append((time.monotonic(), message["state"]["likes"]["total"]))
            os.kill(server.pid, signal.SIGKILL)
    finally:
        server.kill()
        server.wait(10)
        if server.stdout is not None:
            server.stdout.close()
    with sqlite3.connect(folder / "data" / "state.db") as db:
        saved = json.loads(db.execute("SELECT data FROM live_state ORDER BY live_id DESC LIMIT 1").fetchone()[0])
    (t0, first), (t1, last) = frames[len(frames) // 2], frames[-1]
    seen_rate = (last - first) / (t1 - t0)
    lost = max(0, last - int(saved["total"]))
    return lost, lost / seen_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--rate", type=int, default=2000, help="the demo's likes a second")
    args = parser.parse_args()
    print(f"kill -9 at {args.rate} likes/s, {args.kills} kills; load average {os.getloadavg()[0]:.1f}")
    print("| kill | watched s | likes lost | seconds lost |")
    print("|---|---|---|---|")
    lost_seconds = []
    for kill in range(args.kills):
        seconds = 2.0 + 0.37 * kill  # (kills land at different points of the save cycle)
        with tempfile.TemporaryDirectory() as folder:
            likes, lost = kill_once(args.rate, seconds, Path(folder))
        lost_seconds.append(lost)
        print(f"| {kill + 1} | {seconds:.2f} | {likes} | {lost:.2f} |")
    print(f"seconds lost: median {statistics.median(lost_seconds):.2f}, worst {max(lost_seconds):.2f}")


if __name__ == "__main__":
    main()
