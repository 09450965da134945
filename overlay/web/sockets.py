"""Web: the `/ws` endpoint, adapting aiohttp websockets to the hub's peers."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import WSCloseCode, WSMsgType, web

from overlay.web.keys import HUB, SOCKETS
from overlay.web.security import same_origin

WRITE_BUFFER = 64 * 1024  # bytes a client may have unread before its writer waits (bounds memory per client)


class AiohttpPeer:
    """A websocket as the hub sees it."""

    __slots__ = ("ws",)

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, frame: bytes) -> None:
        if self.ws.closed:
            raise ConnectionResetError("websocket closed")
        await self.ws.send_frame(frame, WSMsgType.TEXT)

    async def close(self) -> None:
        await self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")


async def websocket(request: web.Request) -> web.StreamResponse:
    """State first, then coalesced state and animation batches until the client leaves."""
    if not same_origin(request):
        return web.json_response({"error": "websocket from another origin refused"}, status=403)
    # Per-message deflate off: frames are small, and compression halves throughput for nothing.
    ws = web.WebSocketResponse(heartbeat=20, compress=False, max_msg_size=4096, writer_limit=WRITE_BUFFER)
    await ws.prepare(request)
    hub = request.app[HUB]
    sockets = request.app[SOCKETS]
    slot = hub.connect(AiohttpPeer(ws))
    sockets.add(ws)
    pump = asyncio.create_task(hub.pump(slot), name="ws-pump")
    try:
        async for message in ws:  # widgets send nothing we need; reading handles pings and close
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.disconnect(slot)
        sockets.discard(ws)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
    return ws
