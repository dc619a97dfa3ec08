"""Shared fixtures: databases (SQLite and real PostgreSQL), the app over HTTP, a live server, factories.

Isolation: every test makes its own mine through `make_mine`, and every query and mutation is
scoped to the caller's mine, so tests share a database without seeing each other's data.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from backend.accounts.models import DeviceKind, User
from backend.accounts.roles import Principal, Role
from backend.accounts.security import issue_access_token
from backend.accounts.service import principal_for
from backend.config import Settings
from backend.database.migrate import upgrade
from backend.main import create_app
from backend.org.models import AreaKind
from backend.platform import Platform

POSTGRES_ADMIN_URL = os.environ.get("MINESAFE_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
TEST_SECRET = "test-secret-0123456789abcdef-0123456789abcdef"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _fresh_postgres_database() -> str:
    import asyncpg

    name = f"minesafe_test_{uuid.uuid4().hex[:10]}"
    admin = POSTGRES_ADMIN_URL.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def _drop_postgres_database(url: str) -> None:
    """Drop a test database (its connections closed by force), so that runs leave the server as they found it."""
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A migrated database: the embedded SQLite default and real PostgreSQL (dropped at the end)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'minesafe.db'}"
    else:
        url = await _fresh_postgres_database()
    await asyncio.to_thread(upgrade, url)
    yield url
    if request.param == "postgres":
        await _drop_postgres_database(url)


@pytest.fixture(scope="session")
def settings_for(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Make Settings for a database and public URL, with a folder store in a temp dir."""
    objects = tmp_path_factory.mktemp("objects")

    def make(database_url: str, public_url: str = "http://testserver", **overrides: Any) -> Settings:
        return Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url,
                        public_url=public_url, store_folder=objects, **overrides)

    return make


@pytest.fixture(scope="session")
async def platform(database_url: str, settings_for) -> AsyncIterator[Platform]:  # type: ignore[no-untyped-def]
    platform = Platform.from_settings(settings_for(database_url))
    yield platform
    await platform.close()


@pytest.fixture(scope="session")
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process over ASGI (no lifespan: it shares the session's Platform)."""
    app = create_app(platform.settings, platform)
    app.state.platform = platform
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


@dataclass
class LiveServer:
    """A server in its own thread and event loop (its own Platform, the same database as `platform`)."""

    url: str
    settings: Settings
    app: Any = None

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    @property
    def platform(self) -> Platform:
        """The server's own Platform (engine, bus…), once it has started."""
        return self.app.state.platform


@contextmanager
def serve(database_url: str, settings_for, **overrides: Any) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """Run a real uvicorn server on a free port with these Settings overrides, for as long as the block lasts."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = settings_for(database_url, public_url=url, **overrides)
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(url=url, settings=settings, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(database_url: str, settings_for) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """A real uvicorn server on a free port (for websockets, uploads by URL and other processes)."""
    with serve(database_url, settings_for) as server:
        yield server


class GraphQLError(AssertionError):
    """The response had top-level errors."""


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, *,
              token: str | None = None, expect_errors: bool = False) -> dict[str, Any]:
    """POST a GraphQL operation; returns data (or the whole body when expect_errors)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    body = response.json()
    if expect_errors:
        return body
    if body.get("errors"):
        raise GraphQLError(body["errors"])
    return body["data"]


@dataclass
class MineFixture:
    """A fresh mine with areas, teams, a person for every role and a device of every kind."""

    mine_id: uuid.UUID
    areas: list[uuid.UUID]
    teams: list[uuid.UUID]
    users: dict[str, User]
    device_tokens: dict[DeviceKind, str]
    secret: str
    tokens: dict[str, str] = field(default_factory=dict)

    def principal(self, who: str) -> Principal:
        return principal_for(self.users[who])

    def token(self, who: str) -> str:
        """An access token for a person of this mine ('miner', 'safety_officer', …, 'miner2')."""
        if who not in self.tokens:
            self.tokens[who] = issue_access_token(self.principal(who), secret=self.secret, minutes=15)
        return self.tokens[who]

    def user_id(self, who: str) -> str:
        return str(self.users[who].id)


PASSWORD = "correct horse battery"
_PASSWORD_HASH: str | None = None
ROLE_PEOPLE: dict[str, list[Role]] = {
    "miner": [Role.MINER], "miner2": [Role.MINER], "team_leader": [Role.TEAM_LEADER, Role.MINER],
    "safety_officer": [Role.SAFETY_OFFICER], "safety_officer2": [Role.SAFETY_OFFICER], "mentor": [Role.MENTOR],
    "area_manager": [Role.AREA_MANAGER], "mine_manager": [Role.MINE_MANAGER], "admin": [Role.ADMIN],
}


@pytest.fixture(scope="session")
def make_mine(platform: Platform):  # type: ignore[no-untyped-def]
    """Create a mine with everything in it; call it once per test (each call makes a new mine)."""
    from backend.accounts import service as accounts_service
    from backend.accounts.security import hash_password
    from backend.org import service as org_service

    async def make() -> MineFixture:
        global _PASSWORD_HASH
        _PASSWORD_HASH = _PASSWORD_HASH or hash_password(PASSWORD)
        async with platform.session_factory() as session:
            mine = await org_service.create_mine(session=session, code=uuid.uuid4().hex[:12], name="Test mine")
            areas = [await org_service.create_area(session=session, mine_id=mine.id, name=f"Area {i}", kind=kind)
                     for i, kind in enumerate([AreaKind.WORKING_FACE, AreaKind.ROADWAY, AreaKind.CHAMBER])]
            teams = [await org_service.create_team(session=session, mine_id=mine.id, name=f"Team {i}",
                                                   area_id=areas[i].id) for i in range(2)]
            users: dict[str, User] = {}
            for who, roles in ROLE_PEOPLE.items():
                user = User(mine_id=mine.id, username=f"{who}-{mine.code}", display_name=who.replace("_", " "),
                            password_hash=_PASSWORD_HASH, roles=[r.value for r in roles], area_id=areas[0].id,
                            team_id=teams[0].id if who in ("miner", "team_leader", "mentor") else teams[1].id)
                session.add(user)
                users[who] = user
            await session.flush()
            areas[0].manager_id = users["area_manager"].id
            teams[0].leader_id = users["team_leader"].id
            tokens = {}
            for kind in DeviceKind:
                _, token = await accounts_service.register_device(session=session, mine_id=mine.id,
                                                                  name=f"{kind.value} 1", kind=kind,
                                                                  area_id=areas[0].id)
                tokens[kind] = token
            await session.commit()
            return MineFixture(mine_id=mine.id, areas=[a.id for a in areas], teams=[t.id for t in teams],
                               users=users, device_tokens=tokens, secret=platform.settings.secret_key)

    return make
