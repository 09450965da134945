"""Stage 1 of the flow: sources produce events (demo, tiktok, replay), picked by a config string."""

from __future__ import annotations

from overlay.config import Config
from overlay.sources.base import Emit, Source

__all__ = ["Emit", "Source", "create_source"]


def create_source(config: Config) -> Source:
    """The source named by `config.source_kind`; imported lazily so the demo never loads TikTokLive."""
    kind = config.source_kind
    if kind == "demo":
        from overlay.sources.demo import DemoSource

        return DemoSource(config.demo)
    if kind == "tiktok":
        from overlay.sources.tiktok import TikTokSource

        return TikTokSource(config.tiktok)
    if kind == "replay":
        from overlay.sources.replay import ReplaySource

        return ReplaySource(config.replay)
    raise ValueError(f"unknown source {kind!r}; expected demo, tiktok or replay")
