"""Engine: stepped like goals that celebrate, then advance by themselves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from overlay.config import GoalSettings
from overlay.i18n import LOCALES, Locale, format_number, own_text, own_texts
from overlay.wording import builtin_text

# Goals after the configured steps that a saved state remembers as reached: the latest. The ladder's top goal is
# always the latest reached (the like count only rises between take-backs); the history keeps every one.
SAVED_AFTER_STEPS = 50


@dataclass(frozen=True, slots=True)
class Goal:
    """One step of the goal ladder; `index` is 0-based and may go past the configured steps."""

    index: int
    id: str
    label: str
    target: int
    # The label in every language, so a widget opened with `?locale=en` reads it in its own: a built-in label (a
    # goal after the configured steps, with no `then.label`), or the creator's written with a text per language.
    # None: the creator's plain label, theirs in any language.
    labels: Mapping[Locale, str] | None = None


class GoalLadder:
    """Which goal is on screen for a given like count.

    Targets are absolute like counts (the 10 000th like of the live), so overflow carries
    into the next step by construction. Reaching a goal shows it as reached for
    `celebrate_seconds`, then the first goal above the count takes its place.
    """

    def __init__(self, settings: GoalSettings, locale: Locale, *, safe: bool = False) -> None:
        self.settings = settings
        self.locale: Locale = locale
        self.safe = safe  # `safe_wording`: built-in labels show a heart for "likes"
        self.on_reached: Callable[[], object] = lambda: None  # told of each goal reached (saved at once)
        self.index = 0
        self.reached_at: float | None = None
        self.reached_log: list[tuple[str, int, float]] = []  # (goal id, target, when)
        self.undone = 0  # the goals of reached_log before this were taken back by a control (`take_back`)
        self.resets = 0  # how many times `reset` emptied reached_log: the history knows the log began again
        self.chosen = False  # the goal on screen was put there by next/previous: an edit keeps it (`settle`)
        self._current: Goal | None = None  # `goal()` of the current index, asked for on every like

    @property
    def steps(self) -> int:
        return len(self.settings.steps)

    def goal(self, index: int | None = None) -> Goal:
        if index is None:
            current = self._current
            if current is None or current.index != self.index:
                current = self._current = self.goal(self.index)
            return current
        steps = self.settings.steps
        if index < len(steps):
            step = steps[index]
            return Goal(index, step.id, own_text(step.label, self.locale), step.target, own_texts(step.label))
        every = self.settings.then.every
        if every is None:
            return self.goal(len(steps) - 1)
        extra = index - len(steps) + 1
        target = steps[-1].target + every * extra
        goal_id = f"{steps[-1].id}+{extra}"
        written = self.settings.then.label
        if isinstance(written, str) and written:  # the creator's, the same in every language (its number is not)
            return Goal(index, goal_id, written.replace("{target}", format_number(target, self.locale)), target)
        labels = {
            locale: (own_text(written, locale) or builtin_text("goal_default_label", locale, self.safe)).replace(
                "{target}", format_number(target, locale)
            )
            for locale in LOCALES
        }
        return Goal(index, goal_id, labels[self.locale], target, labels)

    def index_of(self, goal_id: str) -> int | None:
        """The index of the goal `goal_id` (a configured step, or `last+N` after them), if there is one."""
        ids = [step.id for step in self.settings.steps]
        if goal_id in ids:
            return ids.index(goal_id)
        last, plus, extra = goal_id.rpartition("+")
        if plus and last == ids[-1] and self.settings.then.every is not None and extra.isdigit() and int(extra) > 0:
            return len(ids) - 1 + int(extra)
        return None

    @property
    def reached(self) -> bool:
        return self.reached_at is not None

    def _is_last(self) -> bool:
        """True on the last configured goal when no more follow (`then.every` is null)."""
        return self.settings.then.every is None and self.index >= len(self.settings.steps) - 1

    def first_above(self, progress: int) -> int:
        """Index of the first goal whose target is above `progress` (the last one if none is and none follow).

        Computed, not walked: `{"set": N}` may jump a billion likes ahead in one go.
        """
        steps = self.settings.steps
        for index, step in enumerate(steps):
            if step.target > progress:
                return index
        every = self.settings.then.every
        if every is None:
            return len(steps) - 1
        # Goal len(steps) - 1 + extra has target steps[-1].target + every * extra; the smallest above `progress`.
        return len(steps) - 1 + (progress - steps[-1].target) // every + 1

    def sync(self, progress: int) -> None:
        """Jump to the right goal without celebrating (start or restart in the middle of a live)."""
        self.chosen = False
        self.index = self.first_above(progress)
        self.reached_at = None
        if self._is_last() and progress >= self.goal().target:
            self.reached_at = float("-inf")

    def update(self, progress: int, now: float) -> bool:
        """Call after the count changed; returns True when a goal was just reached (and is celebrated)."""
        if self.reached_at is not None or progress < self.goal().target:
            return False
        # A jump (TikTok's total after a reconnect, likes added by hand or during a celebration) can pass several
        # goals at once: the last of them is the one celebrated ("35 000 / 30 000", not "35 000 / 1 000"), and the
        # configured steps passed on the way are recorded too (the goals after them, endless, are not walked).
        top = self.first_above(progress)
        if self.goal(top).target > progress:
            top -= 1
        top = max(top, self.index)
        steps = range(self.index, min(top, self.steps - 1) + 1)
        done = {goal_id for goal_id, _, _ in self.reached_log[self.undone :]}
        fresh = [goal for goal in map(self.goal, (*steps, *(() if top in steps else (top,)))) if goal.id not in done]
        self.index = top
        if not fresh:  # reached earlier in this live (shown again by "previous"): no second celebration or record
            self.sync(progress)
            return False
        self.reached_log.extend((goal.id, goal.target, now) for goal in fresh)
        self.reached_at = now
        self.on_reached()
        if self.settings.celebrate_seconds == 0:
            self.advance(progress, now)
        return True

    def advance(self, progress: int, now: float) -> bool:
        """Once the celebration is over, move to the next goal (or past it: `update`); True when something changed."""
        if self.reached_at is None or self._is_last():
            return False
        if now - self.reached_at < self.settings.celebrate_seconds:
            return False
        self.index += 1
        self.reached_at = None
        self.chosen = False
        self.update(progress, now)
        return True

    def reset(self) -> None:
        self.index = 0
        self.reached_at = None
        self.reached_log.clear()
        self.resets += 1
        self.undone = 0
        self.chosen = False

    def saved_log(self) -> list[tuple[str, int, float]]:
        """What a restart needs of `reached_log`: the goals reached since the last take-back, of the configured
        steps all, of the goals after them the latest `SAVED_AFTER_STEPS`. The saved state stays small through the
        longest live (it held every goal: tens of KB, written twice a second, after hours of a busy live)."""
        since = self.reached_log[self.undone :]
        steps = {step.id for step in self.settings.steps}
        after = [index for index, (goal_id, _, _) in enumerate(since) if goal_id not in steps]
        dropped = set(after[:-SAVED_AFTER_STEPS])
        return [entry for index, entry in enumerate(since) if index not in dropped]

    def take_back(self) -> None:
        """A control set the count back (set): the goals reached so far no longer say where the ladder stands
        (`settle`), and are celebrated again when reached again; the history keeps them."""
        self.undone = len(self.reached_log)

    def reconfigure(self, settings: GoalSettings, locale: Locale, progress: int, *, safe: bool = False) -> None:
        """New goals from an edited config: the right goal for `progress`, without celebrating.

        A goal already reached this live (by id) stays behind us even if its target was raised,
        and the goal celebrating now keeps celebrating if it is still reached: nothing that was
        reached on screen goes back to unreached.
        """
        if (settings, locale, safe) == (self.settings, self.locale, self.safe):
            return  # an edit elsewhere (a colour): the goal on screen stays, even one a control chose
        current = self.goal()
        celebrating = self.reached_at
        self.settings = settings
        self.locale = locale
        self.safe = safe
        self._current = None
        same = self.index_of(current.id)
        if celebrating is not None and same is not None and progress >= self.goal(same).target:
            self.index = same  # it finishes its celebration, then `advance` moves on
            return
        self.settle(current.id, progress)

    def settle(self, goal_id: str, progress: int) -> None:
        """The goal to show after an edit of the ladder, or a restart (`goal_id` on screen before), no celebration.

        A goal next/previous chose (`chosen`) stays where the ladder has it now, unless `progress` is past its
        target. Otherwise the ladder shows the first goal above `progress`, and never one before a goal reached
        this live (by id: a goal reached stays behind us even if its target was raised; not one a control took
        back since).
        """
        ids = [step.id for step in self.settings.steps]
        done = {reached_id for reached_id, _, _ in self.reached_log[self.undone :]}
        floor = max((index + 1 for index, step_id in enumerate(ids) if step_id in done), default=0)
        if self.chosen:  # (where the creator put it, even before goals reached: "previous" takes nothing back)
            floor = self.index_of(goal_id) or 0
        self._current = None
        self.index = max(self.first_above(progress), floor)
        self.reached_at = None
        if self._is_last():
            self.index = len(ids) - 1
            if progress >= self.goal().target or floor == len(ids):
                self.reached_at = float("-inf")  # the last goal, reached: shown as reached, no celebration
