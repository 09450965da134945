"""The control API over real HTTP: challenges, goal controls, the Stream Deck GET route, the token."""

from __future__ import annotations

import io
import json
import os
import re
import stat
from collections.abc import AsyncIterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import websockets
from aiohttp.test_utils import TestServer

from overlay.cli import announce
from overlay.config import HOTKEY_ACTIONS
from overlay.datafiles import UnsafeDataFile
from overlay.events import Like, User
from overlay.web import create_app
from overlay.web.control import ACTIONS
from overlay.web.errors import MESSAGES
from overlay.web.keys import CONTROL_TOKEN, ENGINE, PERSISTER
from overlay.web.security import TOKEN_FILE, load_or_create_token
from tests.conftest import DrivenSource, http_url, make_config, ws_url

NNBSP = "\u202f"  # French puts it before : ; ! ?
CHALLENGES = [
    {"id": "boom", "text": "1 000 likes en 60 secondes !", "target": 1000, "duration": 60, "hotkey": "1"},
    {"id": "prompt", "text": "Faites exploser le compteur !", "duration": 30, "hotkey": "2", "success_text": "Bravo !"},
]


@pytest.fixture
async def control(source: DrivenSource, tmp_path: Path) -> AsyncIterator[TestServer]:
    """The real app with two challenges configured."""
    app = create_app(make_config(challenges=CHALLENGES), source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


def token_of(server: TestServer) -> str:
    return server.app[CONTROL_TOKEN]


async def call(
    server: TestServer,
    method: str,
    path: str,
    *,
    token: str | None = "",
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """One request; `token=""` means the server's own token, None means none."""
    sent = {"Content-Type": "application/json"} if method == "POST" else {}
    if token is not None:
        sent["Authorization"] = f"Bearer {token or token_of(server)}"
    sent.update(headers or {})
    data = json.dumps(body) if body is not None else None
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, http_url(server, path), data=data, headers=sent) as response,
    ):
        return response.status, await response.json()


async def state(server: TestServer) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(http_url(server, "/api/state")) as response:
        return await response.json()


# -- the token ----------------------------------------------------------------------------------


async def test_the_token_is_created_on_first_run_private_and_kept(tmp_path: Path, source: DrivenSource) -> None:
    data_dir = tmp_path / "data"
    tokens = []
    for _ in range(2):  # a restart keeps the token, so the OBS dock's URL keeps working
        async with TestServer(create_app(make_config(), source=source, data_dir=data_dir), host="127.0.0.1"):
            path = data_dir / TOKEN_FILE
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            tokens.append(path.read_text().strip())
    assert tokens[0] == tokens[1]
    assert len(tokens[0]) >= 43  # 256 random bits, URL-safe


def test_a_token_file_with_loose_rights_is_tightened_and_a_broken_one_replaced(tmp_path: Path) -> None:
    path = tmp_path / TOKEN_FILE
    path.write_text("x" * 40 + "\n")
    path.chmod(0o644)
    assert load_or_create_token(tmp_path) == "x" * 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("short")
    fresh = load_or_create_token(tmp_path)
    assert fresh != "short"
    assert path.read_text().strip() == fresh


def test_a_link_at_the_token_file_is_refused_and_what_it_points_to_left_alone(tmp_path: Path) -> None:
    """Through a link, the token would be written over the file it points to, or read from a file someone chose."""
    victim = tmp_path / "victim"
    victim.write_text("x" * 40 + "\n")  # a token someone else chose, or a file of the user's: either way, untouched
    victim.chmod(0o644)
    data = tmp_path / "data"
    data.mkdir()
    for target in (victim, tmp_path / "not-there-yet"):
        (data / TOKEN_FILE).unlink(missing_ok=True)
        (data / TOKEN_FILE).symlink_to(target)
        with pytest.raises(UnsafeDataFile) as refused:
            load_or_create_token(data)
        assert (refused.value.path, refused.value.problem) == (data / TOKEN_FILE, "link")
    assert victim.read_text() == "x" * 40 + "\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert not (tmp_path / "not-there-yet").exists()


