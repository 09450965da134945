"""The top likers leaderboard in headless Chromium: ranks, counts, avatars, and nicknames as text."""

from __future__ import annotations

from itertools import pairwise

import pytest
from playwright.sync_api import Browser, Page, Route

from overlay.events import Like, User
from tests.browser_fixtures import NNBSP, WidgetPage, assert_transparent, screenshot, tiny_png
from tests.conftest import ServerThread

pytestmark = pytest.mark.browser

AVATAR = "https://avatars.example.test/lea.png"  # answered by the test, never fetched from the network
HOSTILE = "<img src=x onerror=alert(1)>"

VIEWERS = [
    Like(count=1234, user=User(id="1", nickname="Léa Martin", avatar=AVATAR)),
    Like(count=900, user=User(id="2", nickname="hugo")),
    Like(count=500, user=User(id="3", nickname=HOSTILE, avatar="javascript:alert(1)")),
    Like(count=20, user=User(id="4", nickname="🦊 renard")),
]


def serve_avatars(page: Page) -> None:
    def fulfill(route: Route) -> None:
        route.fulfill(status=200, content_type="image/png", body=tiny_png())

    page.route("https://avatars.example.test/**", fulfill)


def row(page: Page, rank: int) -> dict[str, str]:
    return page.evaluate(
        """(rank) => {
            const li = document.querySelector(`.top-row[data-rank="${rank}"]`);
            const img = li.querySelector("img");
            return {
                name: li.querySelector(".top-name").textContent,
                count: li.querySelector(".top-count").textContent,
                initials: li.querySelector(".top-initials").textContent,
                img: img.hidden ? "" : img.getAttribute("src"),
            };
        }""",
        rank,
    )


def test_leaderboard_with_avatars_and_initials(browser: Browser, tab: WidgetPage, server_thread: ServerThread) -> None:
    serve_avatars(tab.page)
    server_thread.push(*VIEWERS)
    page = tab.open(server_thread, "/widgets/toplikers")
    page.wait_for_function("() => document.querySelectorAll('.top-row').length === 4")
    assert page.locator("#top-title").text_content() == "Top likers"
    page.wait_for_function("() => document.querySelector('.top-row[data-rank=\"1\"] img').hidden === false")
    assert row(page, 1) == {"name": "Léa Martin", "count": f"1{NNBSP}234", "initials": "LM", "img": AVATAR}
    assert row(page, 2) == {"name": "hugo", "count": "900", "initials": "H", "img": ""}
    # A hostile nickname is text, and a non-https avatar is never loaded.
    assert row(page, 3) == {"name": HOSTILE, "count": "500", "initials": "<S", "img": ""}
    assert row(page, 4)["initials"] == "🦊R"
    assert page.locator("img").count() == 4  # only the rows' own avatar elements
    assert_transparent(browser, page, "toplikers-fr")


