"""Replay: a recording plays back through the same pipeline, with its timing; bad files are named by line."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from time import monotonic
from typing import Any

import aiohttp
import pytest
import websockets
from aiohttp.test_utils import TestServer

from overlay import sources
from overlay.cli import main
from overlay.config import ReplaySettings
from overlay.engine import Engine
from overlay.events import Event, Follow, Gift, Like, LiveEnded, LiveStarted, NewLive, SourceStatus, User, Viewers
from overlay.i18n import status_detail
from overlay.sources import replay as replay_module
from overlay.sources.replay import (
    CHECK_STEP,
    LOOP_PAUSE_SECONDS,
    RecordingError,
    ReplaySource,
    check_recording,
    check_recording_in_steps,
    read_recording,
)
from overlay.store import FILENAME, Store
from overlay.web import create_app
from overlay.web.keys import CONTROL_TOKEN, PERSISTER
from tests.conftest import DrivenSource, http_url, make_config, ws_url

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "demo-live.jsonl"
LEA = User(id="lea_77", nickname="Léa")


class FakeTime:
    """An injected clock and sleep: sleeping moves the clock and lets other tasks run, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)  # as a real sleep, a turn for the rest of the loop


def write(path: Path, *rows: Any) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


# -- reading ----------------------------------------------------------------------------------


def test_the_shipped_sample_is_a_valid_recording_that_crosses_a_goal() -> None:
    events = [event for _, event in read_recording(SAMPLE)]
    played = [event for event in events if not isinstance(event, SourceStatus)]  # (the replay says its own)
    assert check_recording(SAMPLE) == len(played) > 500
    assert SAMPLE.stat().st_size < 200_000
    totals = [e.total for e in events if isinstance(e, Like) and e.total is not None]
    assert totals[0] < 10_000 < totals[-1]
    assert isinstance(events[-1], LiveEnded)
    assert all(e.user.id.startswith("demo-") for e in events if isinstance(e, Like))  # no real viewer in it


def test_the_bundled_sample_is_what_make_sample_writes_now(tmp_path: Path) -> None:
    """A change to the demo simulation must come with the sample made again (`samples/make_sample.py`)."""
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE.parent / "make_sample.py")
    assert spec is not None
    assert spec.loader is not None
    make_sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_sample)
    make_sample.main(tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == SAMPLE.read_bytes()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"t": 1, "type": "like", "count": 3', "not valid JSON at column 36 (unexpected end of data)"),
        ("[1, 2]", "each line must be a JSON object"),
        ('{"type": "like", "count": 3}', "'t' (seconds from the start) must be a number >= 0, got None"),
        ('{"t": -1, "type": "like", "count": 3}', "'t' (seconds from the start) must be a number >= 0, got -1"),
        ('{"t": 2, "type": "bisou"}', "unknown event type 'bisou'"),
        ('{"t": 2, "type": "like", "count": -4}', "'count' must be a whole number from 0 to 1,000,000,000,000, got -4"),
        (  # each within bounds, together more than the history can keep
            '{"t": 2, "type": "gift", "gift": "Lion", "count": 1000000000000, "diamonds": 1000000000000}',
            "'diamonds' x 'count' must be at most 1,000,000,000,000, got 1,000,000,000,000,000,000,000,000",
        ),
        (  # more than the history can keep: it stopped every save of the live
            '{"t": 2, "type": "like", "count": 1, "total": 9223372036854775808}',
            "'total' must be a whole number from 0 to 1,000,000,000,000, got 9223372036854775808",
        ),
        ('{"t": 2, "type": "like"}', "this 'like' event has no 'count' (required)"),
        ('{"t": 2, "type": "source_status", "status": "error", "key": ["x"]}', "'key' must be a text, got ['x']"),
        ('{"t": 0.5, "type": "viewers", "count": 3}', "'t' goes back in time (0.5 s after 1 s)"),
    ],
)
def test_a_malformed_line_is_named_by_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(
        tmp_path / "live.jsonl",
        {"t": 0, "type": "live_started", "room_id": "1"},
        "",
        {"t": 1, "type": "like", "count": 2},
        line,
        {"t": 9, "type": "viewers", "count": 3},
    )
    with pytest.raises(RecordingError) as error:
        check_recording(path)
    assert str(error.value).startswith(f"{path}:4: ")
    assert message in str(error.value)
    assert "__init__" not in str(error.value)  # said in the recording's words, not Python's


def test_a_recording_cut_by_a_crash_plays_without_its_broken_last_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "crashed.jsonl"
    whole = SAMPLE.read_bytes()
    path.write_bytes(whole[: whole.index(b"\n", 50_000) - 20])  # as `head -c` leaves it: half a line at the end
    lines = path.read_bytes().count(b"\n") + 1
    assert check_recording(path) == lines - 2  # less its status line (not played), and the broken one
    assert f"{path}:{lines}: not valid JSON" in caplog.text
    assert "cut short" in caplog.text


def test_a_recording_saved_again_with_a_bom_plays(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"t": 0, "type": "viewers", "count": 3}\n{"t": 1, "type": "like", "count": 2}\n')
    assert check_recording(path) == 2


def test_a_broken_line_before_the_last_is_still_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "live.jsonl", {"t": 0, "type": "viewers", "count": 3}, '{"t": 1, "type": "li', "")
    path.write_text(path.read_text(encoding="utf-8") + '{"t": 2, "type": "viewers", "count": 4}\n', encoding="utf-8")
    with pytest.raises(RecordingError, match=rf"{path.name}:2: not valid JSON"):
        check_recording(path)


