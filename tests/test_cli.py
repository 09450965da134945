"""`python server.py`: the real command, as a creator runs it."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from overlay import cli
from overlay.cli import OPEN_FILES, PortInUse, announce, listening_sockets, main, more_open_files
from overlay.config import load_config, parse_config
from overlay.datafiles import UnsafeDataFile
from overlay.datalock import DataDirInUse
from overlay.store import FILENAME, StoreUnavailable
from tests.conftest import make_config, percent_encoded

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "server.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_help_lists_the_options() -> None:
    result = run("--help")
    assert result.returncode == 0
    for option in ("--config", "--host", "--port", "--data-dir", "--source"):
        assert option in result.stdout


def test_a_wrong_config_stops_with_exit_code_2_and_names_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("locale: fr\ngoals:\n  steps:\n    - {id: a, label: A, target: -1}\n", encoding="utf-8")
    result = run("--config", str(config))
    assert result.returncode == 2
    assert result.stderr == (
        f"Configuration invalide :\n{config}:4 : goals.steps[0].target : doit être supérieur à 0 (vous avez écrit -1)\n"
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("goals:\n  steps:\n    - {id: a, label: A, target: -1}\n", "Configuration invalide :\n{path}:3 : goals."),
        ("# no locale: French, the default\nserver: {port: 1.000}\n", "Configuration invalide :\n{path}:2 : server."),
        (
            "locale: en\nserver: {port: -1}\n",
            "Invalid configuration:\n{path}:2: server.port: must be at least 0 (got -1)",
        ),
        # Read from the text, so found even when YAML cannot read the rest, or the locale itself is refused.
        ("locale: en  # English please\ngoals: {steps: [\n", "Invalid configuration:\n{path}:"),
        ("locale: 'en'\nlocale: en\n", "Invalid configuration:\n{path}:2: locale: this key is given twice"),
        ("locale: de\n", "Configuration invalide :\n{path}:1 : locale : « de » n'est pas une valeur possible"),
    ],
)
def test_config_errors_are_said_in_the_files_locale_french_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, said: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    assert main(["--config", str(config)]) == 2
    assert capsys.readouterr().err.startswith(said.format(path=config))


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--user", "https://www.tiktok.com/@moncompte/live"],
            "--user : votre nom de compte, pas l'adresse du live : écrivez @moncompte",
        ),
        (
            ["--user", "@mon compte"],
            "--user : un nom de compte TikTok comme « @moncompte » est attendu "
            "(lettres sans accents, chiffres, « _ » et « . »)",
        ),
        (["--port", "70000"], "--port : doit être au plus 65535 (vous avez écrit 70000)"),
        (
            ["--port", "abc"],
            "--port : un nombre entier est attendu (vous avez écrit « abc »)",
        ),  # not argparse's English
        (
            ["--replay", str(ROOT / "samples" / "demo-live.jsonl"), "--speed", "vite"],
            "--speed : un nombre est attendu (vous avez écrit « vite »)",
        ),
        (  # not every network, as getaddrinfo would take it
            ["--host", ""],
            "--host : valeur vide : écrivez 127.0.0.1 (ce PC seulement, la valeur par défaut), ou 0.0.0.0 pour "
            "être joint depuis les autres appareils de votre réseau",
        ),
    ],
)
def test_a_wrong_option_is_one_plain_sentence_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("locale: fr\n", encoding="utf-8")
    assert main(["--config", str(config), *args]) == 2
    assert capsys.readouterr().err == f"Ligne de commande invalide :\n{said}\n"


@pytest.mark.parametrize(
    ("file", "args", "where"),
    [
        ("locale: en\nsource: tiktok\n", [], "{config}:2: source"),  # the file's line
        ("locale: en\n", ["--source", "tiktok"], "--source"),  # the option, not a line of the file
        ("locale: en\nsource: tiktok\n", ["--user", ""], "--user"),
    ],
)
def test_a_source_without_what_it_needs_names_where_it_was_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, args: list[str], where: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(file, encoding="utf-8")
    assert main(["--config", str(config), *args]) == 2
    said = where.format(config=config) + ": the tiktok source needs your handle: --user @moncompte, or tiktok.unique_id"
    assert capsys.readouterr().err.splitlines()[1].startswith(said)


def test_a_wrong_option_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("locale: en\n", encoding="utf-8")
    assert main(["--config", str(config), "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err == "Invalid command line:\n--port: must be at most 65535 (got 70000)\n"
    assert "pydantic" not in err


def test_recording_to_the_file_being_replayed_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("locale: fr\n", encoding="utf-8")
    recording = tmp_path / "live.jsonl"
    recording.write_text('{"t": 0, "type": "like", "count": 1}\n', encoding="utf-8")
    same = tmp_path / "." / "live.jsonl"  # written another way, the same file
    assert main(["--config", str(config), "--replay", str(recording), "--record", str(same)]) == 2
    assert "est l'enregistrement rejoué" in capsys.readouterr().err
    assert recording.read_text(encoding="utf-8").count("\n") == 1  # left as it was


def test_an_option_that_overrides_the_file_keeps_its_texts_per_language() -> None:
    together = {"fr": "10 000 likes ensemble !", "en": "10,000 likes together!"}
    config = make_config(goals={"steps": [{"id": "a", "label": together, "target": 10_000}]})
    overridden = cli.apply_overrides(config, cli.build_parser().parse_args(["--port", "18399"]))
    assert overridden.server.port == 18399
    assert overridden.goals.steps[0].label == together  # written back into the config as it was, not flattened


def test_a_port_in_use_suggests_another_and_starts_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("--port", str(port), "--data-dir", str(data))  # the demo live would be written to state.db
    assert result.returncode == 1
    assert result.stderr.startswith(f"Impossible de démarrer le serveur : le port {port} est déjà utilisé")
    assert "un autre overlay déjà lancé" in result.stderr
    assert f'--port {port + 1} (make run ARGS="--port {port + 1}")' in result.stderr
    assert "Traceback" not in result.stderr
    assert not (data / "state.db").exists()  # bound before the source started: no live recorded


def busy_ports(count: int) -> list[socket.socket]:
    """`count` listening sockets on consecutive loopback ports (another overlay on 8080, a second one on 8081)."""
    for _ in range(20):
        first = socket.create_server(("127.0.0.1", 0))
        socks = [first]
        try:
            for offset in range(1, count):
                socks.append(socket.create_server(("127.0.0.1", first.getsockname()[1] + offset)))
        except OSError:  # one of the next ports is taken already: try elsewhere
            for sock in socks:
                sock.close()
            continue
        return socks
    pytest.fail(f"no {count} consecutive free ports")


def test_the_port_suggested_instead_of_one_in_use_is_free(tmp_path: Path) -> None:
    busy = busy_ports(2)  # the port asked and the next one: suggesting the next one would fail again
    port = busy[0].getsockname()[1]
    try:
        result = run("--port", str(port), "--data-dir", str(tmp_path / "data"))
    finally:
        for sock in busy:
            sock.close()
    assert result.returncode == 1
    # The first port after the busy ones (or a later one, should another program take that one meanwhile).
    suggested = int(re.search(r'--port (\d+) \(make run ARGS="--port \1"\)', result.stderr)[1])
    assert suggested >= port + 2


def test_finding_a_free_port_tries_each_port_once(monkeypatch: pytest.MonkeyPatch) -> None:
    busy = busy_ports(12)  # a dozen overlays (or other servers) side by side
    port = busy[0].getsockname()[1]
    tried: list[int] = []
    create_server = socket.create_server

    def counted(address: tuple[str, int], **kwargs: Any) -> socket.socket:
        tried.append(address[1])
        return create_server(address, **kwargs)

    monkeypatch.setattr(socket, "create_server", counted)
    try:
        with pytest.raises(PortInUse) as refused:
            listening_sockets("127.0.0.1", port)
    finally:
        for sock in busy:
            sock.close()
    assert refused.value.free >= port + 12  # (the next one, unless another program took it meanwhile)
    assert tried == list(range(port, refused.value.free + 1))  # once each, not each busy port's own search again


def failing_start(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    """`serve` fails as it would at start, before anything runs."""

    async def serve(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(cli, "serve", serve)


def start(tmp_path: Path, locale: str, *args: str) -> int:
    config = tmp_path / "config.yaml"
    config.write_text(f"locale: {locale}\n", encoding="utf-8")
    return main(["--config", str(config), *args])


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        (
            "fr",
            "Impossible de démarrer le serveur : le dossier de données {path} est déjà utilisé par un autre serveur "
            "d'overlay (processus 4321).\nDeux serveurs sur le même dossier mélangeraient leurs compteurs de likes. "
            "Arrêtez l'autre serveur (Ctrl+C dans sa fenêtre, ou fermez-la), ou donnez à celui-ci son propre "
            "dossier : --data-dir AUTRE_DOSSIER\n",
        ),
        (
            "en",
            "Could not start the server: the data folder {path} is in use by another overlay server (process 4321).\n"
            "Two servers on one folder would mix their like counts. Stop the other server (Ctrl+C in its window, "
            "or close it), or give this one its own folder: --data-dir OTHER_FOLDER\n",
        ),
    ],
)
def test_a_data_folder_in_use_is_said_in_the_configs_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], locale: str, said: str
) -> None:
    data = tmp_path / "data"
    failing_start(monkeypatch, DataDirInUse(data, 4321))
    assert start(tmp_path, locale, "--data-dir", str(data)) == 2
    assert capsys.readouterr().err == said.format(path=data)


def test_a_data_folder_held_by_an_unknown_process_says_so_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    failing_start(monkeypatch, DataDirInUse(tmp_path, None))
    assert start(tmp_path, "fr") == 2
    assert "par un autre serveur d'overlay (un autre processus)." in capsys.readouterr().err


def test_a_history_that_cannot_be_opened_is_said_in_french_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    cause = sqlite3.OperationalError("database is locked")
    try:
        raise StoreUnavailable(f"the live history {data / FILENAME} cannot be opened now ({cause}).") from cause
    except StoreUnavailable as refused:
        failing_start(monkeypatch, refused)
    assert start(tmp_path, "fr", "--data-dir", str(data)) == 2
    assert capsys.readouterr().err == (
        f"Impossible de démarrer le serveur : l'historique des lives {data / FILENAME} ne peut pas être ouvert pour "
        "l'instant (database is locked). Rien n'a été modifié. Un autre programme l'utilise-t-il, le disque est-il "
        "plein, ou le dossier est-il en lecture seule ? Corrigez cela et relancez, ou lancez avec "
        "--data-dir AUTRE_DOSSIER.\n"
    )


@pytest.mark.parametrize(
    ("problem", "locale", "said"),
    [
        ("link", "fr", "Impossible de démarrer le serveur : {path} est un lien symbolique."),
        ("link", "en", "Could not start the server: {path} is a symbolic link."),
        ("special", "en", "Could not start the server: {path} is not a regular file (a folder, a pipe or a device)."),
        ("hard_link", "fr", "Impossible de démarrer le serveur : {path} est un lien physique,"),
        ("not_yours", "fr", "Impossible de démarrer le serveur : {path} appartient à un autre utilisateur,"),
    ],
)
def test_a_data_file_that_is_a_link_or_not_a_file_is_said_in_the_configs_language(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    problem: str,
    locale: str,
    said: str,
) -> None:
    path = tmp_path / "data" / "control-token"
    failing_start(monkeypatch, UnsafeDataFile(path, problem))
    assert start(tmp_path, locale) == 2  # a setup problem, as a folder in use
    err = capsys.readouterr().err
    assert err.startswith(said.format(path=path))
    assert "--data-dir" in err  # and what to do


def test_a_start_that_fails_once_the_app_runs_stops_what_had_started_without_a_traceback(tmp_path: Path) -> None:
    """The token is read after the folder's lock is taken and the source started: these stop as at the end (left
    running, each printed a traceback as the process exited, under the one line that says what to do)."""
    data = tmp_path / "data"
    (data / "control-token").mkdir(parents=True)  # cannot be read as the token
    process = started(free_port(), data)
    out, err = process.communicate(timeout=30)
    assert process.returncode != 0
    assert out == ""
    assert f"{data / 'control-token'}" in err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_a_link_at_the_token_file_stops_the_start_cleanly_and_leaves_its_target_alone(tmp_path: Path) -> None:
    """`server.py` as a creator runs it: the link is named, nothing is written where it points, and what had
    started before the token was read (the folder's lock, the source) stops without a traceback."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "control-token").symlink_to(victim)
    process = started(free_port(), data)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert out == ""  # no addresses announced: it never started
    assert err.startswith(f"Impossible de démarrer le serveur : {data / 'control-token'} est un lien symbolique.")
    assert "Traceback" not in err
    assert victim.read_text() == "precious\n"


def test_another_system_error_at_start_is_said_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    failing_start(monkeypatch, PermissionError(13, "Permission denied"))
    assert start(tmp_path, "fr") == 1
    assert capsys.readouterr().err == "Impossible de démarrer le serveur : [Errno 13] Permission denied\n"


def test_a_recording_that_cannot_be_written_is_said_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")
    recording = afile / "live.jsonl"  # a folder that is a file
    assert start(tmp_path, "fr", "--record", str(recording)) == 2
    said = f"Impossible d'écrire l'enregistrement {recording} : {afile} est un fichier, pas un dossier\n"
    assert capsys.readouterr().err == said  # (the system's reason was "File exists")


@pytest.mark.parametrize("name", ["notes.txt", "config.yaml"])
def test_recording_to_a_file_that_is_not_a_recording_is_refused_and_leaves_it_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    # A typo (`--record config.yaml`): it appended JSON lines, after dropping the file's last line as "cut short".
    (tmp_path / "mine").mkdir()
    notes = tmp_path / "mine" / name
    notes.write_bytes(b"# my notes\nimportant last line")
    assert start(tmp_path, "en", "--record", str(notes)) == 2
    assert capsys.readouterr().err == (
        f"--record {notes} already holds something that is not a recording (its first line is not an event): "
        "pick another file, e.g. --record lives/live.jsonl\n"
    )
    assert notes.read_bytes() == b"# my notes\nimportant last line"


def test_ctrl_c_before_the_server_runs_exits_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def checking(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl+C while a long recording is checked

    monkeypatch.setattr(cli, "check_source", checking)
    assert start(tmp_path, "fr") == 130
    assert "Traceback" not in capsys.readouterr().err


def test_a_data_dir_that_is_a_file_is_said_plainly(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("", encoding="utf-8")
    result = run("--data-dir", str(afile))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"--data-dir {afile} est un fichier : indiquez un dossier (il est créé s'il n'existe pas)."
    )


def test_a_host_name_is_listened_on_at_every_address_it_has() -> None:
    """`host: localhost` is 127.0.0.1 and often ::1 too (first, on Windows): OBS's 127.0.0.1 URLs must answer."""
    port = free_port()
    expected = {(info[0], info[4][0]) for info in socket.getaddrinfo("localhost", port, type=socket.SOCK_STREAM)}
    socks = listening_sockets("localhost", port)
    try:
        assert {(sock.family, sock.getsockname()[0]) for sock in socks} == expected
        with pytest.raises(PortInUse):
            listening_sockets("localhost", port)
    finally:
        for sock in socks:
            sock.close()


def started(port: int, data_dir: Path, *options: str) -> subprocess.Popen[str]:
    """`server.py` in its own process, as a creator starts it, its console read by the test."""
    return subprocess.Popen(
        [sys.executable, "server.py", "--port", str(port), "--data-dir", str(data_dir), *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_it_serves_the_demo_prints_the_obs_urls_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = started(port, tmp_path / "data")
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline()]
        while not banner[-1].startswith("Press Ctrl+C"):
            banner.append(process.stdout.readline())
            assert banner[-1], f"the banner ended early: {banner}"
        assert f"http://127.0.0.1:{port}/" in banner[0]
        assert "demo" in banner[0]
        assert f"http://127.0.0.1:{port}/widgets/goal" in banner[2]
        assert (
            banner[-2] == f"Data folder (live history, and the control-token file for the API): {tmp_path / 'data'}\n"
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        # The demo live sends likes within a few seconds: wait for a state that has some.
        with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:
            total = 0
            while total == 0:
                message = json.loads(ws.recv(timeout=10))
                if message["type"] == "state":
                    total = message["state"]["likes"]["total"]
        assert total > 0
        assert (tmp_path / "data").is_dir()
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_a_malformed_request_leaves_the_token_out_of_the_console(tmp_path: Path) -> None:
    """aiohttp logs a request line it cannot parse whole, with a traceback; the logs get pasted into bug reports."""
    port = free_port()
    process = started(port, tmp_path / "data", "--verbose")
    try:
        assert process.stdout is not None
        while "token=" not in (line := process.stdout.readline()):  # the control page's address, in the banner
            assert line, "no control URL printed"
        token = line.strip().rpartition("token=")[2]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(f"GET /api/hotkeys/cancel?token={token} x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            assert sock.recv(100).startswith(b"HTTP/1.0 400")
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert "malformed request, answered 400 (BadStatusLine)" in err  # one line, with --verbose only
    assert token not in err
    assert "Traceback" not in err


def test_the_token_stays_out_of_the_console_however_it_is_sent(tmp_path: Path) -> None:
    """aiohttp reads `%74oken=` as `token=`, and a %-encoded value as the token; a websocket client's subprotocols
    (where some clients put credentials) are logged at WARNING. None of it shows the token, in any spelling."""
    port = free_port()
    process = started(port, tmp_path / "data", "--verbose")
    try:
        assert process.stdout is not None
        while "token=" not in (line := process.stdout.readline()):
            assert line, "no control URL printed"
        token = line.strip().rpartition("token=")[2]
        encoded = percent_encoded(token)
        heads = [  # lines aiohttp cannot parse (a stray space, a control character in a header)
            f"GET /api/hotkeys/cancel?%74oken={token} x HTTP/1.1",
            f"GET /api/hotkeys/cancel?t%6Fken={encoded} x HTTP/1.1",
            f"GET /control/{token} x HTTP/1.1",
            f"GET / HTTP/1.1\r\nReferer: http://127.0.0.1:{port}/control?%74%6F%6B%65%6E={token}\x01",
        ]
        for head in heads:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(f"{head}\r\nHost: 127.0.0.1\r\n\r\n".encode())
                assert sock.recv(100).startswith(b"HTTP/1.0 400"), head
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for query in (f"%74oken={token}", f"token={encoded}"):  # both work: the hotkey acts
            with opener.open(f"http://127.0.0.1:{port}/api/hotkeys/cancel?{query}", timeout=5) as response:
                assert response.status == 200
        with connect(
            f"ws://127.0.0.1:{port}/ws", subprotocols=[Subprotocol("bearer"), Subprotocol(token)], open_timeout=5
        ):
            pass
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert "Client protocols ['bearer', '***']" in err  # said, masked
    assert err.count("malformed request, answered 400") == len(heads)
    assert token not in err
    assert encoded not in err
    assert token not in urllib.parse.unquote(err)
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8080/"),
        ("0.0.0.0", "http://127.0.0.1:8080/"),
        ("::1", "http://[::1]:8080/"),
        ("::", "http://[::1]:8080/"),  # an IPv6 socket is IPv6 only: 127.0.0.1 would not answer
        ("studio-pc.local", "http://studio-pc.local:8080/"),
    ],
)
def test_the_banner_writes_an_address_a_browser_can_open(
    capsys: pytest.CaptureFixture[str], host: str, url: str
) -> None:
    announce(make_config(server={"host": host}), 8080, "t" * 43)
    banner = capsys.readouterr().out.splitlines()
    assert banner[0].endswith(f" at {url}")
    assert f"{url}widgets/goal" in banner[2]
    assert f"{url}control?token=" in banner[-2]


def test_the_banner_says_where_the_data_folder_is_so_the_token_file_can_be_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    announce(make_config(), 8080, "t" * 43, tmp_path)
    banner = capsys.readouterr().out.splitlines()
    assert "control?token=" in banner[-3]
    assert banner[-2] == f"Data folder (live history, and the control-token file for the API): {tmp_path}"
    assert banner[-1] == "Press Ctrl+C to stop."


def test_a_data_folder_given_as_a_relative_path_is_named_in_full_so_a_script_can_find_the_token_from_anywhere(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    announce(make_config(), 8080, "t" * 43, Path("overlay-data"))  # --data-dir overlay-data
    banner = capsys.readouterr().out.splitlines()
    assert (
        banner[-2] == f"Data folder (live history, and the control-token file for the API): {tmp_path / 'overlay-data'}"
    )


def test_it_binds_to_loopback_by_default() -> None:
    assert load_config().server.host == "127.0.0.1"
    assert parse_config("").server.host == "127.0.0.1"


def test_the_open_file_limit_is_raised_so_many_widgets_can_connect() -> None:
    resource = pytest.importorskip("resource")  # (Windows has no such limit)
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    hard = before[1]
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))  # macOS's default
        more_open_files()
        soft, still_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        assert still_hard == hard
        assert soft == (OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard))
        more_open_files()  # a limit already high enough is left as it is
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (soft, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, before)


def test_the_console_leaves_out_each_request_to_tiktok_unless_verbose() -> None:
    # httpx says every request at INFO: a 900-character URL at each live check, burying the status lines.
    httpx_log = logging.getLogger("httpx")
    try:
        cli.set_up_logging(verbose=False)
        assert not httpx_log.isEnabledFor(logging.INFO)
        assert httpx_log.isEnabledFor(logging.WARNING)
        cli.set_up_logging(verbose=True)
        assert httpx_log.level == logging.NOTSET  # as the console's own level: DEBUG with --verbose
    finally:
        httpx_log.setLevel(logging.NOTSET)


def test_the_shipped_config_with_locale_en_shows_its_goals_and_challenges_in_english(tmp_path: Path) -> None:
    # "English one setting away": with `locale: en` the shipped goals read "1 000 likes ensemble !" (French words,
    # French thousands) on the goal bar, the control page and the stats, and so did the "sprint" challenge.
    shipped = (ROOT / "config.yaml").read_text(encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(re.sub(r"(?m)^locale: fr\b", "locale: en", shipped, count=1), encoding="utf-8")
    port = free_port()
    process = started(port, tmp_path / "data", "--config", str(config))
    try:
        assert process.stdout is not None
        while not process.stdout.readline().startswith("Press Ctrl+C"):
            assert process.poll() is None, "the server stopped"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/state", timeout=5) as response:
            state = json.load(response)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/challenges", timeout=5) as response:
            challenges = json.load(response)["challenges"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)
    shown = [goal["label"] for goal in state["goals"]]
    shown += [c[key] for c in challenges for key in ("text", "success_text", "failure_text") if c[key]]
    assert shown == [
        "1,000 likes together!",
        "10,000 likes together!",
        "Blow up the counter!",
        "Challenge complete, thank you!",
        "So close… again?",
        "1,000 likes in 60 seconds!",
    ]
