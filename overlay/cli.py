"""Command line: parse arguments, load the config, run the app. Startup -> serve -> shutdown."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import errno
import logging
import signal
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from overlay.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load_config, locale_in
from overlay.config_errors import Problem, from_pydantic
from overlay.datafiles import UnsafeDataFile
from overlay.datalock import DataDirInUse
from overlay.i18n import Locale
from overlay.recorder import not_a_recording
from overlay.sources import UnplayableRecording, check_startable
from overlay.store import FILENAME as STORE_FILENAME
from overlay.store import StoreUnavailable
from overlay.web import create_app
from overlay.web.app import default_data_dir, make_runner
from overlay.web.catalog import WIDGETS
from overlay.web.control import control_url
from overlay.web.keys import CONTROL_TOKEN, DATA_DIR, WORDING
from overlay.web.security import hide_secrets_in_logs
from overlay.wording import WordingWarning, quoted

log = logging.getLogger("overlay")

# What the console says when the server cannot start, in the config's language (French unless `locale: en`).
SAID: dict[Locale, dict[str, str]] = {
    "en": {
        "config": "Invalid configuration:",
        "options": "Invalid command line:",
        "replay": "Cannot replay the recording:",
        "data_dir_file": "--data-dir {path} is a file: give a folder (it is created if it does not exist).",
        "record_replayed": (
            "--record {path} is the recording being replayed: the replay would play what it appends, without end. "
            "Record to another file."
        ),
        "port_in_use": (
            "Could not start the server: port {port} is already in use, maybe by another overlay already running "
            "(look for another console window). Stop it, or pick another port: --port {other} "
            '(make run ARGS="--port {other}"), then update the OBS URLs.'
        ),
        "data_dir_in_use": (
            "Could not start the server: the data folder {path} is in use by another overlay server ({holder}).\n"
            "Two servers on one folder would mix their like counts. Stop the other server "
            "(Ctrl+C in its window, or close it), or give this one its own folder: --data-dir OTHER_FOLDER"
        ),
        "process": "process {pid}",
        "another_process": "another process",
        "store_unavailable": (
            "Could not start the server: the live history {path} cannot be opened now ({reason}). "
            "Nothing was changed. Is another program using it, the disk full, or the folder read-only? "
            "Fix that and start again, or start with --data-dir OTHER_FOLDER."
        ),
        "data_file_link": (
            "Could not start the server: {path} is a symbolic link. The overlay opens the files of its data folder "
            "only as files of their own, never through a link: one put there by someone else would have it write "
            "where the link points, or read a file they chose. Delete the link (what it points to is left as it is) "
            "and start again, or start with --data-dir OTHER_FOLDER."
        ),
        "data_file_special": (
            "Could not start the server: {path} is not a regular file (a folder, a pipe or a device). Move it out of "
            "the data folder and start again, or start with --data-dir OTHER_FOLDER."
        ),
        "data_file_hard_link": (
            "Could not start the server: {path} is a hard link, a file with another name elsewhere: the overlay "
            "would write over that file too. Delete this name (the other is left as it is) and start again, or start "
            "with --data-dir OTHER_FOLDER."
        ),
        "data_file_not_yours": (
            "Could not start the server: {path} belongs to another user, who could have chosen the control token "
            "written in it. Delete it and start again (a new token is made: the old control addresses stop working), "
            "or start with --data-dir OTHER_FOLDER."
        ),
        "start_failed": "Could not start the server: {reason}",
        "record_unwritable": "Cannot write the recording {path}: {reason}",
        "record_under_a_file": "{file} is a file, not a folder",
        "record_not_recording": (
            "--record {path} already holds something that is not a recording (its first line is not an event): "
            "pick another file, e.g. --record lives/live.jsonl"
        ),
    },
    "fr": {
        "config": "Configuration invalide :",
        "options": "Ligne de commande invalide :",
        "replay": "Impossible de rejouer l'enregistrement :",
        "data_dir_file": "--data-dir {path} est un fichier : indiquez un dossier (il est créé s'il n'existe pas).",
        "record_replayed": (
            "--record {path} est l'enregistrement rejoué : le replay rejouerait sans fin ce qu'il y ajoute. "
            "Enregistrez dans un autre fichier."
        ),
        "port_in_use": (
            "Impossible de démarrer le serveur : le port {port} est déjà utilisé, peut-être par un autre overlay "
            "déjà lancé (cherchez une autre fenêtre de console). Arrêtez-le, ou choisissez un autre port : "
            '--port {other} (make run ARGS="--port {other}"), puis mettez à jour les adresses dans OBS.'
        ),
        "data_dir_in_use": (
            "Impossible de démarrer le serveur : le dossier de données {path} est déjà utilisé par un autre serveur "
            "d'overlay ({holder}).\nDeux serveurs sur le même dossier mélangeraient leurs compteurs de likes. "
            "Arrêtez l'autre serveur (Ctrl+C dans sa fenêtre, ou fermez-la), ou donnez à celui-ci son propre "
            "dossier : --data-dir AUTRE_DOSSIER"
        ),
        "process": "processus {pid}",
        "another_process": "un autre processus",
        "store_unavailable": (
            "Impossible de démarrer le serveur : l'historique des lives {path} ne peut pas être ouvert pour "
            "l'instant ({reason}). Rien n'a été modifié. Un autre programme l'utilise-t-il, le disque est-il plein, "
            "ou le dossier est-il en lecture seule ? Corrigez cela et relancez, ou lancez avec "
            "--data-dir AUTRE_DOSSIER."
        ),
        "data_file_link": (
            "Impossible de démarrer le serveur : {path} est un lien symbolique. L'overlay n'ouvre les fichiers de son "
            "dossier de données que comme des fichiers à part entière, jamais à travers un lien : un lien mis là par "
            "quelqu'un d'autre lui ferait écrire là où il pointe, ou lire un fichier choisi par cette personne. "
            "Supprimez le lien (ce vers quoi il pointe reste tel quel) et relancez, ou lancez avec "
            "--data-dir AUTRE_DOSSIER."
        ),
        "data_file_special": (
            "Impossible de démarrer le serveur : {path} n'est pas un fichier ordinaire (un dossier, un tube ou un "
            "périphérique). Sortez-le du dossier de données et relancez, ou lancez avec --data-dir AUTRE_DOSSIER."
        ),
        "data_file_hard_link": (
            "Impossible de démarrer le serveur : {path} est un lien physique, un fichier qui a un autre nom ailleurs : "
            "l'overlay écrirait aussi par-dessus ce fichier. Supprimez ce nom (l'autre reste tel quel) et relancez, "
            "ou lancez avec --data-dir AUTRE_DOSSIER."
        ),
        "data_file_not_yours": (
            "Impossible de démarrer le serveur : {path} appartient à un autre utilisateur, qui a pu choisir le jeton "
            "de contrôle qui y est écrit. Supprimez-le et relancez (un nouveau jeton est créé : les anciennes "
            "adresses de contrôle ne marchent plus), ou lancez avec --data-dir AUTRE_DOSSIER."
        ),
        "start_failed": "Impossible de démarrer le serveur : {reason}",
        "record_unwritable": "Impossible d'écrire l'enregistrement {path} : {reason}",
        "record_under_a_file": "{file} est un fichier, pas un dossier",
        "record_not_recording": (
            "--record {path} contient déjà autre chose qu'un enregistrement (sa première ligne n'est pas un "
            "événement) : choisissez un autre fichier, par exemple --record lives/live.jsonl"
        ),
    },
}

# The options that set a config key: a refused value is said under the option's name.
OPTIONS: Mapping[str, str] = {
    "server.host": "--host",
    "server.port": "--port",
    "source": "--source",
    "tiktok.unique_id": "--user",
    "replay.file": "--replay",
    "replay.speed": "--speed",
}


class OptionError(ConfigError):
    """A command-line option that cannot work, said like a config mistake (`--port : doit être au plus 65535`)."""


class PortInUse(OSError):
    """The listening port is taken, most often by another copy of the overlay."""

    def __init__(self, port: int, free: int | None = None) -> None:
        super().__init__(errno.EADDRINUSE, f"port {port} is already in use")
        self.port = port
        # A port free now to suggest instead: port + 1 is often the other overlay's own --port 8081.
        self.free = free if free is not None else port + 1


# Windows says "address in use" with its own number.
ADDRESS_IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="server.py",
        description="TikTok LIVE like overlay for OBS: goal bar, counters and challenges as Browser Sources.",
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH, help="config file (default: %(default)s)")
    parser.add_argument("--host", help="address to bind (default from config: 127.0.0.1)")
    parser.add_argument("--port", help="port to listen on (default from config: 8080; 0 = any free port)")
    parser.add_argument(
        "--data-dir", type=Path, help="where live state and the control token are kept (default: your user data folder)"
    )
    parser.add_argument("--source", choices=["demo", "tiktok", "replay"], help="override the config's source")
    parser.add_argument("--user", metavar="@NAME", help="your TikTok handle (implies --source tiktok)")
    parser.add_argument(
        "--record", type=Path, metavar="FILE", help="write every event to FILE (JSON lines) to replay later"
    )
    parser.add_argument("--replay", type=Path, metavar="FILE", help="play a recording back (implies --source replay)")
    parser.add_argument("--speed", metavar="X", help="replay speed, e.g. 4 = four times faster (default 1)")
    parser.add_argument("--loop", action="store_true", default=None, help="replay: start again at the end")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    return parser


def apply_overrides(config: Config, args: argparse.Namespace) -> Config:
    """Command-line options win over the file; the result is validated like the file was."""
    data: dict[str, Any] = config.model_dump()
    if args.host is not None:
        data["server"]["host"] = args.host
    if args.port is not None:
        data["server"]["port"] = _number(args.port, int)
    if args.source is not None:
        data["source"] = args.source
    source = args.source
    if args.user is not None:
        if source not in (None, "tiktok"):
            raise OptionError(Problem("", "--user", "option_user_source", {"source": f"--source {source}"}))
        data["tiktok"]["unique_id"] = args.user
        data["source"] = source = "tiktok"
    if args.replay is not None:
        if source not in (None, "replay"):
            other = f"--source {source}" if args.source is not None else "--user"  # what the creator typed
            raise OptionError(Problem("", "--replay", "option_replay_source", {"source": other}))
        data["replay"]["file"] = str(args.replay)
        data["source"] = "replay"
    if args.speed is not None:
        speed = _number(args.speed, float)
        if isinstance(speed, float) and not 0 < speed <= 1000:
            raise OptionError(Problem("", "--speed", "option_speed", {"speed": speed}))
        data["replay"]["speed"] = speed
    if args.loop:
        data["replay"]["loop"] = True
    try:
        config = config.revalidated(data)
    except ValidationError as exc:  # said like the file's mistakes, under the option's name instead of a line
        raise OptionError([_option_problem(error) for error in exc.errors()]) from None
    # The option that chose the source, if one did, is named rather than the file's `source:` line (`--user ""`).
    option = next((name for name, value in (("--user", args.user), ("--source", args.source)) if value is not None), "")
    check_source(config, speed_or_loop=args.speed is not None or bool(args.loop), option=option)
    return config


def _number(typed: str, kind: type[int] | type[float]) -> int | float | str:
    """An option's number, or its text as typed when it is none: the config's checks then say so in the config's
    language (`--port : un nombre entier est attendu`), where argparse's own types would in English."""
    try:
        return kind(typed)
    except ValueError:
        return typed


