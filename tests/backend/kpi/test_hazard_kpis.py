"""Hazard KPIs: pure arithmetic, and the query with its role and area scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.kpi.rules import HazardFact, hazard_kpis
from contracts.hazards import HazardState
from tests.backend.api import DISMISS, TRIAGE, report
from tests.conftest import gql

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def fact(state: HazardState, grade: str | None = "GENERAL", *, deadline_h: float | None = 72,
         closed_h: float | None = None, team: str | None = "t1") -> HazardFact:
    return HazardFact(state=state, grade=grade, team_id=team, created_at=T0,
                      deadline=T0 + timedelta(hours=deadline_h) if deadline_h is not None else None,
                      closed_at=T0 + timedelta(hours=closed_h) if closed_h is not None else None)


def test_rates_and_mean_time_by_grade() -> None:
    kpis = hazard_kpis([
        fact(HazardState.CLOSED, closed_h=24),
        fact(HazardState.CLOSED, closed_h=96),  # late
        fact(HazardState.RECTIFYING, deadline_h=24, team="t2"),  # overdue at T0 + 48 h
        fact(HazardState.ASSIGNED, deadline_h=72),
        fact(HazardState.DISMISSED),
        fact(HazardState.REPORTED, grade=None, deadline_h=None),
        fact(HazardState.CLOSED, grade="MAJOR", closed_h=10, deadline_h=None),
    ], now=T0 + timedelta(hours=48))
    general = kpis.by_grade["GENERAL"]
    assert (general.reported, general.closed, general.open, general.overdue) == (4, 2, 2, 1)
    assert general.close_out_rate == 0.5 and general.on_time_rate == 0.5
    assert general.mean_hours_to_close == 60
    assert kpis.by_grade["MAJOR"].on_time_rate == 1.0
    assert kpis.by_grade["UNGRADED"].close_out_rate == 0
    assert kpis.overdue_by_team == {"t2": 1}


KPIS = "{ hazardKpis { byGrade { grade reported closed open overdue closeOutRate } overdueByTeam { overdue } } }"


async def test_the_query_counts_only_the_callers_mine_and_role(client, make_mine) -> None:
    mine = await make_mine()
    first = await report(client, mine.token("miner"), mine.areas[0])
    second = await report(client, mine.token("miner"), mine.areas[1])
    await report(client, mine.token("miner"), mine.areas[1])
    await gql(client, TRIAGE, {"input": {"hazardId": first["id"], "grade": "GENERAL", "level": "C",
                                         "responsibleId": mine.user_id("miner")}}, token=mine.token("safety_officer"))
    await gql(client, DISMISS, {"id": second["id"], "reason": "duplicate"}, token=mine.token("safety_officer"))
    report_ = (await gql(client, KPIS, token=mine.token("mine_manager")))["hazardKpis"]
    by_grade = {g["grade"]: g for g in report_["byGrade"]}
    assert by_grade["GENERAL"]["reported"] == 1 and by_grade["UNGRADED"]["reported"] == 1
    area_view = (await gql(client, KPIS, token=mine.token("area_manager")))["hazardKpis"]
    assert [g["grade"] for g in area_view["byGrade"]] == ["GENERAL"]  # only the manager's own area
    refused = await gql(client, KPIS, token=mine.token("miner"), expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
