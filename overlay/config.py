"""Configuration: `config.yaml` validated once, at start, into typed objects.

Errors name the file, the line, the key and what would be valid, because the person
reading them is a creator minutes before going live, not a Python developer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import json
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import webcolors
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from overlay.config_errors import (
    ID_PATTERN,
    SECRET_KEYS,
    Invalid,
    Loc,
    Problem,
    decimal_comma,
    dotted,
    from_pydantic,
    ungrouped,
)
from overlay.config_errors import ConfigError as ConfigError  # raised by load_config: importable from here
from overlay.i18n import LOCALES, Locale, OwnText, text

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# No count of a live comes near this; a bigger number is a typo (and SQLite, JavaScript and the
# stats could not hold it: a target of 2^63 would stop every save of the live).
LARGEST_NUMBER = 10**12


def _whole(value: Any) -> Any:
    """Refuse what YAML read as a decimal: `target: 10.000` (French thousands) is 10.0, which pydantic takes as 10.

    Also refuse YAML's booleans (`port: yes` would be port 1).
    """
    if isinstance(value, bool):
        raise Invalid("whole_number_bool", written=str(value).lower())
    if isinstance(value, float) and value.is_integer():
        raise Invalid("whole_number", written=repr(value), whole=str(int(value)))
    if isinstance(value, str) and (digits := ungrouped(value)) is not None:  # `10 000`: said the same way
        raise Invalid("whole_number", written=value, whole=digits)
    if isinstance(value, str) and (short := _SHORT_NUMBER.fullmatch(value.strip())):  # `10k`, as creators say it
        number = float(short["number"].replace(",", ".")) * (1000 if short["unit"] in "kK" else 1_000_000)
        if number.is_integer():
            raise Invalid("whole_number_short", written=value, whole=str(int(number)))
    return value


# (`M` for a million, not `m`: `duration: 5m` means minutes, and five million seconds would be no help.)
_SHORT_NUMBER = re.compile(r"(?P<number>\d{1,6}(?:[.,]\d{1,3})?)\s?(?P<unit>[kKM])")


def _reachable(value: Any) -> Any:
    """Refuse a count no live could reach."""
    if isinstance(value, int) and not -LARGEST_NUMBER <= value <= LARGEST_NUMBER:
        raise Invalid("number_too_large", largest=LARGEST_NUMBER)
    return value


# A count, a target, a port...: a number written without a decimal point.
WholeNumber = Annotated[int, BeforeValidator(_reachable), BeforeValidator(_whole)]

_COLOUR_NAMES = frozenset([*webcolors.names("css3"), "rebeccapurple", "transparent", "currentcolor"])
# 3, 6 or 8 digits (#rgb, #rrggbb, #rrggbbaa); CSS reads 4 as #rgba too, but `#ff00` is a cut-off red, not
# the invisible yellow CSS would draw.
_HEX_COLOUR = re.compile(r"#(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})", re.IGNORECASE)
# (`var(--brand)`: a colour of the creator's custom_css.)
_COLOUR_FUNCTION = re.compile(r"(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color|color-mix|var)\(.+\)", re.IGNORECASE)


def _colour(value: str) -> str:
    """A CSS colour, or "" for the theme's: a widget cannot draw `rouge` or `#ff00`, and its bar would vanish."""
    written = value.strip()
    if written and not (
        _HEX_COLOUR.fullmatch(written) or written.lower() in _COLOUR_NAMES or _COLOUR_FUNCTION.fullmatch(written)
    ):
        raise Invalid("colour", written=written)
    return written


# A colour as CSS writes it (the browser has the last word: `rgb(300 0 0)` passes here).
Colour = Annotated[str, AfterValidator(_colour)]
# A number that is not a count (a random seed, any size).
AnyWholeNumber = Annotated[int, BeforeValidator(_whole)]


@dataclasses.dataclass(frozen=True)
class _OwnTextRule:
    """The checks of a creator's on-screen text, as `str` with `min_length` and `max_length` would make them, for a
    plain text and for each language's text of a mapping (`{fr: "...", en: "..."}`), which is never empty."""

    min_length: int
    max_length: int

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, dict):
            self._check(value, (), self.min_length)
            return value
        if not value:
            raise Invalid("texts_empty", languages=list(LOCALES))
        for language, written in value.items():
            if language not in LOCALES:
                raise Invalid("text_language", at=(language,), language=language, languages=list(LOCALES))
            self._check(written, (language,), 1)  # (a language with nothing to say is left out)
        return value

    def _check(self, written: Any, at: Loc, min_length: int) -> None:
        # pydantic's own kinds, so they are said as they are for any text (`label: 2024-01-01`: to be quoted).
        if not isinstance(written, str):
            raise Invalid("string_type", at=at, input=written)
        if len(written) < min_length:
            raise Invalid("string_too_short", at=at, input=written, min_length=min_length)
        if len(written) > self.max_length:
            raise Invalid("string_too_long", at=at, input=written, max_length=self.max_length)


def _own_text(min_length: int, max_length: int) -> BeforeValidator:
    return BeforeValidator(_OwnTextRule(min_length, max_length))


# Text the creator writes for the screen: one text shown in every language, or a text per language.
Label = Annotated[OwnText, _own_text(1, 200)]
Prompt = Annotated[OwnText, _own_text(1, 300)]
OptionalLabel = Annotated[OwnText, _own_text(0, 200)]  # "": a built-in text
OptionalPrompt = Annotated[OwnText, _own_text(0, 300)]


