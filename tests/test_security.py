"""Who may talk to the server: loopback Host names, exact same origin, the control token, JSON only.

A web page the streamer opens in their browser must not be able to read or drive the overlay,
whether by DNS rebinding (a foreign Host), a cross-site request (a foreign Origin), or a form.
"""

from __future__ import annotations

import asyncio
import html.parser
import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import websockets
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.sync_api import Browser, Page

from overlay.config import ConfigError
from overlay.events import Like, User
from overlay.web import app as app_module
from overlay.web import control, create_app
from overlay.web.keys import CONTROL_TOKEN, ENGINE
from overlay.web.security import LOG_FILTER, SERVER_LOGGERS, TOKEN_FILE, hide_secrets_in_logs
from tests.browser_fixtures import wait_text
from tests.conftest import DrivenSource, ServerThread, http_url, make_config, percent_encoded, ws_url

CHALLENGES = [{"id": "boom", "text": "<b>Défi</b> <img src=x onerror=alert(2)>", "target": 100, "hotkey": "1"}]
EVIL_NICKNAME = "<img src=x onerror=alert(1)>"


@pytest.fixture
async def app_server(source: DrivenSource, tmp_path: Path) -> AsyncIterator[TestServer]:
    app = create_app(make_config(challenges=CHALLENGES), source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


async def request(
    server: TestServer, method: str, path: str, headers: dict[str, str], data: Any = None
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, http_url(server, path), headers=headers, data=data) as response,
    ):
        return response.status, await response.text()


def authorized(server: TestServer, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.app[CONTROL_TOKEN]}", "Content-Type": "application/json", **extra}


def nothing_started(server: TestServer) -> bool:
    return server.app[ENGINE].challenges.current is None


# -- Host: against DNS rebinding ----------------------------------------------------------------

FOREIGN_HOSTS = ["evil.example.com", "localhost.evil.com", "192.168.1.20:8080", "127.0.0.1.nip.io"]
ODD_HOSTS = ["[::1].evil.com", "[::1]evil.com:80"]  # no browser sends these; a loose parser took them for [::1]
# Python reads any text after `%` as an IPv6 zone: taken for ::1, then shown on the index page.
ZONED_HOSTS = ["::1%<b>x", "::1%eth0", "[::1%25lo]:8080", "[::1%lo]"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS + ODD_HOSTS + ZONED_HOSTS)
@pytest.mark.parametrize("path", ["/", "/control", "/widgets/challenge", "/api/state", "/api/challenges"])
async def test_a_foreign_host_gets_403_on_pages_and_api(app_server: TestServer, host: str, path: str) -> None:
    status, body = await request(app_server, "GET", path, {"Host": host})
    assert status == 403
    assert "server.allowed_hosts" in json.loads(body)["error"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
async def test_a_foreign_host_gets_403_on_control_actions_even_with_the_token(
    app_server: TestServer, host: str
) -> None:
    status, _ = await request(app_server, "POST", "/api/challenges/boom/start", authorized(app_server, Host=host))
    assert status == 403
    assert nothing_started(app_server)


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
async def test_a_foreign_host_gets_403_on_the_websocket_upgrade(app_server: TestServer, host: str) -> None:
    """What DNS rebinding looks like: a foreign name in the URL (and Host) that resolves to this machine."""
    name = host.split(":")[0]
    with (
        socket.create_connection(("127.0.0.1", app_server.port)) as sock,
        pytest.raises(websockets.InvalidStatus) as refused,
    ):
        async with websockets.connect(f"ws://{name}:{app_server.port}/ws", sock=sock):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "127.0.0.2"])
