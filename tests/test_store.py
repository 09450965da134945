"""The store (SQLite) and the persister that batches into it: migrations, broken files, batching, recovery."""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from overlay.bus import Bus
from overlay.datafiles import UnsafeDataFile
from overlay.engine import Engine
from overlay.events import (
    ChallengeCancel,
    ChallengeStart,
    Event,
    GoalReset,
    Like,
    LiveEnded,
    LiveStarted,
    NewLive,
    SetProgress,
    SourceStatus,
    User,
)
from overlay.i18n import TEXTS
from overlay.persist import Persister, merge_records
from overlay.store import (
    FILENAME,
    MIGRATIONS,
    SCHEMA_VERSION,
    LiveRecord,
    Store,
    StoreUnavailable,
    migrate,
    why_not_saved,
)
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


def test_a_store_another_program_holds_is_left_alone_and_said(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    store = Store(path).open()
    store.write([LiveRecord(id=1, room_id="r", source="demo", started_at=1, likes={0: 5}, totals={0: 5})], 1)
    store.close()
    holder = sqlite3.connect(path, isolation_level=None)  # another program (a database browser...) holds the file
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("DELETE FROM lives WHERE id = 0")  # a write takes the lock, and keeps readers out too
    try:
        with pytest.raises(StoreUnavailable, match="cannot be opened now") as refused:  # after SQLite's 5 s wait
            Store(path).open()
        assert "Nothing was changed" in str(refused.value)
        assert broken_files(tmp_path) == []  # not mistaken for a damaged file and moved aside
    finally:
        holder.close()
    store = Store(path).open()  # once the other program lets go, the history is all there
    assert [live["id"] for live in store.lives()] == [1]
    store.close()


@pytest.mark.parametrize("name", [FILENAME, f"{FILENAME}-wal", f"{FILENAME}-shm"])
def test_a_link_at_the_store_or_its_journals_is_refused_and_nothing_written_where_it_points(
    tmp_path: Path, name: str
) -> None:
    """SQLite follows a link at the database's name: it would create the history wherever the link points."""
    data = tmp_path / "data"
    data.mkdir()
    elsewhere = tmp_path / "elsewhere"
    (data / name).symlink_to(elsewhere)
    with pytest.raises(UnsafeDataFile) as refused:
        Store(data / FILENAME).open()
    assert (refused.value.path, refused.value.problem) == (data / name, "link")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing made where the link points
    assert sorted(p.name for p in data.iterdir()) == [name]  # nor moved aside, nor started anew


def test_a_save_does_not_wait_for_a_stats_page_reading_the_history(tmp_path: Path) -> None:
    store = Store(tmp_path / FILENAME).open()
    store.write([LiveRecord(id=1, room_id="r", source="demo", started_at=1, likes={0: 5}, totals={0: 5})], 1)
    reading, saved = threading.Event(), threading.Event()
    waited_in_vain: list[bool] = []

    def slow_read() -> int:  # SQLite calls this while the read runs: the read lasts until the save is done
        if not reading.is_set():
            reading.set()
            waited_in_vain.append(not saved.wait(10))
        return 0

    store._reader.set_progress_handler(slow_read, 1)  # type: ignore[union-attr]
    reader = threading.Thread(target=store.lives)
    reader.start()
    assert reading.wait(10)
    store.write([LiveRecord(id=1, room_id="r", source="demo", started_at=1, likes={1: 7}, totals={1: 12})], 2)
    saved.set()
    reader.join()
    assert waited_in_vain == [False]  # the save went through while the list of lives was being read
    store._reader.set_progress_handler(None, 1)  # type: ignore[union-attr]
    assert store.timeline(1) == [(0, 5, 5), (1, 7, 12)]
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


async def test_a_live_starting_mid_second_counts_its_seconds_from_its_own_start(tmp_path: Path) -> None:
    clock = Clock(1000.6)  # the live starts 0.6 s into a second of the clock
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="r", total=0))
    bus.publish(Like(count=10))  # 0.0 s into the live
    clock.now = 1001.3
    bus.publish(Like(count=20))  # 0.7 s: still its first second, though the clock's second is another
    clock.now = 1001.7
    bus.publish(Like(count=5))  # 1.1 s: its second second
    clock.now = 1002.5
    await persister.flush()
    # Second k holds the likes of [k, k+1) of the live, as its goals and outages are timed: the clock's seconds
    # put the 20 likes a second late.
    assert persister.store.timeline(1) == [(0, 30, 30), (1, 5, 35)]
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
    store = Store(tmp_path / FILENAME).open()
    assert [live["id"] for live in store.lives()] == [1]
    assert store.outages(1) == [{"start": 6.0, "seconds": 30.0, "kind": "server"}]  # shown as such, not as a lull
    store.close()


async def live_on_tiktok(tmp_path: Path, clock: Clock) -> tuple[Bus, Persister]:
    """A persister recording room-7, joined at 900 likes, its source connected."""
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="room-7", total=900))
    bus.publish(SourceStatus("connected"))
    return bus, persister


