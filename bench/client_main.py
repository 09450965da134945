"""Benchmark: M independent websocket clients (the `websockets` library) in their own process.

Started by `bench/run.py`; connects, prints `READY`, reads `<t0> <seconds> <expected>` on stdin,
then records what each client receives until every client has the expected total (or a
deadline), and prints one JSON object with the raw records; `run.py` computes the figures.

- hub mode: for each state frame, (room total, receive time). The like with index k was due
  at t0 + k / rate, so every like's latency follows from the first frame showing it.
- naive mode: one message per like; every `stride`-th one's (sent_at, receive time).
- stalled clients open a websocket, set a tiny receive buffer, and never read a byte.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import time
from typing import Any

import orjson
import websockets
from websockets.asyncio.client import ClientConnection

STATE_PREFIX = b'{"type":"state"'


class Record:
    """What one client saw."""

    __slots__ = ("frames", "messages", "samples", "seen")

    def __init__(self) -> None:
        self.messages = 0  # inside the offered window
        self.frames: list[tuple[int, float]] = []  # hub: (total, received)
        self.samples: list[tuple[float, float]] = []  # naive: (sent_at, received)
        self.seen = 0  # hub: last total; naive: likes received


class Window:
    """The measurement window, known once the driver says go."""

    def __init__(self) -> None:
        self.start = float("inf")
        self.end = float("inf")
        self.expected = -1
        self.go = asyncio.Event()


async def listen(ws: ClientConnection, record: Record, window: Window, mode: str, stride: int) -> None:
    while True:
        data = await ws.recv(decode=False)
        received = time.monotonic()
        if window.start <= received < window.end:
            record.messages += 1
        if mode == "hub":
            if data.startswith(STATE_PREFIX):
                total = orjson.loads(data)["state"]["likes"]["total"]
                record.frames.append((total, received))
                record.seen = total
        else:
            record.seen += 1
            if record.seen % stride == 0:
                record.samples.append((orjson.loads(data)["sent_at"], received))
        if 0 <= window.expected <= record.seen:
            return


async def stall(host: str, port: int) -> socket.socket:
    """A websocket client that never reads: handshake sent, then silence."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    request = (
        f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await asyncio.get_running_loop().sock_sendall(sock, request.encode())
    return sock


async def main(args: argparse.Namespace) -> None:
    url = f"ws://127.0.0.1:{args.port}/ws" + (f"?{args.query}" if args.query else "")
    sockets = [await stall("127.0.0.1", args.port) for _ in range(args.stalled)]
    connections: list[ClientConnection] = []
    for _ in range(args.clients):
        # Browsers offer per-message deflate too; the server decides whether to use it.
        connections.append(
            await websockets.connect(url, proxy=None, max_queue=None, ping_interval=None, close_timeout=1)
        )
    records = [Record() for _ in connections]
    window = Window()
    print("READY", flush=True)
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    t0, seconds, expected, drain = (float(x) for x in (await reader.readline()).split())
    window.start, window.end, window.expected = t0, t0 + seconds, int(expected)
    tasks = [
        asyncio.create_task(listen(ws, record, window, args.mode, args.stride))
        for ws, record in zip(connections, records, strict=True)
    ]
    started = time.process_time()
    await asyncio.wait(tasks, timeout=max(0.0, t0 + seconds + drain - time.monotonic()))
    cpu = time.process_time() - started
    for task in tasks:
        task.cancel()
    for ws in connections:
        ws.transport.abort()
    for sock in sockets:
        sock.close()
    result: dict[str, Any] = {
        "cpu_seconds": cpu,
        "clients": [
            {"messages": r.messages, "frames": r.frames, "samples": r.samples, "seen": r.seen} for r in records
        ],
    }
    sys.stdout.buffer.write(orjson.dumps(result) + b"\n")
    sys.stdout.flush()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["hub", "naive"], default="hub")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--stalled", type=int, default=0)
    parser.add_argument("--query", default="", help="hub mode: the /ws query, e.g. fps=60&events=0")
    parser.add_argument("--stride", type=int, default=1, help="naive mode: keep every n-th latency sample")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
