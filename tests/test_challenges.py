"""The challenge engine and the goal controls, driven with events and a clock the test controls (`now`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from overlay.config import ConfigError, parse_config
from overlay.engine import Engine
from overlay.engine.challenges import RESULT_SECONDS, Challenges
from overlay.events import (
    AddLikes,
    ChallengeCancel,
    ChallengeStart,
    Event,
    GoalNext,
    GoalPrevious,
    GoalReset,
    Like,
    LiveEnded,
    LiveStarted,
    SetProgress,
    User,
    event_from_dict,
)
from tests.conftest import make_config

BOOM = {"id": "boom", "text": "1 000 likes en 60 secondes !", "target": 1000, "duration": 60, "hotkey": "1"}
PROMPT = {"id": "prompt", "text": "Faites exploser le compteur !", "duration": 30, "hotkey": "2"}
OPEN = {"id": "open", "text": "Jusqu'à 500 !", "target": 500, "hotkey": "3"}


def engine(*, basis: str = "total", rules: list[dict[str, Any]] | None = None, every: int | None = 10000) -> Engine:
    config = make_config(
        goals={
            "basis": basis,
            "celebrate_seconds": 2,
            "steps": [
                {"id": "warmup", "label": "1 000 likes", "target": 1000},
                {"id": "main", "label": "10 000 likes", "target": 10000},
            ],
            "then": {"every": every},
        },
        challenges=[BOOM, PROMPT, OPEN],
        rhythm_rules=rules or [],
    )
    return Engine(config, "test", now=0.0)


def like(count: int, total: int | None = None) -> Like:
    return Like(count=count, total=total, user=User(id="u", nickname="Léa"))


def challenge(e: Engine, now: float) -> dict[str, Any] | None:
    return e.snapshot(now)["challenge"]


def run(e: Engine, *timed: tuple[float, Event]) -> None:
    for now, event in timed:
        e.apply(event, now)


# -- challenges -----------------------------------------------------------------------------


def test_no_challenge_on_screen_at_first() -> None:
    assert challenge(engine(), 0.0) is None


def test_progress_counts_only_likes_received_during_the_challenge() -> None:
    e = engine()
    run(e, (1.0, like(15, total=5000)), (2.0, ChallengeStart("boom")), (3.0, like(10, total=5010)))
    assert challenge(e, 3.0) == {
        "id": "boom",
        "text": "1 000 likes en 60 secondes !",
        "text_by_locale": None,  # a plain text: the same in every language
        "target": 1000,
        "progress": 10,
        "ends_in": 59.0,
        "elapsed": 1.0,
        "status": "running",
        "leaves_in": 59.0 + RESULT_SECONDS,  # its countdown, then its result
    }


def test_progress_follows_the_room_total_so_replayed_likes_do_not_count_twice() -> None:
    e = engine()
    run(e, (0.0, like(1, total=100)), (1.0, ChallengeStart("boom")), (2.0, like(15, total=115)))
    run(e, (3.0, like(15, total=115)), (4.0, like(5, total=110)))  # replay after a reconnect; a stale total
    assert challenge(e, 4.0)["progress"] == 15  # type: ignore[index]


def test_reaching_the_target_succeeds_at_once_then_the_result_leaves() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (10.0, like(600)), (20.0, like(400)))
    shown = challenge(e, 20.0)
    assert shown is not None
    assert (shown["status"], shown["progress"], shown["ends_in"]) == ("succeeded", 1000, 0.0)
    e.apply(like(50), 21.0)  # likes after success do not change the result
    assert challenge(e, 21.0)["progress"] == 1000  # type: ignore[index]
    assert challenge(e, 21.0)["leaves_in"] == RESULT_SECONDS - 1.0  # type: ignore[index]
    e.tick(20.0 + RESULT_SECONDS - 0.1)
    assert challenge(e, 20.0 + RESULT_SECONDS - 0.1) is not None
    e.tick(20.0 + RESULT_SECONDS)
    assert challenge(e, 20.0 + RESULT_SECONDS) is None


def test_a_challenge_without_duration_has_no_time_to_leave_while_it_runs() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("open")))  # a target, no duration: it runs until reached or cancelled
    assert challenge(e, 1.0)["leaves_in"] is None  # type: ignore[index]


def test_time_up_below_the_target_fails() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (30.0, like(999)))
    e.tick(59.9)
    assert challenge(e, 59.9)["status"] == "running"  # type: ignore[index]
    e.tick(60.0)
    assert challenge(e, 60.0) == {**challenge(e, 60.0), "status": "failed", "progress": 999, "ends_in": 0.0}  # type: ignore[dict-item]
    e.tick(60.0 + RESULT_SECONDS)
    assert challenge(e, 60.0 + RESULT_SECONDS) is None


def test_likes_arriving_after_the_deadline_do_not_count_even_before_the_tick() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (10.0, like(900)), (61.0, like(500)))
    assert challenge(e, 61.0)["status"] == "failed"  # type: ignore[index]
    assert challenge(e, 61.0)["progress"] == 900  # type: ignore[index]


def test_the_result_stays_for_its_time_counted_from_the_deadline() -> None:
    e = engine()
    e.apply(ChallengeStart("boom"), 0.0)
    e.tick(60.0 + RESULT_SECONDS + 1)  # the server was busy: one late tick ends and clears it
    assert challenge(e, 60.0 + RESULT_SECONDS + 1) is None


def test_a_prompt_without_target_succeeds_when_its_time_is_up() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("prompt")), (5.0, like(42)))
    assert challenge(e, 5.0)["target"] is None  # type: ignore[index]
    e.tick(30.0)
    assert challenge(e, 30.0)["status"] == "succeeded"  # type: ignore[index]
    assert challenge(e, 30.0)["progress"] == 42  # type: ignore[index]


def test_without_duration_it_runs_until_the_target_and_has_no_countdown() -> None:
    e = engine()
    e.apply(ChallengeStart("open"), 0.0)
    e.tick(10_000.0)
    assert challenge(e, 10_000.0)["ends_in"] is None  # type: ignore[index]
    assert challenge(e, 10_000.0)["status"] == "running"  # type: ignore[index]
    e.apply(like(500), 10_001.0)
    assert challenge(e, 10_001.0)["status"] == "succeeded"  # type: ignore[index]


def test_a_new_challenge_replaces_the_running_one_and_starts_from_zero() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (1.0, like(300)), (2.0, ChallengeStart("open")))
    shown = challenge(e, 2.0)
    assert shown is not None
    assert (shown["id"], shown["progress"], shown["status"]) == ("open", 0, "running")


def test_starting_the_running_challenge_again_leaves_it_going_with_its_progress_and_countdown() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (10.0, like(300)), (20.0, ChallengeStart("boom")))
    shown = challenge(e, 20.0)
    assert shown is not None
    assert (shown["progress"], shown["ends_in"], shown["elapsed"]) == (300, 40.0, 20.0)
    assert [started[0] for started in e.challenges.started] == ["boom"]  # the history saw one challenge


def test_a_challenge_showing_its_result_or_out_of_time_starts_again_from_zero() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("open")), (1.0, like(500)), (2.0, ChallengeStart("open")))  # won at 1 s
    assert (challenge(e, 2.0)["status"], challenge(e, 2.0)["progress"]) == ("running", 0)  # type: ignore[index]
    run(e, (3.0, ChallengeStart("boom")), (4.0, like(10)), (63.5, ChallengeStart("boom")))  # its 60 s were up
    assert (challenge(e, 63.5)["elapsed"], challenge(e, 63.5)["progress"]) == (0.0, 0)  # type: ignore[index]


def test_cancel_clears_the_screen_and_unknown_ids_change_nothing() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (1.0, ChallengeStart("nope")))
    assert challenge(e, 1.0)["id"] == "boom"  # type: ignore[index]
    e.apply(ChallengeCancel(), 2.0)
    assert challenge(e, 2.0) is None
    e.apply(ChallengeCancel(), 3.0)  # nothing to cancel: harmless
    assert challenge(e, 3.0) is None


def test_hand_added_likes_count_toward_the_running_challenge() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (1.0, AddLikes(1000)))
    assert challenge(e, 1.0)["status"] == "succeeded"  # type: ignore[index]


def test_a_running_countdown_is_reported_on_every_tick() -> None:
    """The hub rebuilds a frame only when the version moves: a running countdown must move it."""
    e = engine()
    e.apply(ChallengeStart("boom"), 0.0)
    before = e.version
    e.tick(0.25)
    assert e.version > before
    e.apply(ChallengeCancel(), 1.0)
    e.tick(1.25)  # settle the rate window and rankings
    settled = e.version
    e.tick(1.5)
    assert e.version == settled


def test_a_new_live_clears_the_challenge() -> None:
    e = engine()
    run(e, (0.0, LiveStarted(room_id="1")), (1.0, ChallengeStart("boom")), (2.0, LiveStarted(room_id="2")))
    assert challenge(e, 2.0) is None


# -- rhythm rules ---------------------------------------------------------------------------

RULE = {"challenge": "prompt", "below_per_minute": 100, "for_seconds": 10, "cooldown_seconds": 120}


def tick_until(e: Engine, start: float, end: float, step: float = 1.0) -> float | None:
    """Tick once a `step` from `start` to `end`; the time a challenge appeared, or None."""
    now = start
    while now <= end:
        e.tick(now)
        if challenge(e, now) is not None:
            return now
        now += step
    return None


def test_a_rule_waits_for_the_rate_to_rise_before_watching_for_a_drop() -> None:
    e = engine(rules=[RULE])
    assert tick_until(e, 0.0, 300.0) is None  # a live with no likes yet is warming up, not dropping


def test_each_start_logs_what_it_took_off_the_screen_for_the_history() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (1.0, like(10)), (5.0, ChallengeStart("open")))
    assert e.challenges.started[-1] == ("open", 5.0, False, ("running", 5.0, 10))  # replaced
    run(e, (6.0, ChallengeCancel()), (7.0, ChallengeStart("boom")))
    assert e.challenges.started[-1] == ("boom", 7.0, False, None)  # nothing on screen: the other was cancelled
    # Its 60 s are up at 67 s; started over a hair later, before any tick: it had failed, not been replaced.
    run(e, (67.01, ChallengeStart("prompt")))
    assert e.challenges.started[-1] == ("prompt", 67.01, False, ("failed", 67.0, 0))


def test_a_prolonged_drop_starts_the_challenge_by_itself() -> None:
    e = engine(rules=[RULE])
    e.apply(like(150), 1.0)  # 150 likes/min until they leave the one-minute window
    assert tick_until(e, 1.0, 60.0) is None
    started = tick_until(e, 61.0, 200.0)
    assert started == 71.0  # below 100/min from 61 s, for 10 s
    assert challenge(e, 71.0)["id"] == "prompt"  # type: ignore[index]
    assert e.challenges.started == [("prompt", 71.0, True, None)]  # (nothing was on screen before it)


def test_a_press_on_the_challenge_a_rule_started_leaves_it_going() -> None:
    e = engine(rules=[RULE])
    e.apply(like(150), 1.0)
    assert tick_until(e, 1.0, 200.0) == 71.0
    run(e, (75.0, like(42)), (80.0, ChallengeStart("prompt")))  # the creator saw the lull too, a little later
    shown = challenge(e, 80.0)
    assert shown is not None
    assert (shown["id"], shown["progress"], shown["elapsed"]) == ("prompt", 42, 9.0)
    assert e.challenges.started == [("prompt", 71.0, True, None)]


def test_a_short_dip_does_not_fire() -> None:
    e = engine(rules=[RULE])
    e.apply(like(150), 1.0)
    tick_until(e, 1.0, 65.0)  # below since 61 s...
    e.apply(like(150), 66.0)  # ...back up after 5 s
    assert tick_until(e, 66.0, 125.0) is None


def prompted_once(e: Engine) -> None:
    """The rate rises then drops: the rule starts the prompt at 71 s; it runs 30 s, its result leaves the screen."""
    e.apply(like(150), 1.0)
    assert tick_until(e, 1.0, 200.0) == 71.0
    for now in range(72, 101 + int(RESULT_SECONDS) + 1):
        e.tick(float(now))
    assert challenge(e, 101.0 + RESULT_SECONDS) is None


def test_the_cooldown_keeps_it_from_nagging() -> None:
    e = engine(rules=[RULE])
    prompted_once(e)
    # The rate stays low: the next start waits for the cooldown after the end (101 + 120 s).
    assert tick_until(e, 101.0 + RESULT_SECONDS + 1, 400.0) == 221.0


def test_a_manual_challenge_also_starts_the_cooldown() -> None:
    e = engine(rules=[RULE])
    e.apply(like(150), 1.0)
    tick_until(e, 1.0, 65.0)
    e.apply(ChallengeStart("boom"), 66.0)
    e.apply(ChallengeCancel(), 70.0)
    assert tick_until(e, 70.0, 400.0) == 190.0


def test_no_rule_fires_after_the_live_ended() -> None:
    e = engine(rules=[RULE])
    e.apply(like(150), 1.0)
    e.apply(LiveEnded(), 30.0)
    assert tick_until(e, 1.0, 300.0) is None


def test_the_challenges_part_alone_takes_the_rate_from_the_caller() -> None:
    config = make_config(challenges=[PROMPT], rhythm_rules=[{**RULE, "for_seconds": 5, "cooldown_seconds": 0}])
    part = Challenges(config.challenges, config.rhythm_rules, result_seconds=1)
    assert not part.tick(0.0, per_minute=500.0)
    assert not part.tick(1.0, per_minute=20.0)
    assert part.tick(6.0, per_minute=20.0)
    assert part.current is not None
    assert part.current.settings.id == "prompt"


# -- goal controls --------------------------------------------------------------------------


def goal(e: Engine, now: float = 0.0) -> dict[str, Any]:
    snapshot: dict[str, Any] = e.snapshot(now)["goal"]
    return snapshot


@pytest.mark.parametrize("basis", ["total", "session"])
def test_set_progress_shows_the_value_and_later_likes_add_to_it(basis: str) -> None:
    e = engine(basis=basis)
    run(e, (0.0, like(5, total=300)), (1.0, SetProgress(5000)))
    assert (goal(e)["progress"], goal(e)["id"], goal(e)["reached"]) == (5000, "main", False)  # no celebration
    e.apply(like(20, total=320), 2.0)
    assert goal(e)["progress"] == 5020
    likes = e.snapshot(2.0)["likes"]
    assert (likes["total"], likes["session"]) == (320, 25)  # the counters stay what was received


@pytest.mark.parametrize("basis", ["total", "session"])
def test_reset_goes_back_to_zero_and_the_first_goal(basis: str) -> None:
    e = engine(basis=basis)
    run(e, (0.0, like(5, total=3000)), (1.0, GoalReset()))
    assert (goal(e)["progress"], goal(e)["id"]) == (0, "warmup")
    e.apply(like(7, total=3007), 2.0)
    assert goal(e)["progress"] == 7
    assert e.snapshot(2.0)["likes"]["total"] == 3007


def test_add_likes_moves_the_goal_and_can_reach_it() -> None:
    e = engine()
    run(e, (0.0, like(5, total=990)), (1.0, AddLikes(10)))
    assert (goal(e)["progress"], goal(e)["reached"]) == (1000, True)
    assert e.snapshot(1.0)["likes"]["total"] == 990


def test_next_skips_a_goal_and_previous_undoes_it() -> None:
    e = engine()
    e.apply(like(5, total=400), 0.0)
    e.apply(GoalNext(), 1.0)
    assert (goal(e)["id"], goal(e)["reached"], goal(e)["progress"]) == ("main", False, 400)
    e.apply(like(700, total=1100), 2.0)  # the skipped goal's target passes without a celebration
    assert (goal(e)["id"], goal(e)["reached"]) == ("main", False)
    e.apply(GoalPrevious(), 3.0)
    assert (goal(e)["id"], goal(e)["reached"]) == ("warmup", True)  # already passed: shown reached
    e.tick(5.0)  # after celebrate_seconds the ladder moves on by itself
    assert goal(e)["id"] == "main"


def test_previous_stops_at_the_first_goal_and_next_at_the_last_when_there_is_no_after() -> None:
    e = engine(every=None)
    e.apply(GoalPrevious(), 0.0)
    assert goal(e)["id"] == "warmup"
    for now in (1.0, 2.0, 3.0):
        e.apply(GoalNext(), now)
    assert goal(e)["id"] == "main"


def test_next_past_the_steps_follows_the_then_every_goals() -> None:
    e = engine()
    e.apply(GoalNext(), 0.0)
    e.apply(GoalNext(), 1.0)
    assert (goal(e)["id"], goal(e)["target"]) == ("main+1", 20000)


def test_a_new_live_clears_the_goal_correction() -> None:
    e = engine()
    run(e, (0.0, LiveStarted(room_id="1", total=100)), (1.0, SetProgress(5000)))
    e.apply(LiveStarted(room_id="2", total=50), 2.0)
    assert goal(e)["progress"] == 50


# -- the events themselves and the config ---------------------------------------------------

CONTROL_EVENTS: list[Event] = [
    ChallengeStart("boom"),
    ChallengeCancel(),
    GoalNext(),
    GoalPrevious(),
    GoalReset(),
    SetProgress(5000),
    AddLikes(100),
]


@pytest.mark.parametrize("event", CONTROL_EVENTS, ids=lambda e: e.name)
def test_control_events_round_trip_through_recordings(event: Event) -> None:
    assert event_from_dict(event.to_dict()) == event


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"type": "set_progress", "value": -1}, "'value' must be a whole number"),
        ({"type": "set_progress", "value": "5000"}, "'value' must be a whole number"),
        ({"type": "add_likes", "count": 1.5}, "'count' must be a whole number"),
        ({"type": "challenge_start", "id": 3}, "'id' must be a string"),
        ({"type": "challenge_start"}, "bad 'challenge_start' event"),
    ],
)
def test_malformed_control_events_are_rejected(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        event_from_dict(data)


RULES_YAML = """\
challenges:
  - {id: boom, text: "Go !", target: 100, duration: 60, hotkey: "1"}
