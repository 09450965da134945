"""The challenge widget in headless Chromium: a challenge without a target counts the likes in the config's words,
and a card with long texts still fits the source, progress row included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from overlay.config import load_config
from overlay.events import ChallengeCancel, ChallengeStart, Like, User
from overlay.i18n import unbroken_signs
from overlay.web.keys import ENGINE
from tests.browser_fixtures import NNBSP, WidgetPage, box_width, screenshot, wait_text
from tests.conftest import ServerThread, make_config, watched_server

pytestmark = pytest.mark.browser

PROMPT = {"id": "prompt", "text": "Faites exploser le compteur !", "duration": 60, "hotkey": "2"}  # no target


@pytest.mark.parametrize(("safe_wording", "shown"), [(False, "15 likes"), (True, "15 ❤")])
def test_a_challenge_without_target_counts_its_likes_in_safe_words(
    tab: WidgetPage, tmp_path: Path, servers: list[Any], safe_wording: bool, shown: str
) -> None:
    server = ServerThread(make_config(challenges=[PROMPT], safe_wording=safe_wording), tmp_path / "data").start()
    servers.append(server)
    page = tab.open(server, "/widgets/challenge")
    server.push(ChallengeStart(id="prompt"), Like(count=15, user=User(id="1", nickname="Léa")))
    wait_text(page, "#challenge-count", shown)
    assert page.locator("#challenge-track").is_hidden()
    screenshot(page, f"challenge-no-target-safe_wording-{safe_wording}")


# The prompt's lines at each width of its box: where Chromium puts a line break, as "|".
LINES_AT_WIDTHS = """(element) => {
    const text = element.firstChild, range = document.createRange(), found = [];
    for (let width = 120; width <= 900; width += 2) {
        element.style.width = `${width}px`;
        let drawn = "", top = null;
        for (let i = 0; i < text.length; i++) {
            range.setStart(text, i);
            range.setEnd(text, i + 1);
            const at = Math.round(range.getBoundingClientRect().top);
            if (top !== null && at !== top && text.data[i].trim()) drawn += "|";
            if (top === null || text.data[i].trim()) top = at;
            drawn += text.data[i];
        }
        found.push(drawn);
    }
    return found;
}"""


def test_a_prompts_exclamation_mark_never_starts_a_line_of_its_own(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    # Chromium breaks a line at the space before "!", "?" or ":": a prompt on stream ended in a lone "!".
    challenge = {**PROMPT, "text": "Faites exploser le compteur ! Prêts ? « Allez » : maintenant !"}
    server = ServerThread(make_config(challenges=[challenge]), tmp_path / "data").start()
    servers.append(server)
    page = tab.open(server, "/widgets/challenge")
    server.push(ChallengeStart(id="prompt"))
    page.wait_for_selector("#challenge-text", state="visible")
    # Where the box is wide enough for its longest word, its sign included (narrower, words are cut anywhere).
    drawn = [
        lines
        for lines in page.locator("#challenge-text").evaluate(LINES_AT_WIDTHS)
        if all(before.endswith(" ") for before in lines.split("|")[:-1])
    ]
    assert sum("|" in lines for lines in drawn) > 20  # (it did wrap, at many widths)
    for lines in drawn:
        assert not any(line.lstrip()[:1] in "!?:»" for line in lines.split("|")), lines
        assert not any(line.rstrip().endswith("«") for line in lines.split("|")), lines


@pytest.mark.parametrize(
    ("locale", "shown"), [("fr", ["0 like", "1 like", "2 likes"]), ("en", ["0 likes", "1 like", "2 likes"])]
)
def test_likes_counted_without_a_target_agree_with_their_number(
    tab: WidgetPage, tmp_path: Path, servers: list[Any], locale: str, shown: list[str]
) -> None:
    # "1 likes" under a prompt, on stream; French puts 0 and 1 in the singular.
    server = ServerThread(make_config(challenges=[PROMPT], locale=locale), tmp_path / "data").start()
    servers.append(server)
    page = tab.open(server, "/widgets/challenge")
    server.push(ChallengeStart(id="prompt"))
    wait_text(page, "#challenge-count", shown[0])
    for said in shown[1:]:  # one like more each time
        server.push(Like(count=1, user=User(id="1", nickname="Léa")))
        wait_text(page, "#challenge-count", said)


@pytest.mark.parametrize(
    ("challenge", "likes", "shown", "said"),
    [
        # A result stayed until the server came back.
        (
            {"id": "sprint", "text": "Sprint !", "target": 10, "hotkey": "1"},
            10,
            "#challenge-result",
            "Défi réussi\u202f!",
        ),
        # A countdown sat on a pulsing "0" for the whole outage: nobody could say how it ended.
        (
            {"id": "sprint", "text": "Sprint !", "target": 1000, "duration": 2, "hotkey": "1"},
            0,
            "#challenge-timer",
            None,
        ),
    ],
    ids=["a result", "a countdown"],
)
def test_a_card_cut_off_from_the_server_leaves_the_screen_in_time(
    tab: WidgetPage,
    tmp_path: Path,
    servers: list[Any],
    challenge: dict[str, Any],
    likes: int,
    shown: str,
    said: str | None,
) -> None:
    server = ServerThread(make_config(challenges=[challenge]), tmp_path / "data").start()
    servers.append(server)
    server.call(lambda: setattr(server.app[ENGINE].challenges, "result_seconds", 2.0))  # (6 s in a live)
    page = tab.open(server, "/widgets/challenge")
    server.push(ChallengeStart(id="sprint"), *([Like(count=likes, user=User(id="1", nickname="Léa"))] if likes else []))
    page.wait_for_selector(shown, state="visible")
    if said:
        wait_text(page, shown, said)
    server.stop()  # a crash, a closed terminal: no word from the server about what comes next
    assert page.locator("#challenge").is_visible()
    page.wait_for_selector("#challenge", state="hidden", timeout=15_000)  # its time, its result, 1 s of grace


def test_an_edited_duration_does_not_replay_the_entrance_but_a_start_again_does(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    config_file = tmp_path / "config.yaml"
    challenge = '  - {id: sprint, text: "Sprint !", target: 500, duration: %d}\n'
    config_file.write_text("challenges:\n" + challenge % 60, encoding="utf-8")
    server = ServerThread(load_config(config_file), tmp_path / "data", config_path=config_file).start()
    servers.append(server)
    page = tab.open(server, "/widgets/challenge")
    page.evaluate(
        "() => { window.entrances = 0; document.getElementById('challenge').addEventListener("
        "'animationstart', (e) => { if (e.animationName === 'challenge-enter') window.entrances += 1; }); }"
    )
    server.push(ChallengeStart(id="sprint"))
    page.wait_for_function("() => window.entrances === 1")
    config_file.write_text("challenges:\n" + challenge % 120, encoding="utf-8")  # more time: the same challenge
    page.wait_for_function(  # the countdown shows the new duration: over a minute left
        "() => { const [m, s] = document.getElementById('challenge-timer').textContent.split(':');"
        " return s !== undefined && Number(m) * 60 + Number(s) > 61; }"
    )
    server.push(Like(count=5, user=User(id="1", nickname="Léa")))  # one more state after the edit
    wait_text(page, "#challenge-count", "5 / 500")
    assert page.evaluate("() => window.entrances") == 1
    page.wait_for_timeout(1600)  # a start again, later than the first: it enters again
    server.push(ChallengeCancel(), ChallengeStart(id="sprint"))  # (a start alone: the one running would go on)
    page.wait_for_function("() => window.entrances === 2")


SOURCE = {"width": 1000, "height": 300}  # the README's OBS size
ROW = ("#challenge-track", "#challenge-count")


def words(sentence: str, length: int) -> str:
    """`sentence` repeated and cut at `length` characters (the config allows up to 300)."""
    return (sentence * (length // len(sentence) + 1))[:length].strip()


LONG = {
    "fr": words("Chaque like compte : remplissez la barre ensemble avant la fin du chrono ! ", 300),
    "en": words("Every like counts: fill the bar together before the clock runs out! ", 300),
}
WIN = {
    "fr": words("Bravo à tous, vous avez explosé l'objectif, merci pour votre soutien ! ", 300),
    "en": words("Well done everyone, you smashed the goal, thank you for the support! ", 300),
}


def open_in_source(tab: WidgetPage, server: ServerThread, query: str = "") -> Page:
    """The widget at its OBS size, without motion (the entrance's scale would blur the boxes)."""
    tab.page.set_viewport_size(SOURCE)
    tab.page.emulate_media(reduced_motion="reduce")
    return tab.open(server, "/widgets/challenge" + query)


def assert_inside(page: Page, *selectors: str) -> None:
    """Each element is displayed and wholly inside the source."""
    size = page.viewport_size
    assert size is not None
    for selector in selectors:
        box = page.locator(selector).bounding_box()
        assert box is not None, f"{selector} is not displayed"
        assert box["x"] >= 0, f"{selector} leaves the source on the left: {box}"
        assert box["y"] >= 0, f"{selector} leaves the source at the top: {box}"
        assert box["x"] + box["width"] <= size["width"], f"{selector} leaves the source on the right: {box}"
        assert box["y"] + box["height"] <= size["height"], f"{selector} leaves the source at the bottom: {box}"


def font_size(page: Page, selector: str) -> float:
    return float(page.evaluate("(s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector))


def shown_whole(page: Page, selector: str) -> bool:
    """No line of the text is cut off (an ellipsis hides the rest when it is clamped)."""
    return bool(
        page.evaluate(
            "(s) => { const e = document.querySelector(s); return e.scrollHeight <= e.clientHeight; }", selector
        )
    )


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize(
    ("text_length", "success_length"),
    [
        pytest.param(300, 300, id="300-and-300-characters"),
        # The reviewer's case: the success message was cut in half at the bottom of the source.
        pytest.param(111, 103, id="111-and-103-characters"),
    ],
)
def test_long_texts_shrink_until_the_card_and_its_progress_row_fit_the_source(
    tab: WidgetPage, tmp_path: Path, servers: list[Any], locale: str, text_length: int, success_length: int
) -> None:
    text, success = LONG[locale][:text_length], WIN[locale][:success_length]
    challenge = {"id": "long", "text": text, "target": 50, "duration": 60, "success_text": success}
    server = ServerThread(make_config(challenges=[challenge], locale=locale), tmp_path / "data").start()
    servers.append(server)
    page = open_in_source(tab, server)
    server.push(ChallengeStart(id="long"))
    wait_text(page, "#challenge-count", "0 / 50")
    assert_inside(page, ".challenge-card", "#challenge-text", *ROW, "#challenge-timer")
    if text_length == 300:
        assert font_size(page, "#challenge-text") < 2.1 * 16  # smaller than a short prompt
    server.push(Like(count=60, user=User(id="1", nickname="Léa")))
    page.wait_for_selector("#challenge-result", state="visible")
    assert_inside(page, ".challenge-card", "#challenge-text", *ROW, "#challenge-result")
    if success_length < 200:  # this much fits at a readable size: no line is cut
        assert shown_whole(page, "#challenge-text")
        assert shown_whole(page, "#challenge-result")
    screenshot(page, f"challenge-long-{text_length}-{success_length}-{locale}")


def test_a_short_challenge_and_its_result_keep_their_full_size(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    challenge = {"id": "sprint", "text": "Sprint !", "target": 50, "duration": 60, "success_text": "Bravo !"}
    server = ServerThread(make_config(challenges=[challenge]), tmp_path / "data").start()
    servers.append(server)
    page = open_in_source(tab, server)
    server.push(ChallengeStart(id="sprint"), Like(count=60, user=User(id="1", nickname="Léa")))
    page.wait_for_selector("#challenge-result", state="visible")
    assert font_size(page, "#challenge-text") == pytest.approx(2.1 * 16)
    assert font_size(page, "#challenge-result") == pytest.approx(2.3 * 16)
    assert shown_whole(page, "#challenge-text")


def test_at_a_bigger_scale_and_in_a_smaller_source_the_text_loses_lines_but_the_row_stays(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    challenge = {"id": "long", "text": LONG["fr"], "target": 50, "duration": 60}
    server = ServerThread(make_config(challenges=[challenge]), tmp_path / "data").start()
    servers.append(server)
    page = open_in_source(tab, server, "?scale=1.5")
    server.push(ChallengeStart(id="long"))
    wait_text(page, "#challenge-count", "0 / 50")
    assert_inside(page, ".challenge-card", "#challenge-text", *ROW, "#challenge-timer")
    assert not shown_whole(page, "#challenge-text")  # at the smallest size it still needs lines cut
    page.set_viewport_size({"width": 1000, "height": 220})  # the creator makes the source smaller
    page.wait_for_function("() => document.querySelector('.challenge-card').getBoundingClientRect().bottom <= 220")
    assert_inside(page, ".challenge-card", "#challenge-text", *ROW, "#challenge-timer")


def test_the_card_is_measured_again_for_a_new_text_or_scale_but_not_for_each_like(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    challenge = '  - {id: sprint, text: "%s", target: 500, duration: 60}\n'
    server = watched_server(tmp_path, "challenges:\n" + challenge % "Sprint !")
    servers.append(server)
    page = open_in_source(tab, server)
    server.push(ChallengeStart(id="sprint"))
    wait_text(page, "#challenge-count", "0 / 500")
    page.evaluate(  # counts the card's measurements (each one a layout)
        """() => {
            const card = document.getElementById("challenge");
            const height = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "offsetHeight").get;
            window.fits = 0;
            Object.defineProperty(card, "offsetHeight", { get() { window.fits += 1; return height.call(this); } });
        }"""
    )
    for n in range(1, 6):
        server.push(Like(count=1, user=User(id="1", nickname="Léa")))
        wait_text(page, "#challenge-count", f"{n} / 500")
    assert page.evaluate("() => window.fits") == 0  # likes change neither the texts nor the card's size
    (tmp_path / "config.yaml").write_text("challenges:\n" + challenge % LONG["fr"], encoding="utf-8")
    wait_text(page, "#challenge-text", unbroken_signs(LONG["fr"]))  # (drawn with no-break spaces before signs)
    assert page.evaluate("() => window.fits") > 0
    assert_inside(page, ".challenge-card", "#challenge-text", *ROW, "#challenge-timer")
    config = "theme: {scale: 1.5}\nchallenges:\n" + challenge % LONG["fr"]  # bigger, without reloading the page
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    page.wait_for_function("() => document.documentElement.style.getPropertyValue('--scale') === '1.5'")
    page.wait_for_function("() => document.querySelector('.challenge-card').getBoundingClientRect().bottom <= 300")
    assert_inside(page, ".challenge-card", "#challenge-text", *ROW, "#challenge-timer")


def test_a_text_per_language_follows_the_widgets_own_locale(
    tab: WidgetPage, tmp_path: Path, servers: list[Any]
) -> None:
    rain = {
        "id": "rain",
        "text": {"fr": "Pluie de likes !", "en": "Like rain!"},
        "target": 3,
        "success_text": {"fr": "Merci la pluie !", "en": "Thanks for the rain!"},
    }
    server = ServerThread(make_config(challenges=[rain]), tmp_path / "data").start()  # (locale: fr)
    servers.append(server)
    server.push(ChallengeStart(id="rain"))
    wait_text(tab.open(server, "/widgets/challenge"), "#challenge-text", "Pluie de likes\u00a0!")
    english = tab.open(server, "/widgets/challenge?locale=en")
    wait_text(english, "#challenge-text", "Like rain!")
    server.push(Like(count=3, user=User(id="1", nickname="Léa")))
    wait_text(english, "#challenge-result", "Thanks for the rain!")


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("width", [540, 720])  # a half-width source on a 1080x1920 portrait canvas; a 720x1280 one
def test_in_a_narrow_portrait_source_the_bar_keeps_a_readable_length(
    tab: WidgetPage, tmp_path: Path, servers: list[Any], locale: str, width: int
) -> None:
    # The bar took what the numbers left: beside "305 106 / 500 000" and the clock, a 60 px stub in a 540 px source.
    challenge = {"id": "big", "text": "Tous ensemble pendant la chanson !", "target": 500_000, "duration": 600}
    server = ServerThread(make_config(challenges=[challenge], locale=locale), tmp_path / "data").start()
    servers.append(server)
    tab.page.set_viewport_size({"width": width, "height": 300})
    tab.page.emulate_media(reduced_motion="reduce")
    page = tab.open(server, "/widgets/challenge")
    server.push(ChallengeStart(id="big"), Like(count=305_106, user=User(id="1", nickname="Léa")))
    shown = f"305{NNBSP}106 / 500{NNBSP}000" if locale == "fr" else "305,106 / 500,000"
    wait_text(page, "#challenge-count", shown)
    assert_inside(page, ".challenge-card", "#challenge-text", *ROW, "#challenge-timer")
    track, card = box_width(page, "#challenge-track"), box_width(page, ".challenge-card")
    assert track >= card / 3, f"the bar is {track:.0f} px long in a {card:.0f} px card"
    count = page.locator("#challenge-count").bounding_box()
    assert count is not None
    assert count["height"] < 1.5 * font_size(page, "#challenge-count"), "the numbers wrap"
    screenshot(page, f"challenge-portrait-{width}x300-{locale}")
