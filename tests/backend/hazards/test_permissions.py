"""Every hazard-loop mutation under every wrong role and from the wrong mine; queries stay in one mine.

Table-driven: for each mutation a hazard is brought into the state where the step is possible, every
role that must be refused is tried (NotAllowed, nothing changes), a person of another mine holding the
right role gets NotFound for the same id, and finally the right person succeeds.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from backend.accounts.models import DeviceKind
from backend.audit.models import AuditEntry
from tests.backend.api import (
    ACCEPT,
    DISMISS,
    REASSIGN,
    RECTIFY,
    REINSPECT,
    SIGN_OFF,
    TRIAGE,
    jpeg_bytes,
    report,
    upload,
)
from tests.conftest import MineFixture, gql

PLAN = {"measures": "drain", "responsible_people": "Zhao", "funds": "80000", "deadline": "2030-01-01",
        "contingency_plan": "withdraw"}
EVERYONE = ("miner", "miner2", "team_leader", "safety_officer", "safety_officer2", "mentor", "area_manager",
            "mine_manager", "admin")


async def _reported(client, mine: MineFixture) -> str:  # type: ignore[no-untyped-def]
    return (await report(client, mine.token("miner"), mine.areas[0]))["id"]


async def _assigned(client, mine: MineFixture, grade: str = "GENERAL") -> str:  # type: ignore[no-untyped-def]
    hazard_id = await _reported(client, mine)
    extra: dict[str, Any] = {"treatmentPlan": PLAN} if grade == "MAJOR" else {"level": "B"}
    triaged = await gql(client, TRIAGE, {"input": {"hazardId": hazard_id, "grade": grade,
                                                   "responsibleId": mine.user_id("miner"), **extra}},
                        token=mine.token("safety_officer"))
    assert triaged["triageHazard"]["state"] == "ASSIGNED", triaged
    return hazard_id


async def _rectifying(client, mine: MineFixture, grade: str = "GENERAL") -> str:  # type: ignore[no-untyped-def]
    hazard_id = await _assigned(client, mine, grade)
    assert (await gql(client, ACCEPT, {"id": hazard_id}, token=mine.token("miner")))["acceptHazard"]["state"] \
        == "RECTIFYING"
    return hazard_id


async def _pending_review(client, mine: MineFixture, grade: str = "GENERAL") -> str:  # type: ignore[no-untyped-def]
    hazard_id = await _rectifying(client, mine, grade)
    key = await upload(client, mine.token("miner"), jpeg_bytes())
    done = await gql(client, RECTIFY, {"input": {"hazardId": hazard_id, "clientId": str(uuid.uuid4()),
                                                 "note": "fixed", "photoKeys": [key]}}, token=mine.token("miner"))
    assert done["submitRectification"]["state"] == "PENDING_REVIEW", done
    return hazard_id


async def _awaiting_sign_off(client, mine: MineFixture) -> str:  # type: ignore[no-untyped-def]
    hazard_id = await _pending_review(client, mine, "MAJOR")
    passed = await gql(client, REINSPECT, {"input": {"hazardId": hazard_id, "passed": True}},
                       token=mine.token("safety_officer"))
    assert passed["reinspectHazard"]["reinspectionPassed"] is True, passed
    return hazard_id


@dataclass(frozen=True)
class Step:
    """One mutation: how to get a hazard ready, its operation, and who may and may not take it."""

    field: str
    operation: str
    prepare: Callable[[Any, MineFixture], Awaitable[str]]
    variables: Callable[[str, MineFixture], dict[str, Any]]
    allowed: str
    refused: tuple[str, ...]
    final_state: str


STEPS = [
    Step("triageHazard", TRIAGE, _reported,
         lambda h, m: {"input": {"hazardId": h, "grade": "GENERAL", "level": "B", "responsibleId": m.user_id("miner")}},
         "safety_officer", ("miner", "miner2", "team_leader", "mentor", "admin"), "ASSIGNED"),
    Step("acceptHazard", ACCEPT, _assigned, lambda h, m: {"id": h}, "miner",
         tuple(w for w in EVERYONE if w != "miner"), "RECTIFYING"),
    Step("submitRectification", RECTIFY, _rectifying,
         lambda h, m: {"input": {"hazardId": h, "clientId": str(uuid.uuid4()), "note": "done",
                                 "photoKeys": [f"uploads/{m.mine_id}/photo/{uuid.uuid4()}.jpg"]}},
         "miner", tuple(w for w in EVERYONE if w != "miner"), "PENDING_REVIEW"),
    Step("reinspectHazard", REINSPECT, _pending_review,
         lambda h, m: {"input": {"hazardId": h, "passed": False, "reason": "still loose"}}, "safety_officer",
         ("miner", "miner2", "team_leader", "mentor", "area_manager", "mine_manager", "admin"), "RECTIFYING"),
    Step("dismissHazard", DISMISS, _reported, lambda h, m: {"id": h, "reason": "not a hazard"}, "safety_officer",
         ("miner", "miner2", "team_leader", "mentor", "area_manager", "mine_manager", "admin"), "DISMISSED"),
    Step("reassignHazard", REASSIGN, _assigned,
         lambda h, m: {"input": {"hazardId": h, "responsibleId": m.user_id("miner2"), "reason": "on leave"}},
         "area_manager", ("miner", "miner2", "team_leader", "mentor", "admin"), "ASSIGNED"),
    Step("signOffMajorHazard", SIGN_OFF, _awaiting_sign_off, lambda h, m: {"id": h}, "mine_manager",
         tuple(w for w in EVERYONE if w != "mine_manager"), "CLOSED"),
]


async def _audit_count(platform, mine: MineFixture) -> int:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry)
                                    .where(AuditEntry.mine_id == mine.mine_id)) or 0


async def test_every_mutation_refuses_every_wrong_role_and_the_wrong_mine(client, make_mine, platform) -> None:
    mine, other = await make_mine(), await make_mine()
    for step in STEPS:
        hazard_id = await step.prepare(client, mine)
        state_before = (await gql(client, "query($id: ID!) { hazard(id: $id) { state } }", {"id": hazard_id},
                                  token=mine.token("safety_officer")))["hazard"]["state"]
        audited = await _audit_count(platform, mine)
        for who in step.refused:
            answer = (await gql(client, step.operation, step.variables(hazard_id, mine),
                                token=mine.token(who)))[step.field]
            assert answer["__typename"] == "NotAllowed", (step.field, who, answer)
            assert answer["message"]
        device = mine.device_tokens[DeviceKind.ROBOT]
        answer = (await gql(client, step.operation, step.variables(hazard_id, mine), token=device))[step.field]
        assert answer["__typename"] == "NotAllowed", (step.field, "device", answer)
        for who in (step.allowed, "safety_officer", "mine_manager", "admin"):
            answer = (await gql(client, step.operation, step.variables(hazard_id, other),
                                token=other.token(who)))[step.field]
            assert answer == {"__typename": "NotFound", "message": "no such hazard"}, (step.field, who, answer)
        missing = (await gql(client, step.operation, step.variables(str(uuid.uuid4()), mine),
                             token=mine.token(step.allowed)))[step.field]
        assert missing["__typename"] == "NotFound"

        state_now = (await gql(client, "query($id: ID!) { hazard(id: $id) { state } }", {"id": hazard_id},
                               token=mine.token("safety_officer")))["hazard"]["state"]
        assert state_now == state_before, step.field
        assert await _audit_count(platform, mine) == audited, f"a refused {step.field} wrote an audit entry"

        variables = step.variables(hazard_id, mine)
        if step.field == "submitRectification":
            variables["input"]["photoKeys"] = [await upload(client, mine.token("miner"), jpeg_bytes())]
        done = (await gql(client, step.operation, variables, token=mine.token(step.allowed)))[step.field]
        assert done["__typename"] == "Hazard" and done["state"] == step.final_state, (step.field, done)


async def test_triage_and_reassign_refuse_people_and_teams_of_another_mine(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    hazard_id = await _reported(client, mine)
    officer = mine.token("safety_officer")
    foreign_person = await gql(client, TRIAGE, {"input": {
        "hazardId": hazard_id, "grade": "GENERAL", "level": "C", "responsibleId": other.user_id("miner")}},
        token=officer)
    assert foreign_person["triageHazard"]["__typename"] == "ValidationFailed"
    assert foreign_person["triageHazard"]["field"] == "responsibleId"
    foreign_team = await gql(client, TRIAGE, {"input": {
        "hazardId": hazard_id, "grade": "GENERAL", "level": "C", "responsibleId": mine.user_id("miner"),
        "teamId": str(other.teams[0])}}, token=officer)
    assert foreign_team["triageHazard"]["__typename"] == "ValidationFailed", foreign_team
    assert foreign_team["triageHazard"]["field"] == "teamId"
    no_team = await gql(client, TRIAGE, {"input": {
        "hazardId": hazard_id, "grade": "GENERAL", "level": "C", "responsibleId": mine.user_id("miner"),
        "teamId": str(uuid.uuid4())}}, token=officer)
    assert no_team["triageHazard"]["__typename"] == "ValidationFailed", no_team

    await gql(client, TRIAGE, {"input": {"hazardId": hazard_id, "grade": "GENERAL", "level": "C",
                                         "responsibleId": mine.user_id("miner")}}, token=officer)
    moved = await gql(client, REASSIGN, {"input": {"hazardId": hazard_id, "responsibleId": other.user_id("miner"),
                                                   "reason": "x"}}, token=officer)
    assert moved["reassignHazard"]["__typename"] == "ValidationFailed"
    moved = await gql(client, REASSIGN, {"input": {"hazardId": hazard_id, "responsibleId": mine.user_id("miner2"),
                                                   "teamId": str(other.teams[1]), "reason": "x"}}, token=officer)
    assert moved["reassignHazard"]["__typename"] == "ValidationFailed", moved


async def test_a_team_leader_triages_only_level_c_in_their_own_area(client, make_mine) -> None:
    mine = await make_mine()
    elsewhere = (await report(client, mine.token("miner"), mine.areas[1]))["id"]
    here = (await report(client, mine.token("miner"), mine.areas[0]))["id"]

    def triage(hazard_id: str, level: str) -> dict[str, Any]:
        return {"input": {"hazardId": hazard_id, "grade": "GENERAL", "level": level,
                          "responsibleId": mine.user_id("miner")}}

    leader = mine.token("team_leader")
    assert (await gql(client, TRIAGE, triage(elsewhere, "C"), token=leader))["triageHazard"]["__typename"] \
        == "NotAllowed"
    assert (await gql(client, TRIAGE, triage(here, "A"), token=leader))["triageHazard"]["__typename"] == "NotAllowed"
    assert (await gql(client, TRIAGE, triage(here, "C"), token=leader))["triageHazard"]["state"] == "ASSIGNED"
    # the area manager of area 0 may not reassign in area 1
    await gql(client, TRIAGE, triage(elsewhere, "B"), token=mine.token("safety_officer"))
    moved = await gql(client, REASSIGN, {"input": {"hazardId": elsewhere, "responsibleId": mine.user_id("miner2"),
                                                   "reason": "x"}}, token=mine.token("area_manager"))
    assert moved["reassignHazard"]["__typename"] == "NotAllowed"


LIST_QUERIES = {
    "hazards": "{ hazards(first: 100) { edges { node { id area { id } reporter { id } } } } }",
    "people": "{ people { id } }",
    "users": "{ users { id mineId } }",
    "areas": "{ areas { id } }",
    "teams": "{ teams { id } }",
    "devices": "{ devices { id } }",
}


def _ids(value: Any) -> set[str]:
    """Every id anywhere in a response."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "mineId") and isinstance(item, str):
                found.add(item)
            found |= _ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _ids(item)
    return found


