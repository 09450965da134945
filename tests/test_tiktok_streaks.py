"""Gift streaks: each counted once, whatever TikTok loses or sends late."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from overlay.sources.tiktok_streaks import Streaks


def step(repeat: int, viewer: int = 14, gift: int = 5655, group: int = 77) -> Any:
    """A streak's message as the source gets it (a Slim view has these fields, as TikTokLive's event)."""
    return SimpleNamespace(user=SimpleNamespace(id=viewer), gift_id=gift, group_id=group, repeat_count=repeat)


def flushed(streaks: Streaks, older_than: float = math.inf) -> list[int]:
    return [count for _, count in streaks.due(older_than)]


def test_a_streak_with_its_end_is_counted_at_the_end() -> None:
    streaks = Streaks()
    for repeat, at in ((1, 0.0), (2, 1.0), (3, 2.0)):
        streaks.step(step(repeat), at)
    assert flushed(streaks, older_than=2.0) == []  # news at 2.0: not due
    assert streaks.end(step(3)) == 3
    assert not streaks
    assert flushed(streaks) == []


def test_a_streak_counted_without_its_end_then_going_on_adds_only_the_rest() -> None:
    streaks = Streaks()
    streaks.step(step(3), 0.0)
    assert flushed(streaks, older_than=10.0) == [3]
    streaks.step(step(5), 11.0)  # it went on after all (a late frame, or across a reconnect)
    assert flushed(streaks, older_than=30.0) == [2]
    assert streaks.end(step(6)) == 1  # and its end came: one more


def test_a_late_end_adds_nothing_when_nothing_was_added() -> None:
    streaks = Streaks()
    streaks.step(step(3), 0.0)
    assert flushed(streaks) == [3]
    assert streaks.end(step(3)) == 0


def test_a_new_streak_under_a_key_already_counted_is_counted_from_its_start() -> None:
    # A group id of 0 (or reused): the same viewer, gift and group, but a lower count is another streak.
    streaks = Streaks()
    streaks.step(step(3, group=0), 0.0)
    assert flushed(streaks) == [3]
    assert streaks.end(step(2, group=0)) == 2
    streaks.step(step(4, group=0), 0.0)
    assert flushed(streaks) == [4]
    streaks.step(step(1, group=0), 1.0)
    assert flushed(streaks) == [1]


def test_two_viewers_streaks_are_apart_and_the_oldest_news_goes_first() -> None:
    streaks = Streaks()
    streaks.step(step(1, viewer=1), 0.0)
    streaks.step(step(1, viewer=2), 1.0)
    streaks.step(step(2, viewer=1), 2.0)  # viewer 1 has newer news now
    assert [(m.user.id, n) for m, n in streaks.due(1.5)] == [(2, 1)]
    assert streaks.end(step(4, viewer=1)) == 4


def test_what_was_counted_before_its_end_survives_a_restart() -> None:
    before = Streaks()
    before.step(step(5), 0.0)
    assert flushed(before) == [5]
    assert before.changed
    after = Streaks()
    after.recall(before.remembered())
    assert after.end(step(8)) == 3


def test_a_new_live_forgets_the_last_one_s_streaks() -> None:
    streaks = Streaks()
    streaks.step(step(3), 0.0)
    assert flushed(streaks) == [3]
    streaks.step(step(1, viewer=2), 1.0)
    streaks.forget_all()
    assert not streaks
    assert streaks.end(step(3)) == 3


def test_what_is_remembered_is_bounded() -> None:
    streaks = Streaks(kept=3)
    for viewer in range(5):
        streaks.step(step(2, viewer=viewer), float(viewer))
    assert len(flushed(streaks)) == 5
    assert [item[0] for item in streaks.remembered()] == [2, 3, 4]


@given(
    counts=st.lists(st.integers(1, 50), min_size=1, max_size=30).map(sorted),
    flush_after=st.sets(st.integers(0, 29)),
    ends=st.booleans(),
)
def test_a_streak_counts_its_final_number_once_whatever_is_lost(
    counts: list[int], flush_after: set[int], ends: bool
) -> None:
    """Steps arrive in order; the streak is counted as it stands at any moments; the end may never come."""
    streaks = Streaks()
    total = 0
    for i, count in enumerate(counts):
        streaks.step(step(count), float(i))
        if i in flush_after:
            total += sum(flushed(streaks))
    total += streaks.end(step(counts[-1])) if ends else sum(flushed(streaks))
    assert total == counts[-1]