def test_ranks_follow_the_likes_and_count_option(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(*VIEWERS)
    page = tab.open(server_thread, "/widgets/toplikers?count=2&locale=en")
    page.wait_for_function("() => document.querySelectorAll('.top-row').length === 2")
    assert [row(page, 1)["name"], row(page, 2)["name"]] == ["Léa Martin", "hugo"]
    server_thread.push(Like(count=2000, user=User(id="4", nickname="🦊 renard")))
    page.wait_for_function(
        "() => document.querySelector('.top-row[data-rank=\"1\"] .top-name').textContent === '🦊 renard'"
    )
    assert row(page, 1)["count"] == "2,020"
    assert row(page, 2)["name"] == "Léa Martin"
    assert page.locator(".top-row").count() == 2


def test_ten_rows_fit_the_documented_500x500(tab: WidgetPage, server_thread: ServerThread) -> None:
    tab.page.set_viewport_size({"width": 500, "height": 500})
    nicknames = ["Louisex", "\u202eenobA", "Mégane_la_plus_grande_fan_2024", "محمد العربي", "Zoé", "Hugo", "Inès",
                 "Lucas_77", "Adam_77", "Chloé_99"]  # fmt: skip
    server_thread.push(*(Like(count=5000 - 400 * i, user=User(id=str(i), nickname=n)) for i, n in enumerate(nicknames)))
    page = tab.open(server_thread, "/widgets/toplikers?count=10")
    page.wait_for_function("() => document.querySelectorAll('.top-row').length === 10")
    page.wait_for_function("() => document.getAnimations().length === 0")  # the rows have slid to their rank
    rows = page.evaluate(
        """() => [...document.querySelectorAll('.top-row')]
            .sort((a, b) => a.dataset.rank - b.dataset.rank)
            .map((li) => {
                const name = li.querySelector('.top-name');
                const box = li.getBoundingClientRect();
                return {top: box.top, bottom: box.bottom, bidi: getComputedStyle(name).unicodeBidi,
                        size: parseFloat(getComputedStyle(name).fontSize)};
            })"""
    )
    assert rows[-1]["bottom"] <= 500.5  # the 10th row is on screen...
    assert all(above["bottom"] <= below["top"] + 0.5 for above, below in pairwise(rows))  # ...none overlap
    assert min(row["size"] for row in rows) >= 16  # and the names are still readable
    assert {row["bidi"] for row in rows} == {"isolate"}  # an untrusted nickname is isolated from the rest
    screenshot(page, "toplikers-10-rows-500x500")


@pytest.mark.parametrize(
    ("size", "query"),
    [((400, 200), "count=5"), ((500, 300), "count=10&title=Mes meilleurs fans du soir, merci à vous tous !")],
)
def test_every_row_fits_a_short_source_and_a_long_title_keeps_to_one_line(
    tab: WidgetPage, server_thread: ServerThread, size: tuple[int, int], query: str
) -> None:
    width, height = size
    tab.page.set_viewport_size({"width": width, "height": height})
    count = int(query.split("count=")[1].split("&")[0])
    server_thread.push(*(Like(count=100 - i, user=User(id=str(i), nickname=f"fan_{i}")) for i in range(count)))
    page = tab.open(server_thread, f"/widgets/toplikers?{query}")
    page.wait_for_function(f"() => document.querySelectorAll('.top-row').length === {count}")
    page.wait_for_function("() => document.getAnimations().length === 0")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('#top-title, .top-row')].map((e) => e.getBoundingClientRect())
            .map((box) => ({top: box.top, bottom: box.bottom, right: box.right, height: box.height}))"""
    )
    title, rows = boxes[0], boxes[1:]
    assert title["height"] < 40, title  # one line
    assert all(row["bottom"] <= height + 0.5 for row in rows), rows  # the last row is on screen too
    assert all(box["right"] <= width + 0.5 for box in boxes), boxes
    screenshot(page, f"toplikers-{count}-rows-{width}x{height}")


@pytest.mark.parametrize(("query", "whole"), [("count=10", 6), ("count=10&scale=1.5", 3)])
def test_a_source_too_short_for_count_shows_whole_rows_only(
    tab: WidgetPage, server_thread: ServerThread, query: str, whole: int
) -> None:
    tab.page.set_viewport_size({"width": 500, "height": 200})  # ten rows cannot shrink enough for it
    server_thread.push(*(Like(count=100 - i, user=User(id=str(i), nickname=f"fan_{i}")) for i in range(10)))
    page = tab.open(server_thread, f"/widgets/toplikers?{query}")
    page.wait_for_function("() => document.querySelectorAll('.top-row').length > 0")
    page.wait_for_function("() => document.getAnimations().length === 0")
    rows = page.evaluate(
        """() => [...document.querySelectorAll('.top-row')]
            .map((li) => ({rank: Number(li.dataset.rank), bottom: li.getBoundingClientRect().bottom}))
            .sort((a, b) => a.rank - b.rank)"""
    )
    screenshot(page, f"toplikers-{query.replace('&', '-')}-500x200")
    cut = [row for row in rows if row["bottom"] > 200 + 0.5]
    assert cut == [], f"rows cut by the source's bottom edge: {cut}"
    # The best ones, as many as fit whole.
    assert [row["rank"] for row in rows] == list(range(1, whole + 1))


def test_a_long_right_to_left_nickname_shows_its_start(tab: WidgetPage, server_thread: ServerThread) -> None:
    tab.page.set_viewport_size({"width": 500, "height": 500})
    arabic = "عبد_الرحمن_محمد_العربي_الكبير"  # 29 characters, too long for the row
    hebrew = "אברהם_יצחק_יעקב_משה_אהרון_דוד"
    server_thread.push(
        Like(count=50, user=User(id="1", nickname=arabic)), Like(count=40, user=User(id="2", nickname=hebrew))
    )
    page = tab.open(server_thread, "/widgets/toplikers")
    page.wait_for_function("() => document.querySelectorAll('.top-row').length === 2")
    page.wait_for_function("() => document.getAnimations().length === 0")
    names = page.evaluate(
        """() => [...document.querySelectorAll('.top-name')].map((name) => {
            const box = name.getBoundingClientRect();
            const letter = (i) => {
                const range = document.createRange();
                range.setStart(name.firstChild, i);
                range.setEnd(name.firstChild, i + 1);
                const r = range.getBoundingClientRect();
                return r.left >= box.left - 0.5 && r.right <= box.right + 0.5;  // drawn inside the name's box
            };
            return {text: name.textContent, cut: name.scrollWidth > name.clientWidth,
                    first: letter(0), last: letter(name.textContent.length - 1)};
        })"""
    )
    assert names == [
        {"text": arabic, "cut": True, "first": True, "last": False},  # the ellipsis takes the end, on the left
        {"text": hebrew, "cut": True, "first": True, "last": False},
    ]


def test_a_viewer_without_a_nickname_gets_a_placeholder(tab: WidgetPage, server_thread: ServerThread) -> None:
    server_thread.push(
        Like(count=90, user=User(id="1", nickname="")), Like(count=20, user=User(id="2", nickname="hugo"))
    )
    page = tab.open(server_thread, "/widgets/toplikers")
    page.wait_for_function("() => document.querySelectorAll('.top-row').length === 2")
    assert row(page, 1) == {"name": "?", "count": "90", "initials": "?", "img": ""}  # as the activity toasts say
    assert row(page, 2)["name"] == "hugo"
