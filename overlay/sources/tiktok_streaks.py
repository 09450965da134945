"""Gift streaks (combos) on TikTok: each counted once, at its end, or as it stands when the end never comes.

A viewer who taps a rose again and again makes a streak: TikTok sends a message for each step
(`repeat_count` 1, 2, 3...) and one more with `repeat_end` set when it ends. That last message can go
missing (TikTok drops one now and then; a reconnect or a restart can lose it), and waiting for it
would lose the whole streak. So a streak with no news for a while, or cut by the connection ending,
is counted as it stands, and remembered: a step or an end that comes after all adds only what it adds.

A streak is known by (viewer id, gift id, group id). A count lower than what was counted under its
key is a new streak that reuses the key (a group id of 0, or reused), counted from its start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

Key = tuple[int, int, int]


def key_of(message: Any) -> Key:
    """A streak's key: (viewer id, gift id, group id)."""
    user = message.user
    return (int(user.id) if user is not None else 0, int(message.gift_id), int(message.group_id))


def _count(message: Any) -> int:
    return max(1, int(message.repeat_count))


class Streaks:
    """The streaks under way and the ones counted before their end; `changed` when the latter changed."""

    def __init__(self, kept: int = 500) -> None:
        self._open: dict[Key, tuple[float, Any]] = {}  # latest message of each streak, oldest news first
        self._counted: dict[Key, int] = {}  # counted before its end, oldest first (at most `kept`)
        self._kept = kept
        self.changed = False

    def __bool__(self) -> bool:
        return bool(self._open)

    def step(self, message: Any, now: float) -> None:
        """A message of a streak under way, received at `now`."""
        key = key_of(message)
        if _count(message) < self._counted.get(key, 0):
            self._forget(key)  # a new streak under an old key
        self._open.pop(key, None)
        self._open[key] = (now, message)

    def end(self, message: Any) -> int:
        """A streak's end, or a gift that is no streak: how many of it to count now."""
        key = key_of(message)
        self._open.pop(key, None)
        count, counted = _count(message), self._counted.get(key, 0)
        if counted:
            self._forget(key)
        return count - counted if count >= counted else count

    def due(self, older_than: float) -> Iterator[tuple[Any, int]]:
        """The streaks last heard of before `older_than` (all: `math.inf`), each with how many to count now."""
        while self._open:
            key, (seen, message) = next(iter(self._open.items()))
            if seen >= older_than:
                return  # the others had news later still
            del self._open[key]
            count, counted = _count(message), self._counted.get(key, 0)
            if count < counted:  # a new streak under an old key
                counted = 0
            if count > counted:
                self._counted.pop(key, None)
                self._counted[key] = count
                while len(self._counted) > self._kept:
                    del self._counted[next(iter(self._counted))]
                self.changed = True
                yield message, count - counted

    def forget_all(self) -> None:
        """A new live: nothing of the last one's streaks carries over."""
        self._open.clear()
        if self._counted:
            self._counted.clear()
            self.changed = True

    def remembered(self) -> list[list[int]]:
        """What was counted before its end, for the memory file: [viewer, gift, group, count] each."""
        return [[*key, count] for key, count in self._counted.items()]

    def recall(self, items: Iterable[Iterable[int]]) -> None:
        """Read back `remembered()` after a restart (into the live it belongs to)."""
        for viewer, gift, group, count in items:
            self._counted[(int(viewer), int(gift), int(group))] = int(count)

    def _forget(self, key: Key) -> None:
        del self._counted[key]
        self.changed = True
