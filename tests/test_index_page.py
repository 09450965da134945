"""The index page in headless Chromium: every widget with its OBS URL, size and a live preview."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from overlay.events import Like, SourceStatus, User
from overlay.recorder import Recorder
from overlay.web.catalog import WIDGETS
from overlay.web.keys import BUS, ENGINE, PERSISTER
from tests.browser_fixtures import WidgetPage, wait_text
from tests.conftest import ServerThread, make_config
from tests.test_recorder import FullDisk

pytestmark = pytest.mark.browser

NNBSP = "\u202f"


def test_lists_every_widget_with_url_size_and_live_preview(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(Like(count=5, total=7532, user=User(id="u1", nickname="Léa")))
    page = tab.open(server_thread, "/")
    page.wait_for_function("(text) => document.getElementById('likes-total').textContent === text", arg=f"7{NNBSP}532")
    cards = page.locator("article.card")
    assert cards.count() == len(WIDGETS)
    for name, spec in WIDGETS.items():
        card = page.locator(f"#widget-{name}")
        url = f"{server_thread.url}/widgets/{name}"
        assert card.locator("h2").text_content() == spec.title["fr"]
        assert card.locator("code.url").text_content() == url
        assert card.locator("button.copy").get_attribute("data-copy") == url
        assert f"{spec.width} × {spec.height}" in (card.locator("dl").text_content() or "")
        iframe = card.locator("iframe")
        assert iframe.get_attribute("src") == f"/widgets/{name}"
        card.scroll_into_view_if_needed()  # previews load lazily, as they scroll into view
        preview = page.frame_locator(f"#widget-{name} iframe")
        preview.locator('html[data-overlay="live"]').wait_for(state="attached")
        # The preview is scaled to fit its card, keeping the Browser Source's proportions.
        box = card.locator(".preview").bounding_box()
        assert box is not None
        assert box["width"] / box["height"] == pytest.approx(spec.width / spec.height, rel=0.02)


def test_english_index(tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/?locale=en")
    assert page.locator("html").get_attribute("lang") == "en"
    for name, spec in WIDGETS.items():
        assert page.locator(f"#widget-{name} h2").text_content() == spec.title["en"]


@pytest.mark.parametrize(
    ("locale", "names"),
    [("fr", ["démo", "rejeu", "TikTok", "test"]), ("en", ["demo", "replay", "TikTok", "test"])],
)
def test_the_source_is_named_in_the_page_s_language(
    tab: WidgetPage, server_thread: ServerThread, locale: str, names: list[str]
) -> None:
    # As the stats pages name it: a French page said "Source : demo".
    page = tab.open(server_thread, f"/?locale={locale}")
    assert page.evaluate("kinds => kinds.map(Overlay.sourceName)", ["demo", "replay", "tiktok", "test"]) == names
    assert page.locator("#source-kind").text_content() == "test"  # (the tests' own source: as it is)


def test_a_page_in_another_language_than_the_config_says_the_status_and_warnings_in_its_own(
    tab: WidgetPage, server_thread: ServerThread
) -> None:
    """The config is French; `/?locale=en` (say, an English-speaking moderator's dock) reads English throughout."""
    server_thread.push(
        SourceStatus(
            status="waiting", detail="waiting for @lea to go live", key="source_waiting", params={"handle": "@lea"}
        )
    )
    english = tab.open(server_thread, "/?locale=en")
    wait_text(english, "#source-status", "waiting for @lea to go live")
    warnings = english.locator("#config-warning-list li").all_text_contents()
    assert 'goals.steps[0].label: "1 000 likes ensemble !" shows "likes" on screen' in " ".join(warnings)
    french = english.context.new_page()
    french.goto(server_thread.url + "/")
    wait_text(french, "#source-status", "en attente du live de @lea")
    warnings = french.locator("#config-warning-list li").all_text_contents()
    said = f"goals.steps[0].label{NNBSP}: «\u00a01 000 likes ensemble !\u00a0» affiche «\u00a0likes\u00a0» à l'écran"
    assert said in " ".join(warnings)
    assert french.locator("#config-warnings").get_attribute("open") is not None  # the set-up page shows them
    french.close()  # only the fixture's own tab is left open when the server stops


def test_a_stopped_server_shows_on_the_index(tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/")
    page.locator('html[data-overlay="live"]').wait_for(state="attached")
    server_thread.stop()
    wait_text(page, "#source-status", "serveur injoignable, reconnexion…")  # not "connected" with the last rate
    assert page.locator("#likes-rate").text_content() == "…"


def test_saves_that_fail_are_said_until_they_work_again(tab: WidgetPage, server_thread: ServerThread) -> None:
    assert server_thread.app is not None
    store = server_thread.app[PERSISTER].store
    real_write = store.write

    def disk_full(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    page = tab.open(server_thread, "/")
    page.locator('html[data-overlay="live"]').wait_for(state="attached")
    assert page.locator("#save-problem").is_hidden()
    store.write = disk_full  # type: ignore[method-assign]
    server_thread.push(Like(count=5, user=User("u1", "Léa")))
    page.locator("#save-problem").wait_for(state="visible")
    # Why, in the page's language (French by default), then the system's own words.
    said = f"{store.path}{NNBSP}: le disque est plein{NNBSP}; libérez de la place (database or disk is full)"
    assert page.locator("#save-problem-text").text_content() == said
    assert "rien n'est perdu" in (page.locator("#save-problem strong").text_content() or "")
    english = page.context.new_page()
    english.goto(server_thread.url + "/?locale=en")
    english.locator("#save-problem").wait_for(state="visible")
    said = f"{store.path}: the disk is full; free some space (database or disk is full)"
    assert english.locator("#save-problem-text").text_content() == said
    english.close()
    store.write = real_write  # type: ignore[method-assign]
    page.locator("#save-problem").wait_for(state="hidden")


@pytest.fixture
def recording_server(tmp_path: Path) -> Iterator[ServerThread]:
    running = ServerThread(make_config(), tmp_path / "data", record=tmp_path / "live.jsonl").start()
    yield running
    running.stop()


@pytest.mark.parametrize(("locale", "said"), [("fr", "relancez le serveur"), ("en", "start the server again")])
def test_a_recording_that_stops_is_said_on_the_index_and_control_pages(
    tab: WidgetPage, recording_server: ServerThread, tmp_path: Path, locale: str, said: str
) -> None:
    app = recording_server.app
    assert app is not None
    recorder = next(each for each in app[BUS].listeners if isinstance(each, Recorder))
    index = tab.open(recording_server, f"/?locale={locale}")
    index.locator('html[data-overlay="live"]').wait_for(state="attached")
    recording_server.push(Like(count=5, user=User("u1", "Léa")))
    assert index.locator("#record-problem").is_hidden()  # recording: nothing to say
    with recorder._lock:  # the disk fills up
        recorder._file = FullDisk(recorder._file, room=0)  # type: ignore[arg-type, assignment]
    recording_server.push(Like(count=5, user=User("u1", "Léa")))
    index.locator("#record-problem").wait_for(state="visible")
    error = index.locator("#record-problem-text").text_content() or ""
    assert error.startswith(str(tmp_path / "live.jsonl"))
    assert "No space left on device" in error
    assert said in (index.locator("#record-problem strong").text_content() or "")
    control = index.context.new_page()
    control.goto(f"{recording_server.url}/control?locale={locale}")
    control.locator("#record-problem").wait_for(state="visible")  # a page opened later says it too
    assert control.locator("#record-problem-text").text_content() == error
    control.close()
    recording_server.push(Like(count=5, user=User("u1", "Léa")))
    assert recording_server.call(lambda: app[ENGINE].session) == 15  # the live goes on without its recording


def test_the_widgets_french_descriptions_keep_their_signs_on_their_line() -> None:
    # A narrow no-break space before : ; ! ? (a plain one lets the sign start a line of its own).
    for name, spec in WIDGETS.items():
        for text in (spec.title["fr"], spec.about["fr"]):
            assert not re.search(r"[ \u00a0][:;!?](?!\w)", text), name  # (not a URL's ?basis=)