def test_a_folder_or_a_pipe_at_the_token_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder" / TOKEN_FILE).mkdir(parents=True)
    (tmp_path / "pipe").mkdir()
    os.mkfifo(tmp_path / "pipe" / TOKEN_FILE)  # reading it would wait for a writer forever
    for data in (tmp_path / "folder", tmp_path / "pipe"):
        with pytest.raises(UnsafeDataFile) as refused:
            load_or_create_token(data)
        assert refused.value.problem == "special"


def test_a_token_file_another_user_owns_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever owns it could have chosen the token in it (a data folder others can write to)."""
    (tmp_path / TOKEN_FILE).write_text("x" * 40 + "\n")
    monkeypatch.setattr(os, "geteuid", lambda: (tmp_path / TOKEN_FILE).stat().st_uid + 1)
    with pytest.raises(UnsafeDataFile) as refused:
        load_or_create_token(tmp_path)
    assert refused.value.problem == "not_yours"


def test_a_new_token_file_is_a_new_file_private_from_the_start(tmp_path: Path) -> None:
    """A broken one is replaced by a new file (never written through); created 0600, not tightened afterwards."""
    path = tmp_path / TOKEN_FILE
    path.write_text("short")
    before = path.stat().st_ino
    old_umask = os.umask(0)
    with path.open() as broken:  # (open, the broken file lives on: it keeps what it held)
        try:
            token = load_or_create_token(tmp_path)
        finally:
            os.umask(old_umask)
        assert broken.read() == "short"
    assert path.stat().st_ino != before
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == token + "\n"


def test_the_control_url_is_printed_at_start() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        announce(make_config(), 8080, "T0k3n_T0k3n_T0k3n_T0k3n_T0k3n_T0k3n_T0k3n")
    assert "http://127.0.0.1:8080/control?token=T0k3n_T0k3n_T0k3n_T0k3n_T0k3n_T0k3n_T0k3n" in out.getvalue()


# -- challenges ---------------------------------------------------------------------------------


async def test_start_a_challenge_and_see_it_in_the_state_and_the_websocket(
    control: TestServer, source: DrivenSource
) -> None:
    async with websockets.connect(ws_url(control)) as ws:
        first = json.loads(await ws.recv())
        assert first["state"]["challenge"] is None
        status, answer = await call(control, "POST", "/api/challenges/boom/start")
        assert status == 200
        assert answer["ok"] is True
        assert answer["challenge"]["status"] == "running"
        while (message := json.loads(await ws.recv()))["type"] != "state" or not message["state"]["challenge"]:
            pass
        assert message["state"]["challenge"]["id"] == "boom"
    await source.push(Like(count=15, user=User(id="1", nickname="Léa")))
    shown = (await state(control))["challenge"]
    assert {k: shown[k] for k in ("id", "text", "target", "progress", "status")} == {
        "id": "boom",
        "text": "1 000 likes en 60 secondes !",
        "target": 1000,
        "progress": 15,
        "status": "running",
    }
    assert 0 < shown["ends_in"] <= 60


async def test_starting_the_running_challenge_again_leaves_it_going_and_says_so(
    control: TestServer, source: DrivenSource
) -> None:
    """A key that bounces, a press "to make sure" or a moderator pressing too started it again from 0: the likes the
    viewers had sent for it vanished from the screen."""
    _, first = await call(control, "POST", "/api/challenges/boom/start")
    assert (first["already_running"], first["message"]) == (False, f"Défi lancé{NNBSP}: 1 000 likes en 60 secondes !")
    await source.push(Like(count=15, user=User(id="1", nickname="Léa")))
    status, again = await call(control, "POST", "/api/challenges/boom/start")
    assert (status, again["ok"], again["changed"], again["already_running"]) == (200, True, False, True)
    assert again["message"] == f"Défi déjà en cours{NNBSP}: 1 000 likes en 60 secondes !"
    _, by_hotkey = await call(control, "GET", f"/api/hotkeys/boom?token={token_of(control)}&locale=en", token=None)
    assert (by_hotkey["already_running"], by_hotkey["message"]) == (
        True,
        "Challenge already running: 1 000 likes en 60 secondes !",  # (the creator's text, as written)
    )
    shown = (await state(control))["challenge"]
    assert (shown["progress"], shown["status"]) == (15, "running")
    assert shown["elapsed"] >= again["challenge"]["elapsed"] >= first["challenge"]["elapsed"]  # its clock went on
    assert [entry[0] for entry in control.app[ENGINE].challenges.started] == ["boom"]  # one challenge in the history


async def test_another_challenge_replaces_the_running_one_and_one_that_ended_starts_again(
    control: TestServer, source: DrivenSource
) -> None:
    await call(control, "POST", "/api/challenges/boom/start")
    await source.push(Like(count=15, user=User(id="1", nickname="Léa")))
    _, other = await call(control, "POST", "/api/challenges/prompt/start")
    assert (other["already_running"], other["challenge"]["id"], other["challenge"]["progress"]) == (False, "prompt", 0)
    assert other["message"] == f"Défi remplacé{NNBSP}: Faites exploser le compteur !"
    await call(control, "POST", "/api/challenges/boom/start")
    await source.push(Like(count=1000, user=User(id="1", nickname="Léa")))  # won: its result is on screen 6 s
    assert (await state(control))["challenge"]["status"] == "succeeded"
    _, anew = await call(control, "POST", "/api/challenges/boom/start")
    assert (anew["already_running"], anew["challenge"]["status"], anew["challenge"]["progress"]) == (
        False,
        "running",
        0,
    )
    assert anew["message"] == f"Défi lancé{NNBSP}: 1 000 likes en 60 secondes !"


async def test_unknown_challenge_is_a_404_with_a_json_error(control: TestServer) -> None:
    status, answer = await call(control, "POST", "/api/challenges/nope/start")
    assert status == 404
    assert answer == {
        "error": "aucun défi n'a l'identifiant «\u00a0nope\u00a0»",  # the config's language: French by default
        "code": "unknown_challenge",
        "challenges": ["boom", "prompt"],
    }


async def test_cancel_takes_it_off_and_is_harmless_twice(control: TestServer) -> None:
    await call(control, "POST", "/api/challenges/boom/start")
    for _ in range(2):
        status, answer = await call(control, "POST", "/api/challenges/cancel")
        assert (status, answer["challenge"]) == (200, None)


async def test_the_configured_challenges_are_listed_read_only(control: TestServer) -> None:
    status, answer = await call(control, "GET", "/api/challenges", token=None)
    assert status == 200
    assert [c["id"] for c in answer["challenges"]] == ["boom", "prompt"]
    assert answer["challenges"][1]["success_text"] == "Bravo !"
    assert answer["challenges"][0]["hotkey"] == "1"


async def test_challenge_texts_per_language_are_listed_in_the_configs_or_the_asked_language(
    source: DrivenSource, tmp_path: Path
) -> None:
    rain = {"id": "rain", "text": {"fr": "Pluie de likes !", "en": "Like rain!"}, "success_text": {"fr": "Merci !"}}
    app = create_app(make_config(locale="en", challenges=[rain]), source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server:
        _, english = await call(server, "GET", "/api/challenges", token=None)
        _, french = await call(server, "GET", "/api/challenges?locale=fr", token=None)
    listed = english["challenges"][0]
    assert (listed["text"], listed["success_text"], listed["failure_text"]) == ("Like rain!", "Merci !", "")
    assert listed["text_by_locale"] == {"fr": "Pluie de likes !", "en": "Like rain!"}  # for a widget's own ?locale=
    assert listed["success_text_by_locale"] == {"fr": "Merci !", "en": "Merci !"}  # the other one given
    assert listed["failure_text_by_locale"] is None  # a plain text (here the built-in one), the same in any language
    assert french["challenges"][0]["text"] == "Pluie de likes !"


# -- goal controls ------------------------------------------------------------------------------


async def test_goal_controls(control: TestServer, source: DrivenSource) -> None:
    await source.push(Like(count=5, total=300, user=User(id="1", nickname="Léa")))
    _, answer = await call(control, "POST", "/api/goals/progress", body={"set": 5000})
    assert answer["goal"]["progress"] == 5000
    _, answer = await call(control, "POST", "/api/goals/progress", body={"add": 100})
    assert answer["goal"]["progress"] == 5100
    _, answer = await call(control, "POST", "/api/goals/next")
    assert answer["goal"]["id"] == "main+1"
    _, answer = await call(control, "POST", "/api/goals/previous")
    assert answer["goal"]["id"] == "main"
    _, answer = await call(control, "POST", "/api/goals/reset")
    assert (answer["goal"]["id"], answer["goal"]["progress"]) == ("warmup", 0)
    assert (await state(control))["likes"]["total"] == 300  # the counters are never rewritten


async def test_likes_added_by_hand_never_take_the_goal_past_the_bound_a_set_has(control: TestServer) -> None:
    # Two adds of 999 999 999 showed "2 000 005 152 / 1 000 000 000", while a set above a billion was refused.
    _, answer = await call(control, "POST", "/api/goals/progress", body={"add": 999_999_999})
    assert answer["goal"]["progress"] == 999_999_999
    status, answer = await call(control, "POST", "/api/goals/progress", body={"add": 2})
    assert (status, answer["code"]) == (400, "progress_add_range")
    assert answer["error"] == (
        "ajouter 2 porterait l'objectif à 1\u202f000\u202f000\u202f001, "
        "au-delà de 1\u202f000\u202f000\u202f000 (un milliard)\u202f; il en est à 999\u202f999\u202f999"
    )
    _, answer = await call(control, "POST", "/api/goals/progress", body={"add": 1})
    assert answer["goal"]["progress"] == 1_000_000_000  # up to the bound itself


async def test_the_answer_says_whether_the_action_changed_anything(source: DrivenSource, tmp_path: Path) -> None:
    # (Here the ladder ends: two goals and no more, so "next" on the last one has nowhere to go.)
    steps = [{"id": "a", "label": "A", "target": 1000}, {"id": "b", "label": "B", "target": 5000}]
    goals = {"steps": steps, "then": {"every": None}}
    app = create_app(make_config(goals=goals, challenges=CHALLENGES), source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server:
        said = []
        for path in (
            "/api/challenges/cancel",  # nothing on screen
            "/api/goals/previous",  # already on the first goal
            "/api/challenges/boom/start",
            "/api/challenges/boom/start",  # already running: it goes on as it was
            "/api/challenges/cancel",
            "/api/goals/next",
            "/api/goals/next",  # already on the last goal
            "/api/goals/reset",
            "/api/goals/reset",  # already at 0 on the first goal
        ):
            _, answer = await call(server, "POST", path)
            said.append((path, answer["changed"]))
        for body in ({"add": 0}, {"add": 10}, {"set": 10}, {"set": 20}):
            _, answer = await call(server, "POST", "/api/goals/progress", body=body)
            said.append((str(body), answer["changed"]))
    assert said == [
        ("/api/challenges/cancel", False),
        ("/api/goals/previous", False),
        ("/api/challenges/boom/start", True),
        ("/api/challenges/boom/start", False),
        ("/api/challenges/cancel", True),
        ("/api/goals/next", True),
        ("/api/goals/next", False),
        ("/api/goals/reset", True),
        ("/api/goals/reset", False),
        ("{'add': 0}", False),
        ("{'add': 10}", True),
        ("{'set': 10}", False),
        ("{'set': 20}", True),
    ]


@pytest.mark.parametrize(
    "body",
    [{}, {"set": -1}, {"set": "5000"}, {"set": 1.5}, {"set": True}, {"set": 1, "add": 1}, {"sub": 3}, [1], 5],
)
async def test_progress_needs_one_whole_number(control: TestServer, body: Any) -> None:
    status, answer = await call(control, "POST", "/api/goals/progress", body=body)
    assert status == 400
    assert '{"set": N}' in answer["error"]


@pytest.mark.parametrize("body", ["{set: 1", "[" * 5000 + "]" * 5000], ids=["not json", "nested 5,000 deep"])
async def test_progress_with_a_body_that_is_not_json(control: TestServer, body: str) -> None:
    headers = {"Authorization": f"Bearer {token_of(control)}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(http_url(control, "/api/goals/progress"), data=body, headers=headers) as response,
    ):
        assert response.status == 400
        assert await response.json() == {
            "error": "le corps de la requête n'est pas du JSON valide",
            "code": "body_not_json",
        }


# -- refusals in the creator's language ----------------------------------------------------------

WRONG_TOKEN = "A" * 43
# (method, path, token, body, status, code, French, English): what a Stream Deck key or the control page can get.
REFUSALS: list[tuple[str, str, str | None, Any, int, str, str, str]] = [
    (
        "POST",
        "/api/challenges/nope/start",
        "",
        None,
        404,
        "unknown_challenge",
        "aucun défi n'a l'identifiant «\u00a0nope\u00a0»",
        "no challenge with id 'nope'",
    ),
    (
        "POST",
        "/api/goals/progress",
        "",
        {"set": 2_000_000_000},
        400,
        "progress_range",
        f"«\u00a0set\u00a0» doit être un nombre entier de 0 à 1{NNBSP}000{NNBSP}000{NNBSP}000 (un milliard){NNBSP}; "
        'envoyez {"set": N} ou {"add": N}',
        '\'set\' must be a whole number from 0 to 1,000,000,000 (a billion); send {"set": N} or {"add": N}',
    ),
    (
        "POST",
        "/api/goals/progress",
        "",
        {"sub": 3},
        400,
        "progress_usage",
        'envoyez {"set": N} pour que l\'objectif affiche N, ou {"add": N} pour ajouter N likes à la main',
        'send {"set": N} to make the goal show N, or {"add": N} to add N likes by hand',
    ),
    (
        "POST",
        "/api/challenges/boom/start",
        WRONG_TOKEN,
        None,
        403,
        "token_wrong",
        "jeton de contrôle refusé (le bon est dans l'adresse de contrôle affichée au démarrage)",
        "wrong control token (the current one is in the control URL printed at start)",
    ),
    (
        "POST",
        "/api/lives/new",
        None,
        None,
        401,
        "token_missing",
        f"jeton de contrôle absent{NNBSP}: envoyez «\u00a0Authorization: Bearer <jeton>\u00a0» "
        "(ouvrez l'adresse de contrôle affichée au démarrage)",
        "control token missing: send 'Authorization: Bearer <token>' (open the control URL printed at start)",
    ),
    (
        "GET",
        "/api/hotkeys/nope?token={token}",
        None,
        None,
        404,
        "unknown_hotkey",
        f"aucun raccourci «\u00a0nope\u00a0»{NNBSP}: donnez l'identifiant d'un défi ou l'un de "
        "cancel, goal-next, goal-previous ou goal-reset",
        "no hotkey 'nope': use a challenge id or one of cancel, goal-next, goal-previous or goal-reset",
    ),
]


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_a_refusal_is_said_in_the_configs_language_with_a_stable_code(
    source: DrivenSource, tmp_path: Path, locale: str
) -> None:
    config = make_config(challenges=CHALLENGES, locale=locale)
    async with TestServer(create_app(config, source=source, data_dir=tmp_path / "data"), host="127.0.0.1") as server:
        for method, path, token, body, status, code, french, english in REFUSALS:
            answer = await call(server, method, path.format(token=token_of(server)), token=token, body=body)
            assert answer[0] == status, path
            assert (answer[1]["code"], answer[1]["error"]) == (code, french if locale == "fr" else english)
        assert (await state(server))["challenge"] is None  # (nothing was done)


async def test_the_request_may_ask_for_the_other_language_but_not_by_accept_language(control: TestServer) -> None:
    # A browser or OBS sends the system's language (often English under a French overlay): not the creator's choice.
    english_system = {"Accept-Language": "en-US,en;q=0.9"}
    status, answer = await call(control, "POST", "/api/challenges/nope/start", headers=english_system)
    assert (status, answer["error"]) == (404, "aucun défi n'a l'identifiant «\u00a0nope\u00a0»")
    # The control page opened with ?locale=en asks for its own language, as pages do.
    status, answer = await call(control, "POST", "/api/challenges/nope/start?locale=en")
    assert (status, answer["code"], answer["error"]) == (404, "unknown_challenge", "no challenge with id 'nope'")


def test_every_refusal_is_written_in_both_languages_with_french_spacing() -> None:
    assert MESSAGES["fr"].keys() == MESSAGES["en"].keys()
    for code, french in MESSAGES["fr"].items():
        # A narrow no-break space before : ; ! ? (a plain one lets the sign start a line of its own).
        assert not re.search(r"[ \u00a0][:;!?]", french), code


# -- the Stream Deck GET route ------------------------------------------------------------------


async def test_hotkey_get_acts_with_the_token_in_the_query(control: TestServer) -> None:
    status, answer = await call(control, "GET", f"/api/hotkeys/boom?token={token_of(control)}", token=None)
    assert (status, answer["challenge"]["id"]) == (200, "boom")
    status, answer = await call(control, "GET", f"/api/hotkeys/cancel?token={token_of(control)}", token=None)
    assert (status, answer["challenge"]) == (200, None)


@pytest.mark.parametrize("around", ["%20", "%0A", "%0D%0A"])
async def test_a_token_in_the_address_with_a_space_or_line_break_around_it_reads_as_in_a_header(
    control: TestServer, around: str
) -> None:
    """The Bearer header's token is read without the spaces around it; the address's was not, so the control page
    said "Jeton refusé" while its buttons (which send the header) worked, and a hotkey was refused."""
    token = f"{around}{token_of(control)}{around}"
    status, answer = await call(control, "GET", f"/api/hotkeys/boom?token={token}", token=None)
    assert (status, answer["challenge"]["id"]) == (200, "boom")
    async with aiohttp.ClientSession() as session, session.get(http_url(control, f"/control?token={token}")) as page:
        assert 'data-token="ok"' in await page.text()


async def test_hotkey_get_without_or_with_a_wrong_token_does_nothing(control: TestServer) -> None:
    status, answer = await call(control, "GET", "/api/hotkeys/boom", token=None)
    assert status == 401
    assert answer["code"] == "token_missing"
    assert "?token=" in answer["error"]  # where a hotkey's address puts it (not a header it cannot send)
    status, _ = await call(control, "GET", "/api/hotkeys/boom?token=" + "A" * 43, token=None)
    assert status == 403
    status, _ = await call(control, "GET", "/api/hotkeys/boom?token=", token=None)
    assert status == 401
    assert (await state(control))["challenge"] is None


async def test_a_token_sent_without_the_word_bearer_is_told_so_not_that_it_is_missing(control: TestServer) -> None:
    for method, path in (("POST", "/api/challenges/boom/start"), ("GET", "/api/hotkeys/boom")):
        headers = {"Authorization": token_of(control)}
        status, answer = await call(control, method, path, token=None, headers=headers)
        assert (status, answer["code"]) == (401, "token_not_bearer"), path
        assert "Bearer" in answer["error"]
    assert (await state(control))["challenge"] is None


async def test_hotkey_get_unknown_id_is_a_404_only_with_the_token(control: TestServer) -> None:
    status, _ = await call(control, "GET", "/api/hotkeys/nope", token=None)
    assert status == 401  # no token, no list of what exists
    status, answer = await call(control, "GET", f"/api/hotkeys/nope?token={token_of(control)}", token=None)
    assert status == 404
    assert answer["hotkeys"] == ["boom", "prompt", *HOTKEY_ACTIONS]


@pytest.mark.parametrize(
    "preload",
    [
        {"Sec-Purpose": "prefetch;prerender"},
        {"Sec-Purpose": "prefetch"},
        {"Purpose": "prefetch"},
        {"X-Moz": "prefetch"},  # Firefox
        {"X-Purpose": "preview"},  # Safari, drawing its Top Sites
    ],
)
async def test_a_browser_preloading_a_hotkey_address_does_nothing(control: TestServer, preload: dict[str, str]) -> None:
    """A browser preloads an address it expects to be opened (one typed in part, often visited), as if typed in
    (`Sec-Fetch-Site: none`): the challenge would start on stream before anyone pressed Enter."""
    typed_in = {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", **preload}
    status, answer = await call(
        control, "GET", f"/api/hotkeys/boom?token={token_of(control)}", token=None, headers=typed_in
    )
    assert (status, answer["code"]) == (400, "preload")
    assert answer["error"] == "un préchargement du navigateur ne déclenche rien\u202f: seule l'adresse ouverte agit"
    assert (await state(control))["challenge"] is None
    status, _ = await call(control, "GET", f"/api/hotkeys/boom?token={token_of(control)}", token=None, headers={})
    assert status == 200  # opened for real


async def test_a_head_request_to_a_hotkey_does_nothing(control: TestServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.head(http_url(control, f"/api/hotkeys/boom?token={token_of(control)}")) as response,
    ):
        assert response.status == 405
    assert (await state(control))["challenge"] is None


@pytest.mark.parametrize(
    ("method", "path", "status", "said"),
    [
        ("GET", "/api/goals/next", 405, f"GET n'est pas accepté ici{NNBSP}; utilisez POST"),
        ("POST", "/api/hotkeys/boom", 405, f"POST n'est pas accepté ici{NNBSP}; utilisez GET"),
        ("POST", "/api/goals/unknown", 404, f"cette adresse n'existe pas{NNBSP}: /api/goals/unknown"),
        ("POST", "/api/challenges/boom/start/", 404, "cette adresse n'existe pas"),
    ],
)
async def test_wrong_addresses_and_methods_get_a_json_error_too(
    control: TestServer, method: str, path: str, status: int, said: str
) -> None:
    answer = await call(control, method, path, body={})
    assert answer[0] == status
    assert answer[1]["error"].startswith(said)


@pytest.mark.parametrize(
    ("path", "hotkey"),
    [
        ("/api/goals/next", "/api/hotkeys/goal-next"),
        ("/api/goals/previous", "/api/hotkeys/goal-previous"),
        ("/api/goals/reset", "/api/hotkeys/goal-reset"),
        ("/api/challenges/cancel", "/api/hotkeys/cancel"),
        ("/api/challenges/boom/start", "/api/hotkeys/boom"),
    ],
)
async def test_a_get_to_an_action_names_the_hotkey_address_that_does_it(
    control: TestServer, path: str, hotkey: str
) -> None:
    """Stream Deck's "Website" action sends only GETs: "use POST" alone left its user with nothing to do."""
    for locale, words in (
        ("fr", "pour un bouton qui n'envoie que des GET"),
        ("en", "for a button that only sends GET"),
    ):
        status, answer = await call(control, "GET", f"{path}?token={token_of(control)}&locale={locale}", token=None)
        assert (status, answer["code"]) == (405, "wrong_method")
        assert words in answer["error"]
        assert f"{hotkey}?token=" in answer["error"]
    assert (await state(control))["challenge"] is None  # (nothing was done)
    assert (await state(control))["goal"]["id"] == "warmup"


