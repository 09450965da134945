"""Source: what every like source provides. Sources only produce events; they never touch state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from overlay.events import Event

Emit = Callable[[Event], None]


class Source(Protocol):
    """A long-running producer of events; `run` returns when the source is done (e.g. a replay ends)."""

    kind: str

    async def run(self, emit: Emit) -> None: ...


@runtime_checkable
class Joinable(Protocol):
    """A source told which live to play (the demo): the current one after a restart, or a new one by hand."""

    def join(self, room_id: str, total: int | None = None) -> None: ...
