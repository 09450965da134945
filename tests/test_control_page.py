"""Chromium drives the control page; the challenge widget (another page) shows the result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route

from overlay.events import Like, User
from overlay.web.keys import BUS, ENGINE, PERSISTER
from overlay.web.security import TOKEN_FILE
from tests.conftest import ServerThread, make_config

pytestmark = pytest.mark.browser

NNBSP = "\u202f"
CHALLENGES = [
    {
        "id": "boom",
        "text": "100 likes, vite !",
        "target": 100,
        "duration": 60,
        "hotkey": "1",
        "success_text": "Bravo, défi réussi !",
    },
    {"id": "rush", "text": "1 000 likes en 1 seconde", "target": 1000, "duration": 1, "hotkey": "r"},
    {
        "id": "short",
        "text": "Dernière seconde !",
        "target": 1000,
        "duration": 1,
        "hotkey": "3",
        "failure_text": "Raté !",
    },
]


@dataclass
class Pages:
    """A browser context with the control page and the challenge widget open, watched for errors."""

    server: ServerThread
    context: BrowserContext
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> Page:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.problems.append(f"{path}: {error}"))
        page.on("dialog", lambda dialog: (self.problems.append(f"{path}: dialog {dialog.message}"), dialog.dismiss()))
        page.goto(self.server.url + path)
        page.wait_for_selector('html[data-overlay="live"]', state="attached")
        return page

    @property
    def token(self) -> str:
        return (self.server.data_dir / TOKEN_FILE).read_text().strip()

    def control(self, query: str | None = None) -> Page:
        return self.open(f"/control?token={self.token}" if query is None else f"/control{query}")

    def widget(self) -> Page:
        return self.open("/widgets/challenge")


@pytest.fixture
def pages(browser: Browser, tmp_path: Path) -> Iterator[Pages]:
    server = ServerThread(make_config(challenges=CHALLENGES), tmp_path / "data").start()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = Pages(server, context)
    yield opened
    context.close()
    opened.server.stop()  # (a test may have restarted it)
    assert opened.problems == []


def likes(count: int) -> Like:
    return Like(count=count, user=User(id="u1", nickname="Léa"))


def wait_text(page: Page, selector: str, text: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent === text",
        arg=[selector, text],
        timeout=timeout,
    )


def test_pressing_a_hotkey_starts_the_challenge_on_the_widget(pages: Pages) -> None:
    widget = pages.widget()
    control = pages.control()
    assert widget.locator("#challenge").is_hidden()
    control.keyboard.press("1")
    widget.wait_for_selector('#challenge[data-status="running"][data-id="boom"]')
    assert widget.locator("#challenge-text").text_content() == "100 likes, vite\u00a0!"  # (no break before "!")
    assert widget.locator("#challenge-count").text_content() == "0 / 100"
    minutes, _, seconds = (widget.locator("#challenge-timer").text_content() or "").rpartition(":")
    assert 55 <= int(minutes or 0) * 60 + int(seconds) <= 60  # "1:00", then "59", "58"...
    assert widget.locator("#challenge").is_visible()
    wait_text(control, "#current-status", "en cours")


def test_the_dock_says_the_time_left_as_the_widget_does(browser: Browser, tmp_path: Path) -> None:
    long = {"id": "long", "text": "Cinq minutes !", "target": 100, "duration": 300, "hotkey": "l"}
    server = ServerThread(make_config(challenges=[long]), tmp_path / "data").start()
    pages = Pages(server, browser.new_context(viewport={"width": 1280, "height": 900}))
    try:
        widget, control = pages.widget(), pages.control()
        control.keyboard.press("l")
        widget.wait_for_selector('#challenge[data-status="running"][data-id="long"]')
        # "5:00", "4:59"... on both (the dock said "300 s", "299 s").
        for page, timer in ((widget, "#challenge-timer"), (control, "#current-timer")):
            page.wait_for_function(
                "(id) => /^(5:00|4:5\\d)$/.test(document.querySelector(id).textContent)", arg=timer, timeout=5000
            )
    finally:
        pages.context.close()
        server.stop()
    assert pages.problems == []


def test_the_countdown_ends_in_success_when_the_likes_arrive(pages: Pages) -> None:
    widget = pages.widget()
    control = pages.control()
    control.keyboard.press("1")
    widget.wait_for_selector('#challenge[data-status="running"]')
    pages.server.push(likes(60))
    wait_text(widget, "#challenge-count", "60 / 100")
    pages.server.push(likes(40))
    widget.wait_for_selector('#challenge[data-status="succeeded"]')
    assert widget.locator("#challenge-result").text_content() == "Bravo, défi réussi\u00a0!"
    assert widget.locator("#challenge").evaluate("e => e.classList.contains('is-succeeded')")
    assert widget.locator("#challenge-confetti .confetti").count() > 0
    wait_text(control, "#current-status", "réussi")


class MovedClock:
    """A server clock the test moves: a challenge's time runs out when the test says, not when a busy machine does."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_countdown_ends_in_failure_when_likes_are_missing(browser: Browser, tmp_path: Path) -> None:
    # On the real clock the 1 s challenge could fail before its likes came (CI under load showed "0 / 1 000").
    clock = MovedClock()
    server = ServerThread(make_config(challenges=CHALLENGES), tmp_path / "data", clock=clock).start()
    pages = Pages(server, browser.new_context(viewport={"width": 1280, "height": 900}))
    try:
        widget = pages.widget()
        control = pages.control()
        control.keyboard.press("3")
        widget.wait_for_selector('#challenge[data-status="running"][data-id="short"]')
        pages.server.push(likes(10))
        wait_text(widget, "#challenge-count", f"10 / 1{NNBSP}000")
        clock.now += 1.5  # its second is over, 990 likes short
        widget.wait_for_selector('#challenge[data-status="failed"]')
        assert widget.locator("#challenge-result").text_content() == "Raté\u00a0!"
        assert widget.locator("#challenge-count").text_content() == f"10 / 1{NNBSP}000"
        assert widget.locator("#challenge-timer").is_hidden()
    finally:
        pages.context.close()
        server.stop()
    assert pages.problems == []


