"""Source: the built-in demo live, a believable simulation so a newcomer sees everything move.

Not a constant drip: the like rate drifts between lulls, normal stretches and short
"faites exploser le compteur" bursts, many distinct viewers send batches of 1-15 hearts
(a few fans far more than the rest), and follows, shares, gifts and viewer counts come
along. The long-run mean rate is `demo.likes_per_second`.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass

from overlay.config import DemoSettings
from overlay.events import Follow, Gift, Like, LiveStarted, Share, SourceStatus, User, Viewers
from overlay.sources.base import Emit

STEP = 0.05  # seconds between simulation steps: 20 per second is smooth on a goal bar
FIRST = [
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Emma",
    "Nathan",
    "Inès",
    "Yanis",
    "Manon",
    "Adam",
    "Jade",
    "Rayan",
    "Camille",
    "Théo",
    "Sarah",
    "Noah",
    "Lina",
    "Enzo",
    "Zoé",
    "Mathis",
    "Louise",
    "Sofiane",
    "Anaïs",
    "Maël",
]
TAILS = ["", "_off", ".tv", "_77", "lbd", "_gaming", "x", "_du_13", "2b", "_music", "_99", ".lyon", "_fan"]
# TikTok gifts whose names read the same in French and English: a toast shows a gift's name as it is, in either
# language ("Coeur" read "Léa sent Coeur ×2" on an English overlay).
GIFTS = [("Rose", 1), ("TikTok", 1), ("GG", 1), ("Donut", 30), ("Lion", 29_999)]


@dataclass(frozen=True, slots=True)
class Mood:
    """A stretch of the live: how lively it is compared to the mean, and how long it lasts."""

    name: str
    level: float
    chance: float
    seconds: tuple[float, float]


MOODS = (
    Mood("lull", 0.3, 0.30, (15, 40)),
    Mood("normal", 1.0, 0.55, (20, 60)),
    Mood("burst", 3.0, 0.15, (6, 15)),
)
FULL_BATCH = 0.12  # the chance that a like event is a full batch of 15 (TikTok's cap per message)
MEAN_BATCH = FULL_BATCH * 15 + (1 - FULL_BATCH) * (1 + 8) / 2  # mean hearts per like event (see `_batch`)


class DemoLive:
    """The simulation itself, independent of wall time so tests can step it."""

    def __init__(self, settings: DemoSettings, room_id: str = "") -> None:
        """`room_id`: the live's room; the same room gets the same viewers (a restart continues its live, and
        its top likers keep their names)."""
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.total = settings.start_total
        names = [first + tail for first in FIRST for tail in TAILS]
        # A seed names them the same every time already (and its live repeats exactly, names included).
        naming = random.Random(room_id) if room_id and settings.seed is None else self.rng
        picked = naming.sample(names, min(settings.viewers, len(names)))
        # Distinct nicknames (the top likers would show one twice), numbered once the combinations run out.
        self.viewers = [
            User(id=f"demo-{i}", nickname=picked[i % len(picked)] + (str(i // len(picked)) if i >= len(picked) else ""))
            for i in range(settings.viewers)
        ]
        self.followed: set[str] = set()
        self.passers_by = 0
        # A few fans like far more than the rest (Zipf-like weights), as on real lives.
        self.weights = [1 / (rank + 1) ** 0.8 for rank in range(settings.viewers)]
        # Normalise mood levels so the long-run mean rate is exactly the configured one.
        time_share = [m.chance * sum(m.seconds) / 2 for m in MOODS]
        mean_level = sum(share * m.level for share, m in zip(time_share, MOODS, strict=True)) / sum(time_share)
        self.scale = 1 / mean_level
        self.mood = MOODS[1]
        self.mood_left = self.rng.uniform(*self.mood.seconds)
        self.level = self.mood.level
        self.usual_audience = max(5, settings.viewers // 2)
        self.audience = self.usual_audience

    def _batch(self) -> int:
        # Mostly small taps, regularly a full batch of 15 (TikTok's cap per message).
        return 15 if self.rng.random() < FULL_BATCH else self.rng.randint(1, 8)

    def _follower(self) -> User:
        """A viewer who has not followed yet (each follows once), or someone passing by once they all have."""
        user = self.rng.choice(self.viewers)
        if user.id in self.followed:
            self.passers_by += 1
            name = f"{self.rng.choice(FIRST)}{self.rng.choice(TAILS)}"
            return User(id=f"demo-new-{self.passers_by}", nickname=f"{name}{self.passers_by}")  # (never drawn again)
        self.followed.add(user.id)
        return user

    def _poisson(self, mean: float) -> int:
        if mean <= 0:
            return 0
        if mean > 50:
            return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
        limit, product, count = math.exp(-mean), self.rng.random(), 0
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count

    def _next_mood(self) -> None:
        self.mood = self.rng.choices(MOODS, weights=[m.chance for m in MOODS])[0]
        self.mood_left = self.rng.uniform(*self.mood.seconds)

    def step(self, seconds: float) -> list[Like | Follow | Share | Gift | Viewers]:
        """Advance the simulation by `seconds`; returns what happened meanwhile."""
        self.mood_left -= seconds
        if self.mood_left <= 0:
            self._next_mood()
        # Glide towards the mood's level so rate changes look organic, not square.
        self.level += (self.mood.level - self.level) * min(1.0, seconds / 2.0)
        rate = self.settings.likes_per_second * self.level * self.scale
        events: list[Like | Follow | Share | Gift | Viewers] = []
        for _ in range(self._poisson(rate * seconds / MEAN_BATCH)):
            count = self._batch()
            self.total += count
            user = self.rng.choices(self.viewers, weights=self.weights)[0]
            events.append(Like(count=count, total=self.total, user=user))
        lively = self.level * self.scale
        if self.rng.random() < 0.08 * lively * seconds:
            events.append(Follow(user=self._follower()))
        if self.rng.random() < 0.03 * lively * seconds:
            events.append(Share(user=self.rng.choice(self.viewers)))
        if self.rng.random() < 0.04 * lively * seconds:
            gift, diamonds = self.rng.choices(GIFTS, weights=[50, 30, 15, 4, 1])[0]
            events.append(
                Gift(gift=gift, diamonds=diamonds, count=self.rng.randint(1, 5), user=self.rng.choice(self.viewers))
            )
        if self.rng.random() < seconds / 5:
            # Drawn back towards the usual audience (more of it in a burst), so it wanders but never runs away.
            usual = self.usual_audience * (0.8 + 0.2 * lively)
            wander = self.rng.gauss(0, 0.04 * usual)
            self.audience = max(3, round(self.audience + (usual - self.audience) * 0.2 + wander))
            events.append(Viewers(count=self.audience))
        return events


class DemoSource:
    """Runs `DemoLive` in real time."""

    kind = "demo"

    def __init__(self, settings: DemoSettings) -> None:
        self.settings = settings
        self._join: tuple[str, int | None] | None = None  # the live to play instead of a new one (see `join`)
        self._rejoin = False

    def join(self, room_id: str, total: int | None = None) -> None:
        """Play the live `room_id` from `total` likes (None: `demo.start_total`) instead of a new one.

        Continues the current live after a restart, and starts a new live asked for by hand.
        """
        self._join = (room_id, total)
        self._rejoin = True

    def new_live(self, room_id: str) -> None:
        """Start a new simulated live now, as `room_id`, from `demo.start_total` likes."""
        self.join(room_id, None)

    def _start(self, emit: Emit) -> DemoLive:
        room_id, total = self._join or (f"demo-{int(time.time())}", None)
        settings = self.settings if total is None else self.settings.model_copy(update={"start_total": total})
        live = DemoLive(settings, room_id)
        emit(LiveStarted(room_id=room_id, total=live.total))
        self._rejoin = False
        return live

    async def run(self, emit: Emit) -> None:
        live = self._start(emit)
        emit(SourceStatus("connected", "demo live", key="source_demo"))
        emit(Viewers(count=live.audience))
        loop = asyncio.get_running_loop()
        last = loop.time()
        due = 0.0  # simulated time owed to the clock
        while True:
            await asyncio.sleep(STEP)
            if self._rejoin:
                live = self._start(emit)
            now = loop.time()
            # Whole steps of STEP only, so a seed repeats whatever the timers' jitter; after a stall (the
            # PC asleep), at most a second is caught up, not a burst of everything missed.
            due = min(due + now - last, 1.0)
            last = now
            while due >= STEP:
                due -= STEP
                for event in live.step(STEP):
                    emit(event)
