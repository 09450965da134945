"""Live reload: config edits apply to the running overlay; invalid edits keep it and show their error."""

from __future__ import annotations

import asyncio
import json
import logging
import textwrap
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import websockets
from aiohttp.test_utils import TestServer

from overlay import reload
from overlay.bus import Bus
from overlay.cli import apply_overrides, build_parser
from overlay.config import load_config
from overlay.engine import Engine
from overlay.engine.challenges import Challenges
from overlay.events import AddLikes, ChallengeStart, GoalNext, Like, SetProgress, User
from overlay.reload import Reloader, changed_keys, warning_lines
from overlay.web import create_app
from overlay.web.keys import ENGINE
from overlay.wording import check
from tests.conftest import DrivenSource, http_url, make_config, ws_url

NNBSP = "\u202f"  # French on the pages: a narrow no-break space before : ; ! ?

CONFIG = textwrap.dedent(
    """\
    locale: fr
    theme:
      name: tiktok
    goals:
      celebrate_seconds: 0.2
      steps:
        - {id: warmup, label: "Premier palier !", target: 1000}
        - {id: main, label: "Le grand objectif !", target: 10000}
    challenges:
      - {id: sprint, text: "Sprint de 60 secondes !", target: 500, duration: 60}
    """
)

# -- the engine: new settings, same live --------------------------------------------------------------


def goals(*steps: tuple[str, str, int], every: int | None = 10_000, **extra: Any) -> dict[str, Any]:
    return {
        "goals": {
            "celebrate_seconds": 2,
            "steps": [{"id": i, "label": label, "target": target} for i, label, target in steps],
            "then": {"every": every},
            **extra,
        }
    }


TWO_STEPS = (("warmup", "Échauffement", 1000), ("main", "Objectif", 10_000))


def liked(engine: Engine, count: int, now: float = 1.0) -> None:
    engine.apply(Like(count, user=User("u1", "Léa")), now)
    engine.tick(now)


def test_an_edited_label_and_target_keep_the_counts() -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS)), "test")
    liked(engine, 1500)
    engine.tick(5)  # the warmup's celebration is over
    version = engine.version
    engine.reconfigure(make_config(**goals(("warmup", "Échauffement", 1000), ("main", "Cap des 20 000", 20_000))), 5)
    state = engine.snapshot(5)
    assert (state["likes"]["total"], state["likes"]["session"]) == (1500, 1500)
    assert state["goal"] | {"progress": 0} == {
        "id": "main",
        "label": "Cap des 20 000",
        "label_by_locale": None,
        "target": 20_000,
        "progress": 0,
        "reached": False,
        "step": 2,
        "steps": 2,
        "celebrate_seconds": 2,
    }
    assert engine.version > version


def test_a_target_lowered_below_the_count_moves_on_without_celebrating() -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS)), "test")
    liked(engine, 700)
    engine.reconfigure(make_config(**goals(("warmup", "Échauffement", 500), ("main", "Objectif", 10_000))), 5)
    state = engine.snapshot(5)
    assert (state["goal"]["id"], state["goal"]["reached"]) == ("main", False)
    assert engine.goals.reached_log == []  # reached by an edit, not by the viewers: nothing to celebrate or log


def test_a_reached_goal_never_goes_back_even_with_a_higher_target() -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS)), "test")
    liked(engine, 1200, now=1)
    engine.tick(10)  # the warmup's celebration is over: the main goal is on screen
    assert engine.snapshot(10)["goal"]["id"] == "main"
    engine.reconfigure(make_config(**goals(("warmup", "Échauffement", 5000), ("main", "Objectif", 10_000))), 11)
    assert engine.snapshot(11)["goal"]["id"] == "main"


