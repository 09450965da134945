"""TikTok messages decoded for less (one validator per class; likes, comments, envelopes read in C): same events."""

from __future__ import annotations

import dataclasses
import gzip
from typing import Any

import betterproto2
import pydantic_core
import pytest
from google.protobuf.message import DecodeError
from TikTokLive import TikTokLiveClient
from TikTokLive.client.ws import ws_connect
from TikTokLive.events import (
    CommentEvent,
    ConnectEvent,
    FollowEvent,
    GiftEvent,
    LikeEvent,
    LiveEndEvent,
    ShareEvent,
    SocialEvent,
)
from TikTokLive.events.custom_events import WebsocketResponseEvent
from TikTokLive.proto import (
    CommonMessageData,
    FansClubData,
    FansClubMember,
    ImageModel,
    ProtoMessageFetchResult,
    ProtoMessageFetchResultBaseProtoMessage,
    PushHeader,
    WebcastPushFrame,
)
from TikTokLive.proto import Gift as ProtoGift
from TikTokLive.proto import User as ProtoUser
from TikTokLiveProto.v3.webcast.model.message.common import Text

from overlay.events import User
from overlay.sources import tiktok_decoding
from overlay.sources.tiktok import SLIM_READS, _streaking, _user
from overlay.sources.tiktok_decoding import (
    CHECK_EVERY,
    Slim,
    SlimDecoder,
    decode_only,
    methods_behind,
    read_envelopes_in_c,
    reuse_validators,
)
from tests.test_source_tiktok import comment, gift, like, social, viewer
from tests.test_tiktok_import import ROOT, python

LIBRARY_VALIDATE = getattr(betterproto2.Message._validate, "__wrapped__", betterproto2.Message._validate)


@pytest.fixture
def library_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """betterproto2's own check for the test; whatever was in place before comes back after it."""
    monkeypatch.setattr(betterproto2.Message, "_validate", LIBRARY_VALIDATE)


def messages() -> list[tuple[type[Any], bytes]]:
    """A like, a follow, a gift and a comment as TikTok sends them, each with a viewer's profile."""
    wire = [
        (LikeEvent, like(3, 1234, msg_id=1)),
        (SocialEvent, social("follow", 2)),
        (GiftEvent, gift("Rose", 1, 5, streaking=False, msg_id=3)),
        (CommentEvent, comment("Trop bien <b>ce live</b> 💖", 4)),
    ]
    return [(cls, bytes(proto.payload)) for cls, proto in wire]


def test_messages_decode_to_the_same_events(library_check: None) -> None:
    before = [cls().parse(payload) for cls, payload in messages()]
    assert reuse_validators()
    after = [cls().parse(payload) for cls, payload in messages()]
    assert after == before
    assert [bytes(event) for event in after] == [bytes(event) for event in before]
    assert after[0].user.display_id == "lea_77"
    assert after[0].total == 1234


def test_a_wrong_value_is_still_refused(library_check: None) -> None:
    def wrong(value: object) -> Any:
        """The header of a decoded like (a pydantic-checked message) with a wrong message id."""
        header = LikeEvent().parse(bytes(like(3, 1234, msg_id=7).payload)).common
        object.__setattr__(header, "msg_id", value)  # an int64 field
        return header

    with pytest.raises(pydantic_core.ValidationError, match="msg_id"):
        wrong("beaucoup")._validate()
    assert reuse_validators()
    with pytest.raises(pydantic_core.ValidationError, match="msg_id"):
        wrong("beaucoup")._validate()
    with pytest.raises(pydantic_core.ValidationError, match="msg_id"):
        wrong(2**70)._validate()
    wrong(8)._validate()
    with pytest.raises(TypeError, match="only available for pydantic"):  # the library's own answer, kept
        LikeEvent()._validate()


