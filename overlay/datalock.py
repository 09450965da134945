"""Startup: one server per data folder, held by an OS lock that dies with the process (even on kill -9).

Two servers writing the same live history would mix their counts. The lock is taken on
`server.lock` in the data folder; the file only says which process holds it. The operating
system releases the lock when the process ends, however it ends, so a lock file left behind
by a crash never blocks the next start: only a lock that is really held does.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import BinaryIO

from overlay import datafiles

LOCK_FILENAME = "server.lock"
# Windows locks are mandatory (a locked byte cannot be read): lock a byte far past the pid text.
_WINDOWS_LOCK_OFFSET = 1 << 20


class DataDirInUse(Exception):
    """Another server holds the data folder; the message says which, and what to do."""

    def __init__(self, data_dir: Path, pid: int | None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(
            f"the data folder {data_dir} is in use by another overlay server ({holder}).\n"
            "Two servers on one folder would mix their like counts. Stop the other server "
            "(Ctrl+C in its window, or close it), or give this one its own folder: --data-dir OTHER_FOLDER"
        )


class DataDirLock:
    """The lock on one data folder: `acquire` at startup, `release` at shutdown (or let the OS do it)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILENAME
        self._file: BinaryIO | None = None

    def acquire(self) -> None:
        """Take the lock or raise `DataDirInUse`; the pid is written for the next one to read."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Opened without truncating: until the lock is ours, the pid in it is the holder's. Never through a link
        # (`UnsafeDataFile`): the pid would be written over the file it points to.
        file = os.fdopen(datafiles.open_fd(self.path, os.O_RDWR | os.O_CREAT, 0o644), "r+b")
        try:
            _lock(file)
        except OSError:
            file.close()
            raise DataDirInUse(self.data_dir, self.holder()) from None
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n".encode("ascii"))
        file.flush()
        self._file = file

    def holder(self) -> int | None:
        """The pid written by the server holding the lock, if it could be read."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        """Let the folder go. The file stays: removing it could race with a server starting now."""
        file, self._file = self._file, None
        if file is None:
            return
        with contextlib.suppress(OSError):
            file.seek(0)
            file.truncate()
            file.flush()
            _unlock(file)
        file.close()


if sys.platform == "win32":
    import msvcrt

    def _lock(file: BinaryIO) -> None:
        file.seek(_WINDOWS_LOCK_OFFSET)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)  # raises OSError when held

    def _unlock(file: BinaryIO) -> None:
        file.seek(_WINDOWS_LOCK_OFFSET)
        msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(file: BinaryIO) -> None:
        # flock, not lockf: it belongs to this open file, so a second server in the same process is refused too.
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError when held

    def _unlock(file: BinaryIO) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)
