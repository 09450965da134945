"""TikTokLive imported lighter (`overlay.sources.tiktok_import`): the same library, less of it loaded before use.

This test process imports TikTokLive the lighter way, as the server does (the conftest imports the
module first); the comparisons with the plain import run in fresh processes.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from TikTokLive.events import (
    CommentEvent,
    ControlEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    RoomUserSeqEvent,
    SocialEvent,
)

from overlay.sources import tiktok_import
from overlay.sources.tiktok_import import MODELS, lazy_package
from tests.test_source_tiktok import comment, gift, join, like, live_end, social, viewers

ROOT = Path(__file__).resolve().parent.parent
EVENTS = {
    cls.__name__: cls
    for cls in (LikeEvent, SocialEvent, GiftEvent, CommentEvent, RoomUserSeqEvent, JoinEvent, ControlEvent)
}

DECODE = """
import json, sys
sys.path.insert(0, {root!r})
{first}
import pydantic.dataclasses
from TikTokLive.events import CommentEvent, ControlEvent, GiftEvent, JoinEvent, LikeEvent, RoomUserSeqEvent, SocialEvent
import overlay.sources.tiktok_import as light
from overlay.sources.tiktok_decoding import message_classes
classes = message_classes()
built = sum(1 for cls in classes if cls.__dict__.get("__pydantic_complete__"))
events = {{
    cls.__name__: cls
    for cls in (LikeEvent, SocialEvent, GiftEvent, CommentEvent, RoomUserSeqEvent, JoinEvent, ControlEvent)
}}
decoded = [bytes(events[name]().parse(bytes.fromhex(wire))).hex() for name, wire in json.load(sys.stdin)]
print(json.dumps({{
    "lighter": light.LIGHTER,
    "classes": len(classes),
    "built at import": built,
    "dataclass as it was": pydantic.dataclasses.dataclass.__module__ == "pydantic.dataclasses",
    "decoded": decoded,
}}))
"""


def python(script: str, stdin: str = "") -> Any:
    """Run `script` in a fresh interpreter from the project's root; its last line of output, read as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", script], input=stdin, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def wire() -> list[tuple[str, str]]:
    """One message of each kind the source reads through the library or in C, as TikTok sends them."""
    messages = [
        ("LikeEvent", like(3, 1234, msg_id=1)),
        ("SocialEvent", social("follow", 2)),
        ("SocialEvent", social("share", 3)),
        ("GiftEvent", gift("Rose", 1, 5, streaking=False, msg_id=4)),
        ("CommentEvent", comment("Trop bien <b>ce live</b> 💖", 5)),
        ("RoomUserSeqEvent", viewers(4321)),
        ("JoinEvent", join(6)),
        ("ControlEvent", live_end()),
    ]
    return [(name, bytes(message.payload).hex()) for name, message in messages]


@pytest.fixture(scope="module")
def decoded_by_a_fresh_server() -> Any:
    """`wire()` decoded in a fresh process that imports TikTokLive as the server does (one process, two tests)."""
    return python(DECODE.format(root=str(ROOT), first="import overlay.sources.tiktok"), json.dumps(wire()))


def test_the_suite_runs_the_lighter_import_as_the_server_does() -> None:
    assert tiktok_import.LIGHTER, "TikTokLive or EulerApiSdk is not a version read in tiktok_import.KNOWN"
    assert "__getattr__" in vars(sys.modules[MODELS])  # the stand-in that imports each model when asked


def test_the_server_s_import_decodes_as_the_plain_one_with_validators_built_on_first_use(
    decoded_by_a_fresh_server: Any,
) -> None:
    # Both in fresh processes: the same messages, each decoded then encoded again (every field).
    messages = json.dumps(wire())
    plain = python(DECODE.format(root=str(ROOT), first="import TikTokLive  # imported first: the plain way"), messages)
    server = decoded_by_a_fresh_server
    assert (plain["lighter"], server["lighter"]) == (False, True)
    assert server["decoded"] == plain["decoded"]
    assert server["classes"] == plain["classes"] > 600
    assert plain["built at import"] > 200
    assert server["built at import"] < 10
    assert server["dataclass as it was"]


