"""The goal bar widget in headless Chromium, fed by the real server."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from overlay.config import load_config, parse_config
from overlay.events import Like, User
from tests.browser_fixtures import (
    NNBSP,
    WidgetPage,
    artifact_name,
    assert_transparent,
    box_width,
    screenshot,
    wait_text,
)
from tests.conftest import BASE_CONFIG, ServerThread, make_config

pytestmark = pytest.mark.browser


def fill_ratio(page: Page) -> float:
    return box_width(page, "#goal-fill") / box_width(page, "#goal-track")


def wait_ratio(page: Page, expected: float) -> None:
    page.wait_for_function(
        """(expected) => {
            const fill = document.getElementById("goal-fill").getBoundingClientRect().width;
            const track = document.getElementById("goal-track").getBoundingClientRect().width;
            return Math.abs(fill / track - expected) < 0.002;
        }""",
        arg=expected,
    )


def like(total: int, count: int = 5) -> Like:
    return Like(count=count, total=total, user=User(id="u1", nickname="Léa"))


def test_shows_label_and_numbers_in_french(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(7532))
    page = tab.open(server_thread, "/widgets/goal")
    wait_text(page, "#goal-count", f"7{NNBSP}532")
    assert page.locator("#goal-label").text_content() == "10 000 likes ensemble\u00a0!"
    assert page.locator("#goal-label").is_visible()
    assert page.locator("#goal-target").text_content() == f"10{NNBSP}000"
    assert page.locator(".goal-numbers").inner_text() == f"7{NNBSP}532 / 10{NNBSP}000"
    assert page.locator("#goal-step").text_content() == "2/2"


def test_english_numbers_with_locale_query(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(7532))
    page = tab.open(server_thread, "/widgets/goal?locale=en")
    wait_text(page, "#goal-count", "7,532")
    assert page.locator(".goal-numbers").inner_text() == "7,532 / 10,000"
    assert page.locator("html").get_attribute("lang") == "en"
    # Past the configured steps the goal's label is built in: it reads English too (the creator's stay theirs).
    server_thread.push(like(15_000))
    wait_text(page, "#goal-label", "20,000 likes together!")


def test_a_label_per_language_follows_the_widgets_own_locale(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    together = {"fr": "10 000 likes ensemble !", "en": "10,000 likes together!"}
    goals = {"steps": [{"id": "a", "label": together, "target": 10_000}]}
    server = ServerThread(make_config(goals=goals), tmp_path / "data").start()  # (locale: fr)
    servers.append(server)
    server.push(like(7532))
    wait_text(tab.open(server, "/widgets/goal?locale=en"), "#goal-label", "10,000 likes together!")
    pinned = tab.open(server, "/widgets/goal?locale=en&goal=a")  # a goal pinned by its id: from the list of steps
    wait_text(pinned, "#goal-label", "10,000 likes together!")
    stacked = tab.open(server, "/widgets/goal?locale=en&variant=stacked")
    wait_text(stacked, ".stack-label", "10,000 likes together!")
    wait_text(tab.open(server, "/widgets/goal"), "#goal-label", "10 000 likes ensemble\u00a0!")


@pytest.mark.parametrize(
    ("written", "asked", "label"),
    [("fr", "en", "10,000 likes together!"), ("en", "fr", f"10{NNBSP}000 likes ensemble{NNBSP}!")],
)
def test_the_default_goal_reads_in_the_widgets_own_locale(
    tab: WidgetPage, tmp_path: Path, servers: list[Any], written: str, asked: str, label: str
) -> None:
    server = ServerThread(parse_config(f"locale: {written}\n"), tmp_path / "data").start()  # no goals: the built-in
    servers.append(server)
    # (It was the config's language on every widget: "10 000 likes ensemble ! | 695 / 10,000".)
    wait_text(tab.open(server, f"/widgets/goal?locale={asked}"), "#goal-label", label)


@pytest.mark.parametrize("asked", ["EN", "en-US", "en_GB"])
def test_a_regional_or_capitalised_locale_query_is_english_throughout(
    tab: WidgetPage, server_thread: ServerThread, asked: str
) -> None:
    server_thread.push(like(15_000))
    page = tab.open(server_thread, f"/widgets/goal?locale={asked}")
    wait_text(page, "#goal-count", "15,000")  # numbers (the page) and words (the server) agree
    assert page.locator("#goal-label").text_content() == "20,000 likes together!"
    assert page.evaluate("[Overlay.options.locale, document.documentElement.lang]") == ["en", "en"]


def test_a_built_in_label_follows_a_locale_edit(tab: WidgetPage, tmp_path: Path, servers: list[Any]) -> None:
    config_file = tmp_path / "config.yaml"
    ladder = """\
        goals:
          steps:
            - {id: main, label: "10 000 likes ensemble !", target: 10000}
          then: {every: 1000}
        """
    config_file.write_text("locale: fr\n" + textwrap.dedent(ladder), encoding="utf-8")
    server = ServerThread(load_config(config_file), tmp_path / "data", config_path=config_file).start()
    servers.append(server)
    server.push(like(10_500))
    page = tab.open(server, "/widgets/goal")
    wait_text(page, "#goal-label", f"11{NNBSP}000 likes ensemble{NNBSP}!")  # past the steps: the built-in label

    config_file.write_text("locale: en\n" + textwrap.dedent(ladder), encoding="utf-8")
    wait_text(page, "#goal-count", "10,500")
    wait_text(page, "#goal-label", "11,000 likes together!")


def test_bar_width_follows_the_likes(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(2000))
    page = tab.open(server_thread, "/widgets/goal")
    wait_ratio(page, 0.2)
    server_thread.push(like(5000))
    wait_ratio(page, 0.5)
    wait_text(page, "#goal-count", f"5{NNBSP}000")
    server_thread.push(like(7532))
    wait_ratio(page, 0.7532)
    assert fill_ratio(page) == pytest.approx(0.7532, abs=0.002)


def test_background_is_transparent_and_screenshot(
    browser: Browser, tab: WidgetPage, server_thread: ServerThread
) -> None:
    server_thread.push(like(7532))
    page = tab.open(server_thread, "/widgets/goal")
    wait_ratio(page, 0.7532)
    shot = assert_transparent(browser, page, "goal-fr")
    # The bar is drawn at the top; the rest of a 1920x1080 source stays see-through.
    assert shot.visible < shot.total * 0.2


def near_the_first_goal(tab: WidgetPage, tmp_path: Path, servers: list[Any]) -> tuple[ServerThread, Page]:
    """A goal bar at 900 of its first goal of 1 000, which celebrates 1 s when reached (0.2 s in the shared
    test config: too short for a loaded machine to be sure to draw it)."""
    config = make_config(goals={**BASE_CONFIG["goals"], "celebrate_seconds": 1.0})
    server = ServerThread(config, tmp_path / "data").start()
    servers.append(server)
    server.push(like(900))
    page = tab.open(server, "/widgets/goal")
    wait_text(page, "#goal-count", "900")
    return server, page


def test_reaching_a_goal_celebrates_then_shows_the_next(tab: WidgetPage, tmp_path: Path, servers: list[Any]) -> None:
    server, page = near_the_first_goal(tab, tmp_path, servers)
    assert page.locator("#goal").get_attribute("data-goal") == "warmup"
    server.push(like(1000))
    # The celebration shows on the goal just reached (read in the frame it shows)...
    celebrating = page.wait_for_function(
        """() => {
            const goal = document.getElementById("goal");
            const celebration = document.getElementById("goal-celebration");
            return goal.classList.contains("is-celebrating") && {
                goal: goal.dataset.goal,
                text: celebration.textContent,
                confetti: goal.querySelectorAll(".confetti").length,
                outline: getComputedStyle(celebration).webkitTextStrokeWidth,
            };
        }"""
    ).json_value()
    assert celebrating["text"] == "Objectif atteint\u202f!"
    # Yellow words over the bar's yellow end: a dark outline keeps them readable.
    assert float(celebrating["outline"].removesuffix("px")) >= 2
    assert celebrating["goal"] == "warmup"
    assert celebrating["confetti"] > 0
    # ...then the next goal enters.
    page.wait_for_selector('#goal[data-goal="main"]')
    assert page.locator("#goal-label").text_content() == "10 000 likes ensemble\u00a0!"
    wait_text(page, "#goal-target", f"10{NNBSP}000")


def test_the_celebration_never_shows_over_a_count_short_of_the_goal(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    # The count glides up: "Objectif atteint !" over "906 / 1 000" (seen at 2,000 likes/s) read as a goal missed.
    server, page = near_the_first_goal(tab, tmp_path, servers)
    page.evaluate(
        """() => {
            const goal = document.getElementById("goal");
            window.countWhenCelebrating = null;  // the count as the frame that starts the celebration leaves it
            new MutationObserver(() => {
                if (goal.classList.contains("is-celebrating") && window.countWhenCelebrating === null)
                    window.countWhenCelebrating = document.getElementById("goal-count").textContent;
            }).observe(goal, {attributes: true, attributeFilter: ["class"]});
        }"""
    )
    server.push(like(1000))
    assert page.wait_for_function("() => window.countWhenCelebrating").json_value() == f"1{NNBSP}000"


def test_the_celebration_ends_when_the_next_goal_enters(tab: WidgetPage, tmp_path: Path, servers: list[Any]) -> None:
    server, page = near_the_first_goal(tab, tmp_path, servers)  # reached, it stays 1 s: less than its 3.5 s show
    server.push(like(1000))
    page.wait_for_selector("#goal.is-celebrating")
    # Read in the frame the next goal enters: "Objectif atteint !" is not written over it.
    entered = page.wait_for_function(
        """() => {
            const goal = document.getElementById("goal");
            return goal.dataset.goal === "main" && {
                celebrating: goal.classList.contains("is-celebrating"),
                text: document.getElementById("goal-celebration").textContent,
            };
        }"""
    ).json_value()
    assert entered == {"celebrating": False, "text": ""}


def celebration_seen(server: ServerThread, page: Page, total: int) -> dict[str, Any]:
    """Push `total` likes and time the celebration that follows, in the page's own clock (ms)."""
    page.evaluate(
        """() => {
            const goal = document.getElementById("goal");
            window.celebration = {};
            new MutationObserver(() => {
                const on = goal.classList.contains("is-celebrating");
                if (on && !window.celebration.start) window.celebration.start = performance.now();
                if (!on && window.celebration.start) window.celebration.end ??= performance.now();
            }).observe(goal, {attributes: true, attributeFilter: ["class"]});
        }"""
    )
    server.push(like(total))
    return page.wait_for_function("() => window.celebration.end && window.celebration", timeout=15_000).json_value()