async def test_a_get_to_start_an_unknown_challenge_names_no_hotkey_address(control: TestServer) -> None:
    # Its hotkey address would only answer 404: "use POST" then says what is true.
    status, answer = await call(control, "GET", f"/api/challenges/typo/start?token={token_of(control)}", token=None)
    assert (status, answer["code"]) == (405, "wrong_method")
    assert "/api/hotkeys/" not in answer["error"]


async def test_a_post_with_the_token_in_its_address_is_told_where_the_token_goes(control: TestServer) -> None:
    """A creator pasting the control page's `?token=` into a POST action's address (Companion) had sent the token,
    and read "token missing" (the address carries it only for the GET hotkeys)."""
    for locale, said in (
        ("fr", "le jeton dans l'adresse (?token=) ne vaut que pour /api/hotkeys/"),
        ("en", "the token in the address (?token=) is only for /api/hotkeys/"),
    ):
        path = f"/api/goals/next?token={token_of(control)}&locale={locale}"
        status, answer = await call(control, "POST", path, token=None, body={})
        assert (status, answer["code"]) == (401, "token_missing")
        assert said in answer["error"]
        assert "Authorization: Bearer" in answer["error"]
    assert (await state(control))["goal"]["id"] == "warmup"  # (nothing was done)


@pytest.mark.parametrize("action", ["goal-next", "goal-previous", "goal-reset"])
async def test_hotkey_actions_for_the_goal(control: TestServer, action: str) -> None:
    status, answer = await call(control, "GET", f"/api/hotkeys/{action}", token="")
    assert status == 200
    assert answer["action"] == action.replace("-", "_")