def test_this_process_decodes_as_a_fresh_server_does(decoded_by_a_fresh_server: Any) -> None:
    messages = wire()
    fresh = decoded_by_a_fresh_server
    here = [EVENTS[name]().parse(bytes.fromhex(data)) for name, data in messages]
    assert [bytes(event).hex() for event in here] == fresh["decoded"]
    assert here[0].total == 1234


def test_every_euler_model_name_is_the_one_the_real_package_would_give() -> None:
    models = sys.modules[MODELS]
    real: dict[str, Any] = {"__name__": MODELS, "__package__": MODELS}
    exec(compile(Path(models.__file__ or "").read_text(encoding="utf-8"), models.__file__ or "", "exec"), real)
    names = list(real["__all__"])
    assert len(names) > 200
    assert all(getattr(models, name) is real[name] for name in names)
    assert sorted(real["__all__"]) == sorted(models.__all__)
    from EulerApiSdk.models import JSONResponse

    assert JSONResponse is real["JSONResponse"]
    assert "ProxySignResult" in dir(models)
    assert models.account is importlib.import_module(f"{MODELS}.account")  # a submodule, as on the real package
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        models.Nothing  # noqa: B018
    with pytest.raises(ImportError):
        from EulerApiSdk.models import Nothing  # noqa: F401


def test_a_fresh_server_process_imports_only_the_euler_models_tiktoklive_uses() -> None:
    loaded = python(
        "import json, sys; import overlay.sources.tiktok; import overlay.sources.tiktok_import as light;"
        "print(json.dumps([light.LIGHTER, sorted(m for m in sys.modules if m.startswith('EulerApiSdk.models.'))]))"
    )
    lighter, models = loaded
    assert lighter is True
    assert "EulerApiSdk.models.proxy_sign_result" in models  # what TikTokLive imports is there
    assert "EulerApiSdk.models.account" not in models
    assert len(models) < 30  # of 262


@pytest.mark.parametrize(
    "before",
    [
        "real = m.version\nm.version = lambda name: '7.0.2' if name == 'TikTokLive' else real(name)",
        "import TikTokLiveProto.v3.webcast.im  # its classes defined already, the plain way",
    ],
    ids=["a version not read", "its protos imported first"],
)
def test_otherwise_tiktoklive_is_imported_as_it_is(before: str) -> None:
    loaded = python(
        f"import importlib.metadata as m, json, sys\n{before}\n"
        "import overlay.sources.tiktok_import as light\n"
        "print(json.dumps([light.LIGHTER, 'EulerApiSdk.models.account' in sys.modules, 'TikTokLive' in sys.modules]))"
    )
    assert loaded == [False, True, True]


def test_a_package_whose_init_does_more_than_import_names_is_left_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, init in (
        ("plainpkg", '"""Names."""\nfrom .a import A\nfrom .a import A as B\n__all__ = ("A",)\n'),
        ("busypkg", "from .a import A\nA.x = 1\n"),
        ("starpkg", "from .a import *\n"),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(init, encoding="utf-8")
        (tmp_path / name / "a.py").write_text("class A:\n    pass\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert lazy_package("busypkg") is None
    assert lazy_package("starpkg") is None
    lazy = lazy_package("plainpkg")
    assert lazy is not None
    assert "plainpkg.a" not in sys.modules
    monkeypatch.setitem(sys.modules, "plainpkg", lazy)
    try:
        assert lazy.A is importlib.import_module("plainpkg.a").A
        assert lazy.B is lazy.A
        assert lazy.a is sys.modules["plainpkg.a"]
        assert lazy.__all__ == ["A"]  # as the real package says, not every name it imports
        assert lazy.__doc__ == "Names."
        with pytest.raises(AttributeError):
            lazy.C  # noqa: B018
    finally:
        sys.modules.pop("plainpkg.a", None)
