"""Stage 1 of the flow: sources produce events (demo, tiktok, replay), picked by a config string."""

from __future__ import annotations

from pathlib import Path

from overlay.config import Config
from overlay.sources.base import Emit, Source

__all__ = ["Emit", "Source", "create_source"]


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
