"""Source: plays a recording made with `--record` back through the same pipeline, at any speed.

A recording is JSON lines, one event each, `t` = seconds from the start (see
`overlay.recorder`). The whole file is checked before anything plays, so a broken line
is reported as `file:line: what is wrong` instead of stopping a rehearsal halfway. Only a
last line that is not JSON is skipped (with a warning): a recording cut short by a crash.

A rehearsal never waits for what was only waiting: it starts with the recording's first event to
play, and the time between two recorded lives plays as a short pause. The recorded connection's
statuses show only during a live, where they are a drop (TikTok lost, then back).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from overlay.config import ReplaySettings
from overlay.events import (
    EVENT_TYPES,
    Event,
    Like,
    LiveEnded,
    LiveStarted,
    NewLive,
    SourceStatus,
    Viewers,
    event_from_dict,
)
from overlay.i18n import DURATIONS
from overlay.sources.base import Emit, SourceError

log = logging.getLogger(__name__)

YIELD_EVERY = 200  # events emitted back to back before the hub gets a turn (at high speeds)
LOOP_PAUSE_SECONDS = 3.0  # --loop: the ended live stays on screen this long before the next pass (whatever the speed)
CHECK_STEP = 1000  # lines checked between two turns of the event loop (a few milliseconds)


class RecordingError(SourceError):
    """A recording that cannot be played; `str()` names the file and the line, in English.

    A file that cannot be played at all (missing, unreadable, with nothing to play), what a creator
    meets most, is also said in each language; a bad line keeps the recording's own English words
    (`'count' must be...`) in every language.
    """


class _CutShort(ValueError):
    """A line that is not JSON: the end of a recording cut by a crash, when no line follows it."""


def read_recording(path: Path, *, warn: bool = True) -> Iterator[tuple[float, Event]]:
    """(time offset, event) for each line; raises RecordingError on the first bad line.

    A last line that is not JSON is skipped, said in a warning when `warn` (once per check, not per pass).
    """
    try:
        file = path.open("rb")
    except FileNotFoundError:
        raise RecordingError(key="recording_missing", path=str(path)) from None
    except OSError as exc:
        raise RecordingError(key="recording_unreadable", path=str(path), why=str(exc.strerror or exc)) from None
    with file:
        previous = 0.0
        cut: str | None = None  # a line that is not JSON: an error, unless it is the last one
        for number, raw in enumerate(file, 1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a BOM: the file saved again by Windows' Notepad
            if not raw.strip():
                continue
            if cut is not None:
                raise RecordingError(cut)
            try:
                offset, event = _parse_line(raw)
            except _CutShort as exc:
                cut = f"{path}:{number}: {exc}"
                continue
            except ValueError as exc:
                raise RecordingError(f"{path}:{number}: {exc}") from None
            if offset < previous:
                raise RecordingError(f"{path}:{number}: 't' goes back in time ({offset:g} s after {previous:g} s)")
            previous = offset
            yield offset, event
        if cut is not None and warn:
            log.warning("%s; skipped: the recording was cut short (the last line is incomplete)", cut)


def _parse_line(raw: bytes) -> tuple[float, Event]:
    try:
        data: Any = orjson.loads(raw.rstrip())  # (its newline: orjson would say where as "line 2 column 1")
    except orjson.JSONDecodeError as exc:
        # orjson counts lines within the line it was given ("line 1 column 9"): only the column is news.
        raise _CutShort(f"not valid JSON at column {exc.colno} ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError('each line must be a JSON object like {"t": 1.5, "type": "like", "count": 3}')
    offset = data.pop("t", None)
    if not isinstance(offset, int | float) or isinstance(offset, bool) or not math.isfinite(offset) or offset < 0:
        raise ValueError(f"'t' (seconds from the start) must be a number >= 0, got {offset!r}")
    kind = EVENT_TYPES.get(data["type"]) if isinstance(data.get("type"), str) else None
    if kind is not None:  # said here: the event's own error would be Python's (`__init__() missing 1 required...`)
        needed = [
            f.name
            for f in dataclasses.fields(kind)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        missing = [name for name in needed if name not in data]
        if missing:
            names = " and ".join(repr(name) for name in missing)
            raise ValueError(f"this {data['type']!r} event has no {names} (required)")
    return float(offset), event_from_dict(data)


# Recordings found good in this process, by (path, size, modification time): their number of events. `server.py`
# checks the file before it starts the server, and the source would read it all again (13 s for 100 MB).
_CHECKED: dict[tuple[str, int, int], int] = {}


def check_recording(path: Path) -> int:
    """Read the whole recording once; the number of events to play, or RecordingError naming the bad line."""
    return _counted(path, sum(_playable(event) for _, event in read_recording(path)), _identity(path))


def _playable(event: Event) -> bool:
    """Not a status of the recorded connection (`--user` recording while waiting for the live): the replay
    shows only those met during a live (a drop), so a file of statuses alone has nothing to play."""
    return not isinstance(event, SourceStatus)


async def check_recording_in_steps(path: Path) -> int:
    """`check_recording` on the event loop, giving it a turn every CHECK_STEP lines (at once if it was checked).

    The server already serves widgets when the replay starts, and a long recording takes
    seconds to read. (A worker thread was measured worse: on a busy PC it kept the GIL from
    the event loop for up to half a second at a time.)
    """
    identity = _identity(path)
    if identity in _CHECKED:
        return _CHECKED[identity]
    count = 0
    for line, (_, event) in enumerate(read_recording(path), 1):
        count += _playable(event)
        if line % CHECK_STEP == 0:
            await asyncio.sleep(0)
    return _counted(path, count, identity)


def _identity(path: Path) -> tuple[str, int, int] | None:
    """The file as it is now (an edit or a rewrite changes its size or time); None if it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None  # (reading it says why)
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