async def test_queries_never_show_another_mine(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    hazard_id = await _assigned(client, mine)
    theirs: set[str] = {hazard_id, str(mine.mine_id), *map(str, mine.areas), *map(str, mine.teams),
                        *(str(u.id) for u in mine.users.values())}
    mine_answers = (await gql(client, LIST_QUERIES["hazards"], token=mine.token("admin")))
    assert hazard_id in _ids(mine_answers)  # the probe would see it in its own mine
    for who in ("miner", "safety_officer", "mine_manager", "admin"):
        for name, query in LIST_QUERIES.items():
            seen = _ids(await gql(client, query, token=other.token(who)))
            assert not seen & theirs, (who, name)
        single = await gql(client, "query($id: ID!) { hazard(id: $id) { id } }", {"id": hazard_id},
                           token=other.token(who))
        assert single["hazard"] is None
        filtered = await gql(client, "query($a: ID!) { hazards(where: {areaId: $a}) { edges { node { id } } } }",
                             {"a": str(mine.areas[0])}, token=other.token(who))
        assert filtered["hazards"]["edges"] == []
        by_area = await gql(client, "query($a: ID!) { people(areaId: $a) { id } }", {"a": str(mine.areas[0])},
                            token=other.token(who))
        assert by_area["people"] == []
    trace = await gql(client, "query($id: ID!) { traceability(subjectId: $id) { seq action } }", {"id": hazard_id},
                      token=other.token("mine_manager"))
    assert trace["traceability"] == []
    verdict = await gql(client, "{ verifyAuditChain { ok checked } }", token=other.token("mine_manager"))
    assert verdict["verifyAuditChain"]["checked"] == 0


ADD_USER = """mutation($input: AddUserInput!) { addUser(input: $input) {
  __typename ... on User { id roles } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field } } }"""
SET_ROLES = """mutation($input: SetRolesInput!) { setUserRoles(input: $input) {
  __typename ... on User { id roles } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field } } }"""
REGISTER = """mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) {
  __typename ... on RegisteredDevice { token device { id } } ... on NotAllowed { message }
  ... on ValidationFailed { message field } } }"""
REVOKE = """mutation($id: ID!) { revokeDevice(deviceId: $id) {
  __typename ... on Device { id revoked } ... on NotAllowed { message } ... on NotFound { message } } }"""
TRACE = """query($id: ID!) { traceability(subjectId: $id) { action actorName actorRole before after } }"""


async def test_admin_mutations_need_an_admin_of_the_same_mine_and_are_audited(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    devices = (await gql(client, "{ devices { id kind } }", token=mine.token("admin")))["devices"]
    camera = next(d["id"] for d in devices if d["kind"] == "CAMERA")
    calls = {
        "addUser": (ADD_USER, {"input": {"username": f"u{uuid.uuid4().hex[:8]}", "displayName": "New",
                                         "password": "long enough pw", "roles": ["MINER"]}}),
        "setUserRoles": (SET_ROLES, {"input": {"userId": mine.user_id("miner"), "roles": ["ADMIN"]}}),
        "registerDevice": (REGISTER, {"input": {"name": "rogue", "kind": "ROBOT"}}),
        "revokeDevice": (REVOKE, {"id": camera}),
    }
    for who in EVERYONE:
        if who == "admin":
            continue
        for name, (operation, variables) in calls.items():
            answer = (await gql(client, operation, variables, token=mine.token(who)))[name]
            assert answer["__typename"] == "NotAllowed", (who, name, answer)
    # an admin of another mine
    foreign = other.token("admin")
    assert (await gql(client, SET_ROLES, calls["setUserRoles"][1], token=foreign))["setUserRoles"]["__typename"] \
        == "NotFound"
    assert (await gql(client, REVOKE, {"id": camera}, token=foreign))["revokeDevice"]["__typename"] == "NotFound"
    placed = await gql(client, REGISTER, {"input": {"name": "r", "kind": "ROBOT", "areaId": str(mine.areas[0])}},
                       token=foreign)
    assert placed["registerDevice"]["__typename"] == "ValidationFailed"
    placed = await gql(client, ADD_USER, {"input": {"username": f"u{uuid.uuid4().hex[:8]}", "displayName": "x",
                                                    "password": "long enough pw", "roles": ["MINER"],
                                                    "teamId": str(mine.teams[0])}}, token=foreign)
    assert placed["addUser"]["__typename"] == "ValidationFailed"
    still = (await gql(client, "{ devices { id revoked } }", token=mine.token("admin")))["devices"]
    assert not any(d["revoked"] for d in still)

    # the admin of the mine: changes land and are audited
    admin = mine.token("admin")
    changed = await gql(client, SET_ROLES, {"input": {"userId": mine.user_id("miner2"),
                                                      "roles": ["MINER", "TEAM_LEADER"]}}, token=admin)
    assert sorted(changed["setUserRoles"]["roles"]) == ["MINER", "TEAM_LEADER"]
    trace = (await gql(client, TRACE, {"id": mine.user_id("miner2")}, token=admin))["traceability"]
    assert [t["action"] for t in trace] == ["user.roles_changed"]
    assert trace[0]["before"]["roles"] == ["miner"] and trace[0]["after"]["roles"] == ["miner", "team_leader"]
    assert trace[0]["actorRole"] == "admin"

    registered = (await gql(client, REGISTER, {"input": {"name": "bolter", "kind": "ROBOT"}},
                            token=admin))["registerDevice"]
    device_id = registered["device"]["id"]
    assert registered["token"].startswith("msd_")
    revoked = (await gql(client, REVOKE, {"id": device_id}, token=admin))["revokeDevice"]
    assert revoked["revoked"] is True
    trace = (await gql(client, TRACE, {"id": device_id}, token=admin))["traceability"]
    assert [t["action"] for t in trace] == ["device.registered", "device.revoked"]
    assert registered["token"] not in str(trace)  # the token itself is never audited
    camera_trace = (await gql(client, TRACE, {"id": camera}, token=admin))["traceability"]
    assert camera_trace == []  # none of the refused attempts left a trace
