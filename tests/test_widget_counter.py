"""The like counter widget in headless Chromium, fed by the real server."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from overlay.events import Like, User
from tests.browser_fixtures import NNBSP, WidgetPage, assert_transparent, wait_text
from tests.conftest import ServerThread, make_config

pytestmark = pytest.mark.browser


def like(count: int, total: int | None = None) -> Like:
    return Like(count=count, total=total, user=User(id="u1", nickname="Léa"))


def test_shows_the_live_total_in_french(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(5, total=12345))
    page = tab.open(server_thread, "/widgets/counter")
    wait_text(page, "#counter-number", f"12{NNBSP}345")
    assert page.locator("#counter-label").text_content() == "likes"
    server_thread.push(like(15, total=12360))
    wait_text(page, "#counter-number", f"12{NNBSP}360")


def test_session_basis_and_english(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(5, total=12345), like(7, total=12352))
    page = tab.open(server_thread, "/widgets/counter?basis=session&locale=en")
    wait_text(page, "#counter-number", "12")
    server_thread.push(like(1234))
    wait_text(page, "#counter-number", "1,246")


def test_label_from_the_url_is_text(tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/widgets/counter?label=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    wait_text(page, "#counter-label", "<img src=x onerror=alert(1)>")
    assert page.locator("img").count() == 0


def test_transparent_with_visible_number(browser: Browser, tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(5, total=7532))
    page = tab.open(server_thread, "/widgets/counter")
    wait_text(page, "#counter-number", f"7{NNBSP}532")
    assert_transparent(browser, page, "counter-fr")


def test_keeps_its_number_through_a_server_restart(tab: WidgetPage, tmp_path: Path) -> None:
    first = ServerThread(make_config(), tmp_path / "data").start()
    try:
        first.push(like(5, total=7532))
        page = tab.open(first, "/widgets/counter")
        wait_text(page, "#counter-number", f"7{NNBSP}532")
        page.evaluate(
            """() => {
                const number = document.getElementById("counter-number");
                window.shown = [];
                new MutationObserver(() => window.shown.push(number.textContent))
                    .observe(number, {childList: true, characterData: true, subtree: true});
            }"""
        )
    finally:
        first.stop()
    page.wait_for_selector('html[data-overlay="offline"]', state="attached")
    assert page.locator("#counter-number").text_content() == f"7{NNBSP}532"
    second = ServerThread(make_config(), tmp_path / "data", port=first.port, preload=(like(5, total=7600),)).start()
    try:
        wait_text(page, "#counter-number", f"7{NNBSP}600")
        assert all(int(text.replace(NNBSP, "")) >= 7532 for text in page.evaluate("() => window.shown"))
    finally:
        second.stop()


def test_counting_up_rewrites_the_number_about_15_times_a_second_and_lands_exactly(
    tab: WidgetPage, server_thread: ServerThread
) -> None:
    server_thread.push(like(1, total=1000))
    page = tab.open(server_thread, "/widgets/counter")
    wait_text(page, "#counter-number", f"1{NNBSP}000")
    page.evaluate(
        """() => {
            const number = document.getElementById("counter-number");
            window.writes = [];
            // The frame's own time (the one the widget compares), not when this callback happens to run:
            // on a loaded machine the callback lags the frame by a varying few milliseconds.
            new MutationObserver(() => window.writes.push(document.timeline.currentTime))
                .observe(number, { childList: true, characterData: true, subtree: true });
        }"""
    )
    server_thread.push(like(1, total=250_000))  # a big jump: the number counts up for about a second
    wait_text(page, "#counter-number", f"250{NNBSP}000")
    writes = page.evaluate("window.writes")
    gaps = [b - a for a, b in itertools.pairwise(writes)]
    assert len(writes) > 3  # it did count up, not jump
    # Every rewrite but the last (which lands on the exact value) waits ~66 ms: not one per frame (16.7 ms).
    assert all(gap >= 60 for gap in gaps[:-1])