def test_the_goal_celebrating_now_keeps_celebrating_under_its_new_label() -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS)), "test")
    liked(engine, 1000, now=1)
    assert engine.snapshot(1)["goal"]["reached"]
    engine.reconfigure(make_config(**goals(("warmup", "Palier 1", 1000), ("main", "Objectif", 10_000))), 1.5)
    goal = engine.snapshot(1.5)["goal"]
    assert (goal["id"], goal["label"], goal["reached"]) == ("warmup", "Palier 1", True)
    engine.tick(4)  # then it moves on as usual
    assert engine.snapshot(4)["goal"]["id"] == "main"


def test_the_last_goal_reached_stays_reached_when_nothing_follows() -> None:
    engine = Engine(make_config(**goals(("only", "Objectif", 1000), every=None)), "test")
    liked(engine, 1500)
    engine.tick(10)
    engine.reconfigure(make_config(**goals(("only", "Objectif du live", 3000), every=None)), 11)
    goal = engine.snapshot(11)["goal"]
    assert (goal["label"], goal["reached"]) == ("Objectif du live", True)


def test_an_edit_elsewhere_leaves_the_goal_a_control_chose() -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS)), "test")
    liked(engine, 300)
    engine.apply(GoalNext(), 2)
    engine.apply(GoalNext(), 3)  # the creator skipped ahead: main+1, though only 300 likes came
    engine.reconfigure(make_config(**goals(*TWO_STEPS), theme={"accent": "#00ff88"}), 4)
    assert engine.snapshot(4)["goal"]["id"] == "main+1"


def test_a_goal_a_control_chose_stays_through_an_edit_of_the_ladder() -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS)), "test")
    liked(engine, 300)
    engine.apply(GoalNext(), 2)
    engine.apply(GoalNext(), 3)
    engine.reconfigure(make_config(**goals(("warmup", "Échauffement", 1000), ("main", "Le grand objectif", 10_000))), 4)
    assert engine.snapshot(4)["goal"]["id"] == "main+1"


def test_a_goal_set_back_by_hand_is_not_skipped_by_an_edit_of_the_ladder() -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS)), "test")
    liked(engine, 1200)
    engine.tick(5)  # the warmup was reached and celebrated: main is on screen
    engine.apply(SetProgress(0), 6)  # the creator starts the count again: the warmup is back
    assert engine.snapshot(6)["goal"]["id"] == "warmup"
    engine.reconfigure(make_config(**goals(("warmup", "Palier 1", 1000), ("main", "Objectif", 10_000))), 7)
    goal = engine.snapshot(7)["goal"]
    assert (goal["id"], goal["label"], goal["progress"], goal["reached"]) == ("warmup", "Palier 1", 0, False)


@pytest.mark.parametrize(
    ("likes", "edited", "shown"),
    [
        (3000, goals(("warmup", "W", 1000), ("mid", "M", 5000), ("main", "Objectif", 10_000)), ("mid", 5000)),
        (35_500, goals(*TWO_STEPS, every=10_000), ("main+3", 40_000)),  # after `then: {every: 1000}` below
        (25_000, goals(("warmup", "W", 1000), ("main", "Objectif", 20_000), every=10_000), ("main+1", 30_000)),
    ],
    ids=["a goal added before the current one", "then.every changed", "the last step's target raised"],
)
def test_a_goal_the_likes_put_on_screen_follows_an_edit_of_the_ladder(
    likes: int, edited: dict[str, Any], shown: tuple[str, int]
) -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS, every=1000 if likes > 30_000 else 10_000)), "test")
    liked(engine, likes)
    engine.tick(10)  # celebrations over
    engine.reconfigure(make_config(**edited), 11)
    goal = engine.snapshot(11)["goal"]
    assert (goal["id"], goal["target"]) == shown


def test_goal_controls_still_count_after_an_edit() -> None:
    engine = Engine(make_config(**goals(*TWO_STEPS)), "test")
    engine.apply(SetProgress(4000), 1)
    engine.reconfigure(make_config(**goals(("a", "A", 5000), ("b", "B", 8000))), 2)
    engine.apply(AddLikes(1500), 3)
    goal = engine.snapshot(3)["goal"]
    assert (goal["id"], goal["progress"], goal["reached"]) == ("a", 5500, True)  # reached by likes: celebrated


