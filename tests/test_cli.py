"""`python server.py`: the real command, as a creator runs it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

from overlay.config import load_config, parse_config

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
    assert f"{config}:4: goals.steps[0].target: expected greater than 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_explained_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run("--port", str(busy.getsockname()[1]), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "Could not start the server" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_serves_the_demo_prints_the_obs_urls_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "server.py", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(3)]
        assert f"http://127.0.0.1:{port}/" in banner[0]
        assert "demo" in banner[0]
        assert f"http://127.0.0.1:{port}/widgets/goal" in banner[2]
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


def test_it_binds_to_loopback_by_default() -> None:
    assert load_config().server.host == "127.0.0.1"
    assert parse_config("").server.host == "127.0.0.1"