async def test_loopback_names_are_welcome(app_server: TestServer, host: str) -> None:
    status, _ = await request(app_server, "GET", "/api/state", {"Host": f"{host}:{app_server.port}"})
    assert status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/%5C%5Cattacker.example%5Cshare%5Cx.js",  # a Windows network path: asking for it sends the login
        "/static/%2F%2Fattacker.example%2Fshare%2Fx.js",
        "/static/C:%5Cx.js",
        "/static/..%2F..%2F..%2Fetc%2Fpasswd",
        "/static/" + "a" * 300 + ".js",
    ],
)
async def test_a_static_name_outside_the_folder_is_never_looked_up_on_disk(
    app_server: TestServer, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    looked_up: list[str] = []
    is_file = Path.is_file
    monkeypatch.setattr(Path, "is_file", lambda self: looked_up.append(str(self)) or is_file(self))
    async with aiohttp.ClientSession() as session, session.get(http_url(app_server, path)) as response:
        assert response.status in (403, 404)
    assert not [seen for seen in looked_up if "attacker" in seen or "passwd" in seen or "C:" in seen], looked_up


async def test_a_host_listed_in_the_config_is_welcome(source: DrivenSource, tmp_path: Path) -> None:
    # Written as people write them (with a port, a scheme, capitals): what the Host check compares.
    hosts = ["studio-pc.local:8080", "http://Studio2.local/", "fe80::1", "my_pc"]
    config = make_config(server={"allowed_hosts": hosts})
    assert config.server.allowed_hosts == ["studio-pc.local", "studio2.local", "[fe80::1]", "my_pc"]
    async with TestServer(create_app(config, source=source, data_dir=tmp_path), host="127.0.0.1") as server:
        for host in ("studio-pc.local:8080", "studio-pc.local.:8080", "studio2.local:8080", "[fe80::1]:8080", "my_pc"):
            status, _ = await request(server, "GET", "/api/state", {"Host": host})
            assert status == 200
        status, body = await request(server, "GET", "/api/state", {"Host": "other.local:8080"})
        assert (status, json.loads(body)) == (
            403,
            {
                # The name to add, in the config's language (French by default).
                "error": "le nom «\u00a0other.local\u00a0» n'est pas autorisé\u202f; "
                "ajoutez-le à server.allowed_hosts dans config.yaml",
                "code": "host_not_allowed",
            },
        )


async def test_a_host_that_is_not_utf8_gets_its_403_not_a_500(app_server: TestServer) -> None:
    # aiohttp reads header bytes that are not UTF-8 as lone surrogates, which the answer's UTF-8 could not encode:
    # a 500, and an ERROR with its traceback in the log for each such request any local program sends.
    reader, writer = await asyncio.open_connection("127.0.0.1", app_server.port)
    writer.write(b"GET /api/state HTTP/1.1\r\nHost: evil\xff.com\r\nConnection: close\r\n\r\n")
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 403 ")
    said = json.loads(body)
    assert said["code"] == "host_not_allowed"
    assert "evil\\udcff.com" in said["error"]  # (the byte shown as an escape)


def test_a_wildcard_host_is_refused_with_what_to_write() -> None:
    with pytest.raises(ConfigError, match=r"not a host name: write a name like studio-pc\.local"):
        make_config(server={"allowed_hosts": ["*"]})


# -- Origin: exact same origin, no prefix match -------------------------------------------------


def foreign_origins(server: TestServer) -> list[str]:
    port = server.port
    return [
        "http://localhost.evil.com",
        f"http://127.0.0.1:{port}.evil.com",
        f"http://127.0.0.1.evil.com:{port}",
        f"http://localhost:{port}",  # another origin, even if it is this machine
        f"http://127.0.0.1:{port + 1}",
        "https://evil.example",
        "null",  # sandboxed iframes, file:// pages
    ]


async def test_a_foreign_origin_is_refused_on_the_websocket(app_server: TestServer) -> None:
    for origin in foreign_origins(app_server):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(ws_url(app_server), origin=origin):  # type: ignore[arg-type]
                pass
        assert refused.value.response.status_code == 403, origin
        assert json.loads(refused.value.response.body)["code"] == "foreign_page"


async def test_the_same_origin_is_accepted_on_the_websocket(app_server: TestServer) -> None:
    origin = f"http://127.0.0.1:{app_server.port}"
    async with websockets.connect(ws_url(app_server), origin=origin) as ws:  # type: ignore[arg-type]
        assert json.loads(await ws.recv())["type"] == "state"


async def test_a_foreign_origin_is_refused_on_post_even_with_the_token(app_server: TestServer) -> None:
    for origin in foreign_origins(app_server):
        for path in ("/api/challenges/boom/start", "/api/goals/reset", "/api/challenges/cancel"):
            status, body = await request(app_server, "POST", path, authorized(app_server, Origin=origin), "{}")
            assert status == 403, (origin, path)
            assert json.loads(body) == {
                "error": "les requêtes venant d'une autre page web sont refusées",
                "code": "foreign_page",
            }
    assert nothing_started(app_server)


async def test_the_same_origin_with_the_token_is_accepted(app_server: TestServer) -> None:
    headers = authorized(app_server, Origin=f"http://127.0.0.1:{app_server.port}", **{"Sec-Fetch-Site": "same-origin"})
    status, _ = await request(app_server, "POST", "/api/challenges/boom/start", headers, "{}")
    assert status == 200


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
async def test_a_request_a_browser_made_for_another_site_is_refused(app_server: TestServer, site: str) -> None:
    """An <img src=".../api/hotkeys/boom?token=..."> on another site sends no Origin, but Sec-Fetch-Site."""
    token = app_server.app[CONTROL_TOKEN]
    status, _ = await request(app_server, "GET", f"/api/hotkeys/boom?token={token}", {"Sec-Fetch-Site": site})
    assert status == 403
    status, _ = await request(app_server, "POST", "/api/goals/next", authorized(app_server, **{"Sec-Fetch-Site": site}))
    assert status == 403
    assert nothing_started(app_server)


READS = ["/api/state", "/api/challenges", "/stats", "/stats/1", "/stats/1.json", "/widgets/goal", "/static/overlay.js"]


@pytest.mark.parametrize("path", READS)
async def test_reads_a_page_of_another_site_fetches_are_refused_too(app_server: TestServer, path: str) -> None:
    """It could not read them (no CORS), but it could keep the server busy building them during a live.

    (Chromium may not even send them from a public site to this PC; other browsers do.)"""
    for site in ("cross-site", "same-site"):
        for mode, dest in (("no-cors", "image"), ("cors", "empty"), ("navigate", "iframe")):
            headers = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode, "Sec-Fetch-Dest": dest}
            status, _ = await request(app_server, "GET", path, headers)
            assert status == 403, (site, mode, dest)