def test_a_missing_or_empty_recording_says_so(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="file not found"):
        check_recording(tmp_path / "nope.jsonl")
    with pytest.raises(RecordingError, match="holds no events"):
        check_recording(write(tmp_path / "empty.jsonl", ""))


async def test_a_recording_checked_before_the_start_is_not_read_again_unless_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "live.jsonl", {"t": 0, "type": "live_started", "room_id": "1"}, {"t": 1, "type": "follow"})
    assert check_recording(path) == 2  # server.py, before it starts the server
    reads: list[Path] = []
    real_read = replay_module.read_recording

    def counted_read(recording: Path, **kwargs: Any) -> Any:
        reads.append(recording)
        return real_read(recording, **kwargs)

    monkeypatch.setattr(replay_module, "read_recording", counted_read)
    assert await check_recording_in_steps(path) == 2  # the source, as it starts: no second reading
    assert reads == []
    with path.open("a", encoding="utf-8") as more:
        more.write(json.dumps({"t": 2, "type": "share"}) + "\n")  # recorded on meanwhile
    assert await check_recording_in_steps(path) == 3
    assert reads == [path]


# -- playing ----------------------------------------------------------------------------------


async def test_events_play_at_their_offsets_divided_by_the_speed(tmp_path: Path) -> None:
    path = write(
        tmp_path / "live.jsonl",
        {"t": 0, "type": "source_status", "status": "connected", "detail": "room 1"},
        {"t": 0, "type": "live_started", "room_id": "1", "total": 100},
        {"t": 4, "type": "like", "count": 2, "total": 102, "user": {"id": "lea_77", "nickname": "Léa"}, "sent_at": 9.5},
        {"t": 4, "type": "follow"},
        {"t": 10, "type": "viewers", "count": 30},
    )
    time = FakeTime()
    played: list[tuple[float, Event]] = []
    source = ReplaySource(ReplaySettings(file=str(path), speed=4), sleep=time.sleep, clock=time.clock)
    await run_until_over(source, lambda event: played.append((time.now, event)))
    assert played == [
        (
            0.0,
            SourceStatus(
                "connected",
                "replaying live.jsonl (4 events, ×4)",  # the 4 it plays
                key="source_replaying",
                params={"file": "live.jsonl", "count": 4, "speed": "4"},
            ),
        ),
        (0.0, LiveStarted(room_id="1", total=100)),  # the recorded status is not replayed: the replay has its own
        (1.0, Like(count=2, total=102, user=LEA)),  # and a send time from another process is dropped
        (1.0, Follow()),
        (2.5, Viewers(count=30)),
        (2.5, LiveEnded()),  # played to its end: the live's clock stops there
        (2.5, OVER),  # and it waits for a new live by hand
    ]


OVER = SourceStatus("ended", "replay over; a new live on the control page plays it again", key="source_replay_over")


def status(state: str, key: str, at: float, **params: Any) -> dict[str, Any]:
    """A recorded status of the TikTok connection, as `--user @me --record` writes it."""
    return {"t": at, "type": "source_status", "status": state, "detail": key, "key": key, "params": params}


async def play_to_the_end(path: Path, speed: float = 1) -> list[tuple[float, Event]]:
    """(replay time, event) for everything a replay of `path` shows, its first status left out."""
    time = FakeTime()
    played: list[tuple[float, Event]] = []
    source = ReplaySource(ReplaySettings(file=str(path), speed=speed), sleep=time.sleep, clock=time.clock)
    await run_until_over(source, lambda event: played.append((time.now, event)))
    return played[1:]


async def test_a_recording_made_while_waiting_for_the_live_plays_from_the_live(tmp_path: Path) -> None:
    # The server started half an hour before the creator went live: the rehearsal must not wait that long.
    path = write(
        tmp_path / "tonight.jsonl",
        status("connecting", "source_checking", 0, handle="@moi"),
        status("waiting", "source_waiting", 1, handle="@moi"),
        status("connected", "source_connected", 1800, room="73"),
        {"t": 1800, "type": "live_started", "room_id": "73", "total": 100},
        {"t": 1804, "type": "like", "count": 5, "total": 105},
    )
    assert await play_to_the_end(path, speed=2) == [
        (0.0, LiveStarted(room_id="73", total=100)),
        (2.0, Like(count=5, total=105)),
        (2.0, LiveEnded()),
        (2.0, OVER),
    ]


async def test_the_wait_between_two_recorded_lives_plays_as_a_short_pause(tmp_path: Path) -> None:
    path = write(
        tmp_path / "evening.jsonl",
        {"t": 0, "type": "live_started", "room_id": "1", "total": 0},
        {"t": 10, "type": "like", "count": 1, "total": 1},
        status("reconnecting", "source_reconnecting", 15, wait=2, attempt=1),
        {"t": 20, "type": "live_ended"},  # (found offline while reconnecting)
        status("ended", "source_ended", 20, handle="@moi"),
        status("waiting", "source_waiting", 80, handle="@moi"),
        {"t": 7220, "type": "live_started", "room_id": "2", "total": 0},  # two hours later
        {"t": 7221, "type": "like", "count": 2, "total": 2},
    )
    played = await play_to_the_end(path)
    own = played[3][1]
    assert played == [
        (0.0, LiveStarted(room_id="1", total=0)),
        (10.0, Like(count=1, total=1)),
        (15.0, shown("reconnecting", "source_reconnecting", wait=2, attempt=1)),
        (20.0, own),  # not left on screen between the lives
        (20.0, LiveEnded()),
        (20.0 + LOOP_PAUSE_SECONDS, LiveStarted(room_id="2", total=0)),
        (21.0 + LOOP_PAUSE_SECONDS, Like(count=2, total=2)),
        (21.0 + LOOP_PAUSE_SECONDS, LiveEnded()),
        (21.0 + LOOP_PAUSE_SECONDS, OVER),
    ]
    assert isinstance(own, SourceStatus)
    assert own.key == "source_replaying"


