"""Source: what every like source provides. Sources only produce events; they never touch state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from overlay.events import Event
from overlay.i18n import Locale, text

Emit = Callable[[Event], None]


class SourceError(Exception):
    """Why a source cannot go on; `str()` in English (the log).

    With `key`, an `overlay.i18n` text filled with `params`, it is said in each language (`say`), on
    the console and in the status on screen; without, in its English words everywhere. (On screen its `params`
    join the status's own `kind`, `error` and `reason`: never those names.)
    """

    def __init__(self, message: str = "", key: str = "", **params: str) -> None:
        super().__init__(message or text(key, "en", **params))
        self.key = key
        self.params = params

    def say(self, locale: Locale) -> str:
        return text(self.key, locale, **self.params) if self.key else str(self)


class Source(Protocol):
    """A long-running producer of events; `run` returns when the source is done (e.g. a replay ends)."""

    kind: str

    async def run(self, emit: Emit) -> None: ...


@runtime_checkable
class Joinable(Protocol):
    """A source told, after a restart, which live it continues: its room id and the like total saved.

    TikTok uses it to drop the likes it replays on connect that were counted before the restart;
    the demo plays that live on from that total.
    """

    def join(self, room_id: str, total: int | None = None) -> None: ...


@runtime_checkable
class Simulated(Protocol):
    """A source whose lives are made up here (the demo, a replay): a new live by hand is a room id we choose.

    A real source (TikTok) has no such method: its lives, and their room ids, are TikTok's.
    """

    def new_live(self, room_id: str) -> None: ...
