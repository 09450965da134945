"""Stage 1 of the flow: sources produce events (demo, tiktok, replay), picked by a config string."""

from __future__ import annotations

import logging
from pathlib import Path

from overlay.config import Config, ConfigError
from overlay.config_errors import Problem, located
from overlay.i18n import Locale
from overlay.sources.base import Emit, Source, SourceError

__all__ = ["Emit", "Source", "UnplayableRecording", "check_startable", "check_startable_in_steps", "create_source"]

log = logging.getLogger(__name__)
SAID_CHECKING = 10_000_000  # bytes of recording from which its check is said first (~3 s: nothing else shows)


class UnplayableRecording(ConfigError):
    """The recording to replay is broken (`file:line: what is wrong`): not a config mistake. `at`: the line of
    config.yaml naming it, for an edit of the file (`config.yaml:58`)."""

    def __init__(self, error: SourceError, at: str = "") -> None:
        super().__init__(f"{at}: replay.file: {error}" if at else str(error))
        self.error = error
        self.at = at

    def say(self, locale: Locale, *, page: bool = False) -> str:
        """Missing, unreadable or empty: in `locale`; a bad line: in the recording's own English words."""
        said = self.error.say(locale)
        if not page:
            said = said.replace("\u202f", " ")  # (the console keeps plain spaces)
        return located(self.at, "replay.file", said, locale, page=page) if self.at else said


def check_startable(config: Config, *, option: str = "", read: bool = True) -> None:
    """Raise a ConfigError when the source `config` names cannot start: a TikTok source without a handle, a replay
    without a playable recording. Checked before the server starts, and when an edit of config.yaml would leave it
    unable to start again (`check_startable_in_steps`). `option`: the command-line option that chose the source,
    named instead of the file's `source:` line; `read`: False to leave the recording itself unread."""
    kind = config.source_kind
    where, key = ("", option) if option else (config.where("source"), "source")
    if kind == "tiktok" and not config.tiktok.unique_id:
        raise ConfigError(Problem(where, key, "tiktok_needs_handle"))
    if kind == "replay":
        if not config.replay.file:
            raise ConfigError(Problem(where, key, "replay_needs_file"))
        if not read:
            return
        from overlay.sources.replay import RecordingError, check_recording

        path = Path(config.replay.file)
        try:
            if (size := path.stat().st_size) >= SAID_CHECKING:
                log.info("checking %s (%d MB) before it plays...", path, size // 1_000_000)
        except OSError:
            pass  # (reading it says why)
        try:
            check_recording(path)
        except RecordingError as exc:
            raise UnplayableRecording(exc) from None


async def check_startable_in_steps(config: Config) -> None:
    """`check_startable` while the server runs a live: the recording is read on the event loop a step at a time, as
    the replay's own start does (read on a worker thread, it kept the GIL from the loop for up to half a second)."""
    check_startable(config, read=False)
    if config.source_kind == "replay":
        from overlay.sources.replay import RecordingError, check_recording_in_steps

        try:
            await check_recording_in_steps(Path(config.replay.file))
        except RecordingError as exc:
            raise UnplayableRecording(exc, at=config.where("replay.file")) from None


def create_source(config: Config, data_dir: Path | None = None) -> Source:
    """The source named by `config.source_kind`; imported lazily so the demo never loads TikTokLive.

    `data_dir`: where the TikTok source remembers the follows, shares and gifts it counted, so
    that TikTok's replay of them after a restart is not counted again.
    """
    kind = config.source_kind
    if kind == "demo":
        from overlay.sources.demo import DemoSource

        return DemoSource(config.demo)
    if kind == "tiktok":
        from overlay.sources.tiktok import MEMORY_FILE, TikTokSource

        return TikTokSource(config.tiktok, memory=data_dir / MEMORY_FILE if data_dir is not None else None)
    if kind == "replay":
        from overlay.sources.replay import ReplaySource

        return ReplaySource(config.replay)
    raise ValueError(f"unknown source {kind!r}; expected demo, tiktok or replay")
