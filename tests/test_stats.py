"""The stats: analysis of a like timeline (pure), and the `/stats` pages and exports of a recorded live."""

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import logging
import random
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from overlay.bus import Bus
from overlay.config import Config
from overlay.engine import Engine
from overlay.events import ChallengeStart, Event, Like, LiveEnded, LiveStarted, NewLive, User
from overlay.persist import Persister
from overlay.sources.demo import DemoSource
from overlay.stats import (
    CHART_BARS,
    Lull,
    Outage,
    analyse,
    buckets,
    challenge_at,
    goal_at,
    longest_lull,
    peak_per_minute,
    shown_at,
    top_moments,
)
from overlay.store import FILENAME, LiveRecord, Store
from overlay.web import create_app
from overlay.web import stats as web_stats
from overlay.web.app import make_runner
from overlay.web.keys import BUS, CONTROL_TOKEN, ENGINE, PERSISTER
from overlay.web.stats import AGAIN_SECONDS, LABELS, chart
from tests.conftest import DrivenSource, ServerThread, http_url, make_config, watched_server

# -- analysis --------------------------------------------------------------------------------


def test_buckets_cover_the_whole_live_in_10_second_steps() -> None:
    assert buckets([(0, 1), (9, 2), (10, 5), (35, 1)], seconds=50) == [3, 5, 0, 1, 0]
    assert buckets([], seconds=0) == [0]


def test_peak_per_minute_is_the_best_60_seconds_anywhere() -> None:
    timeline = [(0, 10), (59, 10), (60, 100), (100, 50), (119, 1), (120, 7)]
    # Seconds 59..118 hold 10 + 100 + 50; 0..59 only 20, 60..119 only 151.
    assert peak_per_minute(timeline) == 160
    assert peak_per_minute([]) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.integers(0, 600), st.integers(0, 500), max_size=80),
)
def test_peak_per_minute_agrees_with_the_store_list(tmp_path_factory: pytest.TempPathFactory, seconds: dict) -> None:
    """The list of lives (SQL window) and the live's page (Python) show the same peak."""
    store = Store(tmp_path_factory.mktemp("peak") / FILENAME).open()
    store.write([LiveRecord(id=1, room_id="r", source="test", started_at=1, likes=seconds, totals=seconds)], 1)
    assert store.lives()[0]["peak_per_minute"] == peak_per_minute(seconds.items())
    store.close()


def test_top_moments_are_big_apart_and_best_first() -> None:
    counts = [10] * 60
    counts[12] = 400  # 120 s
    counts[13] = 390  # the same burst, 10 s later: not a second moment
    counts[30] = 300  # 300 s
    counts[45] = 250  # 450 s
    moments = top_moments(counts, count=5)
    assert [(start, likes) for start, likes, _ in moments] == [(120, 400), (300, 300), (450, 250)]
    assert moments[0][2] == pytest.approx(400 / (sum(counts) / len(counts)))


def test_a_flat_or_empty_live_has_no_moments() -> None:
    assert top_moments([10] * 30) == []
    assert top_moments([0] * 30) == []
    assert top_moments([]) == []


def test_the_longest_lull_is_the_longest_run_well_below_average() -> None:
    counts = [50, 50, 0, 0, 50, 2, 1, 0, 50, 50]
    lull = longest_lull(counts)
    assert lull is not None
    assert (lull.start, lull.seconds) == (50, 30)
    assert longest_lull([0, 0]) is None


def test_what_was_running_at_a_moment() -> None:
    goals = [{"second": 50.0}, {"second": 200.0}]
    assert [goal_at(s, goals) for s in (0, 50, 199, 200, 500)] == [0, 1, 1, 2, 2]
    challenges = [{"id": "a", "started": 100.0, "ended": 160.0}, {"id": "b", "started": 300.0, "ended": None}]
    assert challenge_at(150, 160, challenges) == challenges[0]
    assert challenge_at(170, 180, challenges) is None
    assert challenge_at(1000, 1010, challenges) == challenges[1]  # still running
    assert challenge_at(160, 170, challenges) is None  # it ended as those 10 seconds began


def test_analyse_names_the_goal_step_and_challenge_of_each_moment() -> None:
    timeline = [(s, 5) for s in range(300)] + [(s, 200) for s in range(120, 130)]
    analysis = analyse(
        timeline,
        300,
        goals=[{"second": 60.0, "label": "A"}],
        challenges=[{"id": "x", "label": "Explose !", "started": 115.0, "ended": 135.0}],
        next_goals=["A", "B", "C"],
    )
    assert [(m.start, m.goal_step, m.goal, m.challenge) for m in analysis.moments] == [(120, 2, "B", "Explose !")]
    assert analysis.likes == 300 * 5 + 2000
    assert analysis.per_minute == pytest.approx(analysis.likes / 5)


def test_a_moment_names_the_goal_reached_in_it() -> None:
    # Two hours at 1 like/s in 30-second bars: the burst at 1:00:10 crossed the 10 000 goal, at 1:00:25.
    timeline = [(s, 1 + (50 if 3610 <= s < 3620 else 0)) for s in range(7200)]
    goals = [{"second": 900.0, "label": "1 000 likes"}, {"second": 3625.0, "label": "10 000 likes ensemble !"}]
    analysis = analyse(timeline, 7200, goals=goals, next_goals=["1 000 likes", "10 000 likes ensemble !", "C"])
    assert [(m.start, m.goal_step, m.reached) for m in analysis.moments] == [(3610, 2, "10 000 likes ensemble !")]
    assert analyse(timeline, 7200, goals=goals[:1]).moments[0].reached is None