def play(bus: Bus, clock: Clock, *timeline: tuple[float, Event]) -> None:
    """Each event `seconds` after the one before it."""
    for seconds, event in timeline:
        clock.now += seconds
        bus.publish(event)


def stored_outages(tmp_path: Path, *lives: int) -> list[list[dict[str, Any]]]:
    store = Store(tmp_path / FILENAME).open()
    try:
        return [store.outages(live) for live in lives]
    finally:
        store.close()


async def test_the_time_tiktok_was_lost_during_a_live_is_an_outage_of_that_live(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(SourceStatus("connecting"))
    bus.publish(LiveStarted(room_id="room-7", total=900))
    bus.publish(SourceStatus("connected"))
    clock.now += 50
    bus.publish(Like(count=15, total=1500))
    clock.now += 10
    bus.publish(SourceStatus("reconnecting"))  # dropped at 0:01:00
    clock.now += 2
    bus.publish(SourceStatus("connecting"))
    bus.publish(SourceStatus("error"))  # a failed attempt: still lost
    clock.now += 43
    bus.publish(LiveStarted(room_id="room-7", total=6500))  # back 45 s later, in the same live
    bus.publish(SourceStatus("connected"))
    clock.now += 30
    bus.publish(SourceStatus("reconnecting"))  # lost again at 0:02:15, and the live ends meanwhile
    clock.now += 20
    bus.publish(LiveEnded())
    bus.publish(SourceStatus("ended"))
    bus.publish(SourceStatus("waiting"))
    await persister.stop()
    assert stored_outages(tmp_path, 1) == [
        [
            {"start": 60.0, "seconds": 45.0, "kind": "connection"},
            {"start": 135.0, "seconds": 20.0, "kind": "connection"},
        ]
    ]


async def test_a_silent_connection_was_lost_when_it_went_silent(tmp_path: Path) -> None:
    clock = Clock()
    bus, persister = await live_on_tiktok(tmp_path, clock)
    play(
        bus,
        clock,  # nothing heard from 0:05:00; the source can tell only after 60 s of silence
        (300, SourceStatus("reconnecting", key="source_silent", params={"silence": 60, "wait": 2})),
        (5, SourceStatus("connected")),
    )
    await persister.stop()
    assert stored_outages(tmp_path, 1) == [[{"start": 240.0, "seconds": 65.0, "kind": "connection"}]]


async def test_a_pause_in_tiktok_s_app_is_recorded_apart_until_the_live_resumes_or_ends(tmp_path: Path) -> None:
    clock = Clock()
    bus, persister = await live_on_tiktok(tmp_path, clock)
    paused = SourceStatus("connected", key="source_paused", params={"handle": "@moi"})
    play(
        bus,
        clock,
        (60, paused),  # paused at 0:01:00 for 2 min
        (120, SourceStatus("connected", key="source_connected", params={"room": "room-7"})),
        (60, paused),  # paused again at 0:04:00, then TikTok drops
        (30, SourceStatus("reconnecting", key="source_reconnecting", params={"wait": 2, "attempt": 1})),
        (10, SourceStatus("connected", key="source_connected", params={"room": "room-7"})),
        (20, paused),  # paused at 0:05:00 and never resumed: the live ends 40 s later
        (40, LiveEnded()),
        (5, SourceStatus("ended", key="source_ended", params={"handle": "@moi"})),
    )
    await persister.stop()
    assert stored_outages(tmp_path, 1) == [
        [
            {"start": 60.0, "seconds": 120.0, "kind": "pause"},
            {"start": 240.0, "seconds": 30.0, "kind": "pause"},
            {"start": 270.0, "seconds": 10.0, "kind": "connection"},
            {"start": 300.0, "seconds": 40.0, "kind": "pause"},
        ]
    ]


async def test_a_paused_live_that_goes_silent_is_lost_from_the_hang_up_not_over_the_pause(tmp_path: Path) -> None:
    clock = Clock()
    bus, persister = await live_on_tiktok(tmp_path, clock)
    play(
        bus,
        clock,
        # Paused at 0:01:00; a paused live can send nothing: 60 s later the source hangs up on the silence.
        (60, SourceStatus("connected", key="source_paused", params={"handle": "@moi"})),
        (60, SourceStatus("reconnecting", key="source_silent", params={"silence": 60, "wait": 2})),
        (5, SourceStatus("connected", key="source_connected", params={"room": "room-7"})),
    )
    await persister.stop()
    # Not a lost connection from 0:01:00 lying over the pause, its minute counted twice as unseen.
    assert stored_outages(tmp_path, 1) == [
        [{"start": 60.0, "seconds": 60.0, "kind": "pause"}, {"start": 120.0, "seconds": 5.0, "kind": "connection"}]
    ]


async def test_tiktok_lost_across_a_restart_is_unseen_time_until_it_is_back(tmp_path: Path) -> None:
    clock = Clock()
    bus, persister = await live_on_tiktok(tmp_path, clock)
    clock.now += 300
    bus.publish(SourceStatus("reconnecting"))  # lost at 0:05:00
    clock.now += 40
    await persister.stop()  # the server stops at 0:05:40, still without TikTok
    clock.now += 10  # and starts again 10 s later
    _, bus2, persister2 = make(tmp_path, clock)
    assert await persister2.start() == ("room-7", 900)
    bus2.publish(SourceStatus("connecting"))
    clock.now += 120
    bus2.publish(SourceStatus("error"))
    bus2.publish(LiveStarted(room_id="room-7", total=5000))
    bus2.publish(SourceStatus("connected"))  # back at 0:07:50
    await persister2.stop()
    assert stored_outages(tmp_path, 1) == [
        [
            {"start": 300.0, "seconds": 40.0, "kind": "connection"},
            {"start": 340.0, "seconds": 10.0, "kind": "server"},
            {"start": 350.0, "seconds": 120.0, "kind": "connection"},
        ]
    ]


async def test_a_new_live_by_hand_while_tiktok_is_lost_is_unseen_until_it_is_back(tmp_path: Path) -> None:
    clock = Clock()
    bus, persister = await live_on_tiktok(tmp_path, clock)
    play(bus, clock, (60, SourceStatus("reconnecting")), (10, NewLive()), (80, SourceStatus("connected")))
    await persister.stop()
    assert stored_outages(tmp_path, 1, 2) == [
        [{"start": 60.0, "seconds": 10.0, "kind": "connection"}],
        [{"start": 0.0, "seconds": 80.0, "kind": "connection"}],
    ]


async def test_a_new_live_by_hand_during_a_pause_is_paused_until_it_resumes(tmp_path: Path) -> None:
    clock = Clock()
    bus, persister = await live_on_tiktok(tmp_path, clock)
    paused = SourceStatus("connected", key="source_paused", params={"handle": "@moi"})
    resumed = SourceStatus("connected", key="source_connected", params={"room": "room-7"})
    play(bus, clock, (60, paused), (10, NewLive()), (80, resumed))
    await persister.stop()
    assert stored_outages(tmp_path, 1, 2) == [
        [{"start": 60.0, "seconds": 10.0, "kind": "pause"}],
        [{"start": 0.0, "seconds": 80.0, "kind": "pause"}],
    ]


async def test_an_outage_stays_within_its_live(tmp_path: Path) -> None:
    clock = Clock()
    bus, persister = await live_on_tiktok(tmp_path, clock)
    play(
        bus,
        clock,
        (100, NewLive()),  # a new live by hand at 0:01:40, TikTok silent since 0:01:10 without anyone knowing
        (30, SourceStatus("reconnecting", key="source_silent", params={"silence": 60, "wait": 2})),
        (5, SourceStatus("connected")),
        (60, SourceStatus("reconnecting")),  # lost at 0:01:35 of live 2
        (10, LiveEnded()),  # and it ended 10 s later, said by no status
    )
    clock.now += 50
    await persister.stop()
    assert stored_outages(tmp_path, 2) == [
        [
            {"start": 0.0, "seconds": 35.0, "kind": "connection"},  # not 65 s from before the live began
            {"start": 95.0, "seconds": 10.0, "kind": "connection"},  # not past its end
        ]
    ]


async def test_tiktok_lost_and_back_in_another_room_ends_the_first_live_with_an_outage(tmp_path: Path) -> None:
    clock = Clock()
    bus, persister = await live_on_tiktok(tmp_path, clock)
    play(
        bus,
        clock,
        (60, SourceStatus("reconnecting")),
        (30, LiveStarted(room_id="room-8", total=0)),  # the creator started another live meanwhile
        (0, SourceStatus("connected")),
    )
    clock.now += 5
    await persister.stop()
    assert stored_outages(tmp_path, 1, 2) == [[{"start": 60.0, "seconds": 30.0, "kind": "connection"}], []]


@pytest.mark.parametrize(
    "damage",
    ['{"total": 15', '{"total": "beaucoup", "goal": 5}', "[1, 2]"],
    ids=["cut JSON", "wrong shapes", "not an object"],
)
async def test_a_saved_state_that_cannot_be_read_back_closes_its_live_and_the_server_starts(
    tmp_path: Path, damage: str
) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="room-7", total=900))
    await persister.stop()
    with sqlite3.connect(tmp_path / FILENAME) as db:
        db.execute("UPDATE live_state SET data = ?", (damage,))

    engine2, bus2, persister2 = make(tmp_path, clock)
    assert await persister2.start() is None  # not continued; and the start was not stopped by it
    assert (engine2.total, engine2.room_id) == (0, "")
    bus2.publish(LiveStarted(room_id="room-8", total=50))
    await persister2.stop()
    store = Store(tmp_path / FILENAME).open()
    assert [(live["id"], live["ended"]) for live in store.lives()] == [(2, False), (1, True)]
    store.close()


