"""The `/stats` page in headless Chromium: a recorded live shows its peaks at the right times.

Its own module: the browser fixtures keep an event loop running for the module's lifetime,
which the asyncio tests of `test_stats.py` cannot share.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page

from overlay.engine import Engine
from overlay.i18n import Locale, format_number
from overlay.store import FILENAME, LiveRecord, Store
from overlay.web.stats import LEFT, RIGHT, WIDTH, date, duration, per_minute, quoted, reader_zone, time_of_day
from tests.browser_fixtures import ARTIFACTS, WidgetPage
from tests.conftest import ServerThread, make_config
from tests.test_stats import CONFIG, LULL, NASTY, PEAKS, fetch, recorded

__all__ = ["recorded"]  # the fixture, shared with test_stats.py


def chart_ready(page: Page) -> None:
    """After a click to a live's page: its chart is there and stats.js (deferred) has written the times."""
    page.wait_for_selector("#chart")  # (in the new page: the old one has none)
    page.wait_for_load_state("domcontentloaded")  # deferred scripts have run by then


@pytest.mark.browser
def test_the_stats_page_shows_a_recorded_live_with_its_peaks_at_the_right_times(
    recorded: ServerThread, tab: WidgetPage
) -> None:
    page = tab.page
    page.goto(recorded.url + "/stats")
    row = page.locator("table.lives tbody tr[data-live]")
    assert row.count() == 1
    cells = row.first.locator("td").all_inner_texts()
    assert cells[1] == "10\u00a0min\u00a000\u00a0s"
    total = 20 * (600 - 30 - len(LULL)) + 10 * sum(PEAKS.values())
    assert cells[2].replace("\u202f", " ") == f"{total:,}".replace(",", " ")
    assert cells[5].replace("\u202f", " ") == "5 000"  # the best minute: 10 s at 400/s + 50 s at 20/s

    row.first.locator("a").click()
    chart_ready(page)
    moments = page.locator("#moments li")
    assert [int(m) for m in moments.evaluate_all("items => items.map(i => i.dataset.start)")] == list(PEAKS)
    assert moments.locator(".when").all_inner_texts() == ["0:02:00", "0:05:00", "0:07:30"]
    assert "Faites exploser le compteur" in moments.nth(1).inner_text()  # what was running at 0:05:00
    # The chart marks the same bars, and each bar tells its value on hover (SVG <title>).
    markers = page.locator("#chart .moment").evaluate_all("ms => ms.map(m => Number(m.dataset.start))")
    assert markers == list(PEAKS)
    bar = page.locator('#chart .bar[data-start="120"]')
    assert bar.get_attribute("data-likes") == "4000"
    assert bar.locator("title").text_content() == "0:02:00–0:02:10\u202f: 4\u202f000\u00a0likes"
    bar.hover()
    assert page.locator("#rhythm-lull").inner_text().startswith("1\u00a0min")  # the 60 s without likes
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
    page.locator('table.lives tr[data-live="1"] a').click()
    chart_ready(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


# -- a long live and a near-empty one, written straight into a store ---------------------------

START = 1_750_000_000.0
HOURS = 12
BURST = 3 * 3600  # 10 s at 200 likes/s, while a challenge runs
OUTAGE = (6 * 3600.0, 3600.0, "server")  # the server was down for an hour at 6:00:00
EXPLOSE = {
    "id": "explose",
    "label": "Faites exploser le compteur !",
    "target": 500,
    "started": BURST - 30.0,
    "ended": BURST + 30.0,
    "outcome": "succeeded",
    "likes": 2100,
}


def _record(live_id: int, started_at: float, seconds: int, likes: dict[int, int], **extra: Any) -> LiveRecord:
    """A finished live, its room total running with its likes."""
    running, totals = 0, {}
    for second in sorted(likes):
        running += likes[second]
        totals[second] = running
    return LiveRecord(
        id=live_id,
        room_id=f"room-{live_id}",
        source="test",
        started_at=started_at,
        seconds=seconds,
        ended=True,
        total=running,
        likes=likes,
        totals=totals,
        **extra,
    )


def long_live() -> LiveRecord:
    """Twelve hours at 2 likes/s with a burst in a challenge, a goal at 0:08:20 and an hour of outage."""
    down = range(int(OUTAGE[0]), int(OUTAGE[0] + OUTAGE[1]))
    likes = {second: 2 for second in range(HOURS * 3600) if second not in down}
    likes.update({second: 200 for second in range(BURST, BURST + 10)})
    return _record(
        1,
        START,
        HOURS * 3600,
        likes,
        goals=[("warmup", "1 000 likes ensemble !", 1000, 500.0)],
        outages=[OUTAGE],
        challenges=[EXPLOSE],
        likers=[("u1", "Léa", 5000)],
    )


def lone_like() -> LiveRecord:
    """Two minutes with a single like: its moment, its bar and its best minute all count one."""
    return _record(2, START + 86_400, 120, {5: 1})


def store_lives(data_dir: Path, *lives: LiveRecord) -> Path:
    """Written straight into the store: twelve hours in a second, where the engine would take minutes."""
    store = Store(data_dir / FILENAME).open()
    store.write(list(lives), START + 2 * 86_400)
    store.close()
    return data_dir


def served(data_dir: Path, live: LiveRecord, *addresses: str) -> list[str]:
    """Each address's text from a server on `live`, stored in `data_dir`; the server is stopped after."""
    server = ServerThread(CONFIG, store_lives(data_dir, live)).start()
    try:
        return [fetch(server.url + address)[1] for address in addresses]
    finally:
        server.stop()


@pytest.fixture(scope="module")
def lives(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A French server with the long live (#1) and the one-like live (#2)."""
    data_dir = store_lives(tmp_path_factory.mktemp("lives"), long_live(), lone_like())
    server = ServerThread(CONFIG, data_dir).start()
    yield server
    server.stop()


def export_link(page: str, kind: str) -> str:
    """The page's export link, as a click would follow it."""
    found = re.search(rf'href="(/stats/\d+\.{kind}[^"]*)"', page)
    assert found, f"no {kind} link on the page"
    return html.unescape(found.group(1))


@pytest.mark.parametrize(("config_locale", "page_locale"), [("fr", "en"), ("en", "fr")])
def test_the_export_links_follow_the_pages_language_not_the_servers(
    tmp_path: Path, config_locale: str, page_locale: str
) -> None:
    server = ServerThread(make_config(locale=config_locale), store_lives(tmp_path, lone_like())).start()
    try:
        _, page = fetch(f"{server.url}/stats/2?locale={page_locale}")
        _, text = fetch(server.url + export_link(page, "csv"))
        assert "locale=" + page_locale in export_link(page, "json")
    finally:
        server.stop()
    lines = text.splitlines()
    header, liked = lines[0], lines[1 + 5]  # every second has its row: the like came at second 5
    if page_locale == "fr":  # a French Excel: `;`, and headers in French
        assert header == "seconde;heure;likes;total;serveur_arrete;connexion_perdue;en_pause"
        assert liked.startswith("5;")
        assert liked.endswith(";1;1;0;0;0")
    else:
        assert header == "second,time,likes,total,server_down,connection_lost,paused"
        assert liked.startswith("5,")
        assert liked.endswith(",1,1,0,0,0")


def point_in(page: Page, selector: str, *, dy: float = 0.5) -> dict[str, Any]:
    """What the mouse is over at the middle of `selector` (`dy` of the way down its box): its tooltip."""
    return page.evaluate(
        """([selector, dy]) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height * dy);
            const owner = hit && hit.closest("g.bar, g.bands, g.outages, g.goal");
            const title = owner && (owner.querySelector(":scope > title")
                || [...owner.querySelectorAll("rect")].find(r => r === hit)?.querySelector("title"));
            return {group: owner ? owner.getAttribute("class") : null, title: title ? title.textContent : null};
        }""",
        [selector, dy],
    )


@pytest.mark.browser
def test_challenge_and_outage_bands_tell_their_tooltip_and_bars_still_tell_theirs(
    lives: ServerThread, tab: WidgetPage
) -> None:
    page = tab.page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(lives.url + "/stats/1")
    assert point_in(page, "#chart .bands rect", dy=0.05) == {
        "group": "bands",
        "title": "défi \u2068Faites exploser le compteur !\u2069 — réussi",  # (isolated: a creator's text)
    }
    assert point_in(page, "#chart .outages rect", dy=0.05) == {
        "group": "outages",
        "title": "Serveur arrêté — 6:00:00, 1\u00a0h\u00a000\u00a0min",
    }
    burst = f'#chart .bar[data-start="{BURST}"]'
    assert point_in(page, burst + " .fill") == {"group": "bar", "title": "3:00:00–3:02:00\u202f: 2\u202f220\u00a0likes"}
    assert point_in(page, '#chart .bar[data-start="0"] .fill')["group"] == "bar"


def at_width(page: Page, server: ServerThread, locale: str, width: int, height: int) -> None:
    """The list of lives in a window (or an OBS dock) this wide; a screenshot kept with the test artifacts."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{server.url}/stats?locale={locale}")
    page.screenshot(path=ARTIFACTS / f"stats-list-{locale}-{width}.png", full_page=True)


def to_the_long_live(page: Page, locale: str, width: int) -> None:
    """From the list, the twelve-hour live's page, as a click opens it; a screenshot too."""
    page.locator('table.lives tr[data-live="1"] a').click()
    chart_ready(page)
    page.screenshot(path=ARTIFACTS / f"stats-live-{locale}-{width}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_in_a_narrow_obs_dock_the_chart_scrolls_readable_and_the_lists_stack(
    lives: ServerThread, tab: WidgetPage, locale: str
) -> None:
    page = tab.page
    at_width(page, lives, locale, 300, 800)
    assert page.evaluate("document.documentElement.scrollWidth") <= 300
    assert offscreen(page, "table.lives td, table.lives td *", 300) == []
    to_the_long_live(page, locale, 300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 300
    assert offscreen(page, "table.challenges td, table.goals td", 300) == []
    chart = page.locator("#chart").bounding_box()
    assert chart is not None
    assert chart["width"] >= 800
    assert page.evaluate(
        "(() => { const s = document.querySelector('.chart-scroll'); return s.scrollWidth > s.clientWidth; })()"
    )
    label = page.locator("#chart .grid text").last.bounding_box()
    assert label is not None
    assert label["height"] >= 10
    bar = page.locator('#chart .bar[data-start="0"] .fill').bounding_box()
    assert bar is not None
    assert bar["width"] >= 1.5


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_on_a_wide_screen_the_chart_fits_and_the_lists_are_tables(
    lives: ServerThread, tab: WidgetPage, locale: str
) -> None:
    page = tab.page
    at_width(page, lives, locale, 1280, 900)
    assert page.locator("table.lives thead").is_visible()
    to_the_long_live(page, locale, 1280)
    assert page.evaluate(
        "(() => { const s = document.querySelector('.chart-scroll'); return s.scrollWidth <= s.clientWidth; })()"
    )
    assert page.locator("table.challenges thead").is_visible()


def offscreen(page: Page, selector: str, width: int) -> list[str]:
    """Texts of the elements that stick out of a `width`-pixel screen, or of their table (sideways scroll)."""
    return page.evaluate(
        """([selector, width]) => [...document.querySelectorAll(selector)].filter(e => {
            const box = e.getBoundingClientRect(), table = e.closest("table");
            return box.right > width + 0.5 || box.left < -0.5 || table.scrollWidth > table.clientWidth + 1;
        }).map(e => e.textContent.trim())""",
        [selector, width],
    )


@pytest.mark.browser
@pytest.mark.parametrize(("path", "last"), [("/stats/1", "12:00:00"), ("/stats/2?locale=en", "0:02:00")])
def test_the_last_time_on_the_charts_axis_is_not_cut_off(
    lives: ServerThread, tab: WidgetPage, path: str, last: str
) -> None:
    page = tab.page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(lives.url + path)
    label = page.locator("#chart .grid text").last
    assert label.text_content() == last
    box = label.evaluate("t => { const b = t.getBBox(); return b.x + b.width; }")
    assert box <= page.evaluate("document.getElementById('chart').viewBox.baseVal.width")


@pytest.mark.parametrize(
    ("locale", "bar", "peak"),
    [
        ("fr", "0:00:00–0:00:10\u202f: 1\u00a0like<", "1\u00a0like/min"),
        ("en", "0:00:00–0:00:10: 1\u00a0like<", "1\u00a0like/min"),
    ],
)
def test_one_like_is_written_in_the_singular(lives: ServerThread, locale: str, bar: str, peak: str) -> None:
    _, page = fetch(f"{lives.url}/stats/2?locale={locale}")
    assert "</span> — 1\u00a0like\n" not in page  # (one like is no moment: see tests/test_stats.py)
    assert bar in page
    assert peak in page
    assert "1\u00a0likes" not in page
    _, long = fetch(f"{lives.url}/stats/1?locale={locale}")
    assert re.search(r"</span> — \d[\d\u202f,]*\u00a0likes\n", long)  # and more than one, in the plural


def test_times_into_the_live_are_always_hours_minutes_seconds_axis_included(lives: ServerThread) -> None:
    _, page = fetch(lives.url + "/stats/1")
    # The goal at 500 s and the challenge: not 8:20 o'clock.
    assert re.findall(r'<td data-label="Temps écoulé">([^<]*)</td>', page) == ["0:08:20", "2:59:30"]
    moments = re.findall(r'<strong class="when"><a href="#bar-\d+">([^<]*)</a></strong>', page)
    assert moments
    assert all(re.fullmatch(r"\d+:\d\d:\d\d", when) for when in moments)
    _, lone = fetch(lives.url + "/stats/2")
    assert "(à partir de 0:00:10)" in lone  # the lull
    axis = re.findall(r'text-anchor="middle">([^<]*)</text>', lone.split('class="bars"')[0])
    assert axis[0] == "0:00:00"
    assert axis[-1] == "0:02:00"
    assert all(re.fullmatch(r"\d+:\d\d:\d\d", label) for label in axis)


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("fr", "<strong>Attention\u202f: </strong>L'historique des lives "),
        ("en", "<strong>Warning: </strong>The live history "),
    ],
)
def test_the_damaged_history_warning_is_punctuated_and_worded_in_the_pages_language(
    tmp_path: Path, locale: str, said: str
) -> None:
    (tmp_path / FILENAME).write_bytes(b"these are not the likes you are looking for" * 100)
    server = ServerThread(CONFIG, tmp_path).start()
    try:
        _, page = fetch(f"{server.url}/stats?locale={locale}")
    finally:
        server.stop()
    notice = html.unescape(page.split('class="notice"')[1].split("</p>")[0])
    assert said in notice
    if locale == "fr":
        assert "a été déplacé vers" in notice
        assert "commencé\u202f; rien n'a été supprimé." in notice
        assert "could not be read" not in notice


def test_a_live_without_likes_says_so_rather_than_calling_its_rhythm_even(tmp_path: Path) -> None:
    (page,) = served(tmp_path, _record(3, START, 3600, {}), "/stats/3")
    assert "Aucun like reçu pendant ce live." in page
    assert "hauts et bas habituels" not in page  # (no likes: nothing to compare a moment with)
    assert re.search(r'id="rhythm-lull">—<', page)  # not "aucun" creux in an hour without a like


def test_the_charts_values_are_also_a_table_for_a_keyboard_a_screen_reader_or_a_phone(lives: ServerThread) -> None:
    # A bar's value was only in its tooltip: a mouse's hover.
    _, page = fetch(f"{lives.url}/stats/1")
    values = re.search(r'<details class="chart-values".*?</details>', page, re.DOTALL)
    assert values is not None
    assert "<summary>Les valeurs du graphique, en tableau</summary>" in values.group(0)
    rows = re.findall(r'<tr><td>([^<]*)</td><td class="num">([^<]*)</td></tr>', values.group(0))
    assert len(rows) == HOURS * 30  # a row a bar: 2 minutes each in 12 hours
    assert rows[BURST // 120] == ("3:00:00–3:02:00", format_number(10 * 200 + 110 * 2, "fr"))
    assert rows[0] == ("0:00:00–0:02:00", "240")


@pytest.mark.parametrize(
    ("seconds", "likes", "said"),
    [
        (3, {0: 15, 1: 15, 2: 15}, "trop peu de likes pour en distinguer un"),  # 45 likes: no bar could be a moment
        (3600, {60: 45}, "trop peu de likes pour en distinguer un"),  # a quiet hour (its longest lull: 59 min)
        # 60 likes in 10 s of 4 hours: a moment there needs 68 (picked from 6 windows to a 1-minute bar)
        (4 * 3600, {3600 + s: 6 for s in range(10)}, "trop peu de likes pour en distinguer un"),
        (90, {s: 20 for s in range(90)}, "le live est trop court pour en distinguer un"),
        (1800, {s: 20 for s in range(1800)}, "aucun moment n'a dépassé les hauts et bas habituels du live"),
    ],
)
def test_a_live_without_a_top_moment_says_why_truly(
    tmp_path: Path, seconds: int, likes: dict[int, int], said: str
) -> None:
    # "The rhythm stayed even" was said of a 3-second live and of an hour with one batch of likes.
    (page,) = served(tmp_path, _record(3, START, seconds, likes), "/stats/3")
    assert html.unescape(re.search(r'id="no-moments">Pas de pic marqué\u202f: ([^<]*)\.<', page).group(1)) == said
    hint = re.search(r'id="chart-hint" hidden>([^<]*)<', page)
    assert hint is not None
    assert hint.group(1) == "Le graphique continue à droite\u202f: faites-le glisser."  # no moment to tap


def test_a_running_lives_last_bar_is_as_wide_as_the_seconds_it_covers(tmp_path: Path) -> None:
    # 10 minutes and 4 seconds at 20 likes a second: the last 10-second bar has 4 seconds of likes. Drawn as wide as
    # the others, it made the live seem to end on a drop.
    running = dataclasses.replace(_record(3, START, 604, {s: 20 for s in range(604)}), ended=False)
    (page,) = served(tmp_path, running, "/stats/3")
    bars = re.findall(
        r'<g class="bar" id="bar-(\d+)"[^>]*><title>([^<]*)</title><rect class="hit"[^>]*/>'
        r'<rect class="fill" x="[^"]*" y="[^"]*" width="([^"]*)"',
        page,
    )
    assert len(bars) == 61
    (_, _, full), (last, title, partial) = bars[-2], bars[-1]
    assert last == "600"
    assert title == "0:10:00–0:10:04\u202f: 80\u00a0likes"  # its span ends with the live
    assert float(partial) == pytest.approx(float(full) * 4 / 10, abs=0.02)
    assert "<td>0:10:00–0:10:04</td>" in page  # the chart's values, as a table


@pytest.mark.parametrize(
    ("locale", "no_peak", "no_lull"),
    [
        (
            "fr",
            "Pas de pic marqué\u202f: aucun moment n'a dépassé les hauts et bas habituels du live.",
            "aucun de 30\u00a0s ou plus sous 25\u202f% de la moyenne",
        ),
        (
            "en",
            "No marked peak: no moment stood out above the live's usual ups and downs.",
            "none of 30\u00a0s or more below 25% of the average",
        ),
    ],
)
def test_a_live_of_ups_and_downs_without_a_peak_or_lull_is_not_called_steady(
    tmp_path: Path, locale: str, no_peak: str, no_lull: str
) -> None:
    # Minutes at 400 likes a bar, then at 130: no bar stands out from the live's own ups and downs, and no
    # minute falls under a quarter of the average, yet "the rhythm stayed even" and a lull of "none" read
    # as if the chart were flat.
    likes = {second: 40 if second // 60 % 2 == 0 else 13 for second in range(1800)}
    (page,) = served(tmp_path, _record(3, START, 1800, likes), f"/stats/3?locale={locale}")
    assert re.search(r'<td class="num">400</td>', page)  # (the chart's values: the bars go from 400...)
    assert re.search(r'<td class="num">130</td>', page)  # (...to 130 likes)
    assert html.unescape(re.search(r'id="no-moments">([^<]*)<', page).group(1)) == no_peak
    assert re.search(r'id="rhythm-lull">([^<]*)<', page).group(1) == no_lull


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("demo", "la démo ne comptait rien pendant ce temps"),
        ("tiktok", "les likes de ce moment sont dans le total du live"),
    ],
)
def test_a_server_stop_says_where_its_likes_went_as_the_source_allows(tmp_path: Path, source: str, said: str) -> None:
    # TikTok's room total catches up the likes of the stop; the demo, simulated here, sent none meanwhile.
    stopped = dataclasses.replace(_record(3, START, 600, {s: 2 for s in range(600)}), source=source)
    stopped.outages = [(120.0, 60.0, "server")]
    (page,) = served(tmp_path, stopped, "/stats/3")
    outage = re.search(r'<p class="outage">([^<]*)</p>', page)
    assert outage is not None
    assert said in outage.group(1)


@pytest.mark.parametrize(("locale", "band"), [("fr", "live en pause"), ("en", "live paused")])
def test_the_charts_legend_names_the_grey_band_of_a_pause(tmp_path: Path, locale: str, band: str) -> None:
    # A pause in TikTok's app is drawn as the server's and the connection's stretches are: the legend says so.
    paused = _record(3, START, 600, {s: 2 for s in range(600) if not 120 <= s < 180})
    paused.outages = [(120.0, 60.0, "pause")]
    (page,) = served(tmp_path, paused, f"/stats/3?locale={locale}")
    about = re.search(r'<p class="about">([^<]*)</p>', page)
    assert about is not None
    assert band in html.unescape(about.group(1))
    drawn = page[page.index('<g class="outages">') :].split("</g>")[0]  # ...over the band it names
    assert f"<title>{band.capitalize()} — 0:02:00, " in drawn


def test_the_exports_say_they_must_not_be_sniffed(lives: ServerThread) -> None:
    # A browser guessing a type could run a CSV whose nicknames a viewer chose as something else.
    for link in ("/stats/1.csv", "/stats/1.json"):
        with urllib.request.urlopen(lives.url + link, timeout=10) as response:
            assert response.headers["X-Content-Type-Options"] == "nosniff", link


def test_the_exports_are_named_with_the_lives_day(tmp_path: Path) -> None:
    # `live-1.csv` from two days (or two data folders) overwrote one another in Downloads.
    server = ServerThread(CONFIG, store_lives(tmp_path, lone_like())).start()
    try:
        names = []
        for link in ("/stats/2.csv?tz=Asia/Kathmandu", "/stats/2.json?tz=Asia/Kathmandu"):
            with urllib.request.urlopen(server.url + link, timeout=10) as response:
                names.append(response.headers["Content-Disposition"])
    finally:
        server.stop()
    day = datetime.fromtimestamp(START + 86_400, ZoneInfo("Asia/Kathmandu")).date().isoformat()
    assert names[0] == f'attachment; filename="live-2-{day}.csv"'  # the day where the reader is, as the rows are
    assert names[1] == f'attachment; filename="live-2-{day}.json"'  # the same day on both


def test_the_csv_gives_the_rooms_count_as_it_stood_before_the_first_like(tmp_path: Path) -> None:
    joined_late = LiveRecord(
        id=4, room_id="room-4", source="tiktok", started_at=START, seconds=10, ended=True,
        total=50_001, likes={5: 1}, totals={5: 50_001},
    )  # fmt: skip
    (text,) = served(tmp_path, joined_late, "/stats/4.csv?locale=en")
    totals = [row.split(",")[3] for row in text.splitlines()[1:]]
    assert totals == ["50000"] * 5 + ["50001"] * 5  # not a cliff from 0


def crash_and_restart() -> LiveRecord:
    """As a soak saw it: the last save at 5.6 s, 707 likes counted in second 5, then a crash and a restart at 8.8 s
    that counted likes in second 8. Then TikTok lost from 12.5 s to 14.5 s (likes in 12, none in 13 or 14) and the
    live paused from 16.25 s to 18 s (none in 16, likes in 17, covered whole)."""
    likes = {second: 10 for second in [*range(5), *range(8, 13), 15, 17, 18, 19]} | {5: 707}
    outages = [(5.6, 3.2, "server"), (12.5, 2.0, "connection"), (16.25, 1.75, "pause")]
    return _record(5, START, 20, likes, outages=outages)


def test_a_second_only_partly_in_an_outage_is_flagged_only_if_no_like_was_counted_in_it(tmp_path: Path) -> None:
    # Seconds 5 and 8 read "server down", as if nothing could have been counted in them.
    (text,) = served(tmp_path, crash_and_restart(), "/stats/5.csv?locale=en")
    rows = list(csv.DictReader(io.StringIO(text)))
    flagged = {kind: [int(row["second"]) for row in rows if row[kind] == "1"] for kind in list(rows[0])[4:]}
    assert flagged == {"server_down": [6, 7], "connection_lost": [13, 14], "paused": [16, 17]}
    assert (rows[5]["likes"], rows[8]["likes"]) == ("707", "10")


def test_an_outages_band_is_drawn_over_its_exact_time_not_its_whole_seconds(tmp_path: Path) -> None:
    # The crash's band began at 5 s, over the second whose 707 likes were counted, and ended at 8 s, not 8.8 s.
    (page,) = served(tmp_path, crash_and_restart(), "/stats/5?locale=en")
    drawn = page[page.index('<g class="outages">') :].split("</g>")[0]
    bands = [(float(x), float(w)) for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', drawn)]

    def at(second: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * second / 20  # (a 20-second live: two bars of 10 s)

    expected = [(at(5.6), at(8.8) - at(5.6)), (at(12.5), at(14.5) - at(12.5)), (at(16.25), at(18) - at(16.25))]
    assert bands == [(pytest.approx(x, abs=0.01), pytest.approx(w, abs=0.02)) for x, w in expected]


# -- French typography -------------------------------------------------------------------------

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(3600, "1 h 00 min"), (605, "10 min 05 s"), (45, "45 s"), (0, "0 s")],
)
def test_a_duration_keeps_its_numbers_and_units_on_one_line(seconds: int, said: str) -> None:
    assert duration(seconds) == said.replace(" ", NBSP)  # ("1 h 00 / min" wrapped at 1080p)


@pytest.mark.parametrize(
    ("locale", "count", "said"),
    [("fr", 0, "0 like/min"), ("fr", 1.4, "1 like/min"), ("fr", 1.6, "2 likes/min"), ("en", 0, "0 likes/min"),
     ("en", 1, "1 like/min"), ("en", 1200, "1,200 likes/min")],
)  # fmt: skip
def test_french_says_0_and_1_like_in_the_singular_english_only_1(locale: Locale, count: float, said: str) -> None:
    assert per_minute(count, locale) == said.replace(" ", NBSP)


def test_a_quoted_text_keeps_its_guillemets_on_its_line(lives: ServerThread) -> None:
    assert quoted("Explose !", "fr") == f"«{NBSP}<bdi>Explose !</bdi>{NBSP}»"
    assert quoted("<b>", "en") == "“<bdi>&lt;b&gt;</bdi>”"  # (creator's text: never markup)
    _, page = fetch(lives.url + "/stats/1")
    assert f"défi «{NBSP}<bdi>Faites exploser le compteur !</bdi>{NBSP}»" in page
    assert "« " not in page
    assert " »" not in page


@pytest.mark.parametrize("path", ["/stats", "/stats/1", "/stats/2"])
def test_no_french_sign_starts_a_line_of_its_own(lives: ServerThread, path: str) -> None:
    _, page = fetch(lives.url + path)
    ours = re.sub(r"<bdi>.*?</bdi>|\u2068.*?\u2069", "", page)  # (the creator's texts stay as written)
    assert re.findall(r"\w+ [:;!?»]", ours) == []  # a narrow no-break space before : ; ! ?, as the other pages


def test_the_pages_words_read_well_on_a_finished_live_too(tmp_path: Path) -> None:
    quiet = _record(3, START, 3600, {}, challenges=[{**EXPLOSE, "likes": 0}])
    french, english = served(tmp_path, quiet, "/stats/3", "/stats/3?locale=en")
    assert '<th class="num">Likes</th>' in french  # beside "Temps écoulé", "Défi", "Résultat"
    assert "Aucun liker connu par son nom." in french  # not "Personne n'est encore connu", once the live is over
    assert "No likers known by name." in english
    assert "No likes during this live." in english
    assert f"0{NBSP}like/min" in french
    assert f"0{NBSP}likes/min" in english


# -- names from anywhere: right to left, and very long -------------------------------------------

ARABIC = "محمد علي"
LONG_NAME = ("Léa_la_plus_grande_fan_du_live_" * 3)[:80]  # no space to break at
LONG_LABEL = "Objectif_" + "x" * 70 + "_!"


def crowd_live() -> LiveRecord:
    """Two hours at 2 likes/s, bursts at 0:10:00 and 1:45:00; viewers and texts from anywhere."""
    likes = {second: 2 for second in range(7200)}
    likes.update({second: 200 for second in (*range(600, 610), *range(6300, 6310))})
    return _record(
        5,
        START,
        7200,
        likes,
        goals=[("g1", ARABIC, 1000, 500.0), ("g2", LONG_LABEL, 5000, 2000.0)],
        challenges=[{**EXPLOSE, "id": "x", "label": ARABIC, "started": 590.0, "ended": 650.0}],
        likers=[("u1", ARABIC, 908), ("u2", LONG_NAME, 700), ("u3", "Léa", 50)],
    )


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = ServerThread(CONFIG, store_lives(tmp_path_factory.mktemp("crowd"), crowd_live())).start()
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_each_live_is_listed_under_its_month_where_the_reader_is(
    tmp_path: Path, browser: Browser, locale: Locale
) -> None:
    # Noon UTC on 30 November is 1 December in Auckland: the date said so, the month heading said November.
    mid_november = datetime(2026, 11, 15, 12, tzinfo=UTC).timestamp()
    end_of_november = datetime(2026, 11, 30, 12, tzinfo=UTC).timestamp()
    lives = (_record(1, mid_november, 60, {5: 1}), _record(2, end_of_november, 60, {5: 1}))
    server = ServerThread(CONFIG, store_lives(tmp_path, *lives)).start()
    context = browser.new_context(timezone_id="Pacific/Auckland")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/stats?locale={locale}")
        months = page.evaluate(
            """() => [...document.querySelectorAll("table.lives tbody")].map(body =>
                [body.querySelector("tr.month th").textContent, [...body.querySelectorAll("tr[data-live]")]
                    .map(row => row.dataset.live + " " + row.querySelector("time").textContent)])"""
        )
    finally:
        context.close()
        server.stop()
    auckland = ZoneInfo("Pacific/Auckland")
    december, november = ("Décembre 2026", "Novembre 2026") if locale == "fr" else ("December 2026", "November 2026")
    assert months == [
        [december, [f"2 {date(end_of_november, locale, auckland)}"]],
        [november, [f"1 {date(mid_november, locale, auckland)}"]],
    ]


@pytest.mark.browser
def test_a_right_to_left_nickname_keeps_its_count_after_it(crowd: ServerThread, tab: WidgetPage) -> None:
    page = tab.page
    page.goto(crowd.url + "/stats/5")
    first = page.locator("#likers li").first
    name, count = first.locator(".name").bounding_box(), first.locator(".num").bounding_box()
    assert name is not None
    assert count is not None
    assert count["x"] >= name["x"] + name["width"] - 0.5  # "محمد علي 908", not "908 محمد علي"


@pytest.mark.browser
def test_each_likers_count_stands_apart_from_the_name_at_its_columns_right_edge(
    tmp_path: Path, tab: WidgetPage
) -> None:
    # "Louise_99 2 873": a name ending in digits ran into a French spaced number, a space apart.
    fans = [("u1", "Louise_99", 2873), ("u2", "Jade_99", 241), ("u3", ARABIC, 90), ("u4", LONG_NAME, 12)]
    server = ServerThread(CONFIG, store_lives(tmp_path, _record(3, START, 600, {5: 1}, likers=fans))).start()
    page = tab.page
    try:
        for width in (1920, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(server.url + "/stats/3")
            rows = page.evaluate(
                """() => [...document.querySelectorAll("#likers li")].map(li => {
                    const item = li.getBoundingClientRect(), count = li.querySelector(".num").getBoundingClientRect();
                    const name = li.querySelector(".name").getClientRects();  // (a long name: one box a line)
                    const last = name[name.length - 1];
                    return {count: li.querySelector(".num").textContent, gap: count.left - last.right,
                            from_edge: item.right - count.right, same_line: last.top < count.bottom};
                })"""
            )
            assert [row["count"] for row in rows] == ["2\u202f873", "241", "90", "12"]
            for row in rows:
                assert abs(row["from_edge"]) <= 0.5, (width, row)  # a right-aligned column of counts
                if row["same_line"]:
                    assert row["gap"] >= 12, (width, row)  # not a mere space after the name
    finally:
        server.stop()


def test_the_creators_and_viewers_texts_are_isolated_wherever_they_show(crowd: ServerThread) -> None:
    _, page = fetch(crowd.url + "/stats/5")
    in_page = len(re.findall(f"<bdi[^>]*>{ARABIC}</bdi>", page))
    assert page.count(ARABIC) == in_page + page.count(f"\u2068{ARABIC}\u2069")  # HTML; SVG tooltips
    assert in_page >= 4  # goal, challenge, moment's challenge, liker
    assert page.count(f"\u2068{ARABIC}\u2069") >= 2  # the chart's goal line and challenge band


@pytest.mark.browser
@pytest.mark.parametrize("width", [1920, 700, 390, 300])
def test_a_long_nickname_or_label_never_makes_the_page_scroll_sideways(
    crowd: ServerThread, tab: WidgetPage, width: int
) -> None:
    page = tab.page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(crowd.url + "/stats/5")
    page.screenshot(path=ARTIFACTS / f"stats-crowd-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # (2021 px wide at 1920)
    likers = page.locator("#likers").bounding_box()
    name = page.locator("#likers li").nth(1).bounding_box()
    assert likers is not None
    assert name is not None
    assert name["x"] + name["width"] <= likers["x"] + likers["width"] + 0.5
    assert offscreen(page, "table.goals td, table.challenges td", width) == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [560, 680, 721, 760, 821, 900, 1000])
def test_between_a_dock_and_a_desktop_no_column_hides_behind_a_sideways_scroll(
    lives: ServerThread, tab: WidgetPage, width: int
) -> None:
    # A phone held sideways, a wide dock, a small window: the lives' eight columns, headings included, fit or
    # turn into cards (they scrolled sideways from 481 to 640 px, and the table was 1,072 px wide up to 1,060).
    page = tab.page
    for locale in ("fr", "en"):
        at_width(page, lives, locale, width, 800)
        assert offscreen(page, "table.lives td, table.lives td *", width) == []
        to_the_long_live(page, locale, width)
        assert offscreen(page, "table.challenges td, table.goals td", width) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width


# -- the time of day, in the reader's time zone -------------------------------------------------


def test_dates_say_the_weekday_and_the_time_as_each_language_does() -> None:
    # 1_750_000_000 is Sunday 15 June 2025, 15:06:40 UTC.
    assert date(START, "fr", UTC) == "dim. 15\u00a0juin\u00a02025, 15\u00a0h\u00a006"
    assert date(START, "en", UTC) == "Sun 15\u00a0Jun\u00a02025, 3:06\u00a0pm"
    assert time_of_day(START - 15 * 3600, "en", UTC) == "12:06\u00a0am"
    assert time_of_day(START - 15 * 3600, "fr", UTC) == "0\u00a0h\u00a006"


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_times_of_day_are_written_in_the_readers_time_zone(
    crowd: ServerThread, browser: Browser, locale: Locale
) -> None:
    nepal = ZoneInfo("Asia/Kathmandu")  # UTC+5:45: never the server's zone, whatever the machine's
    context = browser.new_context(timezone_id="Asia/Kathmandu", locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{crowd.url}/stats?locale={locale}")
        assert page.locator("table.lives time").inner_text() == date(START, locale, nepal)
        assert page.locator("table.lives time").get_attribute("datetime") == "2025-06-15T15:06:40Z"
        page.locator("table.lives a").click()
        chart_ready(page)
        assert page.locator("#live-date time").inner_text() == date(START, locale, nepal)
        assert date(START, locale, nepal) in page.title()
        moments = page.locator("#moments li")
        for index in range(moments.count()):
            start = int(moments.nth(index).get_attribute("data-start") or "")
            # "0:10:00 · 21 h 01": the time into the live, then the time of day it was
            assert moments.nth(index).locator(".at time").inner_text() == time_of_day(START + start, locale, nepal)
        csv_link = page.locator("a[href*='.csv']").get_attribute("href") or ""
        json_link = page.locator("a[href*='.json']").get_attribute("href") or ""
    finally:
        context.close()
    assert "&tz=Asia%2FKat" in csv_link  # (Chromium says Asia/Katmandu, the older name of the same zone)
    assert "&tz=Asia%2FKat" in json_link  # (its file is named with the live's day there too)
    _, text = fetch(csv_link)
    first = text.splitlines()[1].split(";" if locale == "fr" else ",")
    assert first[:2] == ["0", "2025-06-15 20:51:40"]  # 15:06:40 UTC in Nepal, not in the server's zone


@pytest.mark.parametrize(
    "name", ["", "Nowhere/Atlantis", "../../etc/passwd", "/etc/localtime", "Europe/Paris\n", "Europe", "a" * 300]
)
def test_a_csv_asked_in_a_zone_that_does_not_exist_is_in_the_servers(name: str) -> None:
    assert reader_zone(name) is None


def test_a_csv_asked_in_a_zone_is_in_that_zone() -> None:
    assert reader_zone("Europe/Paris") == ZoneInfo("Europe/Paris")


# -- a long chart on a phone -------------------------------------------------------------------


@pytest.mark.browser
def test_on_a_phone_a_moment_tapped_in_the_list_takes_the_chart_to_its_bar(
    crowd: ServerThread, tab: WidgetPage
) -> None:
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(crowd.url + "/stats/5")
    assert page.locator("#chart-hint").is_visible()  # the chart (840 px at least) goes on past the screen
    in_view = """bar => {
        const box = document.getElementById("chart").closest(".chart-scroll").getBoundingClientRect();
        const hit = bar.querySelector(".hit").getBoundingClientRect();
        return hit.left >= box.left && hit.right <= box.right && hit.top >= 0 && hit.bottom <= innerHeight;
    }"""
    late = page.locator('#moments li[data-bar="6300"]')  # 1:45:00 of 2:00:00, off the screen's right
    bar = page.locator('#chart .bar[data-start="6300"]')
    assert not bar.evaluate(in_view)
    late.locator(".when a").click()
    page.wait_for_function(f"() => ({in_view})(document.querySelector('#chart .bar[data-start=\"6300\"]'))")
    page.mouse.move(0, 0)  # (hovering lights it up too; tapped, it stays lit)
    assert "chosen" in (bar.get_attribute("class") or "")
    assert "chosen" in (late.get_attribute("class") or "")
    page.screenshot(path=ARTIFACTS / "stats-moment-tapped-390.png", full_page=False)
    page.locator('#moments li[data-bar="600"] .when a').click()  # back to the first, the other one goes out
    page.wait_for_function(f"() => ({in_view})(document.querySelector('#chart .bar[data-start=\"600\"]'))")
    assert "chosen" not in (bar.get_attribute("class") or "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.browser
def test_a_burst_across_two_bars_is_one_moment_of_its_whole_likes_marked_over_the_taller_bar(
    tmp_path: Path, tab: WidgetPage
) -> None:
    # 4 hours at 1 like/s, in 1-minute bars; a minute at 64 likes/s from 2:00:40 (20 s of it in the bar of 2:00, 40 s
    # in the bar of 2:01), and a smaller minute at 50 likes/s on the bar of 1:00 alone.
    likes = {s: 1 for s in range(4 * 3600)}
    likes.update({s: 64 for s in range(7240, 7300)})
    likes.update({s: 50 for s in range(3600, 3660)})
    server = ServerThread(CONFIG, store_lives(tmp_path, _record(6, START, 4 * 3600, likes))).start()
    try:
        page = tab.page
        page.goto(server.url + "/stats/6")
        chart_ready(page)
        first = page.locator("#moments li").first
        assert first.locator(".when").inner_text() == "2:00:40"  # its start, not the middle of it
        assert "3\u202f840\u00a0likes" in first.inner_text()  # its whole minute, as the page's peak says
        assert "3\u202f840" in page.locator("#rhythm-peak").inner_text()
        assert first.get_attribute("data-bar") == "7260"
        mark = page.locator('#chart .moment[data-rank="1"] circle').bounding_box()
        taller = page.locator('#chart .bar[data-start="7260"]')
        hit, fill = taller.locator(".hit").bounding_box(), taller.locator(".fill").bounding_box()
        assert mark is not None
        assert hit is not None
        assert fill is not None
        assert hit["x"] <= mark["x"] + mark["width"] / 2 <= hit["x"] + hit["width"]  # over the taller bar
        assert mark["y"] + mark["height"] <= fill["y"] + 1  # and above it
        first.hover()
        assert "highlight" in (taller.get_attribute("class") or "")
        page.screenshot(path=ARTIFACTS / "stats-moment-across-two-bars.png", full_page=False)
        # The JSON says the same, and the CSV's seconds add up to it.
        moment = json.loads(fetch(server.url + "/stats/6.json")[1])["analysis"]["moments"][0]
        counted = (moment["start"], moment["counted_from"], moment["bar_start"], moment["likes"])
        assert counted == (7240, 7240, 7260, 3840)
        rows = list(csv.reader(io.StringIO(fetch(server.url + "/stats/6.csv?locale=en")[1])))[1:]
        assert sum(int(row[2]) for row in rows if 7240 <= int(row[0]) < 7300) == 3840
    finally:
        server.stop()


@pytest.mark.browser
def test_on_a_phone_the_likes_scale_stays_in_view_while_the_chart_scrolls(crowd: ServerThread, tab: WidgetPage) -> None:
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(crowd.url + "/stats/5")
    scroller = page.locator(".chart-scroll")
    scale = page.locator(".chart-y text")
    written = page.locator("#chart .grid text[text-anchor=end]")  # (not the times, under the bars)
    assert scale.all_text_contents() == written.all_text_contents()
    assert boxes(scale) == boxes(written)  # not scrolled: the one over the other...
    assert page.locator(".chart-y").evaluate("e => getComputedStyle(e).visibility") == "hidden"  # ...and not drawn
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    page.wait_for_function("() => document.querySelector('.chart-scroll').scrollLeft > 400")
    page.wait_for_function("() => getComputedStyle(document.querySelector('.chart-y')).visibility === 'visible'")
    box = scroller.bounding_box()
    assert box is not None
    for label in boxes(scale):  # still at the chart's left edge, in view
        assert box["x"] <= label["x"]
        assert label["x"] + label["width"] <= box["x"] + 70
    assert boxes(written)[0]["x"] < box["x"]  # (the chart's own went away with it)
    scroller.screenshot(path=ARTIFACTS / "stats-chart-scrolled-390.png")


def boxes(texts: Locator) -> list[dict[str, float]]:
    return [{key: round(value) for key, value in (text.bounding_box() or {}).items()} for text in texts.all()]


@pytest.mark.browser
def test_on_a_wide_screen_the_whole_chart_shows_and_needs_no_hint(crowd: ServerThread, tab: WidgetPage) -> None:
    page = tab.page
    page.goto(crowd.url + "/stats/5")
    page.wait_for_selector("#chart")
    assert not page.locator("#chart-hint").is_visible()


# -- the list of many lives ----------------------------------------------------------------------

SOURCES = ("tiktok", "demo", "replay")


def many_lives(count: int = 30) -> list[LiveRecord]:
    """A live every three days back from START, each source in turn."""
    return [many_live(index, count) for index in range(count)]


def many_live(index: int, count: int) -> LiveRecord:
    source, likes = SOURCES[index % 3], 1000 * index
    return LiveRecord(
        id=index + 1, room_id=f"{source}-1796000000-{index}", source=source,
        started_at=START - (count - 1 - index) * 3 * 86_400, seconds=3600 + index * 60, ended=index < count - 1,
        total=likes, likes={10: likes}, totals={10: likes},
    )  # fmt: skip


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = ServerThread(CONFIG, store_lives(tmp_path_factory.mktemp("many"), *many_lives())).start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("locale", "sources", "months"),
    [("fr", ["TikTok", "démo", "rejeu"], ["Juin 2025", "Mai 2025", "Avril 2025", "Mars 2025"]),
     ("en", ["TikTok", "demo", "replay"], ["June 2025", "May 2025", "April 2025", "March 2025"])],
)  # fmt: skip
def test_the_list_of_lives_reads_by_month_with_weekdays_and_sources_in_the_pages_language(
    many: ServerThread, locale: Locale, sources: list[str], months: list[str]
) -> None:
    _, page = fetch(f"{many.url}/stats?locale={locale}")
    # Every live, the one under way included: not "past lives".
    heading = {"fr": "Vos lives", "en": "Your lives"}[locale]
    assert f"<h2>{heading}</h2>" in page
    assert re.findall(r'<th colspan="8" scope="rowgroup">([^<]*)</th>', page) == months
    newest = many_lives()[-1]
    assert f">{date(newest.started_at, locale)}</time>" in page  # "dim. 15 juin 2025, 15 h 06"
    shown = re.findall(r'<td class="source" data-label="[^"]*" title="[^"]*">([^<]*)</td>', page)
    assert shown[:3] == [sources[29 % 3], sources[28 % 3], sources[27 % 3]]  # newest first
    assert "tiktok-1796000000" not in page.replace('title="tiktok-1796000000', "")  # the raw room id: a tooltip


def running_live(live_id: int) -> LiveRecord:
    """A live that went on ten minutes ago, saved just now with its engine's state: the server continues it."""
    now = time.time()
    return LiveRecord(
        id=live_id, room_id="r", source="test", started_at=now - 600, seconds=600, likes={5: 3}, totals={5: 3},
        state=Engine(CONFIG, "test", now=0.0).export(0.0),
    )  # fmt: skip


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 300])
def test_on_a_phone_each_live_is_a_card_with_its_values_at_the_right(
    tmp_path: Path, tab: WidgetPage, width: int
) -> None:
    data_dir = store_lives(tmp_path, *many_lives(), running_live(31))
    Store(data_dir / FILENAME).open().write([running_live(31)], time.time())  # (saved now: not an old live)
    server = ServerThread(CONFIG, data_dir).start()
    page = tab.page
    page.set_viewport_size({"width": width, "height": 844})
    try:
        page.goto(server.url + "/stats")
    finally:
        server.stop()
    page.screenshot(path=ARTIFACTS / f"stats-many-{width}.png", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Each value ends at the card's right edge, the source ("tiktok" floated mid-row) and the date's badge included.
    gaps = page.evaluate(
        """() => [...document.querySelectorAll("table.lives td")].flatMap(td => {
            const boxes = [...td.childNodes].filter(n => n.textContent.trim()).map(n => {
                if (n.nodeType === Node.ELEMENT_NODE) return n.getBoundingClientRect();
                const range = document.createRange();
                range.selectNodeContents(n);
                return range.getBoundingClientRect();
            });
            const edges = boxes.map((box, i) => (boxes[i + 1] ? boxes[i + 1].left : td.getBoundingClientRect().right)
                - box.right);  // to the next piece of the value, or to the card's edge
            return edges.filter(gap => gap < -1 || gap > 12).map(gap => [td.textContent.trim(), Math.round(gap)]);
        })"""
    )
    assert gaps == []
    running = page.locator('table.lives tr[data-live="31"]')
    link, badge = running.locator("a").bounding_box(), running.locator(".badge").bounding_box()
    assert link is not None
    assert badge is not None
    assert 0 <= badge["x"] - (link["x"] + link["width"]) <= 12  # "en cours" beside its date, not across the row


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_at_1080p_the_lives_dates_and_durations_keep_to_one_line(
    many: ServerThread, tab: WidgetPage, locale: Locale
) -> None:
    page = tab.page
    page.goto(f"{many.url}/stats?locale={locale}")
    page.screenshot(path=ARTIFACTS / f"stats-many-{locale}-1920.png", full_page=False)
    lines = page.evaluate(
        """() => [...document.querySelectorAll("table.lives td:nth-child(-n+2)")].map(td => {
            const range = document.createRange();
            range.selectNodeContents(td.firstElementChild || td);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        })"""
    )
    assert set(lines) == {1}


# -- lives compared by their pace ----------------------------------------------------------------


def paced_lives() -> list[LiveRecord]:
    """Four hours at 5 likes a second (72 000 likes, 300 a minute); 40 minutes at 25 a second with the server
    down for 10 of them (45 000 likes, 1 500 a minute over the 30 it saw); 34 seconds and 1 412 likes."""
    steady = _record(1, START, 4 * 3600, {second: 5 for second in range(4 * 3600)})
    fast = _record(
        2,
        START + 86_400,
        40 * 60,
        {second: 25 for second in range(40 * 60) if not 600 <= second < 1200},
        outages=[(600.0, 600.0, "server")],
    )
    brief = _record(3, START + 2 * 86_400, 34, {10: 1412})
    return [steady, fast, brief]


@pytest.fixture(scope="module")
def paced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = ServerThread(CONFIG, store_lives(tmp_path_factory.mktemp("paced"), *paced_lives())).start()
    yield server
    server.stop()


AVERAGE = {"fr": "Moyenne (likes/min)", "en": "Average (likes/min)"}


@pytest.mark.parametrize(("locale", "paces"), [("fr", ["300", "1\u202f500", "—"]), ("en", ["300", "1,500", "—"])])
def test_the_list_of_lives_gives_each_lives_average_per_minute_as_its_own_page_does(
    paced: ServerThread, locale: Locale, paces: list[str]
) -> None:
    # The four-hour live has the most likes, the 40-minute one the best pace: over the time the server saw, as the
    # live's page counts it (over its 40 minutes it was 1 125), and none for a live under a minute.
    _, page = fetch(f"{paced.url}/stats?locale={locale}")
    assert f'<th class="num">{AVERAGE[locale]}</th>' in page
    listed = re.findall(
        rf'<tr data-live="(\d+)">.*?<td class="num" data-label="{re.escape(AVERAGE[locale])}">([^<]*)</td>', page, re.S
    )
    assert sorted(listed) == [("1", paces[0]), ("2", paces[1]), ("3", paces[2])]
    for live_id, pace in listed:
        _, own = fetch(f"{paced.url}/stats/{live_id}?locale={locale}")
        said = re.search(r'<dd id="rhythm-average">([^<]*)</dd>', own)
        assert said is not None
        assert said.group(1).split("\u00a0")[0].split(" (")[0] == pace


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("width", [1280, 300])
def test_each_lives_average_is_a_column_of_the_list_and_a_line_of_its_card_in_a_dock(
    paced: ServerThread, tab: WidgetPage, locale: Locale, width: int
) -> None:
    page = tab.page
    at_width(page, paced, locale, width, 800)
    # A column with its heading for a screen reader, whatever the width (in a dock the heading is hidden, not gone).
    headings = page.get_by_role("columnheader").all_text_contents()
    assert AVERAGE[locale] in headings
    column = headings.index(AVERAGE[locale])
    cells = page.locator(f"table.lives tr[data-live] td:nth-child({column + 1})")
    assert [cells.nth(i).inner_text() for i in range(3)] == [
        "—",
        format_number(1500, locale),
        format_number(300, locale),
    ]  # newest first
    fast = cells.nth(1)
    assert fast.get_attribute("data-label") == AVERAGE[locale]
    box = fast.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width <= 820:  # a card: "Moyenne (likes/min)   1 500" on one line of its own
        label = page.evaluate("td => getComputedStyle(td, '::before').content", fast.element_handle())
        assert label == f'"{AVERAGE[locale]}"'
