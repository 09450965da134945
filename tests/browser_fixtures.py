"""Browser fixtures: Debian's headless Chromium driven by Playwright, and helpers to look at widgets.

`tests/conftest.py` re-exports the fixtures (`browser`, `tab`), so any test module can ask for them.
Screenshots are kept under `test-artifacts/` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import base64
import os
import re
import struct
import weakref
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

if TYPE_CHECKING:
    from tests.conftest import ServerThread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SCREEN = {"width": 1920, "height": 1080}


# Module scope, not session: Playwright's sync API keeps an event loop running while it is open, which
# would break the asyncio tests (pytest-asyncio) collected after a browser module.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium per test module; missing is a failure in CI, a skip on a dev machine."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; install it with: sudo apt-get install chromium"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield launched
    launched.close()


@dataclass
class WidgetPage:
    """A 1920x1080 tab, plus what went wrong in it (uncaught errors, dialogs a nickname might have opened)."""

    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def open(self, server: ServerThread, path: str) -> Page:
        """Load `path` and wait until the widget has drawn its first state from the server."""
        self.page.goto(server.url + path)
        self.page.wait_for_selector('html[data-overlay="live"]', state="attached")
        return self.page


@pytest.fixture
def tab(browser: Browser) -> Iterator[WidgetPage]:
    context = browser.new_context(viewport=SCREEN, device_scale_factor=1)
    context.set_default_timeout(10_000)
    page = context.new_page()
    watched = WidgetPage(page)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on("console", lambda message: _console(watched, message))

    def dialog(d: Any) -> None:
        watched.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    yield watched
    context.close()
    assert not watched.errors, f"uncaught errors in the page: {watched.errors}"
    assert not watched.dialogs, f"the page opened dialogs: {watched.dialogs}"


def _console(watched: WidgetPage, message: ConsoleMessage) -> None:
    if message.type == "error":
        watched.console.append(message.text)


def artifact_name(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", part).strip("_") for part in parts if part)


def screenshot(page: Page, name: str) -> bytes:
    """A transparent-background PNG of the whole viewport, kept as `test-artifacts/<name>.png`."""
    ARTIFACTS.mkdir(exist_ok=True)
    png = page.screenshot(omit_background=True, animations="disabled")
    (ARTIFACTS / f"{name}.png").write_bytes(png)
    return png


@dataclass(frozen=True)
class Pixels:
    width: int
    height: int
    transparent: int  # alpha 0: the stream shows through
    visible: int  # alpha >= 128: the widget's content

    @property
    def total(self) -> int:
        return self.width * self.height


# One blank page per browser decodes every screenshot: opening a tab costs more than decoding one.
_decoders: weakref.WeakKeyDictionary[Browser, Page] = weakref.WeakKeyDictionary()


def _decoder(browser: Browser) -> Page:
    page = _decoders.get(browser)
    if page is None or page.is_closed():
        page = _decoders[browser] = browser.new_context().new_page()
    return page


def pixels(browser: Browser, png: bytes) -> Pixels:
    """Decode a PNG in the browser (no image library needed) and count transparent and visible pixels."""
    counts = _decoder(browser).evaluate(
        """async (data) => {
                const image = new Image();
                image.src = "data:image/png;base64," + data;
                await image.decode();
                const canvas = document.createElement("canvas");
                canvas.width = image.naturalWidth;
                canvas.height = image.naturalHeight;
                const g = canvas.getContext("2d");
                g.drawImage(image, 0, 0);
                const rgba = g.getImageData(0, 0, canvas.width, canvas.height).data;
                let transparent = 0, visible = 0;
                for (let i = 3; i < rgba.length; i += 4) {
                    if (rgba[i] === 0) transparent++;
                    else if (rgba[i] >= 128) visible++;
                }
                return [canvas.width, canvas.height, transparent, visible];
            }""",
        base64.b64encode(png).decode("ascii"),
    )
    return Pixels(*counts)


def background(page: Page) -> list[str]:
    """The computed background colours of <html> and <body>."""
    return page.evaluate("[document.documentElement, document.body].map((e) => getComputedStyle(e).backgroundColor)")


TRANSPARENT = ["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0)"]


def assert_transparent(browser: Browser, page: Page, name: str, *, min_visible: int = 2000) -> Pixels:
    """The page lets the stream show through (computed style and real pixels) and draws something."""
    assert background(page) == TRANSPARENT
    shot = pixels(browser, screenshot(page, name))
    assert (shot.width, shot.height) == (SCREEN["width"], SCREEN["height"])
    assert shot.transparent > shot.total * 0.5, f"{name}: only {shot.transparent} of {shot.total} pixels transparent"
    assert shot.visible >= min_visible, f"{name}: only {shot.visible} visible pixels; is the widget drawn?"
    return shot


def box_width(page: Page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return float(box["width"])


NNBSP = "\u202f"  # what French puts between thousands: 10 000


def wait_text(page: Page, selector: str, text: str) -> None:
    """Wait until the element's text is exactly `text` (Playwright's own matchers fold U+202F into a space)."""
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent === text", arg=[selector, text]
    )


def tiny_png(rgba: tuple[int, int, int, int] = (255, 0, 80, 255), size: int = 4) -> bytes:
    """A small one-colour PNG, served to the browser in place of an avatar from a CDN."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgba) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
