"""Web: the `/ws` endpoint, adapting aiohttp websockets to the hub's peers."""

from __future__ import annotations

import asyncio
import contextlib
import struct

from aiohttp import WSCloseCode, WSMsgType, web

from overlay.web.errors import json_error, json_error_response
from overlay.web.keys import HUB, SOCKETS
from overlay.web.security import same_origin

CLOSE_SECONDS = 1.0  # for a client to take its close frame before the connection is cut
WRITE_BUFFER = 64 * 1024  # bytes a client may have unread before its writer waits (bounds memory per client)
MAX_FPS = 60  # a display shows no more; a client asking for more gets a clear 400


def subscription(request: web.Request) -> tuple[int | None, bool]:
    """What `/ws?fps=N&events=0` asks for: state frames per second (None: the server's) and animations; anything
    else is refused with what is valid (`?locale=` only chooses the language of that refusal, as everywhere)."""
    query = request.query
    unknown = sorted(set(query) - {"fps", "events", "locale"})
    if unknown:
        json_error(request, web.HTTPBadRequest, "ws_option", option=unknown[0], max=MAX_FPS)
    fps: int | None = None
    if "fps" in query:
        raw = query["fps"]
        # (ASCII: `²` is a digit to isdigit() but not to int())
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_FPS:
            json_error(request, web.HTTPBadRequest, "ws_fps", value=raw, max=MAX_FPS)
        fps = int(raw)
    events = query.get("events", "1")
    if events not in ("0", "1"):
        json_error(request, web.HTTPBadRequest, "ws_events", value=events)
    return fps, events == "1"


def text_frame(payload: bytes) -> bytes:
    """`payload` as one unmasked, uncompressed websocket text frame (RFC 6455, section 5.2)."""
    size = len(payload)
    if size < 126:
        return struct.pack("!BB", 0x81, size) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


class AiohttpPeer:
    """A websocket as the hub sees it."""

    __slots__ = ("transport", "ws")

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport) -> None:
        self.ws = ws
        self.transport = transport

    async def send(self, frame: bytes) -> None:
        if self.ws.closed:
            raise ConnectionResetError("websocket closed")
        await self.ws.send_frame(frame, WSMsgType.TEXT)

    @staticmethod
    def encode(frames: tuple[bytes, ...]) -> bytes:
        """Frames as unmasked websocket text frames, back to back: what `send_now` writes."""
        return b"".join(map(text_frame, frames))

    def send_now(self, wire: bytes) -> bool:
        """Ready-made frames (`encode`) in one write, hence one system call, when the client keeps up.

        aiohttp's `send_frame` is a coroutine per message; at 30 frames a second for every
        client, the ticker writing ready-made frames straight to the socket halves the
        server's CPU. Safe because compression is off (no per-connection compressor state)
        and every aiohttp write is a whole frame, so frames never interleave.
        """
        transport = self.transport
        if self.ws.closed or transport.is_closing() or transport.get_write_buffer_size() > WRITE_BUFFER:
            return False
        transport.write(wire)
        return True

    async def close(self, code: int = WSCloseCode.TRY_AGAIN_LATER, message: bytes = b"too slow") -> None:
        """Say why, then hang up: a client that does not read would hold a polite close (and Ctrl+C) forever."""
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                await self.ws.close(code=code, message=message)
        except (TimeoutError, OSError, RuntimeError):
            pass
        finally:
            self.transport.abort()  # (nothing left to do for a socket already closed)


async def websocket(request: web.Request) -> web.StreamResponse:
    """State first, then coalesced state and animation batches until the client leaves."""
    if not same_origin(request):
        return json_error_response(request, 403, "foreign_page")
    fps, events = subscription(request)
    # aiohttp's handshake decodes the key with base64, which raises on a non-ASCII one: a 500, and an ERROR with a
    # traceback in the log for each such request any local program sends. (Browsers send 24 base64 characters.)
    if not request.headers.get("Sec-WebSocket-Key", "").isascii():
        return json_error_response(request, 400, "ws_handshake")
    # Per-message deflate off: frames are small, and compression halves throughput for nothing.
    ws = web.WebSocketResponse(heartbeat=20, compress=False, max_msg_size=4096, writer_limit=WRITE_BUFFER)
    try:
        await ws.prepare(request)
    except web.HTTPBadRequest:  # (no Upgrade, another version, a key that is not one): aiohttp's refusal was text
        return json_error_response(request, 400, "ws_handshake")
    hub = request.app[HUB]
    sockets = request.app[SOCKETS]
    transport = request.transport
    assert isinstance(transport, asyncio.Transport)  # set while the request is being handled
    peer = AiohttpPeer(ws, transport)
    slot = hub.connect(peer, fps=fps, events=events)
    sockets.add(peer)
    pump = asyncio.create_task(hub.pump(slot), name="ws-pump")
    try:
        async for message in ws:  # widgets send nothing we need; reading handles pings and close
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.disconnect(slot)
        sockets.discard(peer)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
    return ws