def test_without_a_failure_text_the_default_one_is_shown(pages: Pages) -> None:
    widget = pages.widget()
    control = pages.control()
    control.keyboard.press("R")  # hotkeys ignore case
    widget.wait_for_selector('#challenge[data-status="failed"][data-id="rush"]')
    assert widget.locator("#challenge-result").text_content() == "Raté… on retente\u202f?"


def test_a_button_starts_a_challenge_and_escape_cancels_it(pages: Pages) -> None:
    widget = pages.widget()
    control = pages.control()
    control.locator('[data-challenge="boom"]').click()
    widget.wait_for_selector('#challenge[data-status="running"]')
    control.locator("body").click(position={"x": 5, "y": 5})  # focus the page, not a button
    control.keyboard.press("Escape")
    widget.wait_for_selector("#challenge", state="hidden")
    wait_text(control, "#current-text", "Aucun défi en cours")


def test_a_new_challenge_replaces_the_running_one(pages: Pages) -> None:
    widget = pages.widget()
    control = pages.control()
    control.keyboard.press("1")
    widget.wait_for_selector('#challenge[data-id="boom"][data-status="running"]')
    wait_text(control, "#current-status", "en cours")  # the control page knows it too (its own state may lag)
    control.keyboard.press("3")
    widget.wait_for_selector('#challenge[data-id="short"]')
    wait_text(control, "#feedback", f"Défi remplacé{NNBSP}: Dernière seconde\u00a0!")


def test_pressing_the_running_challenges_key_again_says_it_is_already_running_and_keeps_its_likes(
    pages: Pages,
) -> None:
    control = pages.control()
    control.keyboard.press("1")
    wait_text(control, "#current-status", "en cours")
    pages.server.push(likes(40))
    wait_text(control, "#current-progress", "40 / 100")
    control.keyboard.press("1")
    wait_text(control, "#feedback", f"Défi déjà en cours{NNBSP}: 100 likes, vite\u00a0!")
    assert control.locator("#current-progress").text_content() == "40 / 100"


def test_hotkeys_do_not_fire_while_typing_a_number(pages: Pages) -> None:
    control = pages.control()
    control.locator("#add-value").fill("")
    control.locator("#add-value").press("1")
    control.locator("#add-value").press("Enter")
    wait_text(control, "#goal-progress", "1")
    assert control.locator("#current").get_attribute("data-status") == "none"


