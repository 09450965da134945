"""The challenge widget in headless Chromium: a challenge without a target counts the likes in the config's words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from overlay.config import load_config
from overlay.events import ChallengeStart, Like, User
from tests.browser_fixtures import WidgetPage, screenshot, wait_text
from tests.conftest import ServerThread, make_config

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
    server.push(ChallengeStart(id="sprint"))
    page.wait_for_function("() => window.entrances === 2")
