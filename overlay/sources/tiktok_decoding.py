"""Source helper: TikTokLive decodes fewer messages, the hot ones in C, checked as before.

Four costs the TikTok source does not need to pay, on the PC that also runs OBS:

**Messages nobody reads.** TikTokLive decodes every message of a push frame (joins, rankings,
battles, banners: about 60 kinds) before it looks at who listens. `decode_only` lets the client
decode only the kinds behind the events the source listens to; the others are not decoded, and
each push frame still announces itself once (`WebsocketResponseEvent`, the silence watchdog's
sign of life; the library announces one per message).

**A whole profile read in Python for four fields.** Every like, comment and gift carries the viewer's
whole profile (three avatar sizes with signed links, follower counts, badges: 1-2 KB), which
betterproto2 reads byte by byte in Python and pydantic checks field by field: ~0.5 ms for a
like with a real-size profile. The source reads four fields of it. `SlimDecoder` reads just
those with protobuf's C decoder (upb), described at run time from the library's own classes,
and skips the rest in C: a few µs. What the handlers get is a `Slim` view that has only those
fields. A message the library would derive another event from, or whose bytes the C decoder
refuses, is left to the library. The other way round, a like whose profile holds bytes that are
not UTF-8 in a field nobody reads, which the library refuses whole (and the like is lost), is read.

**Envelopes read in Python.** Each push frame's list of messages (their kinds and bytes) was
read by betterproto2 too, ~45 µs a message before its kind is even looked at:
`read_envelopes_in_c` has TikTokLive read it with the C decoder (~0.2 µs a message).

**A validator built per message.** TikTokLive's messages are betterproto2 classes, most of them
also pydantic dataclasses. After decoding one, betterproto2 0.9.1 (the version TikTokLive 7.0.1
pins) checks it against its class's pydantic schema, and to do so builds a new pydantic-core
`SchemaValidator` from that schema: for every message, and every message inside it (a gift's
header, the viewer's avatar...). Building the validator costs far more than the check. The
schema of a class does not change, so neither does the validator built from it:
`reuse_validators` keeps one per class and runs the same check with it. Measured on a like
message with a small profile: 128 -> 76 µs to decode (bench/README.md).

**And a fix: validators that could not be built while decoding.** A TikTokLive message class
builds its pydantic validator when its first message is made, and pydantic looks the class's type
names up in the frame that made it before the class's own module. That frame is betterproto2's
`parse(cls, data)`, whose `data` (the bytes) hides the proto module `data` that a few classes
name (`data.UserFansClubFansClubDataUserFansClubStatus`): every message carrying a fan-club
member's profile failed to decode, and their follows, shares and viewer counts were lost.
`build_validators_parse_would_hide` builds those few classes first, outside any such frame.

All of them reach into the libraries: the client's `_parse_webcast_response_message` and
`ws_connect.extract_webcast_response_message` (TikTokLive 7.0.1, `KNOWN_TIKTOKLIVE` for the latter),
and the check, a method of betterproto2's base class, replaced there for the versions we have read
(`KNOWN_VERSIONS`). A version without them is left as it is and decodes at its own speed; the
tests drive a real client through both, so an upgrade that changes them fails there first.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import importlib.metadata
import inspect
import logging
import re
import sys
import types
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

import betterproto2
import pydantic.dataclasses
import pydantic_core
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor_pb2 import FieldDescriptorProto as FieldType
from google.protobuf.message import DecodeError
from google.protobuf.unknown_fields import UnknownFieldSet
from TikTokLive.client.ws import ws_connect
from TikTokLive.events.custom_events import WebsocketResponseEvent
from TikTokLive.events.proto_events import EVENT_MAPPINGS
from TikTokLive.proto import ProtoMessageFetchResult

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


MODULE_NAME = re.compile(r"(?<![\w.])(\w+)\.")  # `data` in an annotation "data.FansClubData | None"


def build_validators_parse_would_hide() -> list[str]:
    """Build the validators of the message classes whose type names betterproto2's `parse` hides.

    Those whose annotations name a module that `parse` has a local of the same name for (`data`;
    TikTokLive's own frames that make the top-level messages hide no other name, read for 7.0.1);
    built here, each looks its names up in its own module (see the module's docstring). Returns
    the classes built, by name; a class built already is left alone, and one that cannot be built
    is said in the log and left to fail on its own messages only, as before.
    """
    hidden = set(betterproto2.Message.parse.__code__.co_varnames)
    built: list[str] = []
    for cls in message_classes():
        if cls.__dict__.get("__pydantic_complete__", True) or not _names_a_module(cls, hidden):
            continue
        try:
            pydantic.dataclasses.rebuild_dataclass(cls, _types_namespace={})  # its module's names only
        except Exception:
            log.warning("TikTok messages of kind %s may not decode", cls.__qualname__, exc_info=True)
            continue
        built.append(cls.__qualname__)
    return built


def message_classes() -> list[type]:
    """Every message class defined in the TikTokLive and TikTokLiveProto modules imported so far."""
    found = []
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("TikTokLiveProto.", "TikTokLive.")):
            continue
        for value in list(vars(module).values()):
            # `Message in __mro__`, not `issubclass`: Message is an ABC, and asking it about each
            # enum of the module caches "no" in all its ~670 subclasses (+25 MB).
            if isinstance(value, type) and value.__module__ == name and betterproto2.Message in value.__mro__:
                found.append(value)
    return found


def _names_a_module(cls: type, names: set[str]) -> bool:
    """Whether an annotation of `cls` or of a base names a module of its own module as one of `names`."""
    for klass in cls.__mro__:
        namespace = vars(sys.modules[klass.__module__]) if klass.__module__ in sys.modules else {}
        for annotation in inspect.get_annotations(klass).values():
            if isinstance(annotation, str) and any(
                word in names and isinstance(namespace.get(word), types.ModuleType)
                for word in MODULE_NAME.findall(annotation)
            ):
                return True
    return False


def read_envelopes_in_c() -> bool:
    """Have TikTokLive read each push frame's envelope with protobuf's C decoder; True when in place.

    Each push frame holds a `ProtoMessageFetchResult`: a few fields for the connection (is it the
    first, does it need an ack...) and the list of messages, each a kind and its bytes. betterproto2
    builds a checked object for every message of that list (~45 µs each), before the kind is even
    looked at; protobuf's C decoder reads the same fields into an object with the same names. The
    list's messages are then decoded, or not, as before (`decode_only`). (A frame whose `route_params`,
    which nothing reads, held bytes that are not UTF-8 ended the library's connection; it is read.)
    """
    extract = getattr(ws_connect, "extract_webcast_response_message", None)
    if getattr(extract, "in_c", False):
        return True
    if extract is None or tiktoklive_version() not in KNOWN_TIKTOKLIVE:
        log.info("TikTokLive %s: its push frames are read at the library's own speed", tiktoklive_version())
        return False
    envelope = SlimDecoder(ProtoMessageFetchResult, ENVELOPE, checked=ENVELOPE_READ)

    @functools.wraps(extract)
    def extract_in_c(push_frame: Any, *args: Any, **kwargs: Any) -> Any:
        compression = next((h.value for h in push_frame.headers or [] if h.key == "compress_type"), None)
        try:
            payload = push_frame.payload
            if compression == "gzip":
                payload = gzip.decompress(payload)
            elif compression not in (None, "", "none"):
                raise DecodeError(f"compressed with {compression}")
            return envelope.read(payload)
        except (DecodeError, OSError, EOFError, zlib.error):
            return extract(push_frame, *args, **kwargs)  # the library makes of it what it does, and says so

    extract_in_c.in_c = True  # type: ignore[attr-defined]
    ws_connect.extract_webcast_response_message = extract_in_c
    return True


def tiktoklive_version() -> str:
    try:
        return importlib.metadata.version("TikTokLive")
    except importlib.metadata.PackageNotFoundError:
        return "?"


KNOWN_TIKTOKLIVE = frozenset({"7.0.1"})  # whose ws_connect reads a push frame with `extract_webcast_response_message`
# The envelope's fields: all but `route_params` (a map, which nothing reads from a push frame). TikTokLive 7.0.1
# reads `is_first`, `need_ack`, `internal_ext` (its ack) and each message's `method` and `payload`: a change of
# type is looked for in those (`ENVELOPE_READ`; the messages of the list are not looked at, see SlimDecoder).
ENVELOPE_READ = ("is_first", "need_ack", "internal_ext")
ENVELOPE = (
    "messages.method",
    "messages.payload",
    "messages.msg_id",
    "messages.msg_type",
    "messages.offset",
    "messages.is_history",
    "messages.sample_flag",
    "cursor",
    "fetch_interval",
    "now",
    "internal_ext",
    "fetch_type",
    "heartbeat_duration",
    "need_ack",
    "push_server",
    "is_first",
    "history_comment_cursor",
    "history_no_more",
)


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


def decode_only(client: Any, events: Iterable[type], reads: Mapping[type, Iterable[str]] = {}) -> frozenset[str]:
    """Have a `TikTokLiveClient` decode only the messages behind `events`; returns their kinds (none: all).

    `reads` names, for the hot events, the fields their handlers read: those messages are
    decoded by a `SlimDecoder` instead of the library (which it still does for bytes the slim
    decoder refuses, with its own error handling). Only an event the library builds straight
    from its message, with no event derived from it, can be read slim.
    """
    decode = getattr(client, "_parse_webcast_response_message", None)
    if decode is None:
        log.info("this TikTokLive decodes every message TikTok sends, read or not")
        return frozenset()
    methods = methods_behind(events)
    slim = {
        method: SlimDecoder(EVENT_MAPPINGS[method], (*fields, HEADER))
        for method, fields in _slim_methods(reads).items()
    }

    announced: list[Any] = [None]  # the envelope whose arrival was announced last

    def announce(webcast_response: Any) -> list[Any]:
        """What the library announces for every message, once per envelope: one sign of life is enough."""
        if webcast_response is announced[0]:
            return []
        announced[0] = webcast_response
        return [WebsocketResponseEvent(raw=webcast_response)]

    async def decode_if_read(webcast_response: Any, webcast_response_message: Any) -> list[Any]:
        if webcast_response_message is None:
            return list(await decode(webcast_response, webcast_response_message))
        method = webcast_response_message.method
        if method not in methods:
            return announce(webcast_response)
        decoder = slim.get(method)
        if decoder is not None:
            with contextlib.suppress(DecodeError):  # else the library tries, and logs what it cannot read
                event = decoder.decode(webcast_response_message.payload)
                if not _marks_a_custom_event(event):
                    return [*announce(webcast_response), event]
        return list(await decode(webcast_response, webcast_response_message))

    client._parse_webcast_response_message = decode_if_read
    return methods


def _slim_methods(reads: Mapping[type, Iterable[str]]) -> dict[str, Iterable[str]]:
    """The message kind of each event in `reads`, refusing an event the library derives from another."""
    by_event = {cls: method for method, cls in EVENT_MAPPINGS.items()}
    found: dict[str, Iterable[str]] = {}
    for event, fields in reads.items():
        method = by_event.get(event)
        if method is None or method in _DERIVED:
            raise ValueError(f"{event.__name__} is not decoded straight from one message; it cannot be read slim")
        found[method] = fields
    return found


HEADER = "common.display_text.key"  # read in every slim event, for `_marks_a_custom_event`
CHECK_EVERY = 64  # messages of a kind read between two looks for a field whose type TikTok changed (a warning)


def _marks_a_custom_event(event: Slim) -> bool:
    """True for a message whose header makes TikTokLive 7.0.1 derive a follow or a share from it.

    The library looks at the header of any message (`handle_custom_event`); such a message is left
    to it, so the source sees the same events either way.
    """
    key = event._message.common.display_text.key  # (straight from the protobuf object: on every message)
    return "follow" in key or "share" in key


# Messages from which the library derives more events (follows and shares from social messages,
# the live's end from control messages...): `handle_custom_event` needs the library's own objects.
_DERIVED = frozenset(
    {"WebcastSocialMessage", "WebcastControlMessage", "WebcastBarrageMessage", "WebcastEnvelopeMessage"}
)


# -- the hot messages, read in C --------------------------------------------------------

# betterproto2's names for protobuf's scalar types, in protobuf's own descriptor terms.
_SCALARS = {
    "double": FieldType.TYPE_DOUBLE,
    "float": FieldType.TYPE_FLOAT,
    "int64": FieldType.TYPE_INT64,
    "uint64": FieldType.TYPE_UINT64,
    "int32": FieldType.TYPE_INT32,
    "fixed64": FieldType.TYPE_FIXED64,
    "fixed32": FieldType.TYPE_FIXED32,
    "bool": FieldType.TYPE_BOOL,
    "string": FieldType.TYPE_STRING,
    "bytes": FieldType.TYPE_BYTES,
    "uint32": FieldType.TYPE_UINT32,
    "enum": FieldType.TYPE_INT32,  # read as its number
    "sfixed32": FieldType.TYPE_SFIXED32,
    "sfixed64": FieldType.TYPE_SFIXED64,
    "sint32": FieldType.TYPE_SINT32,
    "sint64": FieldType.TYPE_SINT64,
}


class Slim:
    """What TikTokLive would have built for one message, holding only the fields the source reads.

    Reading any other field raises AttributeError (a handler that starts reading a new field must
    add it to the list, or it would fail loudly in the tests rather than read a silent default).
    An absent sub-message reads as an empty one, whose fields read as their defaults.
    """

    __slots__ = ("_event", "_message")

    def __init__(self, event: str, message: Any) -> None:
        self._event = event
        self._message = message

    def get_type(self) -> str:
        """The event's name, as TikTokLive's `get_type()`: the client emits it under that name."""
        return self._event

    @property
    def size(self) -> int:
        return -1  # what TikTokLive's events report (the client's debug line reads it)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._message, name)

    def __repr__(self) -> str:
        return f"Slim({self._event}: {self._message})".replace("\n", " ")


class SlimDecoder:
    """Decodes one kind of message into a `Slim` with protobuf's C decoder (upb).

    The decoder is described at run time from the library's own class: the same field
    numbers and types, for the listed fields only (`"user.avatar_thumb.url_list"`), so it
    follows the library when it updates its schema, and skips everything else in C.

    A listed field that arrives with another wire type than the class says (TikTok changed it)
    reads as its default: upb keeps it aside as an unknown field (a like's total reads 0, so the
    source counts the like without the room total). That is said once, as a warning naming the
    field, so that it is not silent. It is not handed to the library instead: betterproto2 0.9.1
    cannot read such a field either (it raises, or reads a list where a number was), and every
    message would then be lost. Looking for it costs more than the decoding (~10 µs), and a change
    of type is TikTok's for every message of the kind, so one message in `CHECK_EVERY` is looked at.
    `checked` limits the look to the fields that matter (default: all of `fields`).
    """

    def __init__(self, event: type, fields: Iterable[str], checked: Iterable[str] | None = None) -> None:
        fields = tuple(fields)
        self._watched = frozenset(fields if checked is None else checked)
        tree: dict[str, Any] = {}
        for path in fields:
            node = tree
            for part in path.split("."):
                node = node.setdefault(part, {})
        self.event = event.get_type() if hasattr(event, "get_type") else event.__name__
        self._checked: list[tuple[tuple[str, ...], frozenset[int]]] = []  # (path to a message, its listed numbers)
        self._until_check = 1  # the first message is checked, then one in CHECK_EVERY
        self.changed: str | None = None  # what TikTok changed, once seen (said once)
        file = descriptor_pb2.FileDescriptorProto(name=f"slim_{self.event}.proto", package="slim", syntax="proto3")
        self._describe(file, event, tree, self.event, path=())
        pool = descriptor_pool.DescriptorPool()
        pool.Add(file)
        self.message = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"slim.{self.event}"))
        """The protobuf class of these fields (it encodes too: the benchmark's stand-in TikTok uses it)."""

    def _describe(self, file: Any, cls: type, tree: dict[str, Any], name: str, path: tuple[str, ...] | None) -> None:
        """Describe `cls`'s fields in `tree` as message `name`; `path` leads to it (None: it sits in a list)."""
        meta = cls._betterproto  # type: ignore[attr-defined]
        message = file.message_type.add(name=name)
        numbers = set()
        for field_name, below in tree.items():
            if field_name not in meta.meta_by_field_name:
                raise ValueError(f"{cls.__name__} has no field {field_name!r}")
            info = meta.meta_by_field_name[field_name]
            where = f"{cls.__name__}.{field_name}"
            if info.map_meta is not None:
                raise ValueError(f"{where} is a map, which the slim decoder does not read")
            if info.group is not None or info.unwrap is not None:
                raise ValueError(f"{where} is part of a oneof or a wrapper type, which the slim decoder does not read")
            if info.optional and info.proto_type != "message":
                raise ValueError(f"{where} is optional (None when absent), which the slim decoder would read as 0")
            field = message.field.add(
                name=field_name,
                number=info.number,
                label=FieldType.LABEL_REPEATED if info.repeated else FieldType.LABEL_OPTIONAL,
            )
            dotted = ".".join((*(path or ()), field_name))
            if any(watched == dotted or watched.startswith(dotted + ".") for watched in self._watched):
                numbers.add(info.number)
            if info.proto_type == "message":
                inner = f"{name}_{field_name}"
                field.type, field.type_name = FieldType.TYPE_MESSAGE, f".slim.{inner}"
                below_path = None if info.repeated or path is None else (*path, field_name)
                self._describe(file, meta.cls_by_field[field_name], below, inner, below_path)
            elif below:
                raise ValueError(f"{where} is a {info.proto_type}, it has no fields")
            else:
                field.type = _SCALARS[info.proto_type]
        if path is not None and numbers:  # (the messages of a list are not looked at: one by one, it would cost)
            self._checked.append((path, frozenset(numbers)))

    def read(self, payload: bytes) -> Any:
        """The decoded protobuf message; DecodeError for bytes that are not this message (or not UTF-8
        where text is)."""
        message = self.message.FromString(payload)
        self._until_check -= 1
        if self._until_check <= 0:
            self._until_check = CHECK_EVERY
            self._check(message)
        return message

    def _check(self, message: Any) -> None:
        """Say (once) that a listed field came set aside as unknown: TikTok changed its type."""
        if self.changed is not None:
            return
        for path, numbers in self._checked:
            node = message
            for part in path:
                if not node.HasField(part):
                    break  # absent: nothing of it was set aside
                node = getattr(node, part)
            else:
                unknown = UnknownFieldSet(node)
                for i in range(len(unknown)):
                    if unknown[i].field_number in numbers:
                        where = ".".join((self.event, *path))
                        self.changed = (
                            f"{where}: field {unknown[i].field_number} came with another type than TikTokLive's"
                        )
                        log.warning("%s; it reads as empty (0) until the overlay and TikTokLive follow", self.changed)
                        return

    def decode(self, payload: bytes) -> Slim:
        """`read`, as the event TikTokLive would have emitted."""
        return Slim(self.event, self.read(payload))
