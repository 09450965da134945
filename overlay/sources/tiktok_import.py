"""Import TikTokLive without the parts of it the overlay never uses: ~9 MB less memory, ~0.3 s sooner.

Importing this module imports TikTokLive, lighter, unless something imported it already. It must
come first: `overlay.sources.tiktok` imports it before TikTokLive, and so does the test suite's
conftest (so the tests run TikTokLive as the server does).

Two things TikTokLive 7.0.1 does at import are work the overlay never gets anything from
(measured in one process after aiohttp and pydantic, see bench/README "TikTokLive imported lighter"):

- **Every model of the Euler signing API.** TikTokLive imports 8 of the 262 attrs classes of
  `EulerApiSdk.models`, but that package's `__init__` imports all of them: ~6 MB. Here
  `EulerApiSdk.models` is put in `sys.modules` as a module that imports each model when a name is
  first asked of it (PEP 562 `__getattr__`, names read from the real `__init__`); its submodules
  are the real ones, found through the real `__path__`.
- **Validators built before any message is read.** TikTokLive's ~670 message classes are pydantic
  dataclasses; pydantic builds the validator of ~250 of them as each class is defined: ~3 MB. The
  source decodes a dozen kinds through the library (its hot messages are read in C, see
  `tiktok_decoding`), so the classes are defined with pydantic's `defer_build`: a class builds its
  validator the first time a message of it is made, from the same schema. (Where it is built
  matters for a few classes, whose type names the decoding frame hides: as for the ~420 classes
  that TikTokLive already left to build on first use, see `build_validators_parse_would_hide`.)

Both only for the versions read (`KNOWN`); any other version is imported as it is.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.metadata
import importlib.util
import logging
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

KNOWN = {"TikTokLive": "7.0.1", "EulerApiSdk": "0.1.0"}  # the versions whose imports were read
MODELS = "EulerApiSdk.models"


def _versions_known() -> bool:
    try:
        return all(importlib.metadata.version(name) == version for name, version in KNOWN.items())
    except importlib.metadata.PackageNotFoundError:
        return False


def lazy_package(name: str) -> types.ModuleType | None:
    """A stand-in for package `name` whose names are imported from its submodules on first use.

    Reads the package's `__init__` for its `from .submodule import Name` lines without running it;
    None when that file holds anything else, or cannot be read (then the real package must be
    imported as it is). A submodule is an attribute too, as on the real package once imported.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        return None
    try:
        with open(spec.origin, encoding="utf-8") as file:
            tree = ast.parse(file.read(), spec.origin)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    where: dict[str, tuple[str, str]] = {}  # the name it has here -> (submodule, the name it has there)
    exported: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                if alias.name == "*":
                    return None
                where[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            try:
                exported = list(ast.literal_eval(node.value))
            except (ValueError, TypeError):
                return None
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # the docstring
            return None
    module = types.ModuleType(name, ast.get_docstring(tree))
    module.__spec__ = spec
    module.__loader__ = spec.loader
    module.__file__ = spec.origin
    module.__path__ = list(spec.submodule_search_locations)
    module.__package__ = name
    if exported is not None:
        module.__all__ = exported  # type: ignore[attr-defined]

    def __getattr__(attribute: str) -> Any:
        if attribute in where:
            submodule, original = where[attribute]
            value = getattr(importlib.import_module(f"{name}.{submodule}"), original)
        elif not attribute.startswith("__") and importlib.util.find_spec(f"{name}.{attribute}") is not None:
            value = importlib.import_module(f"{name}.{attribute}")
        else:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        setattr(module, attribute, value)  # asked once: the next time is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(module.__dict__) | set(where))

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = __dir__  # type: ignore[method-assign]
    return module


@contextlib.contextmanager
def deferred_pydantic_dataclasses() -> Iterator[None]:
    """Pydantic dataclasses defined within the block build their validators on first use, not when defined.

    A class given a config of its own (`config=...`) keeps it, and builds as it says. The modules
    imported meanwhile keep this wrapper as their `dataclass`; they only call it as they define
    their classes.
    """
    import pydantic
    import pydantic.dataclasses

    original: Callable[..., Any] = pydantic.dataclasses.dataclass

    def dataclass(_cls: type | None = None, /, **kwargs: Any) -> Any:
        kwargs.setdefault("config", pydantic.ConfigDict(defer_build=True))
        return original(_cls, **kwargs) if _cls is not None else original(**kwargs)

    pydantic.dataclasses.dataclass = dataclass
    try:
        yield
    finally:
        pydantic.dataclasses.dataclass = original


def import_tiktoklive() -> bool:
    """Import TikTokLive, lighter when its version is one read here; True when the lighter import was made."""
    if not _versions_known():
        log.info("TikTokLive or EulerApiSdk is not a version read here (%s): imported as it is", KNOWN)
        importlib.import_module("TikTokLive")
        return False
    if {"TikTokLive", "TikTokLiveProto"} & sys.modules.keys():
        importlib.import_module("TikTokLive")  # imported already, as it was: nothing to make lighter
        return False
    import EulerApiSdk

    if MODELS not in sys.modules:
        models = lazy_package(MODELS)
        if models is not None:
            sys.modules[MODELS] = models
            EulerApiSdk.models = models  # type: ignore[attr-defined]
    with deferred_pydantic_dataclasses():
        importlib.import_module("TikTokLive")
    return True


LIGHTER = import_tiktoklive()
