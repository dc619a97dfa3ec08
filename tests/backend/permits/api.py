"""GraphQL operations and set-up shared by the permit tests (and the benchmark)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from backend.permits import interlock
from backend.positioning.models import PersonPosition
from tests.conftest import MineFixture, gql

PERMIT_FIELDS = """id state kindCode grade requiredRoles missingApprovals underground suspensions tokenPasses
  tokenHolderRole firedAt allowedSteps guardianInArea area { id } guardian { id displayName }
  crew { id displayName } suspendReasons { cause detail at }
  latestGasTest { ch4 stage source passed ageSeconds } approvals { role approver { id } }"""
RESULT = "__typename ... on Permit { " + PERMIT_FIELDS + """ }
  ... on InvalidTransition { message currentState } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field }"""
KINDS = "{ permitKinds { id code blasting isolation ch4Limit undergroundApprover conflictsWith " \
        "grades { grade approverRoles validityHours } measures { code name(language: \"en\") } name } }"
APPLY = "mutation($input: ApplyPermitInput!) { applyPermit(input: $input) { " + RESULT + " } }"
HAND_TEST = "mutation($input: HandGasTestInput!) { recordPermitGasTest(input: $input) { " + RESULT + " } }"
SENSOR_TEST = ("mutation($input: SensorGasTestInput!) { takePermitSensorGasTest(input: $input) { "
               + RESULT + " } }")
APPROVE = "mutation($input: ApprovePermitInput!) { approvePermit(input: $input) { " + RESULT + " } }"
REJECT = "mutation($id: ID!, $r: String!) { rejectPermit(permitId: $id, reason: $r) { " + RESULT + " } }"
CANCEL = "mutation($id: ID!, $r: String!) { cancelPermit(permitId: $id, reason: $r) { " + RESULT + " } }"
START = "mutation($id: ID!) { startPermit(permitId: $id) { " + RESULT + " } }"
SUSPEND = "mutation($id: ID!, $r: String!) { suspendPermit(permitId: $id, reason: $r) { " + RESULT + " } }"
RESUME = "mutation($id: ID!) { resumePermit(permitId: $id) { " + RESULT + " } }"
PASS_TOKEN = "mutation($id: ID!) { passBlastToken(permitId: $id) { " + RESULT + " } }"
FIRE = "mutation($id: ID!) { fireBlast(permitId: $id) { " + RESULT + " } }"
CLOSE = ("mutation($input: ClosePermitInput!) { closePermit(input: $input) { " + RESULT
         + " ... on PhotoRejected { message reason } } }")
PERMIT = "query($id: ID!) { permit(id: $id) { " + PERMIT_FIELDS + " } }"
PERMITS = "query($mine: Boolean!) { permits(mine: $mine) { id state kindCode } }"


def now() -> datetime:
    return datetime.now(UTC)


async def kinds(http: httpx.AsyncClient, mine: MineFixture) -> dict[str, dict[str, Any]]:
    data = await gql(http, KINDS, token=mine.token("team_leader"))
    return {k["code"]: k for k in data["permitKinds"]}


async def apply(http: httpx.AsyncClient, mine: MineFixture, kind: str = "HOT_WORK", *, grade: str = "FIRST",
                area: int = 0, who: str = "team_leader", hours: float = 4, starts_in: float = -1 / 60,
                **extra: Any) -> dict[str, Any]:
    """Apply as the team leader (work leader), the mentor guarding, the two miners as crew."""
    found = await kinds(http, mine)
    start = now() + timedelta(hours=starts_in)
    variables = {"input": {
        "clientId": str(uuid.uuid4()), "kindId": found[kind]["id"], "grade": grade, "areaId": str(mine.areas[area]),
        "startsAt": start.isoformat(), "endsAt": (start + timedelta(hours=hours)).isoformat(),
        "description": f"{kind} test job", "workLeaderId": mine.user_id("team_leader"),
        "guardianId": mine.user_id("mentor"), "crewIds": [mine.user_id("miner"), mine.user_id("miner2")], **extra}}
    return (await gql(http, APPLY, variables, token=mine.token(who)))["applyPermit"]


async def step(http: httpx.AsyncClient, mine: MineFixture, document: str, who: str, **variables: Any
               ) -> dict[str, Any]:
    data = await gql(http, document, variables, token=mine.token(who))
    return next(iter(data.values()))


async def approve_all(http: httpx.AsyncClient, mine: MineFixture, permit: dict[str, Any]) -> dict[str, Any]:
    result = permit
    for role in permit["requiredRoles"]:
        result = await step(http, mine, APPROVE, role, input={"permitId": permit["id"], "role": role})
        assert result["__typename"] == "Permit", result
    return result


async def hand_test(http: httpx.AsyncClient, mine: MineFixture, permit_id: str, ch4: float = 0.2, *,
                    minutes_ago: float = 1, stage: str = "START", who: str = "safety_officer2") -> dict[str, Any]:
    return await step(http, mine, HAND_TEST, who, input={
        "permitId": permit_id, "ch4": ch4, "stage": stage,
        "measuredAt": (now() - timedelta(minutes=minutes_ago)).isoformat()})


async def place(platform, mine: MineFixture, who: str, area: int | None,  # type: ignore[no-untyped-def]
                *, notify: bool = True) -> int:
    """Put a person in an area (as positioning would) and tell the interlock, as positioning's event does."""
    user_id = mine.users[who].id
    area_id = mine.areas[area] if area is not None else None
    async with platform.session_factory() as session:
        position = await session.get(PersonPosition, user_id)
        before = position.area_id if position else None
        if position is None:
            session.add(PersonPosition(user_id=user_id, mine_id=mine.mine_id, area_id=area_id, since=now(),
                                       last_seen_at=now(), tag_code=f"T-{who}", reader_code="R-1"))
        else:
            position.area_id, position.since = area_id, now()
        await session.flush()
        stopped = 0
        if notify:
            stopped = await interlock.on_presence(session, mine_id=mine.mine_id, user_id=user_id,
                                                  from_area_id=before, to_area_id=area_id)
        await session.commit()
    return stopped


async def live_permit(http: httpx.AsyncClient, platform, mine: MineFixture, kind: str = "HOT_WORK",  # type: ignore[no-untyped-def]
                      **extra: Any) -> dict[str, Any]:
    """A started permit: applied, approved, gas-tested, the guardian and crew in the area."""
    permit = await apply(http, mine, kind, **extra)
    assert permit["__typename"] == "Permit", permit
    await approve_all(http, mine, permit)
    assert (await hand_test(http, mine, permit["id"]))["__typename"] == "Permit"
    for who in ("mentor", "team_leader", "miner", "miner2"):
        await place(platform, mine, who, 0, notify=False)
    started = await step(http, mine, START, "team_leader", id=permit["id"])
    assert started["__typename"] == "Permit" and started["state"] == "ACTIVE", started
    return started
