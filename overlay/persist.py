"""Persistence, beside the bus: gathers each live in memory and hands it to the store in batches, off the hot path.

The bus listener (`listen`) is O(1) and does no I/O; for a like it does nothing at all, because
the engine already counts likes per second (its rhythm window): measured, even a small dict
update per like cost 7 % of the engine's throughput. The listener only notices when a live
begins; a bus hook (`before_new_live`) takes the last moments of the current live just before
an event that may reset the engine. Every `FLUSH_SECONDS`, `flush` reads the engine on the event
loop (per-second likes, goals reached, counters, the state for recovery), then writes it in one
transaction on a worker thread. A write that fails is retried with the next flush, its records
merged per live, so a failing disk holds one record per live, not one per flush. On start, the
unfinished live is restored into the engine, so a restart mid-live loses at most one flush
interval of likes; the challenge on screen comes back too, its history row carried on. A goal
reached, a challenge's result and a control action are saved at once, not at the next flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from overlay.bus import Bus
from overlay.engine.state import CONTROL_EVENTS
from overlay.events import Event, Like, LiveStarted, NewLive, SourceStatus
from overlay.i18n import own_text, own_texts, text
from overlay.store import LiveRecord, Store, why_not_saved

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5  # a kill -9 loses at most this much (plus one write) of counted likes
RETRY_PAUSE = 1.0  # seconds the flush loop pauses after failing twice in a row (it logs each failure)
RESUME_SECONDS = 3600.0  # an unfinished live last saved longer ago than this is closed, not continued
STORED_LIKERS = 50
OPENERS = (Like, LiveStarted, NewLive)  # events that begin recording a live when none is being recorded


class Persister:
    """Owns the live being recorded: its store row id, the likes not yet written, and the flush loop."""

    def __init__(
        self,
        store: Store,
        bus: Bus,
        *,
        wall: Callable[[], float] = time.time,
        flush_seconds: float = FLUSH_SECONDS,
        resumable: bool = True,
    ) -> None:
        """`resumable`: False for a source that plays from its start again (a replay): a live it left
        unfinished is closed instead of continued and counted twice."""
        self.store = store
        self.resumable = resumable
        self.bus = bus
        self.engine = bus.engine
        self.wall = wall
        self.flush_seconds = flush_seconds
        self.live: LiveRecord | None = None  # the live being recorded, holding only what is not yet written
        self.flushes = 0
        self._closed: list[LiveRecord] = []  # lives that ended since the last flush, or a batch to retry
        self._next_id = 1
        self._urgent = asyncio.Event()
        self._failing = False
        self._writing: asyncio.Future[None] | None = None  # the write on its thread, if one is under way
        self._likers: list[tuple[str, str, int]] = []  # the top likers last written
        self._sync_identity()
        self.new_by_hand_at: float | None = None  # bus time of the last new live by hand (`POST /api/lives/new`)
        self._running_challenge: dict[str, Any] | None = None
        self._challenges_seen = 0
        self._connected = False  # the source's last status was "connected"
        self._lost_at: float | None = None  # bus time the connection to the live was lost, until it is back
        self._paused_at: float | None = None  # bus time the creator paused the live in TikTok's app, until resumed
        # A live continued after a restart, until the source sees it again: what it has not been seen of since, each
        # (start, seconds, kind) as an outage (the server away, then TikTok not reached yet). Seen going on, they are
        # outages of it; found over instead, it ended when last seen (the first one's start), not when the server
        # came back. Kept in the saved state, so that a crash or a stop before the source is back loses none.
        self._unseen: list[tuple[float, float, str]] = []

    def _sync_identity(self) -> None:
        """Remember which engine live is being recorded and where its counters are."""
        engine = self.engine
        self._started_at = engine.started_at
        self._room = engine.room_id
        self._goals_seen = len(engine.goals.reached_log)
        self._goals_resets = engine.goals.resets
        self._shown: tuple[int, str, str, int] | None = None  # the goal on screen last recorded
        # Rhythm buckets (the live's own seconds) before this one are written already, or not this live's.
        self._next_second = 0

    # -- start, run, stop ----------------------------------------------------------------

    async def start(self) -> tuple[str, int] | None:
        """Open the store and continue its unfinished live; returns (room id, total) of the live continued."""
        await asyncio.to_thread(self.store.open)
        found = await asyncio.to_thread(self.store.unfinished_live)
        self._next_id = await asyncio.to_thread(self.store.next_live_id)
        resumed = await self._resume(*found) if found is not None else None
        self.bus.listeners.append(self.listen)
        self.bus.before_new_live.append(self.before_new_live)
        self.engine.on_milestone(self._urgent.set)
        return resumed

    async def _resume(self, live: dict[str, Any], state: dict[str, Any] | None) -> tuple[str, int] | None:
        engine = self.engine
        gap = max(0.0, self.wall() - float(live["saved_at"]))
        if (
            not self.resumable
            or state is None
            or state.get("ended")
            or live["source"] != engine.source_kind
            or gap > RESUME_SECONDS
        ):
            await asyncio.to_thread(self.store.end_live, live["id"])
            log.info("live #%d (room %s) was not finished; it is closed in the history", live["id"], live["room_id"])
            return None
        now = self.bus.clock()
        try:
            # The live went on while the server was down: its clock includes the gap, which the stats show as such.
            saved = float(state.get("seconds", 0.0))
            # Its last minute of likes happened `gap` earlier than the saved ages say: the rhythm decays over the gap.
            rhythm = [[float(ago) + gap, count] for ago, count in state.get("rhythm", [])]
            unseen = [(float(start), float(away), str(kind)) for start, away, kind in state.get("unseen", [])]
            engine.restore({**state, "seconds": saved + gap, "rhythm": rhythm}, now)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.exception(
                "the saved state of live #%d cannot be read back; the live is closed, not continued", live["id"]
            )
            engine.restore({}, now)  # a fresh live, not half of the saved one
            await asyncio.to_thread(self.store.end_live, live["id"])
            return None
        self.live = LiveRecord(
            id=live["id"], room_id=engine.room_id, source=live["source"], started_at=float(live["started_at"])
        )
        self._unseen = [*unseen, (round(saved, 3), round(gap, 3), "server")]  # outages, once the live goes on
        self._sync_identity()
        self._lost_at = now  # not seen again until the source is connected (a TikTok source takes a few seconds)
        # The restored buckets were written before the restart; the likes of this first second are not yet (a
        # restored bucket in this same second, after a restart under a second, is written again with them).
        restored = engine.rhythm.buckets()
        self._next_second = min(round(restored[-1][0] - engine.started_at) + 1, self._second(now)) if restored else 0
        going_on = self._resume_challenge(state.get("challenge"))
        # Any other challenge left without an outcome (there should be none) was interrupted.
        await asyncio.to_thread(self.store.end_challenges, live["id"], "interrupted", keep=going_on)
        log.info(
            "continuing live #%d (room %s) at %d likes, goal step %d, after %.0f s away",
            live["id"],
            engine.room_id,
            engine.total,
            engine.goals.index + 1,
            gap,
        )
        return engine.room_id, engine.total

    async def run(self) -> None:
        """Flush every `flush_seconds`, and at once when something must not wait: a new live, a goal reached,
        a challenge's result, a control action (see `listen`, `Engine.on_milestone`).

        A flush that fails (reading the engine, say) is logged and the loop goes on: the next
        flush gathers the same live again, so the history only lags while the fault lasts.
        """
        failures = 0
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_seconds):
                    await self._urgent.wait()
            self._urgent.clear()
            try:
                await self.flush()
            except Exception:
                failures += 1
                log.exception("saving the live failed; trying again")
                if failures > 1:
                    await asyncio.sleep(RETRY_PAUSE)
            else:
                failures = 0

    async def stop(self) -> None:
        """The final flush at shutdown; the live stays unfinished, so the next start continues it."""
        with contextlib.suppress(ValueError):
            self.bus.listeners.remove(self.listen)
        with contextlib.suppress(ValueError):
            self.bus.before_new_live.remove(self.before_new_live)
        # TikTok lost until now (not seen since a restart: kept unseen, the next start tells); the restart's own
        # outage follows.
        self._end_outage(self.live, self.bus.clock())
        self._end_pause(self.live, self.bus.clock())
        try:
            await self.flush()
        except Exception:
            log.exception("the last save of the live failed")
        finally:
            await self._written()
            await asyncio.to_thread(self.store.close)

    # -- the hot path ----------------------------------------------------------------------

    def listen(self, event: Event, now: float) -> None:
        """Bus listener: O(1), no I/O. Notices a new live (the engine reset); a like costs one comparison."""
        if event.__class__ is Like and self.live is not None:
            return
        engine = self.engine
        new = (
            self.live is None
            or engine.started_at != self._started_at
            or engine.room_id != self._room
            or isinstance(event, NewLive)
        )
        if new and isinstance(event, OPENERS):
            self._open_live(now)
        elif self._unseen and isinstance(event, LiveStarted):
            self._seen_again()  # the source joined the live continued after a restart: it went on
        elif isinstance(event, CONTROL_EVENTS):
            self._urgent.set()  # the creator's action, saved now: a kill a moment later must not undo it
        elif isinstance(event, SourceStatus):
            self._connection(event, now)

    def _connection(self, event: SourceStatus, now: float) -> None:
        """Record the time the connection to the live was lost (TikTok dropped it, or went silent) as an outage.

        Meanwhile the live went on unseen: its likes come back in the room total, not in its seconds, so
        the stats show a band there, and leave that time out of the lulls and the averages, as for a
        server restart. It ends when the source is connected again, or says the live is over. A silent
        connection was lost when it went silent, `silence` seconds before the source could tell.

        A pause in TikTok's app is recorded the same way, as a stretch of kind "pause": no likes came, and
        that is no lull. It ends with the source's next status (resumed, lost, ended). A connection that went
        silent during a pause was lost from then on only: its silence is the pause's (a paused live can send
        nothing), and back-dated it would lie over the pause, its seconds counted twice as unseen.
        """
        paused = self._paused_at is not None
        if event.key == "source_paused":
            if self._paused_at is None and self.live is not None and not self.engine.live_ended:
                self._paused_at = now
        else:
            self._end_pause(self.live, now)
        status = event.status
        if status == "connected":
            self._seen_again()
        elif status in ("ended", "waiting") and self._unseen:
            self._lost_at = None  # not lost: over, before the server came back
        if status in ("connected", "ended", "waiting"):
            self._connected = status == "connected"
            self._end_outage(self.live, now)
        elif self._connected:  # reconnecting, error, connecting again
            self._connected = False
            if self.live is not None and not self.engine.live_ended:
                silence = event.params.get("silence", 0) if event.key == "source_silent" and not paused else 0
                self._lost_at = now - float(silence)

    def _seen_again(self) -> None:
        """The live continued after a restart goes on: what it was not seen of since it was last seen are outages."""
        unseen, self._unseen = self._unseen, []
        if self.live is not None:
            self.live.outages.extend(outage for outage in unseen if outage[1] >= 1.0)

    def _end_outage(self, live: LiveRecord | None, now: float) -> None:
        """Record the time since the connection was lost as an outage of `live`."""
        lost, self._lost_at = self._lost_at, None
        self._add_outage(live, lost, now, "connection")

    def _end_pause(self, live: LiveRecord | None, now: float) -> None:
        """Record the time since the creator paused the live as an outage of kind "pause" (see `_connection`)."""
        paused, self._paused_at = self._paused_at, None
        self._add_outage(live, paused, now, "pause")

    def _add_outage(self, live: LiveRecord | None, since: float | None, now: float, kind: str) -> None:
        """Record `since`..`now` as an outage of `live`, within it: from its start at the earliest (a silence that
        began before a new live by hand), to its end at the latest (TikTok said it ended)."""
        if since is None or live is None:
            return
        start = max(since, self._started_at)
        engine = self.engine
        if live is self.live and engine.started_at == self._started_at and engine.ended_at is not None:
            now = min(now, engine.ended_at)
        if now - start >= 1.0:
            outages = self._unseen if live is self.live and self._unseen else live.outages  # (see `_unseen`)
            outages.append((round(start - self._started_at, 3), round(now - start, 3), kind))

    def before_new_live(self, event: Event, now: float) -> None:
        """Bus hook, before the engine applies an event that may start a new live: keep the end of this one."""
        if self.live is not None:
            self.checkpoint(now)

    def checkpoint(self, now: float) -> None:
        """Gather the live's state now, to be written by the next flush (call before resetting the live)."""
        self._closed = self.collect(now)  # (collect returns `_closed` too, merged, and empties it)

    def _open_live(self, now: float) -> None:
        engine = self.engine
        lost, paused = self._lost_at is not None, self._paused_at is not None
        if self.live is not None:
            old = self.live
            if self._unseen:  # another live began while the server was away: this one ended then
                old.seconds, self._unseen, self._lost_at = self._unseen[0][0], [], None
            self._end_outage(old, now)  # (lost, and back in another room: the end of that live went unseen)
            self._end_pause(old, now)
            old.ended = True
            old.state = None
            self._close_challenge(None, "cancelled", old)
            self._closed.append(old)
        self.live = LiveRecord(
            id=self._next_id,
            room_id=engine.room_id,
            source=engine.source_kind,
            started_at=self.wall() - (now - engine.started_at),
        )
        self._next_id += 1
        self._sync_identity()
        if lost:  # a new live by hand while TikTok is lost: it is not seen either, until the source is back
            self._lost_at = now
        if paused:  # ...or while the live is paused in TikTok's app: paused still, until it resumes
            self._paused_at = now
        self._next_second = 0  # the engine's rhythm was cleared with the live: all its buckets are this live's
        self._challenges_seen = len(self._challenge_log())
        self._likers = []
        self._urgent.set()

    def _second(self, now: float) -> int:
        """The live's own second at bus time `now` (second 0 is its first second)."""
        return math.floor(now - self._started_at)

    def _likes(self, live: LiveRecord, state: dict[str, Any], now: float) -> None:
        """Per-second likes from the engine's rhythm buckets; the current second is rewritten at the next flush."""
        seconds: list[tuple[int, int]] = []
        for ago, count in state["rhythm"]:
            second = round(now - ago - self._started_at)  # the live's own second: the buckets count from its start
            if second >= self._next_second:
                seconds.append((second, int(count)))
        self._next_second = max(self._next_second, self._second(now))
        # The room total at the end of each second, counted back from the engine's total now.
        total = state["total"]
        for second, count in sorted(seconds, reverse=True):
            live.likes[second] = count
            live.totals[second] = total
            total -= count

    def _goals_reached(self, live: LiveRecord) -> None:
        ladder = self.engine.goals
        reached = ladder.reached_log
        if ladder.resets != self._goals_resets:
            # The goals were reset by hand: the log began again, and each goal reached again is a row of its own
            # (however many there are by this flush: a length that shrank would miss a reset reached up again).
            self._goals_seen, self._goals_resets = 0, ladder.resets
        for goal_id, target, when in reached[self._goals_seen :]:
            # Its label as the running config says it (edits while live included), in the config's language.
            index = self.engine.goals.index_of(goal_id)
            label = (
                self.engine.goals.goal(index).label
                if index is not None
                else text("goal_default_label", self.engine.config.locale, target=target)
            )
            live.goals.append((goal_id, label, target, round(when - self._started_at, 3)))
        self._goals_seen = len(reached)

    def _goal_shown(self, live: LiveRecord, now: float) -> None:
        """Note the goal on screen when it changed (reached, moved by a control, edited): the stats name it."""
        if not self.engine.total_known and not self.engine.session:
            return  # a live opened by hand, its start (and total) on the way: not its first goal for a moment
        goal = self.engine.goals.goal()
        shown = (goal.index + 1, goal.id, goal.label, goal.target)
        if shown != self._shown:
            live.shown.append((round(max(0.0, now - self._started_at), 3), *shown))
            self._shown = shown

    # -- challenges (read from the engine's challenge log, loosely) --------------------------

    def _challenge_log(self) -> list[Any]:
        started = getattr(getattr(self.engine, "challenges", None), "started", None)
        return started if isinstance(started, list) else []

    def _challenges(self, now: float) -> None:
        """Record challenge starts and outcomes as generic records (see `Store._challenge`)."""
        assert self.live is not None
        challenges = getattr(self.engine, "challenges", None)
        started = self._challenge_log()
        for challenge_id, when, *rest in started[self._challenges_seen :]:
            if when < self._started_at:
                continue
            self._close_replaced(when, rest[1] if len(rest) > 1 else None)
            settings = getattr(challenges, "by_id", {}).get(challenge_id)
            self._running_challenge = {
                "id": challenge_id,
                "started": round(when - self._started_at, 3),
                "label": own_text(getattr(settings, "text", ""), self.engine.config.locale),  # as it was shown
                # (and in each language, for a stats page read in another one: kept in the row's `detail`)
                "label_by_locale": own_texts(getattr(settings, "text", "")),
                "target": getattr(settings, "target", None),
                "auto": bool(rest[0]) if rest else False,
            }
            self.live.challenges.append(dict(self._running_challenge))
        self._challenges_seen = len(started)
        running = self._running_challenge
        if running is None:
            return
        shown = challenges.snapshot(now) if challenges is not None else None
        if not isinstance(shown, dict) or shown.get("id") != running["id"]:
            self._close_challenge(getattr(challenges, "last_end", now), "cancelled")
            return
        status = shown.get("status")
        running["likes"] = int(shown.get("progress") or 0)
        if status in ("succeeded", "failed"):
            ended = getattr(getattr(challenges, "current", None), "ended_at", now)
            self._close_challenge(ended, str(status))
        else:
            self.live.challenges.append(dict(running))

    def _close_replaced(self, when: float, before: Any) -> None:
        """A challenge started at `when`: the one recorded as running was replaced by it if it was still on screen
        (`before`: its status, end and likes then, from the engine's log); else it had been cancelled (or had ended,
        its result already saved) before this flush saw it."""
        if before is None:
            self._close_challenge(when, "cancelled")
            return
        status, ended, likes = before
        if self._running_challenge is not None:
            self._running_challenge["likes"] = int(likes)
        self._close_challenge(ended, "replaced" if status == "running" else str(status))

    def _resume_challenge(self, saved: dict[str, Any] | None) -> tuple[str, float] | None:
        """Go on recording the challenge the engine put back on screen; returns its row's (id, started).

        Its row is the one written before the restart (same id and start). A challenge whose time
        ran out while the server was down gets its outcome now, before the engine clears it.
        """
        current = self.engine.challenges.current
        if current is None or not saved:
            return None
        self._running_challenge = {
            "id": current.settings.id,
            "started": round(float(saved["started"]), 3),
            "label": own_text(current.settings.text, self.engine.config.locale),
            "label_by_locale": own_texts(current.settings.text),
            "target": current.settings.target,
            "auto": current.auto,
            "likes": current.progress,
        }
        key = (current.settings.id, self._running_challenge["started"])
        if current.status != "running":
            log.info("challenge %r ended while the server was down: %s", current.settings.id, current.status)
            self._close_challenge(current.ended_at, current.status)
        else:
            log.info("challenge %r is back on screen at %d likes", current.settings.id, current.progress)
        return key

    def _close_challenge(self, when: float | None, outcome: str, live: LiveRecord | None = None) -> None:
        running, live = self._running_challenge, live or self.live
        if running is None or live is None:
            return
        self._running_challenge = None
        running["outcome"] = outcome
        if when is not None and when != float("inf"):
            running["ended"] = round(max(0.0, when - self._started_at), 3)
        live.challenges.append(running)

    # -- flushing ----------------------------------------------------------------------------

    def collect(self, now: float) -> list[LiveRecord]:
        """What to write now (runs on the loop: reads the engine), leaving empty buffers behind.

        If reading the engine fails, nothing is lost: `_closed` is left as it was, and the live
        keeps what was gathered, for the next flush.
        """
        batch = self._closed
        live = self.live
        if live is not None and self.engine.started_at == self._started_at:
            engine = self.engine
            state = engine.export(now)
            live.seconds = state["seconds"]
            live.room_id = engine.room_id
            live.ended = engine.live_ended
            live.total = engine.total
            live.follows, live.shares = engine.follows, engine.shares
            live.gifts, live.diamonds = engine.gifts, engine.diamonds
            likers = [(key, nickname, count) for key, nickname, _, count in state["likers"][:STORED_LIKERS]]
            if likers != self._likers:
                live.likers = self._likers = likers
            live.state = state
            if self._unseen:
                state["unseen"] = [list(outage) for outage in self._unseen]
                if engine.live_ended:  # over before the server came back (`_unseen`)
                    live.seconds = state["seconds"] = self._unseen[0][0]
            self._likes(live, state, now)
            self._goals_reached(live)
            self._goal_shown(live, now)
            self._challenges(now)
            batch = [*batch, live]
            self.live = dataclasses.replace(
                live, likes={}, totals={}, goals=[], shown=[], outages=[], challenges=[], likers=None, state=None
            )
        self._closed = []
        return merge_records(batch)

    async def flush(self) -> None:
        """Write what was gathered, in one transaction on a worker thread; a failed write is retried next time.

        The write goes on if the flush is cancelled (a shutdown): the thread cannot be stopped, and
        `stop` waits for it, so its batch is kept if it fails and never lands after the last save.
        """
        await self._written()
        batch = self.collect(self.bus.clock())
        if not batch:
            return
        self._writing = asyncio.ensure_future(self._write(batch))
        await asyncio.shield(self._writing)

    async def _written(self) -> None:
        """Wait for a write left under way by a cancelled flush."""
        if self._writing is not None and not self._writing.done():
            await asyncio.wait((self._writing,))

    async def _write(self, batch: list[LiveRecord]) -> None:
        try:
            await asyncio.to_thread(self.store.write, batch, self.wall())
        except Exception as exc:
            # Kept for the next flush, merged with what comes next: one record per live, however long this lasts.
            self._closed = merge_records(batch + self._closed)
            if not self._failing:
                log.error(
                    "could not save the live to %s (%s); retrying every %g s", self.store.path, exc, self.flush_seconds
                )
            self._failing = True
            # On the index and control pages too, in their language: why, then the system's own words.
            problem = {
                "reason": why_not_saved(exc),
                "path": str(self.store.path),
                "error": str(exc) or type(exc).__name__,
            }
            self.engine.show_saving(problem)
            return
        if self._failing:
            log.info("the live is saved again")
            self._failing = False
            self.engine.show_saving(None)
        self.flushes += 1

    # -- by hand ---------------------------------------------------------------------------

    def new_live_room(self) -> str:
        """A room id for a live started by hand (unique, and says where it came from)."""
        return f"{self.engine.source_kind}-{int(self.wall())}-{self._next_id}"