async def test_a_recording_that_ends_with_its_lives_end_ends_it_once(tmp_path: Path) -> None:
    # Recorded again while it is replayed, the live would end twice in the new file.
    path = write(
        tmp_path / "ended.jsonl",
        {"t": 0, "type": "live_started", "room_id": "1", "total": 0},
        {"t": 1, "type": "like", "count": 1, "total": 1},
        {"t": 2, "type": "live_ended"},
        status("ended", "source_ended", 2, handle="@moi"),
    )
    assert await play_to_the_end(path) == [
        (0.0, LiveStarted(room_id="1", total=0)),
        (1.0, Like(count=1, total=1)),
        (2.0, LiveEnded()),
        (2.0, OVER),
    ]


async def test_a_recorded_tiktok_drop_shows_as_it_did_then_the_replay_says_its_own_status(tmp_path: Path) -> None:
    path = write(
        tmp_path / "drop.jsonl",
        status("connected", "source_connected", 0, room="73"),
        {"t": 0, "type": "live_started", "room_id": "73", "total": 100},
        status("reconnecting", "source_silent", 40, silence=20, wait=8, attempt=1),
        status("connecting", "source_connecting", 48, handle="@moi"),
        status("connected", "source_connected", 50, room="73"),
        {"t": 50, "type": "live_started", "room_id": "73", "total": 180},
        status("reconnecting", "source_reconnecting", 60, wait=4, attempt=1),  # the file ends while it reconnects
    )
    played = await play_to_the_end(path, speed=4)
    own = played[-3][1]
    assert played == [
        (0.0, LiveStarted(room_id="73", total=100)),
        (10.0, shown("reconnecting", "source_silent", silence=5, wait=2, attempt=1)),  # its seconds at ×4
        (12.0, shown("connecting", "source_connecting", handle="@moi")),
        (12.5, own),  # connected again: the replay's own status
        (12.5, LiveStarted(room_id="73", total=180)),
        (15.0, shown("reconnecting", "source_reconnecting", wait=1, attempt=1)),
        (15.0, own),  # the file is over: the replay's status back
        (15.0, LiveEnded()),
        (15.0, OVER),
    ]
    assert isinstance(own, SourceStatus)
    assert own.key == "source_replaying"


async def test_a_recorded_pause_shows_as_it_did_then_the_replay_says_its_own_status(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pause.jsonl",
        status("connected", "source_connected", 0, room="73"),
        {"t": 0, "type": "live_started", "room_id": "73", "total": 100},
        status("connected", "source_paused", 20, handle="@moi"),  # paused in TikTok's app
        status("connected", "source_connected", 80, room="73"),  # resumed
        {"t": 81, "type": "like", "count": 5, "total": 105},
    )
    played = await play_to_the_end(path, speed=4)
    own = played[2][1]
    assert played == [
        (0.0, LiveStarted(room_id="73", total=100)),
        (5.0, shown("connected", "source_paused", handle="@moi")),  # (the stats record a pause from it)
        (20.0, own),
        (20.25, Like(count=5, total=105)),
        (20.25, LiveEnded()),
        (20.25, OVER),
    ]
    assert isinstance(own, SourceStatus)
    assert own.key == "source_replaying"


async def test_a_new_live_by_hand_during_a_recorded_drop_gives_the_replays_own_status_back(tmp_path: Path) -> None:
    path = write(
        tmp_path / "drop.jsonl",
        {"t": 0, "type": "live_started", "room_id": "73", "total": 100},
        status("reconnecting", "source_reconnecting", 10, wait=8, attempt=1),
        status("connected", "source_connected", 40, room="73"),
        {"t": 41, "type": "like", "count": 5, "total": 105},
    )
    time = FakeTime()
    source = ReplaySource(ReplaySettings(file=str(path)), sleep=lambda s: pressed_at_20(s), clock=time.clock)

    async def pressed_at_20(seconds: float) -> None:
        if time.now < 20 <= time.now + seconds:  # "New live", while the replay waits for the drop's end
            source.new_live("byhand")
        await time.sleep(seconds)

    played: list[Event] = []
    await run_until_over(source, played.append)
    new = played.index(LiveStarted(room_id="byhand", total=100))
    statuses = [event for event in played[:new] if isinstance(event, SourceStatus)]
    assert statuses[-1] == played[0]  # the replay's own again, not "reconnecting" through the new live