def test_a_pinned_goal_celebrates_for_celebrate_seconds(tab: WidgetPage, tmp_path: Path, servers: list[Any]) -> None:
    # The ladder moves on after 5 s; a bar pinned to the goal reached celebrates as long, not a fixed 3.5 s.
    server = ServerThread(make_config(goals={**BASE_CONFIG["goals"], "celebrate_seconds": 5.0}), tmp_path / "d").start()
    servers.append(server)
    server.push(like(900))
    page = tab.open(server, "/widgets/goal?goal=warmup")
    wait_text(page, "#goal-count", "900")
    seen = celebration_seen(server, page, 1000)
    assert seen["end"] - seen["start"] >= 4900  # a timer never fires early
    assert page.locator("#goal").get_attribute("data-goal") == "warmup"


def test_no_celebration_when_celebrate_seconds_is_0(tab: WidgetPage, tmp_path: Path, servers: list[Any]) -> None:
    # Reached, the last goal stays on screen: with 0 it shows as reached, with no words or confetti.
    goals = {"celebrate_seconds": 0, "steps": [{"id": "only", "label": "Go", "target": 1000}], "then": {"every": None}}
    server = ServerThread(make_config(goals=goals), tmp_path / "d").start()
    servers.append(server)
    server.push(like(900))
    page = tab.open(server, "/widgets/goal")
    wait_text(page, "#goal-count", "900")
    page.evaluate(
        """() => {
            const goal = document.getElementById("goal");
            window.classes = [];
            new MutationObserver(() => window.classes.push(goal.className))
                .observe(goal, {attributes: true, attributeFilter: ["class"]});
        }"""
    )
    server.push(like(1000))
    page.wait_for_selector("#goal.is-reached")
    wait_text(page, "#goal-count", f"1{NNBSP}000")
    assert not any("is-celebrating" in c for c in page.evaluate("window.classes"))
    assert page.locator("#goal-celebration").text_content() == ""