def _counted(path: Path, count: int, identity: tuple[str, int, int] | None) -> int:
    if not count:
        raise RecordingError(key="recording_empty", path=str(path))
    if identity is not None and identity == _identity(path):  # (not changed while it was read)
        _CHECKED[identity] = count
    return count


class ReplaySource:
    """Plays `replay.file` with its original timing divided by `replay.speed`, once or in a loop."""

    kind = "replay"

    def __init__(
        self,
        settings: ReplaySettings,
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not settings.file:
            raise ValueError("the replay source needs a recording: --replay FILE, or replay.file in config.yaml")
        self.settings = settings
        self.path = Path(settings.file)
        self._sleep = sleep
        self._clock = clock
        self._again = asyncio.Event()  # a new live by hand: play from the start again
        self._again_room = ""
        self._playing: SourceStatus | None = None  # the replay's own status, shown while it plays
        self._showing_recorded = False  # a status of the recorded connection is shown instead (TikTok dropped)
        self._ended = False  # the last event played was the end of the live
        self._rerun = 1  # the pass playing, or the next: a live of its own from the second (`_play`)

    def new_live(self, room_id: str) -> None:
        """A new live by hand (the control page): the recording plays again from its start, as live `room_id`,
        whether it was playing, looping or over (a rehearsal again, without restarting the server)."""
        self._again_room = room_id
        self._again.set()

    async def run(self, emit: Emit) -> None:
        count = await check_recording_in_steps(self.path)  # before anything plays: a bad line is an error
        room = ""
        while True:
            self._playing = self._replaying(count)
            emit(self._playing)
            try:
                await self._passes(emit, room)
            except RecordingError as exc:  # checked whole before it played: the file changed since
                self._rerun += 1
                self._stopped(emit, exc)
            else:
                emit(
                    SourceStatus(
                        "ended", "replay over; a new live on the control page plays it again", key="source_replay_over"
                    )
                )
            while True:  # until a new live by hand, with a recording that can be played
                await self._again.wait()
                room = self._take_again()
                try:
                    count = await check_recording_in_steps(self.path)
                    break
                except RecordingError as exc:
                    self._ended = False  # the live just opened by hand: nothing can play in it, so it ends too
                    self._stopped(emit, exc)

    def _replaying(self, count: int) -> SourceStatus:
        speed, loop = self.settings.speed, self.settings.loop
        return SourceStatus(
            "connected",
            f"replaying {self.path.name} ({count} events, ×{speed:g}{', loop' if loop else ''})",
            key="source_replaying_loop" if loop else "source_replaying",
            params={"file": self.path.name, "count": count, "speed": f"{speed:g}"},
        )

    async def _passes(self, emit: Emit, room: str) -> None:
        """Play the file, again with `loop` or a new live by hand; returns once it played to its end (never, with
        `loop`). Each pass is `_rerun`, counted on for the rooms of the next (even after a failure)."""
        speed, loop = self.settings.speed, self.settings.loop
        while True:
            if await self._pass(emit, speed, self._rerun, room):  # cut short by a new live by hand
                self._rerun, room = self._rerun + 1, self._take_again()
                continue
            if not self._ended:  # (the file's own end was played already: not twice in a recording of it)
                emit(LiveEnded())  # played to its end: the live's clock stops, and the stats close it
                self._ended = True
            self._rerun, room = self._rerun + 1, ""
            if not loop:
                return
            # A pause the event loop always gets, even for a file whose events all share one time; a new live by
            # hand ends it at once.
            await self._pause(LOOP_PAUSE_SECONDS)

    def _stopped(self, emit: Emit, error: RecordingError) -> None:
        """The recording cannot be played any more (edited, cut or removed since it was checked): its live ends,
        and the pages say why and what plays it again; the server goes on."""
        if not self._ended:
            emit(LiveEnded())  # its clock stops here, and the stats close it
            self._ended = True
        log.error("replay stopped: %s; fix the recording, then “New live” on the control page plays it again", error)
        emit(
            SourceStatus(
                "error",
                f"replay stopped: {error}",
                key="source_replay_stopped",
                # (a bad line is said in the recording's own English words, as when the server starts)
                params={**error.params, "reason": error.key or str(error)},
            )
        )

    async def _pause(self, seconds: float) -> None:
        """Wait `seconds`, or less if a new live by hand comes first."""
        await self._until_again(self._sleep(seconds))

    async def _until_again(self, work: Awaitable[Any]) -> asyncio.Future[Any]:
        """Run `work` until it ends or a new live by hand comes; it is cancelled then. Returns it, done."""
        task = asyncio.ensure_future(work)
        again = asyncio.create_task(self._again.wait())
        try:
            await asyncio.wait((task, again), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waited in (task, again):
                waited.cancel()
            await asyncio.wait((task, again))
        return task

    def _take_again(self) -> str:
        self._again.clear()
        return self._again_room

    async def _pass(self, emit: Emit, speed: float, rerun: int, room: str) -> bool:
        """Play the file once; True if a new live by hand cut it short."""
        play = await self._until_again(self._play(emit, speed, rerun, room))
        self._show_own_status(emit)
        if not play.cancelled() and (error := play.exception()) is not None:
            raise error  # (a failure is the source's, new live or not)
        if self._again.is_set():  # (also when it ended at that moment: the new live begins either way)
            return True
        play.result()  # (a failure is the source's)
        return False

    def _recorded_status(self, status: SourceStatus, speed: float) -> SourceStatus | None:
        """What to show for a status of the recorded connection met during a live, or None: TikTok's drops and
        reconnections are played (the stats show the outage as they did), and so are the live's pauses in TikTok's
        app (a "connected" of their own); its "connected" gives the replay's own status back. Their seconds (`wait`,
        `silence`) are the recording's, at the replay's speed."""
        if status.status == "connected" and status.key != "source_paused":
            return self._playing if self._showing_recorded else None
        params = {
            name: round(value / speed) if name in DURATIONS and isinstance(value, int) else value
            for name, value in status.params.items()
        }
        return replace(status, params=params)

    def _show_own_status(self, emit: Emit) -> None:
        """The replay's own status again, if the recorded connection's was shown when a pass ended."""
        if self._showing_recorded and self._playing is not None:
            self._showing_recorded = False
            emit(self._playing)

    async def _play(self, emit: Emit, speed: float, rerun: int, room: str = "") -> None:
        """Play the file once; pass `rerun` > 1 is a live of its own: its rooms are `<room id>#<rerun>`.

        `room`: the live a new live by hand opened for this pass; the file's first start joins it.
        """
        start = self._clock()
        burst = 0
        self._ended = False
        opened = rerun == 1 or bool(room)  # a later pass is a new live: the file's start says so, or one is made
        rooms: dict[str, str] = {}  # the file's rooms as this pass names them (a reconnect keeps its room)
        # Recording time left out, so that a rehearsal never waits for what was only waiting: what came before
        # the first event to play (`--user` recording before the live began), and, past LOOP_PAUSE_SECONDS, what
        # came between a live's end and the next live's first event.
        skipped: float | None = None
        ended_at: float | None = None  # the offset of the recorded live's end, until an event of the next one
        for offset, event in read_recording(self.path, warn=False):
            if self._again.is_set():
                return  # a new live by hand, pressed meanwhile: not one event more of this pass
            if isinstance(event, SourceStatus | Viewers) and ended_at is not None:
                continue  # the recorded connection between two lives (TikTok replays a count on reconnecting)
            if isinstance(event, SourceStatus):
                if skipped is None:
                    continue  # the recorded connection before the live: nothing to see
                if (shown := self._recorded_status(event, speed)) is None:
                    continue
                event = shown
            elif skipped is None:
                skipped = offset
            elif ended_at is not None:
                skipped += max(0.0, offset - ended_at - LOOP_PAUSE_SECONDS * speed)
            if isinstance(event, LiveEnded):
                ended_at = offset
            elif not isinstance(event, SourceStatus):
                ended_at = None
            if isinstance(event, Like) and event.sent_at:
                event = replace(event, sent_at=0.0)  # a send time from another process means nothing here
            elif isinstance(event, LiveStarted) or (isinstance(event, NewLive) and event.room_id):
                if event.room_id not in rooms and (room or rerun > 1):
                    # The live opened by hand for the first room; `#<pass>` for the others (the same room would
                    # continue the live of an earlier pass).
                    rooms[event.room_id] = room or f"{event.room_id}#{rerun}"
                    room = ""
                event = replace(event, room_id=rooms.get(event.room_id, event.room_id))
            if isinstance(event, LiveStarted | NewLive):
                opened = True
            elif not opened and not isinstance(event, Viewers):  # a file made by hand, with no start: likes only
                emit(LiveStarted(room_id=f"replay#{rerun}"))
                opened = True
            delay = start + (offset - (skipped or 0.0)) / speed - self._clock()
            if delay > 0:
                await self._sleep(delay)
                burst = 0
            elif burst >= YIELD_EVERY:
                await asyncio.sleep(0)
                burst = 0
            if self._again.is_set():
                return  # a new live by hand, pressed meanwhile: not one event more of this pass
            if isinstance(event, LiveEnded):
                self._show_own_status(emit)  # (a drop's statuses end with its live)
            emit(event)
            self._ended = isinstance(event, LiveEnded)
            if isinstance(event, SourceStatus):  # (when shown: a new live by hand may cut the wait before)
                self._showing_recorded = event is not self._playing
            burst += 1