async def test_a_viewer_count_after_a_lives_end_keeps_the_pause_between_lives_short(tmp_path: Path) -> None:
    # TikTok sends the ended room's viewer count again when it connects to it while its live check lags.
    path = write(
        tmp_path / "evening.jsonl",
        {"t": 0, "type": "live_started", "room_id": "1", "total": 0},
        {"t": 20, "type": "live_ended"},
        {"t": 25, "type": "viewers", "count": 12},
        status("ended", "source_ended", 26, handle="@moi"),
        {"t": 7220, "type": "live_started", "room_id": "2", "total": 0},
        {"t": 7222, "type": "live_ended"},
        {"t": 7223, "type": "viewers", "count": 3},
    )
    assert await play_to_the_end(path) == [
        (0.0, LiveStarted(room_id="1", total=0)),
        (20.0, LiveEnded()),
        (20.0 + LOOP_PAUSE_SECONDS, LiveStarted(room_id="2", total=0)),
        (22.0 + LOOP_PAUSE_SECONDS, LiveEnded()),  # once
        (22.0 + LOOP_PAUSE_SECONDS, OVER),
    ]


def shown(state: str, key: str, **params: int | str) -> SourceStatus:
    """A recorded status as the replay shows it (`status` above wrote it with `key` as its detail)."""
    return SourceStatus(state, key, key=key, params=params)


async def test_a_recorded_tiktok_drop_is_an_outage_in_the_rehearsals_stats(tmp_path: Path) -> None:
    path = write(
        tmp_path / "drop.jsonl",
        status("connected", "source_connected", 0, room="73"),
        {"t": 0, "type": "live_started", "room_id": "73", "total": 100},
        {"t": 1, "type": "like", "count": 5, "total": 105},
        status("reconnecting", "source_reconnecting", 10, wait=8, attempt=1),
        status("connected", "source_connected", 40, room="73"),
        {"t": 40, "type": "live_started", "room_id": "73", "total": 180},
        {"t": 41, "type": "like", "count": 5, "total": 185},
    )
    # The replay and the server share one injected clock: the outage is measured in the replay's time, not in
    # how late a busy machine played each line (CI measured 1.426 s of the 1.5 by the wall clock).
    time = FakeTime()
    source = ReplaySource(ReplaySettings(file=str(path), speed=20), sleep=time.sleep, clock=time.clock)
    state = await run_to_the_end(source, tmp_path, clock=time.clock)
    assert state["likes"]["total"] == 185
    store = Store(tmp_path / "data" / FILENAME).open()
    try:
        (outage,) = store.outages(1)
    finally:
        store.close()
    assert outage["kind"] == "connection"
    assert outage["start"] == pytest.approx(0.5)  # 10 s in, at ×20
    assert outage["seconds"] == pytest.approx(1.5)  # 30 s lost, at ×20: to the "connected", not the 8 s wait (0.4)


async def run_until_over(source: ReplaySource, emit: Callable[[Event], None]) -> None:
    """Run the replay until it has played to its end (it then waits for a new live by hand)."""

    def until_over(event: Event) -> None:
        emit(event)
        if isinstance(event, SourceStatus) and event.status == "ended":
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await source.run(until_over)


async def test_a_new_live_by_hand_plays_the_recording_again_as_that_live(tmp_path: Path) -> None:
    path = write(
        tmp_path / "live.jsonl",
        {"t": 0, "type": "live_started", "room_id": "1", "total": 100},
        {"t": 3, "type": "like", "count": 2, "total": 102},
        {"t": 30, "type": "live_started", "room_id": "1", "total": 102},  # a reconnect: the same live
        {"t": 60, "type": "like", "count": 5, "total": 107},
    )
    time = FakeTime()
    played: list[Event] = []
    source = ReplaySource(ReplaySettings(file=str(path)), sleep=time.sleep, clock=time.clock)

    def emit(event: Event) -> None:
        played.append(event)
        if event == Like(count=2, total=102) and len(played) < 5:
            source.new_live("replay-1-2")  # pressed mid-replay: it starts again, as the live opened by hand
        elif event == OVER and played.count(OVER) == 1:
            source.new_live("replay-1-3")  # pressed once it is over: it plays once more
        elif event == OVER:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await source.run(emit)
    again = [
        LiveStarted(room_id="replay-1-3", total=100),
        Like(count=2, total=102),
        LiveStarted(room_id="replay-1-3", total=102),
        Like(count=5, total=107),
    ]
    assert [type(e).__name__ if isinstance(e, SourceStatus) else e for e in played[1:]] == [
        LiveStarted(room_id="1", total=100),
        Like(count=2, total=102),
        LiveStarted(room_id="replay-1-2", total=100),  # the file's start joins the live opened by hand
        Like(count=2, total=102),
        LiveStarted(room_id="replay-1-2", total=102),  # and so does its reconnect: one live, not two
        Like(count=5, total=107),
        LiveEnded(),
        "SourceStatus",  # over, waiting
        "SourceStatus",  # replaying again
        *again,
        LiveEnded(),
        "SourceStatus",
    ]


