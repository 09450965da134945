"""Engine: the like rhythm, likes received in a sliding window (likes per minute)."""

from __future__ import annotations

from collections import deque


class RateWindow:
    """Counts added in the last `window` seconds, kept in one-second buckets.

    `add` is O(1) on the hot path; old buckets are dropped lazily, so `per_window`
    is right even when no like arrives for a while.
    """

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self._buckets: deque[list[float]] = deque()  # [second, count]
        self._sum = 0.0

    def add(self, count: float, now: float) -> None:
        second = float(int(now))
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += count
        else:
            self._buckets.append([second, count])
        self._sum += count

    def value(self, now: float) -> float:
        """Sum of counts whose second lies within the last `window` seconds."""
        horizon = int(now) - self.window
        buckets = self._buckets
        while buckets and buckets[0][0] <= horizon:
            self._sum -= buckets.popleft()[1]
        if not buckets:
            self._sum = 0.0  # drop float drift once the window is empty
        return self._sum

    def buckets(self) -> list[tuple[float, float]]:
        """(second, count) of every bucket still kept, oldest first (the window's raw data, for persistence)."""
        return [(second, count) for second, count in self._buckets]

    def clear(self) -> None:
        self._buckets.clear()
        self._sum = 0.0
