"""Ordinary abuse is logged at INFO without a traceback; only a server fault is an ERROR (issue 9 item 9)."""

from __future__ import annotations

import logging
import uuid

from backend.accounts.roles import Principal, PrincipalKind, Role
from backend.accounts.security import issue_access_token

ABUSE: list[tuple[str, dict, str | None]] = [
    ("{ hazards(first: 100000) { edges { cursor } } }", {}, "good"),
    ("{ hazards(first: 0) { edges { cursor } } }", {}, "good"),
    ("query($c: String) { hazards(first: 5, after: $c) { edges { cursor } } }", {"c": "garbage"}, "good"),
    ('{ hazards(where: {areaId: "not-an-id"}) { edges { cursor } } }', {}, "good"),
    ('{ hazard(id: "not-an-id") { id } }', {}, "good"),
    (f'{{ hazard(id: "{uuid.uuid4()}") {{ id }} }}', {}, "good"),
    ("query($f: Int!) { hazards(first: $f) { edges { cursor } } }", {"f": "lots"}, "good"),
    ("{ me { id }", {}, "good"),
    ("{ nope }", {}, "good"),
    ("{ me { id } }", {}, "expired"),
    ("{ me { id } }", {}, "forged"),
    ("{ me { id } }", {}, "Basic abc"),
    ("{ me { id } }", {}, "msd_not-a-device"),
    ("{ me { id } }", {}, None),
    ("{ users { id } }", {}, "garbage.jwt.token"),
    ('mutation { revokeDevice(deviceId: "bad") { __typename } }', {}, "admin"),
]


async def test_sixteen_kinds_of_abuse_log_no_error_and_no_traceback(client, make_mine, caplog) -> None:
    mine = await make_mine()
    secret = client._transport.app.state.platform.settings.secret_key
    tokens = {"good": mine.token("safety_officer"), "admin": mine.token("admin"),
              "expired": issue_access_token(mine.principal("miner"), secret=secret, minutes=-5),
              "forged": issue_access_token(mine.principal("admin"), secret="x" * 40, minutes=5)}
    with caplog.at_level(logging.DEBUG):
        for query, variables, who in ABUSE:
            headers = {}
            if who is not None:
                headers["Authorization"] = who if " " in who else f"Bearer {tokens.get(who, who)}"
            response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
            assert response.status_code in (200, 400)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if r.exc_info], "an expected error was logged with a traceback"
    assert sum("client error" in r.getMessage() for r in caplog.records) >= 10


async def test_a_server_fault_is_still_one_error_with_its_traceback(client, caplog) -> None:
    ghost = Principal(kind=PrincipalKind.USER, id=uuid.uuid4(), mine_id=uuid.uuid4(), name="ghost",
                      roles=frozenset({Role.MINER}))
    token = issue_access_token(ghost, secret=client._transport.app.state.platform.settings.secret_key, minutes=5)
    with caplog.at_level(logging.INFO):
        body = (await client.post("/graphql", json={"query": "{ mine { id name } }"},
                                  headers={"Authorization": f"Bearer {token}"})).json()
    assert body["errors"][0]["message"] == "Unexpected error."
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info, [r.getMessage() for r in errors]
