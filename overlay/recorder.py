"""Beside the bus: writes every normalized event, with its time offset, to a JSON-lines file (`--record`).

One line per event: `{"t": 12.345, "type": "like", "count": 3, ...}`, `t` in seconds from
the first event. `overlay.sources.replay` plays such a file back through the same pipeline.
The bus listener only appends to a list: serialising and writing happen in batches, in
`run()`, a task the app owns, so a slow disk never delays a like. A write that fails (a full
disk) stops the recording, with a logged error that `on_fail` also hands to the pages, and nothing
more is buffered; the live goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

import orjson

from overlay.events import Event

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5


class Recorder:
    """A bus listener (`bus.listeners.append(recorder)`); `open`, `run` and `close` belong to the app."""

    def __init__(
        self, path: Path, *, flush_seconds: float = FLUSH_SECONDS, on_fail: Callable[[str], None] | None = None
    ) -> None:
        self.path = path
        self.flush_seconds = flush_seconds
        self.on_fail = on_fail  # told once why the recording stopped (the app shows it on its pages)
        self._pending: list[tuple[float, Event]] = []
        self._file: IO[bytes] | None = None
        self._first: float | None = None
        self._offset = 0.0  # where this run starts in a file that already holds a recording
        self._closed = False  # closed, or stopped by a failed write: events are no longer kept
        self.error = ""  # why the recording stopped early, if it did
        self._stopping = asyncio.Event()
        self._lock = threading.Lock()  # the flush thread and `close` never write at the same time

    def __call__(self, event: Event, now: float) -> None:
        if not self._closed:
            self._pending.append((now, event))

    def open(self) -> None:
        """Open for appending; a file that already holds a recording goes on after its last event."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _end_cut_line(self.path)  # first: the last event is then the file's last line
        self._offset = last_offset(self.path)
        if self._offset:
            self._offset += 1.0  # a one-second gap marks the restart
        self._file = self.path.open("ab")

    async def run(self) -> None:
        """Flush every `flush_seconds` until `stop()`, writing in a thread so the loop never waits on the disk."""
        while not self._stopping.is_set() and not self._closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_seconds):
                    await self._stopping.wait()
            try:
                data = self._serialise()
                if data:
                    await asyncio.to_thread(self._write, data)
            except OSError as exc:
                self._fail(exc)
            except Exception:  # an event that would not serialise: its batch is lost, the recording goes on
                log.exception("could not record some events to %s", self.path)

    def stop(self) -> None:
        """Ask `run()` to write what it has and return."""
        self._stopping.set()

    def flush(self) -> None:
        data = self._serialise()
        if data:
            self._write(data)

    def close(self) -> None:
        """Write what is left and close; later events are ignored."""
        if not self._closed:
            try:
                self.flush()
            except OSError as exc:
                self._fail(exc)
            self._closed = True
        with self._lock:
            file, self._file = self._file, None
        if file is None:
            return
        try:
            file.close()
        except OSError as exc:  # closing writes what the file object still buffers
            self._fail(exc)
        if not self.error:
            log.info("recording saved to %s", self.path)

    def _fail(self, exc: OSError) -> None:
        """A write failed: stop recording (the file keeps what was written) and stop buffering events."""
        self._closed = True
        self._pending = []
        if not self.error:
            self.error = f"{type(exc).__name__}: {exc}"
            log.error(
                "could not write the recording %s (%s); recording stopped, the live goes on without it", self.path, exc
            )
            if self.on_fail is not None:
                self.on_fail(self.error)

    def _serialise(self) -> bytes:
        pending, self._pending = self._pending, []
        if not pending:
            return b""
        if self._first is None:
            self._first = pending[0][0]
        first, offset = self._first, self._offset
        return b"".join(
            orjson.dumps({"t": round(offset + now - first, 3), **event.to_dict()}) + b"\n" for now, event in pending
        )

    def _write(self, data: bytes) -> None:
        with self._lock:
            if self._file is None:
                return
            self._file.write(data)
            self._file.flush()


def last_offset(path: Path) -> float:
    """The time offset of the last complete line of a recording (0 when there is none)."""
    with contextlib.suppress(OSError):
        with path.open("rb") as file:
            file.seek(0, 2)
            size = file.tell()
            file.seek(max(0, size - 8192))
            tail = file.read()
        for line in reversed(tail.splitlines()):
            with contextlib.suppress(ValueError, TypeError, KeyError):
                return float(json.loads(line)["t"])
    return 0.0


def _end_cut_line(path: Path) -> None:
    """Before appending: drop a last line that is not an event, as the replay skips it (it refuses a broken line
    that has others after it): a line cut by a crash, with or without its newline.

    A whole last line without its newline (edited by hand) is ended instead, and kept.
    """
    with contextlib.suppress(FileNotFoundError), path.open("r+b") as file:
        size = file.seek(0, 2)
        body_end = size
        tail = b""
        while body_end and not tail.rstrip():  # past trailing blank lines
            start = max(0, body_end - 65536)
            file.seek(start)
            tail = file.read(body_end - start) + tail
            body_end = start
        last_start = _last_line_start(file, body_end + len(tail.rstrip()))
        file.seek(last_start)
        last = file.read(size - last_start)
        if not last.strip():
            return  # blank
        try:
            orjson.loads(last.strip())  # as the replay reads it
        except orjson.JSONDecodeError:
            file.truncate(last_start)
            log.warning("%s: its last line is not an event (cut short by a crash?); dropped before going on", path)
        else:
            if not last.endswith(b"\n"):
                file.seek(0, 2)
                file.write(b"\n")


def _last_line_start(file: IO[bytes], end: int) -> int:
    """Where the line that ends at `end` starts: after the newline before it (read back in steps), or 0."""
    position = end
    while position:
        start = max(0, position - 65536)
        file.seek(start)
        found = file.read(position - start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        position = start
    return 0


def not_a_recording(path: Path) -> bool:
    """True for a file with something in it whose first line is not an event: notes, a config, a typo'd name.

    Recording to it would append to it (`--record config.yaml`), and drop its last line (`_end_cut_line`).
    """
    try:
        with path.open("rb") as file:
            head = file.read(65536)
    except OSError:
        return False  # not there yet (or unreadable: opening it to append says why)
    head = head.removeprefix(b"\xef\xbb\xbf")  # a BOM, as the replay reads it
    first = next((line.strip() for line in head.splitlines() if line.strip()), b"")
    if not first:
        return False  # empty: a new recording
    try:
        data = orjson.loads(first)
    except orjson.JSONDecodeError:
        # The only line, cut by a crash as it was written, is a recording's (`_end_cut_line` drops it).
        return not (first.startswith(b'{"t":') and first == head.strip())
    return not (isinstance(data, dict) and "t" in data and "type" in data)
