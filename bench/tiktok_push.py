"""Benchmark: TikTok's side of a live, on loopback, for the server's real TikTok source to connect to.

The driver (`bench/run.py`) runs it in its own process, not the server's, so its work is not
counted as the server's. It sends what TikTok sends during a live: gzip'd `WebcastPushFrame`s, each carrying
a batch of `WebcastLikeMessage`s (one like from one of `VIEWERS` viewers, with the room total
after it), `frames_per_second` frames a second; with `joins_per_second`, the frames also carry
that many `WebcastMemberMessage`s (a viewer entering the live), which the overlay does not read.
How often TikTok itself sends a frame is not documented, so the scenarios name the rate they
assume. The server side is `bench/server_main.py --mode tiktok`: a real `TikTokLiveClient` whose
websocket URL is this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import time
from collections.abc import AsyncIterator

import websockets
from TikTokLive.events import JoinEvent, LikeEvent
from TikTokLive.proto import (
    CommonMessageData,
    ProtoMessageFetchResult,
    ProtoMessageFetchResultBaseProtoMessage,
    PushHeader,
    WebcastPushFrame,
)
from TikTokLive.proto import User as ProtoUser
from websockets.asyncio.server import ServerConnection

VIEWERS = 2000  # distinct likers, as the bench source has


class StandInTikTok:
    """One live: waits for the server's client to connect, then pushes likes on a schedule."""

    def __init__(self) -> None:
        self.uri = ""
        self.connected = asyncio.Event()
        self._ws: ServerConnection | None = None
        self._users = [ProtoUser(id=10_000 + i, nickname=f"viewer_{i}", display_id=f"v{i}") for i in range(VIEWERS)]

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[StandInTikTok]:
        async with websockets.serve(self._handler, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            self.uri = f"ws://127.0.0.1:{port}"
            yield self

    async def _handler(self, ws: ServerConnection) -> None:
        self._ws = ws
        self.connected.set()
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in ws:  # the client's enter-room frame, heartbeats and acks: read, not answered
                pass

    def frame(self, first: int, last: int, joins: range = range(0)) -> bytes:
        """Likes `first`..`last` (room totals), one message each, in one push frame, after the `joins`-th joins."""
        messages = [
            ProtoMessageFetchResultBaseProtoMessage(
                method="WebcastMemberMessage",
                payload=bytes(
                    JoinEvent(common=CommonMessageData(msg_id=-1 - k), user=self._users[k % len(self._users)])
                ),
            )
            for k in joins
        ]
        messages += [
            ProtoMessageFetchResultBaseProtoMessage(
                method="WebcastLikeMessage",
                payload=bytes(
                    LikeEvent(
                        common=CommonMessageData(msg_id=k), count=1, total=k, user=self._users[k % len(self._users)]
                    )
                ),
            )
            for k in range(first, last + 1)
        ]
        result = ProtoMessageFetchResult(messages=messages)
        push = WebcastPushFrame(
            payload_type="msg",
            headers=[PushHeader(key="compress_type", value="gzip")],
            payload=gzip.compress(bytes(result)),
        )
        return bytes(push)

    async def offer(
        self, rate: float, seconds: float, t0: float, frames_per_second: float, joins_per_second: float = 0
    ) -> tuple[int, list[tuple[int, float]]]:
        """Push `rate` likes (and `joins_per_second` joins) a second for `seconds` from `t0`: (how many likes,
        and per frame the total and when it left)."""
        await self.connected.wait()
        assert self._ws is not None
        planned = int(rate * seconds)
        interval = 1 / frames_per_second
        marks: list[tuple[int, float]] = []
        sent = joined = 0
        tick = 0
        while sent < planned:
            tick += 1
            await asyncio.sleep(max(0.0, t0 + tick * interval - time.monotonic()))
            due = min(planned, int(tick * interval * rate))
            if due > sent:
                joins = int(tick * interval * joins_per_second)
                payload = self.frame(sent + 1, due, range(joined, joins))
                joined = joins
                await self._ws.send(payload)
                sent = due
                marks.append((sent, time.monotonic()))
        return sent, marks