def test_the_running_challenge_takes_its_new_text_and_duration() -> None:
    sprint = {"id": "sprint", "text": "Sprint !", "target": 500, "duration": 60}
    engine = Engine(make_config(challenges=[sprint]), "test")
    engine.apply(ChallengeStart("sprint"), 10)
    engine.reconfigure(make_config(challenges=[{**sprint, "text": "Sprint final !", "duration": 30}]), 20)
    challenge = engine.snapshot(20)["challenge"]
    assert (challenge["text"], challenge["ends_in"], challenge["status"]) == ("Sprint final !", 20.0, "running")


def test_a_running_challenge_shortened_past_its_time_ends_now_and_shows_its_result() -> None:
    sprint = {"id": "sprint", "text": "Sprint !", "target": 500, "duration": 600}
    engine = Engine(make_config(challenges=[sprint]), "test")
    engine.apply(ChallengeStart("sprint"), 10)
    engine.reconfigure(make_config(challenges=[{**sprint, "duration": 60}]), 120)
    engine.tick(120)
    challenge = engine.snapshot(120)["challenge"]
    assert (challenge["status"], challenge["ends_in"]) == ("failed", 0)  # not gone without a result
    engine.tick(125)
    assert engine.snapshot(125)["challenge"]["status"] == "failed"  # shown for its result's seconds


def test_a_goal_after_the_last_step_keeps_celebrating_through_an_edit() -> None:
    engine = Engine(make_config(**goals(("a", "A", 100), every=100, celebrate_seconds=4)), "test")
    liked(engine, 100, now=1)
    engine.tick(6)
    liked(engine, 100, now=6)  # 200: the first goal after the steps is reached
    assert (engine.snapshot(6)["goal"]["id"], engine.snapshot(6)["goal"]["reached"]) == ("a+1", True)
    engine.reconfigure(make_config(**goals(("a", "Palier A", 100), every=100, celebrate_seconds=4)), 7)
    goal = engine.snapshot(7)["goal"]
    assert (goal["id"], goal["reached"]) == ("a+1", True)  # it was skipped to a+2 at once