rhythm_rules:
  - challenge: boom
    below_per_minute: 50
  - challenge: nope
    below_per_minute: 50
"""


def test_a_rule_naming_an_unknown_challenge_is_an_error_with_its_line() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(RULES_YAML, "config.yaml")
    assert (
        str(error.value) == "config.yaml:6: rhythm_rules[1].challenge: no challenge with id 'nope' (challenges: boom)"
    )


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            'challenges:\n  - {id: a, text: x, hotkey: "1"}\n  - {id: b, text: y, hotkey: "1"}\n',
            "config.yaml:3: challenges[1].hotkey: '1' already starts challenge 'a'",
        ),
        (
            "challenges:\n  - {id: cancel, text: x}\n",
            "config.yaml:2: challenges[0].id: 'cancel' is the name of a built-in action",
        ),
        (
            "challenges:\n  - {id: a, text: x, hotkey: Escape}\n",
            "config.yaml:2: challenges[0].hotkey: Escape cancels the running challenge",
        ),
        (
            "rhythm_rules:\n  - {challenge: a, below_per_minute: 50, for_seconds: 0}\n",
            "config.yaml:2: rhythm_rules[0].for_seconds: must be more than 0",
        ),
    ],
)
def test_challenge_config_errors_name_the_line_and_key(yaml_text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(yaml_text, "config.yaml")
    assert str(error.value).startswith(message)


def test_rule_defaults() -> None:
    config = parse_config("challenges: [{id: a, text: x}]\nrhythm_rules: [{challenge: a, below_per_minute: 50}]\n")
    rule = config.rhythm_rules[0]
    assert (rule.for_seconds, rule.cooldown_seconds) == (60, 600)


# -- a restart mid-challenge (Engine.export, then restore in a new process) ---------------------


def restarted(e: Engine, now: float, *, away: float, later: float = 1000.0, **sections: Any) -> Engine:
    """A new engine continuing `e`'s live `away` seconds later, its clock at `later`, as the persister does it."""
    data = json.loads(json.dumps(e.export(now)))  # through the store's JSON, as on disk
    data["seconds"] += away
    fresh = engine(**sections)
    fresh.restore(data, later)
    return fresh


