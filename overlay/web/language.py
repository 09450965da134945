"""Web: the language a request is answered in (pages, widgets, and the API's error messages)."""

from __future__ import annotations

from aiohttp import web

from overlay.i18n import LOCALES, Locale
from overlay.web.keys import ENGINE


def page_locale(request: web.Request) -> Locale:
    """The page's language: `?locale=fr|en` (`EN`, `en-US` and `en_GB` read as `en`), else the running config's.

    Widget pages send this choice in their options, and their script formats numbers with it too.
    Not `Accept-Language`: a browser or OBS says the system's language, not the one chosen for the overlay.
    """
    return asked_locale(request) or request.app[ENGINE].config.locale


def asked_locale(request: web.Request) -> Locale | None:
    """The language `?locale=` asks for, if it names one: a link that passes it on keeps the reader's choice, and
    one that does not follows the config's, even after an edit of `locale`."""
    language = request.query.get("locale", "").lower().replace("_", "-").partition("-")[0]
    return next((locale for locale in LOCALES if locale == language), None)
