"""Stage 4 of the flow: the web layer (pages, API, websockets). The only part that imports aiohttp."""

from overlay.web.app import create_app

__all__ = ["create_app"]
