"""Fixtures of the field-app tests: the live backend (SQLite), a mine, and the app's own parts."""

from __future__ import annotations

import os
import tempfile

# Kivy reads these when first imported (the controllers' models are Kivy EventDispatchers):
# keep its config and logs out of the home folder and ignore pytest's arguments.
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KIVY_NO_ARGS", "1")

import asyncio
import io
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from backend.database.migrate import upgrade
from backend.main import create_app
from backend.platform import Platform
from mobile.api.client import ApiClient
from mobile.api.service import MineSafeApi
from mobile.api.session import SessionStore
from mobile.context import AppContext
from mobile.i18n import Translator
from mobile.outbox.sender import OutboxSender
from mobile.outbox.store import Outbox
from mobile.runner import InlineRunner
from mobile.settings import AppSettings
from mobile.storage import LocalStore
from tests.conftest import PASSWORD, LiveServer, MineFixture, free_port
from tests.mobile.netfault import FlakyProxy


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The app is a client: one database engine (the embedded SQLite default) is enough here.
    (Run together with other tests, the session's `platform` may be another engine; every server
    here follows `platform`, so the app always talks to the database its mine was made in.)"""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('mobiledb') / 'minesafe.db'}"
    await asyncio.to_thread(upgrade, url)
    return url


def jpeg_bytes(*, seed: int = 1, side: int = 320, noise: bool = False) -> bytes:
    """A real JPEG (noise makes it large and incompressible)."""
    from PIL import Image

    rng = random.Random(seed)
    if noise:
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    else:
        image = Image.new("RGB", (side, side), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "hazard.jpg"
    path.write_bytes(jpeg_bytes(seed=7))
    return path


@pytest.fixture
def big_photo(tmp_path: Path) -> Path:
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg_bytes(seed=9, side=400, noise=True))
    return path


@pytest.fixture
async def mine(make_mine: Any) -> MineFixture:
    return await make_mine()


@dataclass
class Phone:
    """The app's real parts (no Kivy window) pointed at a server address."""

    ctx: AppContext
    sender: OutboxSender
    navigations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def api(self) -> MineSafeApi:
        return self.ctx.api

    @property
    def outbox(self) -> Outbox:
        return self.ctx.outbox

    def login(self, mine: MineFixture, who: str) -> None:
        self.api.login(username=mine.users[who].username, password=PASSWORD)


def make_phone(folder: Path, server_url: str) -> Phone:
    store = LocalStore(folder / "minesafe.db")
    settings = AppSettings(store)
    settings.server_url = server_url
    sessions = SessionStore(store)
    client = ApiClient(server_url=lambda: settings.server_url, sessions=sessions, timeout=10)
    api = MineSafeApi(client)
    outbox = Outbox(store, folder / "photos")
    navigations: list[tuple[str, dict[str, Any]]] = []
    ctx = AppContext(store=store, settings=settings, sessions=sessions, client=client, api=api, outbox=outbox,
                     worker=None, runner=InlineRunner(), tr=Translator("en"),
                     navigate=lambda name, **params: navigations.append((name, params)))
    return Phone(ctx=ctx, sender=OutboxSender(outbox=outbox, api=api, base_delay_s=0.01), navigations=navigations)


@pytest.fixture
def phone(tmp_path: Path, live_server: Any) -> Iterator[Phone]:
    p = make_phone(tmp_path / "phone", live_server.url)
    yield p
    p.ctx.client.close()
    p.ctx.store.close()


@dataclass
class FlakyServer:
    """A second live backend (same database) that is reached, uploads included, through a FlakyProxy."""

    proxy: FlakyProxy
    direct_url: str

    @property
    def url(self) -> str:
        return self.proxy.url


@contextmanager
def serve(settings: Any, port: int) -> Iterator[Any]:
    """A real uvicorn backend on 127.0.0.1:port in a thread (its own Platform, made by the lifespan)."""
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", ws="websockets-sansio", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the backend did not start")
        time.sleep(0.05)
    try:
        yield settings
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(platform: Platform, settings_for: Any) -> Iterator[LiveServer]:
    """The backend over real HTTP on the database that `make_mine` writes to (whichever engine runs)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serve(settings_for(platform.settings.database_url, public_url=url), port) as settings:
        yield LiveServer(url=url, settings=settings)


@pytest.fixture(scope="session")
def flaky_server(platform: Platform, settings_for: Any) -> Iterator[FlakyServer]:
    port = free_port()
    proxy = FlakyProxy("127.0.0.1", port)
    with serve(settings_for(platform.settings.database_url, public_url=proxy.url), port):
        yield FlakyServer(proxy=proxy, direct_url=f"http://127.0.0.1:{port}")
    proxy.close()


@pytest.fixture
def flaky(flaky_server: FlakyServer) -> Iterator[FlakyServer]:
    """The flaky server, reset to healthy before and after each test."""
    flaky_server.proxy.down = False
    flaky_server.proxy.cut_uploads = flaky_server.proxy.lose_replies = 0
    yield flaky_server
    flaky_server.proxy.down = False
    flaky_server.proxy.cut_uploads = flaky_server.proxy.lose_replies = 0


@pytest.fixture
def flaky_phone(tmp_path: Path, flaky: FlakyServer) -> Iterator[Phone]:
    p = make_phone(tmp_path / "phone", flaky.url)
    yield p
    p.ctx.client.close()
    p.ctx.store.close()