def merge_records(records: list[LiveRecord]) -> list[LiveRecord]:
    """One record per live, as if `records` (oldest first) were written in turn; lives keep their first place.

    The newer counters, flags and state win; each second of the timeline holds that second's
    whole count (re-read until it is over), so the newer one replaces it; a goal reached (its id and
    time) is kept once, as the store keys it; a challenge's records (id, start) fold into one.
    """
    merged: dict[int, LiveRecord] = {}
    for record in records:
        old = merged.get(record.id)
        if old is None:
            merged[record.id] = record
            continue
        known = {(goal[0], goal[3]) for goal in old.goals}  # (id, second): as the store keys them
        challenges = [dict(challenge) for challenge in old.challenges]
        for challenge in record.challenges:
            _merge_challenge(challenges, challenge)
        merged[record.id] = dataclasses.replace(
            record,
            likes={**old.likes, **record.likes},
            totals={**old.totals, **record.totals},
            goals=[*old.goals, *(goal for goal in record.goals if (goal[0], goal[3]) not in known)],
            shown=[*old.shown, *record.shown],
            outages=[*old.outages, *record.outages],
            challenges=challenges,
            likers=record.likers if record.likers is not None else old.likers,
            state=record.state if record.state is not None else old.state,
        )
    return list(merged.values())


def _merge_challenge(challenges: list[dict[str, Any]], record: dict[str, Any]) -> None:
    """Fold a challenge record into the one with the same id and start, as `Store._challenge` would update it."""
    for challenge in challenges:
        if challenge["id"] == record["id"] and challenge["started"] == record["started"]:
            likes = max(int(challenge.get("likes") or 0), int(record.get("likes") or 0))
            challenge.update({key: value for key, value in record.items() if value is not None})
            challenge["likes"] = likes
            return
    challenges.append(dict(record))