def test_each_class_builds_its_validator_once(library_check: None, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pydantic_core.SchemaValidator
    built: list[object] = []

    def counting(schema: Any) -> pydantic_core.SchemaValidator:
        built.append(schema)
        return real(schema)

    monkeypatch.setattr(pydantic_core, "SchemaValidator", counting)  # what betterproto2 and we both call
    payload = bytes(like(3, 1234, user=viewer()).payload)
    for _ in range(10):
        LikeEvent().parse(payload)
    assert len(built) >= 10 * 2  # the library: the like's header, the avatar... again for every message

    built.clear()
    assert reuse_validators()
    for _ in range(10):
        LikeEvent().parse(payload)
    per_message = len(built)
    assert 2 <= per_message < 10  # once per kind of message inside a like
    for _ in range(10):
        LikeEvent().parse(payload)
    assert len(built) == per_message


def test_applying_it_twice_changes_nothing(library_check: None) -> None:
    assert reuse_validators()
    in_place = betterproto2.Message._validate
    assert reuse_validators()
    assert betterproto2.Message._validate is in_place


def test_a_version_we_have_not_read_is_left_as_it_is(library_check: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(betterproto2, "__version__", "0.10.0")
    assert not reuse_validators()
    assert betterproto2.Message._validate is LIBRARY_VALIDATE


def test_the_messages_behind_the_events_the_source_listens_to() -> None:
    # Follows and shares come from social messages, the live's end from a control message;
    # the connection's own events come from no message.
    listened = [LikeEvent, FollowEvent, ShareEvent, LiveEndEvent, GiftEvent, ConnectEvent, WebsocketResponseEvent]
    assert methods_behind(listened) == {
        "WebcastLikeMessage",
        "WebcastSocialMessage",
        "WebcastControlMessage",
        "WebcastGiftMessage",
    }


def test_a_client_without_the_expected_method_decodes_everything_as_before() -> None:
    class OtherClient:  # a TikTokLive version that decodes elsewhere
        pass

    client = OtherClient()
    assert decode_only(client, [LikeEvent]) == frozenset()
    assert vars(client) == {}


# -- likes and comments read in C ---------------------------------------------------------


def rich_viewer() -> ProtoUser:
    """A viewer's profile as TikTok sends it with each like: three avatar sizes with signed links, a long sec_uid."""
    cdn = "https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068"
    urls = [f"{cdn}/abc{i}~c5_100x100.webp?x-expires=1" for i in range(3)]
    return ProtoUser(
        id=7234567890123456789,
        nickname="Zoé 🌸",
        display_id="zoe.live",
        sec_uid="MS4wLjABAAAA" + "x" * 60,
        avatar_thumb=ImageModel(url_list=urls, uri="100x100/tos"),
        avatar_medium=ImageModel(url_list=urls, uri="720x720/tos"),
        avatar_large=ImageModel(url_list=urls, uri="1080x1080/tos"),
    )


def read(event: Any, path: str) -> Any:
    value = event
    for part in path.split("."):
        value = getattr(value, part)
    return list(value) if path.endswith("url_list") else value


def rich_message(kind: type[Any]) -> Any:
    """A like, comment or gift as TikTok sends it: a full header, the viewer's whole profile, the gift's pictures."""
    header = CommonMessageData(msg_id=2**62 + 5, room_id=7, create_time=1733450000000)
    if kind is CommentEvent:
        return kind(common=header, content="<b>Trop bien</b> 💖", user=rich_viewer())
    if kind is GiftEvent:
        picture = ImageModel(url_list=["https://p16-webcast.tiktokcdn.com/img/rose.webp"], uri="webcast-va/rose")
        rose = ProtoGift(name="Rose", diamond_count=1, type=1, id=5655, image=picture, icon=picture, combo=True)
        return kind(common=header, gift=rose, gift_id=5655, repeat_count=12, repeat_end=1, user=rich_viewer())
    return kind(common=header, count=15, total=2**40, user=rich_viewer())


@pytest.mark.parametrize("kind", [LikeEvent, CommentEvent, GiftEvent])
def test_the_slim_decoder_reads_what_the_library_reads(kind: type[Any]) -> None:
    payload = bytes(rich_message(kind))
    library, slim = kind().parse(payload), SlimDecoder(kind, SLIM_READS[kind]).decode(payload)
    assert slim.get_type() == library.get_type() == kind.__name__
    for path in SLIM_READS[kind]:
        assert read(slim, path) == read(library, path), path
    assert read(slim, "user.avatar_thumb.url_list")[0].endswith("abc0~c5_100x100.webp?x-expires=1")


@pytest.mark.parametrize("kind", [1, 2])
@pytest.mark.parametrize("repeat_end", [0, 1])
def test_a_slim_gift_streaks_as_the_library_says(kind: int, repeat_end: int) -> None:
    for rose in (ProtoGift(name="Rose", type=kind), None):
        payload = bytes(GiftEvent(gift=rose, repeat_count=3, repeat_end=repeat_end))
        library = GiftEvent().parse(payload)
        assert _streaking(SlimDecoder(GiftEvent, SLIM_READS[GiftEvent]).decode(payload)) == library.streaking
        assert _streaking(library) == library.streaking


def test_a_slim_event_has_only_the_fields_it_was_asked_for() -> None:
    payload = bytes(LikeEvent(count=3, color=9, user=rich_viewer()))
    slim = SlimDecoder(LikeEvent, ["count", "user.nickname"]).decode(payload)
    assert (slim.count, slim.user.nickname) == (3, "Zoé 🌸")
    assert not hasattr(slim, "color")  # AttributeError
    assert not hasattr(slim.user, "sec_uid")


def test_what_a_message_lacks_reads_as_empty() -> None:
    payload = bytes(LikeEvent(count=1))
    slim = SlimDecoder(LikeEvent, SLIM_READS[LikeEvent]).decode(payload)
    assert (slim.total, slim.common.msg_id, slim.user.nickname, list(slim.user.avatar_thumb.url_list)) == (0, 0, "", [])
    library = LikeEvent().parse(payload)
    assert (library.user, library.common) == (None, None)
    assert _user(slim.user) == _user(library.user) == User()


def test_bytes_that_are_not_the_message_are_refused() -> None:
    decoder = SlimDecoder(LikeEvent, SLIM_READS[LikeEvent])
    payload = bytes(LikeEvent(count=1, user=ProtoUser(nickname="Léa")))
    with pytest.raises(DecodeError):
        decoder.decode(payload[:-2])  # cut short
    with pytest.raises(DecodeError, match="UTF-8"):
        decoder.decode(payload.replace("Léa".encode(), b"L\xe9!a"))  # not UTF-8, where TikTok sends UTF-8


def test_a_field_the_library_does_not_know_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="no field 'likes'"):
        SlimDecoder(LikeEvent, ["likes"])
    with pytest.raises(ValueError, match="it has no fields"):
        SlimDecoder(LikeEvent, ["count.value"])
    with pytest.raises(ValueError, match="cannot be read slim"):
        decode_only(TikTokLiveClient(unique_id="someone"), [FollowEvent], {FollowEvent: ["user.nickname"]})


def webcast(method: str, proto: Any) -> tuple[ProtoMessageFetchResult, ProtoMessageFetchResultBaseProtoMessage]:
    message = ProtoMessageFetchResultBaseProtoMessage(method=method, payload=bytes(proto))
    return ProtoMessageFetchResult(messages=[message]), message


async def test_the_client_hands_the_slim_events_and_leaves_the_rest_to_the_library() -> None:
    client = TikTokLiveClient(unique_id="someone")
    decode_only(client, [LikeEvent, FollowEvent], SLIM_READS)
    plain = await client._parse_webcast_response_message(*webcast("WebcastLikeMessage", LikeEvent(count=2)))
    assert [type(event) for event in plain] == [WebsocketResponseEvent, Slim]
    assert plain[1].count == 2

    # "follow" in a nickname is not a header that says so.
    named = await client._parse_webcast_response_message(
        *webcast("WebcastLikeMessage", LikeEvent(user=ProtoUser(nickname="follow_me")))
    )
    assert [type(event) for event in named] == [WebsocketResponseEvent, Slim]

    # A room total TikTok would send with another type: the like still reaches the source, without it.
    changed = ProtoMessageFetchResultBaseProtoMessage(
        method="WebcastLikeMessage", payload=bytes(LikeEvent(count=2)) + TOTAL_AS_FIXED64
    )
    kept = await client._parse_webcast_response_message(ProtoMessageFetchResult(messages=[changed]), changed)
    assert [type(event) for event in kept] == [WebsocketResponseEvent, Slim]
    assert (kept[1].count, kept[1].total) == (2, 0)

    # A header that makes the library derive a follow (it does so from any message): left to it.
    marked = LikeEvent(count=2, common=CommonMessageData(display_text=Text(key="pm_main_follow_message_viewer_2")))
    derived = await client._parse_webcast_response_message(*webcast("WebcastLikeMessage", marked))
    assert [type(event) for event in derived] == [FollowEvent, WebsocketResponseEvent, LikeEvent]

    # Bytes the C decoder refuses but the library reads (a profile announced longer than it is): its event.
    overlong = bytes(LikeEvent(count=2)) + b"\x2a\x32\x08\x05\x1a\x03Lea"  # user: 50 bytes announced, 7 sent
    odd = ProtoMessageFetchResultBaseProtoMessage(method="WebcastLikeMessage", payload=overlong)
    lenient = await client._parse_webcast_response_message(ProtoMessageFetchResult(messages=[odd]), odd)
    assert [type(event) for event in lenient] == [WebsocketResponseEvent, LikeEvent]
    assert (lenient[1].count, lenient[1].user.nickname) == (2, "Lea")

    # Bytes the C decoder refuses: the library tries, and reports what it cannot read its own way.
    cut = bytes(LikeEvent(count=2))[:-1]
    broken = ProtoMessageFetchResultBaseProtoMessage(method="WebcastLikeMessage", payload=cut)
    refused = await client._parse_webcast_response_message(ProtoMessageFetchResult(messages=[broken]), broken)
    assert [type(event) for event in refused] == [WebsocketResponseEvent]


# -- push frames' envelopes read in C ----------------------------------------------------

LIBRARY_EXTRACT = getattr(
    ws_connect.extract_webcast_response_message, "__wrapped__", ws_connect.extract_webcast_response_message
)


@pytest.fixture
def library_envelopes(monkeypatch: pytest.MonkeyPatch) -> None:
    """TikTokLive's own envelope reading for the test; whatever was in place before comes back after it."""
    monkeypatch.setattr(ws_connect, "extract_webcast_response_message", LIBRARY_EXTRACT)


def envelope_fields(envelope: Any) -> dict[str, Any]:
    """Every field of an envelope but `route_params` (a map nothing reads), as the library's class lists them."""
    outer = [name for name in ProtoMessageFetchResult._betterproto.meta_by_field_name if name != "route_params"]
    inner = list(ProtoMessageFetchResultBaseProtoMessage._betterproto.meta_by_field_name)
    fields = {name: getattr(envelope, name) for name in outer if name != "messages"}
    fields["messages"] = [[getattr(message, name) for name in inner] for message in envelope.messages]
    return fields


def push(compression: str, payload: bytes) -> WebcastPushFrame:
    return WebcastPushFrame(
        payload_type="msg", headers=[PushHeader(key="compress_type", value=compression)], payload=payload
    )


def test_an_envelope_read_in_c_holds_what_the_library_reads(library_envelopes: None) -> None:
    messages = [
        ProtoMessageFetchResultBaseProtoMessage(
            method="WebcastLikeMessage", payload=bytes(like(3, 1234).payload), msg_id=9
        ),
        ProtoMessageFetchResultBaseProtoMessage(method="WebcastMemberMessage", payload=b"\x08\x01", offset=4),
    ]
    result = ProtoMessageFetchResult(
        messages=messages,
        cursor="c-1",
        internal_ext="internal_src:dim|wss_push_room_id:7",
        need_ack=True,
        is_first=True,
    )
    for frame in (push("gzip", gzip.compress(bytes(result))), push("none", bytes(result))):
        library = LIBRARY_EXTRACT(frame)
        assert read_envelopes_in_c()
        in_c = ws_connect.extract_webcast_response_message(frame)
        assert not isinstance(in_c, ProtoMessageFetchResult)
        assert envelope_fields(in_c) == envelope_fields(library)
        assert in_c.messages[0].payload == bytes(like(3, 1234).payload)
        assert (in_c.is_first, in_c.need_ack) == (True, True)
        assert not hasattr(in_c, "route_params")  # a map, which nobody reads


def test_a_frame_c_cannot_read_is_left_to_the_library(library_envelopes: None) -> None:
    assert read_envelopes_in_c()
    with pytest.raises(gzip.BadGzipFile):  # what the library raises for it, as before
        ws_connect.extract_webcast_response_message(push("gzip", b"not gzip"))
    odd = push("deflate", bytes(ProtoMessageFetchResult(cursor="c-2")))  # the library logs it, then tries
    assert ws_connect.extract_webcast_response_message(odd) == ProtoMessageFetchResult(cursor="c-2")


def test_an_envelope_field_nobody_reads_may_change_type(
    library_envelopes: None, caplog: pytest.LogCaptureFixture
) -> None:
    assert read_envelopes_in_c()
    like_message = ProtoMessageFetchResultBaseProtoMessage(method="WebcastLikeMessage", payload=b"\x10\x02")
    result = bytes(ProtoMessageFetchResult(messages=[like_message], is_first=True))
    heartbeat_as_fixed64 = b"\x41" + (10).to_bytes(8, "little")  # heartbeat_duration (8), an int64, as fixed64
    for _ in range(2):  # (a change in the envelope's decoder would last the process)
        envelope = ws_connect.extract_webcast_response_message(
            push("gzip", gzip.compress(result + heartbeat_as_fixed64))
        )
        assert (envelope.is_first, [m.payload for m in envelope.messages]) == (True, [b"\x10\x02"])
    assert caplog.text == ""


def test_envelopes_of_a_tiktoklive_we_have_not_read_are_left_as_they_are(
    library_envelopes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tiktok_decoding, "tiktoklive_version", lambda: "8.0.0")
    assert not read_envelopes_in_c()
    assert ws_connect.extract_webcast_response_message is LIBRARY_EXTRACT


def test_a_like_is_read_even_if_a_part_nobody_reads_is_not_utf8() -> None:
    # The library refuses the whole message (a UnicodeDecodeError, logged, the like dropped); the slim decoder
    # never looks at the viewer's sec_uid, so the like counts.
    payload = bytes(LikeEvent(count=4, user=ProtoUser(nickname="Léa", sec_uid="MS4w")))
    broken = payload.replace(b"MS4w", b"MS\xff\xfe")
    with pytest.raises(UnicodeDecodeError):
        LikeEvent().parse(broken)
    slim = SlimDecoder(LikeEvent, SLIM_READS[LikeEvent]).decode(broken)
    assert (slim.count, slim.user.nickname) == (4, "Léa")


TOTAL_AS_FIXED64 = b"\x19" + (7500).to_bytes(8, "little")  # field 3, wire type 1 (an int64 is a varint)


def test_a_field_whose_type_tiktok_changed_reads_as_empty_and_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    decoder = SlimDecoder(LikeEvent, SLIM_READS[LikeEvent])
    changed = bytes(LikeEvent(count=3, user=ProtoUser(nickname="Léa"))) + TOTAL_AS_FIXED64
    first = decoder.decode(changed)  # (the first message is looked at)
    assert (first.count, first.total, first.user.nickname) == (3, 0, "Léa")  # the like still counts
    with pytest.raises(KeyError):  # what TikTokLive itself makes of it: no like at all
        LikeEvent().parse(changed)
    for _ in range(3 * CHECK_EVERY):
        assert decoder.decode(changed).count == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "LikeEvent: field 3 came with another type than TikTokLive's; it reads as empty (0) until the overlay and"
        " TikTokLive follow"
    ]

    nickname_as_number = b"\x2a\x02\x18\x05"  # user (5) { nickname (3) as a varint }
    SlimDecoder(LikeEvent, SLIM_READS[LikeEvent]).decode(bytes(LikeEvent(count=3)) + nickname_as_number)
    assert "LikeEvent.user: field 3 came with another type" in caplog.text
    caplog.clear()
    sec_uid_as_number = b"\x2a\x03\xf0\x02\x05"  # user { sec_uid (46), not read, as a varint }: nobody's business
    assert (
        SlimDecoder(LikeEvent, SLIM_READS[LikeEvent]).decode(bytes(LikeEvent(count=3)) + sec_uid_as_number).count == 3
    )
    assert caplog.text == ""


