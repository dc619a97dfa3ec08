"""Hazard.allowedSteps says exactly what the mutations allow: every role, every state, every step.

For each state a hazard can be in, each person of the mine reads allowedSteps; then each step is tried
by each person: where allowedSteps lists it the mutation succeeds (on a fresh hazard in the same state),
where it does not the mutation is refused (NotAllowed or InvalidTransition) and nothing changes.
Also: the levels a person may triage at, the server's default deadlines (a mine's override applies when
the client sends none), and the queue counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.org.models import Mine
from tests.backend.api import ACCEPT, DISMISS, REASSIGN, RECTIFY, REINSPECT, SIGN_OFF, TRIAGE, jpeg_bytes, upload
from tests.backend.hazards.test_permissions import (
    EVERYONE,
    PLAN,
    _assigned,
    _awaiting_sign_off,
    _pending_review,
    _rectifying,
    _reported,
)
from tests.conftest import MineFixture, gql

STEPS_QUERY = "query($id: ID!) { hazard(id: $id) { state allowedSteps triageLevels mayTriageMajor } }"


async def _triage_vars(client, mine: MineFixture, who: str, hazard_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"input": {"hazardId": hazard_id, "grade": "GENERAL", "level": "C", "responsibleId": mine.user_id("miner")}}


async def _id_vars(client, mine: MineFixture, who: str, hazard_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"id": hazard_id}


async def _rectify_vars(client, mine: MineFixture, who: str, hazard_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    key = await upload(client, mine.token(who), jpeg_bytes())
    return {"input": {"hazardId": hazard_id, "clientId": str(uuid.uuid4()), "note": "done", "photoKeys": [key]}}


async def _pass_vars(client, mine: MineFixture, who: str, hazard_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"input": {"hazardId": hazard_id, "passed": True}}


async def _fail_vars(client, mine: MineFixture, who: str, hazard_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"input": {"hazardId": hazard_id, "passed": False, "reason": "still loose"}}


async def _dismiss_vars(client, mine: MineFixture, who: str, hazard_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"id": hazard_id, "reason": "not a hazard"}


async def _reassign_vars(client, mine: MineFixture, who: str, hazard_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"input": {"hazardId": hazard_id, "responsibleId": mine.user_id("miner2"), "reason": "on leave"}}


VarsFn = Callable[[Any, MineFixture, str, str], Awaitable[dict[str, Any]]]
STEPS: dict[str, tuple[str, str, VarsFn]] = {
    "TRIAGE": ("triageHazard", TRIAGE, _triage_vars),
    "ACCEPT": ("acceptHazard", ACCEPT, _id_vars),
    "SUBMIT_RECTIFICATION": ("submitRectification", RECTIFY, _rectify_vars),
    "REINSPECT_PASS": ("reinspectHazard", REINSPECT, _pass_vars),
    "REINSPECT_FAIL": ("reinspectHazard", REINSPECT, _fail_vars),
    "DISMISS": ("dismissHazard", DISMISS, _dismiss_vars),
    "REASSIGN": ("reassignHazard", REASSIGN, _reassign_vars),
    "SIGN_OFF": ("signOffMajorHazard", SIGN_OFF, _id_vars),
}


async def _reported_by_officer(client, mine: MineFixture) -> str:  # type: ignore[no-untyped-def]
    from tests.backend.api import report

    return (await report(client, mine.token("safety_officer"), mine.areas[0]))["id"]


async def _reported_elsewhere(client, mine: MineFixture) -> str:  # type: ignore[no-untyped-def]
    from tests.backend.api import report

    return (await report(client, mine.token("miner"), mine.areas[1]))["id"]


async def _major_rectifying(client, mine: MineFixture) -> str:  # type: ignore[no-untyped-def]
    return await _rectifying(client, mine, "MAJOR")


async def _closed(client, mine: MineFixture) -> str:  # type: ignore[no-untyped-def]
    hazard_id = await _pending_review(client, mine)
    done = await gql(client, REINSPECT, {"input": {"hazardId": hazard_id, "passed": True}},
                     token=mine.token("safety_officer"))
    assert done["reinspectHazard"]["state"] == "CLOSED"
    return hazard_id


STATES: dict[str, Callable[[Any, MineFixture], Awaitable[str]]] = {
    "reported": _reported, "reported by the officer": _reported_by_officer,
    "reported in another area": _reported_elsewhere, "assigned": _assigned, "rectifying": _rectifying,
    "major rectifying": _major_rectifying, "pending review": _pending_review,
    "awaiting sign-off": _awaiting_sign_off, "closed": _closed,
}


async def _allowed(client, mine: MineFixture, who: str, hazard_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return (await gql(client, STEPS_QUERY, {"id": hazard_id}, token=mine.token(who)))["hazard"]


@pytest.mark.parametrize("state", list(STATES))
async def test_allowed_steps_are_exactly_what_the_mutations_allow(client, make_mine, state: str) -> None:
    mine = await make_mine()
    prepare = STATES[state]
    hazard_id = await prepare(client, mine)
    listed = {who: set((await _allowed(client, mine, who, hazard_id))["allowedSteps"]) for who in EVERYONE}
    before = (await _allowed(client, mine, "admin", hazard_id))["state"]
    for step, (field, operation, make_vars) in STEPS.items():
        for who in EVERYONE:
            if step in listed[who]:
                fresh = await prepare(client, mine)
                answer = (await gql(client, operation, await make_vars(client, mine, who, fresh),
                                    token=mine.token(who)))[field]
                assert answer["__typename"] == "Hazard", (state, step, who, answer)
            else:
                answer = (await gql(client, operation, await make_vars(client, mine, who, hazard_id),
                                    token=mine.token(who)))[field]
                assert answer["__typename"] in ("NotAllowed", "InvalidTransition"), (state, step, who, answer)
        assert (await _allowed(client, mine, "admin", hazard_id))["state"] == before, (state, step)
    # nobody may do anything to a closed hazard; an admin never takes a step of the loop
    assert not listed["admin"]
    if state == "closed":
        assert not any(listed.values())


async def test_what_each_role_is_offered_on_the_usual_states(client, make_mine) -> None:
    mine = await make_mine()
    reported = await _reported(client, mine)
    offered = {who: await _allowed(client, mine, who, reported) for who in EVERYONE}
    assert set(offered["safety_officer"]["allowedSteps"]) == {"TRIAGE", "DISMISS"}
    assert offered["safety_officer"]["triageLevels"] == ["A", "B", "C"]
    assert offered["safety_officer"]["mayTriageMajor"] is True
    assert offered["mine_manager"]["allowedSteps"] == ["TRIAGE"]
    assert offered["area_manager"]["allowedSteps"] == ["TRIAGE"]           # the hazard is in their area
    assert offered["team_leader"]["allowedSteps"] == ["TRIAGE"]
    assert offered["team_leader"]["triageLevels"] == ["C"]                  # team level only
    assert offered["team_leader"]["mayTriageMajor"] is False
    for who in ("miner", "miner2", "mentor", "admin"):
        assert offered[who] == {"state": "REPORTED", "allowedSteps": [], "triageLevels": [],
                                "mayTriageMajor": False}, who
    pending = await _pending_review(client, mine)
    assert (await _allowed(client, mine, "safety_officer", pending))["allowedSteps"] == [
        "REINSPECT_PASS", "REINSPECT_FAIL"]
    assert (await _allowed(client, mine, "miner", pending))["allowedSteps"] == []


async def test_another_mine_is_offered_nothing(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    hazard_id = await _reported(client, mine)
    assert (await gql(client, STEPS_QUERY, {"id": hazard_id}, token=other.token("safety_officer")))["hazard"] is None


async def _set_deadline_hours(platform, mine: MineFixture, hours: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        row = await session.get(Mine, mine.mine_id)
        row.settings = {**(row.settings or {}), "hazard_deadline_hours": hours}
        await session.commit()


async def test_triage_without_a_deadline_takes_the_mines_override_else_domain_defaults(client, make_mine,
                                                                                      platform) -> None:
    mine = await make_mine()
    officer = mine.token("safety_officer")

    async def triage(level: str | None, grade: str = "GENERAL") -> datetime:
        hazard_id = await _reported(client, mine)
        extra: dict[str, Any] = {"treatmentPlan": PLAN} if grade == "MAJOR" else {"level": level}
        done = (await gql(client, TRIAGE, {"input": {"hazardId": hazard_id, "grade": grade,
                                                     "responsibleId": mine.user_id("miner"), **extra}},
                          token=officer))["triageHazard"]
        assert done["__typename"] == "Hazard", done
        deadline = datetime.fromisoformat(done["deadline"])
        return deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)

    def about(deadline: datetime, hours: float) -> bool:
        expected = datetime.now(UTC) + timedelta(hours=hours)
        return abs((deadline - expected).total_seconds()) < 120

    assert about(await triage("A"), 7 * 24)
    assert about(await triage("B"), 3 * 24)
    assert about(await triage("C"), 24)
    await _set_deadline_hours(platform, mine, {"B": 10, "C": 8})
    assert about(await triage("B"), 10)
    assert about(await triage("C"), 8)
    assert about(await triage("A"), 7 * 24)            # not overridden: DOMAIN.md's default


async def test_queue_counts_follow_allowed_steps(client, make_mine) -> None:
    mine = await make_mine()
    await _reported(client, mine)
    await _reported_elsewhere(client, mine)
    await _pending_review(client, mine)
    await _assigned(client, mine)
    query = "{ hazardQueueCounts { toTriage toReinspect toSignOff assignedToMe overdue myOpenReports } }"
    counts = {who: (await gql(client, query, token=mine.token(who)))["hazardQueueCounts"]
              for who in ("safety_officer", "team_leader", "area_manager", "miner", "admin")}
    assert counts["safety_officer"]["toTriage"] == 2 and counts["safety_officer"]["toReinspect"] == 1
    assert counts["area_manager"]["toTriage"] == 1          # only their own area's report
    assert counts["team_leader"]["toTriage"] == 1 and counts["team_leader"]["toReinspect"] == 0
    assert counts["miner"]["toTriage"] == 0
    assert counts["miner"]["assignedToMe"] == 2              # the pending one and the assigned one
    assert counts["miner"]["myOpenReports"] == 4             # the miner reported all four
    assert counts["admin"] == {"toTriage": 0, "toReinspect": 0, "toSignOff": 0, "assignedToMe": 0, "overdue": 0,
                               "myOpenReports": 0}
