"""Source: what every like source provides. Sources only produce events; they never touch state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from overlay.events import Event

Emit = Callable[[Event], None]


class Source(Protocol):
    """A long-running producer of events; `run` returns when the source is done (e.g. a replay ends)."""

    kind: str

    async def run(self, emit: Emit) -> None: ...