def test_a_moment_names_the_goal_that_was_on_screen_not_one_counted_from_the_first() -> None:
    timeline = [(s, 5) for s in range(300)] + [(s, 200) for s in range(30, 40)] + [(s, 300) for s in range(200, 210)]
    shown = [  # joined with 7 688 likes: the bar was on the second goal, then a control moved it to the fourth
        {"second": 0.4, "step": 2, "label": "10 000 likes ensemble !"},
        {"second": 150.0, "step": 4, "label": "30 000 likes ensemble !"},
    ]
    analysis = analyse(timeline, 300, goals=[], next_goals=["1 000 likes ensemble !", "B", "C"], shown=shown)
    assert [(m.start, m.goal_step, m.goal) for m in analysis.moments] == [
        (200, 4, "30 000 likes ensemble !"),
        (30, 2, "10 000 likes ensemble !"),
    ]
    assert shown_at(0.0, shown) == shown[0]  # before the first record (made at the first save): that goal
    # A live recorded by an older version and continued by this one has records from the restart on only:
    # before them, the goal is counted from the goals reached, as it was.
    resumed = [{"second": 139.5, "step": 2, "label": "10 000 likes ensemble !"}]
    assert shown_at(30.0, resumed) is None
    moments = analyse(timeline, 300, goals=[{"second": 40.0}], next_goals=["1 000", "10 000"], shown=resumed).moments
    assert [(m.start, m.goal_step, m.goal) for m in moments] == [(200, 2, "10 000 likes ensemble !"), (30, 1, "1 000")]


def test_while_the_server_was_down_the_live_had_no_lull_it_had_an_outage() -> None:
    # 10 minutes at 20 likes/s, a real lull of 30 s at 400 s, and 71 s from 100 s with the server down.
    timeline = [(s, 1 if 400 <= s < 430 else 20) for s in range(600) if not 100 <= s < 171]
    analysis = analyse(timeline, 600, outages=[{"start": 100.4, "seconds": 71.0}])
    assert analysis.lull == Lull(400, 30)
    assert analysis.outages == [Outage(100, 71, "server")]
    assert analyse(timeline, 600).lull == Lull(100, 70)  # not knowing, the outage looked like the longest lull


def test_an_outage_neither_lowers_the_average_nor_makes_moments_of_a_flat_live() -> None:
    # 20 likes/s for an hour, the server down for 20 minutes of it: the live was flat all along.
    timeline = [(s, 20) for s in range(3600) if not 600 <= s < 1800]
    analysis = analyse(timeline, 3600, outages=[{"start": 600.0, "seconds": 1200.0}])
    assert analysis.moments == []
    assert analysis.per_minute == pytest.approx(1200)


def test_outages_that_overlap_take_their_time_from_the_average_once() -> None:
    # An hour at 20 likes/s but a minute at 50 (0:50:00); TikTok lost from 0:10:00 to 0:30:00, then the server down
    # from 0:20:00 to 0:40:00: 30 minutes seen, with 36,000 + 1,800 likes.
    timeline = [(s, 50 if 3000 <= s < 3060 else 20) for s in range(3600) if not 600 <= s < 2400]
    tiktok_lost = {"start": 600.0, "seconds": 1200.0, "kind": "tiktok"}
    server_down = {"start": 1200.0, "seconds": 1200.0}
    assert analyse(timeline, 3600, outages=[tiktok_lost, server_down]).per_minute == pytest.approx(1260)
    assert analyse(timeline, 3600, outages=[server_down, tiktok_lost]).per_minute == pytest.approx(1260)


def test_the_ten_seconds_after_an_outage_that_ends_on_them_were_seen() -> None:
    # The server down from 0:10:00 to 0:30:00 exactly, then 40 s without a like: a lull from 0:30:00, not 0:30:10.
    timeline = [(s, 20) for s in range(3600) if not 600 <= s < 1840]
    assert analyse(timeline, 3600, outages=[{"start": 600.0, "seconds": 1200.0}]).lull == Lull(1800, 40)


def test_a_live_under_a_minute_has_no_likes_per_minute() -> None:
    # Its one "minute" would be its whole total: 100 likes in 30 s were said to be 100 likes/min, average and peak.
    analysis = analyse([(s, 10) for s in range(10)], 30)
    assert analysis.per_minute is None
    assert analysis.peak_per_minute is None
    assert analysis.likes == 100
    assert analyse([(s, 10) for s in range(10)], 59.4).per_minute is None  # written "59 s"
    minute = analyse([(s, 10) for s in range(10)], 59.6)  # written "1 min 00 s"
    assert (minute.per_minute, minute.peak_per_minute) == (100, 100)


@pytest.mark.parametrize("seconds", [61, 181.2, 601])
def test_the_few_seconds_of_a_last_bucket_are_no_lull(seconds: float) -> None:
    # A steady 10 likes/s, the stats opened a second into the live's last 10-second bucket (or mid-live).
    assert analyse([(s, 10) for s in range(int(seconds))], seconds).lull is None


def test_likes_saved_past_the_lives_last_saved_second_make_no_empty_or_negative_lull() -> None:
    # The store's seconds and its timeline come from two clocks: a like can sit at second ceil(seconds).
    assert analyse([(s, 32) for s in range(131)], 129.22).lull is None
    assert analyse([(s, 32) for s in range(46)], 25.0).lull is None


def test_a_lull_at_the_end_stops_at_the_end() -> None:
    timeline = [(s, 10) for s in range(120)]
    assert analyse(timeline, 153).lull == Lull(120, 33)  # nothing in the last 33 s


def test_a_dip_of_a_few_seconds_is_no_lull() -> None:
    timeline = [(s, 10) for s in range(120)]
    assert analyse(timeline, 123).lull is None  # the live ended 3 s after its last like
    assert analyse([(s, 10) for s in range(300) if not 100 <= s < 120], 300).lull is None  # a 20 s pause


def test_the_average_is_never_above_the_best_minute_even_across_an_outage() -> None:
    # 40 likes/s for 45 s, the server down 28 s, then 40 likes/s for 28 s: every minute holds the outage.
    timeline = [(s, 40) for s in [*range(45), *range(73, 101)]]
    analysis = analyse(timeline, 101, outages=[{"start": 45.0, "seconds": 28.0}])
    assert analysis.per_minute <= analysis.peak_per_minute