def test_a_restart_puts_the_running_challenge_back_with_its_time_left_and_progress() -> None:
    e = engine()
    run(e, (0.0, like(1, total=5000)), (10.0, ChallengeStart("boom")), (20.0, like(40, total=5040)))
    back = restarted(e, 25.0, away=5.0)
    shown = challenge(back, 1000.0)
    assert shown is not None
    assert (shown["id"], shown["status"], shown["progress"], shown["ends_in"]) == ("boom", "running", 40, 40.0)
    # The room total catches up (likes sent while the server was down): only the like that brought it counts.
    back.apply(like(1, total=5300), 1001.0)
    assert (back.total, challenge(back, 1001.0)["progress"]) == (5300, 41)  # type: ignore[index]
    back.apply(like(10, total=5310), 1002.0)
    assert challenge(back, 1002.0)["progress"] == 51  # type: ignore[index]
    back.apply(like(950, total=6260), 1003.0)
    assert challenge(back, 1003.0)["status"] == "succeeded"  # type: ignore[index]


def test_a_restart_after_the_deadline_ends_the_challenge_as_time_up_would() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("boom")), (20.0, like(400)))
    back = restarted(e, 25.0, away=37.0)  # the deadline (60 s) passed 2 s before the restart
    assert challenge(back, 1000.0) == {**challenge(back, 1000.0), "status": "failed", "progress": 400, "ends_in": 0.0}  # type: ignore[dict-item]
    assert back.challenges.current is not None
    assert back.challenges.current.ended_at == 1000.0 - 2.0
    back.apply(like(700), 1001.0)  # too late
    assert challenge(back, 1001.0)["progress"] == 400  # type: ignore[index]
    back.tick(1000.0 - 2.0 + RESULT_SECONDS)
    assert challenge(back, 1004.0) is None


