"""The demo live: believable, not a constant drip, and its mean rate is the configured one."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from overlay.config import DemoSettings
from overlay.events import Follow, Gift, Like, Viewers
from overlay.sources.demo import MEAN_BATCH, STEP, DemoLive, DemoSource
from overlay.web import create_app
from tests.conftest import http_url, make_config


def simulate(seconds: int, **settings: object) -> list[list[Like]]:
    """Likes per simulated second."""
    live = DemoLive(DemoSettings(seed=7, **settings))  # type: ignore[arg-type]
    per_second: list[list[Like]] = []
    for _ in range(seconds):
        likes: list[Like] = []
        for _ in range(20):
            likes += [e for e in live.step(0.05) if isinstance(e, Like)]
        per_second.append(likes)
    return per_second


def test_its_gifts_are_named_alike_in_french_and_english() -> None:
    # A toast shows a gift's name as it came, in either language: "Coeur" read "Léa sent Coeur ×2" with `locale: en`.
    live = DemoLive(DemoSettings(seed=7))
    names = {e.gift for _ in range(36_000) for e in live.step(0.1) if isinstance(e, Gift)}
    assert names == {"Rose", "TikTok", "GG", "Donut", "Lion"}


def test_the_long_run_mean_rate_is_the_configured_one() -> None:
    seconds = simulate(3600, likes_per_second=40)
    mean = sum(like.count for second in seconds for like in second) / len(seconds)
    assert 32 <= mean <= 48


def test_it_has_lulls_and_bursts_not_a_constant_drip() -> None:
    rates = [sum(like.count for like in second) for second in simulate(1800, likes_per_second=40)]
    per_10s = [sum(rates[i : i + 10]) / 10 for i in range(0, len(rates), 10)]
    assert min(per_10s) < 0.5 * 40
    assert max(per_10s) > 2 * 40
    assert statistics.pstdev(per_10s) > 0.3 * statistics.mean(per_10s)


def test_batches_are_1_to_15_likes_from_many_viewers_with_a_room_total() -> None:
    likes = [like for second in simulate(300, likes_per_second=40, viewers=80) for like in second]
    assert {like.count for like in likes} <= set(range(1, 16))
    assert max(like.count for like in likes) == 15
    assert len({like.user.id for like in likes}) > 50
    totals = [like.total for like in likes]
    assert totals == sorted(totals)
    assert totals[-1] == sum(like.count for like in likes)


def test_a_seed_makes_the_demo_repeat_exactly() -> None:
    first = [(like.count, like.user.id) for second in simulate(30) for like in second]
    second = [(like.count, like.user.id) for second in simulate(30) for like in second]
    assert first == second


def test_the_audience_wanders_but_stays_believable_for_hours() -> None:
    live = DemoLive(DemoSettings(seed=1, viewers=60))
    counts = [e.count for _ in range(8 * 3600 * 20) for e in live.step(0.05) if isinstance(e, Viewers)]
    assert len(counts) > 4000
    assert min(counts) >= 3
    assert max(counts) <= 3 * live.usual_audience  # it grew a millionfold in 2 hours before
    assert len(set(counts)) > 10  # and it does move


def test_the_mean_batch_is_the_mean_of_the_batches_drawn() -> None:
    live = DemoLive(DemoSettings(seed=3))
    drawn = [live._batch() for _ in range(200_000)]
    assert sum(drawn) / len(drawn) == pytest.approx(MEAN_BATCH, rel=0.01)


def test_viewers_have_distinct_names_and_each_follows_once() -> None:
    live = DemoLive(DemoSettings(seed=0, viewers=400))
    names = [viewer.nickname for viewer in live.viewers]
    assert len(set(names)) == len(names) == 400
    follows = [e.user for _ in range(3600 * 20) for e in live.step(0.05) if isinstance(e, Follow)]
    assert len(follows) > 100
    assert len({user.id for user in follows}) == len(follows)


def test_once_every_viewer_followed_the_passers_by_are_not_remembered() -> None:
    live = DemoLive(DemoSettings(seed=0, viewers=20))
    follows = [e.user for _ in range(3600 * 20) for e in live.step(0.05) if isinstance(e, Follow)]
    assert len(follows) > 40  # passers-by too
    assert len({user.id for user in follows}) == len(follows)
    assert len(live.followed) == 20  # (each is new, never drawn again: the set grew for as long as the demo ran)


def test_a_live_continued_after_a_restart_has_the_same_viewers() -> None:
    # Without a seed too: the top likers kept their counts across a restart, under new names.
    first, again = DemoLive(DemoSettings(), "demo-1796608641"), DemoLive(DemoSettings(), "demo-1796608641")
    assert [user.nickname for user in first.viewers] == [user.nickname for user in again.viewers]
    other = DemoLive(DemoSettings(), "demo-1796609999")  # a new live: other viewers
    assert [user.nickname for user in other.viewers] != [user.nickname for user in first.viewers]


async def test_the_running_demo_repeats_its_seed_whatever_the_timers_do() -> None:
    emitted: list[object] = []
    source = DemoSource(DemoSettings(seed=42, likes_per_second=2000))
    task = asyncio.create_task(source.run(emitted.append))
    await asyncio.sleep(1.0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    played = [(e.count, e.user.id) for e in emitted if isinstance(e, Like)]
    live = DemoLive(DemoSettings(seed=42, likes_per_second=2000))
    stepped = [(e.count, e.user.id) for _ in range(100) for e in live.step(STEP) if isinstance(e, Like)]
    assert len(played) > 200
    assert played == stepped[: len(played)]


@pytest.mark.parametrize(("locale", "detail"), [("fr", "live de démonstration"), ("en", "demo live")])
async def test_the_demo_status_is_said_in_the_overlays_language(tmp_path: Path, locale: str, detail: str) -> None:
    app = create_app(make_config(locale=locale), data_dir=tmp_path)  # no source given: the demo, as `make run`
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
        for _ in range(200):
            async with session.get(http_url(server, "/api/state")) as response:
                state = await response.json()
            if state["source"]["status"] == "connected":
                break
            await asyncio.sleep(0.05)
    assert state["source"] == {
        "kind": "demo",
        "status": "connected",
        "detail": detail,
        "detail_by_locale": {"fr": "live de démonstration", "en": "demo live"},
    }
