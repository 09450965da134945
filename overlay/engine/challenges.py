"""Engine: live challenges ("1 000 likes en 60 secondes !") and the rhythm rules that start them (pure, no I/O).

One challenge is on screen at a time: starting another replaces it, while starting the one that is running
leaves it as it is (a second press must not wipe the progress the viewers built). Its progress counts only
the likes received while it runs. It ends in success when its target is reached, and when its
time is up in success (no target: it was a prompt) or failure (target missed). The result stays
on screen for `RESULT_SECONDS`, then the challenge is cleared. Time is always passed in (`now`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from overlay.config import ChallengeSettings, RhythmRule
from overlay.i18n import Locale, own_text, own_texts

RESULT_SECONDS = 6.0  # how long "Défi réussi !" or the failure text stays before the widget leaves

Status = Literal["running", "succeeded", "failed"]


@dataclass(slots=True)
class Running:
    """The challenge on screen (running, or showing its result)."""

    settings: ChallengeSettings
    started_at: float
    ends_at: float | None  # None: no duration, runs until its target is reached or it is cancelled
    progress: int = 0
    status: Status = "running"
    ended_at: float = math.inf
    auto: bool = False  # started by a rhythm rule


@dataclass(slots=True)
class _RuleState:
    """What a rhythm rule remembers between ticks."""

    rule: RhythmRule
    armed: bool = False  # the rate has reached the threshold since the live started: a drop is possible
    low_since: float | None = None  # when the rate went (and stayed) below the threshold


class Challenges:
    """The running challenge, its outcome, and the rhythm rules that may start one by themselves."""

    def __init__(
        self,
        settings: Sequence[ChallengeSettings],
        rules: Sequence[RhythmRule] = (),
        *,
        result_seconds: float = RESULT_SECONDS,
        locale: Locale = "fr",
    ) -> None:
        self.by_id = {challenge.id: challenge for challenge in settings}
        self.locale: Locale = locale  # the language of the texts on screen (the config's)
        self.rules = [_RuleState(rule) for rule in rules]
        self.result_seconds = result_seconds
        self.current: Running | None = None
        self.last_end = -math.inf  # when the last challenge ended, was cancelled or replaced (for cooldowns)
        # (id, when, started by a rhythm rule, the one it took off the screen: its status, end and likes, or None)
        self.started: list[tuple[str, float, bool, tuple[Status, float, int] | None]] = []
        self.on_finished: Callable[[], object] = lambda: None  # told of each result (saved at once)

    def new_live(self) -> None:
        """A new live starts: nothing on screen, and rules wait for the rate to rise before watching for a drop."""
        self.current = None
        self.last_end = -math.inf
        for state in self.rules:
            state.armed = False
            state.low_since = None

    def reconfigure(
        self, settings: Sequence[ChallengeSettings], rules: Sequence[RhythmRule], now: float, locale: Locale = "fr"
    ) -> None:
        """Challenges and rules from an edited config, without disturbing what is on screen.

        The challenge on screen takes its new text (in the new `locale`, when it has a text per language) and
        duration (counted from its start) if its id is still configured, and keeps its old settings otherwise; it
        then ends as usual. A rule left unchanged keeps watching; a new or edited one waits for the rate to rise
        first, so an edit never starts a challenge by surprise.
        """
        self.by_id = {challenge.id: challenge for challenge in settings}
        self.locale = locale
        unmatched = list(self.rules)
        self.rules = []
        for rule in rules:
            state = next((s for s in unmatched if s.rule == rule), None)
            if state is None:
                state = _RuleState(rule)
            else:
                unmatched.remove(state)
            self.rules.append(state)
        running = self.current
        if running is not None and running.settings.id in self.by_id:
            running.settings = self.by_id[running.settings.id]
            if running.status == "running":
                duration = running.settings.duration
                # Shortened past its time: it ends now, and shows its result like any challenge that ends.
                running.ends_at = max(running.started_at + duration, now) if duration is not None else None
                target = running.settings.target
                if target is not None and running.progress >= target:
                    self._finish("succeeded", now)

    # -- actions --------------------------------------------------------------------------

    def start(self, challenge_id: str, now: float, *, auto: bool = False) -> bool:
        """Start `challenge_id` now, replacing the one on screen; False for an unknown id.

        The same challenge still running is left untouched, its progress and countdown too: a key that bounces, a
        press "to make sure" or a moderator pressing too must not start it again from 0 (nothing is logged in
        `started`). One showing its result, or whose time is up, starts again.
        """
        settings = self.by_id.get(challenge_id)
        if settings is None:
            return False
        self._expire(now)  # one whose time is up has failed (or is done), even if no tick has said so yet
        previous = self.current
        if previous is not None and previous.status == "running" and previous.settings.id == challenge_id:
            return True
        # (What the history needs to tell a challenge replaced from one cancelled or won before: it reads this log.)
        before = None
        if previous is not None:
            before = (previous.status, now if previous.status == "running" else previous.ended_at, previous.progress)
        self._stop(now)
        ends_at = now + settings.duration if settings.duration is not None else None
        self.current = Running(settings, started_at=now, ends_at=ends_at, auto=auto)
        self.started.append((challenge_id, now, auto, before))
        return True

    def cancel(self, now: float) -> bool:
        """Take the challenge off the screen; False when there was none."""
        if self.current is None:
            return False
        self._stop(now)
        self.current = None
        return True

    def add_likes(self, count: int, now: float) -> bool:
        """Likes received at `now`; True when the challenge on screen changed."""
        running = self.current
        if running is None or running.status != "running" or count <= 0:
            return False
        if self._expire(now):
            return True  # time was up before these likes arrived: they do not count
        running.progress += count
        target = running.settings.target
        if target is not None and running.progress >= target:
            self._finish("succeeded", now)
        return True

    # -- time -------------------------------------------------------------------------------

    def tick(self, now: float, per_minute: float, *, rules_allowed: bool = True) -> bool:
        """Challenges end on time, results leave the screen, rhythm rules fire; True when the state changed."""
        changed = False
        running = self.current
        if running is not None:
            if running.status == "running":
                # A countdown changes with time: report it, so widgets that connect now get a fresh `ends_in`.
                changed = self._expire(now) or running.ends_at is not None
            if running.status != "running" and now - running.ended_at >= self.result_seconds:
                self.current = None
                changed = True
        if self._rules(now, per_minute, rules_allowed):
            changed = True
        return changed

    def _expire(self, now: float) -> bool:
        running = self.current
        if running is None or running.ends_at is None or now < running.ends_at:
            return False
        # Time is up: a challenge with a target missed it; one without was a prompt, and it is done.
        self._finish("failed" if running.settings.target is not None else "succeeded", running.ends_at)
        return True

    def _finish(self, status: Status, when: float) -> None:
        assert self.current is not None
        self.current.status = status
        self.current.ended_at = when
        self.last_end = when
        self.on_finished()

    def _stop(self, now: float) -> None:
        """The challenge on screen is cancelled or replaced: the cooldown of the rhythm rules counts from now."""
        if self.current is not None and self.current.status == "running":
            self.last_end = now

    def _rules(self, now: float, per_minute: float, allowed: bool) -> bool:
        for state in self.rules:
            rule = state.rule
            if per_minute >= rule.below_per_minute:
                state.armed = True
                state.low_since = None
                continue
            if not state.armed:
                continue  # never above the threshold yet (the live is warming up): not a drop
            if state.low_since is None:
                state.low_since = now
            if (
                not allowed
                or self.current is not None
                or now - state.low_since < rule.for_seconds
                or now - self.last_end < rule.cooldown_seconds
            ):
                continue
            if self.start(rule.challenge, now, auto=True):
                state.low_since = None
                return True
        return False

    # -- restart ------------------------------------------------------------------------------

    def export(self, origin: float) -> dict[str, Any] | None:
        """The challenge on screen as plain data, its times in seconds after `origin` (the live's start)."""
        running = self.current
        if running is None:
            return None
        return {
            "settings": running.settings.model_dump(),
            "started": running.started_at - origin,
            "progress": running.progress,
            "status": running.status,
            "ended": running.ended_at - origin if running.status != "running" else None,
            "auto": running.auto,
        }

    def export_rules(self, origin: float) -> dict[str, Any]:
        """What the rhythm rules remember (a cooldown running, a rate that rose, a lull under way), for a restart."""

        def since(when: float | None) -> float | None:
            return when - origin if when is not None and math.isfinite(when) else None

        return {
            "last_end": since(self.last_end),
            "rules": [
                {"rule": state.rule.model_dump(), "armed": state.armed, "low_since": since(state.low_since)}
                for state in self.rules
            ],
        }

    def restore_rules(self, data: dict[str, Any] | None, origin: float) -> None:
        """Put back what `export_rules` saved, for the rules still configured (a restart must not start an automatic
        challenge its cooldown forbids, nor forget that the rate had risen)."""
        if not data:
            return
        try:
            if data.get("last_end") is not None:
                self.last_end = max(self.last_end, origin + float(data["last_end"]))
            for saved in data.get("rules", []):
                rule = RhythmRule.model_validate(saved["rule"])
                for state in self.rules:
                    if state.rule == rule:
                        state.armed = bool(saved.get("armed", False))
                        low = saved.get("low_since")
                        state.low_since = origin + float(low) if low is not None else None
        except (KeyError, TypeError, ValueError, AttributeError):  # another version's: the rules start afresh
            return

    def restore(self, data: dict[str, Any] | None, origin: float, now: float) -> None:
        """Put an exported challenge back on screen after a restart; `origin`: the live's start, on this clock.

        The live's clock ran on while the server was down, so the deadline is where it was: the
        challenge goes on with the time it has left, or, if the deadline passed meanwhile, it ends
        as a timed-out one does, on the likes it had (the result leaves the screen when its time is
        over too). It takes its settings from the config if its id is still there, as after an edit.
        """
        if not data:
            return
        try:
            saved = ChallengeSettings.model_validate(data["settings"])
            started_at = origin + float(data["started"])
        except (KeyError, TypeError, ValueError):  # unreadable (another version?): the history says interrupted
            return
        settings = self.by_id.get(saved.id, saved)
        ends_at = started_at + settings.duration if settings.duration is not None else None
        running = Running(settings, started_at, ends_at, progress=int(data.get("progress", 0)))
        running.auto = bool(data.get("auto", False))
        self.current = running
        if data.get("status") in ("succeeded", "failed"):
            self._finish(data["status"], origin + float(data["ended"]))
        elif settings.target is not None and running.progress >= settings.target:
            self._finish("succeeded", now)  # the target was lowered in the config meanwhile
        else:
            self._expire(now)

    # -- output -----------------------------------------------------------------------------

    def snapshot(self, now: float) -> dict[str, Any] | None:
        """`null` or the challenge as widgets see it; `ends_in` is null for a challenge without duration.

        `elapsed` (seconds since it started) tells a widget a challenge started again from one that goes on,
        whatever an edit did to its duration. `leaves_in` is when the card leaves the screen if nothing else happens
        (its countdown, then its result; null: no duration, still running), so that a widget cut off from the
        server does not keep it there.
        """
        running = self.current
        if running is None:
            return None
        ends_in: float | None
        leaves_in: float | None = None
        if running.status != "running":
            ends_in = 0.0
            leaves_in = round(max(0.0, self.result_seconds - float(now - running.ended_at)), 3)
        elif running.ends_at is None:
            ends_in = None
        else:
            ends_in = round(max(0.0, float(running.ends_at - now)), 3)
            leaves_in = round(ends_in + self.result_seconds, 3)  # its countdown, then its result
        return {
            "id": running.settings.id,
            "text": own_text(running.settings.text, self.locale),
            "text_by_locale": own_texts(running.settings.text),  # (null: the same in every language)
            "target": running.settings.target,
            "progress": running.progress,
            "ends_in": ends_in,
            "elapsed": round(max(0.0, float(now - running.started_at)), 3),
            "status": running.status,
            "leaves_in": leaves_in,
        }
