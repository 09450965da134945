"""Startup: the data folder's files are opened as themselves, never through a link someone put at their name.

A symbolic link at `control-token` or `server.lock` would have the server write where the link points (a file of the
creator's, overwritten) or read what it points to (a token someone else chose); one at `state.db` would have SQLite
create the history wherever it points. The data folder is the creator's own by default: this matters for one that
others can write to (`--data-dir` on a shared drive, or in /tmp).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Closes the gap between the check and the open; Windows has none (there, the check before opening is all).
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# A pipe put at the name meanwhile is refused after opening, instead of opening never returning (Windows has none).
NONBLOCK = getattr(os, "O_NONBLOCK", 0)

_SAID = {
    "link": "is a symbolic link: the overlay opens its data files only as files of their own, never through a link "
    "(delete the link and start again)",
    "special": "is not a regular file (a folder, a pipe or a device): move it out of the data folder",
    "hard_link": "is a hard link, a file with another name elsewhere: the overlay would write over that file too "
    "(delete this name and start again)",
    "not_yours": "belongs to another user, who could have chosen the control token in it (delete it and start again)",
}


class UnsafeDataFile(OSError):
    """A data file that is a symbolic link, not a regular file or a hard link (`problem` "link", "special",
    "hard_link"), or a control token file another user owns ("not_yours"). An OSError: wherever a file that cannot
    be opened is handled, so is this."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path} {_SAID[problem]}")


def check(path: Path) -> None:
    """Refuse whatever is at `path` unless it is a regular file, not a link; nothing there is fine."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return
    _refuse_unless_regular(path, found)


def open_fd(path: Path, flags: int, mode: int = 0o600) -> int:
    """`os.open(path, flags, mode)`, refusing a link or anything but a regular file with `UnsafeDataFile`."""
    check(path)  # on every system (Windows follows links when opening), and said as such
    try:
        fd = os.open(path, flags | NOFOLLOW | NONBLOCK, mode)
    except OSError:
        check(path)  # a link put there since the check: said as one (the system says ELOOP, or EMLINK on FreeBSD)
        raise
    try:
        _refuse_unless_regular(path, os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    return fd


def _refuse_unless_regular(path: Path, found: os.stat_result) -> None:
    if stat.S_ISLNK(found.st_mode):
        raise UnsafeDataFile(path, "link")
    if not stat.S_ISREG(found.st_mode):
        raise UnsafeDataFile(path, "special")
    # A hard link is the same file under two names: someone who made one in the data folder to a file of the
    # creator's would have it written over (systems without Linux's protected_hardlinks, macOS among them).
    if found.st_nlink > 1:
        raise UnsafeDataFile(path, "hard_link")
