"""The like counter widget in headless Chromium, fed by the real server: a big total shrinks to fit its source."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from overlay.events import Like, NewLive, User
from tests.browser_fixtures import NNBSP, WidgetPage, assert_transparent, wait_text
from tests.conftest import ServerThread, make_config, watched_server

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


def test_the_caption_agrees_with_the_number(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(1))
    page = tab.open(server_thread, "/widgets/counter?basis=session&locale=en")
    wait_text(page, "#counter-number", "1")
    assert page.locator("#counter-label").text_content() == "like"  # not "1 likes" at the start of a live
    server_thread.push(like(1))
    wait_text(page, "#counter-label", "likes")


def test_label_from_the_url_is_text(tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/widgets/counter?label=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    wait_text(page, "#counter-label", "<img src=x onerror=alert(1)>")
    assert page.locator("img").count() == 0


def test_transparent_with_visible_number(browser: Browser, tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(5, total=7532))
    page = tab.open(server_thread, "/widgets/counter")
    wait_text(page, "#counter-number", f"7{NNBSP}532")
    assert_transparent(browser, page, "counter-fr")


def record_numbers(page: Page) -> None:
    """From now on, every number the counter writes goes into `window.shown`."""
    page.evaluate(
        """() => {
            const number = document.getElementById("counter-number");
            window.shown = [];
            new MutationObserver(() => window.shown.push(number.textContent))
                .observe(number, {childList: true, characterData: true, subtree: true});
        }"""
    )


def test_keeps_its_number_through_a_server_restart(tab: WidgetPage, tmp_path: Path) -> None:
    first = ServerThread(make_config(), tmp_path / "data").start()
    try:
        first.push(like(5, total=7532))
        page = tab.open(first, "/widgets/counter")
        wait_text(page, "#counter-number", f"7{NNBSP}532")
        record_numbers(page)
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


def test_a_new_live_shows_its_count_at_once_not_counting_down(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(5, total=30_752))
    page = tab.open(server_thread, "/widgets/counter")
    wait_text(page, "#counter-number", f"30{NNBSP}752")
    record_numbers(page)
    server_thread.push(NewLive(room_id="demo-2"))  # a new live by hand: its count starts again
    wait_text(page, "#counter-number", "0")
    assert page.evaluate("() => window.shown") == ["0"]  # not 23 789, 17 000... on the way down


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


SOURCE = {"width": 600, "height": 200}  # the README's OBS size


def assert_inside(page: Page, selector: str) -> None:
    """The element is displayed and wholly inside the source, once the bump of arriving likes is over."""
    page.wait_for_function("() => document.getAnimations().length === 0")
    size = page.viewport_size
    box = page.locator(selector).bounding_box()
    assert size is not None
    assert box is not None, f"{selector} is not displayed"
    assert box["x"] >= 0, f"{selector} is cut on the left: {box}"
    assert box["x"] + box["width"] <= size["width"], f"{selector} is cut on the right: {box}"
    assert box["y"] + box["height"] <= size["height"], f"{selector} is cut at the bottom: {box}"


def font_size(page: Page) -> float:
    return float(
        page.evaluate("() => parseFloat(getComputedStyle(document.getElementById('counter-number')).fontSize)")
    )


@pytest.mark.parametrize(
    ("query", "total", "shown"),
    [
        ("?locale=en", 12_469_128, "12,469,128"),  # lost its last digit
        ("", 123_456_789, f"123{NNBSP}456{NNBSP}789"),
        ("?locale=en", 123_456_789, "123,456,789"),
        ("", 1_234_567_890, f"1{NNBSP}234{NNBSP}567{NNBSP}890"),  # showed "1 234 567 8"
        ("?locale=en&scale=1.5&theme=neon&font=serif", 1_234_567_890, "1,234,567,890"),
    ],
)
def test_a_large_total_is_drawn_whole_and_smaller_inside_the_source(
    tab: WidgetPage, server_thread: ServerThread, query: str, total: int, shown: str
) -> None:
    server_thread.push(like(1, total=total))
    tab.page.set_viewport_size(SOURCE)
    page = tab.open(server_thread, "/widgets/counter" + query)
    wait_text(page, "#counter-number", shown)
    assert_inside(page, "#counter-number")
    assert font_size(page) < 96 * (1.5 if "scale" in query else 1)


@pytest.mark.parametrize(("query", "size"), [("", 96), ("?scale=1.5", 144)])
def test_a_short_total_keeps_its_full_size(
    tab: WidgetPage, server_thread: ServerThread, query: str, size: float
) -> None:
    server_thread.push(like(1, total=7532))
    tab.page.set_viewport_size(SOURCE)
    page = tab.open(server_thread, "/widgets/counter" + query)
    wait_text(page, "#counter-number", f"7{NNBSP}532")
    assert font_size(page) == size  # 6rem, times the scale
    assert_inside(page, "#counter-number")


def test_a_smaller_source_shrinks_the_number_again(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(1, total=123_456_789))
    tab.page.set_viewport_size({"width": 1000, "height": 200})
    page = tab.open(server_thread, "/widgets/counter?locale=en")
    wait_text(page, "#counter-number", "123,456,789")
    assert font_size(page) == 96  # room enough
    page.set_viewport_size(SOURCE)
    page.wait_for_function("() => document.getElementById('counter-number').getBoundingClientRect().right <= 600")
    assert_inside(page, "#counter-number")


def test_a_bigger_scale_edited_in_the_config_measures_the_number_again(
    tab: WidgetPage, tmp_path: Path, servers: list[ServerThread]
) -> None:
    server = watched_server(tmp_path, "locale: en\ntheme: {scale: 1}\n")
    servers.append(server)
    server.push(like(1, total=123_456_789))
    tab.page.set_viewport_size(SOURCE)
    page = tab.open(server, "/widgets/counter")
    wait_text(page, "#counter-number", "123,456,789")
    (tmp_path / "config.yaml").write_text("locale: en\ntheme: {scale: 1.5}\n", encoding="utf-8")
    page.wait_for_function("() => document.documentElement.style.getPropertyValue('--scale') === '1.5'")
    page.wait_for_function("() => document.getElementById('counter-number').getBoundingClientRect().right <= 600")
    assert_inside(page, "#counter-number")


def test_counting_up_measures_the_number_once_per_length_and_lands_inside_the_source(
    tab: WidgetPage, server_thread: ServerThread
) -> None:
    server_thread.push(like(1, total=1000))
    tab.page.set_viewport_size(SOURCE)
    page = tab.open(server_thread, "/widgets/counter?locale=en")
    wait_text(page, "#counter-number", "1,000")
    page.evaluate(  # records the text of the number each time it is measured (each one a layout)
        """() => {
            const number = document.getElementById("counter-number");
            const width = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "offsetWidth").get;
            window.measured = [];
            Object.defineProperty(number, "offsetWidth", {
                get() { window.measured.push(this.textContent); return width.call(this); },
            });
        }"""
    )
    server_thread.push(like(1, total=250_000_000))  # counts up through longer and longer numbers
    wait_text(page, "#counter-number", "250,000,000")
    assert_inside(page, "#counter-number")
    lengths = [len(text) for text in page.evaluate("window.measured")]
    assert lengths  # the longer number was measured...
    assert len(lengths) == len(set(lengths))  # ...once per length, not on every counting step
