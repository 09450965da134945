"""The demo live: believable, not a constant drip, and its mean rate is the configured one."""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from overlay.config import DemoSettings
from overlay.events import Like
from overlay.sources.demo import DemoLive
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