async def test_a_recording_broken_while_it_plays_ends_its_live_and_plays_again_once_fixed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # It stopped the source for good, with a traceback, "RecordingError:" on screen and the live left running.
    rows = [{"t": 0, "type": "live_started", "room_id": "1", "total": 0}]
    rows += [{"t": second, "type": "like", "count": 1, "total": second} for second in range(1, 3000)]
    path = write(tmp_path / "live.jsonl", *rows)  # (bigger than a read's buffer: the player meets the edit)
    time = FakeTime()
    played: list[Event] = []
    source = ReplaySource(ReplaySettings(file=str(path)), sleep=time.sleep, clock=time.clock)

    def emit(event: Event) -> None:
        played.append(event)
        if event == Like(count=1, total=10) and len(played) < 20:
            write(path, *rows[:2000], "oops", *rows[2000:])  # saved over while it plays: line 2001 is broken
        elif isinstance(event, SourceStatus) and event.status == "error":
            write(path, *rows)  # fixed
            source.new_live("replay-1-2")
        elif event == OVER:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await source.run(emit)
    stop = next(i for i, event in enumerate(played) if isinstance(event, SourceStatus) and event.status == "error")
    assert played[stop - 2 : stop] == [Like(count=1, total=1999), LiveEnded()]  # what played, then its live ends
    said = played[stop]
    assert isinstance(said, SourceStatus)
    bad_line = str(said.params["reason"])
    assert bad_line.startswith(f"{path}:2001: not valid JSON at column 1 (")  # (then orjson's words)
    assert (status_detail(said.key, said.params, "fr"), status_detail(said.key, said.params, "en")) == (
        f"rejeu arrêté\u202f: {bad_line}\u202f; corrigez l'enregistrement, puis «\u202fNouveau live\u202f» sur la page "
        "de contrôle le rejoue",
        f"replay stopped: {bad_line}; fix the recording, then “New live” on the control page plays it again",
    )
    assert played[stop + 2] == LiveStarted(room_id="replay-1-2", total=0)  # played again, as the live opened by hand
    assert played[-2:] == [LiveEnded(), OVER]
    assert played.count(Like(count=1, total=2999)) == 1
    assert [record.exc_info for record in caplog.records if record.levelname == "ERROR"] == [None]  # no traceback


async def test_a_new_live_with_a_recording_gone_ends_that_live_once(tmp_path: Path) -> None:
    path = write(tmp_path / "live.jsonl", {"t": 0, "type": "like", "count": 1})  # (no end of its own in it)
    time = FakeTime()
    played: list[Event] = []
    source = ReplaySource(ReplaySettings(file=str(path)), sleep=time.sleep, clock=time.clock)

    def emit(event: Event) -> None:
        played.append(event)
        if event == OVER:
            path.unlink()
            source.new_live("replay-1-2")
        elif isinstance(event, SourceStatus) and event.status == "error":
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await source.run(emit)
    assert [type(event).__name__ for event in played[1:]] == [
        "Like",
        "LiveEnded",  # played to its end
        "SourceStatus",  # over
        "LiveEnded",  # the live opened by hand, with nothing to play in it: ended once
        "SourceStatus",  # why
    ]


async def test_a_bad_line_stops_the_replay_before_anything_plays(tmp_path: Path) -> None:
    path = write(tmp_path / "live.jsonl", {"t": 0, "type": "viewers", "count": 3}, "oops", {"t": 1, "type": "follow"})
    played: list[Event] = []
    with pytest.raises(RecordingError, match=r"live\.jsonl:2: not valid JSON"):
        await ReplaySource(ReplaySettings(file=str(path))).run(played.append)
    assert played == []


async def test_a_long_recording_is_checked_in_steps_so_the_server_keeps_serving(tmp_path: Path) -> None:
    rows = [{"t": i / 100, "type": "like", "count": 1} for i in range(3 * CHECK_STEP + 1)]
    path = write(tmp_path / "live.jsonl", *rows, "oops", rows[-1])
    turns = 0

    async def other_work() -> None:  # what the hub and the widgets' sockets do meanwhile
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    with pytest.raises(RecordingError, match=rf"live\.jsonl:{len(rows) + 1}: not valid JSON"):
        await check_recording_in_steps(path)
    assert turns >= 1 + 3
    assert await check_recording_in_steps(write(tmp_path / "ok.jsonl", *rows)) == len(rows)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_loop_plays_again_as_a_new_live(tmp_path: Path) -> None:
    path = write(
        tmp_path / "live.jsonl",
        {"t": 0, "type": "live_started", "room_id": "1", "total": 100},
        {"t": 3, "type": "like", "count": 2, "total": 102},
    )
    time = FakeTime()
    played: list[Event] = []

    def emit(event: Event) -> None:
        played.append(event)
        if len([e for e in played if isinstance(e, LiveStarted)]) == 3:
            raise asyncio.CancelledError  # three passes are enough

    source = ReplaySource(ReplaySettings(file=str(path), loop=True), sleep=time.sleep, clock=time.clock)
    with pytest.raises(asyncio.CancelledError):
        await source.run(emit)
    kinds = [type(e).__name__ for e in played[1:]]
    assert kinds == ["LiveStarted", "Like", "LiveEnded", "LiveStarted", "Like", "LiveEnded", "LiveStarted"]
    # Each pass is a live of its own: the same room would be the same live going on.
    assert [e.room_id for e in played if isinstance(e, LiveStarted)] == ["1", "1#2", "1#3"]
    assert time.now == 2 * (3.0 + LOOP_PAUSE_SECONDS)  # each pass, then the ended live shown a moment


async def test_each_pass_of_a_loop_is_a_live_of_its_own_even_without_a_start_in_the_file(tmp_path: Path) -> None:
    path = write(  # written by hand: likes only, as the README shows
        tmp_path / "likes.jsonl",
        {"t": 0, "type": "viewers", "count": 12},
        {"t": 1, "type": "like", "count": 10},
        {"t": 2, "type": "new_live", "room_id": "second"},  # a new live by hand, recorded
        {"t": 3, "type": "like", "count": 5},
    )
    time = FakeTime()
    played: list[Event] = []

    def emit(event: Event) -> None:
        played.append(event)
        if len([e for e in played if isinstance(e, LiveEnded)]) == 2:
            raise asyncio.CancelledError

    source = ReplaySource(ReplaySettings(file=str(path), loop=True), sleep=time.sleep, clock=time.clock)
    with pytest.raises(asyncio.CancelledError):
        await source.run(emit)
    starts = [(type(e).__name__, e.room_id) for e in played if isinstance(e, LiveStarted | NewLive)]
    assert starts == [("NewLive", "second"), ("LiveStarted", "replay#2"), ("NewLive", "second#2")]
    kinds = [type(e).__name__ for e in played[1:]]
    assert kinds[kinds.index("LiveEnded") :] == [
        "LiveEnded",
        "Viewers",
        "LiveStarted",
        "Like",
        "NewLive",
        "Like",
        "LiveEnded",
    ]