@pytest.mark.parametrize("path", [path for path in READS if not path.startswith("/stats/")])  # (no live #1 here)
async def test_reads_from_this_site_a_link_obs_and_scripts_are_served(app_server: TestServer, path: str) -> None:
    for headers in (
        {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"},  # the overlay's own pages
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},  # typed in, OBS
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},  # a link
        {},  # curl, a script, a Stream Deck plugin
    ):
        status, _ = await request(app_server, "GET", path, headers)
        assert status == 200, headers


async def test_every_answer_says_it_must_not_be_sniffed(app_server: TestServer) -> None:
    # A browser that guessed a type could run an answer as another (the stats exports: test_stats_page.py).
    async with aiohttp.ClientSession() as session:
        for path in ["/api/state", "/api/challenges", "/static/overlay.js", "/static/themes.css", "/", "/api/nope"]:
            async with session.get(http_url(app_server, path)) as response:
                assert response.headers.get("X-Content-Type-Options") == "nosniff", (path, response.status)


# -- the token ----------------------------------------------------------------------------------


async def test_a_missing_token_is_401_and_a_wrong_one_403(app_server: TestServer) -> None:
    json_only = {"Content-Type": "application/json"}
    status, body = await request(app_server, "POST", "/api/challenges/boom/start", json_only, "{}")
    assert status == 401
    assert "Authorization: Bearer" in json.loads(body)["error"]
    for wrong in ("Bearer " + "A" * 43, "Bearer ", "Basic dXNlcjpwYXNz", app_server.app[CONTROL_TOKEN]):
        status, _ = await request(
            app_server, "POST", "/api/challenges/boom/start", {**json_only, "Authorization": wrong}, "{}"
        )
        assert status in (401, 403), wrong
    status, _ = await request(
        app_server, "POST", "/api/challenges/boom/start", {**json_only, "Authorization": "Bearer " + "A" * 43}, "{}"
    )
    assert status == 403
    assert nothing_started(app_server)


async def test_the_token_is_in_the_data_dir_and_never_in_the_page(app_server: TestServer, tmp_path: Path) -> None:
    token = app_server.app[CONTROL_TOKEN]
    assert (tmp_path / "data" / TOKEN_FILE).read_text().strip() == token
    for path in ("/control", "/", "/widgets/challenge", "/api/state", "/api/challenges"):
        _, body = await request(app_server, "GET", path, {})
        assert token not in body, path


# A config text that would close the options' inline <script> (jinja's tojson writes `<` as \\u003c), or open
# an HTML comment in it, where a later `</script>` no longer ends the script ("script data double escaped").
CLOSING = "</script><script>alert(1)</script><!--<script>"
# (`theme.font` is in every widget's options; the challenges are in the control page's.)
CLOSING_CHALLENGES = [{"id": "boom", "text": CLOSING, "target": 100, "success_text": CLOSING}]


