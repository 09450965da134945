"""Web: who may talk to the server. Loopback names only (against DNS rebinding) and same-origin websockets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from overlay.web.keys import CONFIG

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def host_name(host: str) -> str:
    """`127.0.0.1:8080` -> `127.0.0.1`; `[::1]:8080` -> `[::1]`."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_host(request: web.Request) -> bool:
    name = host_name(request.host or "").lower()
    extra = {h.lower() for h in request.app[CONFIG].server.allowed_hosts}
    return name in LOOPBACK_NAMES or name in extra or name.startswith("127.")


def same_origin(request: web.Request) -> bool:
    """A missing Origin is a non-browser client; a browser's must match this server exactly."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin in (f"http://{request.host}", f"https://{request.host}")


@web.middleware
async def host_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse requests whose Host is not this machine (a rebound DNS name from a web page)."""
    if not allowed_host(request):
        return web.json_response(
            {"error": f"host {request.host!r} is not allowed; add it to server.allowed_hosts in config.yaml"},
            status=403,
        )
    return await handler(request)