def test_goal_controls_from_the_page(pages: Pages) -> None:
    pages.server.push(Like(count=5, total=300, user=User(id="u1", nickname="Léa")))
    control = pages.control()
    wait_text(control, "#goal-progress", "300")
    control.locator("#set-value").fill("5000")
    control.locator("#set-form button").click()
    wait_text(control, "#goal-progress", f"5{NNBSP}000")
    control.locator("#add-value").fill("100")
    control.locator("#add-form button").click()
    wait_text(control, "#goal-progress", f"5{NNBSP}100")
    control.locator('[data-action="goal-next"]').click()
    wait_text(control, "#goal-target", f"20{NNBSP}000")
    control.locator('[data-action="goal-previous"]').click()
    wait_text(control, "#goal-target", f"10{NNBSP}000")
    reset = control.locator("#goal-reset")
    reset.click()  # the first press only asks for confirmation
    assert reset.text_content() == f"Confirmer{NNBSP}: objectif à 0{NNBSP}?"
    assert control.locator("#goal-progress").text_content() == f"5{NNBSP}100"
    control.wait_for_timeout(500)  # a confirmation, not a double click
    reset.click()
    wait_text(control, "#goal-progress", "0")
    wait_text(control, "#goal-label", "1 000 likes ensemble\u00a0!")


def test_each_action_says_what_it_did_even_when_there_was_nothing_to_do(pages: Pages) -> None:
    control = pages.control()
    control.locator("body").click(position={"x": 5, "y": 5})  # focus the page, not a button
    control.keyboard.press("Escape")
    wait_text(control, "#feedback", "Aucun défi en cours")  # not "Sent": there was none to cancel
    control.locator('[data-action="goal-previous"]').click()
    wait_text(control, "#feedback", "Déjà au premier objectif")
    control.keyboard.press("1")
    wait_text(control, "#feedback", f"Défi lancé{NNBSP}: 100 likes, vite\u00a0!")
    control.keyboard.press("Escape")
    wait_text(control, "#feedback", "Défi annulé")
    control.locator('[data-action="goal-next"]').click()
    wait_text(control, "#feedback", f"Objectif{NNBSP}: 0 / 10{NNBSP}000")
    control.locator("#set-value").fill("5000")
    control.locator("#set-value").press("Enter")
    wait_text(control, "#feedback", f"Objectif{NNBSP}: 5{NNBSP}000 / 10{NNBSP}000")
    control.locator("#add-value").fill("100")
    control.locator("#add-value").press("Enter")
    wait_text(control, "#feedback", f"Objectif{NNBSP}: 5{NNBSP}100 / 10{NNBSP}000")
    reset = control.locator("#goal-reset")
    reset.click()
    control.wait_for_timeout(500)  # a confirmation, not a double click
    reset.click()
    wait_text(control, "#feedback", "Objectif remis à 0")
    control.wait_for_timeout(500)  # (a new first press, then its confirmation)
    reset.click()
    control.wait_for_timeout(500)
    reset.click()
    wait_text(control, "#feedback", "Objectif déjà à 0")  # nothing to reset


def test_escape_on_a_challenge_already_lost_says_its_result_left_the_screen_not_that_it_was_cancelled(
    pages: Pages,
) -> None:
    control = pages.control()
    control.keyboard.press("R")  # a challenge that cannot be won: lost at once, its result on screen
    control.wait_for_selector('#current[data-status="failed"]')
    control.keyboard.press("Escape")
    wait_text(control, "#feedback", "Résultat retiré de l'écran")


def test_in_english_each_action_says_what_it_did(pages: Pages) -> None:
    control = pages.control(f"?token={pages.token}&locale=en")
    control.locator("body").click(position={"x": 5, "y": 5})
    control.keyboard.press("Escape")
    wait_text(control, "#feedback", "No challenge running")
    control.locator('[data-action="goal-previous"]').click()
    wait_text(control, "#feedback", "Already at the first goal")
    control.keyboard.press("1")
    wait_text(control, "#feedback", "Challenge started: 100 likes, vite\u00a0!")  # (the creator's text, as written)
    control.keyboard.press("1")
    wait_text(control, "#feedback", "Challenge already running: 100 likes, vite\u00a0!")
    control.keyboard.press("3")
    wait_text(control, "#feedback", "Challenge replaced: Dernière seconde\u00a0!")
    control.keyboard.press("Escape")
    wait_text(control, "#feedback", "Challenge cancelled")
    control.locator("#set-value").fill("5000")
    control.locator("#set-value").press("Enter")
    wait_text(control, "#feedback", "Goal: 5,000 / 10,000")


def test_a_challenge_text_is_said_as_text_never_as_markup(browser: Browser, tmp_path: Path) -> None:
    html = {"id": "html", "text": "<img src=x onerror=alert(1)> $& go", "hotkey": "h"}
    server = ServerThread(make_config(challenges=[html]), tmp_path / "data").start()
    pages = Pages(server, browser.new_context(viewport={"width": 1280, "height": 900}))
    try:
        control = pages.control()
        control.keyboard.press("h")
        wait_text(control, "#feedback", f"Défi lancé{NNBSP}: <img src=x onerror=alert(1)> $& go")
        assert control.locator("#feedback img").count() == 0
    finally:
        pages.context.close()
        server.stop()
    assert pages.problems == []  # (an alert would be a dialog)


