"""Shared fixtures: configs, a source the test drives, and the real server on a free loopback port."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import settings

import overlay.sources.tiktok_import  # noqa: F401  (first: TikTokLive imported as the server imports it)
from overlay.config import Config, load_config, parse_config
from overlay.events import Event
from overlay.sources import Emit
from overlay.web import create_app
from overlay.web.app import make_runner

# No time limit per example: timing limits belong in the benchmarks, and one worker of a busy machine can take
# 400 ms for what takes 10 (Hypothesis's default deadline is 200 ms).
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

BASE_CONFIG: dict[str, Any] = {
    "goals": {
        "celebrate_seconds": 0.2,
        "steps": [
            {"id": "warmup", "label": "1 000 likes ensemble !", "target": 1000},
            {"id": "main", "label": "10 000 likes ensemble !", "target": 10000},
        ],
        "then": {"every": 10000},
    },
}


def make_config(**overrides: Any) -> Config:
    """A validated Config: BASE_CONFIG with top-level sections replaced by `overrides`."""
    data = {**BASE_CONFIG, **overrides}
    return parse_config(yaml.safe_dump(data, allow_unicode=True), "test-config.yaml")


class DrivenSource:
    """The input edge under the test's control: events pushed here take the same path as a real source's."""

    kind = "test"

    def __init__(self) -> None:
        self.emit: Emit | None = None
        self.ready = asyncio.Event()

    async def run(self, emit: Emit) -> None:
        self.emit = emit
        self.ready.set()
        await asyncio.Event().wait()  # runs until the app stops

    async def push(self, *events: Event) -> None:
        await self.ready.wait()
        assert self.emit is not None
        for event in events:
            self.emit(event)


@pytest.fixture
def source() -> DrivenSource:
    return DrivenSource()


@pytest.fixture
async def server(source: DrivenSource, tmp_path: Path) -> AsyncIterator[TestServer]:
    """The real app on 127.0.0.1 and a free port, fed by `source`."""
    app = create_app(make_config(), source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


def ws_url(server: TestServer, path: str = "/ws") -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def percent_encoded(text: str) -> str:
    """Every character of `text` %-encoded (`ab` -> `%61%62`): what a server reads as `text` itself."""
    return "".join(f"%{ord(c):02X}" for c in text)


def http_url(server: TestServer, path: str = "/") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


# How long a test waits on the server thread before calling it hung. Only a hang reaches it, so it can be long: with
# 10 s, a start slowed by a loaded machine returned with port 0 and no error; with 5 s, a push failed.
LOADED_SECONDS = 60


class ServerThread:
    """The real app served from a background thread, for synchronous tests such as Playwright's."""

    def __init__(
        self,
        config: Config,
        data_dir: Path,
        *,
        port: int = 0,
        preload: tuple[Event, ...] = (),
        config_path: Path | None = None,
        record: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.clock = clock  # the server's clock: a test may give one it moves itself
        self.config_path = config_path  # watched for edits (live reload), like `server.py --config`
        self.record = record  # every event written to this file, like `server.py --record`
        self.data_dir = data_dir
        self.source = DrivenSource()
        self.loop = asyncio.new_event_loop()
        self.port = port
        self.preload = preload  # events applied before the port opens (a server restarted mid-live)
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="overlay-server", daemon=True)
        self._error: BaseException | None = None
        self.app: web.Application | None = None  # once started

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # surfaced to the test in start()
            self._error = exc
            self._started.set()
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        self.app = create_app(
            self.config,
            source=self.source,
            clock=self.clock,
            data_dir=self.data_dir,
            config_path=self.config_path,
            record=self.record,
        )
        runner = make_runner(self.app)
        await runner.setup()
        try:
            if self.preload:
                await self.source.push(*self.preload)
            site = web.TCPSite(runner, "127.0.0.1", self.port)
            await site.start()
            self.port = runner.addresses[0][1]
            self._started.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def start(self) -> ServerThread:
        self._thread.start()
        # Generous bounds here and below: a loaded CI machine can take seconds to start or to give the server's
        # loop a turn. A start that never comes is said as such, not left to fail later on port 0.
        if not self._started.wait(LOADED_SECONDS):
            raise AssertionError(f"the test server did not start within {LOADED_SECONDS} s")
        if self._error is not None:
            raise self._error
        return self

    def push(self, *events: Event) -> None:
        """Feed events from the test thread and wait until the engine has them."""
        asyncio.run_coroutine_threadsafe(self.source.push(*events), self.loop).result(LOADED_SECONDS)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on the server's loop (to read engine state safely)."""

        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(LOADED_SECONDS)

    def stop(self) -> None:
        if self._stop is not None and self._thread.is_alive():  # (a test may have stopped it already)
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(LOADED_SECONDS)  # (a restart on the same port needs this one's socket closed)


def watched_server(tmp_path: Path, text: str) -> ServerThread:
    """A real server on `text`, written to tmp_path/config.yaml, which it watches for edits (live reload)."""
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return ServerThread(load_config(path), tmp_path / "data", config_path=path).start()


@pytest.fixture
def server_thread(tmp_path: Path) -> Iterator[ServerThread]:
    running = ServerThread(make_config(), tmp_path / "data").start()
    yield running
    running.stop()


@pytest.fixture
def servers() -> Iterator[list[Any]]:
    """Server processes a test starts (anything with `stop()`), stopped at the end whatever happened."""
    started: list[Any] = []
    yield started
    for server in started:
        server.stop()


# Headless Chromium for the widget tests (`browser`, `tab`); defined in their own module.
from tests.browser_fixtures import browser, playwright, tab  # noqa: E402, F401
