"""Hostile GraphQL: malformed, deep, wide and huge documents, unknown fields, bad arguments, crashes.

Each is answered with a clear error and never a stack trace; an unexpected server exception is
masked.
"""

from __future__ import annotations

import json
import uuid

from backend.accounts.roles import Principal, PrincipalKind, Role
from backend.accounts.security import issue_access_token
from tests.conftest import gql


def assert_clean(body: dict) -> str:
    """The one error message of a response, after checking nothing internal leaks."""
    assert body.get("errors"), body
    text = json.dumps(body)
    for leak in ("Traceback", 'File "', "backend/", "sqlalchemy", ".py"):
        assert leak not in text, (leak, text[:500])
    return " | ".join(e["message"] for e in body["errors"])


async def post(client, query: str, token: str | None = None, variables: dict | None = None) -> dict:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code in (200, 400), response.status_code
    return response.json()


async def test_malformed_documents_get_a_syntax_error(client, make_mine) -> None:
    mine = await make_mine()
    for query in ("{ me { id }", "mutation { login(username: ) }", "}}}{{{", "query { hazards(first: 1) { edges { ",
                  "\x00\x01\x02"):
        message = assert_clean(await post(client, query, mine.token("miner")))
        assert message.startswith("Syntax Error"), message
    empty = await client.post("/graphql", json={"query": ""})
    assert empty.status_code == 400 and empty.text == "No GraphQL query found in the request"
    response = await client.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.text == "Unable to parse request body as JSON"


async def test_a_query_deeper_than_the_limit_is_refused(client, make_mine, platform) -> None:
    mine = await make_mine()
    limit = platform.settings.graphql_max_depth

    def nested(levels: int) -> str:
        inner = "id"
        for _ in range(levels):
            inner = f"area {{ {inner} }}"
        return f"{{ hazards {{ edges {{ node {{ {inner} }} }} }} }}"

    message = assert_clean(await post(client, nested(limit + 5), mine.token("miner")))
    assert f"exceeds maximum operation depth of {limit}" in message
    assert "exceeds maximum operation depth" not in json.dumps(await post(client, nested(limit - 4),
                                                                          mine.token("miner")))
    # depth through fragments counts too
    fragment = "fragment F on Area { " + "area { " * (limit + 2) + "id" + " }" * (limit + 2) + " }"
    via = "{ hazards { edges { node { area { ...F } } } } } " + fragment
    assert "exceeds maximum operation depth" in assert_clean(await post(client, via, mine.token("miner")))
    # introspection is not counted by the depth limiter, but its own rule stops the exponential shapes
    cyclic = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }"
    assert "Maximum introspection depth exceeded" in assert_clean(await post(client, cyclic, mine.token("miner")))


async def test_too_many_aliases_are_refused(client, make_mine, platform) -> None:
    mine = await make_mine()
    count = platform.settings.graphql_max_aliases + 1
    query = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(count)) + " }"
    message = assert_clean(await post(client, query, mine.token("miner")))
    assert "aliases" in message.lower()
    ok = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(count - 1)) + " }"
    assert (await post(client, ok, mine.token("miner")))["data"]["a0"]["id"] == mine.user_id("miner")


async def test_a_huge_token_count_is_refused(client, make_mine, platform) -> None:
    mine = await make_mine()
    fields = " ".join("id" for _ in range(platform.settings.graphql_max_tokens))
    message = assert_clean(await post(client, f"{{ me {{ {fields} }} }}", mine.token("miner")))
    assert "token" in message.lower()


async def test_unknown_fields_and_types_are_named(client, make_mine) -> None:
    mine = await make_mine()
    message = assert_clean(await post(client, "{ me { id passwordHash } }", mine.token("miner")))
    assert "Cannot query field 'passwordHash' on type 'User'" in message
    message = assert_clean(await post(client, "{ nope }", mine.token("miner")))
    assert "Cannot query field 'nope'" in message
    message = assert_clean(await post(client, "mutation { dropEverything }", mine.token("admin")))
    assert "dropEverything" in message
    message = assert_clean(await post(client, "query($x: NoSuchType) { me { id } }", mine.token("miner")))
    assert "NoSuchType" in message
    # variables of the wrong type
    message = assert_clean(await post(client, "query($f: Int!) { hazards(first: $f) { edges { cursor } } }",
                                      mine.token("miner"), {"f": "lots"}))
    assert "Int" in message