async def test_the_likes_of_the_first_second_after_a_restart_are_on_the_timeline(tmp_path: Path) -> None:
    clock = Clock(1000.3)
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="r", total=0))
    for second in range(3):
        clock.now = 1000.5 + second
        bus.publish(Like(count=10))
    await persister.stop()  # saved at 1002.5: live seconds 0, 1 and 2 hold 10 likes each

    clock.now = 1010.4  # back 7.9 s later, 0.1 s into the live's second 10
    engine2, bus2, persister2 = make(tmp_path, clock)
    await persister2.start()
    assert engine2.snapshot(clock())["likes"]["per_minute"] == 30  # the likes before the gap are in the minute
    bus2.publish(Like(count=7))
    clock.now = 1011.5
    bus2.publish(Like(count=5))
    await persister2.flush()
    assert persister2.store.timeline(1) == [(0, 10, 10), (1, 10, 20), (2, 10, 30), (10, 7, 37), (11, 5, 42)]
    clock.now = 1062.6  # the likes before the gap were sent over a minute ago, though this server saw only 52 s
    assert engine2.snapshot(clock())["likes"]["per_minute"] == 12
    await persister2.stop()


async def test_the_stats_name_each_goal_as_the_running_config_says_it(tmp_path: Path) -> None:
    clock = Clock()
    steps = {"steps": [{"id": "a", "label": "Palier", "target": 100}], "then": {"every": 100}}
    engine, bus, persister = make(tmp_path, clock, goals=steps)
    await persister.start()
    bus.publish(LiveStarted(room_id="r", total=0))
    edited = {**steps, "steps": [{"id": "a", "label": "Premier palier", "target": 100}]}
    engine.reconfigure(make_config(goals={**edited, "then": {"every": 100, "label": "Bonus {target}"}}), clock())
    for _ in range(2):
        bus.publish(Like(count=100))
        clock.now += 5
        engine.tick(clock())
    await persister.flush()
    assert [(goal["id"], goal["label"]) for goal in persister.store.goals(1)] == [
        ("a", "Premier palier"),
        ("a+1", "Bonus 200"),
    ]
    await persister.stop()


