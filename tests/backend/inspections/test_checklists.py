"""Inspection checklists over GraphQL (SQLite and PostgreSQL): scheduled from control measures, submitted once
per client id (an outbox retry never duplicates), a failed item → a hazard linked to its risk point and measure,
missed checks raised and escalated by the alerts sweep, generation from due measures, permissions by role and mine."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend.alerts.models import Alert
from backend.alerts.tasks import sweep_once
from backend.hazards.models import Hazard, HazardPhoto
from backend.risks.models import RiskPointHazard
from contracts.alerts import AlertSource, AlertState
from tests.backend.api import jpeg_bytes, upload
from tests.backend.risks.api import ADD_MEASURE, POINT_DETAIL, assess, create_point, org_setup
from tests.conftest import gql

CHECK = ("__typename ... on InspectionCheck { id title state dueAt isOverdue failedItems assignee { id } "
         "area { id } items { id position text result note hazardId riskPoint { id code } measure { id } } } "
         "... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field } "
         "... on InvalidTransition { message currentState }")
SCHEDULE = "mutation($input: ScheduleInspectionInput!) { scheduleInspection(input: $input) { " + CHECK + " } }"
SUBMIT = "mutation($input: SubmitInspectionInput!) { submitInspection(input: $input) { " + CHECK + " } }"
GENERATE = ("mutation($due: DateTime!, $area: ID) { generateInspections(dueAt: $due, areaId: $area) { __typename "
            "... on GeneratedInspections { unassignedMeasures checks { id assignee { id } items { text } } } "
            "... on NotAllowed { message } ... on ValidationFailed { message field } } }")
MINE_CHECKS = "{ myInspections { id title items { id text } } }"


async def _points(client, platform, mine):  # type: ignore[no-untyped-def]
    org = await org_setup(client, platform, mine)
    officer = mine.token("safety_officer")
    points, measures = [], []
    for code, text in (("CK-1", "Methane sensor at the face works"), ("CK-2", "Roof bolts to design")):
        point = await create_point(client, officer, org.area, code)
        await assess(client, officer, point["id"], likelihood=2, severity=2)  # yellow: team level
        added = await gql(client, ADD_MEASURE, {"input": {"riskPointId": point["id"], "kind": "ENGINEERING",
                                                          "text": text, "responsiblePostId": org.team_post,
                                                          "checkFrequency": "DAILY"}}, token=officer)
        points.append(point["id"])
        measures.append(added["addControlMeasure"]["id"])
    return org, points, measures


def _in(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def test_failed_item_opens_a_linked_hazard_and_a_retry_never_duplicates(client, platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    org, points, measures = await _points(client, platform, mine)
    officer, leader = mine.token("safety_officer"), mine.token("team_leader")
    check = (await gql(client, SCHEDULE, {"input": {"areaId": org.area, "assigneeId": mine.user_id("team_leader"),
                                                    "dueAt": _in(8)}}, token=officer))["scheduleInspection"]
    assert check["__typename"] == "InspectionCheck", check
    assert [i["text"] for i in check["items"]] == ["Methane sensor at the face works", "Roof bolts to design"]
    assert check["state"] == "SCHEDULED" and check["isOverdue"] is False
    assert (await gql(client, MINE_CHECKS, token=leader))["myInspections"][0]["id"] == check["id"]
    assert (await gql(client, MINE_CHECKS, token=mine.token("miner")))["myInspections"] == []

    ok_item, bad_item = check["items"]
    client_id = str(uuid.uuid4())
    photo = await upload(client, leader, jpeg_bytes())
    answers = [{"itemId": ok_item["id"], "passed": True},
               {"itemId": bad_item["id"], "passed": False, "note": "two bolts loose", "photoKeys": [photo]}]
    payload = {"checkId": check["id"], "clientId": client_id, "results": answers}
    not_mine = (await gql(client, SUBMIT, {"input": payload}, token=mine.token("miner")))["submitInspection"]
    assert not_mine["__typename"] == "NotAllowed"
    partial = (await gql(client, SUBMIT, {"input": {**payload, "results": answers[:1]}}, token=leader))
    assert partial["submitInspection"]["field"] == "results"
    no_photo = {**payload, "results": [answers[0], {**answers[1], "photoKeys": []}]}
    refused = (await gql(client, SUBMIT, {"input": no_photo}, token=leader))["submitInspection"]
    assert (refused["__typename"], refused["field"]) == ("ValidationFailed", "results[1].photoKeys")

    done = (await gql(client, SUBMIT, {"input": payload}, token=leader))["submitInspection"]
    assert (done["state"], done["failedItems"]) == ("DONE", 1), done
    hazard_id = done["items"][1]["hazardId"]
    assert done["items"][0]["hazardId"] is None and hazard_id
    again = (await gql(client, SUBMIT, {"input": payload}, token=leader))["submitInspection"]  # the outbox retries
    assert again == done
    other = (await gql(client, SUBMIT, {"input": {**payload, "clientId": str(uuid.uuid4())}}, token=leader))
    assert other["submitInspection"]["__typename"] == "InvalidTransition"
    async with platform.session_factory() as session:
        hazards = (await session.scalars(select(Hazard).where(Hazard.mine_id == mine.mine_id))).all()
        assert [(str(h.id), h.source.value, h.source_ref) for h in hazards] == [
            (hazard_id, "INSPECTION", f"{check['id']}:{bad_item['id']}")]
        assert "two bolts loose" in hazards[0].description and "Roof bolts" in hazards[0].description
        link = await session.get(RiskPointHazard, (uuid.UUID(points[1]), uuid.UUID(hazard_id)))
        assert link is not None and str(link.measure_id) == measures[1]
        photos = await session.scalar(select(func.count()).select_from(HazardPhoto).where(
            HazardPhoto.hazard_id == uuid.UUID(hazard_id)))
        assert photos == 1
    failed_point = (await gql(client, POINT_DETAIL, {"id": points[1]}, token=officer))["riskPoint"]
    assert (failed_point["shownLevel"], failed_point["raisedCauses"]) == ("ORANGE", ["hazard"])
    assert [h["id"] for h in failed_point["openHazards"]] == [hazard_id]
    passed_point = (await gql(client, POINT_DETAIL, {"id": points[0]}, token=officer))["riskPoint"]
    assert (passed_point["shownLevel"], passed_point["openHazards"]) == ("YELLOW", [])  # not raised by it


async def test_missed_checks_are_overdue_and_escalate(client, platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    org, _, _ = await _points(client, platform, mine)
    officer, leader = mine.token("safety_officer"), mine.token("team_leader")
    check = (await gql(client, SCHEDULE, {"input": {"areaId": org.area, "assigneeId": mine.user_id("team_leader"),
                                                    "dueAt": _in(-1)}}, token=officer))["scheduleInspection"]
    assert check["isOverdue"] is True  # scheduled late: missed already
    later = datetime.now(UTC)
    await sweep_once(platform, now=later)
    async with platform.session_factory() as session:
        alert = await session.scalar(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                         Alert.source == AlertSource.CHECK_OVERDUE))
        assert alert is not None and alert.source_ref == check["id"] and alert.state is AlertState.RAISED
        assert alert.area_id == uuid.UUID(org.area)
    await sweep_once(platform, now=later + timedelta(minutes=45))  # WARNING escalates after 30 minutes
    await sweep_once(platform, now=later + timedelta(minutes=46))  # a repeat sweep raises nothing new
    async with platform.session_factory() as session:
        alerts = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                            Alert.source == AlertSource.CHECK_OVERDUE))).all()
        assert len(alerts) == 1 and alerts[0].escalation_level == 1 and alerts[0].raise_count == 1
    items = check["items"]
    payload = {"checkId": check["id"], "clientId": str(uuid.uuid4()),
               "results": [{"itemId": i["id"], "passed": True} for i in items]}
    assert (await gql(client, SUBMIT, {"input": payload}, token=leader))["submitInspection"]["state"] == "DONE"
    async with platform.session_factory() as session:
        alert = await session.scalar(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                         Alert.source == AlertSource.CHECK_OVERDUE))
        assert alert is not None and alert.state is AlertState.RESOLVED


async def test_overdue_review_is_raised_and_resolved_by_a_new_assessment(client, platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    officer = mine.token("safety_officer")
    point = await create_point(client, officer, str(mine.areas[1]), "RV-1")
    await assess(client, officer, point["id"], likelihood=5, severity=5)  # red: reviewed within 90 days
    await sweep_once(platform, now=datetime.now(UTC) + timedelta(days=91))
    async with platform.session_factory() as session:
        alert = await session.scalar(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                         Alert.source == AlertSource.RISK_REVIEW_DUE))
        assert alert is not None and alert.state is AlertState.RAISED and alert.severity.value == "WARNING"
    await assess(client, officer, point["id"], likelihood=5, severity=5)
    await sweep_once(platform, now=datetime.now(UTC) + timedelta(days=1))
    async with platform.session_factory() as session:
        alert = await session.get(Alert, alert.id)
        assert alert is not None and alert.state is AlertState.RESOLVED


async def test_generated_from_due_measures_for_the_post_holder(client, platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    org, _, _ = await _points(client, platform, mine)
    officer = mine.token("safety_officer")
    made = (await gql(client, GENERATE, {"due": _in(8), "area": org.area}, token=officer))["generateInspections"]
    assert made["__typename"] == "GeneratedInspections", made
    assert len(made["checks"]) == 1 and made["checks"][0]["assignee"]["id"] == mine.user_id("team_leader")
    assert len(made["checks"][0]["items"]) == 2 and made["unassignedMeasures"] == 0
    again = (await gql(client, GENERATE, {"due": _in(8), "area": org.area}, token=officer))["generateInspections"]
    assert again["checks"] == []  # the measures are on a scheduled check already
    refused = (await gql(client, GENERATE, {"due": _in(8)}, token=mine.token("miner")))["generateInspections"]
    assert refused["__typename"] == "NotAllowed"
    stranger = await make_mine()
    foreign = (await gql(client, GENERATE, {"due": _in(8), "area": org.area}, token=stranger.token("admin")))
    assert foreign["generateInspections"]["field"] == "areaId"


async def test_scheduling_and_submitting_by_role_and_mine(client, platform, make_mine) -> None:  # type: ignore[no-untyped-def]
    mine, stranger = await make_mine(), await make_mine()
    org, _, _ = await _points(client, platform, mine)
    schedule = {"input": {"areaId": org.area, "assigneeId": mine.user_id("team_leader"), "dueAt": _in(8)}}
    for who in ("miner", "team_leader", "mentor"):
        result = (await gql(client, SCHEDULE, schedule, token=mine.token(who)))["scheduleInspection"]
        assert result["__typename"] == "NotAllowed", who
    for who in ("admin", "safety_officer"):
        result = (await gql(client, SCHEDULE, schedule, token=stranger.token(who)))["scheduleInspection"]
        assert (result["__typename"], result["field"]) == ("ValidationFailed", "areaId"), who
    foreign = {"input": {**schedule["input"], "assigneeId": stranger.user_id("miner")}}
    result = (await gql(client, SCHEDULE, foreign, token=mine.token("safety_officer")))["scheduleInspection"]
    assert (result["__typename"], result["field"]) == ("ValidationFailed", "assigneeId")
    check = (await gql(client, SCHEDULE, schedule, token=mine.token("mine_manager")))["scheduleInspection"]
    payload = {"checkId": check["id"], "clientId": str(uuid.uuid4()),
               "results": [{"itemId": i["id"], "passed": True} for i in check["items"]]}
    result = (await gql(client, SUBMIT, {"input": payload}, token=stranger.token("team_leader")))["submitInspection"]
    assert result["__typename"] == "NotFound"
