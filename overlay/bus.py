"""Between source and engine: the one path every event takes (sources, replays, control actions).

Publishing is synchronous and cheap (no I/O): the engine folds the event in, listeners
such as the recorder see it, and the hub is told that a new frame is due.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from overlay.engine import Engine
from overlay.events import Event

log = logging.getLogger(__name__)

Listener = Callable[[Event, float], None]


class Bus:
    """Feeds events into the engine, then to listeners; `changed` wakes the hub."""

    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.clock = clock
        self.listeners: list[Listener] = []
        self.changed = asyncio.Event()

    def publish(self, event: Event) -> None:
        now = self.clock()
        self.engine.apply(event, now)
        for listener in self.listeners:
            try:
                listener(event, now)
            except Exception:  # a broken recorder must not stop the likes
                log.exception("event listener %r failed", listener)
        self.changed.set()