class ServerSettings(_Strict):
    """Where the server listens. Loopback only unless you know why."""

    host: str = Field(
        "127.0.0.1",
        description="Address to bind. Keep 127.0.0.1 unless OBS runs on another PC (then 0.0.0.0: every network). "
        "Never empty.",
    )

    @field_validator("host")
    @classmethod
    def _some_host(cls, host: str) -> str:
        """An empty host would listen on every network (0.0.0.0 and ::): that must be asked for by name."""
        if not host.strip():
            raise Invalid("server_host_empty")
        return host

    port: WholeNumber = Field(
        8080, ge=0, le=65535, description="TCP port of the widget pages and the API (0: any free port)."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Extra Host header names accepted besides loopback (e.g. this PC's LAN name; "
        "a port or http:// written with it is ignored, * is refused).",
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, hosts: list[str]) -> list[str]:
        """Names as the Host check compares them: `http://Studio.local:8080/` is `studio.local`, `::1` `[::1]`."""
        names = []
        for index, host in enumerate(hosts):
            name = re.sub(r"^[a-z]+://", "", host.strip().lower()).split("/")[0].rstrip(".")
            if name.startswith("[") and "]" in name:
                name = name[: name.index("]") + 1]  # `[::1]:8080`
            elif name.count(":") == 1:
                name = name.split(":")[0]  # `studio.local:8080`
            with contextlib.suppress(ValueError):
                name = f"[{ipaddress.IPv6Address(name.strip('[]'))}]"  # as a Host header writes it
            if not re.fullmatch(r"\[[0-9a-f:.]+\]|[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?", name):
                raise Invalid("allowed_host", at=(index,), host=host)
            names.append(name)
        return names

    frame_ms: WholeNumber = Field(
        33,
        ge=10,
        le=1000,
        description="Minimum time between two state frames sent to a widget (33 ms = 30 per second); "
        "a widget URL's ?fps= (1-60) overrides it for that widget.",
    )
    max_events_per_frame: WholeNumber = Field(
        40,
        ge=1,
        le=1000,
        description="Individual likes sent per frame for animations; the rest are merged "
        "(follows, shares and gifts are kept apart, up to as many: a storm of likes never hides a gift).",
    )


class TikTokSettings(_Strict):
    """The creator's TikTok account; empty means the demo live runs instead."""

    unique_id: str = Field("", description='Your TikTok handle, e.g. "@moncompte". Empty: the demo live runs.')
    poll_seconds: float = Field(
        30,
        ge=15,
        le=3600,
        description="While you are not live, check this often (seconds) whether you went live. "
        "Each check is one request to TikTok; the sign server is only asked when connecting.",
    )
    reconnect_min_seconds: float = Field(
        2, ge=1, le=600, description="First wait before reconnecting after a dropped connection; doubles each time."
    )
    reconnect_max_seconds: float = Field(
        120,
        ge=10,
        le=3600,
        description="Longest wait between two reconnect attempts (a sign-server limit may ask more).",
    )
    silence_seconds: float = Field(
        60,
        ge=10,
        le=3600,
        description="If nothing at all arrives from TikTok for this long (seconds) while connected, the "
        "connection is treated as stuck and reopened. A live sends viewer counts every few seconds, "
        "even without likes.",
    )
    sign_api_key: SecretStr = Field(
        SecretStr(""),
        description="Optional Euler Stream sign-server API key (higher rate limits). Empty: the SIGN_API_KEY "
        "environment variable is used, if set. Never logged.",
    )

    @model_validator(mode="after")
    def _backoff(self) -> TikTokSettings:
        if self.reconnect_max_seconds < self.reconnect_min_seconds:
            raise Invalid(
                "reconnect_backoff",
                at=("reconnect_max_seconds",),
                max=self.reconnect_max_seconds,
                min=self.reconnect_min_seconds,
            )
        return self

    @field_validator("unique_id")
    @classmethod
    def _handle(cls, value: str) -> str:
        value = value.strip()
        if url := re.search(r"tiktok\.com/(@[A-Za-z0-9_.]{2,24})", value):  # the live's address, pasted whole
            raise Invalid("tiktok_handle_url", handle=url.group(1))
        if value and not re.fullmatch(r"@?[A-Za-z0-9_.]{2,24}", value):
            raise Invalid("tiktok_handle")
        return value if not value or value.startswith("@") else "@" + value


class DemoSettings(_Strict):
    """The built-in simulated live."""

    likes_per_second: float = Field(40, gt=0, le=100_000, description="Mean like rate of the demo live.")
    start_total: WholeNumber = Field(0, ge=0, description="Room like count the demo live starts from.")
    viewers: WholeNumber = Field(60, ge=1, le=100_000, description="How many distinct fake viewers send likes.")
    seed: AnyWholeNumber | None = Field(None, description="Random seed, for a demo that repeats exactly.")


class ReplaySettings(_Strict):
    """Play a recorded live back (`--source replay`)."""

    file: str = Field(
        "",
        description="Path of a recording made with --record (JSON lines), relative to the folder the server runs "
        "from. An edit naming a file that cannot be played is refused, naming the line.",
    )
    speed: float = Field(1.0, gt=0, le=1000, description="Playback speed (4 = four times faster).")
    loop: bool = Field(False, description="Start again at the end.")


class GoalStep(_Strict):
    """One like goal. Targets count from the start of the live, so they must increase."""

    id: str = Field(pattern=ID_PATTERN, description="Short name, used in URLs (?goal=ID).")
    label: Label = Field(description="On-screen text of the goal (or a text per language, see `locale`).")
    target: WholeNumber = Field(gt=0, description="Like count to reach.")


class GoalsAfter(_Strict):
    """What happens once the last step is reached."""

    every: WholeNumber | None = Field(
        10_000, gt=0, description="Keep going: a new goal every N likes. null: stay on the last goal."
    )
    label: OptionalLabel = Field(
        "", description="Label of those goals; {target} is replaced. Empty: a default (in the config's language)."
    )

    @field_validator("label")
    @classmethod
    def _placeholders(cls, value: OwnText) -> OwnText:
        # Only {target} is filled in: any other {...} would reach the screen as written.
        texts = {(): value} if isinstance(value, str) else {(language,): written for language, written in value.items()}
        for at, written in texts.items():  # (each language's text of a mapping)
            other = next((found for found in re.findall(r"\{[^{}]*\}", written) if found != "{target}"), None)
            if other is not None:
                raise Invalid("then_label_placeholder", at=at, placeholder=other)
        return value


class GoalSettings(_Strict):
    """Stepped like goals that advance by themselves."""

    basis: Literal["total", "session"] = Field(
        "total",
        description="total: the live's like count as TikTok shows it (right after a restart mid-live); "
        "session: only likes this server received during this live (kept across restarts).",
    )
    celebrate_seconds: float = Field(
        4.0,
        ge=0,
        le=60,
        description="How long a reached goal celebrates (words and confetti on the goal bar) before the next; "
        "0: no celebration.",
    )
    steps: list[GoalStep] = Field(min_length=1, description="Goals in order; needed whenever `goals` is written.")
    then: GoalsAfter = Field(default_factory=GoalsAfter, description="After the last step.")

    @model_validator(mode="after")
    def _ordered(self) -> GoalSettings:
        seen: set[str] = set()
        for index, step in enumerate(self.steps):
            if step.id in seen:
                raise Invalid("goal_id_twice", at=("steps", index, "id"), id=step.id)
            seen.add(step.id)
            if index and step.target <= self.steps[index - 1].target:
                previous = self.steps[index - 1].target
                raise Invalid("goal_target_order", at=("steps", index, "target"), target=step.target, previous=previous)
        return self


THEMES = ("tiktok", "minimal", "neon")  # built-in looks: widgets/static/themes.css


class ThemeSettings(_Strict):
    """How every widget looks. Each key can be overridden in a Browser Source URL (`?theme=neon&scale=1.5`)."""

    name: Literal["tiktok", "minimal", "neon"] = Field(
        "tiktok", description="Built-in look: tiktok (red and cyan), minimal (white, thin), neon (glowing)."
    )
    font: str = Field("", max_length=200, description='CSS font family, e.g. "Poppins". Empty: the theme\'s font.')
    text_color: Colour = Field("", max_length=60, description='Text colour, e.g. "#ffffff". Empty: the theme\'s.')
    accent: Colour = Field("", max_length=60, description='Main colour, e.g. "#fe2c55". Empty: the theme\'s.')
    accent_2: Colour = Field("", max_length=60, description="Second colour of gradients. Empty: the theme's.")
    scale: float = Field(1.0, ge=0.25, le=4, description="Size of texts, bars and hearts (1.5 = half as big again).")
    align: Literal["left", "center", "right"] = Field("left", description="Where in its box a widget sits.")
    valign: Literal["top", "middle", "bottom"] = Field("top", description="Vertical place in its box.")
    custom_css: str = Field(
        "",
        max_length=500,
        description="Path of your own CSS file, loaded after the theme (relative to the folder the server "
        "runs from; a file that is not there is refused, naming the line). Read again each time a widget loads.",
    )


class GoalWidget(_Strict):
    """`/widgets/goal`: the goal bar."""

    variant: Literal["bar", "thermometer", "ring", "stacked"] = Field(
        "bar", description="bar, thermometer (vertical), ring, or stacked (every step of the ladder at once)."
    )


class CounterWidget(_Strict):
    """`/widgets/counter`: one big number."""

    basis: Literal["total", "session"] = Field(
        "total",
        description="total: the live's likes as TikTok shows them; session: likes this server received this live.",
    )


class RhythmWidget(_Strict):
    """`/widgets/rhythm`: likes per minute and its trend."""

    target: WholeNumber = Field(
        1500, ge=0, description="Target rhythm (likes per minute) marked on the gauge; 0: none."
    )
    max: WholeNumber = Field(0, ge=0, description="Likes per minute at the end of the gauge; 0: twice the target.")


class HeartsWidget(_Strict):
    """`/widgets/hearts`: hearts floating up with the likes."""

    max: WholeNumber = Field(150, ge=1, le=1000, description="Most hearts on screen at once (keeps storms at 60 fps).")


class TopLikersWidget(_Strict):
    """`/widgets/toplikers`: the live's best likers."""

    count: WholeNumber = Field(5, ge=1, le=10, description="How many viewers the leaderboard shows.")


ActivityKind = Literal["follow", "share", "gift"]
ACTIVITY_KINDS: tuple[ActivityKind, ...] = ("follow", "share", "gift")


class ActivityWidget(_Strict):
    """`/widgets/activity`: follows, shares and gifts as short toasts."""

    seconds: float = Field(6, gt=0, le=60, description="How long each toast stays.")
    max: WholeNumber = Field(4, ge=1, le=20, description="Most toasts on screen at once (the newest win).")
    kinds: list[ActivityKind] = Field(
        default_factory=lambda: list(ACTIVITY_KINDS), description="Which events get a toast."
    )


class WidgetSettings(_Strict):
    """Per-widget defaults; URL query options (`?count=3`) override them for one Browser Source."""

    goal: GoalWidget = Field(default_factory=GoalWidget)
    counter: CounterWidget = Field(default_factory=CounterWidget)
    rhythm: RhythmWidget = Field(default_factory=RhythmWidget)
    hearts: HeartsWidget = Field(default_factory=HeartsWidget)
    toplikers: TopLikersWidget = Field(default_factory=TopLikersWidget)
    activity: ActivityWidget = Field(default_factory=ActivityWidget)


# Named keys as browsers report them (`KeyboardEvent.key`, compared in lower case), besides one character.
KEY_NAMES = frozenset(
    {"escape", "enter", "tab", "backspace", "delete", "insert", "home", "end", "pageup", "pagedown", "pause"}
    | {"scrolllock", "numlock", "capslock", "contextmenu"}
    | {"arrowup", "arrowdown", "arrowleft", "arrowright"}
    | {f"f{n}" for n in range(1, 25)}
)


class ChallengeSettings(_Strict):
    """A challenge the creator triggers live (see the control page)."""

    id: str = Field(pattern=ID_PATTERN, description="Short name, used in the API.")
    text: Prompt = Field(description="On-screen prompt (or a text per language, see `locale`).")
    target: WholeNumber | None = Field(None, gt=0, description="Likes to reach during the challenge.")
    duration: WholeNumber | None = Field(None, gt=0, le=3600, description="Seconds before the challenge ends.")
    hotkey: str | None = Field(
        None,
        max_length=20,
        description="Key on the control page that starts it: one character, or a key name such as F1 (not Escape).",
    )
    success_text: OptionalPrompt = Field("", description="Shown when the target is reached. Empty: a built-in text.")
    failure_text: OptionalPrompt = Field("", description="Shown when time runs out. Empty: a built-in text.")

    @field_validator("hotkey")
    @classmethod
    def _one_key(cls, value: str | None) -> str | None:
        """A key the control page can see: one character, or a key name (the page ignores Ctrl and Alt)."""
        if value is None or (len(value) == 1 and (value.isprintable() or value == " ")):
            return value
        if value.lower() in KEY_NAMES:
            return value
        raise Invalid("hotkey_one_key", hotkey=value)

    @field_validator("id")
    @classmethod
    def _not_an_action(cls, value: str) -> str:
        if value.lower() in HOTKEY_ACTIONS:
            raise Invalid("builtin_action_id", id=value, actions=", ".join(HOTKEY_ACTIONS))
        return value


# Names `GET /api/hotkeys/{id}` understands besides challenge ids, so no challenge may use them.
HOTKEY_ACTIONS = ("cancel", "goal-next", "goal-previous", "goal-reset")


class RhythmRule(_Strict):
    """Start a challenge by itself when the like rate drops and stays low (a "baisse prolongée")."""

    challenge: str = Field(description="Id of the challenge to start (from `challenges`).")
    below_per_minute: float = Field(
        gt=0, description="Fires when the like rate (likes in the last minute) stays below this..."
    )
    for_seconds: float = Field(60, gt=0, le=3600, description="...for this many seconds in a row.")
    cooldown_seconds: float = Field(
        600, ge=0, le=86_400, description="Quiet time after any challenge ends before this rule may fire again."
    )


def default_goals() -> GoalSettings:
    """One goal of 10 000 likes, said in each language: a widget's `?locale=` shows its own."""
    label = {language: text("goal_default_label", language, target=10_000) for language in LOCALES}
    return GoalSettings(steps=[GoalStep(id="main", label=label, target=10_000)])


class Config(_Strict):
    """The whole `config.yaml`."""

    locale: Literal["fr", "en"] = Field(
        "fr",
        description="Language of the built-in on-screen texts and of number formatting, and of your own texts "
        "(goal labels, challenge texts...) written with a text per language: "
        '`label: {fr: "10 000 likes ensemble !", en: "10,000 likes together!"}` shows the text of this '
        "language, else the other one given. A plain text shows as written in every language. `FR` or `en-US` "
        "read as `fr` and `en`.",
    )
    source: Literal["auto", "demo", "tiktok", "replay"] = Field(
        "auto", description="Where likes come from. auto: tiktok when tiktok.unique_id is set, else demo."
    )
    server: ServerSettings = Field(default_factory=ServerSettings)
    tiktok: TikTokSettings = Field(default_factory=TikTokSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)
    replay: ReplaySettings = Field(default_factory=ReplaySettings)
    theme: ThemeSettings = Field(default_factory=ThemeSettings)
    widgets: WidgetSettings = Field(default_factory=WidgetSettings)
    goals: GoalSettings = Field(default_factory=default_goals)
    challenges: list[ChallengeSettings] = Field(default_factory=list, description="Challenges for the control page.")
    rhythm_rules: list[RhythmRule] = Field(
        default_factory=list, description="Challenges that start by themselves when the like rate drops."
    )
    safe_wording: bool = Field(
        False,
        description="Show words TikTok may flag on screen (like, follow, gift...) as a heart or a neutral phrase.",
    )
    # Where each key was written, for messages about valid values (the wording check); not a setting.
    _origin: str = PrivateAttr("config.yaml")
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)

    def revalidated(self, data: dict[str, Any]) -> Config:
        """A new Config from `data` (this one's dump with changes), keeping where its keys came from."""
        config = Config.model_validate(data)
        config._origin, config._lines = self._origin, self._lines
        return config

    def where(self, key: str) -> str:
        """`config.yaml:14` for a dotted key such as `goals.steps[1].label` (the file alone when unknown)."""
        line = self._lines.get(key)
        return f"{self._origin}:{line}" if line else self._origin

    @field_validator("challenges", "rhythm_rules", mode="before")
    @classmethod
    def _nothing_listed(cls, value: Any) -> Any:
        """`challenges:` with every entry commented out (a "toggle comment" on the entries leaves the key) is an
        empty value in YAML: none, as when the key is left out, not a refusal to start."""
        return [] if value is None else value

    @model_validator(mode="before")
    @classmethod
    def _locale_read(cls, data: Any) -> Any:
        """`FR` or `en-US` read as `fr` or `en`, as a widget's `?locale=` is."""
        if isinstance(data, dict) and isinstance(data.get("locale"), str):
            data = {**data, "locale": _language(data["locale"])}
        return data

    @model_validator(mode="after")
    def _unique_challenges(self) -> Config:
        seen: set[str] = set()
        keys: dict[str, str] = {}
        for index, challenge in enumerate(self.challenges):
            if challenge.id in seen:
                raise Invalid("challenge_id_twice", at=("challenges", index, "id"), id=challenge.id)
            seen.add(challenge.id)
            key = (challenge.hotkey or "").lower()
            if key == "escape":
                raise Invalid("hotkey_escape", at=("challenges", index, "hotkey"))
            if key and key in keys:
                at = ("challenges", index, "hotkey")
                raise Invalid("hotkey_twice", at=at, hotkey=challenge.hotkey, challenge=keys[key])
            keys[key] = challenge.id
        for index, rule in enumerate(self.rhythm_rules):
            if rule.challenge not in seen:
                at = ("rhythm_rules", index, "challenge")
                if not seen:
                    raise Invalid("unknown_challenge_none", at=at, id=rule.challenge)
                raise Invalid("unknown_challenge", at=at, id=rule.challenge, known=", ".join(sorted(seen)))
        return self

    @property
    def source_kind(self) -> Literal["demo", "tiktok", "replay"]:
        """The source that will actually run."""
        if self.source == "auto":
            return "tiktok" if self.tiktok.unique_id else "demo"
        return self.source