class Scripts(html.parser.HTMLParser):
    """The <script> elements of a page as a browser parses them: their attributes and text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append((dict(attrs), ""))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script" and self.found:
            attrs, text = self.found[-1]
            self.found[-1] = (attrs, text + data)


@pytest.mark.parametrize("path", ["/", "/control", "/widgets/goal", "/widgets/challenge", "/widgets/toplikers"])
async def test_a_config_text_closing_the_script_stays_in_the_inline_options(
    source: DrivenSource, tmp_path: Path, path: str
) -> None:
    config = make_config(challenges=CLOSING_CHALLENGES, theme={"font": CLOSING})
    app = create_app(config, source=source, data_dir=tmp_path / "data")
    async with TestServer(app, host="127.0.0.1") as server:
        _, page = await request(server, "GET", path, {})
    parser = Scripts()
    parser.feed(page)
    inline = [(attrs, text) for attrs, text in parser.found if "src" not in attrs]
    assert [attrs for attrs, _ in inline] == [{"type": "application/json", "id": "overlay-options"}]
    assert "<" not in inline[0][1]
    options = json.loads(inline[0][1])
    if path == "/control":
        assert options["challenges"][0]["text"] == CLOSING
    elif path.startswith("/widgets/"):
        assert options["font"] == CLOSING


# -- forms: what a page elsewhere can send without JavaScript ------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]
)
async def test_a_form_post_from_another_origin_is_refused(app_server: TestServer, content_type: str) -> None:
    headers = {"Origin": "http://evil.example", "Content-Type": content_type}
    status, _ = await request(app_server, "POST", "/api/challenges/boom/start", headers, '{"a": "b"}')
    assert status == 403
    assert nothing_started(app_server)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
async def test_control_actions_want_json_even_with_the_token(app_server: TestServer, content_type: str | None) -> None:
    headers = {"Authorization": f"Bearer {app_server.app[CONTROL_TOKEN]}"}
    if content_type:
        headers["Content-Type"] = content_type
    status, body = await request(app_server, "POST", "/api/challenges/boom/start", headers, "set=1")
    assert status == 415
    assert "application/json" in json.loads(body)["error"]
    assert nothing_started(app_server)


# -- in a real browser --------------------------------------------------------------------------


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[ServerThread]:
    running = ServerThread(make_config(challenges=CHALLENGES), tmp_path / "data").start()
    yield running
    running.stop()


def watched(page: Page) -> list[str]:
    """Collects dialogs (an alert() from injected markup) and uncaught errors."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: seen.append(f"error: {error}"))
    return seen


@pytest.mark.browser
def test_a_hostile_nickname_and_config_text_render_as_text(browser: Browser, hosted: ServerThread) -> None:
    token = (hosted.data_dir / TOKEN_FILE).read_text().strip()
    hosted.push(Like(count=5, user=User(id="evil", nickname=EVIL_NICKNAME)))
    context = browser.new_context()
    try:
        control = context.new_page()
        problems = watched(control)
        control.goto(f"{hosted.url}/control?token={token}")
        control.wait_for_function(
            "(name) => document.querySelector('#top-likers .name')?.textContent === name", arg=EVIL_NICKNAME
        )
        assert control.locator("#top-likers img").count() == 0
        widget = context.new_page()
        problems += watched(widget)
        widget.goto(f"{hosted.url}/widgets/challenge")
        widget.wait_for_selector('html[data-overlay="live"]', state="attached")
        control.keyboard.press("1")
        widget.wait_for_selector('#challenge[data-status="running"]')
        assert widget.locator("#challenge-text").text_content() == CHALLENGES[0]["text"]
        assert widget.locator("#challenge img, #challenge b").count() == 0
        # The control page shows it from the server's answer or its own websocket, not when the widget does.
        wait_text(control, "#current-text", CHALLENGES[0]["text"])
        assert control.locator(".challenge-button img, .challenge-button b").count() == 0
    finally:
        context.close()
    assert problems == []


