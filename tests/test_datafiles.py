"""The data folder's files are opened as themselves: a link or anything but a regular file at their name is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from overlay import datafiles
from overlay.datafiles import UnsafeDataFile, open_fd

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or not hasattr(os, "mkfifo"), reason="POSIX links, pipes")

FLAGS = [
    os.O_RDONLY,
    os.O_RDWR | os.O_CREAT,
    os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
    os.O_WRONLY | os.O_CREAT | os.O_EXCL,
]


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file of the user's that a link in the data folder points to."""
    path = tmp_path / "victim"
    path.write_text("precious\n")
    path.chmod(0o644)
    return path


@pytest.mark.parametrize("flags", FLAGS)
@pytest.mark.parametrize("without_nofollow", [False, True], ids=["posix", "like-windows"])
def test_a_link_is_refused_and_what_it_points_to_left_alone(
    tmp_path: Path, victim: Path, flags: int, without_nofollow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if without_nofollow:  # Windows has no O_NOFOLLOW: the check before opening is what refuses
        monkeypatch.setattr(datafiles, "NOFOLLOW", 0)
    for target in (victim, tmp_path / "not-there-yet"):
        link = tmp_path / "data-file"
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        with pytest.raises(UnsafeDataFile) as refused:
            open_fd(link, flags)
        assert (refused.value.path, refused.value.problem) == (link, "link")
        assert str(link) in str(refused.value)
    assert victim.read_text() == "precious\n"
    assert victim.stat().st_mode & 0o777 == 0o644
    assert not (tmp_path / "not-there-yet").exists()


def test_a_link_put_there_after_the_check_is_refused_by_the_open_itself(
    tmp_path: Path, victim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gap between looking and opening: O_NOFOLLOW closes it, and the refusal still says "link"."""
    link = tmp_path / "data-file"
    link.symlink_to(victim)
    checks = []
    real_check = datafiles.check

    def late_check(path: Path) -> None:
        checks.append(path)
        if len(checks) > 1:  # (the first look saw nothing: the link came after it)
            real_check(path)

    monkeypatch.setattr(datafiles, "check", late_check)
    with pytest.raises(UnsafeDataFile, match="symbolic link"):
        open_fd(link, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    assert victim.read_text() == "precious\n"


def test_a_pipe_or_a_folder_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe, folder = tmp_path / "pipe", tmp_path / "folder"
    os.mkfifo(pipe)  # opening a pipe to read waits for a writer: here, the check refuses it first
    folder.mkdir()
    for path in (pipe, folder):
        for flags in (os.O_RDONLY, os.O_RDWR | os.O_CREAT):
            with pytest.raises(UnsafeDataFile) as refused:
                open_fd(path, flags)
            assert refused.value.problem == "special"


def test_a_regular_file_opens_and_a_new_one_gets_the_mode_asked(tmp_path: Path) -> None:
    path = tmp_path / "data-file"
    fd = open_fd(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"x")
    os.close(fd)
    assert path.stat().st_mode & 0o077 == 0
    fd = open_fd(path, os.O_RDONLY)
    assert os.read(fd, 10) == b"x"
    os.close(fd)
    with pytest.raises(FileNotFoundError):
        open_fd(tmp_path / "missing", os.O_RDONLY)


@pytest.mark.parametrize("flags", [os.O_RDONLY, os.O_RDWR | os.O_CREAT])
def test_a_hard_link_is_refused_and_the_file_it_shares_left_alone(tmp_path: Path, victim: Path, flags: int) -> None:
    # Without Linux's protected_hardlinks (macOS), anyone who can write to the data folder can make one.
    data_file = tmp_path / "server.lock"
    os.link(victim, data_file)
    with pytest.raises(UnsafeDataFile) as refused:
        open_fd(data_file, flags)
    assert refused.value.problem == "hard_link"
    assert victim.read_text() == "precious\n"
