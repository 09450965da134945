"""Web: the HTML pages (index and widgets), rendered with jinja2 from `widgets/templates`."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from overlay.i18n import TEXTS
from overlay.web.catalog import WIDGETS
from overlay.web.keys import CONFIG

# Widgets are shown inside OBS: no inline script, no third-party origin, avatars from TikTok's CDN (https).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)


def _locale(request: web.Request) -> str:
    asked = request.query.get("locale", "")
    return asked if asked in TEXTS else request.app[CONFIG].locale


def _page(template: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def index(request: web.Request) -> web.Response:
    """Every widget with its OBS URL, size and a live preview."""
    locale = _locale(request)
    base = f"{request.scheme}://{request.host}"
    widgets = [
        {
            "name": w.name,
            "title": w.title[locale],
            "about": w.about[locale],
            "width": w.width,
            "height": w.height,
            "url": f"{base}/widgets/{w.name}",
        }
        for w in WIDGETS.values()
    ]
    return _page("index.html", request, {"widgets": widgets, "locale": locale, "options": {"locale": locale}})


async def widget(request: web.Request) -> web.Response:
    """One Browser Source page; its options come from the config, overridable in the URL."""
    spec = WIDGETS.get(request.match_info["name"])
    if spec is None:
        raise web.HTTPNotFound(text=f"No widget named {request.match_info['name']!r}. Try: {', '.join(WIDGETS)}")
    locale = _locale(request)
    options = {"locale": locale, "widget": spec.name, "texts": TEXTS[locale]}
    options.update({key: request.query[key] for key in spec.params if key in request.query and key != "locale"})
    return _page(f"{spec.name}.html", request, {"widget": spec, "locale": locale, "options": options})