async def test_a_new_live_by_hand_during_a_loops_pause_plays_as_that_live(tmp_path: Path) -> None:
    path = write(tmp_path / "likes.jsonl", {"t": 1, "type": "like", "count": 1}, {"t": 2, "type": "like", "count": 2})
    time = FakeTime()
    played: list[Event] = []
    source = ReplaySource(ReplaySettings(file=str(path), loop=True), sleep=time.sleep, clock=time.clock)

    def emit(event: Event) -> None:
        played.append(event)
        if isinstance(event, LiveEnded) and played.count(LiveEnded()) == 1:
            source.new_live("replay-9-2")  # pressed while the ended live is on screen
        elif isinstance(event, LiveEnded):
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await source.run(emit)
    starts = [e.room_id for e in played if isinstance(e, LiveStarted)]
    assert starts == []  # no made-up start (`replay#2`) of its own: the likes go to the live opened by hand
    assert played[-3:] == [Like(count=1), Like(count=2), LiveEnded()]


async def test_a_new_live_by_hand_ends_a_loops_pause_at_once(tmp_path: Path) -> None:
    # It waited the pause out: up to 3 s of an empty live, on screen and in the history.
    path = write(tmp_path / "likes.jsonl", {"t": 0, "type": "like", "count": 1})
    time = FakeTime()

    async def sleep(seconds: float) -> None:
        if seconds == LOOP_PAUSE_SECONDS:
            await asyncio.Event().wait()  # a pause that would never end by itself
        await time.sleep(seconds)

    ended, again = asyncio.Event(), asyncio.Event()

    def emit(event: Event) -> None:
        if isinstance(event, LiveEnded):
            ended.set()
        elif ended.is_set() and isinstance(event, Like):
            again.set()  # the next pass plays

    source = ReplaySource(ReplaySettings(file=str(path), loop=True), sleep=sleep, clock=time.clock)
    task = asyncio.create_task(source.run(emit))
    try:
        async with asyncio.timeout(10):
            await ended.wait()
            await asyncio.sleep(0.05)  # well into the pause
            source.new_live("replay-1-2")
            await again.wait()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.parametrize(
    "lines",
    [
        [{"t": 0, "type": "like", "count": 1}, {"t": 0, "type": "like", "count": 2}],  # one moment
        [{"t": 0, "type": "like", "count": 1}] * 500,  # more than a burst, still one moment
    ],
    ids=["two events", "500 events"],
)
async def test_a_loop_over_a_file_of_one_moment_leaves_the_server_its_turns(tmp_path: Path, lines: list) -> None:
    # It played pass after pass without ever letting the event loop run: no page, no Ctrl+C, 100 % CPU.
    path = write(tmp_path / "moment.jsonl", *lines)
    source = ReplaySource(ReplaySettings(file=str(path), loop=True, speed=1000))
    ended = 0
    first_pass = asyncio.Event()

    def emit(event: Event) -> None:
        nonlocal ended
        ended += isinstance(event, LiveEnded)
        if ended:
            first_pass.set()

    task = asyncio.create_task(source.run(emit))
    try:
        # However long a busy machine takes for the first pass (a fixed 0.5 s was not always enough).
        await asyncio.wait_for(first_pass.wait(), 10)
        await asyncio.sleep(0.1)  # the loop's own turn: with the hang, this never came back
        assert ended == 1  # one pass, then the ended live on screen for LOOP_PAUSE_SECONDS
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_a_file_of_connection_statuses_alone_has_nothing_to_play(tmp_path: Path) -> None:
    # What `--user @me --record x.jsonl` writes while the creator is not live yet.
    path = write(
        tmp_path / "waiting.jsonl",
        {"t": 0, "type": "source_status", "status": "waiting", "detail": "not live"},
        {"t": 30, "type": "source_status", "status": "waiting", "detail": "not live"},
    )
    with pytest.raises(RecordingError, match="holds no events to play"):
        check_recording(path)


def test_a_replay_needs_a_file() -> None:
    with pytest.raises(ValueError, match="--replay FILE"):
        ReplaySource(ReplaySettings())


# -- through the real app -----------------------------------------------------------------------


async def settled(ws: Any, check: Any) -> dict[str, Any]:
    """The first state frame where `check` holds and no goal is mid-celebration (goals advance after it)."""
    async with asyncio.timeout(20):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "state" and check(message["state"]) and not message["state"]["goal"]["reached"]:
                return message["state"]


