"""Persistence: the only module that touches SQLite. Lives, their like timeline, goals, challenges, likers, state.

One file, `state.db` in the data folder, in WAL mode with `synchronous=FULL`: the persister commits at
most a few times a second, so one fsync per commit costs nothing noticeable, and it makes every
committed flush survive a power cut or an OS crash, not only a killed process (`NORMAL` would be
enough for `kill -9` but may lose the last commits when the PC itself goes down mid-live).

The schema is versioned with `PRAGMA user_version` and ordered migration functions; a released
migration is never edited, a new one is appended. A store that cannot be read (not a database,
damaged, or written by a newer version) is moved aside as `state.db.broken-<timestamp>` with a
logged message, never silently emptied.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from errno import ENOSPC
from pathlib import Path
from typing import Any

from overlay import datafiles

log = logging.getLogger(__name__)

FILENAME = "state.db"
Migration = Callable[[sqlite3.Connection], None]


# -- schema --------------------------------------------------------------------------------


def _v1_lives(db: sqlite3.Connection) -> None:
    """Lives, their per-second like timeline, goals reached, and the engine state kept for recovery."""
    db.execute(
        """CREATE TABLE lives (
            id INTEGER PRIMARY KEY,
            room_id TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL,
            started_at REAL NOT NULL,          -- unix time the live began (or this server first saw it)
            seconds REAL NOT NULL DEFAULT 0,   -- length of the live so far
            ended INTEGER NOT NULL DEFAULT 0,  -- 1 once the live ended or a new one started
            saved_at REAL NOT NULL,            -- unix time of the last flush
            total INTEGER NOT NULL DEFAULT 0,  -- the room's like count, as TikTok shows it
            follows INTEGER NOT NULL DEFAULT 0,
            shares INTEGER NOT NULL DEFAULT 0,
            gifts INTEGER NOT NULL DEFAULT 0,
            diamonds INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE like_seconds (
            live_id INTEGER NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
            second INTEGER NOT NULL,           -- seconds since the live began
            likes INTEGER NOT NULL,            -- likes that arrived during that second
            total INTEGER NOT NULL,            -- the room's count at the end of that second
            PRIMARY KEY (live_id, second)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE goals_reached (
            live_id INTEGER NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
            goal_id TEXT NOT NULL,
            label TEXT NOT NULL,
            target INTEGER NOT NULL,
            second REAL NOT NULL,
            PRIMARY KEY (live_id, goal_id)
        )"""
    )
    db.execute(
        """CREATE TABLE live_state (
            live_id INTEGER PRIMARY KEY REFERENCES lives(id) ON DELETE CASCADE,
            saved_at REAL NOT NULL,
            data TEXT NOT NULL                 -- Engine.export(), JSON
        )"""
    )


def _v2_challenges_likers(db: sqlite3.Connection) -> None:
    """Challenges with their outcome, and the top likers of each live."""
    db.execute(
        """CREATE TABLE challenges (
            live_id INTEGER NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
            challenge_id TEXT NOT NULL,
            started REAL NOT NULL,             -- seconds since the live began
            label TEXT NOT NULL DEFAULT '',
            target INTEGER,
            ended REAL,
            outcome TEXT,                      -- succeeded | failed | cancelled | interrupted; NULL while running
            likes INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '{}', -- anything else the challenge reported, JSON
            PRIMARY KEY (live_id, challenge_id, started)
        )"""
    )
    db.execute(
        """CREATE TABLE likers (
            live_id INTEGER NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
            user_key TEXT NOT NULL,
            nickname TEXT NOT NULL,
            likes INTEGER NOT NULL,
            PRIMARY KEY (live_id, user_key)
        ) WITHOUT ROWID"""
    )


def _v3_goals_shown_outages(db: sqlite3.Connection) -> None:
    """The goal on screen and from when (a goal control, or a live joined past its first steps, moves it too);
    and when the server was not running while the live went on (a crash, a restart)."""
    db.execute(
        """CREATE TABLE goals_shown (
            live_id INTEGER NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
            second REAL NOT NULL,              -- seconds since the live began
            step INTEGER NOT NULL,             -- 1 for the first configured goal
            goal_id TEXT NOT NULL,
            label TEXT NOT NULL,
            target INTEGER NOT NULL,
            PRIMARY KEY (live_id, second)
        )"""
    )
    db.execute(
        """CREATE TABLE outages (
            live_id INTEGER NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
            start REAL NOT NULL,               -- seconds since the live began, when the last save was made
            seconds REAL NOT NULL,             -- until the server took the live up again
            PRIMARY KEY (live_id, start)
        )"""
    )


# A live's likes and its best minute, as the list of lives shows them: summed from its timeline (the best minute
# slides a 60-second window over every second, ~20 ms for a four-hour live).
_LIKES = "(SELECT coalesce(sum(likes), 0) FROM like_seconds s WHERE s.live_id = lives.id)"
_PEAK_PER_MINUTE = """(SELECT coalesce(max(minute), 0) FROM (
    SELECT sum(likes) OVER (ORDER BY second RANGE BETWEEN 59 PRECEDING AND CURRENT ROW) AS minute
    FROM like_seconds s WHERE s.live_id = lives.id))"""
_SUMMARIZE = f"""INSERT OR REPLACE INTO live_summaries (live_id, saved_at, likes, peak_per_minute)
    SELECT id, saved_at, {_LIKES}, {_PEAK_PER_MINUTE} FROM lives"""


def _v4_live_summaries(db: sqlite3.Connection) -> None:
    """What the list of lives shows of a live, summed once when it ends instead of at every visit of the list
    (60 four-hour lives took 1.2 s to list). Valid while `saved_at` is the live's: a live that goes on after
    its end (TikTok reuses the room) is summed again at its next end, and read from its timeline until then."""
    db.execute(
        """CREATE TABLE live_summaries (
            live_id INTEGER PRIMARY KEY REFERENCES lives(id) ON DELETE CASCADE,
            saved_at REAL NOT NULL,            -- the live's saved_at when summed
            likes INTEGER NOT NULL,
            peak_per_minute INTEGER NOT NULL   -- the most likes in any 60 seconds
        )"""
    )
    db.execute(_SUMMARIZE)


def _v5_outage_kinds(db: sqlite3.Connection) -> None:
    """An outage is the server's (not running) or the connection's (TikTok lost while the server ran)."""
    db.execute("ALTER TABLE outages ADD COLUMN kind TEXT NOT NULL DEFAULT 'server'")  # 'server' or 'connection'


def _v6_goals_reached_again(db: sqlite3.Connection) -> None:
    """A goal reached again after the goals were reset by hand (or set back) is a row of its own: it was one per
    goal, and the stats left out the second time the live cheered it."""
    db.execute(
        """CREATE TABLE goals_reached_v6 (
            live_id INTEGER NOT NULL REFERENCES lives(id) ON DELETE CASCADE,
            goal_id TEXT NOT NULL,
            label TEXT NOT NULL,
            target INTEGER NOT NULL,
            second REAL NOT NULL,
            PRIMARY KEY (live_id, goal_id, second)
        )"""
    )
    db.execute("INSERT INTO goals_reached_v6 SELECT live_id, goal_id, label, target, second FROM goals_reached")
    db.execute("DROP TABLE goals_reached")
    db.execute("ALTER TABLE goals_reached_v6 RENAME TO goals_reached")


MIGRATIONS: tuple[Migration, ...] = (
    _v1_lives,
    _v2_challenges_likers,
    _v3_goals_shown_outages,
    _v4_live_summaries,
    _v5_outage_kinds,
    _v6_goals_reached_again,
)
SCHEMA_VERSION = len(MIGRATIONS)


class BrokenStore(Exception):
    """The file exists but cannot be used as our store."""


class StoreUnavailable(Exception):
    """The store cannot be opened now (locked, disk full, read-only...), though nothing says it is damaged."""


# What SQLite says when it cannot get at a file now, whatever the file holds.
_NOT_NOW = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PERM,
    sqlite3.SQLITE_NOMEM,
}


def _not_now(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite cannot get at the file now (locked, disk full...), rather than finding it unusable."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _NOT_NOW


def why_not_saved(exc: BaseException) -> str:
    """A failed write's cause, as the key of its text (`saving_disk_full`...: overlay/i18n.py) for the pages."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    said = str(exc).lower()  # (SQLite's own words, when the code is missing)
    if primary == sqlite3.SQLITE_FULL or "disk is full" in said or (isinstance(exc, OSError) and exc.errno == ENOSPC):
        return "saving_disk_full"
    if (
        primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM)
        or "readonly" in said
        or isinstance(exc, PermissionError)
    ):
        return "saving_read_only"
    if primary == sqlite3.SQLITE_CANTOPEN or "unable to open" in said or isinstance(exc, FileNotFoundError):
        return "saving_missing"
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "is locked" in said:
        return "saving_locked"
    if primary == sqlite3.SQLITE_IOERR or "disk i/o error" in said:
        return "saving_io"
    return "saving_other"


