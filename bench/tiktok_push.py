"""Benchmark: TikTok's side of a live, on loopback, for the server's real TikTok source to connect to.

The driver (`bench/run.py`) runs it in its own process, not the server's, so its work is not
counted as the server's. It sends what TikTok sends during a live: gzip'd `WebcastPushFrame`s, each carrying
a batch of `WebcastLikeMessage`s (one like from one of `VIEWERS` viewers, with the room total
after it), `frames_per_second` frames a second; with `joins_per_second`, the frames also carry
that many `WebcastMemberMessage`s (a viewer entering the live), which the overlay does not read.
How often TikTok itself sends a frame is not documented, so the scenarios name the rate they
assume. The server side is `bench/server_main.py --mode tiktok`: the real source's own client
(`default_client`), over TLS as with TikTok, whose websocket URL is this one and whose TLS context
trusts this stand-in's test authority (`authority`, a PEM file) as it would a system's.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import ssl
import tempfile
import time
from collections.abc import AsyncIterator

import trustme
import websockets
from TikTokLive.events import JoinEvent, LikeEvent
from TikTokLive.proto import (
    FollowInfo,
    ImageModel,
    ProtoMessageFetchResult,
    PushHeader,
    WebcastPushFrame,
)
from TikTokLive.proto import User as ProtoUser
from websockets.asyncio.server import ServerConnection

from overlay.sources.tiktok_decoding import SlimDecoder

VIEWERS = 2000  # distinct likers, as the bench source has
FETCH_RESULT = SlimDecoder(ProtoMessageFetchResult, ["messages.method", "messages.payload"]).message
LIKE = SlimDecoder(LikeEvent, ["common.msg_id", "count", "total"]).message
JOIN = SlimDecoder(JoinEvent, ["common.msg_id"]).message
CDN = "https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068"


def viewer(i: int) -> ProtoUser:
    """A viewer's profile as big as TikTok sends with each like (a 1.9 KB like message): what every profile has.

    TikTok sends the whole profile with every like: three avatar sizes, each as two signed CDN links,
    the account's sec_uid, follower counts. (Badges, fan club and gift levels, which many viewers
    also carry, are left out, so a real like is this size or bigger.) Until 2026-12-06 the stand-in
    sent a profile of three short fields (~40 bytes), which made TikTokLive's decoding look cheap.
    """
    key = f"{i:032x}"
    images = [
        ImageModel(
            uri=f"{size}/tos-maliva-avt-0068/{key}",
            url_list=[
                f"{CDN}/{key}~tplv-tiktokx-cropcenter:{size}.{ext}?dr=14579&refresh_token={key}"
                f"&x-expires=1765123200&x-signature=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA%3D%3D&ps=13740610"
                for ext in ("webp", "jpeg")
            ],
        )
        for size in ("100x100", "720x720", "1080x1080")
    ]
    return ProtoUser(
        id=7_000_000_000_000_000_000 + i,
        nickname=f"viewer_{i} ✨",
        display_id=f"v{i}",
        sec_uid="MS4wLjABAAAA" + key * 2,
        avatar_thumb=images[0],
        avatar_medium=images[1],
        avatar_large=images[2],
        follow_info=FollowInfo(following_count=180 + i % 97, follower_count=40 + i % 1013, follow_status=i % 2),
        create_time=1_600_000_000 + i,
    )


@functools.cache
def profile(kind: type, i: int) -> bytes:
    """The `user` field of a `kind` message from viewer `i`, encoded by TikTokLive (once: ~1 ms each)."""
    return bytes(kind(user=viewer(i)))


class StandInTikTok:
    """One live: waits for the server's client to connect, then pushes likes on a schedule."""

    def __init__(self) -> None:
        self.uri = ""
        self.authority = ""  # the PEM file of the authority its certificate comes from
        self.connected = asyncio.Event()
        self._ws: ServerConnection | None = None

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[StandInTikTok]:
        for i in range(VIEWERS):  # before the clock starts
            profile(LikeEvent, i)
            profile(JoinEvent, i)
        authority = trustme.CA()
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(tls)
        with tempfile.NamedTemporaryFile(prefix="overlay-bench-ca-", suffix=".pem") as pem:
            authority.cert_pem.write_to_path(pem.name)
            self.authority = pem.name
            async with websockets.serve(self._handler, "127.0.0.1", 0, compression=None, ssl=tls) as server:
                port = server.sockets[0].getsockname()[1]
                self.uri = f"wss://127.0.0.1:{port}"
                yield self

    async def _handler(self, ws: ServerConnection) -> None:
        self._ws = ws
        self.connected.set()
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in ws:  # the client's enter-room frame, heartbeats and acks: read, not answered
                pass

    def frame(self, first: int, last: int, joins: range = range(0)) -> bytes:
        """Likes `first`..`last` (room totals), one message each, in one push frame, after the `joins`-th joins.

        Built in protobuf's C encoder (the classes `SlimDecoder` describes from TikTokLive's own, the
        same bytes as TikTokLive would write) so that 2,000 likes a second do not take the driver's
        whole core; each viewer's profile is encoded once, by TikTokLive (`profile`), and appended to
        the message's other fields: in protobuf, two encoded parts of a message, one after the other,
        are that message whole.
        """
        result = FETCH_RESULT()
        for k in joins:
            header = JOIN(common={"msg_id": -1 - k}).SerializeToString()
            result.messages.add(method="WebcastMemberMessage", payload=header + profile(JoinEvent, k % VIEWERS))
        for k in range(first, last + 1):
            header = LIKE(common={"msg_id": k}, count=1, total=k).SerializeToString()
            result.messages.add(method="WebcastLikeMessage", payload=header + profile(LikeEvent, k % VIEWERS))
        push = WebcastPushFrame(
            payload_type="msg",
            headers=[PushHeader(key="compress_type", value="gzip")],
            payload=gzip.compress(result.SerializeToString()),
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
