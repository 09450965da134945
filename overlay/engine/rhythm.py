"""Engine: the like rhythm, likes received in a sliding window (likes per minute)."""

from __future__ import annotations

from collections import deque


class RateWindow:
    """Counts added in the last `window` seconds, kept in one-second buckets.

    The buckets are whole seconds counted from `origin` (the live's start), so that the history's
    second k holds the likes of the live's own second k, not those of a clock second that began up to
    a second before it. `add` is O(1) on the hot path; old buckets are dropped lazily, so `value` is
    right even when no like arrives for a while.
    """

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self.origin = 0.0
        self._buckets: deque[list[float]] = deque()  # [seconds since origin, whole; count]
        self._sum = 0.0

    def add(self, count: float, now: float) -> None:
        second = (now - self.origin) // 1.0
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += count
        else:
            self._buckets.append([second, count])
        self._sum += count

    def value(self, now: float) -> float:
        """Sum of counts whose second lies within the last `window` seconds."""
        horizon = (now - self.origin) // 1.0 - self.window
        buckets = self._buckets
        while buckets and buckets[0][0] <= horizon:
            self._sum -= buckets.popleft()[1]
        if not buckets:
            self._sum = 0.0  # drop float drift once the window is empty
        return self._sum

    def buckets(self) -> list[tuple[float, float]]:
        """(start, count) of every bucket still kept, oldest first (the window's raw data, for persistence);
        `start` is on the clock `add` was given."""
        origin = self.origin
        return [(origin + second, count) for second, count in self._buckets]

    def clear(self, origin: float) -> None:
        """Empty the window; its buckets now count whole seconds from `origin`."""
        self.origin = origin
        self._buckets.clear()
        self._sum = 0.0
