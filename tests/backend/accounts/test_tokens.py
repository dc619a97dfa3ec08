"""Sign-in, refresh rotation, logout and hostile or stale credentials, over GraphQL."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from backend.accounts.models import DeviceKind
from backend.accounts.security import issue_access_token
from tests.backend.api import TRIAGE
from tests.conftest import PASSWORD, gql

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on LoginFailed { message }
  ... on AuthSession { accessToken refreshToken user { id username roles } } } }"""
REFRESH = """mutation($t: String!) { refreshSession(refreshToken: $t) {
  __typename ... on LoginFailed { message } ... on AuthSession { accessToken refreshToken } } }"""
LOGOUT = "mutation($t: String!) { logout(refreshToken: $t) }"
ME = "{ me { id username } }"
REVOKE_DEVICE = """mutation($id: ID!) { revokeDevice(deviceId: $id) {
  __typename ... on Device { id revoked } ... on NotAllowed { message } ... on NotFound { message } } }"""
DEVICES = "{ devices { id name kind revoked } }"


def error_code(body: dict) -> str:
    """The code of the single top-level error, checking it carries no stack trace."""
    assert body.get("data") in (None, {}) or body["data"].get("me") is None, body
    (error,) = body["errors"]
    assert "Traceback" not in json.dumps(body)
    return error["extensions"]["code"]


async def login(client, username: str, password: str = PASSWORD) -> dict:  # type: ignore[no-untyped-def]
    return (await gql(client, LOGIN, {"u": username, "p": password}))["login"]


async def test_login_succeeds_and_the_access_token_works(client, make_mine) -> None:
    mine = await make_mine()
    signed = await login(client, mine.users["safety_officer"].username.upper())  # usernames are case-blind
    assert signed["__typename"] == "AuthSession"
    assert signed["user"]["id"] == mine.user_id("safety_officer")
    assert signed["user"]["roles"] == ["SAFETY_OFFICER"]
    me = await gql(client, ME, token=signed["accessToken"])
    assert me["me"]["id"] == mine.user_id("safety_officer")


async def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_mine) -> None:
    mine = await make_mine()
    wrong = await login(client, mine.users["miner"].username, "not the password")
    unknown = await login(client, f"nobody-{uuid.uuid4().hex[:8]}", PASSWORD)
    overlong = await login(client, "x" * 500, PASSWORD)
    assert wrong == unknown == overlong == {"__typename": "LoginFailed", "message": "wrong username or password"}


async def test_refresh_rotates_and_the_old_refresh_token_is_refused(client, make_mine) -> None:
    mine = await make_mine()
    signed = await login(client, mine.users["miner"].username)
    rotated = (await gql(client, REFRESH, {"t": signed["refreshToken"]}))["refreshSession"]
    assert rotated["__typename"] == "AuthSession"
    assert rotated["refreshToken"] != signed["refreshToken"]
    assert (await gql(client, ME, token=rotated["accessToken"]))["me"]["id"] == mine.user_id("miner")

    replayed = (await gql(client, REFRESH, {"t": signed["refreshToken"]}))["refreshSession"]
    assert replayed == {"__typename": "LoginFailed", "message": "this session has ended; sign in again"}
    forged = (await gql(client, REFRESH, {"t": "msr_" + "A" * 43}))["refreshSession"]
    assert forged["__typename"] == "LoginFailed"
    still = (await gql(client, REFRESH, {"t": rotated["refreshToken"]}))["refreshSession"]
    assert still["__typename"] == "AuthSession"


async def test_logout_revokes_the_refresh_token(client, make_mine) -> None:
    mine = await make_mine()
    signed = await login(client, mine.users["miner"].username)
    assert (await gql(client, LOGOUT, {"t": signed["refreshToken"]}))["logout"] is True
    assert (await gql(client, LOGOUT, {"t": signed["refreshToken"]}))["logout"] is False
    after = (await gql(client, REFRESH, {"t": signed["refreshToken"]}))["refreshSession"]
    assert after["__typename"] == "LoginFailed"


async def test_expired_access_token_is_unauthenticated(client, make_mine) -> None:
    mine = await make_mine()
    expired = issue_access_token(mine.principal("miner"), secret=mine.secret, minutes=-1)
    body = await gql(client, ME, token=expired, expect_errors=True)
    assert error_code(body) == "UNAUTHENTICATED"
    assert "expired" in body["errors"][0]["message"]