def test_goal_query_pins_one_goal(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(500))
    page = tab.open(server_thread, "/widgets/goal?goal=main")
    wait_text(page, "#goal-count", "500")
    assert page.locator("#goal-label").text_content() == "10 000 likes ensemble\u00a0!"
    assert page.locator("#goal-target").text_content() == f"10{NNBSP}000"
    wait_ratio(page, 0.05)
    # The ladder moves on to `main` by itself; the pinned widget was there all along.
    server_thread.push(like(1500))
    wait_text(page, "#goal-count", f"1{NNBSP}500")
    assert page.locator("#goal").get_attribute("data-goal") == "main"


def test_an_unknown_pinned_goal_follows_the_ladder_instead_of_leaving_the_source_empty(
    tab: WidgetPage, server_thread: ServerThread
) -> None:
    # A typo in the Browser Source's URL, or a goal id renamed in config.yaml since: the README's rule for a value
    # the widget cannot use (it is ignored), not a blank source on the live.
    server_thread.push(like(500))
    page = tab.open(server_thread, "/widgets/goal?goal=principal")
    wait_text(page, "#goal-count", "500")
    assert page.locator("#goal").is_visible()
    assert page.locator("#goal-label").text_content() == "1 000 likes ensemble\u00a0!"
    assert page.locator("#goal-step").text_content() == "1/2"