def test_new_live_starts_a_new_entry_in_the_history_after_a_second_press(pages: Pages) -> None:
    pages.server.push(Like(count=5, total=300, user=User(id="u1", nickname="Léa")))
    control = pages.control()
    wait_text(control, "#likes-total", "300")
    assert pages.server.app is not None
    persister = pages.server.app[PERSISTER]
    assert pages.server.call(lambda: persister.live.id) == 1
    button = control.locator("#new-live")
    button.click()  # the first press only asks for confirmation
    assert button.text_content() == f"Confirmer{NNBSP}: nouveau live{NNBSP}?"
    assert pages.server.call(lambda: persister.live.id) == 1
    control.wait_for_timeout(500)  # a confirmation, not a double click
    button.click()
    wait_text(control, "#feedback", "Nouveau live commencé")
    assert pages.server.call(lambda: persister.live.id) == 2
    assert control.locator("#likes-total").text_content() == "300"  # TikTok's room count stays on screen


def posts(page: Page) -> list[str]:
    """The URLs the page POSTs to from now on (the actions it asks of the server)."""
    posted: list[str] = []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    return posted


def double_click(control: Page, button: Locator) -> None:
    button.dblclick()


def held_enter(control: Page, button: Locator) -> None:
    button.focus()
    for _ in range(5):
        control.keyboard.down("Enter")  # held: the browser repeats it, clicking the focused button each time
    control.keyboard.up("Enter")


def slow_double_click(control: Page, button: Locator, gap_ms: float) -> None:
    """Two clicks `gap_ms` apart, the second a double click's second click (`detail` 2) as the system says."""
    box = button.bounding_box()
    assert box is not None
    control.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    control.mouse.down()
    control.mouse.up()
    control.wait_for_timeout(gap_ms)
    control.mouse.down(click_count=2)
    control.mouse.up(click_count=2)


def double_click_delivered_late(control: Page, button: Locator) -> None:
    slow_double_click(control, button, 600)  # a busy PC, or a mouse set for slow double clicks


@pytest.mark.parametrize("press", [double_click, held_enter, double_click_delivered_late])
def test_a_double_click_or_a_held_enter_does_not_confirm_a_new_live(
    pages: Pages, press: Callable[[Page, Locator], None]
) -> None:
    for _ in range(3):
        control = pages.control()
        posted = posts(control)  # (a new live by hand keeps TikTok's room count on screen: the request tells it)
        button = control.locator("#new-live")
        control.evaluate(  # when the clicks reached the page, as its handler reads them (`timeStamp`)
            """() => { window.clicks = [];
            document.getElementById("new-live").addEventListener("click", (e) => clicks.push(e.timeStamp), true); }"""
        )
        press(control, button)
        control.wait_for_timeout(500)
        clicks = control.evaluate("window.clicks")
        # A late double click must come within the system's double-click time (1 s here) to be one: on a PC too
        # busy to deliver the 0.6 s asked for in time, this try cannot judge, and the test tries again.
        if press is not double_click_delivered_late or clicks[-1] - clicks[0] < 950:
            break
        control.close()
    assert posted == []
    assert button.text_content() == f"Confirmer{NNBSP}: nouveau live{NNBSP}?"


def test_a_mouse_set_for_slow_double_clicks_still_confirms_a_second_later(pages: Pages) -> None:
    control = pages.control()
    posted = posts(control)
    slow_double_click(control, control.locator("#new-live"), 1100)
    wait_text(control, "#feedback", "Nouveau live commencé")
    assert [urlsplit(url).path for url in posted] == ["/api/lives/new"]


def test_a_double_click_on_next_moves_one_goal(pages: Pages) -> None:
    pages.server.push(Like(count=5, total=300, user=User(id="u1", nickname="Léa")))
    control = pages.control()
    wait_text(control, "#goal-target", f"1{NNBSP}000")
    control.locator('[data-action="goal-next"]').dblclick()
    wait_text(control, "#goal-target", f"10{NNBSP}000")
    control.wait_for_timeout(500)
    assert control.locator("#goal-target").text_content() == f"10{NNBSP}000"