async def test_an_unexpected_server_exception_is_masked(client) -> None:
    ghost = Principal(kind=PrincipalKind.USER, id=uuid.uuid4(), mine_id=uuid.uuid4(), name="ghost",
                      roles=frozenset({Role.MINER}))
    token = issue_access_token(ghost, secret=client._transport.app.state.platform.settings.secret_key, minutes=5)
    body = await post(client, "{ mine { id name } }", token)
    message = assert_clean(body)
    assert message == "Unexpected error."


async def test_page_size_over_100_and_bad_cursors_are_refused(client, make_mine) -> None:
    mine = await make_mine()
    token = mine.token("safety_officer")
    for first in (101, 0, -5, 10**6):
        body = await post(client, f"{{ hazards(first: {first}) {{ edges {{ cursor }} }} }}", token)
        message = assert_clean(body)
        assert "first must be between 1 and 100" in message, message
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for cursor in ("garbage", "!!!", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMXxub3QtYS11dWlk", "x" * 200):
        body = await post(client, "query($c: String) { hazards(first: 5, after: $c) { edges { cursor } } }",
                          token, {"c": cursor})
        message = assert_clean(body)
        assert "after is not a cursor from this list" in message, (cursor, message)
    body = await post(client, '{ hazards(where: {areaId: "not-an-id"}) { edges { cursor } } }', token)
    assert "areaId is not a valid id" in assert_clean(body)
    body = await post(client, '{ hazard(id: "not-an-id") { id } }', token)
    assert "id is not a valid id" in assert_clean(body)
    fine = await gql(client, "{ hazards(first: 100) { edges { cursor } pageInfo { hasNextPage } } }", token=token)
    assert fine["hazards"]["pageInfo"]["hasNextPage"] is False


async def test_sibling_root_fields_share_the_one_session_safely(client, make_mine) -> None:
    """Root fields that each query the database, side by side (PostgreSQL refused concurrent use)."""
    mine = await make_mine()
    query = ("{ me { id } areas { id } teams { id } people { id } users { id } mine { id } "
             "hazards(first: 5) { edges { node { id area { id } reporter { id } } } } "
             + " ".join(f"p{i}: people {{ id }}" for i in range(10)) + " }")
    for _ in range(3):
        data = await gql(client, query, token=mine.token("admin"))
        assert data["me"]["id"] == mine.user_id("admin") and len(data["areas"]) == 3
        assert all(len(data[f"p{i}"]) == len(data["people"]) for i in range(10))


async def test_times_without_a_time_zone_are_refused_clearly(client, make_mine) -> None:
    """A naive time used to reach the database layer and come back as 'Unexpected error.'."""
    import base64

    from tests.backend.api import TRIAGE, report

    mine = await make_mine()
    token = mine.token("safety_officer")
    body = await post(client, "query($f: DateTime) { hazards(where: {reportedFrom: $f}) { edges { cursor } } }",
                      token, {"f": "2026-01-01T00:00:00"})
    assert "has no time zone" in assert_clean(body)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await post(client, '{ hazards(where: {reportedTo: "2026-01-01T08:00:00"}) { edges { cursor } } }', token)
    assert "has no time zone" in assert_clean(body)
    body = await post(client, '{ hazards(where: {reportedTo: "yesterday"}) { edges { cursor } } }', token)
    assert "not an ISO 8601" in assert_clean(body)
    ok = await gql(client, 'query { hazards(where: {reportedFrom: "2026-01-01T08:00:00+08:00"}) { edges { cursor } } }',
                   token=token)
    assert ok["hazards"]["edges"] == []

    hazard = await report(client, mine.token("miner"), mine.areas[0])
    triage = {"input": {"hazardId": hazard["id"], "grade": "GENERAL", "level": "B",
                        "responsibleId": mine.user_id("miner"), "deadline": "2031-01-01T00:00:00"}}
    body = await post(client, TRIAGE, token, triage)
    assert "has no time zone" in assert_clean(body)
    triage["input"]["deadline"] = "2031-01-01T00:00:00Z"
    done = (await gql(client, TRIAGE, triage, token=token))["triageHazard"]
    assert done["state"] == "ASSIGNED" and done["deadline"].startswith("2031-01-01T00:00:00")

    naive_cursor = base64.urlsafe_b64encode(f"2030-01-01T00:00:00|{uuid.uuid4()}".encode()).decode()
    body = await post(client, "query($c: String) { hazards(first: 5, after: $c) { edges { cursor } } }", token,
                      {"c": naive_cursor})
    assert "after is not a cursor from this list" in assert_clean(body)
