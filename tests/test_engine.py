"""The engine: totals, goals that advance by themselves, the per-minute rhythm. Pure code, time passed in."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from overlay.engine import Engine
from overlay.events import Like, LiveStarted, SourceStatus, User
from tests.conftest import make_config


def engine(**sections: Any) -> Engine:
    return Engine(make_config(**sections), "test", now=0.0)


def like(count: int, total: int | None = None, who: str = "v1") -> Like:
    return Like(count=count, total=total, user=User(id=who, nickname=who.upper()))


def test_likes_without_room_total_add_up() -> None:
    e = engine()
    e.apply(like(5), 1.0)
    e.apply(like(3), 1.5)
    likes = e.snapshot(2.0)["likes"]
    assert (likes["total"], likes["session"]) == (8, 8)


def test_the_room_total_is_authoritative_and_never_goes_down() -> None:
    e = engine()
    e.apply(like(5, total=1000), 1.0)
    e.apply(like(5, total=990), 1.1)  # a stale total from a lagging message
    assert e.total == 1000
    e.apply(like(5, total=1200), 1.2)  # TikTok skipped batches: the total jumps
    assert e.total == 1200
    assert e.session == 15


def test_a_restart_mid_live_shows_the_right_goal_without_celebrating() -> None:
    e = engine()
    e.apply(like(2, total=15_000), 10.0)
    goal = e.snapshot(10.0)["goal"]
    assert (goal["id"], goal["target"], goal["reached"], goal["step"]) == ("main+1", 20_000, False, 3)
    assert goal["label"] == "20\u202f000 likes ensemble !"
    assert e.goals.reached_log == []


def test_the_first_total_is_a_baseline_not_a_burst_of_likes_per_minute() -> None:
    e = engine()
    e.apply(like(4, total=50_000), 1.0)
    assert e.snapshot(1.0)["likes"]["per_minute"] == 4


def test_reaching_a_goal_celebrates_then_advances_by_itself() -> None:
    e = engine()  # celebrate_seconds: 0.2
    e.apply(like(999), 1.0)
    assert e.snapshot(1.0)["goal"]["reached"] is False
    e.apply(like(1), 2.0)
    goal = e.snapshot(2.0)["goal"]
    assert (goal["id"], goal["reached"], goal["progress"]) == ("warmup", True, 1000)
    e.tick(2.1)
    assert e.snapshot(2.1)["goal"]["id"] == "warmup"
    e.tick(2.25)
    goal = e.snapshot(2.25)["goal"]
    assert (goal["id"], goal["reached"], goal["step"], goal["target"]) == ("main", False, 2, 10_000)


def test_overflow_carries_into_the_next_goal() -> None:
    e = engine()
    e.apply(like(990), 1.0)
    e.apply(like(15), 1.1)
    e.tick(5.0)
    goal = e.snapshot(5.0)["goal"]
    assert (goal["id"], goal["progress"]) == ("main", 1005)


def test_a_jump_over_several_goals_lands_on_the_first_one_above() -> None:
    e = engine()
    e.apply(like(1, total=1), 0.5)
    e.apply(like(1, total=25_000), 1.0)
    e.tick(5.0)
    assert e.snapshot(5.0)["goal"]["target"] == 30_000
    assert [goal_id for goal_id, _, _ in e.goals.reached_log] == ["warmup"]


def test_after_the_last_step_goals_keep_going_by_the_configured_step() -> None:
    e = engine()
    e.apply(like(10_000), 1.0)
    e.tick(2.0)
    goal = e.snapshot(2.0)["goal"]
    assert (goal["target"], goal["step"], goal["steps"]) == (20_000, 3, 2)


def test_without_then_the_last_goal_stays_reached() -> None:
    goals = {"celebrate_seconds": 0, "steps": [{"id": "only", "label": "Go", "target": 100}], "then": {"every": None}}
    e = engine(goals=goals)
    e.apply(like(150), 1.0)
    e.tick(9.0)
    goal = e.snapshot(9.0)["goal"]
    assert (goal["id"], goal["reached"], goal["progress"]) == ("only", True, 150)


def test_session_basis_counts_only_likes_received_here() -> None:
    goals = {"basis": "session", "steps": [{"id": "a", "label": "A", "target": 100}]}
    e = engine(goals=goals)
    e.apply(like(10, total=5_000), 1.0)
    goal = e.snapshot(1.0)["goal"]
    assert (goal["progress"], goal["id"]) == (10, "a")


def test_per_minute_counts_the_last_60_seconds_and_decays_without_likes() -> None:
    e = engine()
    e.apply(like(10), 0.5)
    e.apply(like(20), 30.0)
    assert e.snapshot(30.0)["likes"]["per_minute"] == 30
    assert e.snapshot(60.9)["likes"]["per_minute"] == 20
    assert e.snapshot(91.0)["likes"]["per_minute"] == 0


def test_tick_bumps_the_version_when_the_rhythm_changes_with_no_like() -> None:
    e = engine()
    e.apply(like(10), 0.5)
    e.tick(1.0)
    before = e.version
    e.tick(61.0)
    assert e.version > before


def test_a_new_room_starts_a_new_session_at_its_own_total() -> None:
    e = engine()
    e.apply(LiveStarted(room_id="r1"), 0.0)
    e.apply(like(5, total=8_000), 1.0)
    e.apply(LiveStarted(room_id="r2", total=0), 2.0)
    likes = e.snapshot(2.0)["likes"]
    assert (likes["total"], likes["session"]) == (0, 0)
    assert e.snapshot(2.0)["goal"]["id"] == "warmup"


def test_the_same_room_again_is_a_reconnect_not_a_new_live() -> None:
    e = engine()
    e.apply(LiveStarted(room_id="r1"), 0.0)
    e.apply(like(5, total=8_000), 1.0)
    e.apply(LiveStarted(room_id="r1"), 2.0)
    assert (e.total, e.session) == (8_000, 5)


def test_top_likers_rank_viewers_and_refresh_at_most_once_a_second() -> None:
    e = engine()
    e.apply(like(5, who="a"), 1.0)
    e.apply(like(9, who="b"), 1.0)
    e.tick(1.0)
    assert [(v["user"], v["count"]) for v in e.snapshot(1.0)["top_likers"]] == [("B", 9), ("A", 5)]
    e.apply(like(10, who="a"), 1.5)
    e.tick(1.5)
    assert e.snapshot(1.5)["top_likers"][0]["user"] == "B"
    e.tick(2.1)
    assert e.snapshot(2.1)["top_likers"][0] == {"user": "A", "avatar": "", "count": 15}


def test_source_status_is_in_the_state() -> None:
    e = engine()
    e.apply(SourceStatus("reconnecting", "reconnecting in 8 s (attempt 3)"), 1.0)
    assert e.snapshot(1.0)["source"] == {
        "kind": "test",
        "status": "reconnecting",
        "detail": "reconnecting in 8 s (attempt 3)",
    }


def test_animation_events_are_capped_keeping_the_newest() -> None:
    e = engine()
    for i in range(100):
        e.apply(like(1, who=f"v{i}"), 1.0)
    batch = e.take_events(10)
    assert [item["user"] for item in batch] == [f"V{i}" for i in range(90, 100)]
    assert e.take_events(10) == []


# -- properties ---------------------------------------------------------------------------

like_events = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=15),
        st.one_of(st.none(), st.integers(min_value=0, max_value=2_000_000)),
        st.floats(min_value=0.0, max_value=5.0),
    ),
    max_size=60,
)


@given(like_events)
def test_totals_never_go_down_and_progress_never_exceeds_what_was_received(events: list) -> None:
    e = engine()
    now, last_total, last_session, seen_max = 0.0, 0, 0, 0
    received_without_total = 0
    for count, total, dt in events:
        now += dt
        e.apply(like(count, total), now)
        e.tick(now)
        state = e.snapshot(now)
        likes, goal = state["likes"], state["goal"]
        assert likes["total"] >= last_total
        assert likes["session"] == last_session + count
        if total is None:
            received_without_total += count
        else:
            seen_max = max(seen_max, total)
        # Never more than the room said plus what arrived without a room total.
        assert likes["total"] <= seen_max + received_without_total
        assert goal["progress"] == likes["total"]
        if goal["reached"]:
            assert goal["progress"] >= goal["target"]
        assert likes["per_minute"] >= 0
        last_total, last_session = likes["total"], likes["session"]


@given(like_events)
def test_the_goal_step_never_goes_back(events: list) -> None:
    e = engine()
    now, step = 0.0, 1
    for count, total, dt in events:
        now += dt
        e.apply(like(count, total), now)
        e.tick(now)
        goal = e.snapshot(now)["goal"]
        assert goal["step"] >= step
        step = goal["step"]
        if not goal["reached"]:
            assert goal["progress"] < goal["target"]
