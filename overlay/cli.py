"""Command line: parse arguments, load the config, run the app. Startup -> serve -> shutdown."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from overlay.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config
from overlay.web import create_app
from overlay.web.catalog import WIDGETS
from overlay.web.control import control_url
from overlay.web.keys import CONTROL_TOKEN

log = logging.getLogger("overlay")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="server.py",
        description="TikTok LIVE like overlay for OBS: goal bar, counters and challenges as Browser Sources.",
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH, help="config file (default: %(default)s)")
    parser.add_argument("--host", help="address to bind (default from config: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default from config: 8080; 0 = any free port)")
    parser.add_argument(
        "--data-dir", type=Path, help="where live state and the control token are kept (default: your user data folder)"
    )
    parser.add_argument("--source", choices=["demo", "tiktok", "replay"], help="override the config's source")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    return parser


def apply_overrides(config: Config, args: argparse.Namespace) -> Config:
    """Command-line options win over the file; the result is validated like the file was."""
    data: dict[str, Any] = config.model_dump()
    if args.host is not None:
        data["server"]["host"] = args.host
    if args.port is not None:
        data["server"]["port"] = args.port
    if args.source is not None:
        data["source"] = args.source
    try:
        return Config.model_validate(data)
    except Exception as exc:  # pydantic's message is fine here: these came from the command line
        raise ConfigError(f"command line: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%H:%M:%S",
    )
    try:
        config = apply_overrides(load_config(args.config), args)
    except ConfigError as exc:
        print(f"Invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(config, args.data_dir))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"Could not start the server: {exc}", file=sys.stderr)
        return 1
    return 0


async def serve(config: Config, data_dir: Path | None = None) -> None:
    """Run until SIGINT/SIGTERM, then shut down cleanly (widgets are told to reconnect)."""
    app = create_app(config, data_dir=data_dir)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.server.host, config.server.port)
        await site.start()
        port = runner.addresses[0][1]
        announce(config, port, app[CONTROL_TOKEN])
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()


def announce(config: Config, port: int, token: str = "") -> None:
    host = config.server.host
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    lines = [
        f"Overlay ready ({config.source_kind} source) at {base}/",
        "Add these as Browser Sources in OBS:",
        *(f"  {w.title[config.locale]:<20} {base}/widgets/{w.name}   ({w.width}x{w.height})" for w in WIDGETS.values()),
        *(
            [f"Control page (keep this address private; open it as an OBS dock): {control_url(base, token)}"]
            if token
            else []
        ),
        "Press Ctrl+C to stop.",
    ]
    print("\n".join(lines), flush=True)
