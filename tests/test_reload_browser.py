"""Live reload in Chromium: an open widget follows config.yaml edits without being reloaded.

In its own module: the browser fixtures' event loop cannot share a module with asyncio tests.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from overlay.config import load_config
from overlay.events import Follow, Gift, Like, User
from tests.browser_fixtures import WidgetPage, wait_text
from tests.conftest import ServerThread

pytestmark = pytest.mark.browser

CONFIG = textwrap.dedent(
    """\
    locale: fr
    theme:
      name: tiktok
    goals:
      steps:
        - {id: main, label: "Objectif du soir", target: 10000}
    challenges:
      - {id: sprint, text: "Sprint !", target: 500}
    """
)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def watched(config_file: Path, tmp_path: Path) -> Iterator[ServerThread]:
    server = ServerThread(load_config(config_file), tmp_path / "data", config_path=config_file).start()
    yield server
    server.stop()


def test_an_open_goal_widget_takes_a_new_label_and_theme_without_reloading(
    tab: WidgetPage, watched: ServerThread, config_file: Path
) -> None:
    watched.push(Like(count=2500, total=2500, user=User(id="1", nickname="Léa")))
    page = tab.open(watched, "/widgets/goal")
    wait_text(page, "#goal-label", "Objectif du soir")
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded
    assert page.evaluate("document.documentElement.dataset.theme") == "tiktok"

    text = CONFIG.replace("Objectif du soir", "Cap des 20 000").replace("target: 10000", "target: 20000")
    config_file.write_text(text.replace("name: tiktok", "name: neon\n  accent: '#00ff88'"), encoding="utf-8")

    wait_text(page, "#goal-label", "Cap des 20 000")
    wait_text(page, "#goal-target", "20\u202f000")
    page.wait_for_selector('html[data-theme="neon"]', state="attached")
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()") == "#00ff88"
    assert page.evaluate("window.sameDocument") is True
    assert page.evaluate("document.getElementById('goal-count').textContent") == "2\u202f500"  # the count stayed


def test_a_misspelt_url_option_does_not_hide_the_configs_look_nor_its_edits(
    tab: WidgetPage, watched: ServerThread, config_file: Path
) -> None:
    page = tab.open(watched, "/widgets/goal?theme=neom&accent=rouge&scale=big&align=centre")
    wait_text(page, "#goal-label", "Objectif du soir")
    look = "[root.dataset.theme, root.dataset.align, style.getPropertyValue('--accent').trim()]"
    read = f"(() => {{ const root = document.documentElement, style = getComputedStyle(root); return {look}; }})()"
    assert page.evaluate(read)[:2] == ["tiktok", "left"]

    edited = CONFIG.replace("name: tiktok", "name: neon\n  accent: '#00ff88'\n  align: right")
    config_file.write_text(edited, encoding="utf-8")

    page.wait_for_selector('html[data-theme="neon"]', state="attached")
    assert page.evaluate(read)[:3] == ["neon", "right", "#00ff88"]


def test_the_control_and_index_pages_show_an_invalid_edit_until_it_is_fixed(
    tab: WidgetPage, watched: ServerThread, config_file: Path
) -> None:
    page = tab.open(watched, "/control")
    assert page.locator("#config-error").is_hidden()
    page.evaluate("window.sameDocument = true")

    config_file.write_text(CONFIG.replace("target: 500", "target: many"), encoding="utf-8")
    page.wait_for_selector("#config-error", state="visible")
    # In the page's language: the config's (French) unless the URL asks for another.
    french = (  # (a narrow no-break space before ':' on the pages; the console's is plain)
        f"{config_file}:8\u202f: challenges[0].target\u202f: un nombre entier est attendu (vous avez écrit « many »)"
    )
    assert page.locator("#config-error-text").text_content() == french
    assert page.locator("#config-error").evaluate("e => getComputedStyle(e).color") == "rgb(255, 138, 128)"
    index = page.context.new_page()  # the index page says it too
    index.goto(watched.url + "/")
    index.wait_for_selector("#config-error", state="visible")
    assert index.locator("#config-error-text").text_content() == french
    index.goto(watched.url + "/?locale=en")
    index.wait_for_selector("#config-error", state="visible")
    assert index.locator("#config-error-text").text_content() == (
        f"{config_file}:8: challenges[0].target: expected a whole number (got 'many')"
    )
    english = page.context.new_page()
    english.goto(watched.url + "/control?locale=en")
    english.wait_for_selector("#config-error", state="visible")
    assert (english.locator("#config-error-text").text_content() or "").startswith(
        f"{config_file}:8: challenges[0].target: expected a whole number"
    )
    english.close()
    index.close()

    fixed = CONFIG.replace('"Sprint !", target: 500', '"Abonne-toi pour le sprint !", target: 800, hotkey: s')
    config_file.write_text(fixed, encoding="utf-8")
    page.wait_for_selector("#config-error", state="hidden")
    wait_text(page, '[data-challenge="sprint"] .challenge-text', "Abonne-toi pour le sprint\u00a0!")  # rebuilt
    warnings = page.locator("#config-warning-list li").all_text_contents()
    assert any("challenges[0].text" in line and "«\u00a0Abonne-toi\u00a0»" in line for line in warnings)  # French
    assert page.evaluate("window.sameDocument") is True

    config_file.write_text(fixed + "server:\n  frame_ms: 50\n", encoding="utf-8")  # applies after a restart only
    wait_text(page, "#config-restart-keys", "server.frame_ms")
    assert page.locator("#config-restart").is_visible()


def test_the_control_and_index_pages_follow_a_locale_edit_unless_they_asked_for_theirs(
    tab: WidgetPage, watched: ServerThread, config_file: Path
) -> None:
    # Written in the config's language when opened: after `locale: en` they went on in French, the control dock's
    # status, numbers and buttons included, until reloaded by hand.
    page = tab.open(watched, "/control")
    index = page.context.new_page()
    index.goto(watched.url + "/")
    asked = page.context.new_page()
    asked.goto(watched.url + "/control?locale=fr")
    asked.wait_for_selector('html[data-overlay="live"]', state="attached")
    asked.evaluate("window.sameDocument = true")

    config_file.write_text(CONFIG.replace("locale: fr", "locale: en"), encoding="utf-8")
    page.wait_for_selector('html[lang="en"]', state="attached")
    wait_text(page, "#current-text", "No challenge running")
    index.wait_for_selector('html[lang="en"]', state="attached")
    assert asked.evaluate("window.sameDocument") is True  # ?locale=fr: French it stays
    assert asked.locator("html").get_attribute("lang") == "fr"
    index.close()
    asked.close()


@pytest.mark.parametrize("name", ["goal", "counter", "rhythm", "hearts", "toplikers", "activity", "challenge"])
def test_every_widget_redraws_in_a_new_locale_and_theme(
    tab: WidgetPage, watched: ServerThread, config_file: Path, name: str
) -> None:
    watched.push(Like(count=1234, total=1234, user=User(id="1", nickname="Léa")))
    page = tab.open(watched, f"/widgets/{name}")
    version = int(page.evaluate("document.documentElement.dataset.configVersion || '1'"))
    edited = CONFIG.replace("locale: fr", "locale: en").replace("name: tiktok", "name: minimal\n  scale: 1.5")
    config_file.write_text(edited + "widgets:\n  hearts: {max: 40}\n  toplikers: {count: 3}\n", encoding="utf-8")
    page.wait_for_function("(v) => Number(document.documentElement.dataset.configVersion) > v", arg=version)
    assert page.evaluate("[document.documentElement.dataset.theme, document.documentElement.lang]") == ["minimal", "en"]
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--scale').trim()") == "1.5"
    if name == "rhythm":
        wait_text(page, "#rhythm-title", "Rhythm")
    if name == "hearts":
        assert page.evaluate("window.OverlayHearts.max") == 40
    if name in ("goal", "counter"):
        selector = "#goal-count" if name == "goal" else "#counter-number"
        wait_text(page, selector, "1,234")  # numbers in the new locale


def test_activity_toasts_on_screen_say_it_again_in_a_new_locale(
    tab: WidgetPage, watched: ServerThread, config_file: Path
) -> None:
    page = tab.open(watched, "/widgets/activity?seconds=60")
    watched.push(
        Follow(user=User(id="1", nickname="Léa")),
        Gift(gift="Rose", count=3, diamonds=1, user=User(id="2", nickname="Zoé")),
    )
    texts = "() => [...document.querySelectorAll('.toast:not(.is-leaving) .toast-text')].map(e => e.textContent)"
    page.wait_for_function(f"() => ({texts})().length === 2")
    assert page.evaluate(texts) == ["Léa s'abonne", "Zoé envoie Rose ×3"]
    version = int(page.evaluate("document.documentElement.dataset.configVersion || '1'"))
    config_file.write_text(CONFIG.replace("locale: fr", "locale: en"), encoding="utf-8")
    page.wait_for_function("(v) => Number(document.documentElement.dataset.configVersion) > v", arg=version)
    assert page.evaluate(texts) == ["Léa followed", "Zoé sent Rose ×3"]
    assert page.locator(".toast strong").all_text_contents() == ["Léa", "Zoé"]  # the names still set apart


STACKED = textwrap.dedent(
    """\
    locale: fr
    goals:
      celebrate_seconds: 30
      steps:
        - {id: warmup, label: "Échauffement", target: 1000}
        - {id: main, label: "Objectif du soir", target: 10000}
    widgets:
      goal: {variant: stacked}
    """
)


def test_a_stacked_goals_celebration_goes_on_through_an_edit_that_rebuilds_its_rows(
    tab: WidgetPage, tmp_path: Path
) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text(STACKED, encoding="utf-8")
    server = ServerThread(load_config(config_file), tmp_path / "data", config_path=config_file).start()
    try:
        server.push(Like(count=900, total=900, user=User(id="1", nickname="Léa")))
        page = tab.open(server, "/widgets/goal")
        wait_text(page, "#goal-count", "900")
        server.push(Like(count=200, total=1100, user=User(id="1", nickname="Léa")))  # the warm-up is reached
        wait_text(page, "#goal-celebration", "Objectif atteint\u202f!")
        config_file.write_text(STACKED.replace("Objectif du soir", "Cap du soir"), encoding="utf-8")
        page.wait_for_selector('.stack-label:text("Cap du soir")')  # the rows were made again
        # Still said, in the reached step's new row: it vanished with the old row, for the rest of its 30 s.
        assert page.evaluate("document.getElementById('goal-celebration')?.closest('li')?.dataset.goal") == "warmup"
        assert page.locator("#goal-celebration").text_content() == "Objectif atteint\u202f!"
    finally:
        server.stop()
