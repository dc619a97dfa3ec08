"""`minesafe mine add CODE --name …` creates a mine (and its first admin) that can sign in and set itself up."""

from __future__ import annotations

import uuid

import pytest

from backend.commands import add_mine_cli
from tests.conftest import gql

LOGIN = ("mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename "
         "... on AuthSession { accessToken user { roles mineId } } } }")


async def test_mine_add_then_its_admin_builds_the_mine(client, platform, settings_for, database_url) -> None:
    code = f"M{uuid.uuid4().hex[:8]}"
    username = f"admin-{code.lower()}"
    await add_mine_cli(settings_for(database_url), code=code, name="新矿 New mine", admin_username=username,
                       admin_password="a good password")
    signed = (await gql(client, LOGIN, {"u": username, "p": "a good password"}))["login"]
    assert signed["__typename"] == "AuthSession" and signed["user"]["roles"] == ["ADMIN"]
    token = signed["accessToken"]
    assert (await gql(client, "{ mine { code name } }", token=token))["mine"] == {"code": code, "name": "新矿 New mine"}
    unit = await gql(client, "mutation { createUnit(input: {code: \"D1\", name: \"一采区\", kind: DISTRICT}) "
                             "{ __typename } }", token=token)
    assert unit["createUnit"]["__typename"] == "Area"
    trace = await gql(client, "query($id: ID!) { traceability(subjectId: $id) { action } }",
                      {"id": signed["user"]["mineId"]}, token=token)
    assert [t["action"] for t in trace["traceability"]] == ["mine.created"]
    with pytest.raises(SystemExit, match="exists"):
        await add_mine_cli(settings_for(database_url), code=code, name="again")
    with pytest.raises(SystemExit, match="code"):
        await add_mine_cli(settings_for(database_url), code="bad code!", name="x")