@pytest.mark.browser
def test_a_page_on_another_site_cannot_drive_the_overlay(browser: Browser, hosted: ServerThread) -> None:
    """A real cross-site form POST and fetch from http://evil.test (served by the test, not the network)."""
    target = f"{hosted.url}/api/challenges/boom/start"
    evil = f"""<!doctype html><meta charset="utf-8">
        <form id="f" method="post" action="{target}" enctype="text/plain">
          <input name='{{"x":"' value='"}}'>
        </form>
        <script>
          window.fetchResult = fetch("{target}", {{method: "POST", mode: "no-cors", body: "{{}}",
            headers: {{"Content-Type": "text/plain"}}}}).then(() => "sent", (e) => "blocked: " + e);
        </script>"""
    context = browser.new_context()
    try:
        page = context.new_page()
        context.route("http://evil.test/**", lambda route: route.fulfill(body=evil, content_type="text/html"))
        page.goto("http://evil.test/")
        page.evaluate("window.fetchResult")
        with page.expect_response(target) as answer:
            page.evaluate("document.getElementById('f').submit()")
        assert answer.value.status == 403
    finally:
        context.close()
    assert server_state(hosted)["challenge"] is None


def server_state(server: ServerThread) -> dict[str, Any]:
    """`/api/state`, read from the test's thread (no proxy: the server is on loopback)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{server.url}/api/state", timeout=5) as response:
        state: dict[str, Any] = json.load(response)
    return state


# -- the token kept out of the log ----------------------------------------------------------------

# Request lines aiohttp cannot parse: it answers 400 and logged them whole, with a traceback.
MALFORMED = [
    "GET /api/hotkeys/cancel?token={token} x HTTP/1.1",  # a stray space
    "GET /api/hotkeys/cancel?token={token}\x01 HTTP/1.1",  # a control character
    "GET /api/hotkeys/cancel?token={token}é HTTP/1.1",  # raw non-ASCII
    "GET /api/hotkeys/cancel HTTP/1.1\r\nAuthorization: Bearer {token}\x01",  # in a header
]


@pytest.fixture
def secrets_hidden() -> Iterator[None]:
    """The log filter `server.py` installs, removed afterwards."""
    hide_secrets_in_logs()
    yield
    for name in SERVER_LOGGERS:
        logging.getLogger(name).removeFilter(LOG_FILTER)


def send_raw(server: ServerThread, head: str) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head.encode("utf-8") + b"\r\nHost: 127.0.0.1\r\n\r\n")
        return sock.recv(100)


@pytest.mark.usefixtures("secrets_hidden")
@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG], ids=["info", "verbose"])
def test_a_malformed_request_logs_neither_the_token_nor_a_traceback(
    server_thread: ServerThread, caplog: pytest.LogCaptureFixture, level: int
) -> None:
    caplog.set_level(level)
    token = server_thread.app[CONTROL_TOKEN] if server_thread.app else ""
    for head in MALFORMED:
        assert send_raw(server_thread, head.format(token=token)).startswith(b"HTTP/1.0 400"), head
    assert token not in caplog.text
    assert "Traceback" not in caplog.text
    said = [record for record in caplog.records if record.name.startswith("aiohttp")]
    assert all(record.levelno == logging.DEBUG and not record.exc_info for record in said)
    # Said on one line each with --verbose, nothing otherwise: a local client cannot flood the log.
    assert len(said) == (len(MALFORMED) if level == logging.DEBUG else 0)
    assert all("malformed request, answered 400" in record.getMessage() for record in said)


@pytest.mark.usefixtures("secrets_hidden")
def test_a_token_in_any_aiohttp_error_is_masked_traceback_included(caplog: pytest.LogCaptureFixture) -> None:
    token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
    try:
        raise RuntimeError(f"GET /api/hotkeys/a?token={token}&x=1 (Authorization: Bearer {token})")
    except RuntimeError:
        logging.getLogger("aiohttp.server").exception("Unhandled exception in %s", f"/api/hotkeys/a?token={token}")
    assert token not in caplog.text
    assert "/api/hotkeys/a?token=***&x=1 (Authorization: Bearer ***" in caplog.text
    assert "Traceback" in caplog.text  # (an error of the server's own is still said in full)
    assert caplog.records[0].levelno == logging.ERROR


# aiohttp reads each of these names as `token`; the value may be %-encoded too.
TOKEN_NAMES = ["token", "%74oken", "t%6Fken", "%74%6F%6B%65%6E", "tok%65%6E"]


@pytest.mark.usefixtures("secrets_hidden")
@pytest.mark.parametrize("name", TOKEN_NAMES)
@pytest.mark.parametrize("encode", [False, True], ids=["plain", "encoded"])
def test_a_token_under_any_spelling_of_its_name_is_masked(
    caplog: pytest.LogCaptureFixture, name: str, encode: bool
) -> None:
    """Not this server's token (an old one, another server's): only its `?token=` says it is one."""
    token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
    value = percent_encoded(token) if encode else token
    logging.getLogger("aiohttp.server").error("Error handling %s", f"/api/hotkeys/a?x=1&{name}={value}&y=2")
    assert caplog.messages == [f"Error handling /api/hotkeys/a?x=1&{name}=***&y=2"]


@pytest.fixture
def failing_healthz(monkeypatch: pytest.MonkeyPatch) -> None:
    """`/healthz` fails with a message that quotes the request, as a bug's message could."""

    async def healthz(request: web.Request) -> web.Response:
        referer = request.headers.get("Referer")
        raise RuntimeError(f"{request.method} {request.raw_path} {request.path} {request.query} (Referer: {referer})")

    monkeypatch.setattr(app_module.api, "healthz", healthz)


