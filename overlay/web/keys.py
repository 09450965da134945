"""Typed keys of what the app factory puts in the aiohttp application."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from overlay.bus import Bus
from overlay.config import Config
from overlay.engine import Engine
from overlay.hub import Hub
from overlay.persist import Persister
from overlay.sources import Source
from overlay.wording import WordingWarning

if TYPE_CHECKING:
    from overlay.web.sockets import AiohttpPeer  # (it imports these keys)

CONFIG = web.AppKey("config", Config)  # as the server started; edits run as ENGINE's `.config` (reload.py)
WORDING = web.AppKey("wording", list[WordingWarning])  # at start; the live ones are in the state's `config`
DATA_DIR = web.AppKey("data_dir", Path)
CONTROL_TOKEN = web.AppKey("control_token", str)  # loaded from DATA_DIR on startup (see security.py)
ENGINE = web.AppKey("engine", Engine)
BUS = web.AppKey("bus", Bus)
HUB = web.AppKey("hub", Hub)
SOURCE = web.AppKey("source", Source)
PERSISTER = web.AppKey("persister", Persister)  # the live history (store) and its flush loop
STATS_TURN = web.AppKey("stats_turn", asyncio.Lock)  # the stats pages and exports are built one at a time (stats.py)
SOCKETS: web.AppKey[set[AiohttpPeer]] = web.AppKey("sockets")
