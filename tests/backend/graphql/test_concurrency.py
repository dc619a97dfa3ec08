"""Several people acting at once in one mine: every request answers, and the audit chain stays whole."""

from __future__ import annotations

import asyncio
import uuid

from backend.hazards.models import Hazard
from contracts.hazards import HazardState
from tests.backend.api import REPORT, TRIAGE, jpeg_bytes, upload
from tests.conftest import MineFixture, gql

VERIFY = "{ verifyAuditChain { ok checked problem seq } }"
OFFICERS = ("safety_officer", "safety_officer2", "mine_manager", "area_manager", "safety_officer")


async def bare_hazards(platform, mine: MineFixture, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Hazards written straight to the database, so the mine has no audit entry yet."""
    ids = []
    async with platform.session_factory() as session:
        for _ in range(count):
            hazard = Hazard(id=uuid.uuid4(), mine_id=mine.mine_id, area_id=mine.areas[0], state=HazardState.REPORTED,
                            reporter_id=mine.users["miner"].id, reporter_name="miner", description="roof sag")
            session.add(hazard)
            ids.append(str(hazard.id))
        await session.commit()
    return ids


async def test_concurrent_first_audit_entries_of_a_mine(client, make_mine, platform) -> None:
    """The chain head did not exist yet: concurrent first entries used to collide creating it."""
    mine = await make_mine()
    ids = await bare_hazards(platform, mine, len(OFFICERS))

    async def triage(hazard_id: str, who: str) -> dict:
        return await gql(client, TRIAGE, {"input": {"hazardId": hazard_id, "grade": "GENERAL", "level": "B",
                                                    "responsibleId": mine.user_id("miner")}},
                         token=mine.token(who), expect_errors=True)

    answers = await asyncio.gather(*(triage(h, w) for h, w in zip(ids, OFFICERS, strict=True)))
    for answer in answers:
        assert not answer.get("errors"), answer
        assert answer["data"]["triageHazard"]["state"] == "ASSIGNED"
    verdict = (await gql(client, VERIFY, token=mine.token("mine_manager")))["verifyAuditChain"]
    assert verdict == {"ok": True, "checked": len(OFFICERS), "problem": None, "seq": None}


async def test_concurrent_reports_and_triages_in_one_mine(client, make_mine) -> None:
    mine = await make_mine()
    people = ("miner", "miner2", "team_leader", "mentor", "safety_officer")
    keys = {who: await upload(client, mine.token(who), jpeg_bytes(1200, 900)) for who in people}

    async def report(who: str) -> dict:
        variables = {"input": {"clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]),
                               "description": f"reported by {who}", "photoKeys": [keys[who]]}}
        return await gql(client, REPORT, variables, token=mine.token(who), expect_errors=True)

    answers = await asyncio.gather(*(report(who) for who in people))
    for answer in answers:
        assert not answer.get("errors"), answer
        assert answer["data"]["reportHazard"]["__typename"] == "Hazard"
    ids = [a["data"]["reportHazard"]["id"] for a in answers]
    triaged = await asyncio.gather(*(
        gql(client, TRIAGE, {"input": {"hazardId": h, "grade": "GENERAL", "level": "C",
                                       "responsibleId": mine.user_id("miner2")}}, token=mine.token(w),
            expect_errors=True)
        for h, w in zip(ids, ("safety_officer2", "mine_manager", "area_manager", "safety_officer", "safety_officer2"),
                        strict=True)))
    for answer in triaged:
        assert not answer.get("errors"), answer
    verdict = (await gql(client, VERIFY, token=mine.token("mine_manager")))["verifyAuditChain"]
    assert verdict["ok"] and verdict["checked"] == 2 * len(people)


async def test_two_officers_triaging_one_hazard_at_once(client, make_mine, platform) -> None:
    """One wins; the other is told the hazard has moved on; the trail shows one triage."""
    mine = await make_mine()
    (hazard_id,) = await bare_hazards(platform, mine, 1)
    answers = await asyncio.gather(*(
        gql(client, TRIAGE, {"input": {"hazardId": hazard_id, "grade": "GENERAL", "level": level,
                                       "responsibleId": mine.user_id("miner")}}, token=mine.token(who))
        for who, level in (("safety_officer", "A"), ("safety_officer2", "C"), ("mine_manager", "B"))))
    kinds = sorted(a["triageHazard"]["__typename"] for a in answers)
    assert kinds == ["Hazard", "InvalidTransition", "InvalidTransition"], answers
    trace = await gql(client, "query($id: ID!) { traceability(subjectId: $id) { action } }", {"id": hazard_id},
                      token=mine.token("mine_manager"))
    assert [t["action"] for t in trace["traceability"]] == ["hazard.triaged"]
