"""The recorder: every event the bus carries, with its time offset, as JSON lines, written off the hot path."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest
from aiohttp.test_utils import TestServer

from overlay.events import Follow, Like, LiveStarted, SourceStatus, User, Viewers, event_from_dict
from overlay.recorder import Recorder, not_a_recording
from overlay.sources.replay import check_recording
from overlay.web import create_app
from tests.conftest import DrivenSource, make_config

LEA = User(id="lea_77", nickname="Léa", avatar="https://p16/lea.jpg")


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_events_are_written_with_their_offset_from_the_first(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    recorder = Recorder(path)
    recorder.open()
    recorder(LiveStarted(room_id="7312", total=None), 100.0)
    recorder(Like(count=3, total=7503, user=LEA), 101.25)
    recorder(Follow(user=LEA), 102.5004)
    assert path.read_bytes() == b""  # the listener only queues: nothing touches the disk on the hot path
    recorder.close()
    rows = lines(path)
    assert [row["t"] for row in rows] == [0.0, 1.25, 2.5]
    assert rows[1] == {
        "t": 1.25,
        "type": "like",
        "count": 3,
        "total": 7503,
        "user": {"id": "lea_77", "nickname": "Léa", "avatar": "https://p16/lea.jpg"},
        "sent_at": 0.0,
    }
    assert [event_from_dict({k: v for k, v in row.items() if k != "t"}) for row in rows] == [
        LiveStarted(room_id="7312", total=None),
        Like(count=3, total=7503, user=LEA),
        Follow(user=LEA),
    ]


class WatchedRecorder(Recorder):
    """Tells the test when a batch reached the file (writes happen in a worker thread)."""

    def __init__(self, path: Path, flush_seconds: float, on_fail: Callable[[str], None] | None = None) -> None:
        super().__init__(path, flush_seconds=flush_seconds, on_fail=on_fail)
        self.loop = asyncio.get_running_loop()
        self.written = asyncio.Event()

    def _write(self, data: bytes) -> None:
        super()._write(data)
        self.loop.call_soon_threadsafe(self.written.set)


async def test_the_flush_task_writes_in_batches_and_stops_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    recorder = WatchedRecorder(path, flush_seconds=0.01)
    recorder.open()
    task = asyncio.create_task(recorder.run())
    recorder(Viewers(count=12), 5.0)
    async with asyncio.timeout(5):
        await recorder.written.wait()
    assert [row["count"] for row in lines(path)] == [12]
    recorder(Viewers(count=13), 6.0)
    recorder.stop()
    await task
    recorder.close()
    recorder(Viewers(count=14), 7.0)  # after close: ignored, no error
    assert [row["count"] for row in lines(path)] == [12, 13]


def test_recording_again_to_the_same_file_goes_on_after_its_end(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    first = Recorder(path)
    first.open()
    first(Viewers(count=1), 10.0)
    first(Viewers(count=2), 40.0)
    first.close()
    with path.open("ab") as file:
        file.write(b'{"t": 31, "type": "vie')  # a line cut short by a crash
    second = Recorder(path)
    second.open()
    second(Viewers(count=3), 500.0)
    second.close()
    raw = path.read_text(encoding="utf-8").splitlines()
    assert len(raw) == 3  # the cut line is dropped: left in the middle, it made the whole file unplayable
    assert json.loads(raw[2]) == {"t": 31.0, "type": "viewers", "count": 3}
    assert check_recording(path) == 3


@pytest.mark.parametrize(
    "last",
    [
        b'{"t": 31, "type": "vie\n',
        b"hello world garbage\n",
        b"garbage\n\n\n",
        b'{"t": 31, "type": "viewers", "count": NaN}\n',  # JSON to Python's json, not to the replay's orjson
        b'{"t": 31, "type": "comment", "text": "' + b"x" * 100_000,  # cut, and longer than one read
    ],
    ids=["cut", "garbage", "garbage then blank lines", "NaN", "a long cut line"],
)
def test_a_last_line_the_replay_skips_is_dropped_even_with_its_newline(tmp_path: Path, last: bytes) -> None:
    # The replay skips any last line that is not JSON; kept, it was a broken line in the middle once recorded on.
    path = tmp_path / "live.jsonl"
    path.write_bytes(b'{"t": 1, "type": "viewers", "count": 1}\n' + last)
    recorder = Recorder(path)
    recorder.open()
    recorder(Viewers(count=2), 5.0)
    recorder.close()
    assert [row["count"] for row in lines(path)] == [1, 2]
    assert check_recording(path) == 2


@pytest.mark.parametrize(
    "start", [b"", b"\xef\xbb\xbf", b"\n\n", b"\xef\xbb\xbf\r\n"], ids=["plain", "BOM", "blank lines", "BOM, CRLF"]
)
def test_a_recording_is_told_from_other_files_as_the_replay_reads_it(tmp_path: Path, start: bytes) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(start + b'{"t": 0, "type": "viewers", "count": 1}\r\n')
    assert not not_a_recording(path)
    path.write_bytes(start + b'{"t": 0, "type": "vie')  # its only line, cut
    assert not not_a_recording(path)
    path.write_bytes(start + b"my notes\n")
    assert not_a_recording(path)


def test_a_recording_whose_only_line_was_cut_is_continued(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(b'{"t": 0, "type": "vie')  # the server crashed as it wrote its first line
    assert not not_a_recording(path)
    recorder = Recorder(path)
    recorder.open()
    recorder(Viewers(count=2), 5.0)
    recorder.close()
    assert lines(path) == [{"t": 0.0, "type": "viewers", "count": 2}]


def test_a_whole_last_line_without_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(b'{"t": 1, "type": "viewers", "count": 1}')  # written by hand, no newline at the end
    recorder = Recorder(path)
    recorder.open()
    recorder(Viewers(count=2), 5.0)
    recorder.close()
    assert [row["count"] for row in lines(path)] == [1, 2]


async def test_the_app_records_everything_the_bus_carries_and_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "records" / "live.jsonl"
    source = DrivenSource()
    app = create_app(make_config(), source=source, data_dir=tmp_path / "data", record=path)
    async with TestServer(app, host="127.0.0.1"):
        await source.push(
            SourceStatus("connected", "test"),
            LiveStarted(room_id="42", total=1000),
            Like(count=5, total=1005, user=LEA),
        )
    types = [row["type"] for row in lines(path)]
    assert types[-3:] == ["source_status", "live_started", "like"]


# -- a disk that fills up ----------------------------------------------------------------------


class FullDisk:
    """A file on a disk with `room` bytes left: a write that does not fit fails as a full disk does."""

    def __init__(self, file: IO[bytes], room: int) -> None:
        self.file = file
        self.room = room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.file.write(data)

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class FullDiskRecorder(WatchedRecorder):
    """A recorder whose file is on a nearly full disk; `failed` is set when it gives up."""

    room = 0

    def __init__(self, path: Path, flush_seconds: float = 0.01, on_fail: Callable[[str], None] | None = None) -> None:
        super().__init__(path, flush_seconds=flush_seconds, on_fail=on_fail)
        self.failed = asyncio.Event()

    def open(self) -> None:
        super().open()
        assert self._file is not None
        self._file = FullDisk(self._file, self.room)  # type: ignore[assignment]

    def _fail(self, exc: OSError) -> None:
        super()._fail(exc)
        self.failed.set()


async def test_a_full_disk_stops_the_recording_with_a_logged_error_and_nothing_more_is_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "live.jsonl"
    recorder = FullDiskRecorder(path)
    recorder.room = 100  # room for the first batch only
    recorder.open()
    task = asyncio.create_task(recorder.run())
    recorder(Viewers(count=12), 5.0)
    with caplog.at_level(logging.ERROR):
        async with asyncio.timeout(5):
            await recorder.written.wait()  # the first batch reached the file
            for _ in range(50):
                recorder(Like(count=1, user=LEA), 6.0)
            await task  # the loop ends by itself: it does not retry a full disk
    assert "recording stopped, the live goes on without it" in caplog.text
    assert "No space left on device" in recorder.error
    for _ in range(50):
        recorder(Like(count=1, user=LEA), 7.0)
    assert recorder._pending == []  # nothing piles up in memory for the rest of the live
    recorder.close()
    assert [row["type"] for row in lines(path)] == ["viewers"]  # the file keeps what was written


async def test_the_app_goes_on_when_its_recording_fails_and_shuts_down_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import overlay.web.app
    from overlay.web.keys import ENGINE

    recorders: list[FullDiskRecorder] = []

    def full_disk_recorder(path: Path, on_fail: Callable[[str], None]) -> FullDiskRecorder:
        recorders.append(FullDiskRecorder(path, on_fail=on_fail))
        return recorders[-1]

    monkeypatch.setattr(overlay.web.app, "Recorder", full_disk_recorder)
    source = DrivenSource()
    app = create_app(make_config(), source=source, data_dir=tmp_path / "data", record=tmp_path / "live.jsonl")
    with caplog.at_level(logging.ERROR):
        async with TestServer(app, host="127.0.0.1"):
            await source.push(LiveStarted(room_id="42", total=1000), Like(count=5, total=1005, user=LEA))
            async with asyncio.timeout(5):
                await recorders[0].failed.wait()
            await source.push(Like(count=5, total=1010, user=LEA))
            assert app[ENGINE].total == 1010  # the live goes on
            assert recorders[0]._pending == []
            said = app[ENGINE].snapshot(0.0)["recording"]  # and its pages say why the recording stopped
            assert said["file"] == str(tmp_path / "live.jsonl")
            assert said["error"] == "OSError: [Errno 28] No space left on device"
    # One clear error, from the recorder; the shutdown had nothing to complain about.
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == [
        f"could not write the recording {tmp_path / 'live.jsonl'}"
    ]