# --- loading, with line numbers -------------------------------------------------------


class _Located:
    """YAML data plus the line (1-based) of every key and list item, and each value as it was typed."""

    def __init__(self) -> None:
        self.lines: dict[Loc, int] = {}
        self.written: dict[Loc, str] = {}
        self._scalars = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Loc, filename: str) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            previous: yaml.Node | None = None  # the value before this key
            for index, (key_node, value_node) in enumerate(node.value):
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor`
                    where = f"{filename}:{key_node.start_mark.line + 1}"
                    raise ConfigError(Problem(where, dotted(path), "yaml_merge"))
                if previous is not None and result and _thousands_cut(node, key_node, value_node, previous):
                    # `{target: 10,000}`: the comma ends the value, and `000` reads as a key of its own.
                    groups = [previous.value]
                    for cut, empty in node.value[index:]:
                        if groups[1:] and not _thousands_cut(node, cut, empty, previous):
                            break
                        groups.append(cut.value)
                    where = f"{filename}:{key_node.start_mark.line + 1}"
                    if problem := _comma_cut((*path, list(result)[-1]), ",".join(groups), where):
                        raise ConfigError(problem)
                previous = value_node
                key = self.build(key_node, (*path, "<key>"), filename)
                if not isinstance(key, str):
                    key = str(key)
                if key in result:
                    where = f"{filename}:{key_node.start_mark.line + 1}"
                    first = self.lines.get((*path, key), 0)  # (the editor shows one of them: the other may be far)
                    raise ConfigError(Problem(where, dotted((*path, key)), "key_twice", {"line": first}))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, (*path, key), filename)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index), filename) for index, item in enumerate(node.value)]
        self.written[path] = str(node.value) or _comment_after(node)
        where = f"{filename}:{node.start_mark.line + 1}"
        secret = bool(path) and path[-1] in SECRET_KEYS  # its value is never repeated: said by the schema
        odd = _ODD_NUMBER.fullmatch(node.value) if node.tag == "tag:yaml.org,2002:int" and not secret else None
        # YAML 1.1 reads `0500` as octal (320) and `0x10` as 16: never what a goal or a duration means. (A text
        # written so is said to be quoted, by the schema; a number too large for any live is said as such.)
        if odd and _scalar_at(path) in (int, float):
            read = self._scalars.construct_object(node)
            sign = "-" if node.value.startswith("-") else ""
            meant = f"{sign}{int(odd.group(1).replace('_', ''))}" if odd.group(1) else ""
            if abs(read) <= LARGEST_NUMBER and str(read) != meant:  # (`07` is 7 either way)
                meant = meant or str(read)
                raise ConfigError(
                    Problem(where, dotted(path), "odd_number", {"written": node.value, "read": read, "meant": meant})
                )
        try:
            return self._scalars.construct_object(node, deep=True)
        except ValueError as exc:  # `label: 2024-02-30` (no such day), `!!float abc`: at its line and key
            said = Problem(where, dotted(path), "yaml_value", {"written": node.value, "error": exc})
            raise ConfigError(Problem(where, dotted(path), "secret_quotes") if secret else said) from None

    def line_for(self, loc: Loc) -> int | None:
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


def _comma_cut(loc: Loc, written: str, where: str) -> Problem | None:
    """`{target: 10,000}` said for what the key holds: a whole number, a decimal (`1,5`), a text, a secret."""
    kind = _scalar_at(loc)
    if loc[-1] in SECRET_KEYS:
        return Problem(where, dotted(loc), "secret_quotes")
    if kind is int:
        whole = ungrouped(written)
        return (
            Problem(where, dotted(loc), "whole_number_comma", {"written": written, "whole": whole}) if whole else None
        )
    if kind is float:
        return Problem(where, dotted(loc), *decimal_comma(written))
    return Problem(where, dotted(loc), "string_quotes", {"written": written})


def _scalar_at(loc: Loc) -> Any:
    """The type the schema wants at `loc` (`int` for `goals.steps[0].target`), or None for no such key."""
    model: Any = Config
    field: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        field = fields[part]
        model = _inner_model(field.annotation)
    if field is None:
        return None
    annotation = _without_none(field.annotation)[0]
    while typing.get_origin(annotation) is Annotated:  # `WholeNumber | None`
        annotation = typing.get_args(annotation)[0]
    return annotation


def _thousands_cut(mapping: yaml.Node, key: yaml.Node, value: yaml.Node, previous: yaml.Node | None) -> bool:
    """True for the `000` of `{target: 10,000}` (or the `5` of `{scale: 1,5}`): digits read as a key with no
    value, after a number."""
    return (
        getattr(mapping, "flow_style", False) is True
        and isinstance(key, yaml.ScalarNode)
        and key.style is None
        and re.fullmatch(r"\d+", key.value) is not None
        and isinstance(value, yaml.ScalarNode)
        and value.value == ""
        and isinstance(previous, yaml.ScalarNode)
        and previous.tag == "tag:yaml.org,2002:int"
        and re.fullmatch(r"[+-]?\d+", previous.value) is not None
    )


# A whole number YAML reads in another base: `0500` (octal: the digits are group 1), `0x1f`, `0b101`.
_ODD_NUMBER = re.compile(r"[-+]?(?:0([0-7_]*[1-7][0-7_]*)|0[xX][0-9a-fA-F_]+|0b[01_]+)")


def _comment_after(node: yaml.Node) -> str:
    """The comment where an empty value stands (`accent: #fe2c55`: an unquoted # starts one)."""
    mark = node.start_mark
    if not mark.buffer:
        return ""
    end = mark.buffer.find("\n", mark.index)
    rest = mark.buffer[mark.index : end if end >= 0 else None]
    # `#fe2c55` or `#1 du classement`, not a comment such as `# todo`: from the # up to any comment after it.
    found = re.match(r"\s*(#\S.*?)(?:\s+#.*)?\s*$", rest)
    return found.group(1) if found else ""