def test_one_message_in_check_every_is_looked_at(caplog: pytest.LogCaptureFixture) -> None:
    decoder = SlimDecoder(LikeEvent, SLIM_READS[LikeEvent])
    decoder.decode(bytes(LikeEvent(count=1)))  # the first, looked at
    changed = bytes(LikeEvent(count=3)) + TOTAL_AS_FIXED64
    for _ in range(CHECK_EVERY - 1):
        decoder.decode(changed)
    assert caplog.text == ""
    decoder.decode(changed)
    assert "field 3 came with another type" in caplog.text


def test_fields_the_slim_decoder_would_read_differently_are_refused_at_once() -> None:
    @dataclasses.dataclass(eq=False, repr=False)
    class Odd(betterproto2.Message):
        maybe: int | None = betterproto2.field(1, betterproto2.TYPE_INT32, optional=True)
        one: int | None = betterproto2.field(2, betterproto2.TYPE_INT32, group="choice")
        other: str | None = betterproto2.field(3, betterproto2.TYPE_STRING, group="choice")

    with pytest.raises(ValueError, match="optional"):
        SlimDecoder(Odd, ["maybe"])
    with pytest.raises(ValueError, match="oneof"):
        SlimDecoder(Odd, ["one"])


# -- validators built before decoding hides their names ------------------------------------