def _tamper(token: str, **claims: object) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_tampered_and_foreign_tokens_are_refused(client, make_mine) -> None:
    mine = await make_mine()
    genuine = mine.token("miner")
    promoted = _tamper(genuine, roles=["admin", "mine_manager"])
    foreign = issue_access_token(mine.principal("admin"), secret="another-secret-" + "x" * 32, minutes=15)
    unsigned_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    alg_none = unsigned_header + "." + genuine.split(".")[1] + "."
    for token in (promoted, foreign, alg_none, genuine[:-4] + "AAAA"):
        body = await gql(client, ME, token=token, expect_errors=True)
        assert error_code(body) == "UNAUTHENTICATED", token
    # the refused admin token cannot reach an admin mutation either
    body = await gql(client, REVOKE_DEVICE, {"id": str(uuid.uuid4())}, token=foreign, expect_errors=True)
    assert error_code(body) == "UNAUTHENTICATED"


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "garbage", "Bearer not.a.jwt", "Bearer msd_not-a-device",
    "Bearer " + "x" * 5000, "Bearer a.b.c.d.e",
])
async def test_garbage_authorization_headers_are_refused(client, header: str) -> None:
    response = await client.post("/graphql", json={"query": ME}, headers={"Authorization": header})
    assert response.status_code == 200
    body = response.json()
    assert error_code(body) == "UNAUTHENTICATED"
    assert body["errors"][0]["message"] != "Unexpected error."


async def test_no_token_is_unauthenticated(client) -> None:
    body = await gql(client, ME, expect_errors=True)
    assert error_code(body) == "UNAUTHENTICATED"


async def test_a_revoked_device_token_is_refused(client, make_mine) -> None:
    mine = await make_mine()
    robot = mine.device_tokens[DeviceKind.ROBOT]
    assert (await gql(client, "{ areas { id } }", token=robot))["areas"]
    devices = (await gql(client, DEVICES, token=mine.token("admin")))["devices"]
    robot_id = next(d["id"] for d in devices if d["kind"] == "ROBOT")

    revoked = (await gql(client, REVOKE_DEVICE, {"id": robot_id}, token=mine.token("admin")))["revokeDevice"]
    assert revoked == {"__typename": "Device", "id": robot_id, "revoked": True}
    body = await gql(client, "{ areas { id } }", token=robot, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "revoked" in body["errors"][0]["message"]
    # the other devices of the mine keep working
    assert (await gql(client, "{ areas { id } }", token=mine.device_tokens[DeviceKind.CAMERA]))["areas"]


async def test_a_device_cannot_do_what_only_people_do(client, make_mine) -> None:
    mine = await make_mine()
    bridge = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    triage = await gql(client, TRIAGE, {"input": {"hazardId": str(uuid.uuid4()), "grade": "GENERAL", "level": "C",
                                                  "responsibleId": mine.user_id("miner")}}, token=bridge)
    assert triage["triageHazard"]["__typename"] == "NotAllowed"
    add = await gql(client, """mutation { addUser(input: {username: "sneaky", displayName: "S", password: "longenough1",
        roles: [ADMIN]}) { __typename ... on NotAllowed { message } } }""", token=bridge)
    assert add["addUser"]["__typename"] == "NotAllowed"
    revoke = await gql(client, REVOKE_DEVICE, {"id": str(uuid.uuid4())}, token=bridge)
    assert revoke["revokeDevice"]["__typename"] == "NotAllowed"
    for query in ("{ people { id } }", "{ hazards { edges { node { id } } } }"):
        body = await gql(client, query, token=bridge, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql(client, ME, token=bridge, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await gql(client, DEVICES, token=bridge))["devices"] == []


async def test_one_refresh_token_used_concurrently_rotates_once(client, make_mine) -> None:
    """A stolen refresh token replayed at the same moment as the real one: only one may win (SQLite too)."""
    import asyncio

    mine = await make_mine()
    signed = await login(client, mine.users["miner"].username)
    answers = await asyncio.gather(*(gql(client, REFRESH, {"t": signed["refreshToken"]}, expect_errors=True)
                                     for _ in range(4)))
    assert all(not a.get("errors") for a in answers), answers
    kinds = sorted(a["data"]["refreshSession"]["__typename"] for a in answers)
    assert kinds == ["AuthSession", "LoginFailed", "LoginFailed", "LoginFailed"], kinds
