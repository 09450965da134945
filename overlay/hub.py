"""Stage 3 of the flow: the hub fans the engine's state out to every connected widget.

Built so that one client can never hurt the others or the engine:
- frames are serialised (orjson) and encoded once per tick for all the clients of a rate,
  never once per client;
- state is coalesced: at most one state frame per frame interval, only when it changed. Each
  client picks its rate (`fps`, default `frame_seconds`) and whether it wants animation
  batches at all; clients at the same rate share the same frames (a `Rate`);
- each client has a *latest-state slot*, not a queue: a slow client skips to the newest
  state, and at most `EVENT_FRAMES` animation frames wait for it (older ones are dropped);
- a client that keeps up is written directly by the ticker, its frames in one write
  (`DirectPeer.send_now`): no task switch and one system call per client per frame,
  which is most of what a frame costs;
- a client that is behind is written by its own task, so a stalled socket blocks only
  itself, and a send that stalls longer than `stall_seconds` closes it (a browser source
  reconnects). The ticker watches for that; sends carry no timeout of their own, which
  cost as much as the send itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import orjson

from overlay.bus import Bus

log = logging.getLogger(__name__)

EVENT_FRAMES = 2  # animation frames kept for a client that is behind; hearts from older ones are dropped
RETRY_PAUSE = 1.0  # seconds the ticker pauses after failing twice in a row (it logs each failure)
# A frame this close to its time is due: frame times are float sums, and asyncio runs a timer up to the
# clock's resolution early (1 ns on Linux; 15.6 ms on Windows before Python 3.13). Without the slack `flush`
# skipped such a frame for a whole interval.
EARLY = max(0.002, time.get_clock_info("monotonic").resolution)


class Peer(Protocol):
    """The hub's view of a websocket (the web layer adapts aiohttp's)."""

    async def send(self, frame: bytes) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class DirectPeer(Peer, Protocol):
    """A peer that can also take frames at once, without waiting, while it keeps up."""

    @staticmethod
    def encode(frames: tuple[bytes, ...]) -> bytes:
        """These frames as the bytes `send_now` writes: the same for every peer of a class, so the
        hub encodes a frame once for all its clients rather than once per client."""
        ...

    def send_now(self, wire: bytes) -> bool:
        """Queue these encoded frames and return True; False (nothing queued) when the client is behind."""
        ...


class Slot:
    """What is waiting for one client: the newest state and a few animation frames."""

    __slots__ = (
        "dropped",
        "encode",
        "events",
        "peer",
        "rate",
        "send_now",
        "sending_since",
        "stalled",
        "state",
        "task",
        "wake",
        "wants_events",
    )

    def __init__(self, peer: Peer, rate: Rate, *, wants_events: bool = True) -> None:
        self.peer = peer
        self.rate = rate
        self.wants_events = wants_events
        self.send_now: Callable[[bytes], bool] | None = None
        self.encode: Callable[[tuple[bytes, ...]], bytes] | None = None
        if isinstance(peer, DirectPeer):
            self.send_now, self.encode = peer.send_now, peer.encode
        self.state: bytes | None = None
        self.events: deque[bytes] = deque(maxlen=EVENT_FRAMES)
        self.wake = asyncio.Event()
        self.dropped = 0
        self.sending_since: float | None = None  # loop time the pump's current send began
        self.stalled = False
        self.task: asyncio.Task[None] | None = None  # the pump, once running

    def offer(self, state: bytes | None, events: bytes | None) -> None:
        if state is not None:
            if self.state is not None:
                self.dropped += 1
            self.state = state
        if events is not None:
            if len(self.events) == EVENT_FRAMES:
                self.dropped += 1
            self.events.append(events)
        self.wake.set()


def newest(events: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The newest `limit` likes and the newest `limit` other events, in order.

    Likes merge into the totals, but a follow, share or gift is a toast of its own: a slower
    client's frame must not lose one under the hearts of the frames it skipped.
    """
    likes = [i for i, event in enumerate(events) if event["type"] == "like"]
    others = [i for i, event in enumerate(events) if event["type"] != "like"]
    dropped = set(likes[:-limit]) | set(others[:-limit])
    return [event for i, event in enumerate(events) if i not in dropped] if dropped else events