def test_a_double_click_on_a_challenge_starts_it_once(pages: Pages) -> None:
    """Its second click restarted the challenge just started ("Défi remplacé" by itself); now the server would leave
    it running, and the page would say "Défi déjà en cours" instead of what the click did."""
    control = pages.control()
    control.locator('[data-challenge="boom"]').dblclick()
    wait_text(control, "#current-status", "en cours")
    control.wait_for_timeout(500)
    assert pages.server.app is not None
    engine = pages.server.app[ENGINE]
    assert [entry[0] for entry in pages.server.call(lambda: list(engine.challenges.started))] == ["boom"]
    assert control.locator("#feedback").text_content() == f"Défi lancé{NNBSP}: 100 likes, vite\u00a0!"


def test_a_held_enter_on_next_moves_one_goal(pages: Pages) -> None:
    pages.server.push(Like(count=5, total=300, user=User(id="u1", nickname="Léa")))
    control = pages.control()
    wait_text(control, "#goal-target", f"1{NNBSP}000")
    control.locator('[data-action="goal-next"]').focus()
    for _ in range(5):
        control.keyboard.down("Enter")  # held: the browser repeats it, clicking the focused button each time
    control.keyboard.up("Enter")
    wait_text(control, "#goal-target", f"10{NNBSP}000")
    control.wait_for_timeout(500)
    assert control.locator("#goal-target").text_content() == f"10{NNBSP}000"  # not 20 000, 30 000...


def test_a_number_typed_with_thousands_separators_is_that_number(pages: Pages) -> None:
    control = pages.control()
    for typed, shown in (("10.000", f"10{NNBSP}000"), ("12 500", f"12{NNBSP}500"), ("7,000", f"7{NNBSP}000")):
        control.locator("#set-value").fill(typed)
        control.locator("#set-value").press("Enter")
        wait_text(control, "#goal-progress", shown)  # not 10: "10.000" is ten thousand in French
    control.locator("#set-value").fill("10,5")
    control.locator("#set-value").press("Enter")
    wait_text(control, "#feedback", f"Un nombre entier de 0 à 1{NNBSP}000{NNBSP}000{NNBSP}000, s'il vous plaît.")


def first_number_held(control: Page, field: str, typed: str) -> Route:
    """Send `typed` from the `field` form and hold its request on its way (a slow network); the next go through."""
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    control.route("**/api/goals/progress*", hold_the_first)
    control.locator(field).fill(typed)
    with control.expect_request("**/api/goals/progress*"):
        control.locator(field).press("Enter")
    while not held:
        control.wait_for_timeout(10)
    return held[0]


def test_a_number_typed_while_the_last_is_on_its_way_is_sent_after_it(pages: Pages) -> None:
    control = pages.control()
    first = first_number_held(control, "#set-value", "5000")
    control.locator("#set-value").fill("6000")  # typed quickly, on a slow network
    control.locator("#set-value").press("Enter")
    first.continue_()
    wait_text(control, "#goal-progress", f"6{NNBSP}000")  # both sent, in order: not dropped, nor emptied unsent
    control.wait_for_function("() => document.getElementById('set-value').value === ''")  # (its answer may come later)


def test_a_set_then_an_add_typed_quickly_arrive_in_that_order(pages: Pages) -> None:
    control = pages.control()
    first = first_number_held(control, "#set-value", "5000")
    control.locator("#add-value").fill("100")
    control.locator("#add-value").press("Enter")
    first.continue_()
    wait_text(control, "#goal-progress", f"5{NNBSP}100")  # (the add went first: 5 000)


def test_enter_held_on_a_number_adds_it_once(pages: Pages) -> None:
    control = pages.control()
    sent: list[Route] = []

    def hold_the_first(route: Route) -> None:
        sent.append(route)
        if len(sent) > 1:
            route.continue_()

    control.route("**/api/goals/progress*", hold_the_first)  # the first on its way while Enter repeats
    control.locator("#add-value").fill("100")
    with control.expect_request("**/api/goals/progress*"):
        for _ in range(5):
            control.keyboard.down("Enter")
    control.keyboard.up("Enter")
    control.locator("#add-value").press("Enter")  # and pressed once more
    while not sent:
        control.wait_for_timeout(10)
    sent[0].continue_()
    wait_text(control, "#goal-progress", "100")
    control.wait_for_timeout(500)
    assert control.locator("#goal-progress").text_content() == "100"
    assert len(sent) == 1
    control.wait_for_function("() => document.getElementById('add-value').value === ''")