def _option_problem(error: Any) -> Problem:
    """One of pydantic's errors about an overridden value, under the option that set it (`--port`)."""
    problem = from_pydantic(error, "", lambda loc: None, lambda loc: [])
    return dataclasses.replace(problem, key=OPTIONS.get(problem.key, problem.key))


def check_source(config: Config, *, speed_or_loop: bool = False, option: str = "") -> None:
    """What the chosen source needs, checked before the server starts (a bad recording exits 2); `option`: the
    command-line option that chose it, if one did."""
    if speed_or_loop and config.source_kind != "replay":
        raise OptionError(Problem("", "", "option_replay_only"))
    check_startable(config, option=option)


def _file_on_the_way(path: Path) -> Path | None:
    """The folder of `path` that is a file instead (`--record config.yaml/live.jsonl`), if one is."""
    return next((folder for folder in path.parents if folder.exists() and not folder.is_dir()), None)


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.samefile(other)
    except OSError:  # the recording to make does not exist yet: not the one replayed, which does
        return False


def main(argv: list[str] | None = None) -> int:
    """Check everything, then serve until Ctrl+C; the exit code (2: a setup mistake, said in words)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # while a long recording is checked, before the server runs: no traceback
        return 130


def set_up_logging(*, verbose: bool) -> None:
    """The console: our lines at INFO (DEBUG with --verbose), the libraries' only when they matter."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        datefmt="%H:%M:%S",
    )
    hide_secrets_in_logs()  # aiohttp logs the raw line of a request it cannot parse, `?token=` included
    # httpx logs every request at INFO: with TikTok, a 900-character URL (a device id, a msToken) at each live
    # check, which would bury the source's own status lines over a long wait. With --verbose, they show.
    logging.getLogger("httpx").setLevel(logging.NOTSET if verbose else logging.WARNING)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    set_up_logging(verbose=args.verbose)
    try:
        config = load_config(args.config)
    except ConfigError as exc:  # said in the file's `locale:`, read as plain text since the file is invalid
        locale = locale_in(args.config)
        print(f"{SAID[locale]['config']}\n{exc.say(locale)}", file=sys.stderr)
        return 2
    try:
        config = apply_overrides(config, args)
    except ConfigError as exc:
        heading = {OptionError: "options", UnplayableRecording: "replay"}.get(type(exc), "config")
        print(f"{SAID[config.locale][heading]}\n{exc.say(config.locale)}", file=sys.stderr)
        return 2
    if args.data_dir is not None and args.data_dir.exists() and not args.data_dir.is_dir():
        print(SAID[config.locale]["data_dir_file"].format(path=args.data_dir), file=sys.stderr)
        return 2
    if args.record is not None and config.source == "replay" and _same_file(args.record, Path(config.replay.file)):
        print(SAID[config.locale]["record_replayed"].format(path=args.record), file=sys.stderr)
        return 2
    if args.record is not None and not_a_recording(args.record):  # `--record config.yaml`: never appended to
        print(SAID[config.locale]["record_not_recording"].format(path=args.record), file=sys.stderr)
        return 2
    if args.record is not None:
        try:  # now, not once the live is on: a recording that cannot be written is a setup mistake
            args.record.parent.mkdir(parents=True, exist_ok=True)
            args.record.open("ab").close()
        except OSError as exc:
            said = SAID[config.locale]["record_unwritable"]
            reason = exc.strerror or exc
            if (file := _file_on_the_way(args.record)) is not None:  # (the system says "File exists")
                reason = SAID[config.locale]["record_under_a_file"].format(file=file)
            print(said.format(path=args.record, reason=reason), file=sys.stderr)
            return 2
    more_open_files()
    try:
        asyncio.run(serve(config, args.data_dir, record=args.record, config_path=args.config))
    except KeyboardInterrupt:
        pass
    except (DataDirInUse, StoreUnavailable, OSError) as exc:  # nothing was started: said, not a traceback
        print(not_started(exc, config.locale, args.data_dir), file=sys.stderr)
        # A setup problem, like a bad config, exits 2; a port taken or another system error, 1.
        return 2 if isinstance(exc, (DataDirInUse, StoreUnavailable, UnsafeDataFile)) else 1
    return 0