async def test_the_history_keeps_each_text_per_language_as_it_was_shown(tmp_path: Path) -> None:
    clock = Clock()
    goals = {"steps": [{"id": "a", "label": {"fr": "Premier palier", "en": "First step"}, "target": 100}]}
    goals["then"] = {"every": 100, "label": {"fr": "Bonus {target}", "en": "Bonus {target}!"}}
    rain = {"id": "rain", "text": {"fr": "Pluie de likes", "en": "Like rain"}, "target": 5}
    engine, bus, persister = make(tmp_path, clock, locale="en", goals=goals, challenges=[rain])
    await persister.start()
    bus.publish(LiveStarted(room_id="r", total=0))
    bus.publish(ChallengeStart("rain"))
    play(bus, clock, (1, Like(count=100)))  # the first goal and the challenge, in English
    await persister.flush()  # (saved at once, as every goal reached and challenge won)
    clock.now += 5
    engine.tick(clock())
    french = engine.config.model_copy(update={"locale": "fr"})
    engine.reconfigure(french, clock())  # `locale: fr` saved mid-live
    bus.publish(ChallengeStart("rain"))
    play(bus, clock, (1, Like(count=100)))  # the next goal and the challenge again, in French
    await persister.flush()
    assert [goal["label"] for goal in persister.store.goals(1)] == ["First step", "Bonus 200"]
    assert [c["label"] for c in persister.store.challenges(1)] == ["Like rain", "Pluie de likes"]
    await persister.stop()


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


async def test_the_goal_on_screen_is_recorded_whenever_it_moves(tmp_path: Path) -> None:
    clock = Clock()
    engine, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="r", total=7_688))  # joined past the first goal: the bar is on 10 000
    await persister.flush()
    clock.now += 30
    bus.publish(SetProgress(value=15_000))  # a goal control jumps over 10 000
    engine.tick(clock())
    await persister.flush()
    await persister.flush()  # nothing moved: nothing more recorded
    shown = [(goal["second"], goal["step"], goal["label"]) for goal in persister.store.goals_shown(1)]
    assert shown == [(0.0, 2, "10 000 likes ensemble !"), (30.0, 3, "20\u202f000 likes ensemble\u202f!")]
    await persister.stop()


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


def told_of_writes(persister: Persister) -> asyncio.Event:
    """An event set, on the loop, after each write of the store (writes run on a worker thread)."""
    written = asyncio.Event()
    loop = asyncio.get_running_loop()
    real_write = persister.store.write

    def write(lives: list[LiveRecord], saved_at: float) -> None:
        real_write(lives, saved_at)
        loop.call_soon_threadsafe(written.set)

    persister.store.write = write  # type: ignore[method-assign]
    return written