FRESH_DECODING = """
import json, sys
sys.path.insert(0, {root!r})
{first}
from TikTokLive.events import SocialEvent
from overlay.sources.tiktok_decoding import build_validators_parse_would_hide, message_classes
built = build_validators_parse_would_hide()
follow = SocialEvent().parse(bytes.fromhex(sys.stdin.read()))
classes = message_classes()
failed = []
for cls in classes:
    try:
        cls.parse(b"")
    except Exception as exc:
        failed.append(f"{{cls.__qualname__}}: {{exc}}")
club = follow.user.fans_club.data
print(json.dumps({{"built": built, "club": [club.club_name, club.level], "classes": len(classes), "failed": failed}}))
"""


@pytest.mark.parametrize(
    "first",
    ["import overlay.sources.tiktok_import  # as the server", "import TikTokLive  # plain"],
    ids=["as the server", "plain"],
)
def test_a_fan_club_member_s_follow_decodes_and_so_does_every_message_class(first: str) -> None:
    # A fresh process: the classes are built where decoding first needs them, as on a live.
    member = viewer(13, "hugo", "Hugo")
    member.fans_club = FansClubMember(data=FansClubData(club_name="Les Hugolins", level=7))
    follow = SocialEvent(common=CommonMessageData(msg_id=2, display_text=Text(key="pm_main_follow_message_viewer_2")))
    follow.user = member

    result = python(FRESH_DECODING.format(root=str(ROOT), first=first), bytes(follow).hex())

    assert result["club"] == ["Les Hugolins", 7]
    assert "FansClubData" in result["built"]
    assert result["classes"] > 600
    assert result["failed"] == []


def test_a_class_that_cannot_be_built_is_said_and_the_others_still_are() -> None:
    result = python(
        f"import json, logging, sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "import overlay.sources.tiktok_import\n"
        "import pydantic.dataclasses\n"
        "from overlay.sources import tiktok_decoding\n"
        "said = []\n"
        "class Said(logging.Handler):\n"
        "    def emit(self, record):\n"
        "        said.append(record.args[0])\n"
        "logging.getLogger('overlay.sources.tiktok_decoding').addHandler(Said())\n"
        "real = pydantic.dataclasses.rebuild_dataclass\n"
        "def rebuild(cls, **kwargs):\n"
        "    if cls.__name__ == 'Hashtag':\n"
        "        raise TypeError('a schema pydantic refuses')\n"
        "    return real(cls, **kwargs)\n"
        "pydantic.dataclasses.rebuild_dataclass = rebuild\n"
        "print(json.dumps([tiktok_decoding.build_validators_parse_would_hide(), said]))"
    )
    built, said = result
    assert "FansClubData" in built
    assert "Hashtag" not in built
    assert said == ["Hashtag"]