def not_started(exc: Exception, locale: Locale, data_dir: Path | None) -> str:
    """Why the server could not start, in the config's language: the creator reads it, not a developer."""
    said = SAID[locale]
    if isinstance(exc, DataDirInUse):
        holder = said["process"].format(pid=exc.pid) if exc.pid is not None else said["another_process"]
        return said["data_dir_in_use"].format(path=exc.data_dir, holder=holder)
    if isinstance(exc, StoreUnavailable):  # SQLite's own words (its cause) stay as SQLite says them
        path = (data_dir if data_dir is not None else default_data_dir()) / STORE_FILENAME
        return said["store_unavailable"].format(path=path, reason=exc.__cause__ or exc)
    if isinstance(exc, UnsafeDataFile):
        return said[f"data_file_{exc.problem}"].format(path=exc.path)
    if isinstance(exc, PortInUse):  # taken before the source runs
        return said["port_in_use"].format(port=exc.port, other=exc.free)
    return said["start_failed"].format(reason=exc)


async def serve(
    config: Config, data_dir: Path | None = None, *, record: Path | None = None, config_path: Path | None = None
) -> None:
    """Run until SIGINT/SIGTERM, then shut down cleanly (widgets are told to reconnect).

    `config_path`: the file `config` was read from; edits to it apply while the server runs.
    """
    # The port first: starting the app starts the source (a TikTok request, the demo's live written to
    # the data folder), which must not happen for a server that cannot listen.
    socks = listening_sockets(config.server.host, config.server.port)
    runner: web.AppRunner | None = None
    try:
        app = create_app(config, data_dir=data_dir, record=record, config_path=config_path)
        runner = make_runner(app)
        await runner.setup()
    except BaseException:
        if runner is not None:  # what started before the failure (the folder's lock, the source) stops as at the end:
            with contextlib.suppress(Exception):  # left running, each printed a traceback as the process exited
                await runner.cleanup()
        for sock in socks:
            sock.close()
        raise
    try:
        for sock in socks:
            await web.SockSite(runner, sock).start()
        port = runner.addresses[0][1]
        announce(config, port, app[CONTROL_TOKEN], app[DATA_DIR])
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
        for sock in socks:
            sock.close()  # already closed by its site once it started; not when starting it failed