def test_a_prompt_whose_time_ran_out_during_the_restart_succeeded() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("prompt")), (5.0, like(42)))
    back = restarted(e, 10.0, away=600.0)
    back.tick(1000.0)  # long over: it leaves the screen at the first tick
    assert challenge(back, 1000.0) is None
    assert back.challenges.last_end == 1000.0 - 600.0 + 20.0


def test_a_result_on_screen_stays_only_for_the_rest_of_its_time_and_other_states_come_back() -> None:
    e = engine()
    run(e, (0.0, ChallengeStart("open")), (3.0, like(500)))  # succeeded at 3 s
    back = restarted(e, 4.0, away=1.0)
    assert challenge(back, 1000.0)["status"] == "succeeded"  # type: ignore[index]
    back.tick(1000.0 + RESULT_SECONDS - 2.0)  # shown from 3 s to 3 + RESULT_SECONDS, the restart included
    assert challenge(back, 1000.0 + RESULT_SECONDS - 2.0) is None
    assert restarted(engine(), 0.0, away=1.0).challenges.current is None  # nothing on screen stays nothing


def test_a_challenge_no_longer_in_the_config_still_comes_back_with_its_own_settings() -> None:
    e = engine()
    run(e, (0.0, like(1, total=5000)), (0.0, ChallengeStart("boom")), (1.0, like(10, total=5010)))
    data = e.export(2.0)
    fresh = Engine(make_config(challenges=[PROMPT]), "test", now=0.0)
    fresh.restore(data, 50.0)
    assert challenge(fresh, 50.0) == {
        "id": "boom",
        "text": "1 000 likes en 60 secondes !",
        "text_by_locale": None,  # a plain text: the same in every language
        "target": 1000,
        "progress": 10,
        "ends_in": 58.0,
        "elapsed": 2.0,  # since it started, in the live's time: the same across the restart
        "status": "running",
        "leaves_in": 58.0 + RESULT_SECONDS,
    }
    # Saved by a version that wrote it otherwise: the live comes back, the challenge does not.
    unreadable = engine()
    unreadable.restore({**data, "challenge": {"settings": {"id": "boom"}, "started": "soon"}}, 50.0)
    assert (unreadable.total, challenge(unreadable, 50.0)) == (5010, None)


