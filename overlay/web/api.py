"""Web: the read-only JSON API (health and state)."""

from __future__ import annotations

from aiohttp import web

from overlay.web.keys import BUS, ENGINE


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def state(request: web.Request) -> web.Response:
    """The same state the websocket sends."""
    snapshot = request.app[ENGINE].snapshot(request.app[BUS].clock())
    return web.json_response(snapshot, headers={"Cache-Control": "no-store"})