def test_reconnects_after_a_server_restart_without_showing_zeros(tab: WidgetPage, tmp_path: Path) -> None:
    first = ServerThread(make_config(), tmp_path / "data").start()
    try:
        first.push(like(7532))
        page = tab.open(first, "/widgets/goal")
        wait_text(page, "#goal-count", f"7{NNBSP}532")
        # Record every number the widget ever shows from here on.
        page.evaluate(
            """() => {
                const count = document.getElementById("goal-count");
                window.shownCounts = [count.textContent];
                new MutationObserver(() => window.shownCounts.push(count.textContent))
                    .observe(count, {childList: true, characterData: true, subtree: true});
            }"""
        )
    finally:
        first.stop()
    page.wait_for_selector('html[data-overlay="offline"]', state="attached")
    assert page.locator("#overlay-offline").is_visible()
    assert page.locator("#goal-count").text_content() == f"7{NNBSP}532"  # the last numbers stay on screen

    # The restarted server knows the live's total before the widget gets back (as after a restart mid-live).
    second = ServerThread(make_config(), tmp_path / "data", port=first.port, preload=(like(8000),)).start()
    try:
        page.wait_for_selector('html[data-overlay="live"]', state="attached", timeout=15_000)
        wait_text(page, "#goal-count", f"8{NNBSP}000")
        assert page.locator("#overlay-offline").is_hidden()
        shown = page.evaluate("window.shownCounts")
        assert "0" not in shown
        assert all(int(text.replace(NNBSP, "")) >= 7532 for text in shown)
    finally:
        second.stop()


