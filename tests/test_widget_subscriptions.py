"""What each widget asks the server for: animation batches only where it draws them, and `?fps=`."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, WebSocket

from overlay.events import Like, User
from tests.browser_fixtures import WidgetPage
from tests.conftest import ServerThread

pytestmark = pytest.mark.browser


class Frames:
    """The websocket URL a page opened and the message types it received."""

    def __init__(self, page: Page) -> None:
        self.url = ""
        self.types: list[str] = []
        self.total = 0  # the room total in the newest state frame
        page.on("websocket", self._opened)

    def _opened(self, ws: WebSocket) -> None:
        self.url = ws.url
        ws.on("framereceived", self._received)

    def _received(self, payload: str | bytes) -> None:
        message = json.loads(payload)
        self.types.append(message["type"])
        if message["type"] == "state":
            self.total = message["state"]["likes"]["total"]


def likes_until_shown(server: ServerThread, page: Page, frames: Frames, *, batch_expected: bool) -> None:
    """20 likes, then wait until a state frame shows them, and for the like batch sent right after it.

    A client's pump sends a frame's state before its batch. A widget that gets batches is waited for
    until one arrives (up to 5 s, so a loaded machine cannot fail it); one that must not get any is
    given a few frame intervals (200 ms) for a stray batch to show up.
    """
    server.push(*(Like(count=1, user=User(id=f"v{i}", nickname=f"v{i}")) for i in range(20)))
    for _ in range(100):
        if frames.total == 20:
            break
        page.wait_for_timeout(50)  # Playwright delivers websocket events while the page waits
    assert frames.total == 20
    for _ in range(100 if batch_expected else 4):
        if "events" in frames.types:
            break
        page.wait_for_timeout(50)


@pytest.mark.parametrize(("widget", "animates"), [("goal", False), ("counter", False), ("hearts", True)])
def test_only_widgets_that_animate_likes_get_the_like_batches(
    tab: WidgetPage, server_thread: ServerThread, widget: str, animates: bool
) -> None:
    frames = Frames(tab.page)
    page = tab.open(server_thread, f"/widgets/{widget}")
    likes_until_shown(server_thread, page, frames, batch_expected=animates)
    assert ("events=0" not in frames.url) is animates
    assert ("events" in frames.types) is animates
    assert "state" in frames.types


def test_a_browser_source_can_ask_for_60_updates_a_second(tab: WidgetPage, server_thread: ServerThread) -> None:
    frames = Frames(tab.page)
    tab.open(server_thread, "/widgets/goal?fps=60")
    assert frames.url.endswith("/ws?events=0&fps=60")


@pytest.mark.parametrize("fps", ["0", "61", "abc", "2.5"])
def test_a_wrong_fps_in_the_url_keeps_the_default_and_the_widget_works(
    tab: WidgetPage, server_thread: ServerThread, fps: str
) -> None:
    frames = Frames(tab.page)
    tab.open(server_thread, f"/widgets/goal?fps={fps}")  # waits until the first state is drawn
    assert frames.url.endswith("/ws?events=0")