def migrate(db: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Bring the schema to version `upto`, one transaction per migration; returns the version found."""
    found = int(db.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise BrokenStore(f"it was written by a newer version of this program (schema {found} > {SCHEMA_VERSION})")
    for version in range(found + 1, upto + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if found:
            log.info("live history updated to schema %d", version)
    return found


# -- what the persister hands over ---------------------------------------------------------


@dataclass(slots=True)
class LiveRecord:
    """One live as the `lives` table keeps it, plus what changed since the last flush."""

    id: int
    room_id: str
    source: str
    started_at: float
    seconds: float = 0.0
    ended: bool = False
    total: int = 0
    follows: int = 0
    shares: int = 0
    gifts: int = 0
    diamonds: int = 0
    likes: dict[int, int] = field(default_factory=dict)  # second -> likes that arrived in it (replaces the stored)
    totals: dict[int, int] = field(default_factory=dict)  # second -> room total at its end
    goals: list[tuple[str, str, int, float]] = field(default_factory=list)  # (id, label, target, second)
    shown: list[tuple[float, int, str, str, int]] = field(default_factory=list)  # (second, step, id, label, target)
    # (start second, seconds, kind) the live went on unseen: the server down ("server"), TikTok lost ("connection");
    # or paused by the creator ("pause")
    outages: list[tuple[float, float, str]] = field(default_factory=list)
    challenges: list[dict[str, Any]] = field(default_factory=list)  # see `Store._challenge`
    likers: list[tuple[str, str, int]] | None = None  # (key, nickname, likes): replaces the stored top likers
    state: dict[str, Any] | None = None  # Engine.export()


# -- the store -----------------------------------------------------------------------------


class Store:
    """The SQLite file; every method is blocking, so async callers run them with `asyncio.to_thread`.

    Two connections, each used by one thread at a time (a lock each): one for the persister's
    flushes and start-up, one for the stats pages' reads. WAL lets a read and a write run at the
    same time, so a stats page read during a live (the list of lives takes a fraction of a second
    once there are many long lives) never holds up a save.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice = ""  # set when a broken store was moved aside: the stats page repeats it
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._reader: sqlite3.Connection | None = None
        self._read_lock = threading.Lock()

    # -- opening -------------------------------------------------------------------------

    def open(self) -> Store:
        """Open (or create) the file and bring its schema up to date; a broken file is moved aside.

        A file SQLite cannot get at now (another program holds a lock on it, the disk is full, the
        folder is read-only) is left as it is: `StoreUnavailable`, and the server does not start.
        """
        if self._db is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite follows a link at the database's name (it would create the history wherever the link points):
        # refused, `UnsafeDataFile`. (At its journals' names, SQLite itself deletes the link or refuses to open.)
        for name in ("", "-wal", "-shm", "-journal"):
            datafiles.check(self.path.with_name(self.path.name + name))
        try:
            self._db = self._connect()
        except (sqlite3.DatabaseError, BrokenStore) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and _not_now(exc):
                raise StoreUnavailable(
                    f"the live history {self.path} cannot be opened now ({exc}). Nothing was changed. "
                    "Is another program using it, the disk full, or the folder read-only? "
                    "Fix that and start again, or start with --data-dir OTHER_FOLDER."
                ) from exc
            moved = self._move_aside()
            self.notice = (
                f"The live history {self.path} could not be read ({exc}). It was moved to {moved} "
                f"and a new, empty history was started; nothing was deleted."
            )
            log.error("%s", self.notice)
            self._db = self._connect()
        datafiles.check(self.path)  # (again: a connection of its own)
        reader = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        reader.execute("PRAGMA query_only = ON")
        self._reader = reader
        return self

    def _connect(self) -> sqlite3.Connection:
        datafiles.check(self.path)  # (again after a damaged file was moved aside: a new one is made at the name)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            # Read before writing anything: a file that is not a database fails here, and a newer
            # program's store is left exactly as it was.
            found = int(db.execute("PRAGMA user_version").fetchone()[0])
            if found > SCHEMA_VERSION:
                raise BrokenStore(f"it was written by a newer version of this program (schema {found})")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BrokenStore(f"damaged: {check}")
            db.execute("PRAGMA journal_mode = WAL").fetchone()
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.broken-{stamp}-{n}")
        self.path.replace(target)
        # The journal files belong to the moved database: they keep SQLite's naming next to it.
        for suffix in ("-wal", "-shm"):
            journal = self.path.with_name(self.path.name + suffix)
            if journal.exists():
                journal.replace(target.with_name(target.name + suffix))
        return target

    def close(self) -> None:
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @contextmanager
    def _use(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._db is None:
                raise RuntimeError("the store is not open")
            yield self._db

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """The stats pages' connection: it reads what the last commit wrote, beside any write under way."""
        with self._read_lock:
            if self._reader is None:
                raise RuntimeError("the store is not open")
            yield self._reader

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._use() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- writing -------------------------------------------------------------------------

    def write(self, lives: Sequence[LiveRecord], saved_at: float) -> None:
        """Everything gathered since the last flush, in one transaction."""
        with self._transaction() as db:
            for live in lives:
                self._write_live(db, live, saved_at)

    def _write_live(self, db: sqlite3.Connection, live: LiveRecord, saved_at: float) -> None:
        # An ended live is written at each flush while the server waits for the next one: its summary is
        # carried to the new save time, not summed again (39 ms for a four-hour live, twice a second).
        summed = live.ended and not (live.likes or live.totals) and self._summary_current(db, live.id)
        db.execute(
            """INSERT INTO lives (id, room_id, source, started_at, seconds, ended, saved_at,
                                  total, follows, shares, gifts, diamonds)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET
                 room_id = excluded.room_id, seconds = excluded.seconds, ended = excluded.ended,
                 saved_at = excluded.saved_at, total = excluded.total, follows = excluded.follows,
                 shares = excluded.shares, gifts = excluded.gifts, diamonds = excluded.diamonds""",
            (
                live.id,
                live.room_id,
                live.source,
                live.started_at,
                live.seconds,
                int(live.ended),
                saved_at,
                live.total,
                live.follows,
                live.shares,
                live.gifts,
                live.diamonds,
            ),
        )
        if live.likes or live.totals:
            db.executemany(
                """INSERT INTO like_seconds (live_id, second, likes, total) VALUES (?, ?, ?, ?)
                   ON CONFLICT (live_id, second) DO UPDATE SET likes = excluded.likes, total = excluded.total""",
                [
                    (live.id, second, live.likes.get(second, 0), live.totals.get(second, 0))
                    for second in sorted(live.likes.keys() | live.totals.keys())
                ],
            )
        db.executemany(
            "INSERT OR IGNORE INTO goals_reached (live_id, goal_id, label, target, second) VALUES (?, ?, ?, ?, ?)",
            [(live.id, *goal) for goal in live.goals],
        )
        db.executemany(
            """INSERT OR REPLACE INTO goals_shown (live_id, second, step, goal_id, label, target)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [(live.id, *goal) for goal in live.shown],
        )
        db.executemany(
            "INSERT OR REPLACE INTO outages (live_id, start, seconds, kind) VALUES (?, ?, ?, ?)",
            [(live.id, *outage) for outage in live.outages],
        )
        for record in live.challenges:
            self._challenge(db, live.id, record)
        if live.likers is not None:
            db.execute("DELETE FROM likers WHERE live_id = ?", (live.id,))
            db.executemany(
                "INSERT OR REPLACE INTO likers (live_id, user_key, nickname, likes) VALUES (?, ?, ?, ?)",
                [(live.id, *liker) for liker in live.likers],
            )
        if live.state is not None:
            db.execute(
                "INSERT OR REPLACE INTO live_state (live_id, saved_at, data) VALUES (?, ?, ?)",
                (live.id, saved_at, json.dumps(live.state, ensure_ascii=False)),
            )
        if summed:
            db.execute("UPDATE live_summaries SET saved_at = ? WHERE live_id = ?", (saved_at, live.id))
        elif live.ended:
            db.execute(f"{_SUMMARIZE} WHERE id = ?", (live.id,))

    @staticmethod
    def _summary_current(db: sqlite3.Connection, live_id: int) -> bool:
        """Whether the live's summary is up to date (made at its last save, as it stands now)."""
        row = db.execute(
            """SELECT 1 FROM live_summaries sm JOIN lives ON lives.id = sm.live_id
               WHERE sm.live_id = ? AND sm.saved_at = lives.saved_at AND lives.ended = 1""",
            (live_id,),
        ).fetchone()
        return row is not None

    @staticmethod
    def _challenge(db: sqlite3.Connection, live_id: int, record: dict[str, Any]) -> None:
        """A generic challenge record: `id` and `started` (seconds into the live) name it; other keys update it.

        Known keys: `label`, `target`, `ended`, `outcome`, `likes`; anything else is kept in `detail`.
        Sending the same challenge again (e.g. first when it starts, then with its outcome) updates its row.
        """
        known = {"id", "started", "label", "target", "ended", "outcome", "likes"}
        detail = {k: v for k, v in record.items() if k not in known}
        db.execute(
            """INSERT INTO challenges (live_id, challenge_id, started, label, target, ended, outcome, likes, detail)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (live_id, challenge_id, started) DO UPDATE SET
                 label = excluded.label, target = coalesce(excluded.target, target),
                 ended = coalesce(excluded.ended, ended), outcome = coalesce(excluded.outcome, outcome),
                 likes = max(likes, excluded.likes), detail = excluded.detail""",
            (
                live_id,
                str(record["id"]),
                float(record["started"]),
                str(record.get("label", "")),
                record.get("target"),
                record.get("ended"),
                record.get("outcome"),
                int(record.get("likes") or 0),
                json.dumps(detail, ensure_ascii=False),
            ),
        )

    def end_live(self, live_id: int) -> None:
        """Mark a live finished (found unfinished and not to be continued); a running challenge was interrupted."""
        with self._transaction() as db:
            db.execute("UPDATE lives SET ended = 1 WHERE id = ?", (live_id,))
            db.execute(f"{_SUMMARIZE} WHERE id = ?", (live_id,))
            db.execute(
                "UPDATE challenges SET outcome = 'interrupted' WHERE live_id = ? AND outcome IS NULL", (live_id,)
            )

    def end_challenges(self, live_id: int, outcome: str, *, keep: tuple[str, float] | None = None) -> None:
        """Give the challenges of a live that have no outcome yet this one (e.g. `interrupted` by a restart).

        `keep`: the (id, started) of a challenge that goes on (resumed after a restart), left as it is.
        """
        kept_id, kept_started = keep if keep is not None else ("", -1.0)
        with self._transaction() as db:
            db.execute(
                """UPDATE challenges SET outcome = ?
                   WHERE live_id = ? AND outcome IS NULL AND NOT (challenge_id = ? AND started = ?)""",
                (outcome, live_id, kept_id, kept_started),
            )

    # -- reading -------------------------------------------------------------------------

    def next_live_id(self) -> int:
        with self._use() as db:
            return int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM lives").fetchone()[0])

    def unfinished_live(self) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """The most recent live not marked ended, with its saved engine state (None if never saved, or unreadable:
        the live is then closed rather than continued, and the server starts)."""
        with self._use() as db:
            cursor = db.execute("SELECT * FROM lives WHERE ended = 0 ORDER BY id DESC LIMIT 1")
            row = cursor.fetchone()
            if row is None:
                return None
            live = _live(row, cursor)
            saved = db.execute("SELECT data FROM live_state WHERE live_id = ?", (live["id"],)).fetchone()
        try:
            state = json.loads(saved[0]) if saved else None
        except (ValueError, TypeError) as exc:
            log.error(
                "the saved state of live #%d is unreadable (%s); the live is closed, not continued", live["id"], exc
            )
            return live, None
        return live, state if isinstance(state, dict) else None

    def lives(self) -> list[dict[str, Any]]:
        """Every live, newest first, with what the list of lives shows; its `outages` ({"start", "seconds"}, in
        order) too, for its average over the time the server saw."""
        with self._read() as db:
            outages: dict[int, list[dict[str, Any]]] = {}
            for live_id, start, seconds in db.execute(
                "SELECT live_id, start, seconds FROM outages ORDER BY live_id, start"
            ):
                outages.setdefault(int(live_id), []).append({"start": start, "seconds": seconds})
            cursor = db.execute(
                f"""SELECT lives.*,
                           CASE WHEN sm.saved_at = lives.saved_at THEN sm.likes ELSE {_LIKES} END AS likes,
                           (SELECT count(*) FROM goals_reached g WHERE g.live_id = lives.id) AS goals_reached,
                           CASE WHEN sm.saved_at = lives.saved_at THEN sm.peak_per_minute
                                ELSE {_PEAK_PER_MINUTE} END AS peak_per_minute
                    FROM lives LEFT JOIN live_summaries sm ON sm.live_id = lives.id
                    ORDER BY started_at DESC, id DESC"""
            )
            lives = [_live(row, cursor) for row in cursor.fetchall()]
        for live in lives:
            live["outages"] = outages.get(live["id"], [])
        return lives

    def live(self, live_id: int) -> dict[str, Any] | None:
        with self._read() as db:
            cursor = db.execute("SELECT * FROM lives WHERE id = ?", (live_id,))
            row = cursor.fetchone()
            return None if row is None else _live(row, cursor)

    def timeline(self, live_id: int) -> list[tuple[int, int, int]]:
        """(second, likes, total) for every second in which something was recorded, in order."""
        with self._read() as db:
            return [
                (int(s), int(likes), int(total))
                for s, likes, total in db.execute(
                    "SELECT second, likes, total FROM like_seconds WHERE live_id = ? ORDER BY second", (live_id,)
                )
            ]

    def goals(self, live_id: int) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT goal_id AS id, label, target, second FROM goals_reached WHERE live_id = ? ORDER BY second, target",
            live_id,
        )

    def goals_shown(self, live_id: int) -> list[dict[str, Any]]:
        """The goal on screen from each `second` on (empty for lives recorded before schema 3)."""
        return self._rows(
            "SELECT second, step, goal_id AS id, label, target FROM goals_shown WHERE live_id = ? ORDER BY second",
            live_id,
        )

    def outages(self, live_id: int) -> list[dict[str, Any]]:
        """When the live went on unseen (server down, TikTok lost) or paused: {"start", "seconds", "kind"}, in order."""
        return self._rows("SELECT start, seconds, kind FROM outages WHERE live_id = ? ORDER BY start", live_id)

    def challenges(self, live_id: int) -> list[dict[str, Any]]:
        rows = self._rows(
            """SELECT challenge_id AS id, label, target, started, ended, outcome, likes, detail
               FROM challenges WHERE live_id = ? ORDER BY started""",
            live_id,
        )
        for row in rows:
            row["detail"] = json.loads(row["detail"])
        return rows

    def likers(self, live_id: int, limit: int = 20) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT nickname, likes FROM likers WHERE live_id = ? ORDER BY likes DESC, nickname LIMIT ?",
            live_id,
            limit,
        )

    def _rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        with self._read() as db:
            cursor = db.execute(sql, params)
            return [_row(row, cursor) for row in cursor.fetchall()]

    def integrity(self) -> str:
        """`ok`, or what SQLite's full integrity check found."""
        with self._use() as db:
            return "; ".join(str(row[0]) for row in db.execute("PRAGMA integrity_check"))


def _row(row: tuple[Any, ...], cursor: sqlite3.Cursor) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


def _live(row: tuple[Any, ...], cursor: sqlite3.Cursor) -> dict[str, Any]:
    data = _row(row, cursor)
    data["ended"] = bool(data["ended"])
    return data
