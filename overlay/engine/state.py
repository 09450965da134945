"""Engine: turns events into the live's state. Pure code: no I/O, no clock, no aiohttp.

The caller passes `now` (monotonic seconds) to every method, so tests control time and
the same event sequence always gives the same state.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from overlay.config import Config
from overlay.engine.challenges import Challenges
from overlay.engine.goals import GoalLadder
from overlay.engine.rhythm import RateWindow
from overlay.events import (
    AddLikes,
    ChallengeCancel,
    ChallengeStart,
    Comment,
    Event,
    Follow,
    Gift,
    GoalNext,
    GoalPrevious,
    GoalReset,
    Like,
    LiveEnded,
    LiveStarted,
    NewLive,
    SetProgress,
    Share,
    SourceStatus,
    Viewers,
)
from overlay.i18n import LOCALES, TEXTS, Locale, own_text, own_texts, status_detail

TOP_LIKERS = 10
EXPORTED_LIKERS = 200  # likers kept for a restart: the ones any ranking could show, not every viewer
# Viewers counted for the rankings: past MAX_LIKERS, the smallest counts are forgotten down to LIKERS_KEPT
# (in one batch, so a like stays O(1) amortised). Rankings are approximate: a forgotten viewer starts again at 0.
MAX_LIKERS = 10_000
LIKERS_KEPT = 9_000
CONTROL_EVENTS = (ChallengeStart, ChallengeCancel, GoalNext, GoalPrevious, GoalReset, SetProgress, AddLikes)


class Engine:
    """The state of the live; `version` increases with every change a widget could show."""

    def __init__(self, config: Config, source_kind: str, now: float = 0.0) -> None:
        self.config = config
        self.source_kind = source_kind
        self.version = 0
        self.status = "starting"
        self.status_details: dict[Locale, str] = {}  # said in each language: a page may ask for its own
        self._status: SourceStatus | None = None
        self._status_at = 0.0
        self._status_wait: int | None = None  # seconds left before the source's next try, as last said
        self.room_id = ""
        self.live_ended = False
        self.ended_at: float | None = None  # clock time TikTok said the live ended: its duration stops there
        self.goals = GoalLadder(config.goals, config.locale, safe=config.safe_wording)
        self.rhythm = RateWindow(60.0)
        self.challenges = Challenges(config.challenges, config.rhythm_rules, locale=config.locale)
        # Animation events waiting for the hub, as tuples: a dict is built only for the few it sends.
        # Likes are bounded, the oldest dropped first; follows, shares and gifts wait apart, so a storm
        # of likes never crowds one of them out (each is a toast of its own on the activity widget).
        bound = 4 * config.server.max_events_per_frame
        self.pending: deque[tuple[str, Any, int, dict[str, Any] | None]] = deque(maxlen=bound)
        self.notable: deque[tuple[str, Any, int, dict[str, Any] | None]] = deque(maxlen=bound)
        self._reset_live(total=None, now=now)
        self._last_per_minute = 0.0
        self._top_at = float("-inf")
        # What the pages say about config.yaml (error, wording warnings), composed by the web layer.
        self.config_status: dict[str, Any] = {}
        # Whether the live is being saved (the persister says when saves fail and when they work again).
        self.saving_said: dict[Locale, str] | None = None  # why not, in each language; None: saved
        # The `--record` file, if any, and why its recording stopped (a full disk), if it did.
        self.recording: dict[str, Any] | None = None

    # -- the live ---------------------------------------------------------------------

    def _reset_live(self, total: int | None, now: float) -> None:
        self.total = total or 0
        self.total_known = total is not None
        # The next room total is a baseline (a restart or a reconnect): likes sent meanwhile are not "this second".
        self.catching_up = False
        self.session = 0
        self.follows = self.shares = self.gifts = self.diamonds = 0
        self.viewers: int | None = None
        self.likers: dict[str, list[Any]] = {}  # user key -> [nickname, avatar, count]
        self.started_at = now
        self.live_ended = False
        self.ended_at = None
        self.rhythm.clear(origin=now)  # its seconds are the live's own (the history's per-second likes)
        self.challenges.new_live()
        # Goal controls (set, add, reset) move the goal progress by this much; the like counters never move.
        self.goal_offset = 0
        self.goals.reset()
        self.goals.sync(self.progress)
        self._top: list[dict[str, Any]] = []
        self._top_dirty = False

    def on_milestone(self, callback: Callable[[], object]) -> None:
        """Have `callback` told of each moment a kill must not undo: a goal reached, a challenge's result."""
        self.goals.on_reached = self.challenges.on_finished = callback

    def duration(self, now: float) -> float:
        """Seconds the live has lasted: up to its end once it ended, not while the server waits on."""
        return max(0.0, (self.ended_at if self.ended_at is not None else now) - self.started_at)

    @property
    def progress(self) -> int:
        """The count goals follow: the room total or what this server received, plus the controls' correction."""
        return max(0, self._basis + self.goal_offset)

    @property
    def _basis(self) -> int:
        return self.total if self.config.goals.basis == "total" else self.session

    # -- events -----------------------------------------------------------------------

    def apply(self, event: Event, now: float) -> None:
        """Fold one event into the state."""
        if isinstance(event, Like):
            self._like(event, now)
        elif isinstance(event, LiveStarted):
            if event.room_id != self.room_id:
                self.room_id = event.room_id
                self._reset_live(event.total, now)
            else:  # the same room: a reconnect, or a live that ended and goes on (TikTok reuses the room)
                self.live_ended = False
                self.ended_at = None
                if event.total is not None and not self.total_known and not self.session:
                    # Nothing counted yet (a live opened by hand, then its start: a replay again): a baseline,
                    # as for a new room, not goals passed at second 0.
                    self.total, self.total_known = event.total, True
                    self.goals.sync(self.progress)
                else:
                    self.catching_up = True
                    if event.total is not None:
                        self._sync_total(event.total, now)
        elif isinstance(event, LiveEnded):
            if not self.live_ended:
                self.ended_at = now
            self.live_ended = True
        elif isinstance(event, NewLive):
            if event.room_id:  # a live of our own (the demo): its count starts again
                self.room_id = event.room_id
                self._reset_live(None, now)
            else:  # a new session in the same room (TikTok's): the room's count stays on screen, no drop to 0
                self._reset_live(self.total if self.total_known else None, now)
        elif isinstance(event, SourceStatus):
            self.status = event.status
            self._status, self._status_at = event, now
            self._describe_status(now)
        elif isinstance(event, Viewers):
            self.viewers = event.count
        elif isinstance(event, Follow):
            self.follows += 1
            self._animate(event.name, event.user, 1)
        elif isinstance(event, Share):
            self.shares += 1
            self._animate(event.name, event.user, 1)
        elif isinstance(event, Gift):
            self.gifts += event.count
            self.diamonds += event.diamonds * event.count
            self._animate(event.name, event.user, event.count, {"gift": event.gift})
        elif isinstance(event, Comment):
            return  # not shown by any widget yet; kept out of the version so it costs no frame
        elif isinstance(event, CONTROL_EVENTS):
            self._control(event, now)
        self.version += 1

    def _like(self, like: Like, now: float) -> None:
        if like.total is None:
            gained = like.count
            self.total += gained
        elif not self.total_known:
            # First total of this live (e.g. a restart mid-live): a baseline, not a burst of likes.
            gained = like.count
            self.total = max(self.total, like.total)
            self.total_known = True
            if self.config.goals.basis == "total":
                self.goals.sync(self.progress)
        elif self.catching_up:
            # First total after a restart or a reconnect: the likes sent while we were away move the
            # total and the goal (below), but they were not sent this second: not the rhythm, not a challenge.
            gained = like.count
            if like.total >= self.total:
                self.total = like.total
                self.catching_up = False  # a stale total (TikTok lagging after a reconnect) waits for the next
        else:
            # The room total is authoritative and monotonic: stale or replayed totals never roll back.
            gained = max(0, like.total - self.total)
            self.total += gained
        self.session += like.count
        if gained:
            self.rhythm.add(gained, now)
            self.challenges.add_likes(gained, now)
        user = like.user
        key = user.id or user.nickname
        if key and like.count > 0:  # (a like message with only the room total has no hearts of a viewer)
            entry = self.likers.get(key)
            if entry is None:
                self.likers[key] = [user.nickname, user.avatar, like.count]
                if len(self.likers) > MAX_LIKERS:
                    self._forget_small_likers()
            else:
                entry[2] += like.count
                if user.nickname:  # a viewer who renamed shows the new name; an avatar link expires, the newest works
                    entry[0], entry[1] = user.nickname, user.avatar or entry[1]
            self._top_dirty = True
        self.goals.update(self.progress, now)
        self.pending.append(("like", user, like.count, {"sent_at": like.sent_at} if like.sent_at else None))

    def _forget_small_likers(self) -> None:
        """Keep the LIKERS_KEPT biggest likers (on a tie, the earliest): memory and `export` stay bounded.

        A stable sort, as `heapq.nlargest` is documented to be, but in C: 8 ms instead of 36 ms of the loop for
        10,000 viewers, once per 1,000 new ones (a big live brings that many in a minute)."""
        ranked = sorted(self.likers.items(), key=lambda item: item[1][2], reverse=True)
        self.likers = dict(ranked[:LIKERS_KEPT])

    def _sync_total(self, total: int, now: float) -> None:
        if total > self.total:
            self.total = total
            self.total_known = True
            self.goals.update(self.progress, now)

    # -- config edits (live reload) ---------------------------------------------------------

    def reconfigure(self, config: Config, now: float) -> None:
        """Apply an edited config mid-live: counts stay, goals and challenges follow the new settings.

        The goal on screen becomes the right one for the current progress, without a celebration;
        see `GoalLadder.reconfigure` and `Challenges.reconfigure`. Settings that need a restart
        (server, source) are the caller's business: `config` should carry the running ones.
        """
        self.config = config
        self.goals.reconfigure(config.goals, config.locale, self.progress, safe=config.safe_wording)
        self.challenges.reconfigure(config.challenges, config.rhythm_rules, now, config.locale)
        self.version += 1

    def show_saving(self, problem: Mapping[str, str] | None) -> None:
        """Say on the pages that the live cannot be saved now, or that it is saved again (None).

        `problem` fills the `saving_failed` text: `reason` (a saving_* text's key), `path` and `error`.
        """
        said = (
            None
            if problem is None
            else {
                locale: status_detail(
                    "saving_failed", problem, locale, f"{problem.get('path')}: {problem.get('error')}"
                )
                for locale in LOCALES
            }
        )
        if said != self.saving_said:
            self.saving_said = said
            self.version += 1

    def show_recording(self, file: str, error: str | None = None) -> None:
        """Say on the pages that the live is recorded to `file`, or that its recording stopped (`error`)."""
        self.recording = {"file": file, "error": error}
        self.version += 1

    def show_config_status(self, status: dict[str, Any]) -> None:
        """Put `status` (plain data: the config error, wording warnings...) in the state, as `config`."""
        self.config_status = status
        self.version += 1

    # -- control actions (control page, HTTP API, Stream Deck) ------------------------------

    def _control(self, event: Event, now: float) -> None:
        """Goal controls move `goal_offset`, so the bar shows what the creator asked and new likes add to it."""
        if isinstance(event, ChallengeStart):
            self.challenges.start(event.id, now)
        elif isinstance(event, ChallengeCancel):
            self.challenges.cancel(now)
        elif isinstance(event, GoalNext):
            self._show_goal(self.goals.index + 1, now)
        elif isinstance(event, GoalPrevious):
            self._show_goal(self.goals.index - 1, now)
        elif isinstance(event, GoalReset):
            self.goal_offset = -self._basis
            self.goals.reset()
            self.goals.sync(self.progress)
        elif isinstance(event, SetProgress):
            self.goal_offset = event.value - self._basis
            self.goals.take_back()
            self.goals.sync(self.progress)
        elif isinstance(event, AddLikes):
            self.goal_offset += event.count
            self.challenges.add_likes(event.count, now)
            self.goals.update(self.progress, now)

    def _show_goal(self, index: int, now: float) -> None:
        """Next/previous: goal `index` on screen, no celebration; a goal already passed shows as reached."""
        ladder = self.goals
        if self.config.goals.then.every is None:
            index = min(index, ladder.steps - 1)
        ladder.index = max(0, index)
        ladder.chosen = True
        ladder.reached_at = now if self.progress >= ladder.goal().target else None

    def _animate(self, kind: str, user: Any, count: int, extra: dict[str, Any] | None = None) -> None:
        self.notable.append((kind, user, count, extra))

    # -- time -------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Time-driven changes: the rhythm window slides, celebrations end, rankings refresh."""
        changed = self.goals.advance(self.progress, now)
        per_minute = self.rhythm.value(now)
        if per_minute != self._last_per_minute:
            self._last_per_minute = per_minute
            changed = True
        if self.challenges.tick(now, per_minute, rules_allowed=not self.live_ended):
            changed = True
        # Rankings are refreshed once a second at most: sorting thousands of viewers every frame is waste.
        if self._top_dirty and now - self._top_at >= 1.0:
            self._rank(now)
            changed = True
        # "retrying in 1 min 58 s" must not stay on the pages for two minutes.
        if self._status_wait is not None and self._wait_left(now) != self._status_wait:
            self._describe_status(now)
            changed = True
        if changed:
            self.version += 1

    def _describe_status(self, now: float) -> None:
        """The source's status in each language; a `wait` before the next try counts down (see `tick`)."""
        event = self._status
        if event is None:
            return
        params = dict(event.params)
        key = event.key
        self._status_wait = self._wait_left(now)
        if self._status_wait is not None:
            params["wait"] = self._status_wait
            if self._status_wait == 0 and f"{key}_now" in TEXTS["en"]:
                key += "_now"  # the wait is over and the next try under way: not "in 1 s" for as long as it takes
        self.status_details = {locale: status_detail(key, params, locale, event.detail) for locale in LOCALES}

    def _wait_left(self, now: float) -> int | None:
        """Whole seconds until the source's next try (0 once it is due), if its status announced one."""
        wait = self._status.params.get("wait") if self._status is not None else None
        if not isinstance(wait, int) or wait <= 0:
            return None
        return max(0, math.ceil(wait - (now - self._status_at)))

    def _rank(self, now: float) -> None:
        self._top_dirty = False
        self._top_at = now
        self._top = [
            {"user": nickname, "avatar": avatar, "count": count}
            for nickname, avatar, count in heapq.nlargest(TOP_LIKERS, self.likers.values(), key=lambda e: e[2])
        ]

    def take_events(self, limit: int) -> list[dict[str, Any]]:
        """The animation events since the last call: follows, shares and gifts, then likes.

        Up to `limit` of each, the newest (older likes are merged away: the totals count them).
        """
        events: list[dict[str, Any]] = []
        for pending in (self.notable, self.pending):
            if not pending:
                continue
            for _ in range(len(pending) - limit):
                pending.popleft()
            for kind, user, count, extra in pending:
                item = {"type": kind, "user": user.nickname, "avatar": user.avatar, "count": count}
                if extra:
                    item.update(extra)
                events.append(item)
            pending.clear()
        return events

    # -- persistence ------------------------------------------------------------------

    def export(self, now: float) -> dict[str, Any]:
        """The live as plain data, kept by the store so `restore` can continue it after a restart."""
        likers = heapq.nlargest(EXPORTED_LIKERS, self.likers.items(), key=lambda item: item[1][2])
        return {
            "room_id": self.room_id,
            "seconds": self.duration(now),
            "ended": self.live_ended,
            "total": self.total,
            "total_known": self.total_known,
            "session": self.session,
            "follows": self.follows,
            "shares": self.shares,
            "gifts": self.gifts,
            "diamonds": self.diamonds,
            "viewers": self.viewers,
            "goal_offset": self.goal_offset,
            "goal": {
                "id": self.goals.goal().id,  # restored by id: the ladder may have been edited while stopped
                "index": self.goals.index,
                "reached": self.goals.reached,
                "log": [[goal_id, target, when - self.started_at] for goal_id, target, when in self.goals.saved_log()],
                "undone": 0,  # (the log saved begins after the last take-back)
                "chosen": self.goals.chosen,
            },
            # Rhythm buckets as seconds before `now`, so likes/min is right again right after a restart.
            "rhythm": [[now - second, count] for second, count in self.rhythm.buckets()],
            "likers": [[key, nickname, avatar, count] for key, (nickname, avatar, count) in likers],
            # The challenge on screen, its times from the live's start: a restart puts it back.
            "challenge": self.challenges.export(self.started_at),
            "rules": self.challenges.export_rules(self.started_at),
        }

    def restore(self, data: dict[str, Any], now: float) -> None:
        """Continue a live from `export` data: same numbers and goal step, no celebration replayed."""
        self.room_id = str(data.get("room_id", ""))
        self._reset_live(None, now - float(data.get("seconds", 0.0)))
        self.total = int(data.get("total", 0))
        self.total_known = bool(data.get("total_known", False))
        self.catching_up = self.total_known  # TikTok's next total includes the likes sent while we were down
        self.session = int(data.get("session", 0))
        self.follows = int(data.get("follows", 0))
        self.shares = int(data.get("shares", 0))
        self.gifts = int(data.get("gifts", 0))
        self.diamonds = int(data.get("diamonds", 0))
        self.viewers = data.get("viewers")
        self.live_ended = bool(data.get("ended", False))
        self.ended_at = now if self.live_ended else None
        self.goal_offset = int(data.get("goal_offset", 0))
        goal = data.get("goal", {})
        ladder = self.goals
        ladder.reached_log[:] = [(str(i), int(t), self.started_at + float(s)) for i, t, s in goal.get("log", [])]
        ladder.undone = min(int(goal.get("undone", 0)), len(ladder.reached_log))
        ladder.chosen = bool(goal.get("chosen", False))
        ladder.index = max(int(goal.get("index", 0)), 0)  # (what a state saved before goal ids says)
        if "id" in goal:
            ladder.settle(str(goal["id"]), self.progress)
        # A goal that was celebrating is over by now: the next tick moves on without celebrating again.
        if goal.get("reached") and ladder.goal().id == goal.get("id", ladder.goal().id):
            ladder.reached_at = now - self.config.goals.celebrate_seconds
        for ago, count in data.get("rhythm", []):
            # In the middle of its second: the restored clock may put its start a hair before it.
            self.rhythm.add(float(count), now - float(ago) + 0.5)
        self.likers = {str(key): [name, avatar, int(count)] for key, name, avatar, count in data.get("likers", [])}
        self._rank(now)  # on screen from the first frame after a restart, not a tick later
        # Likes sent while the server was down arrive as a room total (`catching_up`): not counted in it.
        self.challenges.restore(data.get("challenge"), self.started_at, now)
        self.challenges.restore_rules(data.get("rules"), self.started_at)
        self.version += 1

    # -- output -----------------------------------------------------------------------

    def snapshot(self, now: float) -> dict[str, Any]:
        """The state as `/api/state` and the websocket send it."""
        goal = self.goals.goal()
        progress = self.progress
        return {
            "likes": {
                "total": self.total,
                "session": self.session,
                "per_minute": round(self.rhythm.value(now)),  # a whole number of likes (counts are floats inside)
            },
            "goal": {
                "id": goal.id,
                "label": goal.label,
                "label_by_locale": goal.labels,
                "target": goal.target,
                "progress": progress,
                "reached": self.goals.reached,
                "step": goal.index + 1,
                "steps": self.goals.steps,
                "celebrate_seconds": self.config.goals.celebrate_seconds,  # how long a widget shows it was reached
            },
            "goals": [
                {
                    "id": step.id,
                    "label": own_text(step.label, self.config.locale),
                    "label_by_locale": own_texts(step.label),
                    "target": step.target,
                    "reached": progress >= step.target,
                }
                for step in self.config.goals.steps
            ],
            "source": {
                "kind": self.source_kind,
                "status": self.status,
                "detail": self.status_details.get(self.config.locale, ""),
                "detail_by_locale": self.status_details,
            },
            "live": {
                "room_id": self.room_id,
                "ended": self.live_ended,
                "seconds": self.duration(now),
                "viewers": self.viewers,
                "follows": self.follows,
                "shares": self.shares,
                "gifts": self.gifts,
                "diamonds": self.diamonds,
            },
            "top_likers": self._top,
            "challenge": self.challenges.snapshot(now),
            "locale": self.config.locale,
            "config": self.config_status,
            "saving": {
                "ok": self.saving_said is None,
                "error": self.saving_said[self.config.locale] if self.saving_said else None,
                "error_by_locale": self.saving_said,
            },
            "recording": self.recording,
        }
