"""TikTok messages decoded with one validator per class: the same events, the same checks, fewer validators built."""

from __future__ import annotations

from typing import Any

import betterproto2
import pydantic_core
import pytest
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

from overlay.sources.tiktok_decoding import decode_only, methods_behind, reuse_validators
from tests.test_source_tiktok import comment, gift, like, social, viewer

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