def test_after_a_number_is_sent_the_hotkeys_work_again(pages: Pages) -> None:
    control, widget = pages.control(), pages.widget()
    control.locator("#add-value").fill("100")
    control.locator("#add-value").press("Enter")
    wait_text(control, "#feedback", f"Objectif{NNBSP}: 100 / 1{NNBSP}000")
    control.keyboard.press("1")  # not typed into the field
    widget.wait_for_selector('#challenge[data-status="running"][data-id="boom"]')
    assert control.locator("#add-value").input_value() == ""


def test_the_page_shows_the_source_and_the_live_like_rate(pages: Pages) -> None:
    control = pages.control()
    pages.server.push(likes(42))
    wait_text(control, "#likes-rate", "42")
    wait_text(control, "#likes-total", "42")
    assert control.locator("#source-kind").text_content() == "test"


def test_the_top_likers_list_is_written_only_when_it_changes(pages: Pages) -> None:
    # Rebuilt on every state (~30 a second in a busy live), the dock's five rows cost their DOM again each time.
    control = pages.control()
    pages.server.push(likes(5), Like(count=3, user=User(id="u2", nickname="Hugo")))
    wait_text(control, "#top-likers", "Léa5Hugo3")
    control.evaluate(
        """() => {
            window.writes = 0;
            new MutationObserver((changes) => { window.writes += changes.length; }).observe(
                document.getElementById("top-likers"), { childList: true, subtree: true, characterData: true });
        }"""
    )
    for total in range(9, 14):  # a state each, the top likers the same (likes TikTok sent without a viewer)
        pages.server.push(Like(count=1))
        wait_text(control, "#likes-total", str(total))
    pages.server.push(likes(1))  # Léa: 6
    wait_text(control, "#top-likers", "Léa6Hugo3")
    assert control.evaluate("window.writes") == 1


def test_without_the_token_the_page_says_where_to_find_it_and_nothing_happens(pages: Pages) -> None:
    widget = pages.widget()
    control = pages.control("")
    assert control.locator("#token-warning").is_visible()
    control.keyboard.press("1")
    wait_text(
        control,
        "#feedback",
        f"Pas de jeton{NNBSP}: ouvrez l'adresse /control?token=… affichée au démarrage du serveur.",
    )
    assert widget.locator("#challenge").is_hidden()


def test_a_token_pasted_with_a_line_break_after_it_works(pages: Pages) -> None:
    """The page said "Jeton refusé" while its buttons worked (the browser trims a header's value, as the server a
    Bearer token)."""
    control = pages.control(f"?token={pages.token}%0A")
    assert control.locator("#token-warning").count() == 0
    control.keyboard.press("1")
    wait_text(control, "#current-status", "en cours")


def test_a_wrong_token_is_refused(pages: Pages) -> None:
    control = pages.control("?token=" + "A" * 43)
    assert control.locator("#token-warning").is_visible()
    control.keyboard.press("1")
    wait_text(
        control,
        "#feedback",
        f"Jeton refusé{NNBSP}: ouvrez l'adresse /control?token=… affichée au démarrage du serveur.",
    )
    assert control.locator("#current").get_attribute("data-status") == "none"


@pytest.mark.parametrize(
    ("locale", "query", "said"),
    [
        ("fr", "", f"Erreur 404{NNBSP}: aucun défi n'a l'identifiant «\u00a0gone\u00a0»"),
        ("en", "", "Error 404: no challenge with id 'gone'"),
        ("fr", "&locale=en", "Error 404: no challenge with id 'gone'"),  # the page's language, as its buttons
    ],
)
def test_a_refused_action_is_said_in_the_pages_language(
    browser: Browser, tmp_path: Path, servers: list[ServerThread], locale: str, query: str, said: str
) -> None:
    server = ServerThread(make_config(challenges=CHALLENGES, locale=locale), tmp_path / "data").start()
    servers.append(server)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = Pages(server, context)
    try:
        control = opened.control(f"?token={opened.token}{query}")
        # A button left from an older config.yaml (the page had not caught up with an edit yet): the server refuses.
        control.locator('[data-challenge="boom"]').evaluate("(button) => { button.dataset.challenge = 'gone'; }")
        control.locator('[data-challenge="gone"]').click()
        wait_text(control, "#feedback", said)
        assert control.locator("#feedback").evaluate("(e) => e.classList.contains('is-error')")
        assert control.locator("#token-warning").count() == 0  # a refusal, not a token problem
    finally:
        context.close()
    assert opened.problems == []


