"""Stage 1 of the flow: the small typed events every source (and the control API) produces.

Sources translate whatever they receive (TikTokLive objects, a replay file, the demo
simulation, a button on the control page) into these, so the engine sees one vocabulary
and every path is tested the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class User:
    """A viewer, as far as we know them. Nicknames are untrusted text."""

    id: str = ""
    nickname: str = ""
    avatar: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """Base class: `name` is the stable key used in recordings and the websocket."""

    name: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.name, **asdict(self)}


@dataclass(frozen=True, slots=True)
class Like(Event):
    """A batch of `count` hearts from one viewer; `total` is the room's count when known.

    TikTok sends batches of up to ~15 and the room total with each; the total is
    authoritative, the batch count is what this server actually received.
    """

    name: ClassVar[str] = "like"
    count: int
    total: int | None = None
    user: User = field(default_factory=User)
    # Monotonic send time (seconds) carried through for latency measurements; 0 when unused.
    sent_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Follow(Event):
    """A viewer followed the creator."""

    name: ClassVar[str] = "follow"
    user: User = field(default_factory=User)


@dataclass(frozen=True, slots=True)
class Share(Event):
    """A viewer shared the live."""

    name: ClassVar[str] = "share"
    user: User = field(default_factory=User)


@dataclass(frozen=True, slots=True)
class Gift(Event):
    """A gift, or what a streak (a combo) adds now: once at its end, or as it stands when its end is late.

    A streak whose end never comes is counted 10 s after its last message; what it adds after that
    comes as another Gift (see `overlay.sources.tiktok_streaks`)."""

    name: ClassVar[str] = "gift"
    gift: str
    count: int = 1
    diamonds: int = 0
    user: User = field(default_factory=User)


@dataclass(frozen=True, slots=True)
class Comment(Event):
    """A chat message; `text` is untrusted."""

    name: ClassVar[str] = "comment"
    text: str
    user: User = field(default_factory=User)


@dataclass(frozen=True, slots=True)
class Viewers(Event):
    """The room's current viewer count."""

    name: ClassVar[str] = "viewers"
    count: int


@dataclass(frozen=True, slots=True)
class LiveStarted(Event):
    """A live (a TikTok room) begins or is joined; a new `room_id` starts a new session."""

    name: ClassVar[str] = "live_started"
    room_id: str = ""
    total: int | None = None


@dataclass(frozen=True, slots=True)
class LiveEnded(Event):
    """The creator ended the live."""

    name: ClassVar[str] = "live_ended"


@dataclass(frozen=True, slots=True)
class NewLive(Event):
    """Start a new session by hand (the demo, or a fresh page of stats); `room_id` empty keeps the current one."""

    name: ClassVar[str] = "new_live"
    room_id: str = ""


@dataclass(frozen=True, slots=True)
class SourceStatus(Event):
    """What the source is doing, in words a creator understands ("connected (room 7312…)").

    `detail` is in English (for the log, and for sources that have no `key`); with a `key` of
    `overlay.i18n.TEXTS` and its `params`, the pages say it in the configured language.
    """

    name: ClassVar[str] = "source_status"
    status: str
    detail: str = ""
    key: str = ""
    params: dict[str, int | str] = field(default_factory=dict)


# -- control actions (control page, HTTP API, Stream Deck): recorded and replayed like the rest ----------


@dataclass(frozen=True, slots=True)
class ChallengeStart(Event):
    """Start the configured challenge `id` now; it replaces any other challenge on screen (the same one, still
    running, goes on untouched)."""

    name: ClassVar[str] = "challenge_start"
    id: str


@dataclass(frozen=True, slots=True)
class ChallengeCancel(Event):
    """Take the running challenge off the screen, without a result."""

    name: ClassVar[str] = "challenge_cancel"


@dataclass(frozen=True, slots=True)
class GoalNext(Event):
    """Skip to the next goal without celebrating the current one."""

    name: ClassVar[str] = "goal_next"


@dataclass(frozen=True, slots=True)
class GoalPrevious(Event):
    """Go back one goal (undo a GoalNext)."""

    name: ClassVar[str] = "goal_previous"


@dataclass(frozen=True, slots=True)
class GoalReset(Event):
    """Goal progress back to 0 and the first goal on screen; the like counters are untouched."""

    name: ClassVar[str] = "goal_reset"


@dataclass(frozen=True, slots=True)
class SetProgress(Event):
    """Make the goal progress show `value` now; later likes add to it."""

    name: ClassVar[str] = "set_progress"
    value: int


@dataclass(frozen=True, slots=True)
class AddLikes(Event):
    """Likes added by hand (a correction): they count toward the goal and the running challenge."""

    name: ClassVar[str] = "add_likes"
    count: int


EVENT_TYPES: dict[str, type[Event]] = {
    cls.name: cls
    for cls in (
        Like,
        Follow,
        Share,
        Gift,
        Comment,
        Viewers,
        LiveStarted,
        LiveEnded,
        NewLive,
        SourceStatus,
        ChallengeStart,
        ChallengeCancel,
        GoalNext,
        GoalPrevious,
        GoalReset,
        SetProgress,
        AddLikes,
    )
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event written by `Event.to_dict` (recordings); raises ValueError when malformed."""
    kind = data.get("type")
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown event type {kind!r}; expected one of {', '.join(EVENT_TYPES)}")
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "user":
            if not isinstance(value, dict):
                raise ValueError("'user' must be an object")
            value = User(**{k: str(v) for k, v in value.items() if k in ("id", "nickname", "avatar")})
        kwargs[f.name] = value
    try:
        event = cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"bad {kind!r} event: {exc}") from None
    _check_types(event)
    return event


# Counts a recording may hold: more than any live reaches, and far within what the history (SQLite, 64 bits) keeps
# (a total of 2^63 stopped every save of the live).
LARGEST_COUNT = 10**12


def _check_types(event: Event) -> None:
    for f in fields(event):
        value = getattr(event, f.name)
        if (
            f.name in ("count", "total", "diamonds", "value")
            and value is not None
            and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= LARGEST_COUNT)
        ):
            raise ValueError(f"'{f.name}' must be a whole number from 0 to {LARGEST_COUNT:,}, got {value!r}")
        if f.name == "diamonds" and (worth := value * getattr(event, "count", 1)) > LARGEST_COUNT:  # (added up)
            raise ValueError(f"'diamonds' x 'count' must be at most {LARGEST_COUNT:,}, got {worth:,}")
        if f.name == "id" and not isinstance(value, str):
            raise ValueError(f"'id' must be a string, got {value!r}")
        if f.name == "key" and not isinstance(value, str):  # the engine looks it up among the texts
            raise ValueError(f"'key' must be a text, got {value!r}")
        if f.name == "params" and not (
            isinstance(value, dict)
            and all(
                isinstance(k, str) and isinstance(v, int | str) and not isinstance(v, bool) for k, v in value.items()
            )
        ):
            raise ValueError(f"'params' must map names to numbers or texts, got {value!r}")
