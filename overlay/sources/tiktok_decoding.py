"""Source helper: TikTokLive decodes fewer messages, each for about half the CPU, checked as before.

Two costs the TikTok source does not need to pay, on the PC that also runs OBS:

**Messages nobody reads.** TikTokLive decodes every message of a push frame (joins, rankings,
battles, banners: about 60 kinds) before it looks at who listens. `decode_only` lets the client
decode only the kinds behind the events the source listens to; every other message still
announces itself (`WebsocketResponseEvent`, the silence watchdog's sign of life), undecoded.

**A validator built per message.** TikTokLive's messages are betterproto2 classes, most of them
also pydantic dataclasses. After decoding one, betterproto2 0.9.1 (the version TikTokLive 7.0.1
pins) checks it against its class's pydantic schema, and to do so builds a new pydantic-core
`SchemaValidator` from that schema: for every message, and every message inside it (a like's
header, the viewer's avatar...). Building the validator costs far more than the check. The
schema of a class does not change, so neither does the validator built from it:
`reuse_validators` keeps one per class and runs the same check with it. Measured on a like
message: 128 -> 76 µs to decode (bench/README.md).

Both reach into the libraries: the client's `_parse_webcast_response_message` (TikTokLive 7.0.1),
and the check, a method of betterproto2's base class, replaced there for the versions we have read
(`KNOWN_VERSIONS`). A version without them is left as it is and decodes at its own speed; the
tests drive a real client through both, so an upgrade that changes them fails there first.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any

import betterproto2
import pydantic_core
from TikTokLive.events.custom_events import WebsocketResponseEvent
from TikTokLive.events.proto_events import EVENT_MAPPINGS

log = logging.getLogger(__name__)

KNOWN_VERSIONS = frozenset({"0.9.1"})  # whose `Message._validate` builds a SchemaValidator on every call


def reuse_validators() -> bool:
    """Make betterproto2 check decoded messages with one validator per class; True when in place."""
    message: Any = betterproto2.Message
    if getattr(message._validate, "reuses_validators", False):
        return True
    if betterproto2.__version__ not in KNOWN_VERSIONS:
        log.info("betterproto2 %s: TikTok messages are decoded at the library's own speed", betterproto2.__version__)
        return False
    original = message._validate
    validators: dict[type, tuple[object, pydantic_core.SchemaValidator]] = {}

    @functools.wraps(original)
    def _validate(self: Any) -> None:
        if not self._is_pydantic():
            original(self)  # raises the library's own TypeError
            return
        cls = type(self)
        schema = cls.__pydantic_core_schema__
        known = validators.get(cls)
        if known is None or known[0] is not schema:  # first use, or pydantic rebuilt the class
            known = validators[cls] = (schema, pydantic_core.SchemaValidator(schema))
        values = self.__dict__.copy()
        del values["_unknown_fields"]
        known[1].validate_python(values)

    _validate.reuses_validators = True  # type: ignore[attr-defined]
    message._validate = _validate
    return True


def methods_behind(events: Iterable[type]) -> frozenset[str]:
    """The TikTok message kinds (`WebcastLikeMessage`...) that TikTokLive builds these events from.

    An event it derives from another message (a follow or a share from a social message, the
    live's end from a control message) is a subclass of that message's event.
    """
    method_of = {cls: method for method, cls in EVENT_MAPPINGS.items()}
    methods: set[str] = set()
    for event in events:
        method = next((method_of[kind] for kind in event.__mro__ if kind in method_of), None)
        if method is not None:  # None: an event of the connection itself (connect, disconnect)
            methods.add(method)
    return frozenset(methods)


def decode_only(client: Any, events: Iterable[type]) -> frozenset[str]:
    """Have a `TikTokLiveClient` decode only the messages behind `events`; returns their kinds (none: all)."""
    decode = getattr(client, "_parse_webcast_response_message", None)
    if decode is None:
        log.info("this TikTokLive decodes every message TikTok sends, read or not")
        return frozenset()
    methods = methods_behind(events)

    async def decode_if_read(webcast_response: Any, webcast_response_message: Any) -> list[Any]:
        if webcast_response_message is not None and webcast_response_message.method not in methods:
            return [WebsocketResponseEvent(raw=webcast_response)]  # what the library announces for any message
        return list(await decode(webcast_response, webcast_response_message))

    client._parse_webcast_response_message = decode_if_read
    return methods