def test_a_long_live_is_charted_in_fewer_wider_bars_each_one_can_be_hovered() -> None:
    # 8 hours at 1 like/s, and a burst of 500 likes at 2:00:00.
    timeline = [(s, 1) for s in range(8 * 3600)] + [(s, 50) for s in range(7200, 7210)]
    drawn = chart({"analysis": analyse(timeline, 8 * 3600), "goals": [], "challenges": []}, "fr")
    assert len(drawn["bars"]) == 240 <= CHART_BARS  # 2 minutes each, instead of 2,880 bars of 10 s
    assert drawn["title"] == "Likes par tranche de 2\u00a0min"
    bar = drawn["bars"][60]
    assert bar["title"] == "2:00:00–2:02:00\u202f: 620\u00a0likes"
    assert [moment["x"] for moment in drawn["moments"]] == [round(bar["x"] + bar["hit_w"] / 2, 2)]
    two_hours = [(s, 1) for s in range(7200)] + [(s, 50) for s in range(3610, 3620)]
    drawn = chart({"analysis": analyse(two_hours, 7200), "goals": [], "challenges": []}, "fr")
    moment = drawn["moments"][0]["start"]  # 3610, inside the bar of 3600-3630: the list lights that one
    assert moment - moment % drawn["bar_seconds"] in [bar["start"] for bar in drawn["bars"]]
    assert chart({"analysis": analyse(timeline[:600], 600), "goals": [], "challenges": []}, "en")["title"] == (
        "Likes per 10\u00a0s"
    )
    four_hours = {"analysis": analyse(timeline[: 4 * 3600], 4 * 3600), "goals": [], "challenges": []}
    assert [chart(four_hours, locale)["title"] for locale in ("en", "fr")] == ["Likes per minute", "Likes par minute"]


def test_a_steady_live_whose_viewers_like_in_batches_has_no_moments_but_a_real_burst_is_one() -> None:
    # Half an hour of like messages of 1 to 15 hearts, about one a second: buckets twice the average by chance.
    rng = random.Random(1)
    steady = [(s, sum(rng.randint(1, 15) for _ in range(rng.randint(0, 2)))) for s in range(1800)]
    assert analyse(steady, 1800).moments == []
    burst = [(s, likes + (60 if 900 <= s < 910 else 0)) for s, likes in steady]  # everyone at once, 10 s
    assert [m.start for m in analyse(burst, 1800).moments] == [900]


def test_a_moment_is_told_at_its_best_ten_seconds_not_at_the_start_of_its_bar() -> None:
    # Two hours at 1 like/s, charted in 30-second bars; 500 likes in the last 10 s of the bar from 1:00:00.
    timeline = [(s, 1 + (50 if 3620 <= s < 3630 else 0)) for s in range(7200)]
    analysis = analyse(timeline, 7200)
    assert analysis.moment_seconds == 30
    assert [(m.start, m.likes) for m in analysis.moments] == [(3620, 530)]  # (the bar's likes: what it is ranked on)
    drawn = chart({"analysis": analysis, "goals": [], "challenges": []}, "fr")
    tallest = max(drawn["bars"], key=lambda bar: bar["h"])
    assert drawn["moments"][0]["x"] == pytest.approx(tallest["x"] + tallest["hit_w"] / 2, abs=0.02)  # on its bar


def test_a_moment_in_a_last_bar_cut_short_is_marked_over_that_narrower_bar() -> None:
    # Half an hour at 1 like/s, then 3 s of a burst as the live ends: its bar covers 3 of its 10 s.
    timeline = [(s, 1 + (50 if s >= 1800 else 0)) for s in range(1803)]
    drawn = chart({"analysis": analyse(timeline, 1803), "goals": [], "challenges": []}, "fr")
    last = drawn["bars"][-1]
    assert last["w"] < last["hit_w"] / 2
    (moment,) = drawn["moments"]
    assert last["x"] <= moment["x"] <= last["x"] + last["w"]  # not beside it, at the middle of the full slot


def test_a_quiet_live_has_no_moments_from_a_few_batches_but_a_real_burst_is_one() -> None:
    # An hour at about 12 likes a minute, in batches of 1 to 15 (most seconds have none), and a fan's three
    # batches at 0:20:00: 27 likes in 10 s, 13 times the average bucket, and still no moment.
    rng = random.Random(7)
    quiet = {s: rng.randint(1, 15) for s in range(3600) if rng.random() < 0.025}
    quiet.update({1200: 9, 1203: 9, 1206: 9})
    assert analyse(sorted(quiet.items()), 3600).moments == []
    assert analyse([(30, 1)], 120).moments == []  # one like in a live: no moment either
    quiet.update({s: 20 for s in range(2400, 2410)})  # the viewers together, 200 likes in 10 s
    assert [(m.start, m.likes) for m in analyse(sorted(quiet.items()), 3600).moments] == [(2400, 200)]