async def test_a_save_that_changes_no_setting_is_not_applied_again(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    write(path, "goals:\n  steps:\n    - {id: a, label: 100 likes, target: 100}\n  then: {every: 100}\n")
    engine = Engine(load_config(path), "test", now=0)
    reloader = Reloader(engine.config, [], Bus(engine, lambda: 0.0), path=path)
    assert await reloader.reload()  # the file as the server runs it
    liked(engine, 200, now=1)  # a goal past the steps, celebrating
    version = reloader.version
    assert [w.where for w in reloader.warnings if w.key == "goals.steps[0].label"] == [f"{path}:3"]
    write(path, "# my goals\n" + path.read_text(encoding="utf-8"))  # a comment: the lines move, nothing else
    assert not await reloader.reload()
    assert (reloader.version, engine.snapshot(2)["goal"]["reached"]) == (version, True)
    assert [w.where for w in reloader.warnings if w.key == "goals.steps[0].label"] == [f"{path}:4"]  # moved too


def test_an_unchanged_rhythm_rule_keeps_watching_and_a_new_one_waits_for_the_rate() -> None:
    config = make_config(
        challenges=[{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
        rhythm_rules=[{"challenge": "a", "below_per_minute": 100, "for_seconds": 30}],
    )
    challenges = Challenges(config.challenges, config.rhythm_rules)
    challenges.tick(0, per_minute=500)  # the rate was high: the rule is armed
    edited = make_config(
        challenges=[{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
        rhythm_rules=[
            {"challenge": "a", "below_per_minute": 100, "for_seconds": 30},
            {"challenge": "b", "below_per_minute": 50, "for_seconds": 30},
        ],
    )
    challenges.reconfigure(edited.challenges, edited.rhythm_rules, 1)
    assert [state.armed for state in challenges.rules] == [True, False]


# -- what is said about an edit -------------------------------------------------------------------------


def test_settings_that_need_a_restart_are_named_without_their_values() -> None:
    old = make_config(server={"port": 8080}, tiktok={"unique_id": "@moi", "sign_api_key": "secret-1"})
    new = make_config(server={"port": 9000}, tiktok={"unique_id": "@moi", "sign_api_key": "secret-2"}, locale="en")
    assert changed_keys(old, new) == ["server.port", "tiktok.sign_api_key"]


def test_built_in_texts_are_one_line_of_the_wording_warnings_in_either_language() -> None:
    lines = warning_lines(check(make_config()))
    assert lines[-1].startswith("built-in widget texts (")
    assert '"likes"' in lines[-1]
    assert sum(line.startswith("built-in") for line in lines) == 1
    french = warning_lines(check(make_config()), "fr")
    assert french[-1].startswith("textes intégrés des widgets (")
    assert "«\u00a0likes\u00a0»" in french[-1]  # French quotes, as the rest of the page


# -- the real server, its file edited ------------------------------------------------------------------


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def settle() -> float:
    """How long the server waits for a saved file to stay the same before applying it (a test may wait longer)."""
    return reload.SETTLE_SECONDS


@pytest.fixture
async def served(
    config_file: Path, tmp_path: Path, settle: float, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestServer]:
    monkeypatch.setattr(reload, "SETTLE_SECONDS", settle)
    app = create_app(
        load_config(config_file), source=DrivenSource(), data_dir=tmp_path / "data", config_path=config_file
    )
    async with TestServer(app, host="127.0.0.1") as server:
        yield server


class Client:
    """A widget's view of the server: the newest state, read from a real websocket."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.state: dict[str, Any] = {}
        self.seen: list[dict[str, Any]] = []  # every state read, in order

    async def until(self, check: Callable[[dict[str, Any]], bool], seconds: float = 5) -> dict[str, Any]:
        """Read frames until a state passes `check` (the edit has arrived), or fail after `seconds`."""
        async with asyncio.timeout(seconds):
            while not (self.state and check(self.state)):
                frame = json.loads(await self.ws.recv())
                if frame["type"] == "state":
                    self.state = frame["state"]
                    self.seen.append(self.state)
        return self.state


@pytest.fixture
async def client(served: TestServer) -> AsyncIterator[Client]:
    origin = http_url(served).rstrip("/")
    async with websockets.connect(ws_url(served), origin=websockets.Origin(origin)) as ws:
        watching = Client(ws)
        await watching.until(lambda state: True)
        yield watching


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


async def options(server: TestServer, query: str = "") -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(http_url(server, f"/widgets/goal/options{query}")) as r:
        assert r.status == 200
        return dict(await r.json())


async def test_a_valid_edit_reaches_open_widgets_and_their_options(
    served: TestServer, client: Client, config_file: Path
) -> None:
    before = client.state["config"]
    assert (before["error"], before["error_by_locale"]) == (None, None)
    assert (await options(served))["config_version"] == before["version"]

    edit(config_file, '"Premier palier !", target: 1000', '"Cap des 2 000 !", target: 2000')
    edit(config_file, "name: tiktok", "name: neon")
    state = await client.until(lambda s: s["goal"]["label"] == "Cap des 2 000 !")
    await client.until(lambda s: s["config"]["version"] > before["version"] and s["goal"]["target"] == 2000)
    assert state["config"]["error"] is None

    fresh = await options(served)
    assert (fresh["theme"], fresh["config_version"]) == ("neon", client.state["config"]["version"])
    assert (await options(served, "?theme=minimal"))["theme"] == "minimal"  # the Browser Source's URL still wins


async def test_an_invalid_edit_keeps_the_running_config_and_shows_the_error_until_fixed(
    served: TestServer, client: Client, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edit(config_file, "target: 10000", "target: -5")
    state = await client.until(lambda s: s["config"]["error"] is not None)
    assert state["goals"][1]["target"] == 10_000  # still running the last valid config
    # The pages say it in the overlay's language (French here), or their own (`?locale=`); the log in English.
    # (French with a narrow no-break space before ':' on the pages; the console's is plain.)
    french = f"{config_file}:8{NNBSP}: goals.steps[1].target{NNBSP}: doit être supérieur à 0 (vous avez écrit -5)"
    english = f"{config_file}:8: goals.steps[1].target: must be more than 0 (got -5)"
    assert state["config"]["error"] == french
    assert state["config"]["error_by_locale"] == {"fr": french, "en": english}
    assert english in caplog.text
    assert french not in caplog.text

    edit(config_file, "target: -5", "target: 12000")
    state = await client.until(lambda s: s["config"]["error"] is None)
    assert state["goals"][1]["target"] == 12_000
    assert state["config"]["error_by_locale"] is None


async def test_a_file_saved_empty_keeps_the_running_config_and_says_so(
    served: TestServer, client: Client, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At start an empty file means the defaults; mid-live it would drop every goal and challenge."""
    write(config_file, "# tout effacé par erreur\n\n")
    state = await client.until(lambda s: s["config"]["error"] is not None)
    assert [goal["target"] for goal in state["goals"]] == [1000, 10_000]
    assert served.app is not None
    assert [challenge.id for challenge in served.app[ENGINE].config.challenges] == ["sprint"]
    french = (
        f"{config_file}{NNBSP}: le fichier est vide{NNBSP}: la configuration précédente reste appliquée "
        "(un fichier vide ne donne les réglages par défaut qu'au démarrage du serveur)"
    )
    assert state["config"]["error"] == french
    assert state["config"]["error_by_locale"]["en"].startswith(f"{config_file}: the file is empty: the previous")
    assert "the file is empty" in caplog.text

    write(config_file, CONFIG)  # saved again with its settings: the error goes, nothing else changes
    state = await client.until(lambda s: s["config"]["error"] is None)
    assert [goal["target"] for goal in state["goals"]] == [1000, 10_000]


def emptied(text: str) -> list[str]:
    """The file is emptied, then written (Notepad's save, slowed down as a busy drive or a sync tool may)."""
    return ["", text]


def cut_short(text: str) -> list[str]:
    """Emptied, then written in two parts: the first is valid YAML too, the goals list cut after its first step."""
    cut = text.index("    - {id: main")
    return [text[:cut], text]


def in_parts(text: str) -> list[str]:
    """Emptied, then written a few lines at a time (a slow copy): invalid YAML until the end, most of the time."""
    lines = text.splitlines(keepends=True)
    return ["".join(lines[:end]) for end in range(2, len(lines), 2)] + [text]


@pytest.mark.parametrize("settle", [3.0])
@pytest.mark.parametrize("steps", [emptied, cut_short, in_parts])
async def test_a_save_written_in_steps_is_applied_once_whole(
    served: TestServer, client: Client, config_file: Path, steps: Callable[[str], list[str]]
) -> None:
    """Each step is on disk long enough for the watcher to report it (more than its `STEP_MS`), less than the settle
    time (made long here, so that a slow machine does not stretch a pause past it): only the whole file is read."""
    version = client.state["config"]["version"]
    text = CONFIG.replace("Le grand objectif", "Le GRAND objectif")
    with config_file.open("wb") as file:  # emptied, then written in place, as Notepad does
        previous = ""
        for written in steps(text):  # each a longer part of the text
            file.write(written.removeprefix(previous).encode())
            file.flush()
            previous = written
            await asyncio.sleep(0.5)
    await client.until(lambda s: s["goals"][1]["label"] == "Le GRAND objectif !", seconds=30)
    shown = [([goal["target"] for goal in s["goals"]], s["config"]["error"]) for s in client.seen]
    assert [seen for seen in shown if seen != ([1000, 10_000], None)] == []  # no goal vanished, no error said
    assert client.state["config"]["version"] == version + 1  # applied once, the file whole
    assert served.app is not None
    assert [challenge.id for challenge in served.app[ENGINE].config.challenges] == ["sprint"]


async def test_a_windows_save_renamed_over_the_file_is_applied_and_its_errors_name_the_line(
    served: TestServer, client: Client, config_file: Path
) -> None:
    """A byte-order mark and CRLF line ends (Windows Notepad's), saved as many editors and sync tools save: written
    beside the file, then renamed over it."""

    def saved(text: str) -> None:
        new = config_file.with_name("config.yaml~")
        new.write_bytes("\ufeff".encode() + text.replace("\n", "\r\n").encode())
        new.replace(config_file)

    saved(CONFIG.replace("target: 10000", "target: -5"))
    state = await client.until(lambda s: s["config"]["error"] is not None)
    assert (
        state["config"]["error_by_locale"]["en"]
        == f"{config_file}:8: goals.steps[1].target: must be more than 0 (got -5)"
    )
    saved(CONFIG.replace("Le grand objectif", "Le GRAND objectif"))
    state = await client.until(lambda s: s["config"]["error"] is None)
    assert [goal["label"] for goal in state["goals"]] == ["Premier palier !", "Le GRAND objectif !"]


async def test_a_save_made_while_the_server_was_starting_is_applied(config_file: Path, tmp_path: Path) -> None:
    started_with = load_config(config_file)
    edit(config_file, '"Premier palier !"', '"Palier sauvé au démarrage"')  # saved after it was read, before watched
    app = create_app(started_with, source=DrivenSource(), data_dir=tmp_path / "data", config_path=config_file)
    async with TestServer(app, host="127.0.0.1"):
        assert app[ENGINE].goals.goal(0).label == "Palier sauvé au démarrage"
        assert app[ENGINE].config_status["version"] == 2


@pytest.mark.parametrize("safe_wording", [False, True])
async def test_a_file_unchanged_since_the_start_is_not_applied_again(
    config_file: Path, tmp_path: Path, safe_wording: bool
) -> None:
    write(config_file, CONFIG.replace('"Premier palier !"', '"1 000 likes !"') + f"safe_wording: {safe_wording}\n")
    app = create_app(load_config(config_file), source=DrivenSource(), data_dir=tmp_path, config_path=config_file)
    async with TestServer(app, host="127.0.0.1"):
        assert app[ENGINE].config_status["version"] == 1  # softened or not, what runs is the file


async def test_settings_that_need_a_restart_are_logged_and_left_alone(
    served: TestServer, client: Client, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="overlay.reload")
    version = client.state["config"]["version"]
    write(config_file, CONFIG + "server:\n  frame_ms: 100\n")
    state = await client.until(lambda s: s["config"]["version"] > version)
    assert "restart the server to apply server.frame_ms" in caplog.text
    assert served.app is not None
    assert served.app[ENGINE].config.server.frame_ms == 33
    assert state["config"]["restart"] == ["server.frame_ms"]  # the pages say so too, until the restart...
    write(config_file, CONFIG.replace('"Premier palier !"', '"Premier palier"'))
    state = await client.until(lambda s: s["config"]["version"] > version + 1)
    assert state["config"]["restart"] == []  # ...or until the edit is undone
    assert caplog.text.count("restart the server") == 1  # the undo asks for none
    assert "server.frame_ms back to its value at start: no restart needed" in caplog.text


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        ("source: tiktok\n", "{line}: source: the tiktok source needs your handle: --user @moncompte, or tiktok."),
        ("source: replay\n", "{line}: source: the replay source needs a recording: --replay FILE, or replay.file"),
        (  # (the line naming the file: it said "nope.jsonl: file not found" alone)
            "source: replay\nreplay: {file: nope.jsonl}\n",
            "{next_line}: replay.file: nope.jsonl: file not found (make a recording with",
        ),
    ],
)
async def test_an_edit_of_the_source_the_server_could_not_restart_with_is_refused_now(
    client: Client, config_file: Path, edit: str, said: str
) -> None:
    # Applied, it only asked for a restart: the restart then refused to start.
    write(config_file, CONFIG + edit)
    state = await client.until(lambda s: s["config"]["error"] is not None)
    line = f"{config_file}:{len(CONFIG.splitlines()) + 1}"  # the file's `source:` line, when the mistake is in it
    next_line = f"{config_file}:{len(CONFIG.splitlines()) + 2}"
    assert state["config"]["error_by_locale"]["en"].startswith(said.format(line=line, next_line=next_line))
    assert state["config"]["restart"] == []

    write(config_file, CONFIG + "source: tiktok\ntiktok: {unique_id: '@moncompte'}\n")
    state = await client.until(lambda s: s["config"]["error"] is None)
    assert state["config"]["restart"] == ["source", "tiktok.unique_id"]


async def test_new_wording_warnings_are_shown_and_safe_wording_applies_live(
    client: Client, config_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edit(config_file, '"Le grand objectif !"', '"10 000 likes ensemble !"')
    state = await client.until(lambda s: s["goals"][1]["label"] != "Le grand objectif !")
    mine = [line for line in state["config"]["warnings"] if not line.startswith("textes intégrés")]
    # On the pages in the overlay's language (French here); the log says it in English.
    label, word = "«\u00a010 000 likes ensemble !\u00a0»", "«\u00a0likes\u00a0»"
    assert mine == [f"{config_file}:8{NNBSP}: goals.steps[1].label{NNBSP}: {label} affiche {word} à l'écran"]
    assert "wording: " in caplog.text
    assert "goals.steps[1].label" in caplog.text

    write(config_file, CONFIG.replace('"Le grand objectif !"', '"10 000 likes ensemble !"') + "safe_wording: true\n")
    state = await client.until(lambda s: s["config"]["safe_wording"])
    assert state["goals"][1]["label"] == "10 000 ❤ ensemble !"


async def test_a_custom_css_edit_gives_widgets_a_new_version(
    served: TestServer, client: Client, config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    css = tmp_path / "mine.css"
    write(css, ":root { --accent: red; }")
    write(config_file, CONFIG.replace("name: tiktok", f"name: tiktok\n  custom_css: {css}"))
    state = await client.until(lambda s: s["config"]["version"] >= 2)
    assert (await options(served))["custom_css"] is True
    write(css, ":root { --accent: lime; }")
    await client.until(lambda s: s["config"]["version"] > state["config"]["version"])


async def test_an_edit_saved_as_the_watch_moves_to_a_new_css_file_is_applied(
    client: Client, config_file: Path, tmp_path: Path
) -> None:
    # Naming another CSS file ends the watch and starts one on its folder: an edit saved meanwhile was dropped.
    css = tmp_path / "mine.css"
    write(css, ":root { --accent: red; }")
    with_css = CONFIG.replace("name: tiktok", f"name: tiktok\n  custom_css: {css}")
    write(config_file, with_css)
    await client.until(lambda s: s["config"]["version"] >= 2)
    write(config_file, with_css.replace("Premier palier !", "Le premier palier !"))
    state = await client.until(lambda s: s["goals"][0]["label"] == "Le premier palier !")
    assert state["config"]["error"] is None


async def test_a_server_stopped_while_a_save_settles_stops_cleanly(
    config_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reload, "SETTLE_SECONDS", 30)  # (the save is still settling when the server stops)
    batch_read = threading.Event()  # the watcher has the save's batch, and reads the file to settle it
    read = reload._contents
    monkeypatch.setattr(reload, "_contents", lambda path: (read(path), batch_read.set())[0])
    app = create_app(
        load_config(config_file), source=DrivenSource(), data_dir=tmp_path / "data", config_path=config_file
    )
    async with TestServer(app, host="127.0.0.1"):
        watch = next(task for task in asyncio.all_tasks() if task.get_name() == "config-watch")
        edit(config_file, "Premier palier !", "Le premier palier !")
        assert await asyncio.to_thread(batch_read.wait, 60)  # (0.2 s after the save; later on a loaded machine)
    assert not watch.cancelled()  # it ended when asked to, not cancelled once its grace had run out
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
    assert app[ENGINE].config.goals.steps[0].label == "Premier palier !"  # (never applied: it had not settled)


BILINGUAL = textwrap.dedent(
    """\
    locale: fr
    goals:
      steps:
        - {id: main, label: {fr: "10 000 likes ensemble !", en: "10,000 likes together!"}, target: 10000}
    challenges:
      - id: sprint
        text:
          fr: "Sprint de 60 secondes !"
          en: "60-second sprint!"
        success_text: {fr: "Bravo !"}
    """
)


async def test_saving_another_locale_switches_the_creators_texts_on_screen(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    write(path, BILINGUAL)
    source = DrivenSource()
    app = create_app(load_config(path), source=source, data_dir=tmp_path / "data", config_path=path)
    async with TestServer(app, host="127.0.0.1") as server:
        await source.push(ChallengeStart("sprint"), Like(7, user=User("u1", "Léa")))  # on screen during the save
        origin = http_url(server).rstrip("/")
        async with websockets.connect(ws_url(server), origin=websockets.Origin(origin)) as ws:
            widget = Client(ws)
            french = await widget.until(lambda s: s["challenge"] is not None and s["challenge"]["progress"] == 7)
            assert (french["goal"]["label"], french["challenge"]["text"]) == (
                "10 000 likes ensemble !",
                "Sprint de 60 secondes !",
            )

            edit(path, "locale: fr", "locale: en")
            english = await widget.until(lambda s: s["locale"] == "en")
            assert english["goal"]["label"] == "10,000 likes together!"
            assert english["goals"][0]["label"] == "10,000 likes together!"
            assert english["challenge"]["text"] == "60-second sprint!"  # the running challenge, in its new language
            assert english["challenge"]["progress"] == 7  # the same challenge goes on
        async with aiohttp.ClientSession() as session, session.get(http_url(server, "/api/challenges")) as answer:
            listed = (await answer.json())["challenges"][0]
        assert (listed["text"], listed["success_text"]) == ("60-second sprint!", "Bravo !")  # (no English: French)


SAMPLE = Path(__file__).parents[1] / "samples" / "demo-live.jsonl"
REPLAY_NOPE = "source: replay\nreplay: {file: nope.jsonl}\n"


@pytest.mark.parametrize(
    ("options", "file", "edit", "refused"),
    [
        # --user gives the handle at every start: the file need not.
        (["--user", "@cli"], CONFIG, CONFIG + "source: tiktok\n", False),
        # --speed alone leaves the recording to the file: a missing one is refused.
        (["--speed", "2"], CONFIG + f"source: replay\nreplay: {{file: '{SAMPLE}'}}\n", CONFIG + REPLAY_NOPE, True),
    ],
)
async def test_the_source_is_checked_as_the_next_start_with_the_same_options_would_check_it(
    config_file: Path, tmp_path: Path, options: list[str], file: str, edit: str, refused: bool
) -> None:
    write(config_file, file)
    running = apply_overrides(load_config(config_file), build_parser().parse_args(options))
    app = create_app(running, source=DrivenSource(), data_dir=tmp_path / "data", config_path=config_file)
    async with TestServer(app, host="127.0.0.1") as server:
        origin = websockets.Origin(http_url(server).rstrip("/"))
        async with websockets.connect(ws_url(server), origin=origin) as ws:
            watching = Client(ws)
            version = (await watching.until(lambda state: True))["config"]["version"]
            write(config_file, edit)
            state = await watching.until(lambda s: s["config"]["version"] > version or s["config"]["error"] is not None)
    assert (state["config"]["error"] is not None) is refused
