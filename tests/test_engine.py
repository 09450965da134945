"""The engine: totals, goals that advance by themselves, the per-minute rhythm. Pure code, time passed in."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from overlay.engine import Engine
from overlay.engine.state import LIKERS_KEPT, MAX_LIKERS
from overlay.events import (
    AddLikes,
    ChallengeStart,
    Follow,
    Gift,
    GoalPrevious,
    Like,
    LiveEnded,
    LiveStarted,
    NewLive,
    SetProgress,
    SourceStatus,
    User,
)
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
    assert goal["label"] == "20\u202f000 likes ensemble\u202f!"
    assert e.goals.reached_log == []


def test_a_restart_finds_its_goal_by_id_in_a_ladder_edited_while_stopped() -> None:
    steps = [
        {"id": "warmup", "label": "Échauffement", "target": 1000},
        {"id": "main", "label": "Objectif", "target": 5000},
    ]
    before = Engine(make_config(goals={"steps": steps}), "tiktok", now=0)
    before.apply(like(1, total=3939), 10.0)
    assert before.snapshot(10.0)["goal"]["id"] == "main"
    saved = json.loads(json.dumps(before.export(10.0)))

    first = {"id": "hello", "label": "Bonjour", "target": 500}  # added at the top while the server was stopped
    after = Engine(make_config(goals={"steps": [first, *steps]}), "tiktok", now=100)
    after.restore(saved, 100.0)
    after.tick(100.5)
    goal = after.snapshot(100.5)["goal"]
    assert (goal["id"], goal["step"], goal["reached"]) == ("main", 3, False)  # not "warmup" again, celebrated
    assert after.goals.reached_log == before.goals.reached_log == []


def test_after_a_restart_the_top_likers_are_in_the_very_first_state() -> None:
    e = engine()
    e.apply(like(7, who="lea"), 1.0)
    e.tick(2.0)
    later = engine()
    later.restore(e.export(3.0), 50.0)
    assert later.snapshot(50.0)["top_likers"] == [{"user": "LEA", "avatar": "", "count": 7}]


def test_the_wait_before_the_sources_next_try_counts_down_on_the_pages() -> None:
    e = engine()
    e.apply(SourceStatus("error", "", key="source_error", params={"reason": "tiktok_network", "wait": 120}), 10.0)
    detail = e.snapshot(10.0)["source"]["detail_by_locale"]
    assert detail["fr"].endswith("nouvel essai dans 2 min")
    e.tick(12.5)
    version = e.version
    assert e.snapshot(12.5)["source"]["detail"].endswith("nouvel essai dans 1 min 58 s")
    assert e.snapshot(12.5)["source"]["detail_by_locale"]["en"].endswith("retrying in 1 min 58 s")
    e.tick(12.9)  # the same second: no new frame
    assert e.version == version
    e.tick(129.5)
    assert e.snapshot(129.5)["source"]["detail"].endswith("nouvel essai dans 1 s")
    e.tick(130.2)  # due, and the try under way (seconds when the network is slow): not "in 1 s" all that time
    assert e.snapshot(130.2)["source"]["detail"].endswith("PC)\u202f; nouvel essai en cours")
    assert e.snapshot(500.0)["source"]["detail_by_locale"]["en"].endswith("; retrying now")


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


def test_a_jump_over_several_goals_celebrates_the_last_one_passed_then_lands_on_the_first_one_above() -> None:
    e = engine()
    e.apply(like(1, total=1), 0.5)
    e.apply(like(1, total=25_000), 1.0)
    goal = e.snapshot(1.0)["goal"]
    assert (goal["target"], goal["reached"]) == (20_000, True)  # "25 000 / 20 000", not "25 000 / 1 000"
    # The configured steps passed are in the history, with the goal celebrated.
    assert [goal_id for goal_id, _, _ in e.goals.reached_log] == ["warmup", "main", "main+1"]
    e.tick(5.0)
    assert e.snapshot(5.0)["goal"]["target"] == 30_000


def test_a_jump_far_past_the_steps_records_only_the_last_goal_after_them() -> None:
    e = engine()
    e.apply(like(1, total=1), 0.5)  # (the first total is a baseline: a live joined late does not celebrate)
    e.apply(like(1, total=10**9), 1.0)  # 100,000 goals of 10 000 after the steps: not one each
    assert [goal_id for goal_id, _, _ in e.goals.reached_log] == ["warmup", "main", "main+99999"]


def test_a_jump_during_a_celebration_is_celebrated_after_it_not_skipped() -> None:
    steps = [{"id": "a", "label": "A", "target": 1000}, {"id": "b", "label": "B", "target": 5000}]
    e = engine(goals={"steps": [*steps, {"id": "c", "label": "C", "target": 10_000}], "then": {"every": 10_000}})
    e.apply(like(1000), 1.0)  # A, celebrating for 4 s...
    e.apply(like(11_000), 2.0)  # ...when 11 000 more come at once
    e.tick(5.5)
    goal = e.snapshot(5.5)["goal"]
    assert (goal["id"], goal["reached"]) == ("c", True)  # C celebrated in its turn
    assert [goal_id for goal_id, _, _ in e.goals.reached_log] == ["a", "b", "c"]
    e.tick(10.0)
    assert e.snapshot(10.0)["goal"]["target"] == 20_000


def test_a_huge_jump_with_goals_every_like_is_not_walked_goal_by_goal() -> None:
    e = engine(goals={"steps": [{"id": "a", "label": "A", "target": 1}], "then": {"every": 1}})
    e.apply(like(1), 0.5)
    e.tick(5.0)
    looked_up: list[int | None] = []
    real_goal = e.goals.goal

    def goal(index: int | None = None) -> Any:
        looked_up.append(index)
        return real_goal(index)

    e.goals.goal = goal  # type: ignore[method-assign]
    e.apply(AddLikes(10**9), 6.0)  # the control API allows a billion
    assert len(looked_up) < 20  # the goal passed is computed, not reached by walking a billion goals
    assert [goal_id for goal_id, _, _ in e.goals.reached_log][-1] == "a+1000000000"


def test_previous_onto_a_goal_reached_does_not_celebrate_or_record_it_again() -> None:
    e = engine()
    e.apply(like(1200), 1.0)
    e.tick(6.0)  # warmup celebrated; main on screen
    e.apply(GoalPrevious(), 7.0)  # the creator shows the warmup again
    e.tick(12.0)
    assert [goal_id for goal_id, _, _ in e.goals.reached_log] == ["warmup"]
    goal = e.snapshot(12.0)["goal"]
    assert (goal["id"], goal["reached"]) == ("main", False)


def test_after_the_last_step_goals_keep_going_by_the_configured_step() -> None:
    e = engine()
    e.apply(like(10_000), 1.0)
    e.tick(2.0)
    goal = e.snapshot(2.0)["goal"]
    assert (goal["target"], goal["step"], goal["steps"]) == (20_000, 3, 2)


def test_a_built_in_goal_label_comes_in_every_language_and_safe_wording_softens_each() -> None:
    e = engine()
    e.apply(like(1, total=15_000), 0.0)
    goal = e.snapshot(0.0)["goal"]
    assert goal["label"] == "20\u202f000 likes ensemble\u202f!"
    assert goal["label_by_locale"] == {"fr": "20\u202f000 likes ensemble\u202f!", "en": "20,000 likes together!"}
    safe = Engine(make_config(safe_wording=True), "demo")
    safe.apply(like(1, total=15_000), 0.0)
    assert safe.snapshot(0.0)["goal"]["label_by_locale"] == {
        "fr": "20\u202f000 ❤ ensemble\u202f!",
        "en": "20,000 ❤ together!",
    }
    own = engine(
        goals={"steps": [{"id": "a", "label": "A", "target": 10}], "then": {"every": 10, "label": "Cap {target}"}}
    )
    own.apply(like(15), 0.0)
    own.tick(10.0)  # the reached goal has celebrated
    assert (own.snapshot(10.0)["goal"]["label"], own.snapshot(10.0)["goal"]["label_by_locale"]) == ("Cap 20", None)


TOGETHER = {"fr": "10 000 likes ensemble !", "en": "10,000 likes together!"}


def test_a_goal_label_per_language_shows_in_the_configs_language_and_comes_in_each() -> None:
    for locale in ("fr", "en"):
        e = Engine(make_config(locale=locale, goals={"steps": [{"id": "a", "label": TOGETHER, "target": 10}]}), "t")
        snapshot = e.snapshot(0.0)
        assert snapshot["goal"]["label"] == TOGETHER[locale]
        assert snapshot["goal"]["label_by_locale"] == TOGETHER  # for a widget opened with ?locale=
        assert (snapshot["goals"][0]["label"], snapshot["goals"][0]["label_by_locale"]) == (TOGETHER[locale], TOGETHER)


def test_a_then_label_per_language_fills_in_its_number_as_each_language_writes_it() -> None:
    e = engine(
        goals={
            "steps": [{"id": "a", "label": "A", "target": 10_000}],
            "then": {"every": 10_000, "label": {"fr": "Palier {target} !", "en": "Step {target}!"}},
        }
    )
    e.apply(like(1, total=15_000), 0.0)
    goal = e.snapshot(0.0)["goal"]
    assert goal["label"] == "Palier 20\u202f000 !"
    assert goal["label_by_locale"] == {"fr": "Palier 20\u202f000 !", "en": "Step 20,000!"}
    only_french = engine(
        goals={"steps": [{"id": "a", "label": "A", "target": 10}], "then": {"label": {"fr": "Palier"}}}
    )
    only_french.apply(like(1, total=15_000), 0.0)
    assert only_french.snapshot(0.0)["goal"]["label_by_locale"] == {"fr": "Palier", "en": "Palier"}


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


def test_a_new_session_by_hand_in_tiktoks_room_keeps_its_count_on_screen() -> None:
    e = engine()
    e.apply(LiveStarted(room_id="r1"), 0.0)
    e.apply(like(5, total=50_000), 1.0)
    e.tick(10.0)
    goal_before = e.snapshot(10.0)["goal"]["id"]
    e.apply(NewLive(), 11.0)  # the control's "new live": TikTok's room stays
    likes = e.snapshot(11.0)["likes"]
    assert (likes["total"], likes["session"]) == (50_000, 0)  # no drop to 0 on screen, then a jump back
    assert e.snapshot(11.0)["goal"]["id"] == goal_before
    e.apply(like(3, total=50_003), 12.0)
    likes = e.snapshot(12.0)["likes"]
    assert (likes["total"], likes["session"]) == (50_003, 3)


def test_a_new_live_of_the_demo_starts_its_count_again() -> None:
    e = engine()
    e.apply(like(5, total=8_000), 1.0)
    e.apply(NewLive(room_id="demo-2"), 2.0)
    assert (e.total, e.session, e.room_id) == (0, 0, "demo-2")


def test_a_live_opened_by_hand_then_started_above_its_goals_takes_the_total_as_a_baseline() -> None:
    # A replay again ("New live"): the recording's start, 7 500 likes, joins the live opened by hand. It celebrated
    # the goals below it at second 0, and recorded them as reached.
    e = engine()  # goals: 1 000, then 10 000
    e.apply(like(5, total=12_000), 1.0)
    e.apply(NewLive(room_id="replay-1-2"), 2.0)
    e.apply(LiveStarted(room_id="replay-1-2", total=7_500), 2.1)
    assert (e.total, e.session, e.goals.goal().target, e.goals.reached) == (7_500, 0, 10_000, False)
    assert e.goals.reached_log == []
    e.apply(like(5, total=7_505), 3.0)
    assert (e.total, e.session) == (7_505, 5)  # the next like is this live's first


def test_the_same_room_again_is_a_reconnect_not_a_new_live() -> None:
    e = engine()
    e.apply(LiveStarted(room_id="r1"), 0.0)
    e.apply(like(5, total=8_000), 1.0)
    e.apply(LiveStarted(room_id="r1"), 2.0)
    assert (e.total, e.session) == (8_000, 5)


def test_the_same_room_after_the_live_ended_goes_on_with_the_same_session() -> None:
    e = engine()
    e.apply(LiveStarted(room_id="r1"), 0.0)
    e.apply(like(5, total=8_000, who="a"), 1.0)
    e.apply(LiveEnded(), 2.0)
    e.apply(LiveStarted(room_id="r1"), 3.0)  # TikTok's room came back: the creator resumed the live
    e.apply(like(2, total=8_002, who="a"), 4.0)
    e.tick(4.0)
    state = e.snapshot(4.0)
    assert (state["likes"]["total"], state["likes"]["session"], state["live"]["ended"]) == (8_002, 7, False)
    assert state["top_likers"] == [{"user": "A", "avatar": "", "count": 7}]
    assert state["live"]["seconds"] == 4.0


def test_an_ended_live_lasts_until_its_end_while_the_server_waits_on_and_after_a_restart() -> None:
    e = engine()
    e.apply(LiveStarted(room_id="r1"), 10.0)
    e.apply(LiveEnded(), 70.0)
    e.apply(LiveEnded(), 80.0)  # said twice: the first end counts
    assert e.snapshot(500.0)["live"]["seconds"] == 60.0
    assert e.export(500.0)["seconds"] == 60.0
    later = engine()
    later.restore(e.export(500.0), 900.0)
    live = later.snapshot(1_000.0)["live"]
    assert (live["seconds"], live["ended"]) == (60.0, True)


def challenge_config() -> dict[str, Any]:
    return {"challenges": [{"id": "explose", "text": "Go", "target": 500, "duration": 60}]}


def test_likes_sent_while_the_server_was_down_move_the_total_not_the_rhythm_or_the_challenge() -> None:
    before = engine(**challenge_config())
    before.apply(LiveStarted(room_id="r1"), 0.0)
    before.apply(like(3, total=9_000), 1.0)
    e = engine(**challenge_config())
    e.restore(before.export(100.0), 0.0)  # down for a while; TikTok's total went on meanwhile
    e.apply(ChallengeStart("explose"), 1.0)
    e.apply(LiveStarted(room_id="r1"), 2.0)
    e.apply(like(2, total=14_000, who="b"), 2.5)
    state = e.snapshot(3.0)
    assert state["likes"]["total"] == 14_000
    assert state["likes"]["per_minute"] == 2  # the 2 hearts just sent (the 3 before are over a minute old)
    assert (state["challenge"]["progress"], state["challenge"]["status"]) == (2, "running")
    assert state["goal"]["progress"] == 14_000
    assert (state["goal"]["id"], state["goal"]["reached"]) == ("main", True)  # the goal follows, and celebrates
    e.apply(like(4, total=14_004), 4.0)  # from now on, the room total counts as usual
    assert e.snapshot(4.0)["challenge"]["progress"] == 6


def test_after_a_reconnect_the_first_total_is_a_baseline_even_after_a_stale_one() -> None:
    e = engine(**challenge_config())
    e.apply(LiveStarted(room_id="r1"), 0.0)
    e.apply(like(5, total=8_000), 1.0)
    e.apply(ChallengeStart("explose"), 1.5)
    e.apply(LiveStarted(room_id="r1"), 2.0)  # a reconnect after a long drop
    e.apply(like(4, total=7_990), 2.5)  # TikTok's total lags at first: never goes back
    assert e.total == 8_000
    e.apply(like(1, total=12_000), 3.0)  # then includes the likes sent while we were away
    assert e.total == 12_000
    state = e.snapshot(3.0)
    assert state["likes"]["per_minute"] == 5 + 4 + 1
    assert state["challenge"]["progress"] == 4 + 1
    assert state["goal"]["progress"] == 12_000
    e.apply(like(3, total=12_003), 3.5)
    assert e.snapshot(3.5)["likes"]["per_minute"] == 5 + 4 + 1 + 3


def test_a_huge_progress_resolves_to_the_right_goal_at_once() -> None:
    e = engine()  # 1 000, 10 000, then every 10 000
    e.apply(SetProgress(10**12), 1.0)
    goal = e.snapshot(1.0)["goal"]
    assert (goal["target"], goal["step"], goal["reached"]) == (10**12 + 10_000, 10**8 + 2, False)
    e.apply(SetProgress(10**12 - 1), 1.0)
    assert e.snapshot(1.0)["goal"]["target"] == 10**12
    last = engine(goals={"steps": [{"id": "a", "label": "A", "target": 1000}], "then": {"every": None}})
    last.apply(SetProgress(10**12), 1.0)
    goal = last.snapshot(1.0)["goal"]
    assert (goal["id"], goal["reached"]) == ("a", True)


def test_the_likers_kept_are_bounded_and_the_top_stays_right() -> None:
    e = engine()
    e.apply(like(15, who="fan"), 0.0)
    e.apply(like(12, who="early"), 0.0)
    for i in range(3 * MAX_LIKERS):  # a huge live: viewers who like once
        e.apply(like(1 + i % 3, who=f"v{i}"), 1.0)
        if i == MAX_LIKERS:
            e.apply(like(20, who="late"), 1.0)
        assert len(e.likers) <= MAX_LIKERS
    assert len(e.likers) >= LIKERS_KEPT
    e.apply(like(15, who="late"), 2.0)
    e.apply(like(1, who="fan"), 2.0)
    e.tick(2.0)
    top = [(v["user"], v["count"]) for v in e.snapshot(2.0)["top_likers"]]
    assert top[:3] == [("LATE", 35), ("FAN", 16), ("EARLY", 12)]
    assert [count for _, count in top[3:]] == [3] * 7


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


def test_a_viewer_who_renames_shows_the_new_name_and_a_message_with_only_the_total_lists_no_one() -> None:
    e = engine()
    e.apply(Like(count=5, user=User(id="42", nickname="Léa", avatar="https://p16.example/old.jpeg")), 1.0)
    e.apply(Like(count=0, total=900, user=User(id="7", nickname="Hugo")), 1.0)  # the room total, no hearts
    e.apply(Like(count=3, user=User(id="42", nickname="Léa ✨", avatar="https://p16.example/new.jpeg")), 1.5)
    e.tick(2.0)
    assert e.snapshot(2.0)["top_likers"] == [{"user": "Léa ✨", "avatar": "https://p16.example/new.jpeg", "count": 8}]


def test_source_status_is_in_the_state() -> None:
    e = engine()
    e.apply(SourceStatus("reconnecting", "reconnecting in 8 s (attempt 3)"), 1.0)  # no key: said as given
    assert e.snapshot(1.0)["source"] == {
        "kind": "test",
        "status": "reconnecting",
        "detail": "reconnecting in 8 s (attempt 3)",
        "detail_by_locale": {"fr": "reconnecting in 8 s (attempt 3)", "en": "reconnecting in 8 s (attempt 3)"},
    }


def test_animation_events_are_capped_keeping_the_newest() -> None:
    e = engine()
    for i in range(100):
        e.apply(like(1, who=f"v{i}"), 1.0)
    batch = e.take_events(10)
    assert [item["user"] for item in batch] == [f"V{i}" for i in range(90, 100)]
    assert e.take_events(10) == []


def test_a_storm_of_likes_never_crowds_out_a_follow_or_a_gift() -> None:
    e = engine()
    for i in range(30):
        e.apply(like(1, who=f"v{i}"), 1.0)
    e.apply(Gift(gift="Lion", count=1, diamonds=29999, user=User(id="g", nickname="Zoé")), 1.0)
    e.apply(Follow(user=User(id="f", nickname="Hugo")), 1.0)
    for i in range(30, 75):
        e.apply(like(1, who=f"v{i}"), 1.0)
    batch = e.take_events(40)
    assert [(item["type"], item["user"]) for item in batch[:2]] == [("gift", "Zoé"), ("follow", "Hugo")]
    assert [item["user"] for item in batch[2:]] == [f"V{i}" for i in range(35, 75)]  # the newest 40 likes


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


def test_the_saved_state_remembers_the_latest_goals_only_and_a_restart_celebrates_none_again() -> None:
    # It saved every goal of the live: tens of KB written twice a second after hours of a busy live.
    e = engine(
        goals={"celebrate_seconds": 0, "steps": [{"id": "a", "label": "A", "target": 10}], "then": {"every": 10}}
    )
    for second in range(1, 301):
        e.apply(like(10), float(second))  # a goal reached every second
    assert len(e.goals.reached_log) == 300
    saved = json.loads(json.dumps(e.export(400.0)))
    assert [goal_id for goal_id, _, _ in saved["goal"]["log"]] == ["a"] + [f"a+{n}" for n in range(250, 300)]
    later = engine(
        goals={"celebrate_seconds": 0, "steps": [{"id": "a", "label": "A", "target": 10}], "then": {"every": 10}}
    )
    later.restore(saved, 500.0)
    assert later.snapshot(500.0)["goal"]["id"] == "a+300"
    later.apply(GoalPrevious(), 501.0)  # back onto the last goal reached: shown, not celebrated or recorded again
    later.apply(like(1), 502.0)
    later.tick(503.0)
    assert len(later.goals.reached_log) == 51
    goal = later.snapshot(503.0)["goal"]
    assert (goal["id"], goal["reached"]) == ("a+300", False)
