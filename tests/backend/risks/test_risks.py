"""Risk points over GraphQL (SQLite and PostgreSQL): grading, versions, measures by control level, the grading
scheme, dynamic risk from hazards, alarms and vision events, the four-colour map, permissions by role and mine."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend.alerts import flows as alert_flows
from backend.audit.models import AuditEntry
from contracts.alerts import AlertSeverity, AlertSource
from tests.backend.api import DISMISS, report
from tests.backend.risks.api import (
    ADD_MEASURE,
    ADD_SOURCE,
    ADD_TEMPLATE,
    ASSESS,
    GRADE,
    LINK_HAZARD,
    MAP,
    POINT_DETAIL,
    RETIRE_POINT,
    SET_SCHEME,
    UPDATE_MEASURE,
    UPDATE_POINT,
    assess,
    create_point,
    org_setup,
)
from tests.conftest import gql


async def actions(platform, mine_id, subject_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        rows = await session.scalars(select(AuditEntry.action).where(
            AuditEntry.mine_id == mine_id, AuditEntry.subject_id == subject_id).order_by(AuditEntry.seq))
        return list(rows)


async def test_assessment_versions_measures_by_control_level(client, platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    org = await org_setup(client, platform, mine)
    officer = mine.token("safety_officer")
    point = await create_point(client, officer, org.area, "RP-1")
    assert point["__typename"] == "RiskPoint", point
    assert point["level"] is None and point["hazardSources"][0]["category"] == "GAS"

    done = await assess(client, officer, point["id"], likelihood=3, exposure=6, consequence=15)  # D = 270
    assert done["__typename"] == "RiskAssessed", done
    assert (done["assessment"]["score"], done["assessment"]["level"], done["assessment"]["band"]) == (270, "ORANGE",
                                                                                                      "high")
    assert done["assessment"]["version"] == 1 and done["assessment"]["assessorName"] == "safety officer"
    assert done["riskPoint"]["requiredControlLevel"] == "DISTRICT"
    assert done["riskPoint"]["reviewState"] == "OK" and done["riskPoint"]["nextReviewDue"]
    kinds = {s["kind"] for s in done["suggestedMeasures"]}
    assert {"ENGINEERING", "MANAGEMENT", "PPE", "EMERGENCY"} <= kinds
    assert all(s["category"] == "GAS" for s in done["suggestedMeasures"])

    text = done["suggestedMeasures"][0]["text"]
    measure = {"riskPointId": point["id"], "kind": "ENGINEERING", "text": text}
    refused = (await gql(client, ADD_MEASURE, {"input": {**measure, "responsiblePostId": org.team_post}},
                         token=officer))["addControlMeasure"]
    assert refused["__typename"] == "ValidationFailed" and refused["field"] == "responsiblePostId", refused
    assert "DISTRICT" in refused["message"]
    added = (await gql(client, ADD_MEASURE, {"input": {**measure, "responsiblePostId": org.district_post}},
                       token=officer))["addControlMeasure"]
    assert added["__typename"] == "ControlMeasure", added
    assert (added["controlLevel"], added["checkFrequency"], added["fitsLevel"]) == ("DISTRICT", "WEEKLY", True)
    assert [h["displayName"] for h in added["holders"]] == ["area manager"]

    detail = (await gql(client, POINT_DETAIL, {"id": point["id"]}, token=mine.token("miner")))["riskPoint"]
    assert [r["via"] for r in detail["responsible"]] == ["MEASURE"]
    assert detail["responsible"][0]["person"]["displayName"] == "area manager"
    assert {c["post"]["code"][:2] for c in detail["candidatePosts"]} == {"VP", "DM"}  # the team's post is too low
    # the suggestion used is not suggested again
    again = await assess(client, officer, point["id"], likelihood=5, severity=5)
    assert again["assessment"]["version"] == 2 and again["assessment"]["level"] == "RED"
    assert text not in [s["text"] for s in again["suggestedMeasures"]]
    detail = (await gql(client, POINT_DETAIL, {"id": point["id"]}, token=officer))["riskPoint"]
    assert [a["version"] for a in detail["assessments"]] == [2, 1]
    assert detail["measures"][0]["fitsLevel"] is False  # red now needs the mine's post: reassign
    moved = (await gql(client, UPDATE_MEASURE, {"input": {"measureId": added["id"],
                                                          "responsiblePostId": org.mine_post}},
                       token=officer))["updateControlMeasure"]
    assert (moved["controlLevel"], moved["fitsLevel"]) == ("MINE", True)
    assert [h["displayName"] for h in moved["holders"]] == ["safety officer"]

    special = (await gql(client, ASSESS, {"input": {"riskPointId": point["id"], "reason": "SPECIAL",
                                                    "grade": {"method": "MATRIX", "likelihood": 2, "severity": 2}}},
                         token=officer))["assessRiskPoint"]
    assert special["__typename"] == "ValidationFailed" and special["field"] == "note"
    history = await actions(platform, mine.mine_id, point["id"])
    assert history[:3] == ["risk_point.created", "risk_point.assessed", "risk_measure.added"]
    assert history.count("risk_point.assessed") == 2 and "risk_measure.updated" in history


async def test_out_of_range_inputs_name_the_field(client, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    officer = mine.token("safety_officer")
    cases = [({"method": "LEC", "likelihood": 11, "exposure": 1, "consequence": 1}, "likelihood"),
             ({"method": "LEC", "likelihood": 1, "exposure": 0.1, "consequence": 1}, "exposure"),
             ({"method": "LEC", "likelihood": 1, "exposure": 1, "consequence": 101}, "consequence"),
             ({"method": "LEC", "likelihood": 1, "exposure": 1}, "consequence"),
             ({"method": "MATRIX", "likelihood": 6, "severity": 1}, "likelihood"),
             ({"method": "MATRIX", "likelihood": 2.5, "severity": 1}, "likelihood"),
             ({"method": "MATRIX", "likelihood": 2, "severity": 0}, "severity"),
             ({"method": "MATRIX", "likelihood": 2}, "severity")]
    for grade, field in cases:
        result = (await gql(client, GRADE, {"g": grade}, token=officer))["gradeRisk"]
        assert result["__typename"] == "ValidationFailed" and result["field"] == field, (grade, result)
    point = await create_point(client, officer, str(mine.areas[0]), "RP-R")
    refused = await assess(client, officer, point["id"], likelihood=1, exposure=20, consequence=1)
    assert refused["__typename"] == "ValidationFailed" and refused["field"] == "exposure"
    ok = (await gql(client, GRADE, {"g": {"method": "MATRIX", "likelihood": 4, "severity": 4}}, token=officer))
    assert ok["gradeRisk"] == {"__typename": "RiskGrade", "score": 16, "level": "ORANGE", "band": "较大",
                               "requiredControlLevel": "DISTRICT"}


async def test_grading_scheme_per_mine_from_its_date(client, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine, other = await make_mine(), await make_mine()
    matrix = [["BLUE", "BLUE", "BLUE", "YELLOW", "YELLOW"], ["BLUE", "YELLOW", "YELLOW", "YELLOW", "ORANGE"],
              ["BLUE", "YELLOW", "YELLOW", "ORANGE", "ORANGE"], ["YELLOW", "YELLOW", "ORANGE", "ORANGE", "RED"],
              ["YELLOW", "ORANGE", "ORANGE", "RED", "RED"]]  # 9 (3 × 3) yellow here, cell by cell
    bands = [{"above": 320, "level": "RED", "label": "extreme"}, {"above": 160, "level": "ORANGE", "label": "high"},
             {"above": 70, "level": "YELLOW", "label": "significant"}, {"above": 0, "level": "BLUE", "label": "low"}]
    scheme = {"effectiveFrom": "2026-01-01T00:00:00Z", "lecBands": bands, "matrix": matrix}
    for who in ("safety_officer", "miner", "area_manager"):
        refused = (await gql(client, SET_SCHEME, {"input": scheme}, token=mine.token(who)))["setRiskGradingScheme"]
        assert refused["__typename"] == "NotAllowed", who
    bad = {**scheme, "matrix": [*matrix[:4], ["BLUE"] * 5]}
    refused = (await gql(client, SET_SCHEME, {"input": bad}, token=mine.token("admin")))["setRiskGradingScheme"]
    assert refused["__typename"] == "ValidationFailed" and refused["field"] == "matrix"
    saved = (await gql(client, SET_SCHEME, {"input": scheme}, token=mine.token("mine_manager")))["setRiskGradingScheme"]
    assert saved["__typename"] == "RiskGradingScheme" and saved["matrix"][2][2] == "YELLOW"
    preview = {"method": "MATRIX", "likelihood": 3, "severity": 3}
    mine_grade = (await gql(client, GRADE, {"g": preview}, token=mine.token("miner")))["gradeRisk"]
    other_grade = (await gql(client, GRADE, {"g": preview}, token=other.token("miner")))["gradeRisk"]
    assert (mine_grade["level"], other_grade["level"]) == ("YELLOW", "ORANGE")
    lec = {"method": "LEC", "likelihood": 1, "exposure": 2, "consequence": 10}
    assert (await gql(client, GRADE, {"g": lec}, token=mine.token("miner")))["gradeRisk"]["band"] == "low"
    # a scheme dated in the future is not yet in force
    later = {**scheme, "effectiveFrom": "2099-01-01T00:00:00Z", "matrix": [["RED"] * 5] * 5}
    assert (await gql(client, SET_SCHEME, {"input": later}, token=mine.token("admin")))[
        "setRiskGradingScheme"]["__typename"] == "RiskGradingScheme"
    assert (await gql(client, GRADE, {"g": preview}, token=mine.token("miner")))["gradeRisk"]["level"] == "YELLOW"


def _colour(risk_map: dict, area_id: str) -> str | None:  # type: ignore[type-arg]
    return next(a["level"] for a in risk_map["riskMap"]["areas"] if a["area"]["id"] == area_id)


async def test_dynamic_risk_and_the_four_colour_map(client, platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    org = await org_setup(client, platform, mine)
    officer, manager = mine.token("safety_officer"), mine.token("mine_manager")
    point = await create_point(client, officer, org.area, "RP-D")
    other = await create_point(client, officer, str(mine.areas[1]), "RP-E")
    assert (await assess(client, officer, point["id"], likelihood=2, severity=4))["riskPoint"]["shownLevel"] == "YELLOW"
    await assess(client, officer, other["id"], likelihood=1, severity=2)
    risk_map = await gql(client, MAP, token=manager)
    assert _colour(risk_map, org.area) == "YELLOW" and _colour(risk_map, org.district) == "YELLOW"
    assert _colour(risk_map, str(mine.areas[1])) == "BLUE" and _colour(risk_map, str(mine.areas[2])) is None

    hazard = await report(client, mine.token("miner"), mine.areas[0])  # an open hazard at the point's area
    detail = (await gql(client, POINT_DETAIL, {"id": point["id"]}, token=manager))["riskPoint"]
    assert (detail["shownLevel"], detail["raised"], detail["raisedCauses"]) == ("ORANGE", True, ["hazard"])
    assert [h["id"] for h in detail["openHazards"]] == [hazard["id"]]
    risk_map = await gql(client, MAP, token=manager)
    assert _colour(risk_map, org.area) == "ORANGE" and _colour(risk_map, org.district) == "ORANGE"
    dismissed = (await gql(client, DISMISS, {"id": hazard["id"], "reason": "not a hazard"}, token=officer))
    assert dismissed["dismissHazard"]["state"] == "DISMISSED"
    detail = (await gql(client, POINT_DETAIL, {"id": point["id"]}, token=manager))["riskPoint"]
    assert (detail["shownLevel"], detail["raised"]) == ("YELLOW", False)

    # an alarm in the area raises it until resolved; a critical one makes it red; a vision event raises it too
    async with platform.session_factory() as session:
        raised = await alert_flows.raise_alert(
            session, actor=None, mine_id=mine.mine_id, source=AlertSource.SENSOR, source_ref="CH4-1",
            severity=AlertSeverity.CRITICAL, area_id=mine.areas[0], title="CH4 1.6 %", detail="",
            dedupe_key=f"sensor:CH4-1:{uuid.uuid4()}")
        await session.commit()
    assert _colour(await gql(client, MAP, token=manager), org.area) == "RED"
    async with platform.session_factory() as session:
        await alert_flows.resolve_by_key(session, actor=None, mine_id=mine.mine_id,
                                         dedupe_key=raised.alert.dedupe_key, reason="back to normal")
        await alert_flows.raise_alert(
            session, actor=None, mine_id=mine.mine_id, source=AlertSource.VISION, source_ref="cam-1",
            severity=AlertSeverity.WARNING, area_id=mine.areas[0], title="No helmet", detail="",
            dedupe_key="vision:cam-1:helmet")
        await session.commit()
    detail = (await gql(client, POINT_DETAIL, {"id": point["id"]}, token=manager))["riskPoint"]
    assert (detail["shownLevel"], detail["raisedCauses"]) == ("ORANGE", ["vision"])
    async with platform.session_factory() as session:
        await alert_flows.resolve_by_key(session, actor=None, mine_id=mine.mine_id, dedupe_key="vision:cam-1:helmet",
                                         reason="seen to")
        await session.commit()
    assert _colour(await gql(client, MAP, token=manager), org.area) == "YELLOW"
    history = await actions(platform, mine.mine_id, point["id"])
    # hazard, critical alarm, vision event: each raised it and each end restored it, every change audited
    assert [a for a in history if a.startswith("risk_point.level")] == [
        "risk_point.level_raised", "risk_point.level_restored"] * 3

    # a hazard linked to the other point raises that point, not this one
    linked = await report(client, mine.token("miner"), mine.areas[0], description="Gas drainage pipe cracked")
    result = (await gql(client, LINK_HAZARD, {"p": other["id"], "h": linked["id"]}, token=officer))
    assert result["linkHazardToRiskPoint"]["shownLevel"] == "YELLOW"  # blue + 1
    detail = (await gql(client, POINT_DETAIL, {"id": point["id"]}, token=manager))["riskPoint"]
    assert (detail["shownLevel"], detail["openHazards"]) == ("YELLOW", [])


async def test_every_mutation_under_wrong_role_and_wrong_mine(client, platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine, stranger = await make_mine(), await make_mine()
    org = await org_setup(client, platform, mine)
    officer = mine.token("safety_officer")
    point = await create_point(client, officer, org.area, "RP-P")
    await assess(client, officer, point["id"], likelihood=1, severity=2)
    measure = (await gql(client, ADD_MEASURE, {"input": {"riskPointId": point["id"], "kind": "PPE", "text": "Mask",
                                                         "responsiblePostId": org.team_post}}, token=officer))
    measure_id = measure["addControlMeasure"]["id"]
    hazard = await report(client, mine.token("miner"), mine.areas[0])
    ops = {
        "createRiskPoint": lambda: create_point(client, token, org.area, f"X{uuid.uuid4().hex[:6]}"),
        "updateRiskPoint": lambda: gql(client, UPDATE_POINT, {"input": {"riskPointId": point["id"], "name": "N"}},
                                       token=token),
        "addHazardSource": lambda: gql(client, ADD_SOURCE, {"id": point["id"], "source": {
            "category": "ROOF", "description": "Loose roof"}}, token=token),
        "assessRiskPoint": lambda: assess(client, token, point["id"], likelihood=1, severity=1),
        "addControlMeasure": lambda: gql(client, ADD_MEASURE, {"input": {
            "riskPointId": point["id"], "kind": "PPE", "text": "Gloves", "responsiblePostId": org.team_post}},
            token=token),
        "updateControlMeasure": lambda: gql(client, UPDATE_MEASURE, {"input": {"measureId": measure_id,
                                                                               "text": "Masks"}}, token=token),
        "linkHazardToRiskPoint": lambda: gql(client, LINK_HAZARD, {"p": point["id"], "h": hazard["id"]},
                                             token=token),
        "addMeasureTemplate": lambda: gql(client, ADD_TEMPLATE, {"c": "GAS", "k": "PPE", "t": "Respirator"},
                                          token=token),
        "retireRiskPoint": lambda: gql(client, RETIRE_POINT, {"id": point["id"], "reason": "gone"}, token=token),
    }

    def kind(result: dict) -> str:  # type: ignore[type-arg]
        value = next(iter(result.values())) if "__typename" not in result else result
        return value["__typename"]

    for who in ("miner", "team_leader", "mentor"):
        token = mine.token(who)
        for name, op in ops.items():
            assert kind(await op()) == "NotAllowed", (who, name)
    for who in ("admin", "safety_officer"):  # another mine's officers: the records do not exist for them
        token = stranger.token(who)
        for name, op in ops.items():
            if name == "addMeasureTemplate":
                continue  # lands in their own mine's library
            assert kind(await op()) in ("NotFound", "ValidationFailed"), (who, name)
    # the area manager manages points within their own unit only
    from tests.backend.org.test_structure import place

    await place(platform, mine, "area_manager", org.district)
    token = mine.token("area_manager")
    assert kind(await ops["updateRiskPoint"]()) == "RiskPoint"
    outside = await create_point(client, token, str(mine.areas[1]), "RP-OUT")
    assert outside["__typename"] == "NotAllowed"
    for name in ops:
        if name in ("addMeasureTemplate",):
            assert kind(await ops[name]()) == "NotAllowed"
        else:
            assert kind(await ops[name]()) not in ("NotAllowed", "NotFound"), name
