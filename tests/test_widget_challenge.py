"""The challenge widget in headless Chromium: a challenge without a target counts the likes in the config's words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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
