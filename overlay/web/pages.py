"""Web: the HTML pages (index and widgets), rendered with jinja2 from `widgets/templates`."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from overlay.config import THEMES, Config
from overlay.i18n import TEXTS
from overlay.web.catalog import LOOK_PARAMS, WIDGETS
from overlay.web.keys import CONFIG
from overlay.wording import texts_for

log = logging.getLogger(__name__)

# Widgets are shown inside OBS: no inline script, no third-party origin, avatars from TikTok's CDN (https).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)


def _locale(request: web.Request) -> str:
    asked = request.query.get("locale", "")
    return asked if asked in TEXTS else request.app[CONFIG].locale


def _theme(request: web.Request) -> str:
    asked = request.query.get("theme", "")
    return asked if asked in THEMES else request.app[CONFIG].theme.name


def _look(config: Config) -> dict[str, Any]:
    """The config's theme keys as widget options (the page's script applies them; the URL may override)."""
    return config.theme.model_dump(exclude={"name", "custom_css"})


def _page(template: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def index(request: web.Request) -> web.Response:
    """Every widget with its OBS URL, size and a live preview."""
    locale = _locale(request)
    theme = _theme(request)
    base = f"{request.scheme}://{request.host}"
    # Previews follow the index page's own ?locale= and ?theme= (try the themes without touching OBS).
    preview_query = f"?locale={locale}&theme={theme}" if {"locale", "theme"} & request.query.keys() else ""
    widgets = [
        {
            "name": w.name,
            "title": w.title[locale],
            "about": w.about[locale],
            "width": w.width,
            "height": w.height,
            "url": f"{base}/widgets/{w.name}",
            "preview": f"/widgets/{w.name}{preview_query}",
            "params": w.params,
        }
        for w in WIDGETS.values()
    ]
    context = {
        "widgets": widgets,
        "locale": locale,
        "theme": theme,
        "themes": THEMES,
        "look_params": LOOK_PARAMS,
        "options": {"locale": locale},
    }
    return _page("index.html", request, context)


async def widget(request: web.Request) -> web.Response:
    """One Browser Source page; its options come from the config, overridable in the URL."""
    spec = WIDGETS.get(request.match_info["name"])
    if spec is None:
        raise web.HTTPNotFound(text=f"No widget named {request.match_info['name']!r}. Try: {', '.join(WIDGETS)}")
    config: Config = request.app[CONFIG]
    locale = _locale(request)
    theme = _theme(request)
    options: dict[str, Any] = {
        "locale": locale,
        "theme": theme,
        "widget": spec.name,
        "texts": texts_for(locale, config.safe_wording),
    }
    options.update(_look(config))
    if spec.settings:
        options.update(getattr(config.widgets, spec.settings).model_dump())
    # The URL's options (?count=3&theme=neon) are applied over these by overlay.js in the page.
    context = {
        "widget": spec,
        "locale": locale,
        "theme": theme,
        "custom_css": bool(config.theme.custom_css),
        "options": options,
    }
    return _page(f"{spec.name}.html", request, context)


async def custom_css(request: web.Request) -> web.Response:
    """The creator's own CSS (`theme.custom_css`), read at each request so an edit shows on the next reload."""
    name = request.app[CONFIG].theme.custom_css
    if not name:
        raise web.HTTPNotFound(text="No custom CSS: set theme.custom_css in config.yaml")
    try:
        css = await asyncio.to_thread(Path(name).read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("theme.custom_css: cannot read %s: %s", name, exc)
        raise web.HTTPNotFound(text=f"theme.custom_css: cannot read {name}") from None
    return web.Response(text=css, content_type="text/css", headers={"Cache-Control": "no-store"})