async def run_to_the_end(app_source: Any, tmp_path: Path, clock: Callable[[], float] = monotonic) -> dict[str, Any]:
    """Serve the real app on `clock` until the replay has played everything; the final `/api/state`."""
    app = create_app(make_config(), source=app_source, clock=clock, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server:
        async with websockets.connect(ws_url(server)) as ws:
            await settled(ws, lambda state: state["source"]["status"] == "ended")
        async with aiohttp.ClientSession() as http, http.get(http_url(server, "/api/state")) as response:
            return await response.json()


def summary(state: dict[str, Any]) -> dict[str, Any]:
    live = state["live"]
    goal = state["goal"]
    return {
        "total": state["likes"]["total"],
        "session": state["likes"]["session"],
        "goal": (goal["id"], goal["step"], goal["target"]),
        "reached": [g["reached"] for g in state["goals"]],
        "counts": (live["room_id"], live["ended"], live["follows"], live["shares"], live["gifts"], live["diamonds"]),
    }


def expected_from(path: Path) -> dict[str, Any]:
    """The same recording folded straight into an engine, as reference."""
    engine = Engine(make_config(), "reference", now=0.0)
    last = 0.0
    for offset, event in read_recording(path):
        engine.apply(event, offset)
        engine.tick(offset)
        last = offset
    return summary(engine.snapshot(last + 60))


async def test_the_sample_replayed_through_the_app_gives_the_recorded_totals_and_goals(tmp_path: Path) -> None:
    source = ReplaySource(ReplaySettings(file=str(SAMPLE), speed=1000))
    state = await run_to_the_end(source, tmp_path)
    assert summary(state) == expected_from(SAMPLE)
    assert state["likes"]["total"] == 11_701
    assert state["goal"]["step"] == 3  # past the 1 000 and 10 000 goals of the test config
    assert state["source"] == {
        "kind": "replay",
        "status": "ended",
        "detail": "rejeu terminé\u202f; «\u202fNouveau live\u202f» sur la page de contrôle le rejoue",  # (French)
        "detail_by_locale": {
            "fr": "rejeu terminé\u202f; «\u202fNouveau live\u202f» sur la page de contrôle le rejoue",
            "en": "replay over; “New live” on the control page plays it again",
        },
    }


async def test_a_replay_played_again_on_the_same_data_is_a_new_rehearsal(tmp_path: Path) -> None:
    # The first run is stopped before its end (its live is left unfinished), the second plays it all.
    first = ReplaySource(ReplaySettings(file=str(SAMPLE), speed=20))
    app = create_app(make_config(), source=first, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await settled(ws, lambda state: state["likes"]["total"] > 0)
    state = await run_to_the_end(ReplaySource(ReplaySettings(file=str(SAMPLE), speed=1000)), tmp_path)
    assert summary(state) == expected_from(SAMPLE)  # as one clean run
    store = Store(tmp_path / "data" / FILENAME).open()
    try:
        assert len(store.lives()) == 2  # two rehearsals in the stats, not one
    finally:
        store.close()


async def test_a_new_live_by_hand_after_the_replay_plays_it_again_as_a_second_live(tmp_path: Path) -> None:
    # It opened an empty live with nothing to play: a rehearsal again meant restarting the server.
    app = create_app(
        make_config(), source=ReplaySource(ReplaySettings(file=str(SAMPLE), speed=1000)), data_dir=tmp_path / "data"
    )
    async with TestServer(app, host="127.0.0.1") as server:
        async with websockets.connect(ws_url(server)) as ws:
            first = await settled(ws, lambda state: state["source"]["status"] == "ended")
            headers = {"Authorization": f"Bearer {app[CONTROL_TOKEN]}"}
            url = http_url(server, "/api/lives/new")
            async with aiohttp.ClientSession() as http, http.post(url, headers=headers, json={}) as response:
                assert (await response.json())["live"] == 2
            again = await settled(
                ws, lambda state: state["live"]["ended"] and state["live"]["room_id"] != first["live"]["room_id"]
            )
        assert (again["likes"]["total"], again["likes"]["session"]) == (
            first["likes"]["total"],
            first["likes"]["session"],
        )
        await app[PERSISTER].flush()
        lives = sorted(app[PERSISTER].store.lives(), key=lambda live: live["id"])
    assert [(live["id"], live["ended"]) for live in lives] == [(1, True), (2, True)]
    assert lives[0]["likes"] == lives[1]["likes"] > 0  # the same rehearsal twice, each counted once


@pytest.mark.parametrize(
    ("made", "said"),
    [
        (
            "gone",
            {
                "fr": "fichier introuvable (faites un enregistrement avec --record FICHIER)",
                "en": "file not found (make a recording with --record FILE)",
            },
        ),
        ("a folder", {"fr": "lecture impossible\u202f: Is a directory", "en": "cannot be read: Is a directory"}),
    ],
)
async def test_a_recording_gone_when_it_is_played_again_is_said_on_screen_in_each_language(
    tmp_path: Path, made: str, said: dict[str, str]
) -> None:
    path = tmp_path / "rehearsal.jsonl"
    path.write_bytes(SAMPLE.read_bytes())
    app = create_app(
        make_config(), source=ReplaySource(ReplaySettings(file=str(path), speed=1000)), data_dir=tmp_path / "data"
    )
    async with TestServer(app, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await settled(ws, lambda state: state["source"]["status"] == "ended")
        path.unlink()  # (moved or renamed while the server runs)
        if made == "a folder":
            path.mkdir()  # (unreadable: as root, a file's permissions would not stop the test)
        headers = {"Authorization": f"Bearer {app[CONTROL_TOKEN]}"}
        url = http_url(server, "/api/lives/new")
        async with aiohttp.ClientSession() as http, http.post(url, headers=headers, json={}) as response:
            assert response.status == 200
        state = await settled(ws, lambda state: state["source"]["status"] == "error")
    assert state["source"]["detail_by_locale"] == {
        "fr": f"rejeu arrêté\u202f: {path}\u202f: {said['fr']}\u202f; corrigez l'enregistrement, puis «\u202fNouveau "
        "live\u202f» sur la page de contrôle le rejoue",
        "en": f"replay stopped: {path}: {said['en']}; fix the recording, then “New live” on the control page plays it "
        "again",
    }
    assert state["live"]["ended"]  # the live opened by hand, with nothing to play, is not left running


async def test_record_then_replay_gives_the_same_live(tmp_path: Path) -> None:
    path = tmp_path / "rehearsal.jsonl"
    source = DrivenSource()
    app = create_app(make_config(), source=source, data_dir=tmp_path / "first", record=path)
    async with TestServer(app, host="127.0.0.1") as server, websockets.connect(ws_url(server)) as ws:
        await source.push(LiveStarted(room_id="7312", total=980), Viewers(count=40))
        for index in range(30):
            await source.push(Like(count=index % 15 + 1, total=980 + 8 * (index + 1), user=User(id=f"v{index % 4}")))
        await source.push(Follow(user=LEA), Gift(gift="Rose", count=3, diamonds=1, user=LEA), LiveEnded())
        await settled(ws, lambda state: state["live"]["ended"])
        async with aiohttp.ClientSession() as http, http.get(http_url(server, "/api/state")) as response:
            recorded = await response.json()
    replayed = await run_to_the_end(ReplaySource(ReplaySettings(file=str(path), speed=1000)), tmp_path / "second")
    assert summary(replayed) == summary(recorded)
    assert replayed["likes"]["total"] == 980 + 240
    assert replayed["goal"]["id"] == "main"


# -- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "replay"], "la source replay a besoin d'un enregistrement : --replay FICHIER"),
        (["--speed", "4"], "--speed et --loop ne servent qu'à rejouer un enregistrement"),
        (["--loop", "--user", "@moncompte"], "--speed et --loop ne servent qu'à rejouer un enregistrement"),
        (["--replay", "SAMPLE", "--speed", "0"], "--speed : doit être supérieur à 0 et au plus 1000"),
        (
            ["--replay", "SAMPLE", "--source", "demo"],
            "--replay : rejoue un enregistrement ; impossible avec --source demo",
        ),
        (["--user", "@moncompte", "--source", "replay"], "--user : réservé à la source tiktok"),
        (
            ["--user", "@moncompte", "--replay", "SAMPLE"],
            "--replay : rejoue un enregistrement ; impossible avec --user",
        ),
        (["--source", "tiktok"], "la source tiktok a besoin de votre nom de compte : --user @moncompte"),
        (
            ["--replay", "MISSING"],
            "Impossible de rejouer l'enregistrement :\nMISSING : fichier introuvable "
            "(faites un enregistrement avec --record FICHIER)\n",
        ),
    ],
)
def test_the_command_line_refuses_what_cannot_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    config = write(tmp_path / "config.yaml", "locale: fr")
    missing = str(tmp_path / "missing.jsonl")
    args = [str(SAMPLE) if a == "SAMPLE" else missing if a == "MISSING" else a for a in args]
    assert main(["--config", str(config), *args]) == 2
    assert message.replace("MISSING", missing) in capsys.readouterr().err


def test_a_recording_with_nothing_to_play_is_said_in_english_with_locale_en(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path / "config.yaml", "locale: en")
    empty = write(tmp_path / "empty.jsonl", "")
    assert main(["--config", str(config), "--replay", str(empty)]) == 2
    assert capsys.readouterr().err == (
        f"Cannot replay the recording:\n{empty}: the recording holds no events to play "
        "(connection statuses alone are not played)\n"
    )


def test_the_command_line_says_it_in_english_with_locale_en(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path / "config.yaml", "locale: en")
    assert main(["--config", str(config), "--speed", "4"]) == 2
    assert capsys.readouterr().err == (
        "Invalid command line:\n--speed and --loop only apply to a replay (--replay FILE)\n"
    )


def test_the_command_line_names_the_bad_line_of_a_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken recording is not a config mistake: its own heading, and the file's line."""
    config = write(tmp_path / "config.yaml", "locale: fr")
    bad = write(tmp_path / "bad.jsonl", {"t": 0, "type": "viewers", "count": 3}, {"t": 1, "type": "like", "count": "x"})
    assert main(["--config", str(config), "--replay", str(bad), "--speed", "4", "--loop"]) == 2
    err = capsys.readouterr().err
    problem = "'count' must be a whole number from 0 to 1,000,000,000,000, got 'x'"
    assert err == f"Impossible de rejouer l'enregistrement :\n{bad}:2: {problem}\n"
    assert "configuration" not in err.lower()


def test_a_long_recordings_check_is_said_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # 50 MB took 15 s to check, with nothing on the console and no page served meanwhile.
    config = write(tmp_path / "config.yaml", "locale: fr")
    bad = write(tmp_path / "long.jsonl", {"t": 0, "type": "viewers", "count": 3}, "oops", {"t": 1, "type": "follow"})
    monkeypatch.setattr(sources, "SAID_CHECKING", bad.stat().st_size)  # (as long as a long one)
    with caplog.at_level("INFO"):
        assert main(["--config", str(config), "--replay", str(bad)]) == 2  # (broken: checked, and said so, first)
    assert f"checking {bad} (0 MB) before it plays..." in caplog.messages