async def test_the_flush_loop_writes_without_being_asked(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    persister.flush_seconds = 0.01
    await persister.start()
    written = told_of_writes(persister)
    task = asyncio.create_task(persister.run())
    bus.publish(Like(count=1))
    async with asyncio.timeout(5):
        await written.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await persister.stop()
    assert Store(tmp_path / FILENAME).open().timeline(1) == [(0, 1, 1)]


async def saved_without_waiting(
    bus: Bus, persister: Persister, *events: Event, before: tuple[Event, ...] = ()
) -> Store:
    """Publish `events` with the flush loop running on a long period: what is saved soon came by an urgent save."""
    persister.flush_seconds = 3600
    await persister.start()
    for event in (Like(count=1), *before):
        bus.publish(event)
    await persister.flush()  # the live is open and saved; the loop will not save it again by itself
    saved = told_of_writes(persister)
    task = asyncio.create_task(persister.run())
    async with asyncio.timeout(5):
        await saved.wait()  # the loop's first turn saves once (the new live asked for it)...
    saved.clear()  # ...so the next save is one the events below asked for
    for event in events:
        bus.publish(event)
    async with asyncio.timeout(5):
        await saved.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return persister.store


GOALS = {"steps": [{"id": "first", "label": "Premier", "target": 10}, {"id": "big", "label": "Grand", "target": 99}]}


async def test_a_goal_reached_is_saved_at_once_so_a_kill_cannot_undo_it(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock, goals=GOALS)
    store = await saved_without_waiting(bus, persister, Like(count=9))
    assert [goal["id"] for goal in store.goals(1)] == ["first"]
    await persister.stop()


async def test_a_challenge_replaced_by_another_is_recorded_as_replaced_and_one_taken_off_as_cancelled(
    tmp_path: Path,
) -> None:
    clock = Clock()
    challenges = [{"id": "rain", "text": "Pluie", "target": 50}, {"id": "storm", "text": "Orage", "target": 90}]
    _, bus, persister = make(tmp_path, clock, challenges=challenges)
    await persister.start()
    bus.publish(LiveStarted(room_id="room-1", total=0))
    bus.publish(ChallengeStart("rain"))
    clock.now += 5
    bus.publish(ChallengeStart("storm"))  # (it said "annulé" on the stats page, as if the creator had stopped it)
    clock.now += 5
    bus.publish(ChallengeCancel())
    clock.now += 0.1
    bus.publish(ChallengeStart("rain"))  # before the next save: not "replaced", nothing was on screen
    await persister.flush()
    assert [(c["id"], c["outcome"], c["started"], c["ended"]) for c in persister.store.challenges(1)] == [
        ("rain", "replaced", 0.0, 5.0),
        ("storm", "cancelled", 5.0, 10.1),  # (ended by then: this save learnt of the cancel from the next start)
        ("rain", None, 10.1, None),
    ]
    await persister.stop()


async def test_a_challenge_won_is_saved_at_once(tmp_path: Path) -> None:
    clock = Clock()
    engine, bus, persister = make(tmp_path, clock, challenges=[{"id": "rain", "text": "Pluie", "target": 5}])
    store = await saved_without_waiting(bus, persister, Like(count=5), before=(ChallengeStart("rain"),))
    assert engine.challenges.current is not None
    assert engine.challenges.current.status == "succeeded"
    assert [(c["id"], c["outcome"]) for c in store.challenges(1)] == [("rain", "succeeded")]
    await persister.stop()


async def test_a_control_action_is_saved_at_once(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock, goals=GOALS)
    store = await saved_without_waiting(bus, persister, SetProgress(50))
    state = store.unfinished_live()
    assert state is not None
    assert state[1] is not None
    assert state[1]["goal_offset"] == 49
    await persister.stop()


# -- faults: a new room, a failing disk, a failing flush ---------------------------------------


async def test_the_last_moments_of_a_live_are_saved_when_a_new_room_starts(tmp_path: Path) -> None:
    clock = Clock()
    engine, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="a"))
    bus.publish(Like(count=5, total=1000, user=User(id="u")))
    clock.now += 1.2
    await persister.flush()  # the live is saved at 1 000
    clock.now += 0.3
    for i in range(1, 41):  # then 0.3 s of likes, before the next flush...
        bus.publish(Like(count=5, total=1000 + 5 * i, user=User(id="u")))
    assert engine.total == 1200
    bus.publish(LiveStarted(room_id="b"))  # ...and the next room arrives: the engine resets
    await persister.stop()
    store = Store(tmp_path / FILENAME).open()
    first = store.live(1)
    assert first is not None
    assert (first["room_id"], first["total"], first["ended"]) == ("a", 1200, True)
    assert sum(likes for _, likes, _ in store.timeline(1)) == 205
    store.close()


