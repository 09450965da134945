"""Between source and engine: the one path every event takes (sources, replays, control actions).

Publishing is synchronous and cheap (no I/O): the engine folds the event in, listeners
such as the recorder see it, and the hub is told that a new frame is due. An event that may
start a new live (the engine then resets) is first shown to `before_new_live` hooks, so the
persister can take the last moments of the live that ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from overlay.engine import Engine
from overlay.events import Event, LiveStarted, NewLive

log = logging.getLogger(__name__)

Listener = Callable[[Event, float], None]
NEW_LIVE_EVENTS = frozenset({LiveStarted, NewLive})  # the engine may reset the live on these


class Bus:
    """Feeds events into the engine, then to listeners; `changed` wakes the hub."""

    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.clock = clock
        self.listeners: list[Listener] = []
        self.before_new_live: list[Listener] = []  # called before the engine applies a NEW_LIVE_EVENTS event
        self.changed = asyncio.Event()

    def publish(self, event: Event) -> None:
        now = self.clock()
        if event.__class__ in NEW_LIVE_EVENTS:  # one set lookup per like; the hooks run only for these
            for hook in self.before_new_live:
                try:
                    hook(event, now)
                except Exception:
                    log.exception("hook %r before a new live failed", hook)
        self.engine.apply(event, now)
        for listener in self.listeners:
            try:
                listener(event, now)
            except Exception:  # a broken recorder must not stop the likes
                log.exception("event listener %r failed", listener)
        self.changed.set()