OPEN_FILES = 65536  # the most open files (connections, mostly) asked for; each needs one


def more_open_files() -> None:
    """Raise this process's open-file limit toward OPEN_FILES, within what the system allows.

    Every browser source, dock and API call holds a connection, and the soft limit is often small (1,024 on Linux,
    256 on macOS): past it the server can accept no one, and its own files and the TikTok connection fail too.
    Windows has no such limit to raise.
    """
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard)
    # macOS says its hard limit is infinite but refuses more than kern.maxfilesperproc (10,240 or more).
    for limit in (wanted, min(wanted, 10240)):
        if soft == resource.RLIM_INFINITY or soft >= limit:
            return
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
            return
        except (ValueError, OSError) as exc:
            log.debug("open-file limit not raised to %d: %s", limit, exc)


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """Sockets bound to every address of `host` on `port` and listening, as aiohttp would make them
    (`localhost` is 127.0.0.1 and ::1, in either order); PortInUse when the port is taken."""
    try:
        return _bind(host, port)
    except OSError as exc:
        if exc.errno in ADDRESS_IN_USE or getattr(exc, "winerror", None) in ADDRESS_IN_USE:
            raise PortInUse(port, free_port_after(host, port)) from None
        raise


def _bind(host: str, port: int) -> list[socket.socket]:
    """`listening_sockets`, with the error as the system gave it."""
    # `host` is never empty (the config refuses it): with AI_PASSIVE, no host is every network.
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    addresses = list(dict.fromkeys((family, address[:2]) for family, _, _, _, address in found))
    if port == 0:
        addresses = addresses[:1]  # (each socket would get a port of its own)
    socks: list[socket.socket] = []
    try:
        for family, address in addresses:
            try:
                socks.append(socket.create_server(address, family=family))  # an IPv6 socket is IPv6 only
            except OSError as exc:  # (::1 listed on a machine without IPv6: skipped, as asyncio does)
                if exc.errno != errno.EADDRNOTAVAIL or (not socks and (family, address) == addresses[-1]):
                    raise
    except OSError:
        for sock in socks:
            sock.close()
        raise
    return socks


