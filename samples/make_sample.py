"""Writes samples/demo-live.jsonl: three minutes of a simulated live, for --replay, the README and the tests.

Made by the demo simulation with a fixed seed, so it holds no real viewer's data and
the same command always writes the same file:

    .venv/bin/python samples/make_sample.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from overlay.config import DemoSettings
from overlay.events import LiveEnded, LiveStarted, SourceStatus, Viewers
from overlay.recorder import Recorder
from overlay.sources.demo import DemoLive

OUT = Path(__file__).resolve().parent / "demo-live.jsonl"
SECONDS = 180
STEP = 0.25  # simulated seconds between steps


def main(path: Path = OUT) -> None:
    path.unlink(missing_ok=True)
    # Starts near the first 10 000 goal of the default config, so a replay crosses it.
    live = DemoLive(DemoSettings(likes_per_second=25, start_total=7500, viewers=40, seed=20261125))
    recorder = Recorder(path)
    recorder.open()
    recorder(SourceStatus("connected", "demo live (sample)"), 0.0)
    recorder(LiveStarted(room_id="sample-7500", total=live.total), 0.0)
    recorder(Viewers(count=live.audience), 0.0)
    now = 0.0
    while now < SECONDS:
        now = round(now + STEP, 3)
        for event in live.step(STEP):
            recorder(event, now)
    recorder(LiveEnded(), now)
    recorder.close()
    print(f"wrote {path} ({path.stat().st_size // 1024} KB, final total {live.total})")


if __name__ == "__main__":
    main()