def load_config(path: str | Path | None = None, *, empty_is_default: bool = True) -> Config:
    """Read and validate a config file; raises ConfigError with a creator-readable message.

    An empty file (or only comments) gives the defaults; with `empty_is_default=False` it is an error
    instead: a file saved empty during a live is a mistake, not a wish to drop every goal and challenge.
    """
    path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(Problem(name, "", "file_not_found")) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        byte = f"0x{exc.object[exc.start]:02x}"
        raise ConfigError(Problem(f"{name}:{line}", "", "not_utf8", {"byte": byte, "reason": str(exc)})) from None
    except OSError as exc:
        raise ConfigError(Problem(name, "", "unreadable", {"reason": str(exc)})) from None
    if not empty_is_default and _is_empty(text):
        raise ConfigError(Problem(name, "", "empty_on_reload"))
    config = parse_config(text, name)
    # Checked here, where the file is read, not in the schema: a misspelt path would otherwise leave every widget in
    # the built-in theme with nothing said (at start, or on the pages after a save).
    css = config.theme.custom_css
    if css and not Path(css).is_file():
        key = "theme.custom_css"
        raise ConfigError(Problem(config.where(key), key, "css_not_found", {"path": str(Path(css).absolute())}))
    return config


def _is_empty(text: str) -> bool:
    """Nothing but blanks and comments (what YAML reads as no document at all)."""
    text = text.removeprefix("\ufeff")  # a byte-order mark alone, as some Windows editors save an emptied file
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _language(written: str) -> str:
    """`FR`, `en-US`, `fr_CA` are `fr` or `en`, as a widget's `?locale=` reads them; anything else stays as written,
    for the error to quote it."""
    language = written.strip().lower().replace("_", "-").split("-")[0]
    return language if language in ("fr", "en") else written


