"""Every widget in every built-in theme (1920x1080 screenshots kept as artefacts), and the look's options."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from overlay.config import THEMES
from overlay.events import Follow, Gift, Like, Share, User
from overlay.web.catalog import WIDGETS
from tests.browser_fixtures import WidgetPage, assert_transparent, background
from tests.conftest import ServerThread, make_config

pytestmark = pytest.mark.browser

# How each page shows that it has drawn its content.
DRAWN = {
    "goal": "() => document.getElementById('goal-count').textContent === '7\u202f532'",
    "counter": "() => document.getElementById('counter-number').textContent === '7\u202f532'",
    "rhythm": "() => document.getElementById('rhythm-number').textContent !== ''",
    "hearts": "() => window.OverlayHearts.stats.alive >= 10 && window.OverlayHearts.stats.frames >= 60",
    "toplikers": "() => document.querySelectorAll('.top-row').length === 4",
    "activity": "() => document.querySelectorAll('.toast').length === 3",
}
VIEWERS = [
    Like(count=1200, total=7000, user=User(id="1", nickname="Léa Martin")),
    Like(count=180, total=7180, user=User(id="2", nickname="hugo_42")),
    Like(count=95, total=7275, user=User(id="3", nickname="Zoé")),
    Like(count=257, total=7532, user=User(id="4", nickname="Maël")),
]


def show(server: ServerThread, tab: WidgetPage, name: str, query: str) -> Page:
    """Open a widget with content to draw (likes before, animations after it connects)."""
    server.push(*VIEWERS)
    page = tab.open(server, f"/widgets/{name}{query}")
    if name == "hearts":
        server.push(*(Like(count=1 + i % 15, user=User(id=str(i), nickname=f"v{i}")) for i in range(30)))
    if name == "activity":
        server.push(
            Follow(user=User(id="1", nickname="Léa Martin")),
            Share(user=User(id="2", nickname="hugo_42")),
            Gift(gift="Rose", count=5, diamonds=1, user=User(id="3", nickname="Zoé")),
        )
    page.wait_for_function(DRAWN[name])
    return page


def test_these_widgets_are_offered() -> None:
    # The challenge widget has its own theme screenshots in its tests.
    assert set(DRAWN) <= set(WIDGETS)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", list(DRAWN))
def test_screenshot_in_theme(
    browser: Browser, tab: WidgetPage, server_thread: ServerThread, name: str, theme: str
) -> None:
    page = show(server_thread, tab, name, f"?theme={theme}")
    assert page.locator("html").get_attribute("data-theme") == theme
    assert_transparent(browser, page, f"{name}-{theme}", min_visible=500 if name == "hearts" else 2000)


def test_theme_from_the_config(tab: WidgetPage, tmp_path: Path) -> None:
    server = ServerThread(make_config(theme={"name": "neon"}), tmp_path / "data").start()
    try:
        page = tab.open(server, "/widgets/counter")
        assert page.locator("html").get_attribute("data-theme") == "neon"
        assert page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--accent')") == (
            "#ff2bd6"
        )
        # The URL wins over the config, and an unknown theme falls back to the config's.
        assert tab.open(server, "/widgets/counter?theme=minimal").locator("html").get_attribute("data-theme") == (
            "minimal"
        )
        page = tab.open(server, "/widgets/counter?theme=%22%3E%3Cscript%3E")
        assert page.locator("html").get_attribute("data-theme") == "neon"
    finally:
        server.stop()


def test_a_config_colour_css_cannot_read_leaves_the_themes(tab: WidgetPage, tmp_path: Path) -> None:
    # The server checks colours loosely (`rgb(...)`); the browser has the last word. Set as it is, a custom
    # property takes anything, and every var(--accent) would be empty: the goal bar's fill gone.
    server = ServerThread(make_config(theme={"accent": "rgb(1 2)"}), tmp_path / "data").start()
    try:
        page = tab.open(server, "/widgets/counter")
        assert page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--accent')") == (
            "#fe2c55"
        )
    finally:
        server.stop()


def test_colours_font_scale_and_position_from_the_url(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(*VIEWERS)
    page = tab.open(server_thread, "/widgets/counter?accent=%2300ff00&text_color=rgb(1,2,3)&font=Courier&scale=2")
    style = page.evaluate(
        """() => {
            const root = getComputedStyle(document.documentElement);
            const label = getComputedStyle(document.getElementById("counter-label"));
            return [root.getPropertyValue("--accent"), label.color, label.fontFamily, root.fontSize];
        }"""
    )
    assert style == ["#00ff00", "rgb(1, 2, 3)", "Courier", "32px"]
    page = tab.open(server_thread, "/widgets/counter?align=right&valign=bottom")
    box = page.locator("#counter").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] == pytest.approx(1920, abs=1)
    assert box["y"] + box["height"] == pytest.approx(1080, abs=1)


def test_hostile_colour_cannot_paint_the_background(tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/widgets/counter?accent=red;}html{background:red&text_color=red;background:red")
    assert background(page) == ["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0)"]


def test_an_url_option_named_like_a_built_in_of_javascript_objects_is_ignored(
    tab: WidgetPage, server_thread: ServerThread
) -> None:
    # `"toString" in CHOICES` is true (inherited): its `.includes` was undefined, and the page's script stopped there.
    server_thread.push(*VIEWERS)
    page = tab.open(server_thread, "/widgets/counter?toString=1&constructor=x&__proto__=y&accent=%2300ff00")
    page.wait_for_function(DRAWN["counter"])
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent')") == "#00ff00"


@pytest.mark.parametrize("theme", ["tiktok", "minimal", "neon"])
def test_custom_css_file(tab: WidgetPage, tmp_path: Path, theme: str) -> None:
    css = tmp_path / "mine.css"
    css.write_text(":root { --accent: rgb(9, 8, 7); --radius: 3px; }\n", encoding="utf-8")
    server = ServerThread(make_config(theme={"name": theme, "custom_css": str(css)}), tmp_path / "data").start()
    try:
        page = tab.open(server, "/widgets/goal")
        accent = "() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
        assert page.evaluate(accent) == "rgb(9, 8, 7)"  # a plain :root wins over every theme, as the README says
        assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--radius').trim()") == "3px"
        # Read again on each load: an edit shows when the Browser Source reloads.
        css.write_text(":root { --accent: rgb(1, 1, 1); }\n", encoding="utf-8")
        page.reload()
        page.wait_for_selector('html[data-overlay="live"]', state="attached")
        assert page.evaluate(accent) == "rgb(1, 1, 1)"
    finally:
        server.stop()


def test_widget_options_from_the_config(tab: WidgetPage, tmp_path: Path) -> None:
    config = make_config(widgets={"toplikers": {"count": 2}, "counter": {"basis": "session"}})
    server = ServerThread(config, tmp_path / "data").start()
    try:
        server.push(*VIEWERS)
        page = tab.open(server, "/widgets/toplikers")
        page.wait_for_function("() => document.querySelectorAll('.top-row').length === 2")
        page = tab.open(server, "/widgets/counter")
        page.wait_for_function("() => document.getElementById('counter-number').textContent === '1\u202f732'")
    finally:
        server.stop()
