"""The `/stats` page in headless Chromium: a recorded live shows its peaks at the right times.

Its own module: the browser fixtures keep an event loop running for the module's lifetime,
which the asyncio tests of `test_stats.py` cannot share.
"""

from __future__ import annotations

import pytest

from tests.browser_fixtures import WidgetPage
from tests.conftest import ServerThread
from tests.test_stats import LULL, NASTY, PEAKS, recorded

__all__ = ["recorded"]  # the fixture, shared with test_stats.py


@pytest.mark.browser
def test_the_stats_page_shows_a_recorded_live_with_its_peaks_at_the_right_times(
    recorded: ServerThread, tab: WidgetPage
) -> None:
    page = tab.page
    page.goto(recorded.url + "/stats")
    row = page.locator("table.lives tbody tr")
    assert row.count() == 1
    cells = row.first.locator("td").all_inner_texts()
    assert cells[1] == "10 min 00 s"
    total = 20 * (600 - 30 - len(LULL)) + 10 * sum(PEAKS.values())
    assert cells[2].replace("\u202f", " ") == f"{total:,}".replace(",", " ")
    assert cells[4].replace("\u202f", " ") == "5 000"  # the best minute: 10 s at 400/s + 50 s at 20/s

    row.first.locator("a").click()
    page.wait_for_selector("#chart")
    moments = page.locator("#moments li")
    assert [int(m) for m in moments.evaluate_all("items => items.map(i => i.dataset.start)")] == list(PEAKS)
    assert moments.locator(".when").all_inner_texts() == ["2:00", "5:00", "7:30"]
    assert "Faites exploser le compteur" in moments.nth(1).inner_text()  # what was running at 5:00
    # The chart marks the same bars, and each bar tells its value on hover (SVG <title>).
    markers = page.locator("#chart .moment").evaluate_all("ms => ms.map(m => Number(m.dataset.start))")
    assert markers == list(PEAKS)
    bar = page.locator('#chart .bar[data-start="120"]')
    assert bar.get_attribute("data-likes") == "4000"
    assert bar.locator("title").text_content() == "2:00–2:10\u00a0: 4\u202f000 likes"
    bar.hover()
    assert page.locator("#rhythm-lull").inner_text().startswith("1 min")  # the 60 s without likes
    # Goals reached and the challenge's outcome are listed; the untrusted nickname is text, not markup.
    assert page.locator("table.goals tbody tr").count() >= 2
    assert "réussi" in page.locator("table.challenges").inner_text()
    assert NASTY in page.locator("#likers").inner_text()
    assert page.locator("#likers img").count() == 0


@pytest.mark.browser
def test_on_a_phone_the_stats_pages_do_not_widen_the_screen(recorded: ServerThread, tab: WidgetPage) -> None:
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(recorded.url + "/stats")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls on its own
    page.locator("table.lives a").first.click()
    page.wait_for_selector("#chart")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
