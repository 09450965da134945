"""Live reload: beside the flow, keeps the running config in step with `config.yaml` (and the custom CSS).

A valid edit reaches the engine (goals, challenges, texts, locale) and through it the web layer
(pages read the engine's config) in about a second, and widgets re-read their options without
reloading. A save is applied once the file has stayed the same for `SETTLE_SECONDS`: a file that an editor or a
sync tool writes in steps (emptied, then written in parts) is read whole, not half-written, while its steps come
less than that apart. An invalid edit changes nothing that runs: its error (file, line, key) is logged, in
English, and put in the state in each language, so the index and control pages show it until it
is fixed; so does a file saved empty (at start an empty file means the defaults, mid-live it would
drop every goal and challenge). Settings read once at start (server, source, account) are logged as needing a restart
and otherwise left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from watchfiles import Change, awatch

from overlay import wording
from overlay.bus import Bus
from overlay.config import Config, ConfigError, load_config
from overlay.i18n import LOCALES, Locale
from overlay.sources import check_startable_in_steps
from overlay.wording import WordingWarning, as_read, quoted

log = logging.getLogger(__name__)

# Read once when the server starts (the listening socket, the source and its account): edits wait for a restart.
RESTART_KEYS = ("server", "source", "tiktok", "demo", "replay")

SOURCE_KEYS = ("source", "tiktok", "replay")  # what the source needs to start (`check_startable`)

# watchfiles yields a batch `STEP_MS` after the last change, and at most `DEBOUNCE_MS` after the first:
# an editor's save (write, rename) is one batch, then applied after `SETTLE_SECONDS`. Its thread
# wakes (and takes the GIL) every step, for the whole live: 50 ms cost 0.2-0.3 % of a core doing
# nothing, 200 ms 0.06 % (bench/README.md).
STEP_MS = 200
DEBOUNCE_MS = 400

# A changed config file is applied once its content has stayed the same this long after the watcher's batch (so
# `STEP_MS` + this with no change at all): a file emptied then written, or written in parts with pauses (a sync
# tool, a slow drive), is not read between the steps, where a cut-short file can still be valid YAML (the goals
# list cut after its first step) and would be applied, goals vanishing until the rest arrives. An edit shows about a
# second after its save (0.9 s measured, against 0.4 s before this wait).
SETTLE_SECONDS = 0.5

ADVICE = (
    "TikTok is reported to limit lives that ask for likes, follows or gifts on screen. "
    "Reword these texts, or set `safe_wording: true` in config.yaml to show a heart instead."
)


# The pages' wording warnings, in the creator's language (the log keeps `str(warning)`, in English).
WARNING_LINES: dict[Locale, tuple[str, str]] = {
    "fr": (
        "{where}\u202f: {key}\u202f: {text} affiche {words} à l'écran",
        "textes intégrés des widgets ({count})\u202f: {words}",
    ),
    "en": ("{where}: {key}: {text} shows {words} on screen", "built-in widget texts ({count}) show {words}"),
}


def warning_lines(warnings: Sequence[WordingWarning], locale: Locale = "en") -> list[str]:
    """The wording warnings as the pages show them: one line per text of the creator, one for the built-in texts."""
    one, built_in_line = WARNING_LINES[locale]
    lines = [
        one.format(
            where=w.where,
            key=w.key,
            text=quoted(as_read(w.text), locale),
            words=", ".join(quoted(word, locale) for word in w.words),
        )
        for w in warnings
        if w.where != "built-in text"
    ]
    built_in = [w for w in warnings if w.where == "built-in text"]
    if built_in:
        said = sorted({word.lower() for w in built_in for word in w.words})
        words = ", ".join(quoted(word, locale) for word in said)
        lines.append(built_in_line.format(count=len(built_in), words=words))
    return lines


def changed_keys(old: Config, new: Config, sections: Iterable[str] = RESTART_KEYS) -> list[str]:
    """Dotted keys under `sections` whose values differ (names only: `tiktok.sign_api_key` is a secret)."""
    keys: list[str] = []
    for section in sections:
        before, after = getattr(old, section), getattr(new, section)
        if before == after:
            continue
        if isinstance(before, BaseModel):
            fields = type(before).model_fields
            keys += [f"{section}.{name}" for name in fields if getattr(before, name) != getattr(after, name)]
        else:
            keys.append(section)
    return keys


class Reloader:
    """The running config's status (error, wording warnings, version) and the watcher that applies edits.

    `version` goes up with every applied edit and every change of the custom CSS file: widgets
    re-read their options (and the CSS) when the state's `config.version` differs from theirs.
    """

    def __init__(self, config: Config, warnings: list[WordingWarning], bus: Bus, *, path: Path | None) -> None:
        self.config = config  # the running config (softened when safe_wording is on), as the engine has it
        self.warnings = warnings
        self.bus = bus
        self.path = path
        self.error: dict[Locale, str] | None = None  # why the file is not applied, in each language
        self.version = 1
        self._file: Config | None = None  # the file as last applied, without command-line overrides
        self._started: Config | None = None  # the file as it was when the server started
        self.restart: list[str] = []  # keys edited since the start that apply only after a restart
        self.watching = asyncio.Event()  # set once edits are seen (the app waits for it before serving)
        self.publish()

    def status(self) -> dict[str, Any]:
        """What `state["config"]` says: the pages show the error and the warnings; widgets watch `version`.

        `error` and `warnings` are in the config's language, `error_by_locale` and `warnings_by_locale`
        in each (for pages opened with `?locale=`). The log says the error in English.
        """
        by_locale = {locale: warning_lines(self.warnings, locale) for locale in LOCALES}
        return {
            "error": self.error[self.config.locale] if self.error else None,
            "error_by_locale": dict(self.error) if self.error else None,
            "warnings": by_locale[self.config.locale],
            "warnings_by_locale": by_locale,
            "safe_wording": self.config.safe_wording,
            "restart": self.restart,
            "version": self.version,
        }

    def publish(self) -> None:
        self.bus.engine.show_config_status(self.status())
        self.bus.changed.set()

    # -- applying an edit ------------------------------------------------------------------

    async def reload(self) -> bool:
        """Read the file again and apply it if it is valid; True when a new config was applied."""
        assert self.path is not None
        try:
            loaded = await asyncio.to_thread(load_config, self.path, empty_is_default=False)
            await self._check_next_start(loaded)
        except ConfigError as exc:
            said = _said(exc)
            if said != self.error:
                log.error("%s was not applied; the running config stays until this is fixed:\n%s", self.path, exc)
                self.error = said
                self.publish()
            return False
        if self.error is None and self._file is not None and loaded.model_dump() == self._file.model_dump():
            # Saved without a change to any setting (a comment, a blank line): nothing to apply, but the
            # wording warnings name lines, which may have moved.
            self._file = loaded
            warnings = wording.check(loaded)
            if warnings != self.warnings:
                self.warnings = warnings
                self.publish()
            return False
        self.apply(loaded)
        return True

    async def _check_next_start(self, loaded: Config) -> None:
        """Refuse an edit of the source that the server could not start with (`source: tiktok` without a handle, a
        replay of a missing file): said now, not by the restart the pages ask for. Not when the command line chose
        the source (`--source`, `--user`, `--replay`): it chooses it again at the next start."""
        started = self._started
        if started is None or not changed_keys(self._file or started, loaded, SOURCE_KEYS):
            return
        if _chosen_source(started) != _chosen_source(self.config):
            return  # the running source is not the file's: options on the command line chose it
        await check_startable_in_steps(loaded)

    def apply(self, loaded: Config) -> None:
        """Run with `loaded` (a valid file), keeping the settings that need a restart as they are."""
        running = self.config
        edited = changed_keys(self._file or running, loaded)
        # The pages say so until the server restarts, or the edit is undone.
        self.restart = changed_keys(self._started, loaded) if self._started is not None else edited
        if waiting := [key for key in edited if key in self.restart]:
            log.warning(
                "%s: restart the server to apply %s (the running values stay until then)",
                self.path or "config",
                ", ".join(waiting),
            )
        if undone := [key for key in edited if key not in self.restart]:
            log.info("%s: %s back to its value at start: no restart needed", self.path or "config", ", ".join(undone))
        config = loaded.model_copy(update={key: getattr(running, key) for key in RESTART_KEYS})
        warnings = wording.check(config)
        self._log_wording(config, warnings)
        if config.safe_wording:
            config = wording.softened(config)
        was_wrong = self.error is not None
        self._file = loaded
        self.config = config
        self.warnings = warnings
        self.error = None
        self.version += 1
        self.bus.engine.reconfigure(config, self.bus.clock())
        self.publish()
        log.info("%s %s: applied to the running overlay", self.path or "config", "fixed" if was_wrong else "changed")

    def _log_wording(self, config: Config, warnings: list[WordingWarning]) -> None:
        """Print the warnings that are new since the last config (the pages show them all)."""
        if config.safe_wording:
            if warnings and not self.config.safe_wording:
                log.info(
                    "safe_wording is on: %d on-screen texts show a heart or a neutral phrase instead", len(warnings)
                )
            return

        def same(w: WordingWarning) -> tuple[str, str, tuple[str, ...]]:
            return (w.key, w.text, w.words)  # not `where`: a line added above a text does not make it new

        known = set() if self.config.safe_wording else {same(w) for w in self.warnings}
        fresh = [w for w in warnings if same(w) not in known]
        if not fresh:
            return
        for line in warning_lines(fresh):
            log.warning("wording: %s", line)
        log.warning(ADVICE)

    def restyle(self) -> None:
        """The custom CSS file changed: widgets reload it (they see a new version)."""
        self.version += 1
        self.publish()
        log.info("%s changed: widgets reload it", self.config.theme.custom_css)

    # -- watching --------------------------------------------------------------------------

    def _css_file(self) -> Path | None:
        name = self.config.theme.custom_css
        return _watchable(Path(name)) if name else None

    async def watch(self, stop: asyncio.Event) -> None:
        """Apply edits until `stop` is set; run as a task owned by the app (see `web/app.py`)."""
        assert self.path is not None
        logging.getLogger("watchfiles").setLevel(logging.WARNING)  # its "1 change detected" adds nothing to ours
        try:
            self._file = self._started = await asyncio.to_thread(load_config, self.path)
        except ConfigError as exc:  # edited between the start and now: the running config stays
            self.error = _said(exc)
            log.error("%s was not applied; the running config stays until this is fixed:\n%s", self.path, exc)
            self.publish()
        else:
            as_run = self.config.model_dump(exclude=set(RESTART_KEYS))  # softened already, with safe_wording
            if _live_part(self._file) != as_run:  # saved while the server was starting: apply it now
                self.apply(self._file)
        config_file = _watchable(self.path)
        css_then: bytes | None = None  # a newly named CSS file as it was when the edit naming it was applied
        applied: bytes | None = None  # the config file as it was applied when the watch moved to another CSS file
        while not stop.is_set():
            css = self._css_file()
            targets = {config_file} | ({css} if css else set())
            # Folders, not files: editors save by writing a new file and renaming it over the old one.
            folders = sorted({target.parent for target in targets if target.parent.is_dir()})

            def wanted(_: Change, path: str, targets: set[Path] = targets) -> bool:
                return Path(path) in targets

            ended = _Ended(stop)  # this watch's end: `stop`, or another CSS file to watch
            batches = awatch(
                *folders,
                watch_filter=wanted,
                stop_event=ended,
                recursive=False,
                step=STEP_MS,
                debounce=DEBOUNCE_MS,
            )
            # The config file as the last batch left it, applied once it stays so. After a move to another CSS
            # file, as it was applied: an edit saved while one watch ended and the next began is read then.
            read, settling = applied, applied is not None
            applied = None
            async with contextlib.aclosing(batches):
                waiting = asyncio.ensure_future(anext(batches))
                try:
                    await asyncio.sleep(0)  # one loop turn: the generator has registered its watches, then waits
                    self.watching.set()
                    if css is not None and css_then is not None and await asyncio.to_thread(_contents, css) != css_then:
                        self.restyle()  # edited since, while the previous watch was ending
                    css_then = None
                    while True:
                        await asyncio.wait({waiting}, timeout=SETTLE_SECONDS if settling else None)
                        if not waiting.done():  # no change for SETTLE_SECONDS: applied if it still reads the same
                            now = await asyncio.to_thread(_contents, config_file)
                            settling, read = now != read, now
                            if not settling:
                                await self.reload()
                                if (named := self._css_file()) != css:  # watch that one instead
                                    css_then = await asyncio.to_thread(_contents, named) if named else None
                                    applied = now
                                    break
                            continue
                        try:
                            batch = waiting.result()
                        except StopAsyncIteration:
                            return  # `stop` was set
                        changed = {Path(path) for _, path in batch}
                        if config_file in changed:
                            settling = True
                            read = await asyncio.to_thread(_contents, config_file)
                        if css is not None and css in changed:
                            self.restyle()
                        waiting = asyncio.ensure_future(anext(batches))
                finally:
                    if not waiting.done():  # the generator must stop running before it is closed
                        ended.set()  # its thread sees it within a step
                        with contextlib.suppress(StopAsyncIteration):
                            await asyncio.shield(waiting)


class _Ended(asyncio.Event):
    """Ends one watch: set by `watch` when it watches other files, and by watchfiles when its wait is cancelled;
    `stop` (the app's) ends every watch. Read by watchfiles' thread every step, as `stop` was."""

    def __init__(self, stop: asyncio.Event) -> None:
        super().__init__()
        self.stop = stop

    def is_set(self) -> bool:
        return self.stop.is_set() or super().is_set()


def _chosen_source(config: Config) -> tuple[str, str, str]:
    """What chooses the source and what it needs (`--speed` or `--loop` alone leave it to the file)."""
    return config.source_kind, config.tiktok.unique_id, config.replay.file


def _live_part(config: Config) -> dict[str, Any]:
    """The settings of a file that an edit changes while running, as the engine would have them."""
    shown = wording.softened(config) if config.safe_wording else config
    return shown.model_dump(exclude=set(RESTART_KEYS))


def _said(error: ConfigError) -> dict[Locale, str]:
    """The error as the pages show it, in each language (French with its narrow no-break spaces)."""
    return {locale: error.say(locale, page=True) for locale in LOCALES}


def _contents(path: Path) -> bytes | None:
    """The file's bytes as they are now (None when it cannot be read: renamed away for a moment, say)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _watchable(path: Path) -> Path:
    """`path` as the watcher reports it: in its real folder, relative to where the server runs."""
    return path.absolute().parent.resolve() / path.name