async def test_a_save_cut_by_a_shutdown_is_waited_for_and_kept_if_it_failed(tmp_path: Path) -> None:
    clock = Clock()
    _, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="a", total=0))
    for second in range(4):
        clock.now = 1000.5 + second
        bus.publish(Like(count=5))
    writing, release = threading.Event(), threading.Event()
    real_write = persister.store.write

    def slow_then_failing(lives: list[LiveRecord], saved_at: float) -> None:
        writing.set()
        release.wait(10)
        raise sqlite3.OperationalError("disk I/O error")

    persister.store.write = slow_then_failing  # type: ignore[method-assign]
    flushing = asyncio.ensure_future(persister.flush())
    await asyncio.to_thread(writing.wait, 10)
    flushing.cancel()  # Ctrl+C while the write is on its thread, which cannot be stopped
    with pytest.raises(asyncio.CancelledError):
        await flushing
    persister.store.write = real_write  # type: ignore[method-assign]
    clock.now = 1004.5
    bus.publish(Like(count=5))
    stopping = asyncio.ensure_future(persister.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # the last save waits for the write under way...
    release.set()  # ...which fails: its seconds go with the last save instead of being lost
    await stopping
    store = Store(tmp_path / FILENAME).open()
    try:
        assert [likes for _, likes, _ in store.timeline(1)] == [5, 5, 5, 5, 5]
    finally:
        store.close()


async def test_a_failing_disk_holds_one_record_per_live_and_loses_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    engine, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(LiveStarted(room_id="a", total=0))
    real_write = persister.store.write

    def full_disk(lives: list[LiveRecord], saved_at: float) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    persister.store.write = full_disk  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        for k in range(1, 601):  # five minutes of flushes every 0.5 s, all failing
            clock.now = 1000 + k * 0.5
            bus.publish(Like(count=2, user=User(id=f"u{k % 7}", nickname=f"N{k % 7}")))
            await persister.flush()
    assert "retrying every 0.5 s" in caplog.text
    assert len(caplog.records) == 1  # said once, not at every flush
    assert len(persister._closed) == 1  # one record for the live, not one per flush
    assert engine.goals.reached_log  # the 1 000 goal was reached while the disk was failing
    persister.store.write = real_write  # type: ignore[method-assign]
    await persister.flush()
    # Every second of the five minutes is there, though the engine only keeps the last one.
    timeline = persister.store.timeline(1)
    assert [likes for _, likes, _ in timeline] == [2] + [4] * 299 + [2]
    assert timeline[-1][2] == engine.total == 1200
    assert [goal["id"] for goal in persister.store.goals(1)] == ["warmup"]
    assert len(persister.store.likers(1)) == 7
    await persister.stop()


async def test_a_flush_loop_whose_flush_fails_logs_it_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    engine, bus, persister = make(tmp_path, clock)
    persister.flush_seconds = 0.01
    await persister.start()
    bus.publish(LiveStarted(room_id="a", total=0))
    bus.publish(Like(count=3))
    bus.publish(LiveStarted(room_id="b", total=0))  # live a ends: its record waits for the flush
    bus.publish(Like(count=4))
    real_export = engine.export

    def export_once_broken(now: float) -> dict[str, object]:
        engine.export = real_export  # type: ignore[method-assign]
        raise RuntimeError("a bug reading the engine")

    engine.export = export_once_broken  # type: ignore[method-assign]
    written = asyncio.Event()
    loop = asyncio.get_running_loop()
    real_write = persister.store.write

    def write(lives: list[LiveRecord], saved_at: float) -> None:
        real_write(lives, saved_at)
        loop.call_soon_threadsafe(written.set)

    persister.store.write = write  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        task = asyncio.create_task(persister.run())
        async with asyncio.timeout(5):
            await written.wait()
    assert "saving the live failed" in caplog.text
    assert "a bug reading the engine" in caplog.text  # with its traceback
    assert not task.done()
    task.cancel()
    await asyncio.wait((task,))
    # The live that had ended before the failing flush was not dropped with it.
    assert [(live["room_id"], live["likes"]) for live in persister.store.lives()] == [("b", 4), ("a", 3)]
    await persister.stop()


async def test_a_final_save_that_fails_is_logged_and_the_store_still_closes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    engine, bus, persister = make(tmp_path, clock)
    await persister.start()
    bus.publish(Like(count=3))

    def broken_export(now: float) -> dict[str, object]:
        raise RuntimeError("a bug reading the engine")

    engine.export = broken_export  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        await persister.stop()
    assert "the last save of the live failed" in caplog.text
    with pytest.raises(RuntimeError, match="not open"):
        persister.store.lives()


async def test_the_app_logs_a_dead_flush_task_and_still_saves_the_live_at_shutdown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from aiohttp.test_utils import TestServer

    from overlay.web import create_app
    from overlay.web.keys import PERSISTER
    from tests.conftest import DrivenSource

    source = DrivenSource()
    app = create_app(make_config(), source=source, data_dir=tmp_path)
    died = asyncio.Event()

    async def dying_run() -> None:
        died.set()
        raise RuntimeError("the flush loop broke")

    app[PERSISTER].run = dying_run  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        async with TestServer(app, host="127.0.0.1"):
            await source.push(LiveStarted(room_id="r", total=0), Like(count=9))
            await died.wait()
    assert "the persistence task stopped: RuntimeError: the flush loop broke" in caplog.text
    store = Store(tmp_path / FILENAME).open()  # the final save ran, and closed the store
    assert [(live["room_id"], live["likes"]) for live in store.lives()] == [("r", 9)]
    store.close()


def test_merged_records_write_the_same_history_as_the_records_one_by_one(tmp_path: Path) -> None:
    def record(live_id: int, **fields: object) -> LiveRecord:
        return LiveRecord(id=live_id, room_id="r", source="tiktok", started_at=100.0, **fields)  # type: ignore[arg-type]

    challenge = {"id": "rain", "started": 1.0, "label": "Pluie", "target": 50}
    records = [
        record(1, total=3, likes={0: 3}, totals={0: 3}, goals=[("warmup", "W", 3, 0.5)], challenges=[challenge],
               likers=[("a", "A", 3)], state={"total": 3}, shown=[(0.0, 1, "warmup", "W", 3)]),
        record(2, total=7, likes={0: 7}, totals={0: 7}),
        record(1, total=9, likes={0: 5, 1: 4}, totals={0: 5, 1: 9}, goals=[("warmup", "W", 3, 0.9)],
               challenges=[{**challenge, "likes": 4}], shown=[(2.5, 2, "main", "M", 10)]),
        record(1, total=9, ended=True, challenges=[{**challenge, "likes": 2, "outcome": "failed", "ended": 9.0}]),
    ]  # fmt: skip
    merged = merge_records(records)
    assert [(live.id, live.total, live.ended) for live in merged] == [(1, 9, True), (2, 7, False)]
    assert merged[0].state == {"total": 3}  # the newest state that was gathered
    assert merged[0].likers == [("a", "A", 3)]
    assert len(merged[0].challenges) == 1
    assert [goal[1] for goal in merged[0].shown] == [1, 2]
    assert records[0].likes == {0: 3}  # the records themselves are left as they were

    one_by_one, at_once = Store(tmp_path / "a.db").open(), Store(tmp_path / "b.db").open()
    for live in records:
        one_by_one.write([live], 1.0)
    at_once.write(merged, 1.0)

    def history(store: Store) -> list[object]:
        timelines = [store.timeline(1), store.timeline(2)]
        goals = [store.goals(1), store.goals_shown(1)]
        return [store.lives(), timelines, goals, store.challenges(1), store.likers(1), store.unfinished_live()]

    assert history(at_once) == history(one_by_one)
    one_by_one.close()
    at_once.close()


def test_ending_the_challenges_of_a_live_can_leave_the_one_that_goes_on(tmp_path: Path) -> None:
    store = Store(tmp_path / FILENAME).open()
    running = [{"id": "rain", "started": 1.5, "label": "Pluie"}, {"id": "rain", "started": 30.25, "label": "Pluie"}]
    store.write([LiveRecord(id=1, room_id="r", source="tiktok", started_at=100.0, challenges=running)], 1.0)
    store.end_challenges(1, "interrupted", keep=("rain", 30.25))  # resumed after a restart
    assert [(c["started"], c["outcome"]) for c in store.challenges(1)] == [(1.5, "interrupted"), (30.25, None)]
    store.end_challenges(1, "interrupted")
    assert [c["outcome"] for c in store.challenges(1)] == ["interrupted", "interrupted"]
    store.close()


# -- the list of lives ---------------------------------------------------------------------


def listed(store: Store) -> list[tuple[int, int, int]]:
    return [(live["id"], live["likes"], live["peak_per_minute"]) for live in store.lives()]


def forget_timeline(path: Path, live_id: int) -> None:
    """Another way to see where the list reads from: with its timeline gone, only a summary still knows."""
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM like_seconds WHERE live_id = ?", (live_id,))


def save(store: Store, saved_at: float, likes: dict[int, int] | None = None, *, ended: bool = False) -> None:
    """One flush of live 1 (TikTok's room "r"): the likes of these seconds, and whether it has ended."""
    store.write(
        [LiveRecord(id=1, room_id="r", source="tiktok", started_at=1, likes=likes or {}, ended=ended)], saved_at
    )


def test_an_ended_live_is_summed_once_for_the_list(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    store = Store(path).open()
    minute = {second: 10 for second in range(60)}  # 600 likes in the first minute, then 5 a second
    likes = {**minute, **{second: 5 for second in range(60, 200)}}
    store.write([LiveRecord(id=1, room_id="r", source="tiktok", started_at=1, likes=likes, ended=True)], 2.0)
    store.write([LiveRecord(id=2, room_id="s", source="tiktok", started_at=3, likes={0: 4})], 4.0)
    expected = [(2, 4, 4), (1, 1300, 600)]
    assert listed(store) == expected

    forget_timeline(path, 1)
    forget_timeline(path, 2)
    assert listed(store) == [(2, 0, 0), (1, 1300, 600)]  # the live going on is read from its timeline
    store.close()


def test_a_live_that_goes_on_after_its_end_is_listed_from_its_timeline_until_it_ends_again(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    store = Store(path).open()
    save(store, 2.0, {0: 7}, ended=True)
    save(store, 3.0, {90: 30})  # TikTok's room
    assert listed(store) == [(1, 37, 30)]
    save(store, 4.0, {91: 2}, ended=True)
    forget_timeline(path, 1)
    assert listed(store) == [(1, 39, 32)]
    store.close()


def test_an_ended_live_saved_again_while_the_server_waits_is_not_summed_again(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    store = Store(path).open()
    save(store, 2.0, {0: 7}, ended=True)
    forget_timeline(path, 1)  # summed again, it would now read 0
    for saved_at in (2.5, 3.0, 3.5):  # the persister's flushes after the end
        save(store, saved_at, ended=True)
    assert listed(store) == [(1, 7, 7)]
    store.close()


def test_a_live_that_went_on_and_ended_again_without_new_likes_in_that_save_is_summed_again(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    store = Store(path).open()
    save(store, 2.0, {0: 7}, ended=True)
    save(store, 3.0, {90: 30})
    save(store, 4.0, ended=True)
    forget_timeline(path, 1)
    assert listed(store) == [(1, 37, 30)]
    store.close()


def test_a_live_ended_at_start_up_is_summed_too(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    store = Store(path).open()
    save(store, 2.0, {0: 7, 59: 3, 60: 1})
    store.end_live(1)  # found unfinished and not to be continued
    forget_timeline(path, 1)
    assert listed(store) == [(1, 11, 10)]
    store.close()


def test_a_store_of_the_third_schema_gets_the_summaries_of_its_lives(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, upto=3)
    db.execute("INSERT INTO lives (id, source, started_at, ended, saved_at) VALUES (1, 'tiktok', 1, 1, 2)")
    db.executemany("INSERT INTO like_seconds VALUES (1, ?, ?, 0)", [(0, 5), (30, 6), (61, 7)])
    db.close()

    store = Store(path).open()
    forget_timeline(path, 1)
    assert listed(store) == [(1, 18, 13)]
    store.close()


# -- why a write failed, for the pages ------------------------------------------------------------


def sqlite_error(tmp_path: Path, kind: str) -> sqlite3.Error:
    """A real error from SQLite, with its code: a write to a file opened read-only, or held by another writer."""
    path = tmp_path / "x.db"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE t (x)")
    setup.commit()
    setup.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if kind == "readonly" else sqlite3.connect(path, timeout=0)
    try:
        db.execute("INSERT INTO t VALUES (1)")
    except sqlite3.Error as exc:
        return exc
    finally:
        db.close()
        holder.close()
    raise AssertionError("the write went through")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (sqlite3.OperationalError("database or disk is full"), "saving_disk_full"),
        (OSError(errno.ENOSPC, "No space left on device"), "saving_disk_full"),
        ("readonly", "saving_read_only"),
        (PermissionError(errno.EACCES, "Permission denied"), "saving_read_only"),
        (sqlite3.OperationalError("unable to open database file"), "saving_missing"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "saving_missing"),
        ("locked", "saving_locked"),
        (sqlite3.OperationalError("disk I/O error"), "saving_io"),
        (ValueError("a bug"), "saving_other"),
    ],
)
def test_a_failed_write_is_said_for_what_the_creator_can_do(
    tmp_path: Path, error: BaseException | str, reason: str
) -> None:
    exc = sqlite_error(tmp_path, error) if isinstance(error, str) else error
    assert why_not_saved(exc) == reason
    assert reason in TEXTS["fr"]
    assert reason in TEXTS["en"]


async def test_a_goal_reached_again_after_a_reset_is_in_the_history_again(tmp_path: Path) -> None:
    # The history kept one row per goal: the second time the live cheered the first goal was left out of the stats.
    clock = Clock()
    engine, bus, persister = make(tmp_path, clock, goals=GOALS)
    await persister.start()
    bus.publish(LiveStarted(room_id="r", total=0))
    for seconds, event in ((1, Like(count=10)), (5, GoalReset()), (5, Like(count=10)), (5, GoalReset())):
        clock.now += seconds
        bus.publish(event)
        engine.tick(clock())
        if isinstance(event, Like):
            await persister.flush()  # (the reset and the goal reached again in one flush: as many goals as before)
    clock.now += 5
    bus.publish(Like(count=10))
    await persister.flush()
    assert [(goal["id"], goal["second"]) for goal in persister.store.goals(1)] == [
        ("first", 1.0),
        ("first", 11.0),
        ("first", 21.0),
    ]
    await persister.stop()


def test_a_history_with_one_row_per_goal_is_migrated_keeping_them(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, upto=5)
    db.execute(
        "INSERT INTO lives (id, room_id, source, started_at, seconds, saved_at) VALUES (1, 'r', 'demo', 1, 60, 2)"
    )
    db.execute("INSERT INTO goals_reached VALUES (1, 'first', 'Premier', 10, 12.5)")
    db.close()
    store = Store(path).open()
    store.write([LiveRecord(id=1, room_id="r", source="demo", started_at=1, goals=[("first", "Premier", 10, 40.0)])], 3)
    assert [(goal["id"], goal["second"]) for goal in store.goals(1)] == [("first", 12.5), ("first", 40.0)]
    store.close()