def locale_in(path: str | Path) -> Locale:
    """The `locale:` a config file sets, read as plain text so that it is found even when the rest is invalid.

    The console says the file's mistakes in that language; French (the default locale) when it sets none.
    """
    try:
        text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return "fr"
    found = re.search(r"""^locale\s*:\s*["']?(en|fr)(?:[-_][a-z]+)?["']?\s*(?:#.*)?$""", text, re.MULTILINE | re.I)
    return "en" if found and found.group(1).lower() == "en" else "fr"


def parse_config(text: str, filename: str = "config.yaml") -> Config:
    """Validate YAML text; `filename` is only used in messages."""
    located = _Located()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = {} if node is None else located.build(node, (), filename)
    # Building the values fails too: an unquoted `label: !Bravo` is a YAML tag, `!!int abc` no number,
    # `&a [*a]` a loop. Each is a mistake in the file, said as one, never a traceback.
    except yaml.reader.ReaderError as exc:  # a control character: said at its line, not its offset in the file
        line = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(Problem(f"{filename}:{line}", "", "yaml_control_char", {"char": f"U+{char:04X}"})) from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise ConfigError(_yaml_problem(exc, filename)) from None
    if not isinstance(data, dict):
        raise ConfigError(Problem(f"{filename}:1", "", "not_mapping", {"kind": type(data).__name__}))
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [
            from_pydantic(error, filename, located.line_for, _valid_keys, located.written.get) for error in exc.errors()
        ]
        # In the file's order, as the creator reads it (pydantic goes by the schema's order).
        problems.sort(key=lambda problem: int(line) if (line := problem.where.rpartition(":")[2]).isdigit() else 0)
        raise ConfigError(problems) from None
    config._origin = filename
    config._lines = {dotted(path): line for path, line in located.lines.items() if "<key>" not in path}
    return config


