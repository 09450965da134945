"""Stage 2 of the flow: the engine folds events into the live's state (pure, no I/O)."""

from overlay.engine.state import Engine

__all__ = ["Engine"]
