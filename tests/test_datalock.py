"""One server per data folder: a second one refuses to start, and a crashed one never blocks a restart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestServer

from overlay.datafiles import UnsafeDataFile
from overlay.datalock import LOCK_FILENAME, DataDirInUse, DataDirLock
from overlay.web import create_app
from tests.conftest import DrivenSource, make_config
from tests.test_recovery import ROOT, Server


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"source": "demo", "demo": {"likes_per_second": 50, "seed": 3}}), encoding="utf-8")
    return path


def second_start(config: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """`server.py` again on the same folder (another port), as a creator double-clicking the launcher."""
    return subprocess.run(
        [sys.executable, "server.py", "--config", str(config), "--data-dir", str(data_dir), "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_server_on_the_same_folder_refuses_and_a_kill_9_does_not_block_the_restart(
    tmp_path: Path, config: Path, servers: list[Server]
) -> None:
    data_dir = tmp_path / "data"
    first = Server(config, data_dir, tmp_path / "first.log")
    servers.append(first)
    room = first.watch(0.2)[0].room

    refused = second_start(config, data_dir)
    assert refused.returncode == 2
    assert refused.stdout == ""  # no URLs announced: it never started
    assert "Traceback" not in refused.stderr
    message = refused.stderr
    # In the config's language (French by default), as the other start-up errors.
    assert f"Impossible de démarrer le serveur : le dossier de données {data_dir} est déjà utilisé" in message
    assert f"(processus {first.process.pid})" in message
    assert "--data-dir" in message
    assert first.watch(0.2)[0].room == room  # the first one runs on, untouched

    first.kill()  # SIGKILL: no clean-up ran, the lock file is still there
    assert (data_dir / LOCK_FILENAME).read_text().strip() == str(first.process.pid)
    again = Server(config, data_dir, tmp_path / "again.log")
    servers.append(again)
    assert again.watch(0.2)[0].room == room  # and it continues the same live
    assert (data_dir / LOCK_FILENAME).read_text().strip() == str(again.process.pid)


async def test_two_apps_in_one_process_cannot_share_a_folder_and_a_stopped_one_lets_go(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with TestServer(create_app(make_config(), source=DrivenSource(), data_dir=data_dir), host="127.0.0.1"):
        with pytest.raises(DataDirInUse, match="in use by another overlay server"):
            async with TestServer(
                create_app(make_config(), source=DrivenSource(), data_dir=data_dir), host="127.0.0.1"
            ):
                pass
        # Another folder is fine, side by side.
        async with TestServer(
            create_app(make_config(), source=DrivenSource(), data_dir=tmp_path / "other"), host="127.0.0.1"
        ):
            pass
    async with TestServer(create_app(make_config(), source=DrivenSource(), data_dir=data_dir), host="127.0.0.1"):
        pass


def test_a_link_at_the_lock_file_is_refused_and_what_it_points_to_left_alone(tmp_path: Path) -> None:
    """The pid would be written over the file the link points to."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / LOCK_FILENAME).symlink_to(victim)
    with pytest.raises(UnsafeDataFile) as refused:
        DataDirLock(data_dir).acquire()
    assert (refused.value.path, refused.value.problem) == (data_dir / LOCK_FILENAME, "link")
    assert victim.read_text() == "precious\n"
