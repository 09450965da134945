"""The store (SQLite) and the persister that batches into it: migrations, broken files, batching, recovery."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from overlay.bus import Bus
from overlay.engine import Engine
from overlay.events import Like, LiveEnded, LiveStarted, NewLive, User
from overlay.persist import Persister
from overlay.store import FILENAME, MIGRATIONS, SCHEMA_VERSION, LiveRecord, Store, migrate
from tests.conftest import make_config


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# -- migrations ------------------------------------------------------------------------------


def test_a_new_store_has_the_latest_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / FILENAME).open()
    assert store.integrity() == "ok"
    store.close()
    with sqlite3.connect(tmp_path / FILENAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"lives", "like_seconds", "goals_reached", "live_state", "challenges", "likers"} <= tables(
        tmp_path / FILENAME
    )


def test_a_store_of_the_first_schema_is_migrated_and_keeps_its_lives(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, upto=1)  # the first released schema: no challenges, no likers
    db.execute(
        "INSERT INTO lives (id, room_id, source, started_at, seconds, saved_at, total) "
        "VALUES (1, 'r1', 'tiktok', 1, 60, 2, 4321)"
    )
    db.execute("INSERT INTO like_seconds VALUES (1, 5, 300, 4321)")
    db.close()
    assert "challenges" not in tables(path)

    store = Store(path).open()
    assert store.notice == ""
    assert [(live["id"], live["total"], live["likes"]) for live in store.lives()] == [(1, 4321, 300)]
    assert store.timeline(1) == [(5, 300, 4321)]
    # The new tables work on the old live.
    store.write([LiveRecord(id=1, room_id="r1", source="tiktok", started_at=1, likers=[("u", "Léa", 9)])], 3)
    assert store.likers(1) == [{"nickname": "Léa", "likes": 9}]
    store.close()
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


# -- broken stores ---------------------------------------------------------------------------


def broken_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".broken-" in p.name)


@pytest.mark.parametrize(
    ("kind", "damage"),
    [
        ("not a database", lambda path: path.write_bytes(b"these are not the likes you are looking for" * 100)),
        ("newer schema", lambda path: sqlite3.connect(path).execute("PRAGMA user_version = 99").connection.close()),
    ],
)
def test_an_unreadable_store_is_moved_aside_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str, damage: object
) -> None:
    path = tmp_path / FILENAME
    damage(path)  # type: ignore[operator]
    original = path.read_bytes()
    with caplog.at_level(logging.ERROR, logger="overlay.store"):
        store = Store(path).open()
    moved = broken_files(tmp_path)
    assert len(moved) == 1, kind
    assert moved[0].read_bytes() == original  # kept byte for byte, never emptied
    assert str(moved[0]) in store.notice
    assert "nothing was deleted" in store.notice
    assert any(str(moved[0]) in record.getMessage() for record in caplog.records)
    assert store.integrity() == "ok"  # a fresh store works
    assert store.lives() == []
    store.close()


def test_a_damaged_store_is_found_by_the_check_and_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    store = Store(path).open()
    store.write([LiveRecord(id=1, room_id="r", source="demo", started_at=1, likes={0: 5}, totals={0: 5})], 1)
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page + 100 : 2 * page] = b"\xff" * (page - 100)  # garbage in the second page (a table's b-tree)
    path.write_bytes(bytes(data))
    store = Store(path).open()
    moved = broken_files(tmp_path)
    assert len(moved) == 1
    assert moved[0].read_bytes() == bytes(data)
    assert "damaged" in store.notice
    store.close()


# -- batching and recovery through the persister ---------------------------------------------


def make(tmp_path: Path, clock: Clock, **config: object) -> tuple[Engine, Bus, Persister]:
    engine = Engine(make_config(**config), "demo", now=clock())
    bus = Bus(engine, clock)
    return engine, bus, Persister(Store(tmp_path / FILENAME), bus, wall=lambda: 1_700_000_000 + clock())


async def test_likes_are_gathered_in_memory_and_written_in_one_batch(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="room-1", total=0))
    writes: list[int] = []
    real_write = persister.store.write

    def counting_write(lives: list[LiveRecord], saved_at: float) -> None:
        writes.append(len(lives))
        real_write(lives, saved_at)

    persister.store.write = counting_write  # type: ignore[method-assign]
    for second in range(3):
        clock.now = 1000 + second + 0.5
        for _ in range(100):
            bus.publish(Like(count=2, user=User(id="a", nickname="Léa")))
    assert writes == []  # nothing written on the hot path
    assert persister.store.timeline(1) == []
    await persister.flush()
    assert writes == [1]  # one transaction for 300 like events
    assert persister.store.timeline(1) == [(0, 200, 200), (1, 200, 400), (2, 200, 600)]
    live = persister.store.live(1)
    assert live is not None
    assert live["total"] == 600
    assert not live["ended"]
    assert persister.store.likers(1) == [{"nickname": "Léa", "likes": 600}]
    await persister.stop()


async def test_the_current_second_is_completed_by_the_next_flush(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="r"))
    clock.now = 1000.2
    bus.publish(Like(count=5, total=1010))
    await persister.flush()
    clock.now = 1000.7
    bus.publish(Like(count=5, total=1020))
    await persister.flush()
    # The first room total is a baseline, not a burst: 5 likes, then 10 more.
    assert persister.store.timeline(1) == [(0, 15, 1020)]
    await persister.stop()


async def test_a_restart_continues_the_live_with_the_same_numbers_and_goal_step(tmp_path: Path) -> None:
    clock = Clock()
    engine, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="room-7", total=900))
    clock.now += 5
    bus.publish(Like(count=15, total=1500, user=User(id="u1", nickname="Hugo")))  # goal 1 000 reached
    clock.now += 1
    engine.tick(clock())  # the celebration ends: the next goal shows
    before = engine.snapshot(clock())
    await persister.stop()

    clock.now += 30  # the server was down for 30 s
    engine2, bus2, persister2 = make(tmp_path, clock)
    assert await persister2.start() == ("room-7", 1500)
    after = engine2.snapshot(clock())
    assert after["likes"]["total"] == before["likes"]["total"] == 1500
    assert after["goal"]["step"] == before["goal"]["step"] == 2
    assert after["goal"]["reached"] is False  # no second celebration
    assert after["live"]["seconds"] == pytest.approx(before["live"]["seconds"] + 30)
    # TikTok reconnects to the same room: the room total reconciles, nothing resets.
    bus2.publish(LiveStarted(room_id="room-7", total=1600))
    assert engine2.total == 1600
    assert engine2.goals.index == 1
    await persister2.stop()
    assert [live["id"] for live in Store(tmp_path / FILENAME).open().lives()] == [1]


async def test_a_new_room_or_a_new_live_by_hand_starts_a_new_live(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="a", total=0))
    bus.publish(Like(count=3))
    await persister.flush()
    bus.publish(LiveStarted(room_id="b", total=0))
    bus.publish(Like(count=4))
    persister.checkpoint(clock())
    bus.publish(NewLive())
    bus.publish(Like(count=5))
    bus.publish(LiveEnded())
    await persister.stop()
    store = Store(tmp_path / FILENAME).open()
    lives = sorted(store.lives(), key=lambda live: live["id"])
    assert [(live["room_id"], live["likes"], live["ended"]) for live in lives] == [
        ("a", 3, True),
        ("b", 4, True),
        ("b", 5, True),
    ]
    assert store.unfinished_live() is None
    store.close()


async def test_a_store_write_that_fails_is_retried(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(Like(count=7))
    real_write = persister.store.write

    def failing(lives: list[LiveRecord], saved_at: float) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    persister.store.write = failing  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        await persister.flush()
    assert "could not save the live" in caplog.text
    persister.store.write = real_write  # type: ignore[method-assign]
    await persister.flush()
    assert persister.store.timeline(1) == [(0, 7, 7)]
    await persister.stop()


async def test_the_flush_loop_writes_without_being_asked(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    persister.flush_seconds = 0.01
    await persister.start()
    written = asyncio.Event()
    loop = asyncio.get_running_loop()
    real_write = persister.store.write

    def write(lives: list[LiveRecord], saved_at: float) -> None:
        real_write(lives, saved_at)
        loop.call_soon_threadsafe(written.set)

    persister.store.write = write  # type: ignore[method-assign]
    task = asyncio.create_task(persister.run())
    bus.publish(Like(count=1))
    async with asyncio.timeout(5):
        await written.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await persister.stop()
    assert Store(tmp_path / FILENAME).open().timeline(1) == [(0, 1, 1)]