def test_a_server_error_is_said_in_the_pages_words(pages: Pages) -> None:
    control = pages.control()
    assert pages.server.app is not None
    bus = pages.server.app[BUS]

    def broken(event: object) -> None:
        raise RuntimeError("a bug in the server")

    pages.server.call(lambda: setattr(bus, "publish", broken))  # the next action fails: 500, and no JSON
    control.keyboard.press("1")
    wait_text(
        control, "#feedback", f"Le serveur n'a pas pu le faire (erreur 500){NNBSP}: les détails sont dans sa console."
    )


def test_it_fits_an_obs_dock_300_pixels_wide(pages: Pages) -> None:
    control = pages.control()
    control.set_viewport_size({"width": 300, "height": 700})
    assert control.evaluate("document.documentElement.scrollWidth") <= 300
    # The wording warnings ("likes" in the goals and challenges) are folded to one line: the buttons come first.
    warnings = control.locator("#config-warnings")
    assert warnings.is_visible()
    assert warnings.get_attribute("open") is None
    count = control.locator("#config-warning-list li").count()
    assert count > 0
    assert control.locator("#config-warning-count").text_content() == str(count)
    for challenge in CHALLENGES:
        button = control.locator(f'[data-challenge="{challenge["id"]}"]')
        assert button.is_visible()
        assert button.locator("kbd").text_content() == challenge["hotkey"]
        box = button.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 300


def test_in_a_dock_what_an_action_says_wraps_a_long_word_inside_the_dock(browser: Browser, tmp_path: Path) -> None:
    """The challenge's card wraps a long word (a hashtag, a handle); the message saying it started ran off the dock."""
    hashtag = "#" + "défi" * 20
    config = make_config(challenges=[{"id": "tag", "text": f"Lancez {hashtag}", "hotkey": "1"}])
    server = ServerThread(config, tmp_path / "data").start()
    context = browser.new_context(viewport={"width": 300, "height": 700})
    try:
        control = context.new_page()
        control.goto(f"{server.url}/control?token={(server.data_dir / TOKEN_FILE).read_text().strip()}")
        control.wait_for_selector('html[data-overlay="live"]', state="attached")
        control.keyboard.press("1")
        wait_text(control, "#feedback", f"Défi lancé{NNBSP}: Lancez {hashtag}")
        feedback = control.locator("#feedback")
        assert feedback.evaluate("(e) => e.scrollWidth <= e.clientWidth")
        box = feedback.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= 300
    finally:
        context.close()
        server.stop()


def test_english_with_locale_query(pages: Pages) -> None:
    control = pages.control(f"?token={pages.token}&locale=en")
    assert control.locator("#current-text").text_content() == "No challenge running"
    control.keyboard.press("1")
    wait_text(control, "#current-status", "running")


def test_a_digit_hotkey_also_works_unshifted_on_a_french_keyboard(pages: Pages) -> None:
    widget = pages.widget()
    control = pages.control()
    # On AZERTY the top-row key "1" types "&" without Shift; Playwright cannot switch layouts, so send its event.
    # With NumLock off the numpad's "3" is Page Down: it scrolls the dock and starts nothing.
    control.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'PageDown', code: 'Numpad3'}))")
    control.wait_for_timeout(300)
    assert control.locator("#current").get_attribute("data-status") == "none"
    control.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: '&', code: 'Digit1', bubbles: true}))")
    widget.wait_for_selector('#challenge[data-status="running"][data-id="boom"]')


def test_in_a_narrow_dock_a_refused_number_is_said_in_sight_and_kept_to_fix(pages: Pages) -> None:
    control = pages.control()
    control.set_viewport_size({"width": 320, "height": 600})
    control.locator("#set-value").fill("2000000000")
    control.locator("#set-form button").click()
    wait_text(control, "#feedback", f"Un nombre entier de 0 à 1{NNBSP}000{NNBSP}000{NNBSP}000, s'il vous plaît.")
    box = control.locator("#feedback").bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 600  # in sight without scrolling
    assert control.locator("#set-value").input_value() == "2000000000"
    control.locator("#feedback").click()  # dismissed at once (an error would stay 8 s)
    wait_text(control, "#feedback", "", timeout=2_000)


# Whether the message lies over the number form it is about (both measured where they are in the viewport).
COVERS_THE_FORM = """(form) => {
    const said = document.getElementById("feedback").getBoundingClientRect();
    const kept = document.getElementById(form).getBoundingClientRect();
    return said.bottom > kept.top && said.top < kept.bottom && said.right > kept.left && said.left < kept.right;
}"""


