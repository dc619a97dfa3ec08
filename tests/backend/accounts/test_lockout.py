"""Sign-in throttles: per (username, address) with a doubling backoff, and per address across usernames.

The messages never say whether a username exists, and nobody elsewhere can lock a real user out.
"""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import select, update

from backend.accounts.models import LoginThrottle
from tests.conftest import PASSWORD, gql

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginFailed { message } ... on AuthSession { user { username } } } }"""


@asynccontextmanager
async def from_address(client: httpx.AsyncClient, address: str):  # type: ignore[no-untyped-def]
    app = client._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def unique_address() -> str:
    raw = uuid.uuid4().int
    return f"10.{raw % 250}.{raw // 250 % 250}.{raw // 62500 % 250 + 1}"


async def login(http: httpx.AsyncClient, username: str, password: str) -> dict:
    return (await gql(http, LOGIN, {"u": username, "p": password}))["login"]


async def test_five_wrong_passwords_block_that_address_for_that_account_only(client, make_mine, platform) -> None:
    mine = await make_mine()
    username = mine.users["miner"].username
    async with from_address(client, unique_address()) as attacker, from_address(client, unique_address()) as owner:
        for _ in range(5):
            assert await login(attacker, username, "guess") == {"__typename": "LoginFailed",
                                                                 "message": "wrong username or password"}
        locked = await login(attacker, username, PASSWORD)
        assert locked["__typename"] == "LoginFailed" and "too many failed sign-ins" in locked["message"]
        # the real user, elsewhere, is not locked out; the attacker's other targets are not either (yet)
        assert (await login(owner, username, PASSWORD))["__typename"] == "AuthSession"
        assert (await login(attacker, mine.users["miner2"].username, PASSWORD))["__typename"] == "AuthSession"

        async with platform.session_factory() as session:  # the block has run out
            await session.execute(update(LoginThrottle).values(blocked_until=None))
            await session.commit()
        assert (await login(attacker, username, PASSWORD))["__typename"] == "AuthSession"


async def test_an_unknown_username_is_throttled_with_the_same_messages(client, make_mine) -> None:
    mine = await make_mine()
    ghost = f"nobody-{uuid.uuid4().hex[:8]}"
    async with from_address(client, unique_address()) as http:
        real = [await login(http, mine.users["miner"].username, "guess") for _ in range(6)]
        unknown = [await login(http, ghost, "guess") for _ in range(6)]
    assert [r["message"] for r in real] == [r["message"] for r in unknown]
    assert "too many failed sign-ins" in unknown[-1]["message"]


async def test_the_backoff_doubles_on_each_block(client, make_mine, platform) -> None:
    mine = await make_mine()
    username = mine.users["miner2"].username
    async with from_address(client, unique_address()) as http:
        minutes = []
        for _ in range(3):
            for _ in range(5):
                await login(http, username, "guess")
            async with platform.session_factory() as session:
                rows = (await session.scalars(
                    select(LoginThrottle).where(LoginThrottle.blocked_until.is_not(None))
                    .order_by(LoginThrottle.updated_at.desc()).limit(1))).all()
                minutes.append(round((rows[0].blocked_until - rows[0].updated_at).total_seconds() / 60))
                await session.execute(update(LoginThrottle).where(LoginThrottle.key == rows[0].key)
                                      .values(blocked_until=None))
                await session.commit()
    assert minutes == [5, 10, 20]


async def test_one_address_cannot_spray_many_accounts(client, make_mine, settings_for, database_url) -> None:
    from backend.main import create_app
    from backend.platform import Platform

    settings = settings_for(database_url, login_address_attempts=8)
    sprayer_platform = Platform.from_settings(settings)
    app = create_app(settings, sprayer_platform)
    app.state.platform = sprayer_platform
    mine = await make_mine()
    address = unique_address()
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            names = [u.username for u in mine.users.values()]
            for name in names[:8]:
                assert (await login(http, name, "Password1"))["message"] == "wrong username or password"
            blocked = await login(http, names[8], PASSWORD)  # even a right password waits from this address
            assert "too many failed sign-ins" in blocked["message"]
        other = httpx.ASGITransport(app=app, client=(unique_address(), 40000))
        async with httpx.AsyncClient(transport=other, base_url="http://testserver") as http:
            assert (await login(http, names[8], PASSWORD))["__typename"] == "AuthSession"
    finally:
        await sprayer_platform.close()


async def test_idle_throttles_are_forgotten(client, platform) -> None:
    from datetime import timedelta

    from backend.database.base import utcnow

    async with from_address(client, unique_address()) as http:
        await login(http, f"ghost-{uuid.uuid4().hex[:8]}", "guess")
        async with platform.session_factory() as session:
            await session.execute(update(LoginThrottle).values(updated_at=utcnow() - timedelta(days=2))
                                  .where(LoginThrottle.blocked_until.is_(None)))
            await session.commit()
        await login(http, f"ghost-{uuid.uuid4().hex[:8]}", "guess")
    async with platform.session_factory() as session:
        stale = await session.scalar(select(LoginThrottle).where(
            LoginThrottle.updated_at < utcnow() - timedelta(days=1)))
    assert stale is None
