"""Command line: parse arguments, load the config, run the app. Startup -> serve -> shutdown."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from overlay.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config
from overlay.datalock import DataDirInUse
from overlay.web import create_app
from overlay.web.catalog import WIDGETS
from overlay.web.control import control_url
from overlay.web.keys import CONTROL_TOKEN, WORDING
from overlay.wording import WordingWarning

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
    parser.add_argument("--user", metavar="@NAME", help="your TikTok handle (implies --source tiktok)")
    parser.add_argument(
        "--record", type=Path, metavar="FILE", help="write every event to FILE (JSON lines) to replay later"
    )
    parser.add_argument("--replay", type=Path, metavar="FILE", help="play a recording back (implies --source replay)")
    parser.add_argument("--speed", type=float, metavar="X", help="replay speed, e.g. 4 = four times faster (default 1)")
    parser.add_argument("--loop", action="store_true", default=None, help="replay: start again at the end")
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
    source = args.source
    if args.user is not None:
        if source not in (None, "tiktok"):
            raise ConfigError(f"command line: --user is for the tiktok source, not --source {source}")
        data["tiktok"]["unique_id"] = args.user
        data["source"] = source = "tiktok"
    if args.replay is not None:
        if source not in (None, "replay"):
            raise ConfigError(f"command line: --replay FILE plays a recording; it cannot go with --source {source}")
        data["replay"]["file"] = str(args.replay)
        data["source"] = "replay"
    if args.speed is not None:
        if not 0 < args.speed <= 1000:
            raise ConfigError(f"command line: --speed must be more than 0 and at most 1000 (got {args.speed:g})")
        data["replay"]["speed"] = args.speed
    if args.loop:
        data["replay"]["loop"] = True
    try:
        config = config.revalidated(data)
    except Exception as exc:  # pydantic's message is fine here: these came from the command line
        raise ConfigError(f"command line: {exc}") from None
    check_source(config, speed_or_loop=args.speed is not None or bool(args.loop))
    return config


def check_source(config: Config, *, speed_or_loop: bool = False) -> None:
    """What the chosen source needs, checked before the server starts (a bad recording exits 2)."""
    kind = config.source_kind
    if speed_or_loop and kind != "replay":
        raise ConfigError("command line: --speed and --loop only apply to a replay (--replay FILE)")
    if kind == "tiktok" and not config.tiktok.unique_id:
        raise ConfigError("the tiktok source needs your handle: --user @moncompte, or tiktok.unique_id in config.yaml")
    if kind == "replay":
        if not config.replay.file:
            raise ConfigError("the replay source needs a recording: --replay FILE, or replay.file in config.yaml")
        from overlay.sources.replay import RecordingError, check_recording

        try:
            check_recording(Path(config.replay.file))
        except RecordingError as exc:
            raise ConfigError(f"cannot replay: {exc}") from None


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
    if args.record is not None:
        try:  # now, not once the live is on: a recording that cannot be written is a setup mistake
            args.record.parent.mkdir(parents=True, exist_ok=True)
            args.record.open("ab").close()
        except OSError as exc:
            print(f"Cannot write the recording {args.record}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    try:
        asyncio.run(serve(config, args.data_dir, record=args.record, config_path=args.config))
    except KeyboardInterrupt:
        pass
    except DataDirInUse as exc:  # a setup mistake, like a bad config: nothing was started
        print(f"Could not start the server: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Could not start the server: {exc}", file=sys.stderr)
        return 1
    return 0


async def serve(
    config: Config, data_dir: Path | None = None, *, record: Path | None = None, config_path: Path | None = None
) -> None:
    """Run until SIGINT/SIGTERM, then shut down cleanly (widgets are told to reconnect).

    `config_path`: the file `config` was read from; edits to it apply while the server runs.
    """
    app = create_app(config, data_dir=data_dir, record=record, config_path=config_path)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.server.host, config.server.port)
        await site.start()
        port = runner.addresses[0][1]
        announce(config, port, app[CONTROL_TOKEN])
        warn_wording(config, app[WORDING])
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Windows has no loop signal handlers: there Ctrl+C cancels this task, and `finally` still cleans up.
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("stopping")
    finally:
        await runner.cleanup()


def warn_wording(config: Config, warnings: list[WordingWarning]) -> None:
    """Say which on-screen texts TikTok may flag, once at start (also shown on the index and control pages)."""
    if config.safe_wording:
        if warnings:
            log.info("safe_wording is on: %d on-screen texts show a heart or a neutral phrase instead", len(warnings))
        return
    built_in = [w for w in warnings if w.where == "built-in text"]
    for warning in warnings:
        if warning not in built_in:
            log.warning("wording: %s", warning)
    if built_in:
        words = sorted({word.lower() for w in built_in for word in w.words})
        log.warning("wording: %d built-in widget texts show %s", len(built_in), ", ".join(f'"{w}"' for w in words))
    if warnings:
        log.warning(
            "TikTok is reported to limit lives that ask for likes, follows or gifts on screen. "
            "Reword these texts, or set `safe_wording: true` in config.yaml to show a heart instead."
        )


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
