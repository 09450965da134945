"""Web: the app factory. Builds source -> bus/engine -> hub and the routes; owns every background task."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
import platformdirs
from aiohttp import WSCloseCode, web

from overlay import wording
from overlay.bus import Bus
from overlay.config import Config
from overlay.datalock import DataDirLock
from overlay.engine import Engine
from overlay.events import SourceStatus
from overlay.hub import Hub
from overlay.i18n import unbroken_signs
from overlay.persist import Persister
from overlay.recorder import Recorder
from overlay.reload import Reloader
from overlay.sources import Source, create_source
from overlay.sources.base import Joinable, SourceError
from overlay.store import FILENAME, Store
from overlay.web import api, control, pages, sockets, stats
from overlay.web.keys import BUS, CONFIG, DATA_DIR, ENGINE, HUB, PERSISTER, SOCKETS, SOURCE, WORDING
from overlay.web.security import MAX_BODY_BYTES, api_errors, foreign_page_guard, host_guard

log = logging.getLogger(__name__)

WIDGETS_DIR = Path(__file__).resolve().parent.parent.parent / "widgets"

# Ctrl+C waits at most this long for requests under way (aiohttp's default: a minute).
SHUTDOWN_SECONDS = 5.0
# A connection that sends no complete request for this long is closed: an idle keep-alive connection, or one
# whose request head never ends (aiohttp's default waits an hour, so a program opening connections and sending a
# few bytes on each could use up the process's open files). A browser simply opens a new one.
KEEPALIVE_SECONDS = 60.0


def create_app(
    config: Config,
    *,
    source: Source | None = None,
    clock: Callable[[], float] = time.monotonic,
    data_dir: Path | None = None,
    record: Path | None = None,
    config_path: Path | None = None,
) -> web.Application:
    """The whole server as an aiohttp application; nothing starts until the app does.

    `data_dir` holds what must outlive the process (control token, live state); it is
    created on startup, and defaults to the per-user data folder. `record`: write every
    event to this JSON-lines file (`--record`), for `--replay` later. `config_path`: the file
    `config` came from, watched for edits that apply while running (`overlay/reload.py`).
    """
    app = web.Application(
        middlewares=[host_guard, foreign_page_guard, api_errors, control.hotkey_hint], client_max_size=MAX_BODY_BYTES
    )
    app[DATA_DIR] = data_dir if data_dir is not None else default_data_dir()
    # Warn about on-screen words TikTok may flag; with safe_wording they are shown softened instead.
    app[WORDING] = wording.check(config)
    if config.safe_wording:
        config = wording.softened(config)
    source = source if source is not None else create_source(config, app[DATA_DIR])
    engine = Engine(config, source.kind, now=clock())
    bus = Bus(engine, clock)
    app[CONFIG] = config
    app[SOURCE] = source
    app[ENGINE] = engine
    app[BUS] = bus
    app[HUB] = Hub(
        bus,
        frame_seconds=config.server.frame_ms / 1000,
        max_events=config.server.max_events_per_frame,
    )
    app[SOCKETS] = set()
    # The config status in the state (error, wording warnings); edits of `config_path` apply live.
    reloader = Reloader(config, app[WORDING], bus, path=config_path)
    # A replay plays its file from the start again: the live it left unfinished is not continued.
    app[PERSISTER] = Persister(Store(app[DATA_DIR] / FILENAME), bus, resumable=source.kind != "replay")

    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WIDGETS_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    env.filters["unbroken"] = unbroken_signs

    app.router.add_get("/", pages.index, name="index")
    app.router.add_get("/widgets/{name}", pages.widget, name="widget")
    app.router.add_get("/widgets/{name}/options", pages.widget_options)
    app.router.add_get("/theme/custom.css", pages.custom_css)
    app.router.add_get("/healthz", api.healthz)
    app.router.add_get("/api/state", api.state)
    app.router.add_get("/ws", sockets.websocket)
    app.router.add_static("/static/", WIDGETS_DIR / "static", name="static")
    app.on_response_prepare.append(_revalidate_static)
    app.on_response_prepare.append(_no_sniffing)
    stats.add_routes(app)
    control.setup(app)  # /control, the control API and the token it needs

    app.on_startup.append(_make_data_dir)
    # First of all (cleanup contexts start before on_startup): a second server on this folder stops here.
    app.cleanup_ctx.append(_data_dir_lock)
    app.cleanup_ctx.append(_persistence)  # first: the live is restored before anything runs, saved after all stops
    app.cleanup_ctx.append(_hub_task)
    if record is not None:
        engine.show_recording(str(record))
        recorder = Recorder(record, on_fail=functools.partial(engine.show_recording, str(record)))
        bus.listeners.append(recorder)
        # Before the source's context, so it is cleaned up after it: the last events get written.
        app.cleanup_ctx.append(functools.partial(_recording, recorder))
    app.cleanup_ctx.append(_source_task)
    if config_path is not None:
        app.cleanup_ctx.append(functools.partial(_config_watch, reloader))
    app.on_shutdown.append(_close_sockets)
    return app


async def _revalidate_static(request: web.Request, response: web.StreamResponse) -> None:
    """Scripts and styles are checked at each load (a cheap 304): after an upgrade, OBS runs the new ones.

    Without this, Chromium may reuse a cached overlay.js for days against the new server's pages.
    """
    if request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-cache"


async def _no_sniffing(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer is read as the type it says: a CSV export or a custom CSS file is never run as a script.

    Pages and errors set it themselves (`pages._secured`); this covers the rest (static files, the
    API, the stats exports, `theme.custom_css`)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")


def make_runner(app: web.Application) -> web.AppRunner:
    """The runner `server.py` serves `app` with (the tests' servers too): no access log, our own signal
    handling, the time limits above."""
    return web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_SECONDS,
        keepalive_timeout=KEEPALIVE_SECONDS,
    )


def default_data_dir() -> Path:
    """The per-user data folder (e.g. ~/.local/share/tiktok-like-overlay, %LOCALAPPDATA%\\tiktok-like-overlay)."""
    return Path(platformdirs.user_data_dir("tiktok-like-overlay", appauthor=False))


async def _make_data_dir(app: web.Application) -> None:
    app[DATA_DIR].mkdir(parents=True, exist_ok=True)


async def _data_dir_lock(app: web.Application) -> AsyncIterator[None]:
    """Hold the data folder while the app runs; raises `DataDirInUse` if another server holds it."""
    lock = DataDirLock(app[DATA_DIR])
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


@contextlib.asynccontextmanager
async def _background(
    work: Coroutine[Any, Any, None], name: str, *, stop: Callable[[], object] | None = None, grace: float = 5.0
) -> AsyncIterator[asyncio.Task[None]]:
    """Run `work` as a task for the body of the block; a failure is logged when it happens, never re-raised.

    On leaving, `stop` (if given) asks the task to finish and it gets `grace` seconds to do so;
    then it is cancelled. Either way the block exits normally, so the steps after it (a final
    save, closing a file) always run.
    """
    task = asyncio.create_task(work, name=name)
    task.add_done_callback(_log_failure)
    try:
        yield task
    finally:
        if stop is not None:
            stop()
            await asyncio.wait((task,), timeout=grace)
        task.cancel()
        await asyncio.wait((task,))  # waits without raising the task's own exception (logged already)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("the %s task stopped: %s: %s", task.get_name(), type(exc).__name__, exc, exc_info=exc)


async def _persistence(app: web.Application) -> AsyncIterator[None]:
    """Restore an unfinished live (the demo continues it too), flush while running, and once more at the end."""
    persister = app[PERSISTER]
    resumed = await persister.start()
    source = app[SOURCE]
    if resumed is not None and isinstance(source, Joinable):
        source.join(*resumed)
    async with _background(persister.run(), "persistence"):
        yield
    await persister.stop()


async def _hub_task(app: web.Application) -> AsyncIterator[None]:
    async with _background(app[HUB].run(), "hub"):
        yield


async def _recording(recorder: Recorder, app: web.Application) -> AsyncIterator[None]:
    recorder.open()
    # Stopped, not cancelled: a write in progress finishes, then `close` writes the rest.
    async with _background(recorder.run(), "recorder", stop=recorder.stop):
        yield
    recorder.close()


async def _source_task(app: web.Application) -> AsyncIterator[None]:
    async with _background(_run_source(app[SOURCE], app[BUS]), "source"):
        yield


async def _config_watch(reloader: Reloader, app: web.Application) -> AsyncIterator[None]:
    """Watch the config file while the app runs; `stop` ends the watcher thread within a step."""
    stop = asyncio.Event()
    async with _background(_watch_config(reloader, stop), "config-watch", stop=stop.set) as task:
        # Serve once edits are seen, so an edit made right after the start is not missed.
        watching = asyncio.create_task(reloader.watching.wait())
        await asyncio.wait((task, watching), timeout=5, return_when=asyncio.FIRST_COMPLETED)
        watching.cancel()
        yield


async def _watch_config(reloader: Reloader, stop: asyncio.Event) -> None:
    try:
        await reloader.watch(stop)
    except asyncio.CancelledError:
        raise
    except Exception:  # e.g. the system's limit of watched folders: the overlay runs on, edits need a restart
        log.exception("live reload of %s stopped; restart the server to apply edits", reloader.path)


async def _run_source(source: Source, bus: Bus) -> None:
    """Run the source; a source that fails says so on screen instead of dying silently."""
    try:
        await source.run(bus.publish)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("the %s source stopped", source.kind)
        error = f"{type(exc).__name__}: {exc}"
        params: dict[str, int | str] = {"kind": source.kind, "error": error}
        if isinstance(exc, SourceError) and exc.key:  # said in the overlay's language: `reason` is its text
            params |= {**exc.params, "reason": exc.key}
        key = "source_stopped" if "reason" in params else "source_failed"
        bus.publish(SourceStatus("error", error, key=key, params=params))
    else:
        detail = f"the {source.kind} source has nothing more to play"
        bus.publish(SourceStatus("ended", detail, key="source_finished", params={"kind": source.kind}))


async def _close_sockets(app: web.Application) -> None:
    """Tell widgets the server is going away, so they reconnect to the next one."""
    sockets = app[SOCKETS]
    peers = list(sockets)
    await asyncio.gather(*(peer.close(WSCloseCode.GOING_AWAY, b"server shutdown") for peer in peers))
