"""The real server on a free port, spoken to over real HTTP and websockets."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import websockets
from aiohttp.test_utils import TestServer

from overlay.events import Like, User
from tests.conftest import DrivenSource, http_url, ws_url


async def get_json(server: TestServer, path: str) -> dict:
    async with aiohttp.ClientSession() as session, session.get(http_url(server, path)) as response:
        assert response.status == 200
        return await response.json()


async def next_message(ws: websockets.ClientConnection, kind: str) -> dict:
    """The next message of `kind`, skipping others; fails after 5 s."""
    async with asyncio.timeout(5):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind:
                return message


async def test_healthz_answers_once_ready(server: TestServer) -> None:
    assert await get_json(server, "/healthz") == {"ok": True}


async def test_state_follows_the_contract(server: TestServer, source: DrivenSource) -> None:
    await source.push(Like(count=5, total=7532, user=User(id="1", nickname="Léa")))
    state = await get_json(server, "/api/state")
    assert state["likes"] == {"total": 7532, "session": 5, "per_minute": 5}
    assert isinstance(state["likes"]["per_minute"], int)  # "5", not "5.0", for a script reading it
    assert state["goal"] == {
        "id": "main",
        "label": "10 000 likes ensemble !",
        "label_by_locale": None,  # the creator's own label, in their words whatever the page's language
        "target": 10000,
        "progress": 7532,
        "reached": False,
        "step": 2,
        "steps": 2,
        "celebrate_seconds": 0.2,
    }
    assert state["source"]["kind"] == "test"
    assert isinstance(state["source"]["status"], str)


async def test_websocket_sends_state_first_then_rising_totals(server: TestServer, source: DrivenSource) -> None:
    async with websockets.connect(ws_url(server)) as ws:
        first = json.loads(await ws.recv())
        assert first["type"] == "state"
        assert first["state"]["likes"]["total"] == 0
        await source.push(Like(count=3, user=User(id="a", nickname="Hugo")))
        state = (await next_message(ws, "state"))["state"]
        assert state["likes"]["total"] == 3
        await source.push(Like(count=4, user=User(id="b", nickname="Inès")))
        state = (await next_message(ws, "state"))["state"]
        assert state["likes"]["total"] == 7


async def test_websocket_batches_individual_likes_for_animations(server: TestServer, source: DrivenSource) -> None:
    async with websockets.connect(ws_url(server)) as ws:
        await next_message(ws, "state")
        await source.push(Like(count=2, user=User(id="a", nickname="<b>Zoé</b>", avatar="https://x/a.jpg")))
        events = (await next_message(ws, "events"))["events"]
        assert events == [{"type": "like", "user": "<b>Zoé</b>", "avatar": "https://x/a.jpg", "count": 2}]


@pytest.mark.parametrize("path", ["/widgets/goal", "/"])
async def test_pages_render_with_a_content_security_policy(server: TestServer, path: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(http_url(server, path)) as response:
        assert response.status == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert '<script src="/static/overlay.js"' in await response.text()


async def test_static_files_are_revalidated_at_each_load(server: TestServer) -> None:
    """OBS keeps its cache across upgrades: a script must never be reused without asking the server."""
    async with aiohttp.ClientSession() as session:
        async with session.get(http_url(server, "/static/overlay.js")) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == "no-cache"
            modified = response.headers["Last-Modified"]
        # Unchanged since: the check costs a 304, which says the same.
        headers = {"If-Modified-Since": modified}
        async with session.get(http_url(server, "/static/overlay.js"), headers=headers) as response:
            assert response.status == 304
            assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    ("query", "copied"),
    [
        ("", ""),
        ("?theme=neon", "?theme=neon"),  # picked with the index's theme links: the source shows what was previewed
        ("?locale=en&theme=neon", "?locale=en&theme=neon"),
        ("?locale=fr&theme=tiktok", ""),  # the config's own: the source keeps following config.yaml
        ("?theme=neom&locale=de", ""),  # (what no widget can use is left out, as the widgets ignore it)
    ],
)
async def test_the_index_gives_the_url_of_what_it_previews(server: TestServer, query: str, copied: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(http_url(server, "/" + query)) as response:
        page = await response.text()
    url = http_url(server, "/widgets/goal") + copied.replace("&", "&amp;")
    assert f'<code class="url">{url}</code>' in page
    assert f'data-copy="{url}"' in page


@pytest.mark.parametrize(
    ("query", "link"),
    [
        ("", '<a href="/stats">Statistiques des lives</a>'),
        ("?locale=en", '<a href="/stats?locale=en">Live stats</a>'),
    ],
)
async def test_the_index_leads_to_the_stats_of_the_lives(server: TestServer, query: str, link: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(http_url(server, "/" + query)) as response:
        assert link in await response.text()


@pytest.mark.parametrize("asked", ["en", "EN", "en-US", "en_GB"])
async def test_a_regional_or_capitalised_locale_query_picks_that_language(server: TestServer, asked: str) -> None:
    options = await get_json(server, f"/widgets/goal/options?locale={asked}")
    assert options["locale"] == "en"
    assert options["texts"]["goal_reached"] == "Goal reached!"
    async with aiohttp.ClientSession() as session, session.get(http_url(server, f"/?locale={asked}")) as response:
        assert '<html lang="en">' in await response.text()


@pytest.mark.parametrize("asked", ["de", "e", "", "-en"])
async def test_an_unknown_locale_query_falls_back_to_the_config_language(server: TestServer, asked: str) -> None:
    assert (await get_json(server, f"/widgets/goal/options?locale={asked}"))["locale"] == "fr"


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/widget/goal", "Cette adresse n'existe pas\u202f: /widget/goal. Les widgets et leurs adresses pour OBS sont"),
        ("/widget/goal?locale=en", "There is no page at /widget/goal. The widgets and their addresses for OBS are"),
        ("/static/goal.html", "Cette adresse n'existe pas\u202f: /static/goal.html. Les widgets et leurs adresses"),
        ("/static/", "Cette adresse n'existe pas\u202f: /static/. Les widgets et leurs adresses pour OBS sont"),
    ],
)
async def test_a_mistyped_address_says_where_the_widgets_are(server: TestServer, path: str, said: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(http_url(server, path)) as response:
        assert response.status == 404
        assert response.content_type == "text/plain"  # (the address is written back as text, never as HTML)
        text = await response.text()
    assert text.startswith(said)
    assert text.endswith(http_url(server, "/"))  # the home page, with every widget's address


async def test_a_mistyped_address_is_written_back_as_it_came_not_decoded(server: TestServer) -> None:
    # A crafted link cannot make the page say other lines or reverse its words: the address stays %-encoded.
    async with (
        aiohttp.ClientSession() as session,
        session.get(http_url(server, "/x%0AFaites%20ceci%E2%80%AE?token=secret")) as response,
    ):
        text = await response.text()
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert text.startswith("Cette adresse n'existe pas\u202f: /x%0AFaites%20ceci%E2%80%AE.")
    assert "\n" not in text
    assert "secret" not in text
    async with aiohttp.ClientSession() as session, session.get(http_url(server, "/api")) as response:
        assert response.content_type == "application/json"  # under the API, even without its slash


async def test_unknown_widget_is_a_404_naming_the_valid_ones(server: TestServer) -> None:
    async with aiohttp.ClientSession() as session, session.get(http_url(server, "/widgets/nope")) as response:
        assert response.status == 404
        said = await response.text()
    assert said.startswith("Aucun widget «\u00a0nope\u00a0». Widgets\u202f: ")  # the config's language
    assert "goal" in said
    async with aiohttp.ClientSession() as session, session.get(http_url(server, "/widgets/nope?locale=en")) as response:
        assert (await response.text()).startswith("No widget named 'nope'. Try: ")


@pytest.mark.parametrize("suffix", ["", "/options"])
async def test_an_unknown_widget_name_is_written_back_as_it_came_not_decoded(server: TestServer, suffix: str) -> None:
    # As for any mistyped address: a crafted link cannot make the page say other lines or reverse its words.
    crafted = "x%0AFaites%20ceci%E2%80%AE"
    async with (
        aiohttp.ClientSession() as session,
        session.get(http_url(server, f"/widgets/{crafted}{suffix}")) as response,
    ):
        assert response.status == 404
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        text = await response.text()
    assert text.startswith(f"Aucun widget «\u00a0{crafted}\u00a0». Widgets\u202f: ")
    assert "\n" not in text
    assert "\u202e" not in text