def free_port_after(host: str, port: int, tries: int = 50) -> int | None:
    """The first port after `port` that `host` can listen on now, to suggest one that works; None if none is."""
    for other in range(port + 1, min(port + 1 + tries, 65536)):
        try:
            socks = _bind(host, other)
        except OSError:
            continue
        for sock in socks:
            sock.close()
        return other
    return None


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
        log.warning(
            "wording: %d built-in widget texts show %s", len(built_in), ", ".join(quoted(w, "en") for w in words)
        )
    if warnings:
        log.warning(
            "TikTok is reported to limit lives that ask for likes, follows or gifts on screen. "
            "Reword these texts, or set `safe_wording: true` in config.yaml to show a heart instead."
        )


def url_host(host: str) -> str:
    """The bound `host` as a URL writes it: every network is reached through loopback; IPv6 in brackets."""
    if host in ("0.0.0.0", "::"):  # (an IPv6 socket here is IPv6 only: `::` is not reached at 127.0.0.1)
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"
    return f"[{host}]" if ":" in host else host


def announce(config: Config, port: int, token: str = "", data_dir: Path | None = None) -> None:
    """The start-up banner: the OBS addresses, the control page, and the data folder (where the token file is)."""
    base = f"http://{url_host(config.server.host)}:{port}"
    lines = [
        f"Overlay ready ({config.source_kind} source) at {base}/",
        "Add these as Browser Sources in OBS:",
        *(f"  {w.title[config.locale]:<20} {base}/widgets/{w.name}   ({w.width}x{w.height})" for w in WIDGETS.values()),
        *(
            [f"Control page (keep this address private; open it as an OBS dock): {control_url(base, token)}"]
            if token
            else []
        ),
        *(
            # In full: a script or a Stream Deck reads the token file from anywhere, not from where the server ran.
            [f"Data folder (live history, and the control-token file for the API): {data_dir.absolute()}"]
            if data_dir is not None
            else []
        ),
        "Press Ctrl+C to stop.",
    ]
    print("\n".join(lines), flush=True)