RAIN = {"id": "rain", "text": {"fr": "Pluie de likes !", "en": "Like rain!"}, "success_text": {"fr": "Merci !"}}


def test_a_challenge_with_a_text_per_language_shows_the_configs_and_switches_with_it() -> None:
    e = Engine(make_config(locale="en", challenges=[RAIN]), "test", now=0.0)
    run(e, (0.0, ChallengeStart("rain")))
    shown = challenge(e, 0.0)
    assert shown is not None
    assert shown["text"] == "Like rain!"
    assert shown["text_by_locale"] == {"fr": "Pluie de likes !", "en": "Like rain!"}  # for a widget's ?locale=
    e.reconfigure(e.config.model_copy(update={"locale": "fr"}), 1.0)  # `locale: fr` saved mid-challenge
    assert challenge(e, 1.0)["text"] == "Pluie de likes !"  # type: ignore[index]


def test_a_text_per_language_comes_back_whole_after_a_restart_even_without_its_config() -> None:
    e = Engine(make_config(locale="en", challenges=[RAIN]), "test", now=0.0)
    run(e, (0.0, like(1, total=5000)), (0.0, ChallengeStart("rain")))
    saved = json.loads(json.dumps(e.export(2.0)))  # as the store keeps it
    fresh = Engine(make_config(locale="fr", challenges=[PROMPT]), "test", now=0.0)
    fresh.restore(saved, 50.0)
    assert fresh.challenges.current is not None
    assert fresh.challenges.current.settings.text == RAIN["text"]
    assert fresh.challenges.current.settings.success_text == {"fr": "Merci !"}
    assert challenge(fresh, 50.0)["text"] == "Pluie de likes !"  # type: ignore[index]


def test_a_restart_keeps_the_cooldown_of_the_rhythm_rules() -> None:
    e = engine(rules=[RULE])
    prompted_once(e)  # it ended at 101 s
    back = restarted(e, 110.0, away=0.0, later=110.0, rules=[RULE])  # (same clock: the times read alike)
    assert tick_until(back, 110.0, 400.0) == 221.0  # the cooldown after the end, as without the restart


def test_a_restart_during_a_lull_still_lets_the_rule_fire() -> None:
    e = engine(rules=[RULE])
    e.apply(like(150), 1.0)
    assert tick_until(e, 1.0, 65.0) is None  # below 100/min since 61 s
    back = restarted(e, 65.0, away=0.0, later=65.0, rules=[RULE])
    assert tick_until(back, 65.0, 200.0) == 71.0