class Rate:
    """The clients that asked for the same frame interval: they share its frames and its schedule.

    Animation events taken from the engine between two of its frames wait here (the newest
    `max_events`), so a 10-frames-a-second phone dock still gets the hearts of a 60 fps tick.
    """

    __slots__ = ("due", "events", "interval", "listeners", "slots", "version")

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.slots: set[Slot] = set()
        self.listeners = 0  # slots that want animation batches; none: the rate keeps none
        self.due = -math.inf  # loop time of its next frame; a first change is sent at once
        self.events: list[dict[str, Any]] = []
        self.version = -1  # engine version of the last state it sent


class Hub:
    """Owns the client slots and the ticker that turns engine changes into frames."""

    def __init__(
        self,
        bus: Bus,
        *,
        frame_seconds: float = 1 / 30,
        max_events: int = 40,
        tick_seconds: float = 0.25,
        stall_seconds: float = 10.0,
    ) -> None:
        self.bus = bus
        self.engine = bus.engine
        self.frame_seconds = frame_seconds
        self.max_events = max_events
        self.tick_seconds = tick_seconds
        self.stall_seconds = stall_seconds
        self.clients: set[Slot] = set()
        self.rates: dict[float, Rate] = {}
        self._joined = asyncio.Event()  # a client connected: the ticker stops idling
        self._frame: bytes = b""
        self._frame_version = -1

    # -- frames -----------------------------------------------------------------------

    def state_frame(self, now: float) -> bytes:
        """The current state as a websocket frame, rebuilt only when the engine changed."""
        if self._frame_version != self.engine.version:
            self._frame = orjson.dumps({"type": "state", "state": self.engine.snapshot(now)})
            self._frame_version = self.engine.version
        return self._frame

    def flush(self, now: float, at: float | None = None) -> None:
        """Hand the frames due at loop time `at` to their clients (one serialisation per rate).

        `now` is the engine's clock; without `at`, every rate is due and keeps its schedule.
        """
        engine = self.engine
        engine.tick(now)
        events = engine.take_events(self.max_events)
        version = engine.version
        for rate in self.rates.values():
            if events and rate.listeners:
                rate.events.extend(events)
                if len(rate.events) > self.max_events:
                    rate.events = newest(rate.events, self.max_events)
            if (at is not None and at < rate.due - EARLY) or (rate.version == version and not rate.events):
                continue
            state_frame = self.state_frame(now) if rate.version != version else None
            events_frame = orjson.dumps({"type": "events", "events": rate.events}) if rate.events else None
            rate.version, rate.events = version, []
            if at is not None:
                rate.due = at + rate.interval
            self._send(rate.slots, state_frame, events_frame)

    @staticmethod
    def _send(slots: set[Slot], state_frame: bytes | None, events_frame: bytes | None) -> None:
        everything = tuple(frame for frame in (state_frame, events_frame) if frame is not None)
        state_only = (state_frame,) if state_frame is not None else ()
        wires: dict[tuple[object, bool], bytes] = {}  # (encoder, with events): the bytes every such client gets
        for slot in slots:
            wants = slot.wants_events
            frames = everything if wants else state_only
            if not frames:
                continue
            # Fast path: nothing queued for this client and its socket keeps up, so write now.
            if slot.send_now is not None and slot.state is None and not slot.events and slot.sending_since is None:
                wire = wires.get((slot.encode, wants))
                if wire is None:
                    assert slot.encode is not None  # set together with send_now
                    wire = wires[(slot.encode, wants)] = slot.encode(frames)
                if slot.send_now(wire):
                    continue
            slot.offer(state_frame, events_frame if wants else None)

    def next_frame(self, now: float) -> float | None:
        """Loop time of the next frame owed to a rate, or None when every rate is up to date."""
        version = self.engine.version
        owed = [rate.due for rate in self.rates.values() if rate.version != version or rate.events]
        return max(now, min(owed)) if owed else None

    def watch(self, now: float) -> None:
        """Stop the pump of any client whose send has been stuck for `stall_seconds` (loop time)."""
        limit = now - self.stall_seconds
        for slot in self.clients:
            since = slot.sending_since
            if since is not None and since < limit and not slot.stalled and slot.task is not None:
                slot.stalled = True
                slot.task.cancel()

    async def run(self) -> None:
        """The ticker: wakes on a change (or every `tick_seconds` for time-driven state).

        Sending right after a quiet spell keeps latency near zero for a lone like; waiting for
        a rate's next frame time is what coalesces a storm into ~30 frames per second (or the
        client's own rate).
        """
        changed = self.bus.changed
        clock = self.bus.clock
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            now = loop.time()
            wake = self.next_frame(now)
            soonest = min((rate.due for rate in self.rates.values()), default=-math.inf)
            if wake is None:
                # Nothing owed. Let the soonest frame interval pass first, then wait for the engine:
                # changes made meanwhile are then picked up at once, in one wake-up (each costs ~0.1 ms).
                if soonest > now:  # (a 1 fps client alone must not hold back time-driven state)
                    await asyncio.sleep(min(soonest - now, self.tick_seconds))
                # With nobody connected a like changes no screen: the time-driven tick (which also
                # drains the animation events) is enough, until a client connects.
                waited = changed if self.rates else self._joined
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout_at(now + self.tick_seconds):
                        await waited.wait()
                self._joined.clear()
                owed = self.next_frame(loop.time())
                wake = loop.time() if owed is None else owed
            elif now < wake and soonest < wake:
                # A slow rate is owed a frame later on, but a rate that is up to date now is due sooner:
                # a change must reach its clients then, not with the slow rate's frame.
                changed.clear()  # (what changed so far is in the engine's version)
                if soonest > now:  # no rate can be sent before that
                    await asyncio.sleep(min(soonest - now, self.tick_seconds))
                try:
                    async with asyncio.timeout_at(min(wake, now + self.tick_seconds)):
                        await changed.wait()
                except TimeoutError:
                    wake = loop.time()  # the slow rate's frame, or the time-driven tick
                else:
                    continue  # every rate is owed now (or nothing new): the next frame time again
            delay = min(wake - loop.time(), self.tick_seconds)  # time-driven state waits no longer
            if delay > 0:
                await asyncio.sleep(delay)
            changed.clear()
            try:
                self.flush(clock(), loop.time())
                self.watch(loop.time())
            except Exception:  # one bad frame must not freeze every widget for the rest of the live
                failures += 1
                log.exception("the widgets' frame could not be built; trying again")
                for rate in self.rates.values():  # owe nothing until the next change
                    rate.version, rate.events = self.engine.version, []
                if failures > 1:
                    await asyncio.sleep(RETRY_PAUSE)
            else:
                failures = 0

    # -- clients ----------------------------------------------------------------------

    def connect(self, peer: Peer, *, fps: int | None = None, events: bool = True) -> Slot:
        """Register a client; its first frame is the full current state.

        `fps` caps its state frames per second (default: `frame_seconds`); `events=False`
        spares it the animation batches (a goal bar or a counter has no use for them).
        """
        interval = 1 / fps if fps else self.frame_seconds
        rate = self.rates.get(interval)
        if rate is None:
            rate = self.rates[interval] = Rate(interval)
            rate.version = self.engine.version  # its clients start from the snapshot below
        slot = Slot(peer, rate, wants_events=events)
        slot.offer(self.state_frame(self.bus.clock()), None)
        rate.slots.add(slot)
        rate.listeners += events
        self.clients.add(slot)
        self._joined.set()
        return slot

    def disconnect(self, slot: Slot) -> None:
        self.clients.discard(slot)
        rate = slot.rate
        if slot in rate.slots:
            rate.slots.discard(slot)
            rate.listeners -= slot.wants_events
        if not rate.slots and self.rates.get(rate.interval) is rate:
            del self.rates[rate.interval]

    async def pump(self, slot: Slot) -> None:
        """Write one client's frames until it goes away; run as that client's own task.

        Frames a client could not take on the fast path wait here; `watch` cancels this task
        when a send has been stuck for `stall_seconds`, and the client is then closed.
        """
        slot.task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        try:
            while True:
                await slot.wake.wait()
                slot.wake.clear()
                while slot.state is not None or slot.events:
                    if slot.state is not None:
                        frame, slot.state = slot.state, None
                    else:
                        frame = slot.events.popleft()
                    slot.sending_since = loop.time()
                    await slot.peer.send(frame)
                slot.sending_since = None
        except asyncio.CancelledError:
            if not slot.stalled:
                raise  # the web layer is done with this client
            if slot.task is not None:
                slot.task.uncancel()
            log.warning("a widget stopped reading for %.0f s; closing it so it reconnects", self.stall_seconds)
            with contextlib.suppress(Exception):
                await slot.peer.close()
        except ConnectionError:
            pass  # the client left; the web layer deregisters it
