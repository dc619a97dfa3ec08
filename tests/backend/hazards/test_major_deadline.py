"""A major hazard's rectification deadline is its treatment plan's (DOMAIN.md), not the 24 h plan limit."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.hazards.rules import plan_deadline
from tests.backend.api import TRIAGE, report
from tests.conftest import gql

PLAN = {"measures": "drain", "responsible_people": "Zhao", "funds": "80000", "contingency_plan": "withdraw"}


def test_a_plan_names_its_deadline_as_a_date_or_a_zoned_time() -> None:
    assert plan_deadline({"deadline": "2030-01-31"}) == datetime(2030, 2, 1, tzinfo=UTC)  # the end of that day
    assert plan_deadline({"deadline": "2030-01-31T08:00:00+08:00"}) == datetime(2030, 1, 31, 0, tzinfo=UTC)
    for unreadable in ("soon", "2030-01-31T08:00:00", "", None, "31/01/2030"):
        assert plan_deadline({"deadline": unreadable}) is None


async def test_a_major_hazard_gets_the_plans_deadline(client, make_mine) -> None:
    mine = await make_mine()
    hazard = await report(client, mine.token("miner"), mine.areas[0])
    triaged = (await gql(client, TRIAGE, {"input": {
        "hazardId": hazard["id"], "grade": "MAJOR", "treatmentPlan": {**PLAN, "deadline": "2030-03-31"},
        "responsibleId": mine.user_id("team_leader")}}, token=mine.token("safety_officer")))["triageHazard"]
    assert triaged["state"] == "ASSIGNED"
    assert datetime.fromisoformat(triaged["deadline"]) == datetime(2030, 4, 1, tzinfo=UTC)


async def test_a_plan_without_a_readable_future_deadline_is_refused(client, make_mine) -> None:
    mine = await make_mine()
    hazard = await report(client, mine.token("miner"), mine.areas[0])
    for deadline in ("next month", "2020-01-01"):
        refused = (await gql(client, TRIAGE, {"input": {
            "hazardId": hazard["id"], "grade": "MAJOR", "treatmentPlan": {**PLAN, "deadline": deadline},
            "responsibleId": mine.user_id("team_leader")}}, token=mine.token("safety_officer")))["triageHazard"]
        assert refused["__typename"] == "ValidationFailed" and "deadline" in refused["message"], refused


async def test_an_explicit_deadline_still_wins(client, make_mine) -> None:
    mine = await make_mine()
    hazard = await report(client, mine.token("miner"), mine.areas[0])
    triaged = (await gql(client, TRIAGE, {"input": {
        "hazardId": hazard["id"], "grade": "MAJOR", "treatmentPlan": {**PLAN, "deadline": "2030-03-31"},
        "deadline": "2029-06-30T00:00:00Z", "responsibleId": mine.user_id("team_leader")}},
        token=mine.token("safety_officer")))["triageHazard"]
    assert datetime.fromisoformat(triaged["deadline"]) == datetime(2029, 6, 30, tzinfo=UTC)