@pytest.mark.parametrize("edge", ["end", "start"], ids=["form at the bottom", "form at the top"])
@pytest.mark.parametrize("size", [(300, 600), (1280, 900)], ids=["dock", "full page"])
def test_a_refused_number_is_said_where_it_does_not_hide_its_field(
    pages: Pages, size: tuple[int, int], edge: str
) -> None:
    control = pages.control()
    width, height = size
    control.set_viewport_size({"width": width, "height": height})
    # Scrolled into sight from above, a form sits at the dock's bottom edge, where the message shows by default.
    control.locator("#add-form").evaluate("(form, edge) => form.scrollIntoView({ block: edge })", edge)
    control.locator("#add-value").fill("abc")
    control.locator("#add-value").press("Enter")
    wait_text(control, "#feedback", f"Un nombre entier de 0 à 1{NNBSP}000{NNBSP}000{NNBSP}000, s'il vous plaît.")
    assert not control.evaluate(COVERS_THE_FORM, "add-form")  # the field and its "+ likes" button stay in sight
    box = control.locator("#feedback").bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= height  # and the message too, without scrolling


def test_a_message_kept_off_a_form_stays_off_it_when_the_page_scrolls(pages: Pages) -> None:
    control = pages.control()
    control.set_viewport_size({"width": 300, "height": 600})
    control.locator("#set-form").evaluate("(form) => form.scrollIntoView({ block: 'start' })")
    control.locator("#set-value").fill("abc")
    control.locator("#set-value").press("Enter")
    wait_text(control, "#feedback", f"Un nombre entier de 0 à 1{NNBSP}000{NNBSP}000{NNBSP}000, s'il vous plaît.")
    assert not control.evaluate(COVERS_THE_FORM, "set-form")
    control.locator("#set-form").evaluate("(form) => form.scrollIntoView({ block: 'end' })")  # down to the bottom edge
    # Moved off it as the page scrolls (still said: a message gone after its 8 s would cover nothing either).
    control.wait_for_function(
        f"() => document.getElementById('feedback').textContent !== '' && !({COVERS_THE_FORM})('set-form')"
    )


def test_challenges_edited_while_the_server_was_stopped_show_when_it_is_back(pages: Pages, tmp_path: Path) -> None:
    # Each run of the server counts its config versions from 1: the pages must not keep the old run's list.
    control, widget = pages.control(), pages.widget()
    assert control.locator("[data-challenge]").evaluate_all("(bs) => bs.map((b) => b.dataset.challenge)") == [
        "boom",
        "rush",
        "short",
    ]
    edited = [{**CHALLENGES[0], "success_text": "Incroyable !"}, {**CHALLENGES[1], "id": "vite"}]
    port = pages.server.port
    pages.server.stop()
    control.wait_for_selector('#source-dot[data-status="offline"]')
    widget.wait_for_selector('html[data-overlay="offline"]', state="attached")
    pages.server = ServerThread(make_config(challenges=edited), tmp_path / "data", port=port).start()
    widget.wait_for_selector('html[data-overlay="live"]', state="attached", timeout=15_000)
    control.wait_for_function(
        "() => [...document.querySelectorAll('[data-challenge]')].map((b) => b.dataset.challenge).join() "
        "=== 'boom,vite'",
        timeout=15_000,
    )
    control.keyboard.press("1")  # the challenge whose success text was edited
    wait_text(control, "#current-status", "en cours")
    pages.server.push(likes(100))
    wait_text(widget, "#challenge-result", "Incroyable\u00a0!")  # the widget has the new texts too


def test_a_stopped_server_shows_on_the_page_which_comes_back_with_it(pages: Pages, tmp_path: Path) -> None:
    control = pages.control()
    control.keyboard.press("1")
    wait_text(control, "#current-status", "en cours")
    pages.server.stop()
    control.wait_for_selector('#source-dot[data-status="offline"]')
    assert control.locator("#source-status").text_content() == "serveur injoignable, reconnexion…"
    assert control.locator("#current-timer").text_content() == ""  # no countdown running on without the server
    control.keyboard.press("3")
    wait_text(
        control,
        "#feedback",
        f"Serveur injoignable{NNBSP}: l'overlay est-il lancé{NNBSP}? (la page se reconnecte toute seule)",
    )
    port = pages.server.port
    pages.server = ServerThread(make_config(challenges=CHALLENGES), tmp_path / "data", port=port).start()
    control.wait_for_selector('#source-dot:not([data-status="offline"])', timeout=15_000)
    wait_text(control, "#feedback", "", timeout=2_000)  # the failure is over (an error would stay 8 s)
