"""The recent activity widget in headless Chromium: follows, shares and gifts as toasts."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, Page

from overlay.events import Follow, Gift, Like, Share, User
from tests.browser_fixtures import WidgetPage, assert_transparent, screenshot
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


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: without isolation, everything after it in the line is drawn backwards
LONGEST = "Mégane_la_plus_grande_fan_2024"  # 30 characters, TikTok's longest nickname


def lines(page: Page) -> list[dict[str, object]]:
    """Each toast as drawn: its text box, its name's box, and the box of every piece of text after the name."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.toast:not(.is-leaving) .toast-text')].map((text) => {
            const name = text.querySelector('.v-user');
            const box = (r) => ({left: r.left, right: r.right});
            const after = [];
            for (let node = name.nextSibling; node; node = node.nextSibling) {
                const range = document.createRange();
                range.selectNodeContents(node);
                after.push({text: node.textContent, ...box(range.getBoundingClientRect())});
            }
            return {
                text: box(text.getBoundingClientRect()),
                name: {...box(name.getBoundingClientRect()), bidi: getComputedStyle(name).unicodeBidi,
                       cut: name.scrollWidth > name.clientWidth},
                after,
            };
        })"""
    )


def test_a_right_to_left_override_in_a_nickname_stays_in_the_name(
    browser: Browser, tab: WidgetPage, server_thread: ServerThread
) -> None:
    page = tab.open(server_thread, "/widgets/activity")
    viewer = User(id="1", nickname=f"{RLO}enobA")  # shows as "Abone"
    server_thread.push(Follow(user=viewer), Share(user=viewer), Gift(gift="Rose", count=5, user=viewer))
    page.wait_for_function("() => document.querySelectorAll('.toast').length === 3")
    assert toasts(page) == [f"{RLO}enobA s'abonne", f"{RLO}enobA partage le live", f"{RLO}enobA envoie Rose ×5"]
    for line in lines(page):
        assert line["name"]["bidi"] == "isolate"
        # The words after the name are laid out after it, left to right, not turned around before it.
        edges = [line["name"]["right"]] + [edge for piece in line["after"] for edge in (piece["left"], piece["right"])]
        assert all(after >= before - 0.5 for before, after in itertools.pairwise(edges)), line  # (sub-pixel text)
    assert_transparent(browser, page, "activity-rtl-override")


def test_a_30_character_nickname_is_cut_not_the_action(tab: WidgetPage, server_thread: ServerThread) -> None:
    tab.page.set_viewport_size({"width": 600, "height": 400})  # the documented size
    page = tab.open(server_thread, "/widgets/activity")
    viewer = User(id="1", nickname=LONGEST)
    server_thread.push(Follow(user=viewer), Share(user=viewer), Gift(gift="Rose", count=12, user=viewer))
    page.wait_for_function("() => document.querySelectorAll('.toast').length === 3")
    for line in lines(page):
        assert line["name"]["cut"], line  # the name ends in an ellipsis...
        assert line["name"]["right"] - line["name"]["left"] > 150  # ...after a good part of it
        for piece in line["after"]:  # ...and the action is there in full
            assert piece["right"] <= line["text"]["right"] + 0.5, (piece, line["text"])
    assert [piece["text"] for piece in lines(page)[2]["after"]] == [" envoie ", "Rose", " ×", "12"]
    screenshot(page, "activity-longest-nickname-600x400")