@pytest.mark.usefixtures("secrets_hidden", "failing_healthz")
def test_the_servers_token_is_masked_wherever_an_error_quotes_it(
    server_thread: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    """Decoded (`'token': '...'`), under a %-encoded name, %-encoded, in a path or a Referer: the running server's
    token never reaches the log, and the error is still said with its traceback."""
    token = server_thread.app[CONTROL_TOKEN] if server_thread.app else ""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for name in TOKEN_NAMES:
        for value in (token, percent_encoded(token)):
            asked = urllib.request.Request(
                f"{server_thread.url}/healthz?{name}={value}",
                headers={"Referer": f"{server_thread.url}/control/{percent_encoded(token[:9])}{token[9:]}"},
            )
            with pytest.raises(urllib.error.HTTPError) as answer:
                opener.open(asked, timeout=5)
            answer.value.close()
            assert answer.value.code == 500
    errors = [record for record in caplog.records if record.name == "aiohttp.server"]
    assert len(errors) == 2 * len(TOKEN_NAMES)
    assert "Traceback" in caplog.text
    assert "GET /healthz?%74oken=*** /healthz <MultiDictProxy('token': '***')> (Referer: http" in caplog.text
    assert token not in urllib.parse.unquote(caplog.text)


# -- slow clients: nothing holds a connection forever -------------------------------------------


@pytest.fixture
def impatient(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerThread]:
    """The real runner with its time limits shortened, so a test need not wait a minute."""
    monkeypatch.setattr(app_module, "KEEPALIVE_SECONDS", 0.5)
    monkeypatch.setattr(control, "BODY_SECONDS", 0.5)
    running = ServerThread(make_config(challenges=CHALLENGES), tmp_path / "data").start()
    yield running
    running.stop()


def received_until_closed(sock: socket.socket, seconds: float = 10) -> bytes:
    """What the server sends until it closes the connection (socket.timeout if it keeps it open)."""
    sock.settimeout(seconds)
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_a_request_whose_head_never_ends_is_closed(impatient: ServerThread) -> None:
    with socket.create_connection(("127.0.0.1", impatient.port)) as sock:
        sock.sendall(b"GET /widgets/goal HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        assert received_until_closed(sock) == b""


def test_an_idle_keep_alive_connection_is_closed(impatient: ServerThread) -> None:
    with socket.create_connection(("127.0.0.1", impatient.port)) as sock:
        sock.sendall(b"GET /widgets/goal HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert received_until_closed(sock).startswith(b"HTTP/1.1 200 OK\r\n")


def test_a_body_that_never_ends_is_refused_with_408(impatient: ServerThread) -> None:
    assert impatient.app is not None
    token = impatient.app[CONTROL_TOKEN]
    head = (
        f"POST /api/goals/progress HTTP/1.1\r\nHost: 127.0.0.1:{impatient.port}\r\n"
        f"Origin: http://127.0.0.1:{impatient.port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", impatient.port)) as sock:
        sock.sendall(head.encode() + b'{"set": 5')  # and never the rest
        sock.settimeout(10)
        response = b""
        while b'"code": "body_timeout"' not in response:
            response += sock.recv(4096) or pytest.fail(f"closed without an answer: {response!r}")
    assert response.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