def test_a_burst_in_a_live_half_busy_half_quiet_is_a_moment() -> None:
    # Busy minutes (20 likes/s) and chatting minutes (1 like/s) in turn, and 1 000 likes in 10 s at 0:10:00.
    timeline = [(s, 20 if (s // 60) % 2 == 0 else 1) for s in range(1200)]
    timeline = [(s, likes + (100 if 600 <= s < 610 else 0)) for s, likes in timeline]
    assert analyse(timeline, 1200).moments[0].start == 600  # the first moment, not none (the busy minutes may follow)


def test_a_long_lives_moments_are_its_tallest_bars() -> None:
    # 6 hours at 1 like/s; a 10-second spike of 300 likes at 1:00:00, and a minute at 8 likes/s from 2:00:00.
    likes = {s: 1 for s in range(6 * 3600)}
    likes.update({s: 30 for s in range(3600, 3610)})
    likes.update({s: 8 for s in range(7200, 7260)})
    analysis = analyse(sorted(likes.items()), 6 * 3600)
    assert analysis.moment_seconds == 60  # the chart's bars
    assert [(m.start, m.likes) for m in analysis.moments[:2]] == [(7200, 480), (3600, 350)]  # not the spike first
    drawn = chart({"analysis": analysis, "goals": [], "challenges": []}, "fr")
    tallest = max(drawn["bars"], key=lambda bar: bar["h"])
    # The mark on the tallest bar (the bar's rounded x and width may differ from its centre by a hundredth).
    assert drawn["moments"][0]["x"] == pytest.approx(tallest["x"] + tallest["hit_w"] / 2, abs=0.02)


def four_hours_with_two_bursts(straddling_from: int = 7230) -> list[tuple[int, int]]:
    """4 hours at 1 like/s (charted in 1-minute bars): a minute at 64 likes/s from `straddling_from` (2:00:30: across
    the bars of 2:00 and 2:01), and a smaller minute at 50 likes/s from 1:00:00, on the bar of 1:00 alone."""
    likes = {s: 1 for s in range(4 * 3600)}
    likes.update({s: 64 for s in range(straddling_from, straddling_from + 60)})
    likes.update({s: 50 for s in range(3600, 3660)})
    return sorted(likes.items())


def test_a_burst_across_two_bars_counts_whole_told_at_its_start_and_ranks_above_a_smaller_one_on_one_bar() -> None:
    analysis = analyse(four_hours_with_two_bursts(), 4 * 3600)
    assert analysis.moment_seconds == 60
    assert analysis.bars[120:122] == [1950, 1950]  # each bar holds half of it
    first, second = analysis.moments
    # Its whole minute, as the page's peak minute says, not the 1,950 of either bar; from its start, not a bar's.
    assert (first.start, first.counted_from, first.likes) == (7230, 7230, analysis.peak_per_minute)
    assert (second.start, second.counted_from, second.likes) == (3600, 3600, 3000)


def test_a_moment_across_two_bars_is_marked_over_the_taller_one() -> None:
    # From 2:00:40: 20 s of it in the bar of 2:00, 40 s in the bar of 2:01.
    analysis = analyse(four_hours_with_two_bursts(straddling_from=7240), 4 * 3600)
    moment = analysis.moments[0]
    assert (moment.start, moment.likes, moment.bar) == (7240, 3840, 7260)
    drawn = chart({"analysis": analysis, "goals": [], "challenges": []}, "fr")
    bars = {bar["start"]: bar for bar in drawn["bars"]}
    assert (bars[7200]["likes"], bars[7260]["likes"]) == (1320, 2580)
    assert drawn["moments"][0]["x"] == pytest.approx(bars[7260]["x"] + bars[7260]["hit_w"] / 2, abs=0.02)
    assert drawn["moments"][0]["y"] < bars[7260]["y"]  # above it


@pytest.mark.parametrize(("first", "second"), [(7230, 7330), (7210, 7320), (7200, 7320), (3600, 3700)])
def test_two_close_bursts_are_both_listed_whole(first: int, second: int) -> None:
    # 4 hours at 1 like/s, in 1-minute bars; 20 s at 64 likes/s, and 100 or 110 s later, 20 s at 60 likes/s. Kept
    # two bars apart, the second lost its best minute and took one holding half of it (650 of 1,240), or vanished.
    likes = {s: 1 for s in range(4 * 3600)}
    likes.update({s: 64 for s in range(first, first + 20)})
    likes.update({s: 60 for s in range(second, second + 20)})
    analysis = analyse(sorted(likes.items()), 4 * 3600)
    assert [(m.start, m.likes) for m in analysis.moments] == [(first, 20 * 64 + 40), (second, 20 * 60 + 40)]
    assert len({m.bar for m in analysis.moments}) == 2  # each its own mark


@pytest.mark.parametrize(("first", "second"), [(3600, 3680), (3610, 3690), (7230, 7310)])
def test_a_burst_just_before_a_bigger_one_is_listed_whole_as_well(first: int, second: int) -> None:
    # 4 hours at 1 like/s, in 1-minute bars: 20 s at 60 likes/s, then 60 to 80 s after its start a bigger burst, and a
    # smaller one later. Only the minutes that peaked among their neighbours ranked: the first burst's lost to one
    # straddling both, which lost to the bigger burst's, and the first was no moment at all, below the smaller one.
    likes = {s: 1 for s in range(4 * 3600)}
    likes.update({s: 60 for s in range(first, first + 20)})
    likes.update({s: 70 for s in range(second, second + 30)})
    likes.update({s: 40 for s in range(9000, 9020)})
    moments = analyse(sorted(likes.items()), 4 * 3600).moments
    assert [(m.start, m.likes) for m in moments] == [(second, 30 * 70 + 30), (first, 20 * 60 + 40), (9000, 840)]


def test_quiet_long_lives_show_no_more_chance_moments_than_the_bars_did() -> None:
    # A minute's best from any 10 s, 6 windows to a bar, made quiet 4-hour lives show 2 to 4 times more moments
    # than the chart's bars alone, all of them chance: a few fans' batches of 1 to 15 hearts, bunched.
    def on_the_bars(timeline: list[tuple[int, int]], seconds: int) -> list[tuple[int, int, float]]:
        analysis = analyse(timeline, seconds)
        size = analysis.moment_seconds
        return top_moments(analysis.bars, size, gap=max(60, 2 * size), average=analysis.likes / seconds * size)

    seconds = 4 * 3600
    windows = bars = 0
    for rate in (0.025, 0.1):
        for seed in range(30):
            rng = random.Random(seed)
            quiet = sorted({s: rng.randint(1, 15) for s in range(seconds) if rng.random() < rate}.items())
            windows += bool(analyse(quiet, seconds).moments)
            bars += bool(on_the_bars(quiet, seconds))
    assert bars > 0  # (the bars do find some: the lives are not too quiet to tell)
    assert windows <= bars


# -- a recorded live on the stats page -------------------------------------------------------

NASTY = '<img src=x onerror="alert(1)">'
PEAKS = {120: 400, 300: 300, 450: 250}  # second -> likes per second for 10 s
LULL = range(200, 260)  # no likes at all
CONFIG = make_config(
    challenges=[{"id": "explose", "text": "Faites exploser le compteur !", "target": 500, "duration": 60}],
)


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


async def recording(path: Path, config: Config) -> tuple[Clock, Engine, Bus, Persister]:
    """The real path from the bus to the store at `path` (bus -> engine -> persister), started, with a test clock."""
    clock = Clock()
    engine = Engine(config, "test", now=clock())
    bus = Bus(engine, clock)
    persister = Persister(Store(path), bus, wall=lambda: 1_750_000_000 + clock())
    await persister.start()
    return clock, engine, bus, persister


async def record_live(data_dir: Path) -> None:
    """A 10-minute live through the real path (bus -> engine -> persister -> store), with a test clock."""
    clock, engine, bus, persister = await recording(data_dir / FILENAME, CONFIG)
    start = clock.now
    bus.publish(LiveStarted(room_id="room-42", total=0))
    fans = [User(id="fan", nickname=NASTY), User(id="u2", nickname="Léa"), User(id="u3", nickname="Hugo")]
    for second in range(600):
        clock.now = start + second + 0.5
        if second == 295:
            bus.publish(ChallengeStart(id="explose"))
        burst = next((likes for at, likes in PEAKS.items() if at <= second < at + 10), None)
        per_second = burst if burst is not None else 0 if second in LULL else 20
        for index in range(per_second // 10):
            bus.publish(Like(count=10, user=fans[index % len(fans)]))
        engine.tick(clock.now)
        if second % 5 == 4:
            await persister.flush()
    clock.now = start + 600
    bus.publish(LiveEnded())
    await persister.stop()


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[ServerThread]:
    data_dir = tmp_path / "data"
    # In a thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, record_live(data_dir)).result()
    server = ServerThread(CONFIG, data_dir).start()
    yield server
    server.stop()


def fetch(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get_content_type(), response.read().decode("utf-8")


def pages_after(
    record: Callable[[], Coroutine[Any, Any, None]], config: Config, data_dir: Path, *paths: str
) -> list[str]:
    """Record a live with `record` (in a thread of its own, as `recorded` does), then read the pages at `paths` from
    a server started on what it saved."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, record()).result()
    server = ServerThread(config, data_dir).start()
    try:
        return [fetch(server.url + path)[1] for path in paths]
    finally:
        server.stop()


def test_a_live_under_a_minute_shows_its_likes_and_seconds_not_a_rate(tmp_path: Path) -> None:
    # 1 412 likes in 34 s: the page said "1 412 likes/min" as the average and the peak, the list and JSON too.
    async def record() -> None:
        clock, engine, bus, persister = await recording(tmp_path / "data" / FILENAME, CONFIG)
        start = clock.now
        bus.publish(LiveStarted(room_id="room-1", total=0))
        for second in range(34):
            clock.now = start + second + 0.5
            bus.publish(Like(count=42 if second < 18 else 41, user=User(id="u", nickname="Léa")))
            engine.tick(clock.now)
        clock.now = start + 34
        bus.publish(LiveEnded())
        await persister.stop()

    french, english, exported, listed = pages_after(
        record, CONFIG, tmp_path / "data", "/stats/1", "/stats/1?locale=en", "/stats/1.json", "/stats"
    )

    def said(page: str, name: str) -> str:
        found = re.search(rf'id="{name}">([^<]*)<', page)
        assert found is not None, name
        return html.unescape(found.group(1))

    assert said(french, "rhythm-average") == "— (live de moins d'une minute\u202f: 1\u202f412\u00a0likes en 34\u00a0s)"
    assert said(english, "rhythm-average") == "— (a live under a minute: 1,412\u00a0likes in 34\u00a0s)"
    for page in (french, english):
        assert said(page, "rhythm-peak") == said(page, "live-peak") == "—"
        assert "/min<" not in page  # no rate anywhere: "Pic (likes/min)" only names the column
    analysis = json.loads(exported)["analysis"]
    assert (analysis["likes"], analysis["seconds"]) == (1412, 34)
    assert analysis["per_minute"] is None
    assert analysis["peak_per_minute"] is None
    row = re.search(r'<tr data-live="1">.*?</tr>', listed, re.DOTALL)
    assert row is not None
    assert re.search(r'data-label="Pic \(likes/min\)">—</td>', row.group(0))


def test_a_live_opened_from_the_list_follows_an_edit_of_locale_once_reloaded(tmp_path: Path) -> None:
    # Its link said ?locale=fr, the config's language then: after `locale: en` was saved, reloading it stayed French.
    async def record() -> None:
        clock, _, bus, persister = await recording(tmp_path / "data" / FILENAME, CONFIG)
        bus.publish(LiveStarted(room_id="room-1", total=0))
        clock.now += 90
        bus.publish(LiveEnded())
        await persister.stop()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, record()).result()
    server = watched_server(tmp_path, "locale: fr\n")  # (on tmp_path / "data", where the live was recorded)
    try:
        links = re.findall(r'<a href="(/stats/1[^"]*)">', fetch(server.url + "/stats")[1])
        chosen = re.findall(r'<a href="(/stats/1[^"]*)">', fetch(server.url + "/stats?locale=en")[1])
        back = re.findall(r'<a href="(/stats[^"/]*)">', fetch(server.url + "/stats/1")[1])
        (tmp_path / "config.yaml").write_text("locale: en\n", encoding="utf-8")
        deadline = time.monotonic() + 10
        while json.loads(fetch(server.url + "/api/state")[1])["locale"] != "en":  # (the watcher's next look)
            assert time.monotonic() < deadline, "the edit of locale was not applied"
            time.sleep(0.05)
        reloaded = fetch(server.url + links[0])[1]
    finally:
        server.stop()
    assert links == ["/stats/1"]  # the config's language: not pinned in the link
    assert chosen == ["/stats/1?locale=en"]  # the reader's own choice goes on to the live's page
    assert back == ["/stats"]
    assert '<html lang="en">' in reloaded
    assert "Live stats" in reloaded


async def test_a_live_opened_by_hand_names_no_goal_before_its_start_arrives(tmp_path: Path) -> None:
    # The replay's start (7 500 likes) comes a moment after the new live: "1 000 likes" was recorded on screen first.
    clock, _, bus, persister = await recording(tmp_path / FILENAME, CONFIG)
    bus.publish(NewLive(room_id="replay-1-2"))
    await persister.flush()
    clock.now += 0.5
    bus.publish(LiveStarted(room_id="replay-1-2", total=7_500))
    await persister.stop()
    store = Store(tmp_path / FILENAME).open()
    try:
        assert [(row["id"], row["target"]) for row in store.goals_shown(1)] == [("main", 10_000)]
    finally:
        store.close()


def test_a_built_in_goal_label_is_said_in_the_pages_language(tmp_path: Path) -> None:
    # Saved as the config said it ("20 000 likes ensemble !"): an English page showed the French words.
    config = make_config(goals={"steps": [{"id": "a", "label": "Mon objectif", "target": 100}], "then": {"every": 100}})

    async def record() -> None:
        clock, engine, bus, persister = await recording(tmp_path / "data" / FILENAME, config)
        bus.publish(LiveStarted(room_id="room-1", total=0))
        for _ in range(3):
            clock.now += 10
            bus.publish(Like(count=100, user=User(id="u", nickname="Léa")))
            engine.tick(clock.now)
        await persister.stop()

    page, exported, french = pages_after(
        record, config, tmp_path / "data", "/stats/1?locale=en", "/stats/1.json?locale=en", "/stats/1.json"
    )
    assert "200 likes together!" in page
    assert "likes ensemble" not in page
    assert [goal["label"] for goal in json.loads(exported)["goals"]] == [
        "Mon objectif",  # the creator's own words stay as written
        "200 likes together!",
        "300 likes together!",
    ]
    assert json.loads(french)["goals"][1]["label"] == "200 likes ensemble\u202f!"


def test_a_challenge_written_per_language_is_said_in_the_pages_language(tmp_path: Path) -> None:
    # Recorded as the live showed it, in the config's language: an English page showed the French words.
    text = {"fr": "Faites exploser le compteur !", "en": "Blow up the counter!"}
    config = make_config(challenges=[{"id": "explose", "text": text, "target": 500, "duration": 60}])

    async def record() -> None:
        clock, engine, bus, persister = await recording(tmp_path / "data" / FILENAME, config)
        bus.publish(LiveStarted(room_id="room-1", total=0))
        bus.publish(ChallengeStart(id="explose"))
        for _ in range(3):
            clock.now += 10
            bus.publish(Like(count=100, user=User(id="u", nickname="Léa")))
            engine.tick(clock.now)
            await persister.flush()
        await persister.stop()

    english, french, exported = pages_after(
        record, config, tmp_path / "data", "/stats/1?locale=en", "/stats/1", "/stats/1.json?locale=en"
    )
    assert "<bdi>Blow up the counter!</bdi>" in english  # the list of challenges
    assert "challenge \u2068Blow up the counter!\u2069" in english  # the chart's band
    assert "Faites exploser" not in english
    assert "<bdi>Faites exploser le compteur !</bdi>" in french
    assert json.loads(exported)["challenges"][0]["label"] == "Blow up the counter!"


def test_csv_and_json_exports_match_the_store(recorded: ServerThread) -> None:
    kind, text = fetch(recorded.url + "/stats/1.csv")
    assert kind == "text/csv"
    french = list(csv.reader(io.StringIO(text), delimiter=";"))  # French by default: for a French Excel
    assert french[0] == ["seconde", "heure", "likes", "total", "serveur_arrete", "connexion_perdue", "en_pause"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", french[1][1])  # a date and time spreadsheets read
    _, english = fetch(recorded.url + "/stats/1.csv?locale=en")
    rows = list(csv.DictReader(io.StringIO(english)))
    assert [list(row.values()) for row in rows] == french[1:]  # the same rows, English headers
    with sqlite3.connect(recorded.data_dir / FILENAME) as db:
        stored = db.execute("SELECT second, likes, total FROM like_seconds WHERE live_id = 1 ORDER BY second")
        liked = [(int(r["second"]), int(r["likes"]), int(r["total"])) for r in rows if r["likes"] != "0"]
        assert liked == stored.fetchall()
    assert [int(r["second"]) for r in rows] == list(range(600))  # every second, the lull's included (0 likes)
    assert {r["likes"] for r in rows if int(r["second"]) in LULL} == {"0"}
    kind, text = fetch(recorded.url + "/stats/1.json")
    data = json.loads(text)
    assert [m["start"] for m in data["analysis"]["moments"]] == list(PEAKS)
    assert [m["reached"] for m in data["analysis"]["moments"]] == [None, "10 000 likes ensemble !", None]
    assert data["live"]["total"] == sum(int(r["likes"]) for r in rows)
    assert data["challenges"][0]["outcome"] == "succeeded"


def test_a_server_outage_is_shown_as_such_on_the_page_and_in_the_export(recorded: ServerThread) -> None:
    with sqlite3.connect(recorded.data_dir / FILENAME) as db:  # as the persister records it after a restart
        db.execute("INSERT INTO outages (live_id, start, seconds) VALUES (1, 330.0, 45.0)")
    _, page = fetch(recorded.url + "/stats/1")
    assert "Serveur arrêté\u202f: 45\u00a0s (à partir de 0:05:30)" in page
    band = page[page.index('<g class="outages">') :].split("</g>")[0]
    assert "<title>Serveur arrêté — 0:05:30, 45\u00a0s</title>" in band
    _, text = fetch(recorded.url + "/stats/1.json")
    assert json.loads(text)["outages"] == [{"start": 330.0, "seconds": 45.0, "kind": "server"}]
    _, text = fetch(recorded.url + "/stats/1.csv?locale=en")
    down = [int(row["second"]) for row in csv.DictReader(io.StringIO(text)) if row["server_down"] == "1"]
    assert down == list(range(330, 375))


def test_tiktok_lost_is_shown_as_such_on_the_page_and_in_the_export(recorded: ServerThread) -> None:
    with sqlite3.connect(recorded.data_dir / FILENAME) as db:  # as the persister records it (TikTok dropped)
        db.execute("INSERT INTO outages (live_id, start, seconds, kind) VALUES (1, 330.0, 45.0, 'connection')")
    _, page = fetch(recorded.url + "/stats/1?locale=en")
    assert "Connection to TikTok lost: 45\u00a0s (from 0:05:30)" in page
    assert "<title>Connection to TikTok lost — 0:05:30, 45\u00a0s</title>" in page
    assert "Server stopped" not in page
    _, text = fetch(recorded.url + "/stats/1.csv?locale=en")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["second"]) for row in rows if row["connection_lost"] == "1"] == list(range(330, 375))
    assert {row["server_down"] for row in rows} == {"0"}


def test_a_pause_is_shown_as_such_and_not_as_a_lull(recorded: ServerThread) -> None:
    with sqlite3.connect(recorded.data_dir / FILENAME) as db:  # as the persister records it (paused in TikTok's app)
        db.execute("INSERT INTO outages (live_id, start, seconds, kind) VALUES (1, 330.0, 45.0, 'pause')")
    _, page = fetch(recorded.url + "/stats/1")
    assert "Live en pause\u202f: 45\u00a0s (à partir de 0:05:30) — mis en pause dans l&#39;appli TikTok" in page
    assert "<title>Live en pause — 0:05:30, 45\u00a0s</title>" in page
    assert "Serveur arrêté" not in page
    assert "Connexion à TikTok perdue" not in page
    _, text = fetch(recorded.url + "/stats/1.csv?locale=en")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["second"]) for row in rows if row["paused"] == "1"] == list(range(330, 375))
    assert {row["server_down"] for row in rows} == {row["connection_lost"] for row in rows} == {"0"}


def test_the_page_is_punctuated_and_its_decimals_written_in_its_language(recorded: ServerThread) -> None:
    _, french = fetch(recorded.url + "/stats/1")
    _, english = fetch(recorded.url + "/stats/1?locale=en")
    assert "Exporter\u202f:" in french
    assert "Export:" in english
    assert "· objectif atteint «\u00a0<bdi>10 000 likes ensemble !</bdi>\u00a0»" in french  # in the burst at 0:05:00
    assert "· goal reached “<bdi>10 000 likes ensemble !</bdi>”" in english
    assert re.search(r"\(\d+,\d\u00a0× la moyenne\)", french)
    assert re.search(r"\(\d+\.\d\u00a0× the average\)", english)
    assert "«\u00a0<bdi>Faites exploser le compteur !</bdi>\u00a0»" in french
    assert "“<bdi>Faites exploser le compteur !</bdi>”" in english


def test_the_pages_french_texts_keep_their_signs_on_their_line() -> None:
    # A narrow no-break space before : ; ! ? (a plain one lets the sign start a line of its own).
    for key, text in LABELS["fr"].items():
        assert not re.search(r"[ \u00a0][:;!?]", text), key


LONG_ID = "9" * 23  # past SQLite's integers


@pytest.mark.parametrize("path", ["/stats/99", f"/stats/{LONG_ID}", f"/stats/{LONG_ID}.csv", "/stats/" + "9" * 4301])
def test_an_unknown_live_is_a_clear_404(recorded: ServerThread, path: str) -> None:
    # (The long one is past SQLite's integers: it answered 500 with an OverflowError in the log.)
    with pytest.raises(urllib.error.HTTPError) as error:
        fetch(recorded.url + path)
    assert error.value.code == 404
    assert "/stats" in error.value.read().decode()  # (a way back to the list of lives)


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/stats/99", "Aucun live n° 99 dans l'historique\u202f; vos lives sont sur {url}/stats"),
        ("/stats/99?locale=en", "No live #99 in the history; your lives are listed at {url}/stats"),
        ("/stats/abc", "Cette adresse n'existe pas\u202f: /stats/abc. Vos lives sont sur {url}/stats"),
        ("/stats/3.xlsx?locale=en", "There is no page at /stats/3.xlsx. Your lives are listed at {url}/stats"),
    ],
)
def test_an_unknown_live_or_stats_page_says_where_the_lives_are(recorded: ServerThread, path: str, said: str) -> None:
    # The whole address of the list, which a browser or a terminal makes a link of (the widgets' home said before).
    with pytest.raises(urllib.error.HTTPError) as error:
        fetch(recorded.url + path)
    assert (error.value.code, error.value.read().decode()) == (404, said.format(url=recorded.url))


def test_the_list_of_lives_answers_with_its_slash_too(recorded: ServerThread) -> None:
    kind, page = fetch(recorded.url + "/stats/?locale=en")  # (urllib follows the redirect)
    assert kind == "text/html"
    assert "Your lives" in page


# -- a new live by hand ----------------------------------------------------------------------


async def post(server: TestServer, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.post(http_url(server, path), headers=headers, json={}) as r:
        return r.status, await r.json()


async def test_a_new_live_by_hand_needs_the_control_token(server: TestServer, source: DrivenSource) -> None:
    await source.push(LiveStarted(room_id="room-1", total=100), Like(count=5, total=105))
    token = server.app[CONTROL_TOKEN]
    status, _ = await post(server, "/api/lives/new", {})
    assert status == 401
    status, _ = await post(
        server, "/api/lives/new", {"Authorization": f"Bearer {token}", "Origin": "https://evil.example"}
    )
    assert status == 403
    assert server.app[ENGINE].total == 105  # refused requests changed nothing
    status, body = await post(server, "/api/lives/new", {"Authorization": f"Bearer {token}"})
    assert status == 200
    assert body == {"ok": True, "live": 2, "room_id": "room-1"}  # a TikTok-like source keeps its room
    assert (server.app[ENGINE].total, server.app[ENGINE].session) == (105, 0)  # the room's count stays on screen
    await source.push(Like(count=3))
    await server.app[PERSISTER].flush()
    lives = sorted(server.app[PERSISTER].store.lives(), key=lambda live: live["id"])
    assert [(live["id"], live["ended"], live["likes"]) for live in lives] == [(1, True, 5), (2, False, 3)]


async def test_a_new_live_by_hand_is_logged_and_never_cached_like_every_control_action(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Authorization": f"Bearer {server.app[CONTROL_TOKEN]}"}
    caplog.set_level(logging.INFO, logger="overlay")
    async with (
        aiohttp.ClientSession() as session,
        session.post(http_url(server, "/api/lives/new"), headers=headers, json={}) as r,
    ):
        assert (r.status, r.headers["Cache-Control"]) == (200, "no-store")
    assert any(record.getMessage().startswith("control: {'type': 'new_live'") for record in caplog.records)


async def test_a_new_live_pressed_twice_is_one_new_live_even_once_likes_came(tmp_path: Path) -> None:
    # A Stream Deck key hit twice: each press made one more live in the history (the demo's likes come at once, so
    # "before any like" never held).
    later = [0.0]  # seconds the server's clock is moved on
    source = DrivenSource()
    app = create_app(
        make_config(), source=source, data_dir=tmp_path / "data", clock=lambda: time.monotonic() + later[0]
    )
    async with TestServer(app, host="127.0.0.1") as server:
        await source.push(LiveStarted(room_id="room-1", total=100), Like(count=5, total=105))
        headers = {"Authorization": f"Bearer {app[CONTROL_TOKEN]}"}
        _, first = await post(server, "/api/lives/new", headers)
        await source.push(Like(count=3, total=108))
        _, again = await post(server, "/api/lives/new", headers)
        assert first == again == {"ok": True, "live": 2, "room_id": "room-1"}
        later[0] += AGAIN_SECONDS
        _, next_one = await post(server, "/api/lives/new", headers)  # pressed again later: a new one
    assert next_one["live"] == 3


async def test_a_new_live_by_hand_gets_a_room_id_of_ours_only_in_the_demo(tmp_path: Path) -> None:
    config = make_config()
    app = create_app(config, source=DemoSource(config.demo), data_dir=tmp_path / "data")
    rooms: list[str] = []
    started = asyncio.Event()

    def on_start(event: Event, now: float) -> None:
        if isinstance(event, LiveStarted):
            rooms.append(event.room_id)
            started.set()

    app[BUS].listeners.append(on_start)
    async with TestServer(app, host="127.0.0.1") as server:
        async with asyncio.timeout(5):
            await started.wait()
        started.clear()
        status, body = await post(server, "/api/lives/new", {"Authorization": f"Bearer {server.app[CONTROL_TOKEN]}"})
        async with asyncio.timeout(5):
            await started.wait()
    assert status == 200
    assert body["room_id"].startswith("demo-")
    assert rooms == [rooms[0], body["room_id"]]  # the demo plays the new live under the room id it was given
    assert rooms[0] != body["room_id"]


async def test_the_demo_plays_the_live_it_is_told_to_join() -> None:
    demo = DemoSource(make_config(demo={"likes_per_second": 500, "seed": 1}).demo)
    started: list[LiveStarted] = []
    joined = asyncio.Event()

    def emit(event: Event) -> None:
        if isinstance(event, LiveStarted):
            started.append(event)
            joined.set()

    demo.join("demo-resumed", 12_345)  # what the persister does after a restart mid-live
    task = asyncio.create_task(demo.run(emit))
    async with asyncio.timeout(5):
        await joined.wait()
    joined.clear()
    demo.join("demo-new", None)  # a new live by hand: from `demo.start_total`
    async with asyncio.timeout(5):
        await joined.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [(e.room_id, e.total) for e in started] == [("demo-resumed", 12_345), ("demo-new", 0)]


async def test_stats_are_built_one_at_a_time_and_not_for_a_reader_who_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page of another site may navigate a window it opened to /stats/1 again and again (navigations pass, as
    # links do): each navigation drops the one before, whose build went on regardless, and builds had no bound.
    store = Store(tmp_path / FILENAME).open()
    likes = {second: 2 for second in range(600)}
    store.write([LiveRecord(id=1, room_id="r", source="test", started_at=1_750_000_000.0, seconds=600, likes=likes)], 0)
    store.close()
    builds, release, first_building = 0, threading.Event(), threading.Event()

    def counted_analyse(*args: Any) -> Any:
        nonlocal builds
        builds += 1
        if builds == 1:  # the first reader's build takes its time
            first_building.set()
            release.wait(10)
        return analyse(*args)

    monkeypatch.setattr(web_stats, "analyse", counted_analyse)
    app = create_app(CONFIG, source=DrivenSource(), data_dir=tmp_path)
    begun, ended = 0, 0
    all_begun, all_ended = asyncio.Event(), asyncio.Event()

    @web.middleware
    async def counting(request: web.Request, handler: Any) -> web.StreamResponse:
        """The stats requests the server has begun and ended: the first reader's, five who leave, one after."""
        nonlocal begun, ended
        begun += 1
        if begun == 6:
            all_begun.set()
        try:
            r = await handler(request)
            print("END", request.path_qs, r.status, builds)
            return r
        except BaseException as e:
            print("EXC", request.path_qs, repr(e), builds)
            raise
        finally:
            ended += 1
            if ended == 7:
                all_ended.set()

    app.middlewares.append(counting)
    # The runner the server runs with: aiohttp's TestServer cancels a handler whose client leaves; the server does not.
    runner = make_runner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with aiohttp.ClientSession() as session:
            first = asyncio.create_task(session.get(f"{url}/stats/1"))
            assert await asyncio.to_thread(first_building.wait, 10)
            leaving = [await asyncio.open_connection("127.0.0.1", runner.addresses[0][1]) for _ in range(5)]
            for n, (_, writer) in enumerate(leaving):
                writer.write(f"GET /stats/1?n={n} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            await asyncio.wait_for(all_begun.wait(), 10)  # the server has all five requests...
            for _, writer in leaving:  # ...whose readers leave
                writer.close()
                await writer.wait_closed()
            release.set()
            async with await first as response:
                assert response.status == 200
            async with session.get(f"{url}/stats/1.json") as response:  # the next reader is served
                assert response.status == 200
            await asyncio.wait_for(all_ended.wait(), 10)
    finally:
        await runner.cleanup()
    assert builds == 2  # the first reader's and the last one's: none for the five who left
