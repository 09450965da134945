"""The rhythm meter in headless Chromium: likes per minute, trend, and the target marker."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from overlay.events import Like, User
from tests.browser_fixtures import NNBSP, WidgetPage, assert_transparent, box_width, wait_text
from tests.conftest import ServerThread, make_config

pytestmark = pytest.mark.browser


def like(count: int) -> Like:
    return Like(count=count, user=User(id="u1", nickname="Léa"))


def test_rate_trend_and_marker(tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/widgets/rhythm?target=1000&max=2000")
    wait_text(page, "#rhythm-number", "0")
    assert page.locator("#rhythm-title").text_content() == "Rythme"
    assert page.locator("#rhythm-marker-label").text_content() == f"objectif 1{NNBSP}000/min"
    # The marker sits at target / max of the gauge.
    marker = page.locator("#rhythm-marker").bounding_box()
    track = page.locator("#rhythm-track").bounding_box()
    assert marker is not None
    assert track is not None
    assert (marker["x"] + marker["width"] / 2 - track["x"]) / track["width"] == pytest.approx(0.5, abs=0.01)

    server_thread.push(like(1500))
    wait_text(page, "#rhythm-number", f"1{NNBSP}500")
    page.wait_for_selector('#rhythm[data-trend="up"]')
    assert page.locator("#rhythm-trend").text_content() == "en hausse"
    assert "is-above" in (page.locator("#rhythm").get_attribute("class") or "")
    page.wait_for_function(
        """() => {
            const fill = document.getElementById("rhythm-fill").getBoundingClientRect().width;
            const track = document.getElementById("rhythm-track").getBoundingClientRect().width;
            return Math.abs(fill / track - 0.75) < 0.003;
        }"""
    )
    assert box_width(page, "#rhythm-fill") / box_width(page, "#rhythm-track") == pytest.approx(0.75, abs=0.003)


def test_config_target_and_english(tab: WidgetPage, tmp_path: Path) -> None:
    server = ServerThread(make_config(widgets={"rhythm": {"target": 300}}), tmp_path / "data").start()
    try:
        page = tab.open(server, "/widgets/rhythm?locale=en")
        assert page.locator("#rhythm-marker-label").text_content() == "target 300/min"
        wait_text(page, "#rhythm-trend", "steady")
        server.push(like(120))
        wait_text(page, "#rhythm-number", "120")
        assert "is-above" not in (page.locator("#rhythm").get_attribute("class") or "")
    finally:
        server.stop()


def test_falling_trend_after_a_restart(tab: WidgetPage, tmp_path: Path) -> None:
    first = ServerThread(make_config(), tmp_path / "data").start()
    try:
        first.push(like(900))
        page = tab.open(first, "/widgets/rhythm")
        wait_text(page, "#rhythm-number", "900")
    finally:
        first.stop()
    page.wait_for_selector('html[data-overlay="offline"]', state="attached")
    # A fresh data folder: nothing of the first live is restored, the rate really drops.
    second = ServerThread(make_config(), tmp_path / "other", port=first.port, preload=(like(300),)).start()
    try:
        wait_text(page, "#rhythm-number", "300")
        page.wait_for_selector('#rhythm[data-trend="down"]')
        assert page.locator("#rhythm-trend").text_content() == "en baisse"
    finally:
        second.stop()


def test_transparent(browser: Browser, tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(800))
    page = tab.open(server_thread, "/widgets/rhythm")
    wait_text(page, "#rhythm-number", "800")
    assert_transparent(browser, page, "rhythm-fr")


def test_a_jump_in_rhythm_rewrites_the_number_about_15_times_a_second_and_lands_exactly(
    tab: WidgetPage, server_thread: ServerThread
) -> None:
    page = tab.open(server_thread, "/widgets/rhythm")
    wait_text(page, "#rhythm-number", "0")
    page.evaluate(
        """() => {
            window.writes = [];
            const number = document.getElementById("rhythm-number");
            // The frame's own time (the one the widget compares), not when this callback happens to run.
            new MutationObserver(() => window.writes.push(document.timeline.currentTime))
                .observe(number, { childList: true, characterData: true, subtree: true });
        }"""
    )
    server_thread.push(like(250_000))
    wait_text(page, "#rhythm-number", f"250{NNBSP}000")
    writes = page.evaluate("window.writes")
    gaps = [b - a for a, b in itertools.pairwise(writes)]
    assert len(writes) > 3  # it eased up, not jumped
    assert all(gap >= 60 for gap in gaps[:-1])  # ~15 rewrites a second, not one per frame; the last lands exactly


@pytest.mark.parametrize("query", ["target=2900&max=3000", "target=100&max=3000", "target=1500&max=3000"])
def test_the_target_label_stays_on_the_gauge_wherever_the_marker_is(
    tab: WidgetPage, server_thread: ServerThread, query: str
) -> None:
    tab.page.set_viewport_size({"width": 600, "height": 200})  # its OBS size
    page = tab.open(server_thread, f"/widgets/rhythm?{query}")
    label = page.locator("#rhythm-marker-label").bounding_box()
    track = page.locator("#rhythm-track").bounding_box()
    assert label is not None
    assert track is not None
    assert track["x"] - 0.5 <= label["x"]
    assert label["x"] + label["width"] <= track["x"] + track["width"] + 0.5