def test_thermometer_fills_upwards(browser: Browser, tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(like(2500))
    page = tab.open(server_thread, "/widgets/goal?variant=thermometer")
    page.wait_for_function(
        """() => {
            const fill = document.getElementById("goal-fill").getBoundingClientRect();
            const track = document.getElementById("goal-track").getBoundingClientRect();
            return Math.abs(fill.height / track.height - 0.25) < 0.003 && Math.abs(fill.bottom - track.bottom) < 1;
        }"""
    )
    assert box_width(page, "#goal-track") < 100  # a tall, narrow tube
    assert_transparent(browser, page, "goal-thermometer")


def test_ring_shows_the_progress_around_a_circle(
    browser: Browser, tab: WidgetPage, server_thread: ServerThread
) -> None:
    server_thread.push(like(7500))
    page = tab.open(server_thread, "/widgets/goal?variant=ring")
    wait_text(page, "#goal-count", f"7{NNBSP}500")
    page.wait_for_function(
        "() => Math.abs(parseFloat(getComputedStyle(document.getElementById('goal-ring-fill')).strokeDashoffset)"
        " - 0.25) < 0.002"
    )
    assert page.locator("#goal-track").is_hidden()
    assert page.locator("#goal-ring").is_visible()
    assert_transparent(browser, page, "goal-ring")


def test_stacked_shows_every_step(browser: Browser, tab: WidgetPage, tmp_path: Path) -> None:
    server = ServerThread(make_config(widgets={"goal": {"variant": "stacked"}}), tmp_path / "data").start()
    try:
        server.push(like(7532))
        page = tab.open(server, "/widgets/goal")
        rows = page.locator("#goal-stack li")
        wait_text(page, '#goal-stack li[data-goal="main"] .stack-numbers', f"7{NNBSP}532 / 10{NNBSP}000")
        assert rows.count() == 2
        assert rows.nth(0).locator(".stack-label").text_content() == "1 000 likes ensemble\u00a0!"
        assert rows.nth(0).locator(".stack-numbers").text_content() == f"1{NNBSP}000 / 1{NNBSP}000"
        assert "is-done" in (rows.nth(0).get_attribute("class") or "")
        assert "is-current" in (rows.nth(1).get_attribute("class") or "")
        assert_transparent(browser, page, "goal-stacked")
    finally:
        server.stop()


@pytest.mark.parametrize(("total", "target"), [(1_234_567, 1_240_000), (12_345_678, 12_350_000)])
def test_ring_number_of_7_and_8_digits_fits_inside_the_ring(
    tab: WidgetPage, server_thread: ServerThread, total: int, target: int
) -> None:
    tab.page.set_viewport_size({"width": 500, "height": 500})  # the documented size
    server_thread.push(like(total))
    page = tab.open(server_thread, "/widgets/goal?variant=ring")
    page.wait_for_selector(f'#goal[data-target="{target}"]', state="attached")
    wait_text(page, "#goal-count", f"{total:,}".replace(",", NNBSP))
    page.wait_for_function("() => document.getAnimations().length === 0")
    corners_out = page.evaluate(
        """() => {
            const ring = document.getElementById("goal-ring").getBoundingClientRect();
            const hole = ring.width * 46 / 120;  // r=52 in a 120 viewBox, minus half the 12 stroke
            const [cx, cy] = [ring.left + ring.width / 2, ring.top + ring.height / 2];
            const text = document.createRange();  // the drawn numbers, not the box around them
            text.selectNodeContents(document.querySelector(".goal-numbers"));
            const box = text.getBoundingClientRect();
            return [[box.left, box.top], [box.right, box.top], [box.left, box.bottom], [box.right, box.bottom]]
                .map(([x, y]) => Math.hypot(x - cx, y - cy) - hole)
                .filter((out) => out > 0.5);  // (half a pixel: sub-pixel text)
        }"""
    )
    assert corners_out == [], f"the numbers spill over the ring by {corners_out} px"
    screenshot(page, f"goal-ring-{len(str(total))}-digits-500x500")


def test_ring_celebration_stays_inside_the_ring(tab: WidgetPage, tmp_path: Path, servers: list[Any]) -> None:
    server = ServerThread(make_config(goals={**BASE_CONFIG["goals"], "celebrate_seconds": 5.0}), tmp_path / "d").start()
    servers.append(server)
    tab.page.set_viewport_size({"width": 500, "height": 500})  # the documented size
    server.push(like(900))
    page = tab.open(server, "/widgets/goal?variant=ring")
    wait_text(page, "#goal-count", "900")
    server.push(like(1000))
    page.wait_for_selector("#goal.is-celebrating")
    corners_out = page.evaluate(
        """() => {
            const ring = document.getElementById("goal-ring").getBoundingClientRect();
            const hole = ring.width * 46 / 120;
            const [cx, cy] = [ring.left + ring.width / 2, ring.top + ring.height / 2];
            const text = document.createRange();
            text.selectNodeContents(document.getElementById("goal-celebration"));
            return [...text.getClientRects()]  // each line of "Objectif atteint !"
                .flatMap((r) => [[r.left, r.top], [r.right, r.top], [r.left, r.bottom], [r.right, r.bottom]])
                .map(([x, y]) => Math.hypot(x - cx, y - cy) - hole)
                .filter((out) => out > 0.5);  // (half a pixel: sub-pixel text)
        }"""
    )
    assert corners_out == [], f"'Objectif atteint !' spills over the ring by {corners_out} px"


def test_stacked_shows_the_running_goal_past_the_configured_steps(tab: WidgetPage, server_thread: ServerThread) -> None:
    tab.page.set_viewport_size({"width": 1000, "height": 200})  # the documented size
    server_thread.push(like(29_000))  # steps 1 000 and 10 000, then every 10 000: the running goal is 30 000
    page = tab.open(server_thread, "/widgets/goal?variant=stacked")
    running = '#goal-stack li[data-goal="main+2"]'
    wait_text(page, f"{running} .stack-numbers", f"29{NNBSP}000 / 30{NNBSP}000")
    rows = page.locator("#goal-stack li")
    assert rows.count() == 3
    label = page.evaluate("async () => (await (await fetch('/api/state')).json()).goal.label")
    assert label.startswith(f"30{NNBSP}000 likes ensemble")
    assert page.locator(f"{running} .stack-label").text_content() == label
    assert [rows.nth(i).get_attribute("class") for i in range(3)] == ["is-done", "is-done", "is-current"]
    box = page.locator(running).bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 200  # on screen
    screenshot(page, "goal-stacked-past-the-steps-1000x200")


LONG_LABEL = "Objectif du soir : " + "faites pleuvoir les cœurs sur ce live incroyable " * 4  # 200 characters, allowed


@pytest.mark.parametrize(("variant", "width", "height"), [("ring", 500, 500), ("thermometer", 360, 800)])
def test_a_long_label_keeps_to_three_lines_and_the_numbers_stay_in_the_source(
    tab: WidgetPage, tmp_path: Path, variant: str, width: int, height: int
) -> None:
    config = make_config(goals={"steps": [{"id": "main", "label": LONG_LABEL[:200], "target": 10_000}]})
    server = ServerThread(config, tmp_path / "data").start()
    try:
        tab.page.set_viewport_size({"width": width, "height": height})  # its OBS size
        page = tab.open(server, f"/widgets/goal?variant={variant}")
        label = page.locator("#goal-label").bounding_box()
        numbers = page.locator("#goal-count").bounding_box()
        line = page.locator("#goal-label").evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    finally:
        server.stop()
    assert label is not None
    assert numbers is not None
    assert label["height"] <= 3 * line + 1
    assert numbers["y"] + numbers["height"] <= height


@pytest.mark.parametrize(
    "words",
    [LONG_LABEL[:200], "Objectif du soir : un live incroyablement extraordinaire"],
    ids=["200-characters", "a-word-wider-than-the-column"],
)
def test_thermometer_label_keeps_the_same_margin_on_the_right_as_on_the_left(
    tab: WidgetPage, tmp_path: Path, servers: list[Any], words: str
) -> None:
    server = ServerThread(make_config(goals={"steps": [{"id": "main", "label": words, "target": 10_000}]}), tmp_path)
    servers.append(server.start())
    tab.page.set_viewport_size({"width": 360, "height": 800})  # the documented size
    page = tab.open(server, "/widgets/goal?variant=thermometer")
    page.wait_for_selector('#goal[data-goal="main"]', state="attached")
    margins = page.evaluate(
        """() => {
            const text = document.createRange();  // the drawn words, not the box around them
            text.selectNodeContents(document.getElementById("goal-label"));
            const right = Math.max(...[...text.getClientRects()].map((r) => r.right));
            const tube = document.getElementById("goal-track").getBoundingClientRect();
            return {left: tube.left, right: innerWidth - right};
        }"""
    )
    screenshot(page, artifact_name("goal-thermometer-label", words[:24], "360x800"))
    # (half a pixel: sub-pixel text)
    assert margins["right"] >= margins["left"] - 0.5, f"the label runs {margins['right']:.1f} px from the edge"


def grouped(number: int, locale: str) -> str:
    """10000 as the page writes it: '10 000' (narrow no-break spaces) in French, '10,000' in English."""
    return f"{number:,}".replace(",", NNBSP if locale == "fr" else ",")


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize(("total", "target"), [(19_999, 20_000), (199_999, 200_000), (1_999_999, 2_000_000)])
def test_thermometer_numbers_keep_to_one_line_beside_the_tube(
    tab: WidgetPage, server_thread: ServerThread, locale: str, total: int, target: int
) -> None:
    # Steps 1 000 and 10 000, then every 10 000: the goal is the next 10 000 above the total.
    tab.page.set_viewport_size({"width": 360, "height": 800})  # the documented size
    server_thread.push(like(total))
    page = tab.open(server_thread, f"/widgets/goal?variant=thermometer&locale={locale}")
    wait_text(page, "#goal-count", grouped(total, locale))
    wait_text(page, "#goal-target", grouped(target, locale))
    page.wait_for_function("() => document.getAnimations().length === 0")
    drawn = page.evaluate(
        """() => {
            const text = document.createRange();  // the drawn numbers, not the box around them
            text.selectNodeContents(document.querySelector(".goal-numbers"));
            const rects = [...text.getClientRects()].filter((r) => r.width > 0);
            const box = text.getBoundingClientRect();
            const tube = document.getElementById("goal-track").getBoundingClientRect();
            return {
                lines: new Set(rects.map((r) => Math.round(r.bottom))).size,
                left: box.left - tube.right,
                right: innerWidth - box.right,
                bottom: innerHeight - box.bottom,
                height: box.height,
            };
        }"""
    )
    screenshot(page, f"goal-thermometer-{len(str(total))}-digits-{locale}-360x800")
    assert drawn["lines"] == 1, f"the numbers take {drawn['lines']} lines"
    assert drawn["left"] > 0, "the numbers run over the tube"
    assert drawn["right"] >= 0, f"the numbers spill out of the source by {-drawn['right']} px"
    assert drawn["bottom"] >= 0
    assert drawn["height"] >= 16  # still readable on a stream: shrunk, not to nothing


TARGETS = [1_000, 10_000, 100_000, 250_000, 1_000_000, 2_000_000]


def ladder(count: int, *, long_label_at: int | None = None) -> list[dict[str, Any]]:
    """`count` steps of TARGETS, labelled as a creator would; one of them, if asked, with the longest label."""
    steps = [
        {"id": f"step{i}", "label": f"{t:,} likes ensemble !".replace(",", " "), "target": t}
        for i, t in enumerate(TARGETS)
    ]
    if long_label_at is not None:
        steps[long_label_at]["label"] = LONG_LABEL[:200]
    return steps[:count]


STACK_LAYOUT = """() => {
    const lines = (element) => {  // lines of text drawn in an element
        const text = document.createRange();
        text.selectNodeContents(element);
        return new Set([...text.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom))).size;
    };
    return [...document.querySelectorAll("#goal-stack li")].map((li) => {
        const box = li.getBoundingClientRect();
        const label = li.querySelector(".stack-label");
        const numbers = li.querySelector(".stack-numbers");
        return {
            goal: li.dataset.goal,
            top: box.top, bottom: box.bottom, left: box.left, right: box.right,
            labelLines: lines(label), numbersLines: lines(numbers),
            labelCut: label.scrollWidth > label.clientWidth,  // ellipsized
            labelRight: label.getBoundingClientRect().right,
            numbersLeft: numbers.getBoundingClientRect().left,
            numbersCut: numbers.scrollWidth > numbers.clientWidth,
            fontSize: parseFloat(getComputedStyle(label).fontSize),
        };
    });
}"""


@pytest.mark.parametrize(
    ("steps", "total", "target", "rows"),
    [(3, 50_000, 100_000, 3), (3, 150_000, 1_100_000, 4), (6, 150_000, 250_000, 6), (6, 2_500_000, 3_000_000, 7)],
    ids=["3-steps", "3-steps-and-the-running-goal", "6-steps", "6-steps-and-the-running-goal"],  # (then every 1M)
)
def test_stacked_rows_fit_the_documented_size(
    tab: WidgetPage, tmp_path: Path, servers: list[Any], steps: int, total: int, target: int, rows: int
) -> None:
    goals = {"steps": ladder(steps, long_label_at=1), "then": {"every": 1_000_000}}
    server = ServerThread(make_config(goals=goals, widgets={"goal": {"variant": "stacked"}}), tmp_path / "d").start()
    servers.append(server)
    tab.page.set_viewport_size({"width": 1000, "height": 200})  # the documented size
    server.push(like(total))
    page = tab.open(server, "/widgets/goal")
    wait_text(page, "#goal-stack li.is-current .stack-numbers", f"{grouped(total, 'fr')} / {grouped(target, 'fr')}")
    page.wait_for_function("() => document.getAnimations().length === 0")
    layout = page.evaluate(STACK_LAYOUT)
    screenshot(page, f"goal-stacked-{rows}-rows-1000x200")
    assert len(layout) == rows
    for row in layout:
        assert row["left"] >= 0, row
        assert row["right"] <= 1000, row
        assert row["top"] >= 0, row
        assert row["bottom"] <= 200, f"{row['goal']} is out of the source: {row}"
        assert (row["labelLines"], row["numbersLines"]) == (1, 1), row
        assert row["labelRight"] <= row["numbersLeft"], f"{row['goal']}: the label runs into the numbers"
        assert not row["numbersCut"], row
        assert row["fontSize"] >= 14, f"{row['goal']}: too small to read on a stream"
    assert [above["bottom"] <= below["top"] for above, below in itertools.pairwise(layout)] == [True] * (rows - 1)
    assert layout[1]["labelCut"]  # the 200-character label ends with an ellipsis


def test_stacked_celebration_covers_no_row_text(tab: WidgetPage, tmp_path: Path, servers: list[Any]) -> None:
    goals = {"celebrate_seconds": 5.0, "steps": ladder(3), "then": {"every": None}}
    server = ServerThread(make_config(goals=goals, widgets={"goal": {"variant": "stacked"}}), tmp_path / "d").start()
    servers.append(server)
    tab.page.set_viewport_size({"width": 1000, "height": 200})  # the documented size
    server.push(like(9_900))
    page = tab.open(server, "/widgets/goal")
    wait_text(page, "#goal-count", f"9{NNBSP}900")
    server.push(like(10_000))  # the middle step is reached
    page.wait_for_selector("#goal.is-celebrating")
    covered = page.evaluate(
        """() => {
            const drawn = (node) => {
                const text = document.createRange();
                text.selectNodeContents(node);
                return [...text.getClientRects()].filter((r) => r.width > 0);
            };
            const words = drawn(document.getElementById("goal-celebration").firstChild);  // not the confetti
            const shown = [...document.querySelectorAll(".stack-label, .stack-numbers")]
                .filter((e) => getComputedStyle(e).visibility === "visible");
            const texts = shown.flatMap(drawn);
            const label = document.querySelector("li.is-celebrating .stack-label");  // (hidden: its place)
            const overlap = (a, b) =>  // (half a pixel: sub-pixel text)
                a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
            return {
                words: words.length,
                over: words.flatMap((w) => texts.filter((t) => overlap(w, t)).map((t) => [w.top, t.top])),
                out: words.filter((w) => w.left < 0 || w.right > innerWidth || w.top < 0 || w.bottom > innerHeight),
                shown: shown.length,
                start: words[0].left - label.getBoundingClientRect().left,
            };
        }"""
    )
    screenshot(page, "goal-stacked-celebrating-1000x200")
    assert abs(covered["start"]) < 2  # where its label starts, not centred over label and bar (it ran onto the bar)
    assert covered["words"] > 0
    assert covered["over"] == [], "'Objectif atteint !' is written over a row's label or numbers"
    assert covered["out"] == []
    # In place of the reached step's label (the words say it): every other label and all the numbers show.
    assert covered["shown"] == 3 + 2


@pytest.mark.parametrize(
    ("variant", "drawn", "moves"),
    [
        ("bar", "#goal", {"across": False, "down": True}),  # spans the source's width
        ("stacked", "#goal", {"across": False, "down": True}),
        ("ring", "#goal-ring", {"across": False, "down": True}),  # centred across the source
        ("thermometer", "#goal", {"across": False, "down": False}),  # the whole source: the tube is its height
    ],
)
def test_align_and_valign_move_each_variant_as_the_readme_says(
    tab: WidgetPage, server_thread: ServerThread, variant: str, drawn: str, moves: dict[str, bool]
) -> None:
    tab.page.set_viewport_size({"width": 1920, "height": 1080})  # a source as big as the canvas, room all around
    server_thread.push(like(7532))
    boxes = []
    for place in ("align=left&valign=top", "align=right&valign=bottom"):
        page = tab.open(server_thread, f"/widgets/goal?variant={variant}&{place}")
        wait_text(page, "#goal-count", f"7{NNBSP}532")
        page.wait_for_function("() => document.getAnimations().length === 0")
        boxes.append(page.locator(drawn).bounding_box())
    (first, second) = boxes
    assert first is not None
    assert second is not None
    moved = {"across": second["x"] - first["x"] > 1, "down": second["y"] - first["y"] > 1}
    assert moved == moves, f"README.md, 'Where ?align and ?valign apply', says otherwise of the {variant}"


def test_at_the_documented_500_px_the_ring_shows_three_lines_of_a_long_label(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    # Two lines are for smaller sources: at the documented size a long label keeps its three lines.
    label = "Objectif du soir : 2 000 000 de likes pour fêter les trois ans de la chaîne avec vous tous, merci !!"
    config = make_config(goals={"steps": [{"id": "main", "label": label, "target": 2_000_000}]})
    server = ServerThread(config, tmp_path / "data").start()
    servers.append(server)
    tab.page.set_viewport_size({"width": 500, "height": 500})
    page = tab.open(server, "/widgets/goal?variant=ring")
    page.wait_for_function("() => document.getElementById('goal-label').textContent.length > 50")
    lines = page.evaluate(
        """() => { const l = document.getElementById('goal-label'), line = getComputedStyle(l).lineHeight;
                   return Math.round(l.getBoundingClientRect().height / parseFloat(line)); }"""
    )
    assert lines == 3
    box = page.locator("#goal-label").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 500


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("side", [300, 333, 500])  # 500 x 500 in a 1080-wide canvas, as much again in a 720-wide one
def test_in_a_smaller_square_source_the_ring_leaves_room_for_a_40_character_label(
    tab: WidgetPage, tmp_path: Path, servers: list[Any], locale: str, side: int
) -> None:
    # The ring kept 70 % of the height whatever the label: its second line fell below a 300 x 300 source.
    label = {"fr": "Objectif du soir : 2 000 000 de likes !!", "en": "Tonight's goal: 2,000,000 likes, go go!"}
    config = make_config(locale=locale, goals={"steps": [{"id": "main", "label": label, "target": 2_000_000}]})
    server = ServerThread(config, tmp_path / "data").start()
    servers.append(server)
    tab.page.set_viewport_size({"width": side, "height": side})
    tab.page.emulate_media(reduced_motion="reduce")
    page = tab.open(server, "/widgets/goal?variant=ring")
    server.push(like(1_234_567))
    wait_text(page, "#goal-count", grouped(1_234_567, locale))
    for selector in ("#goal-ring", "#goal-label", ".goal-numbers"):
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert box["y"] >= 0, f"{selector} leaves the source at the top: {box}"
        assert box["y"] + box["height"] <= side, f"{selector} leaves the source at the bottom: {box}"
    screenshot(page, f"goal-ring-40-characters-{side}x{side}-{locale}")