def _yaml_problem(exc: Exception, filename: str) -> Problem:
    """What YAML could not read, at its line and column when it knows them."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Problem(filename, "", "yaml_error", {"error": str(exc) or type(exc).__name__})
    mark = exc.problem_mark or exc.context_mark
    problem = str(exc.problem or exc)
    if mark is None:
        return Problem(filename, "", "yaml_syntax_nowhere", {"problem": problem})
    params: dict[str, Any] = {"problem": problem, "column": mark.column + 1}
    opened, context = exc.context_mark, str(exc.context or "")
    # A quote, `{` or `[` left open: PyYAML stops where it gave up (often the end of the file) and
    # says where the open one started (`context_mark`); that line is the one to fix.
    if opened is not None and opened.buffer and context in _UNCLOSED:
        char = opened.buffer[opened.pointer]
        at = {"column": opened.column + 1, "problem": problem, "line": mark.line + 1}
        if context == "while scanning a quoted scalar":
            return Problem(f"{filename}:{opened.line + 1}", "", "yaml_unclosed_quote", {**at, "quote": char})
        return Problem(
            f"{filename}:{opened.line + 1}", "", "yaml_unclosed", {**at, "open": char, "close": _UNCLOSED[context]}
        )
    # `steps: [` at the very end: PyYAML says where the file ends, a line after its last one. (Its buffer ends in a
    # NUL it adds.)
    end_of_file = context == "while parsing a flow node" and "'<stream end>'" in problem
    if end_of_file and (left_open := _last_open_bracket((mark.buffer or "").rstrip("\0"))) is not None:
        char, where = left_open
        close = "]" if char == "[" else "}"
        at = {"column": where.column + 1, "problem": problem, "line": mark.line + 1, "open": char, "close": close}
        return Problem(f"{filename}:{where.line + 1}", "", "yaml_unclosed", at)
    if context == "while scanning a simple key" and opened is not None:  # `source:demo`: the key's line, not the next
        return Problem(f"{filename}:{opened.line + 1}", "", "yaml_simple_key", {"problem": problem})
    if problem == "mapping values are not allowed here" and mark.buffer and mark.line:
        # `source:demo` as the first key of its block reads as text that goes on to the next line's key.
        previous = mark.buffer.splitlines()[mark.line - 1]
        if re.match(r"\s*[\w.-]+:[^\s:]", previous):
            return Problem(f"{filename}:{mark.line}", "", "yaml_simple_key", {"problem": problem})
    lines = (mark.buffer or "").splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    if problem == "mapping values are not allowed here" and not _secret_on_line(mark):
        # `text: Défi : explosez tout`: the second ": " starts a key where a text goes on.
        # (A comment after it is two spaces away: `Défi : #1 du top` is all text.)
        found = re.match(r"\s*(?:-\s+)?[\w.-]+:\s+(\S.*?)(?:\s{2,}#.*)?\s*$", line)
        if found and mark.column > found.start(1):
            return Problem(f"{filename}:{mark.line + 1}", "", "yaml_colon_in_text", {"quoted": _quoted(found.group(1))})
    if problem == "expected <block end>, but found '<scalar>'":  # `text: "Défi" explosif`
        return Problem(f"{filename}:{mark.line + 1}", "", "yaml_after_quote", {"column": mark.column + 1})
    # A line indented like no block above it: YAML's words say nothing a creator can act on. (Deeper than a
    # `key: value` line above it, YAML reads it as that value going on, up to its ":".)
    indented = problem.startswith("expected <block end>") or (
        problem == "mapping values are not allowed here" and re.fullmatch(r"\s*(?:-\s+)?[\w.-]+", line[: mark.column])
    )
    if indented and mark.line < len(lines):
        above = next(
            (text for text in reversed(lines[: mark.line]) if text.strip() and not text.lstrip().startswith("#")), ""
        )
        spaces, before = (len(text) - len(text.lstrip(" ")) for text in (line, above))
        return Problem(
            f"{filename}:{mark.line + 1}",
            "",
            "yaml_indent",
            {"spaces": spaces, "s": "" if spaces == 1 else "s", "above": before},
        )
    code = "yaml_tag" if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in problem else "yaml_syntax"
    if "'\\t'" in problem or "tab character" in problem:
        code = "yaml_tab"
    elif secret := _secret_on_line(mark):  # YAML's words may quote the value (`found undefined alias 'abc'`)
        return Problem(f"{filename}:{mark.line + 1}", "", "yaml_secret", {"key": secret})
    elif (reserved := re.match(r"found character '([@`])' that cannot start any token", problem)) and mark.buffer:
        word = re.match(r"[^\s,\]}#]*", mark.buffer[mark.pointer :])
        code, params["char"] = "yaml_reserved", reserved.group(1)
        params["fixed"] = '"' + (word.group(0) if word else reserved.group(1)) + '"'
    return Problem(f"{filename}:{mark.line + 1}", "", code, params)


def _quoted(text: str) -> str:
    """`text` in quotes that YAML reads back as `text`: double quotes, or single ones around a backslash."""
    if "\\" in text:  # `C:\dossier`: no escapes between single quotes, where ' is written ''
        return "'" + text.replace("'", "''") + "'"
    return '"' + text.replace('"', '\\"') + '"'


def _secret_on_line(mark: yaml.Mark) -> str:
    """The secret key written on the line of `mark`, or alone on the line before it (its value below), or ""."""
    lines = (mark.buffer or "").splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    before = next((text for text in reversed(lines[: mark.line]) if text.strip()), "")
    for key in sorted(SECRET_KEYS):
        if re.search(rf"\b{key}\b\W*:", line) or re.search(rf"\b{key}\b\W*:\s*$", before):
            return key
    return ""


def _last_open_bracket(text: str) -> tuple[str, yaml.Mark] | None:
    """The innermost `[` or `{` still open where `text` ends, and where it was opened."""
    opened: list[tuple[str, yaml.Mark]] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.FlowSequenceStartToken | yaml.FlowMappingStartToken):
                opened.append(("[" if isinstance(token, yaml.FlowSequenceStartToken) else "{", token.start_mark))
            elif isinstance(token, yaml.FlowSequenceEndToken | yaml.FlowMappingEndToken) and opened:
                opened.pop()
    except yaml.YAMLError:
        return None
    return opened[-1] if opened else None


# PyYAML's contexts for what was opened and not closed, and what closes it.
_UNCLOSED = {
    "while scanning a quoted scalar": "",
    "while parsing a flow mapping": "}",
    "while parsing a flow sequence": "]",
}


def _valid_keys(loc: Loc) -> list[str]:
    """The field names allowed at `loc`, found by walking the schema's type hints."""
    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return []
        model = _inner_model(fields[part].annotation)
    return list(getattr(model, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _inner_model(typing.get_args(annotation)[0])
    if origin in (list, Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _inner_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
        return None
    return annotation


# --- documentation ----------------------------------------------------------------------


class Setting(typing.NamedTuple):
    """One row of the README's settings table, each cell as config.yaml would be written."""

    key: str  # dotted: `goals.steps[].target`
    default: str  # `null`, `false`, `[follow, share, gift]`; words when not a value to copy
    valid: str  # what the schema accepts: `whole number, 0 to 65535`
    description: str


# Defaults clearer said than written: without `goals:`, one goal in the config's language.
DEFAULTS_IN_WORDS = {"goals.steps": "one goal of 10000 likes"}
REQUIRED = "required"


def reference() -> list[Setting]:
    """Every setting, for the README and its test."""
    rows: list[Setting] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            key = f"{prefix}{name}"
            inner = _inner_model(field.annotation)
            if isinstance(inner, type) and issubclass(inner, BaseModel) and typing.get_origin(field.annotation) is None:
                walk(inner, key + ".")
                continue
            rows.append(Setting(key, _default_cell(key, field), _valid_values(field), field.description or ""))
            if isinstance(inner, type) and issubclass(inner, BaseModel):  # a list of items
                walk(inner, key + "[].")

    walk(Config, "")
    return rows


def _default_cell(key: str, field: FieldInfo) -> str:
    """The default as a YAML value to copy (in backticks), or in words."""
    if key in DEFAULTS_IN_WORDS:
        return DEFAULTS_IN_WORDS[key]
    if field.is_required():
        return REQUIRED
    value = field.get_default(call_default_factory=True)
    return f"`{yaml_value(value.get_secret_value() if isinstance(value, SecretStr) else value)}`"


def yaml_value(value: Any) -> str:
    """`value` as written in config.yaml: Python's `None`, `False` or `'fr'` would be refused or read otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    if isinstance(value, str):
        return value if _reads_back(value) else json.dumps(value, ensure_ascii=False)  # JSON's quotes are YAML's
    return repr(value)


def _reads_back(text: str) -> bool:
    """Whether YAML reads `text`, unquoted, as that same text (not `""`, `yes`, `10`, `#...` or `a: b`)."""
    try:
        return bool(text) and yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


# The constraints said in the table, by the name pydantic's metadata gives them.
_CONSTRAINTS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")


def _valid_values(field: FieldInfo) -> str:
    """What the schema accepts for `field`, from its type and constraints: `whole number, 0 to 65535, or null`."""
    annotation, nullable = _without_none(field.annotation)
    found = {
        name: value
        for item in field.metadata
        for name in _CONSTRAINTS
        if (value := getattr(item, name, None)) is not None
    }
    kind = _kind(annotation)
    if any(getattr(item, "func", None) is _colour for item in field.metadata):
        return 'a colour in quotes: "#fe2c55", "red", "rgb(254 44 85)"; or empty'
    if rule := next(
        (item.func for item in field.metadata if isinstance(getattr(item, "func", None), _OwnTextRule)), None
    ):
        limits = ", ".join(
            ["text", *_limits({"min_length": rule.min_length or None, "max_length": rule.max_length}, "character")]
        )
        languages = ", ".join(f"{language}: ..." for language in LOCALES)
        return f"{limits}; or a text per language, {{{languages}}}"
    if found.pop("pattern", None) == ID_PATTERN:
        kind = "1 to 40 characters: letters (no accents), digits, - and _"
        found = {}
    unit = "character" if kind == "text" else "item" if kind.startswith("list") else ""
    said = ", ".join([kind, *_limits(found, unit)])
    return f"{said}{',' if ',' in said else ''} or null" if nullable else said


def _without_none(annotation: Any) -> tuple[Any, bool]:
    """`int | None` -> (int, True)."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _kind(annotation: Any) -> str:
    """The type as a creator says it: `whole number`, `text`, `fr or en`, `list of: follow, share, gift`."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin is Literal:
        return _either([str(choice) for choice in typing.get_args(annotation)])
    if origin is list:
        item = typing.get_args(annotation)[0]
        if typing.get_origin(item) is Literal:
            return "list of: " + ", ".join(map(str, typing.get_args(item)))
        return "list" if isinstance(item, type) and issubclass(item, BaseModel) else "list of texts"
    names = {bool: "true or false", int: "whole number", float: "number", str: "text", SecretStr: "text"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _either(choices: list[str]) -> str:
    """`a, b or c`."""
    return choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"


def _limits(found: dict[str, Any], unit: str) -> list[str]:
    """Range and length constraints in words, numbers as config.yaml writes them (`100000`, `0.25`)."""
    low, high = found.get("min_length", found.get("ge")), found.get("max_length", found.get("le"))

    def counted(number: Any) -> str:
        return f"{number} {unit}{'s' if number != 1 else ''}" if unit else str(number)

    if low is not None and high is not None:
        return [f"{low} to {counted(high)}"]
    said = [f"at least {counted(low)}"] if low is not None else []
    said += [f"more than {found['gt']}"] if "gt" in found else []
    said += [f"at most {counted(high)}"] if high is not None else []
    said += [f"less than {found['lt']}"] if "lt" in found else []
    return said


def reference_markdown() -> str:
    """The README's configuration table: `python -m overlay.config`."""
    lines = ["| Key | Default | Valid values | What it does |", "|---|---|---|---|"]
    for key, default, valid, description in reference():
        cells = (cell.replace("|", "\\|") for cell in (default, valid, description))
        lines.append(f"| `{key}` | {' | '.join(cells)} |")
    return "\n".join(lines)


README_MARKERS = ("<!-- config-reference:start -->", "<!-- config-reference:end -->")


def readme_with_reference(readme: str) -> str:
    """`readme` with the table between its config-reference markers regenerated."""
    start, end = README_MARKERS
    head, _, rest = readme.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{reference_markdown()}\n{end}{tail}"


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--readme"]:  # make docs: refresh the table in README.md
        readme = Path(sys.argv[2])
        readme.write_text(readme_with_reference(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(reference_markdown())