def test_hotkey_actions_match_the_names_reserved_in_the_config() -> None:
    assert tuple(ACTIONS) == HOTKEY_ACTIONS


async def test_no_other_get_changes_anything(control: TestServer, source: DrivenSource) -> None:
    """Every GET route the app has, except the token-guarded hotkey one, leaves the engine alone."""
    engine = control.app[ENGINE]
    token = token_of(control)
    paths = []
    for resource in control.app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter", "")
        if "{" in path and "hotkeys" not in path:
            live = "1" if path.startswith("/stats/") else "boom"  # the live the server opened at start
            path = path.replace("{name}", "challenge").replace("{id}", live).replace("{filename:.*}", "control.js")
        if info.get("prefix") == "/static":
            path = "/static/control.js"
        if path and "hotkeys" not in path and path != "/ws":
            paths.append(path)
    assert "/control" in paths
    assert "/api/state" in paths
    await source.push(Like(count=3, user=User(id="a", nickname="Léa")))
    await control.app[PERSISTER].flush()  # the live is in the store, so its stats pages exist

    def state() -> tuple:
        # Not `engine.version`: the hub's clock ticks (likes per minute, rankings) move it on their own.
        return (engine.snapshot(0.0)["challenge"], engine.progress, engine.goals.index, engine.total, engine.room_id)

    before = state()
    statuses: dict[str, int] = {}
    async with aiohttp.ClientSession() as session:
        for path in paths:
            async with session.get(http_url(control, f"{path}?token={token}")) as response:
                await response.read()
                statuses[path] = response.status
    assert state() == before
    assert {path: status for path, status in statuses.items() if path.startswith("/stats")} == {
        "/stats": 200,
        "/stats/": 200,  # (redirected to /stats)
        "/stats/1": 200,
        "/stats/1.csv": 200,
        "/stats/1.json": 200,
    }
