"""Repeated wrong passwords lock an account for a while; the right one then still waits."""

from __future__ import annotations

from sqlalchemy import update

from backend.accounts.models import User
from tests.conftest import PASSWORD, gql

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginFailed { message } ... on AuthSession { user { username } } } }"""


async def test_five_wrong_passwords_lock_the_account(client, make_mine, platform) -> None:
    mine = await make_mine()
    username = mine.users["miner"].username
    for _ in range(5):
        failed = (await gql(client, LOGIN, {"u": username, "p": "guess"}))["login"]
        assert failed == {"__typename": "LoginFailed", "message": "wrong username or password"}
    locked = (await gql(client, LOGIN, {"u": username, "p": PASSWORD}))["login"]
    assert locked["__typename"] == "LoginFailed" and "too many wrong passwords" in locked["message"]

    async with platform.session_factory() as session:  # the lock has run out
        await session.execute(update(User).where(User.username == username).values(locked_until=None))
        await session.commit()
    signed_in = (await gql(client, LOGIN, {"u": username, "p": PASSWORD}))["login"]
    assert signed_in["__typename"] == "AuthSession"
