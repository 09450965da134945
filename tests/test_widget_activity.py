"""The recent activity widget in headless Chromium: follows, shares and gifts as toasts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from overlay.events import Follow, Gift, Like, Share, User
from tests.browser_fixtures import WidgetPage, assert_transparent
from tests.conftest import ServerThread

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"


def toasts(page: Page) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('.toast:not(.is-leaving) .toast-text')].map(e => e.textContent)"
    )


def test_follow_share_and_gift_toasts(browser: Browser, tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/widgets/activity")
    server_thread.push(
        Follow(user=User(id="1", nickname="Léa")),
        Like(count=3, user=User(id="2", nickname="Hugo")),  # likes are not activity
        Share(user=User(id="2", nickname="Hugo")),
        Gift(gift="Rose", count=3, diamonds=1, user=User(id="3", nickname="Zoé")),
    )
    page.wait_for_function("() => document.querySelectorAll('.toast').length === 3")
    assert toasts(page) == ["Léa s'abonne", "Hugo partage le live", "Zoé envoie Rose ×3"]
    assert page.locator(".toast").evaluate_all("els => els.map(e => e.dataset.kind)") == ["follow", "share", "gift"]
    assert page.locator(".toast strong").all_text_contents() == ["Léa", "Hugo", "Zoé"]
    assert_transparent(browser, page, "activity-fr")


def test_untrusted_names_are_text(tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/widgets/activity?locale=en")
    server_thread.push(Gift(gift=HOSTILE, count=1, user=User(id="1", nickname=HOSTILE)))
    page.wait_for_function("() => document.querySelectorAll('.toast').length === 1")
    assert toasts(page) == [f"{HOSTILE} sent {HOSTILE} ×1"]
    assert page.locator("img").count() == 0


def test_kinds_max_and_toasts_leave(tab: WidgetPage, server_thread: ServerThread) -> None:
    page = tab.open(server_thread, "/widgets/activity?kinds=gift,follow&max=2&seconds=0.5")
    server_thread.push(Share(user=User(id="9", nickname="Nope")))
    server_thread.push(*(Follow(user=User(id=str(i), nickname=f"fan{i}")) for i in range(10)))
    page.wait_for_function("() => document.querySelectorAll('.toast:not(.is-leaving)').length === 2")
    assert toasts(page) == ["fan8 s'abonne", "fan9 s'abonne"]
    page.wait_for_function("() => document.querySelectorAll('.toast').length === 0")
