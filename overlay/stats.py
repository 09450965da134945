"""Stats: what a finished live's like timeline says (peaks, rhythm, lulls). Pure code over plain numbers.

The store gives likes per second; this module groups them into 10-second buckets, finds the
moments that stood out, and tells what was on screen then (goal step, challenge).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

BUCKET_SECONDS = 10
MOMENTS = 5
MOMENT_GAP = 60  # two top moments are at least this many seconds apart, so one burst is not listed twice
MOMENT_RATIO = 1.5  # a moment has at least this many times the live's average likes per bucket
# ...and stands out from the live's own ups and downs: above the median bucket by this many of their spread (the
# median absolute deviation, scaled to a standard deviation). Viewers send likes in batches of 1 to 15, so a steady
# live of a few likes a second has buckets twice its average by chance alone.
MOMENT_SPREAD = 4.0
# ...and stands out from chance on a quiet live too, where most buckets are empty and the median and its spread are
# 0: likes come in batches of 1 to 15 (a viewer's taps), whose count in a bucket varies like a compound Poisson
# count, variance = mean x E[batch^2] / E[batch] (~10 for batches spread over 1..15); a moment is MOMENT_SPREAD of
# those standard deviations above the average...
BATCH_SPREAD = 10.0
# ...and has MOMENT_LIKES at least: a few of one fan's batches (12 likes a minute, then 27 in 10 s) are no moment.
MOMENT_LIKES = 50
# A moment is a chart bar's width of likes from any 10 s (`bar_windows`): with 6 windows to a 1-minute bar, chance
# alone finds more and bigger ones than on the bars, and quiet long lives showed 2 to 4 times more false moments. The
# spread and the likes above are raised by this much of the log of the windows to a bar (x1.36 for 6, x1.50 for 12),
# fitted on simulated quiet lives (2 to 6 hours, 0.025 to 0.1 batches a second) to show no more than on the bars.
OFFSETS_STRICTER = 0.2
LULL_RATIO = 0.25  # a lull: buckets under this fraction of the live's average
LULL_SECONDS = 30  # a shorter dip is no lull worth telling (a live's last seconds, a pause to read a comment)
CHART_BARS = 360  # at most: on a page 1,000 pixels wide, each bar of an 8-hour live stays wide enough to hover
MINUTE = 60  # a live shorter than this has no rhythm per minute: its one "minute" would be its whole total


def under_a_minute(seconds: float) -> bool:
    """Whether a live `seconds` long is too short for likes per minute (its seconds rounded as its duration is
    written: "59 s" has none, "1 min 00 s" has one): a 34-second live's 1,412 likes were shown as 1,412 likes/min,
    average and peak alike."""
    return round(seconds) < MINUTE


def bar_seconds(count: int) -> int:
    """The chart's bar for a live of `count` 10-second buckets: 10 s, 30 s, 1, 2, 5 or 10 minutes.

    The moments are as long as these bars: ranked on 10 seconds, a long live's marks sat on bars lower
    than the tallest ones the chart showed."""
    return next((size for size in (10, 30, 60, 120, 300) if count * BUCKET_SECONDS / size <= CHART_BARS), 600)


@dataclass(frozen=True, slots=True)
class Moment:
    """A peak: `likes` in the `Analysis.moment_seconds` (a chart bar's width) from `counted_from`, the best 10
    seconds of which start at `start` (seconds into the live), marked over the chart's bar from `bar`, and what was
    running then."""

    rank: int
    start: int
    likes: int
    ratio: float  # likes compared to the live's average bucket
    counted_from: int = 0  # (at any 10 s, not a bar's start: a burst across two bars was counted as two halves)
    bar: int = 0  # the chart's bar it is marked over: one it covers, the taller unless a moment before took it
    goal: str | None = None  # label of the goal being worked on
    goal_step: int = 1
    challenge: str | None = None  # label (or id) of the challenge running
    reached: str | None = None  # label of a goal reached in its bar (the last, if more): often what the burst cheered


@dataclass(frozen=True, slots=True)
class Lull:
    """A stretch of the live: from `start` (seconds into it), `seconds` long."""

    start: int
    seconds: int


@dataclass(frozen=True, slots=True)
class Outage:
    """A stretch of the live that went unseen, from `start` (seconds into it), `seconds` long: the server was
    not running (`kind` "server"), or had lost TikTok ("connection"); or one the creator paused ("pause")."""

    start: int
    seconds: int
    kind: str = "server"
    # (exactly, as recorded: the chart's band is drawn over these, from 845.6 s, not over the whole second 845 whose
    # likes were counted)
    span: tuple[float, float] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Analysis:
    seconds: int
    likes: int
    buckets: list[int]
    per_minute: float | None  # average over the live; None for a live under a minute (`under_a_minute`)
    peak_per_minute: int | None  # the most likes in any 60 seconds; None for a live under a minute
    moments: list[Moment]
    lull: Lull | None  # the longest stretch below LULL_RATIO of the average, the server's outages aside
    outages: list[Outage] = field(default_factory=list)  # the live unseen: server down, TikTok lost, paused
    moment_seconds: int = BUCKET_SECONDS  # each moment's span: as long as the chart's bar (`bar_seconds`)
    bars: list[int] = field(default_factory=list)  # likes per chart bar (`moment_seconds` each)


def buckets(timeline: Iterable[tuple[int, int]], seconds: float, size: int = BUCKET_SECONDS) -> list[int]:
    """Likes per `size` seconds from (second, likes) pairs; covers the whole live, empty buckets included."""
    pairs = list(timeline)
    last = max([math.ceil(seconds) - 1, *(second for second, _ in pairs)], default=0)
    result = [0] * (last // size + 1 if last >= 0 else 1)
    for second, likes in pairs:
        if second >= 0:
            result[second // size] += likes
    return result


def peak_per_minute(timeline: Iterable[tuple[int, int]], window: int = 60) -> int:
    """The most likes in any `window` consecutive seconds (a sliding window over the seconds)."""
    pairs = sorted(timeline)
    best = running = 0
    left = 0
    for second, likes in pairs:
        running += likes
        while pairs[left][0] <= second - window:
            running -= pairs[left][1]
            left += 1
        best = max(best, running)
    return best


def stricter(offsets: int) -> float:
    """How much the bounds of a moment rise when it is picked from `offsets` windows to a chart bar
    (`OFFSETS_STRICTER`): 1 for the bars themselves."""
    return 1 + OFFSETS_STRICTER * math.log(offsets)


def least_likes(size: int) -> float:
    """The fewest likes a moment has on a live charted in bars of `size` seconds: 50 on 10-second bars, 61 on
    30-second ones, 68 for a minute, 75 for 2 minutes."""
    return MOMENT_LIKES * stricter(size // BUCKET_SECONDS)


def top_moments(
    counts: Sequence[int],
    size: int = BUCKET_SECONDS,
    *,
    count: int = MOMENTS,
    gap: int = MOMENT_GAP,
    ratio: float = MOMENT_RATIO,
    average: float | None = None,
    seen: Sequence[int] | None = None,
    offsets: int = 1,
    leading: Sequence[int] | None = None,
) -> list[tuple[int, int, float]]:
    """(start second, likes, ratio to average) of the biggest buckets, at least `gap` seconds apart, best first.

    (A bucket may be a window of several: `analyse` passes the likes of a chart bar's width from each
    bucket (`bar_windows`), a `gap` of a bar at least, so that no two overlap, the `offsets` such windows
    to a bar, which the bounds below rise with (`stricter`), and each window's first bucket as `leading`:
    of windows equal in likes, the one that starts with the burst wins, not one that takes in the calm
    before it.)

    Only buckets well above the average bucket (by default the mean of `counts`; `analyse` leaves out
    the server's outages), above the live's usual ups and downs (`MOMENT_SPREAD`, over the buckets
    `seen`, by default all) and above chance (`BATCH_SPREAD`, `MOMENT_LIKES`): a flat, merely noisy or
    quiet live has no moments to show.
    """
    if not counts:
        return []
    if average is None:
        average = sum(counts) / len(counts)
    if average <= 0:
        return []
    usual = sorted(counts if seen is None else seen) or [0]
    middle = (len(usual) - 1) // 2  # (the lower median: a live half busy, half quiet is judged on its quiet half)
    median = usual[middle]
    spread = 1.4826 * sorted(abs(likes - median) for likes in usual)[middle]
    deviations = MOMENT_SPREAD * stricter(offsets)
    chance = average + deviations * math.sqrt(average * BATCH_SPREAD)
    least = max(average * ratio, median + deviations * spread, chance, MOMENT_LIKES * stricter(offsets))
    chosen: list[tuple[int, int, float]] = []
    # Biggest first, each refused only when too near one chosen before (a greedy pick: a burst beside a bigger one
    # is still found whole, where it does not overlap it); on a tie the bigger `leading`, then the earlier bucket.
    first = leading or [0] * len(counts)
    for index in sorted(range(len(counts)), key=lambda i: (-counts[i], -first[i], i)):
        likes = counts[index]
        if likes < least or len(chosen) == count:
            break
        start = index * size
        if all(abs(start - other) >= gap for other, _, _ in chosen):
            chosen.append((start, likes, likes / average))
    return chosen


def bar_windows(counts: Sequence[int], width: int) -> list[int]:
    """The likes of `width` buckets from each bucket (fewer at the end of the live)."""
    running = [0, *itertools.accumulate(counts)]
    return [running[min(index + width, len(counts))] - running[index] for index in range(len(counts))]


def longest_lull(
    counts: Sequence[int],
    size: int = BUCKET_SECONDS,
    ratio: float = LULL_RATIO,
    down: Collection[int] = (),
    *,
    average: float | None = None,
    end: float | None = None,
    min_seconds: int = LULL_SECONDS,
) -> Lull | None:
    """The longest run of buckets under `ratio` of the average bucket (the first one on a tie), if it lasted
    `min_seconds` at least.

    Buckets in `down` (the server was not running: no likes were seen, whatever the viewers did)
    are neither a lull nor part of the default average. `end` (the live's length) makes the last
    bucket a partial one: judged on its rate, and a lull there stops at the end.
    """
    if average is None:
        seen = [likes for index, likes in enumerate(counts) if index not in down]
        average = sum(seen) / len(seen) if seen else 0.0
    if average <= 0:
        return None
    threshold = average * ratio
    rates = [float(likes) for likes in counts]
    if end is not None and rates and 0 < (covered := end - (len(rates) - 1) * size) < size:
        rates[-1] *= size / covered  # the likes of its few seconds, as if over a whole bucket
    best: Lull | None = None
    run_start: int | None = None
    for index, likes in enumerate([*rates, math.inf]):
        if likes < threshold and index not in down:
            if run_start is None:
                run_start = index
        elif run_start is not None:
            stop = index * size if end is None else min(index * size, math.ceil(end))
            length = stop - run_start * size
            if length > 0 and (best is None or length > best.seconds):
                best = Lull(run_start * size, length)
            run_start = None
    return best if best is not None and best.seconds >= min_seconds else None


FULL_SECOND = 1 - 1e-6  # (an outage's float ends: 845.6 + 0.4 covers second 845 whole)


def unseen_seconds(outages: Iterable[tuple[float, float]], liked: Collection[int]) -> set[int]:
    """The seconds of the live that `outages` ((start, seconds), of one kind) left unseen: the ones they cover
    whole, and the ones they cover in part where no like was counted (those in `liked` were).

    A crash's last save and the restart fall inside a second: flagged whole, the second of a soak's last save, with
    707 likes counted in it, read "server down" in the CSV, as if nothing could have been counted then."""
    shares: dict[int, float] = {}
    for start, seconds in outages:
        end = start + seconds
        for second in range(math.floor(start), math.ceil(end)):
            shares[second] = shares.get(second, 0.0) + min(end, second + 1) - max(start, second)
    return {second for second, share in shares.items() if share >= FULL_SECOND or (share > 0 and second not in liked)}


def goal_at(second: float, goals: Sequence[dict[str, Any]]) -> int:
    """How many goals had been reached by `second` (the step being worked on is this + 1)."""
    return sum(1 for goal in goals if float(goal["second"]) <= second)


SHOWN_FROM_START = 5.0  # a live's first goal record is made at its first save, within a second of its start


def shown_at(second: float, shown: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The goal on screen at `second` (records of `Store.goals_shown`, in order); None when not known.

    Before the first record, the first, if it was made as the live began: a live recorded by an older
    version and continued by this one has records from its restart on only.
    """
    found = shown[0] if shown and float(shown[0]["second"]) <= SHOWN_FROM_START else None
    for goal in shown:
        if float(goal["second"]) > second:
            break
        found = goal
    return found


def challenge_at(second: float, end: float, challenges: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The challenge running at any time between `second` and `end`, if any (the last started)."""
    found = None
    for challenge in challenges:
        started = float(challenge["started"])
        ended = challenge.get("ended")
        stop = math.inf if ended is None else float(ended)
        if started < end and stop > second:  # (one that ended as the span began was not running in it)
            found = challenge
    return found


def covered_seconds(outages: Iterable[dict[str, Any]], length: float) -> float:
    """How much of the live's first `length` seconds `outages` cover, each moment counted once: outages of
    different kinds can overlap (TikTok lost, then the server down), and the time the server saw is the rest."""
    covered = reach = 0.0
    for start, end in sorted((float(o["start"]), float(o["start"]) + float(o["seconds"])) for o in outages):
        start, end = max(start, reach, 0.0), min(end, length)
        if end > start:
            covered += end - start
            reach = end
    return covered


def seen_seconds(seconds: float, outages: Iterable[dict[str, Any]]) -> float:
    """The time of a live `seconds` long that the server saw: its outages (server down, TikTok lost, paused) saw
    no likes, whatever the viewers did. A second at least."""
    length = max(math.ceil(seconds), 1)
    return max(length - covered_seconds(outages, length), 1.0)


def average_per_minute(likes: int, seconds: float, outages: Iterable[dict[str, Any]], peak: int) -> float | None:
    """A live's average likes per minute over the time the server saw (and over a minute at least: a live that saw
    less than a minute of its own has no average above its peak minute), never above its best minute `peak` (one
    that spans an outage saw fewer likes than the live's minutes did); None for a live under a minute.

    The live's own page and the list of lives both say this, so two lives compare as each page tells them."""
    if under_a_minute(seconds):
        return None
    return min(likes / max(seen_seconds(seconds, outages), 60.0) * 60, float(peak))


def analyse(
    timeline: Sequence[tuple[int, int]],
    seconds: float,
    goals: Sequence[dict[str, Any]] = (),
    challenges: Sequence[dict[str, Any]] = (),
    next_goals: Sequence[str] = (),
    shown: Sequence[dict[str, Any]] = (),
    outages: Sequence[dict[str, Any]] = (),
) -> Analysis:
    """Everything the stats page shows about a live, from its (second, likes) timeline.

    `shown` is the goal on screen over time ({"second", "step", "label"}, in order). Lives recorded
    before it was kept have only `goals`, the goals reached ({"second", "label", ...}), and
    `next_goals`, the labels of the configured steps: their goal is then counted from the first step.
    """
    counts = buckets(timeline, seconds)
    down = {
        index
        for outage in outages
        for index in range(
            int(float(outage["start"]) // BUCKET_SECONDS),
            math.ceil((float(outage["start"]) + float(outage["seconds"])) / BUCKET_SECONDS),  # (its last, if partly)
        )
    }
    total = sum(likes for _, likes in timeline)
    length = max(math.ceil(seconds), 1)
    per_bucket = total / seen_seconds(seconds, outages) * BUCKET_SECONDS  # (over the time the server saw)
    peak = peak_per_minute(timeline)
    ordered = sorted(goals, key=lambda goal: float(goal["second"]))
    size = bar_seconds(len(counts))
    per_bar = size // BUCKET_SECONDS
    bars = [sum(counts[index : index + per_bar]) for index in range(0, len(counts), per_bar)]
    # (The bars the server saw: an outage's are empty, not the live's usual.)
    seen = [likes for index, likes in enumerate(bars) if down.isdisjoint(range(index * per_bar, (index + 1) * per_bar))]
    # A moment is a bar's width of seconds from any 10 s, not a bar: a one-minute burst from 2:00:30 on a 4-hour live
    # was two bars of half of it, ranked below a smaller burst that sat on one bar.
    windows = bar_windows(counts, per_bar)
    found = top_moments(
        windows,
        gap=max(MOMENT_GAP, size),
        average=per_bucket * per_bar,
        seen=seen,
        offsets=per_bar,
        leading=counts,
    )
    moments = []
    # Each marked over the taller bar its likes are in, one mark a bar: in time order, as two moments' windows never
    # overlap, only the one before can have taken its first bar, and then its second is free (but for a window the
    # live's end cuts to one bar, which may then hold two marks).
    taken = -1
    marks: dict[int, int] = {}
    for since, _, _ in sorted(found):
        covered = range(since // size, min((since + size - 1) // size + 1, len(bars)))
        free = [index for index in covered if index != taken] or list(covered)  # (a window cut by the end)
        taken = max(free, key=lambda index: (bars[index], -index))
        marks[since] = taken * size
    for rank, (since, likes, ratio) in enumerate(found, start=1):
        # Ranked on a bar's width (a minute on a long live), told at its best 10 seconds: where to look in a replay.
        first = since // BUCKET_SECONDS
        start = BUCKET_SECONDS * max(range(first, min(first + per_bar, len(counts))), key=lambda i: (counts[i], -i))
        on_screen = shown_at(start, shown)
        label: str | None
        if on_screen is not None:
            label, step = str(on_screen["label"]), int(on_screen["step"])
        else:
            done = goal_at(start, ordered)
            label, step = next_goals[done] if done < len(next_goals) else None, done + 1
        challenge = challenge_at(since, since + size, challenges)
        reached = [goal for goal in ordered if since <= float(goal["second"]) < since + size]
        moments.append(
            Moment(
                rank=rank,
                start=start,
                likes=likes,
                ratio=round(ratio, 1),
                goal=label,
                goal_step=step,
                challenge=(challenge.get("label") or challenge["id"]) if challenge else None,
                reached=str(reached[-1].get("label") or "") or None if reached else None,
                counted_from=since,
                bar=marks[since],
            )
        )
    short = under_a_minute(seconds)
    return Analysis(
        seconds=length,
        likes=total,
        buckets=counts,
        per_minute=average_per_minute(total, seconds, outages, peak),
        peak_per_minute=None if short else peak,
        moments=moments,
        # (A like saved just after the live's last saved second extends it: the store's clock and seconds differ.)
        lull=longest_lull(counts, down=down, average=per_bucket, end=max([seconds, *(s + 1 for s, _ in timeline)])),
        outages=[
            Outage(
                int(float(o["start"])),
                max(1, round(float(o["seconds"]))),
                str(o.get("kind", "server")),
                span=(float(o["start"]), float(o["start"]) + float(o["seconds"])),
            )
            for o in outages
        ],
        moment_seconds=size,
        bars=bars,
    )
