"""Web: the HTML pages (index and widgets), rendered with jinja2 from `widgets/templates`."""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from overlay.config import THEMES, Config
from overlay.web.catalog import LOOK_PARAMS, WIDGETS, Widget
from overlay.web.errors import not_found_text
from overlay.web.keys import ENGINE
from overlay.web.language import page_locale
from overlay.wording import texts_for

log = logging.getLogger(__name__)

# Widgets are shown inside OBS: no inline script, no third-party origin, avatars from TikTok's CDN (https).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)


def running_config(request: web.Request) -> Config:
    """The config as it runs now: `config.yaml` edits apply live (`overlay/reload.py`), so not `app[CONFIG]`."""
    return request.app[ENGINE].config


def _theme(request: web.Request) -> str:
    asked = request.query.get("theme", "")
    return asked if asked in THEMES else running_config(request).theme.name


def _look(config: Config) -> dict[str, Any]:
    """The config's theme keys as widget options (the page's script applies them; the URL may override)."""
    return config.theme.model_dump(exclude={"name", "custom_css"})


def render_page(template: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    """A jinja2 page with the security headers every page of ours sends."""
    return _secured(aiohttp_jinja2.render_template(template, request, context))


async def render_page_in_thread(template: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    """`render_page` for a page that takes long to render (a 12-hour live's stats: ~70 ms): in a worker thread,
    so the widgets keep getting their frames meanwhile. `context` is only read, and must not change meanwhile."""
    text = await asyncio.to_thread(aiohttp_jinja2.render_string, template, request, context)
    return _secured(web.Response(text=text, content_type="text/html", charset="utf-8"))


def _secured(response: web.Response) -> web.Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def index(request: web.Request) -> web.Response:
    """Every widget with its OBS URL, size and a live preview."""
    locale = page_locale(request)
    theme = _theme(request)
    base = f"{request.scheme}://{request.host}"
    # Previews follow the index page's own ?locale= and ?theme= (try the themes without touching OBS).
    preview_query = f"?locale={locale}&theme={theme}" if {"locale", "theme"} & request.query.keys() else ""
    # The URL to copy gives the source what its preview shows: a language or theme picked here, not the config's.
    config = running_config(request)
    picked = {
        key: value
        for key, value, configured in (("locale", locale, config.locale), ("theme", theme, config.theme.name))
        if key in request.query and value != configured
    }
    url_query = "?" + urllib.parse.urlencode(picked) if picked else ""
    widgets = [
        {
            "name": w.name,
            "title": w.title[locale],
            "about": w.about[locale],
            "width": w.width,
            "height": w.height,
            "url": f"{base}/widgets/{w.name}{url_query}",
            "preview": f"/widgets/{w.name}{preview_query}",
            "params": w.params,
        }
        for w in WIDGETS.values()
    ]
    context = {
        "widgets": widgets,
        # The lives' stats, in this page's language when it was asked for one (the stats pages keep a ?locale=).
        "stats_url": "/stats" + (f"?locale={locale}" if "locale" in picked else ""),
        "locale": locale,
        "theme": theme,
        "themes": THEMES,
        "look_params": LOOK_PARAMS,
        "options": {"locale": locale},
    }
    return render_page("index.html", request, context)


def _widget_spec(request: web.Request) -> Widget:
    name = request.match_info["name"]
    spec = WIDGETS.get(name)
    if spec is None:
        # Written back %-encoded, as the router's own 404 does: a crafted link cannot add lines or reverse words.
        shown = urllib.parse.quote(name, safe="!$&'()*+,;=:@~")[:200]
        not_found_text(request, "no_widget", name=shown, widgets=", ".join(WIDGETS))
    return spec


def _widget_options(request: web.Request, spec: Widget) -> dict[str, Any]:
    """A widget's options from the running config; the page's URL query picks the locale and theme."""
    config = running_config(request)
    locale = page_locale(request)
    options: dict[str, Any] = {
        "locale": locale,
        "theme": _theme(request),
        "widget": spec.name,
        "texts": texts_for(locale, config.safe_wording),
        "custom_css": bool(config.theme.custom_css),
        # The config these options come from: overlay.js fetches new ones when the state's differs.
        "config_version": request.app[ENGINE].config_status.get("version", 0),
    }
    options.update(_look(config))
    if spec.settings:
        options.update(getattr(config.widgets, spec.settings).model_dump())
    return options


async def widget(request: web.Request) -> web.Response:
    """One Browser Source page; its options come from the config, overridable in the URL."""
    spec = _widget_spec(request)
    options = _widget_options(request, spec)
    # The URL's options (?count=3&theme=neon) are applied over these by overlay.js in the page.
    context = {
        "widget": spec,
        "locale": options["locale"],
        "theme": options["theme"],
        "custom_css": options["custom_css"],
        "options": options,
    }
    return render_page(f"{spec.name}.html", request, context)


async def widget_options(request: web.Request) -> web.Response:
    """`GET /widgets/{name}/options`: what the widget's page has in `#overlay-options`, for the same URL query.

    An open widget fetches it again after a config edit, so OBS never needs to reload it.
    """
    options = _widget_options(request, _widget_spec(request))
    # Sorted like the page's copy (jinja's tojson), so the page can tell whether anything changed.
    text = json.dumps(options, ensure_ascii=False, sort_keys=True)
    return web.json_response(text=text, headers={"Cache-Control": "no-store"})


async def custom_css(request: web.Request) -> web.Response:
    """The creator's own CSS (`theme.custom_css`), read at each request so an edit shows on the next reload."""
    name = running_config(request).theme.custom_css
    if not name:
        raise web.HTTPNotFound(text="No custom CSS: set theme.custom_css in config.yaml")
    try:
        css = await asyncio.to_thread(Path(name).read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("theme.custom_css: cannot read %s: %s", name, exc)
        raise web.HTTPNotFound(text=f"theme.custom_css: cannot read {name}") from None
    return web.Response(text=css, content_type="text/css", headers={"Cache-Control": "no-store"})
