"""Benchmark driver: a like storm against the real server, the hub against a naive relay, one table.

    make bench                      # every scenario (a few minutes)
    make bench ARGS=--quick         # shorter runs (under a minute)
    make bench ARGS="10000x100 stall"   # only scenarios whose name contains one of these words

Each run starts a fresh server process (`bench/server_main.py`) and one or two client processes
(`bench/client_main.py`), all on 127.0.0.1, bounded in time. See bench/README.md for the columns.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import datetime
import itertools
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # the stand-in TikTok encodes with the source's `SlimDecoder`

from tiktok_push import StandInTikTok  # noqa: E402 (bench/ is not a package)

PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FRAME_MS = 33  # the hub's default frame interval (server.frame_ms)
PROFILE: Path | None = None  # --profile DIR: each server run writes cProfile statistics there
GOAL_BAR_60 = "fps=60&events=0"  # clients that ask for 60 state frames a second and no animation batches
MAX_SAMPLES = 300_000  # latency samples kept per run (systematic sampling of the likes)


@dataclass(frozen=True)
class Scenario:
    name: str
    rate: float  # offered likes/s; 0 = as fast as the server absorbs them
    clients: int
    seconds: float
    stalled: int = 0
    naive_seconds: float | None = None  # the baseline may run shorter (it cannot keep up anyway)
    naive: bool = True  # also run the naive relay
    frame_ms: int = FRAME_MS  # the hub's server.frame_ms
    query: str = ""  # what the hub's clients ask for on /ws (fps=60&events=0: a 60 fps goal bar)
    design: str = "hub"  # "source": the bench source alone, emitting into nothing (no app, no engine)
    # design "tiktok": the likes come through the real TikTok source, pushed by a stand-in TikTok this often
    push_frames_per_second: float = 0
    joins_per_second: float = 0  # design "tiktok": viewers entering the live, pushed with the likes


@dataclass
class Result:
    scenario: Scenario
    mode: str
    emitted: int = 0
    total: int = 0
    cpu: float = 0.0  # % of one core over the offered window
    peak_rss: float = 0.0  # MB
    rss_growth: float = 0.0  # MB, from a quarter into the window to its end
    client_cpu: float = 0.0  # % of one core, all client processes together
    per_client: float = 0.0  # messages/s
    seen: float = 0.0  # share of the offered likes the average client saw, 0..1
    exact: int = 0  # clients whose final total equals the server's
    latencies: list[float] = field(default_factory=list)  # seconds, sampled over every like
    newest: list[float] = field(default_factory=list)  # seconds, the newest like of each frame (delivery only)
    worst: float = math.nan  # seconds, the oldest like any client waited for
    spread: float = math.nan  # seconds, how far apart clients received the same frame (max)
    skipped: int = 0  # most frames a client missed (a slow client skips to the newest)

    @property
    def absorbed(self) -> float:
        return self.emitted / self.seconds

    @property
    def seconds(self) -> float:
        s = self.scenario
        return s.naive_seconds if self.mode == "naive" and s.naive_seconds else s.seconds

    def pct(self, q: float, which: str = "latencies") -> float:
        values: list[float] = getattr(self, which)
        if not values:
            return math.nan
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def scenarios(quick: bool) -> list[Scenario]:
    d = 1.0 if quick else 8.0
    stall = 4.0 if quick else 60.0
    typical = 1.0 if quick else 30.0
    chosen = [
        # 30 s: CPU time is counted in 10 ms ticks, so 8 s would read a typical live's ~2 % to +-0.13 %.
        Scenario("typical 200x10", 200, 10, typical, naive_seconds=d),
        # The same likes with no client: what the bench source, engine and persistence cost without the hub.
        Scenario("typical 200x0, no client", 200, 0, typical, naive=False),
        # The bench source alone, its likes dropped: the measuring instrument's own cost, not the server's.
        Scenario("typical 200x0, bench source alone", 200, 0, typical, naive=False, design="source"),
        # The same live through the real TikTok source and TikTokLive's parsing, pushed as TikTok does, in
        # batches: how often TikTok sends a push frame is not documented, so two guesses (10/s and 2/s).
        Scenario(
            "typical 200x10 via TikTokLive, 10 frames/s",
            200,
            10,
            typical,
            naive=False,
            design="tiktok",
            push_frames_per_second=10,
        ),
        Scenario(
            "typical 200x10 via TikTokLive, 2 frames/s",
            200,
            10,
            typical,
            naive=False,
            design="tiktok",
            push_frames_per_second=2,
        ),
        # A live is more than likes: TikTok also sends a message for every viewer who comes in (and
        # rankings, banners...), which the overlay does not read. As many joins as likes, a guess.
        Scenario(
            "typical 200x10 via TikTokLive + 200 joins/s, 10 frames/s",
            200,
            10,
            typical,
            naive=False,
            design="tiktok",
            push_frames_per_second=10,
            joins_per_second=200,
        ),
        Scenario("2000x50", 2_000, 50, d),
        # A busy live through TikTokLive (its parsing set the ceiling until likes were read in C).
        Scenario(
            "2000x50 via TikTokLive, 10 frames/s", 2_000, 50, d, naive=False, design="tiktok", push_frames_per_second=10
        ),
        Scenario("10000x100", 10_000, 100, d),
        # The storm through TikTokLive: one like message per like, each with a real-size profile.
        Scenario(
            "10000x100 via TikTokLive, 10 frames/s",
            10_000,
            100,
            d,
            naive=False,
            design="tiktok",
            push_frames_per_second=10,
        ),
        Scenario("10000x100 goal bars at 60 fps", 10_000, 100, d, naive=False, query=GOAL_BAR_60),
        Scenario("10000x500", 10_000, 500, d),
        Scenario("10000x500 goal bars at 60 fps", 10_000, 500, d, naive=False, query=GOAL_BAR_60),
        Scenario("max ingest, no client", 0, 0, d, naive=not quick),
        Scenario("max ingest, 100 clients", 0, 100, d),
        Scenario("stall 10000x100 + 1 stalled", 10_000, 100, stall, stalled=1, naive_seconds=d),
        # The same run with nobody stalled: over a minute, hiccups of a busy machine show in any p99.
        Scenario("stall control: 10000x100, nobody stalled", 10_000, 100, stall, naive=False),
    ]
    return [s for s in chosen if not (quick and s.query)]


# -- /proc --------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return math.nan


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "?",
    )
    ram = status_line("/proc/meminfo", "MemTotal")
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{cpu} ({os.cpu_count()} cores)",
        "ram": f"{int(ram) / 1024 / 1024:.1f} GB" if ram else "?",
        "python": platform.python_version(),
        "aiohttp": metadata.version("aiohttp"),
        "websockets": metadata.version("websockets"),
        "os": platform.platform(),
    }


def status_line(path: str, key: str) -> str:
    for line in Path(path).read_text().splitlines():
        if line.startswith(key + ":"):
            return line.split()[1]
    return ""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- one run ------------------------------------------------------------------------------------


async def start(*argv: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        PYTHON, *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 30
    )


async def expect(process: asyncio.subprocess.Process, word: str, within: float = 60) -> list[str]:
    assert process.stdout is not None
    async with asyncio.timeout(within):
        while True:
            line = (await process.stdout.readline()).decode().split()
            if not line:
                raise RuntimeError(f"a bench process ended before saying {word}")
            if line[0] == word:
                return line[1:]


async def send(process: asyncio.subprocess.Process, line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(line.encode() + b"\n")
    await process.stdin.drain()


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def run(scenario: Scenario, mode: str) -> Result:
    result = Result(scenario, mode)
    seconds = result.seconds
    planned = int(scenario.rate * seconds) if scenario.rate else -1
    filename = "".join(c if c.isalnum() else "_" for c in scenario.name)  # "10 frames/s" is no folder
    options = ("--profile", str(PROFILE / f"{filename}.{mode}.prof")) if PROFILE else ()
    async with contextlib.AsyncExitStack() as stack:
        tiktok: StandInTikTok | None = None
        if mode == "tiktok":
            assert scenario.push_frames_per_second > 0, f"{scenario.name}: how often does the stand-in TikTok push?"
            tiktok = await stack.enter_async_context(StandInTikTok().serving())
            options = (*options, "--tiktok-uri", tiktok.uri, "--tiktok-ca", tiktok.authority)
        server = await start(
            str(HERE / "server_main.py"), "--mode", mode, "--frame-ms", str(scenario.frame_ms), *options
        )
        await one_run(result, server, tiktok, planned, seconds)
    return result


async def one_run(
    result: Result, server: asyncio.subprocess.Process, tiktok: StandInTikTok | None, planned: int, seconds: float
) -> None:
    scenario, mode = result.scenario, result.mode
    clients: list[asyncio.subprocess.Process] = []
    pushing: asyncio.Task[tuple[int, list[tuple[int, float]]]] | None = None
    try:
        port = (await expect(server, "PORT"))[0]
        # Two client processes past 100 clients, so the measuring side is less of a bottleneck.
        groups = (
            [scenario.clients]
            if scenario.clients <= 100
            else [scenario.clients // 2, scenario.clients - scenario.clients // 2]
        )
        # Naive clients keep every stride-th latency sample (a max-ingest run has no plan: a guess).
        stride = max(1, planned * scenario.clients // MAX_SAMPLES) if planned > 0 else 50
        for index, count in enumerate(g for g in groups if g):
            stalled = scenario.stalled if index == 0 else 0
            clients.append(
                await start(
                    str(HERE / "client_main.py"),
                    *("--port", port, "--mode", "naive" if mode == "naive" else "hub", "--clients", str(count)),
                    *("--stalled", str(stalled), "--stride", str(stride), "--query", scenario.query),
                )
            )
        for client in clients:
            await expect(client, "READY", within=120)
        if tiktok is not None:
            async with asyncio.timeout(30):
                await tiktok.connected.wait()  # the server's TikTok source has joined the live
        t0 = time.monotonic() + 0.3
        # After the window: time for the last frames to arrive. A hub client stops as soon as it
        # shows the final total; the naive relay simply stops emitting, its last messages are in flight.
        drain = 1.0 if mode != "naive" and planned > 0 else 0.5
        for client in clients:
            await send(client, f"{t0} {seconds} {planned} {drain}")
        await send(server, f"go {scenario.rate} {seconds} {t0}")
        if tiktok is not None:
            pushing = asyncio.create_task(
                tiktok.offer(scenario.rate, seconds, t0, scenario.push_frames_per_second, scenario.joins_per_second)
            )
        await sleep_until(t0)
        cpu0 = cpu_seconds(server.pid)
        await sleep_until(t0 + seconds / 4)
        rss_warm = status_mb(server.pid, "VmRSS")
        await sleep_until(t0 + seconds)
        result.cpu = 100 * (cpu_seconds(server.pid) - cpu0) / seconds
        result.rss_growth = status_mb(server.pid, "VmRSS") - rss_warm
        emitted, total, marks = await expect(server, "DONE", within=seconds + 60)
        result.emitted, result.total = int(emitted), int(total)
        if pushing is not None:  # the likes were emitted by the stand-in TikTok: its count and its marks
            pushed, pushed_marks = await pushing
            result.emitted, marks = pushed, orjson.dumps(pushed_marks).decode()
        result.peak_rss = status_mb(server.pid, "VmHWM")
        outputs = []
        for client in clients:
            assert client.stdout is not None
            outputs.append(orjson.loads(await client.stdout.readline()))
        measure(result, outputs, orjson.loads(marks), stride if mode == "naive" else 0, planned)
    finally:
        if pushing is not None:
            pushing.cancel()  # done already, unless the run failed
        for process in (*clients, server):
            if process.returncode is None:
                if process is server:
                    await send(server, "quit")
                try:
                    async with asyncio.timeout(10):
                        await process.wait()
                except TimeoutError:
                    process.kill()
                    await process.wait()


def measure(result: Result, outputs: list[dict[str, Any]], marks: list[list[float]], stride: int, planned: int) -> None:
    records = [client for output in outputs for client in output["clients"]]
    result.client_cpu = 100 * sum(o["cpu_seconds"] for o in outputs) / result.seconds
    if not records:
        return
    offered = planned if planned > 0 else result.emitted
    result.per_client = statistics.fmean(r["messages"] for r in records) / result.seconds
    result.seen = statistics.fmean(min(r["seen"], offered) for r in records) / offered if offered else 0
    result.exact = sum(r["seen"] == result.total for r in records)
    if result.mode == "naive":
        result.latencies = [received - sent for r in records for sent, received in r["samples"]]
        result.newest = result.latencies
        result.worst = max(result.latencies, default=math.nan)
        return
    stride = max(1, result.emitted * len(records) // MAX_SAMPLES)
    # Like k entered the server with the first batch whose total reached k.
    batch_totals = [int(total) for total, _ in marks]
    batch_times = [when for _, when in marks]

    def emitted_at(k: int) -> float:
        return batch_times[bisect.bisect_left(batch_totals, k)]

    worst = 0.0
    for r in records:
        previous = 0
        for total, received in r["frames"]:
            if total <= previous:
                continue
            worst = max(worst, received - emitted_at(previous + 1))
            result.newest.append(received - emitted_at(total))
            first = (previous // stride + 1) * stride  # systematic sample: every stride-th like
            result.latencies.extend(received - emitted_at(k) for k in range(first, total + 1, stride))
            previous = total
    result.worst = worst
    spread_and_skips(result, records)


def spread_and_skips(result: Result, records: list[dict[str, Any]]) -> None:
    """How far apart clients got the same frame, and the most frames any client skipped."""
    arrivals: dict[int, list[float]] = {}
    for r in records:
        for total, received in r["frames"]:
            arrivals.setdefault(total, []).append(received)
    shared = [times for times in arrivals.values() if len(times) > 1]
    result.spread = max((max(t) - min(t) for t in shared), default=math.nan)
    result.skipped = max(len(arrivals) - len({total for total, _ in r["frames"]}) for r in records)


# -- the widgets --------------------------------------------------------------------------------

FRAME_PROBE = """
window.__frames = [];
const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };
requestAnimationFrame(tick);
"""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class WidgetResult:
    widget: str
    rate: float
    fps: float = 0.0
    p99: float = 0.0  # ms between frames
    worst: float = 0.0
    long_frames: int = 0  # frames that took longer than 1.5 display frames (dropped frames)
    busy: float = 0.0  # % of the renderer main thread busy (CDP TaskDuration)
    process: float = 0.0  # % of a core used by the page's whole renderer process (all its threads)
    shown: str = ""
    error: str = ""


async def widget_run(widget: str, rate: float, seconds: float) -> WidgetResult:
    from playwright.async_api import async_playwright

    result = WidgetResult(widget, rate)
    server = await start(str(HERE / "server_main.py"), "--mode", "hub")
    try:
        port = (await expect(server, "PORT"))[0]
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1000, "height": 400})
                await page.add_init_script(FRAME_PROBE)
                response = await page.goto(f"http://127.0.0.1:{port}/widgets/{widget}")
                if response is None or response.status != 200:
                    result.error = f"/widgets/{widget} answered {response.status if response else 'nothing'}"
                    return result
                cdp = await page.context.new_cdp_session(page)
                browser_cdp = await browser.new_browser_cdp_session()
                await cdp.send("Performance.enable")
                t0 = time.monotonic() + 0.5
                await send(server, f"go {rate} {seconds} {t0}")
                await sleep_until(t0 + 1.0)  # let the bar catch up with the storm first
                before = await metrics(cdp)
                renderer_before, wall_before = await renderer_cpu(browser_cdp), time.monotonic()
                first = await page.evaluate("window.__frames.length")
                await sleep_until(t0 + seconds)
                after = await metrics(cdp)
                renderer_after, wall_after = await renderer_cpu(browser_cdp), time.monotonic()
                result.process = 100 * (renderer_after - renderer_before) / (wall_after - wall_before)
                frames = await page.evaluate(f"window.__frames.slice({first})")
                await expect(server, "DONE", within=30)
                await asyncio.sleep(1.0)  # the last frame and the easing settle
                result.shown = await page.evaluate(
                    "(() => { const e = document.querySelector('[data-progress]');"
                    " return e ? e.dataset.progress : ''; })()"
                )
            finally:
                await browser.close()
        deltas = [b - a for a, b in itertools.pairwise(frames)]
        wall = after["Timestamp"] - before["Timestamp"]
        if deltas:
            ordered = sorted(deltas)
            result.fps = len(deltas) / (sum(deltas) / 1000)
            result.p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
            result.worst = ordered[-1]
            result.long_frames = sum(d > 1.5 * 1000 / 60 for d in deltas)
        result.busy = 100 * (after["TaskDuration"] - before["TaskDuration"]) / wall if wall else math.nan
    finally:
        if server.returncode is None:
            await send(server, "quit")
            await server.wait()
    return result


async def renderer_cpu(browser_cdp: Any) -> float:
    """CPU seconds of the renderer process (one page per browser here), every thread: main, compositor, raster."""
    info = await browser_cdp.send("SystemInfo.getProcessInfo")
    return sum(process["cpuTime"] for process in info["processInfo"] if process["type"] == "renderer")


async def metrics(cdp: Any) -> dict[str, float]:
    answer = await cdp.send("Performance.getMetrics")
    return {m["name"]: m["value"] for m in answer["metrics"]}


# -- output -------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def num(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def ratio(naive: float, hub: float) -> str:
    if math.isnan(naive) or math.isnan(hub) or hub <= 0:
        return "—"
    return f"×{naive / hub:.1f}"


HEADER = (
    "| scenario | design | offered ev/s | absorbed ev/s | clients | msgs/s per client | likes seen | "
    "p50 ms | p99 ms | worst ms | p99 newest ms | frame spread ms | server CPU % | peak RSS MB | RSS growth MB | "
    "exact totals | client CPU % |"
)


def row(r: Result) -> str:
    s = r.scenario
    offered = num(s.rate) if s.rate else "max"
    clients = f"{s.clients}" + (f" + {s.stalled} stalled" if s.stalled else "")
    seen = f"{100 * r.seen:.1f} %" if s.clients else "—"
    exact = f"{r.exact}/{s.clients}" if s.clients else "—"
    spread = ms(r.spread) + (f" ({r.skipped} skipped)" if r.skipped else "")
    return (
        f"| {s.name} | {r.mode} | {offered} | {num(r.absorbed)} | {clients} | {r.per_client:.1f} | {seen} | "
        f"{ms(r.pct(0.5))} | {ms(r.pct(0.99))} | {ms(r.worst)} | {ms(r.pct(0.99, 'newest'))} | "
        f"{spread if r.mode == 'hub' else '—'} | {r.cpu:.1f} | {r.peak_rss:.0f} | {r.rss_growth:+.1f} | {exact} | "
        f"{r.client_cpu:.0f} |"
    )


def ratio_row(naive: Result, hub: Result) -> str:
    return (
        f"| | naive ÷ hub | | {ratio(naive.absorbed, hub.absorbed)} | | {ratio(naive.per_client, hub.per_client)} | | "
        f"{ratio(naive.pct(0.5), hub.pct(0.5))} | {ratio(naive.pct(0.99), hub.pct(0.99))} | "
        f"{ratio(naive.worst, hub.worst)} | {ratio(naive.pct(0.99, 'newest'), hub.pct(0.99, 'newest'))} | | "
        f"{ratio(naive.cpu, hub.cpu)} | {ratio(naive.peak_rss, hub.peak_rss)} | | | |"
    )


async def main(args: argparse.Namespace) -> None:
    info = machine()
    print(f"# overlay bench, {info['date']}{' (quick)' if args.quick else ''}")
    print(f"machine: {info['cpu']}, {info['ram']} RAM; {info['os']}")
    print(f"python {info['python']}, aiohttp {info['aiohttp']}, websockets {info['websockets']}")
    print(f"load average before: {load()}\n")
    chosen = [s for s in scenarios(args.quick) if not args.only or any(w in s.name for w in args.only)]
    if chosen:
        print(HEADER)
        print("|" + "---|" * (HEADER.count("|") - 1))
    for scenario in chosen:
        hub = await run(scenario, scenario.design)
        print(row(hub), flush=True)
        if scenario.naive and not args.no_naive:
            naive = await run(scenario, "naive")
            print(row(naive), flush=True)
            print(ratio_row(naive, hub), flush=True)
    if not args.no_widgets and (not args.only or any("widget" in w for w in args.only)):
        print(
            "\n| widget | offered ev/s | frames/s | p99 frame ms | worst frame ms | dropped frames | "
            "renderer busy % | renderer process CPU % | final progress |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        rates = [5_000] if args.quick else [1, 200, 5_000]
        for widget in ("goal", "hearts", "counter", "rhythm", "toplikers"):  # the widgets likes move
            for rate in rates:
                w = await widget_run(widget, rate, 2.5 if args.quick else 8.0)
                if w.error:
                    print(f"| {widget} | {num(rate)} | {w.error} | | | | | | |", flush=True)
                    break
                print(
                    f"| {widget} | {num(rate)} | {w.fps:.1f} | {w.p99:.1f} | {w.worst:.1f} | {w.long_frames} | "
                    f"{w.busy:.1f} | {w.process:.1f} | {w.shown or '—'} |",
                    flush=True,
                )
    print(f"\nload average after: {load()}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="run only scenarios whose name contains one of these words")
    parser.add_argument("--quick", action="store_true", help="short runs: the whole bench in under a minute")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive relay baseline")
    parser.add_argument("--no-widgets", action="store_true", help="skip the headless Chromium widget runs")
    parser.add_argument("--profile", metavar="DIR", type=Path, help="write the servers' cProfile statistics to DIR")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    if PROFILE:
        PROFILE.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(args))


if __name__ == "__main__":
    cli()
