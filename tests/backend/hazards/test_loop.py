"""The hazard closed loop over GraphQL, end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from backend.audit import service as audit_service
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
from tests.conftest import gql

TRACE = """query($id: ID!) { traceability(subjectId: $id) {
  seq action actorName actorRole reason responsible { id displayName } } }"""


async def test_general_hazard_runs_the_whole_loop(client, make_mine, platform) -> None:
    mine = await make_mine()
    hazard = await report(client, mine.token("miner"), mine.areas[0], photos=2)
    assert hazard["__typename"] == "Hazard" and hazard["state"] == "REPORTED"
    assert len(hazard["photos"]) == 2 and all(p["width"] == 800 for p in hazard["photos"])
    photo = await client.get(hazard["photos"][0]["thumbnailUrl"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"

    triaged = (await gql(client, TRIAGE, {"input": {
        "hazardId": hazard["id"], "grade": "GENERAL", "level": "B", "responsibleId": mine.user_id("team_leader"),
        "teamId": str(mine.teams[0]), "controlMeasures": "cordon off"}}, token=mine.token("safety_officer")))
    assert triaged["triageHazard"]["state"] == "ASSIGNED"
    assert triaged["triageHazard"]["deadline"] is not None and not triaged["triageHazard"]["isOverdue"]

    accepted = await gql(client, ACCEPT, {"id": hazard["id"]}, token=mine.token("team_leader"))
    assert accepted["acceptHazard"]["state"] == "RECTIFYING"

    after = await upload(client, mine.token("team_leader"), jpeg_bytes(color=(10, 200, 10)))
    submission = {"input": {"hazardId": hazard["id"], "clientId": str(uuid.uuid4()), "note": "bolt replaced",
                            "photoKeys": [after]}}
    rectified = await gql(client, RECTIFY, submission, token=mine.token("team_leader"))
    assert rectified["submitRectification"]["state"] == "PENDING_REVIEW"
    replay = await gql(client, RECTIFY, submission, token=mine.token("team_leader"))
    assert replay["submitRectification"]["state"] == "PENDING_REVIEW"
    assert len(replay["submitRectification"]["rectificationPhotos"]) == 1

    failed = await gql(client, REINSPECT, {"input": {"hazardId": hazard["id"], "passed": False,
                                                      "reason": "bolt still loose"}},
                       token=mine.token("safety_officer"))
    assert failed["reinspectHazard"]["state"] == "RECTIFYING"

    again = await upload(client, mine.token("team_leader"), jpeg_bytes(color=(10, 100, 200)))
    await gql(client, RECTIFY, {"input": {"hazardId": hazard["id"], "clientId": str(uuid.uuid4()),
                                          "note": "bolt replaced and torqued", "photoKeys": [again]}},
              token=mine.token("team_leader"))
    closed = await gql(client, REINSPECT, {"input": {"hazardId": hazard["id"], "passed": True}},
                       token=mine.token("safety_officer2"))
    assert closed["reinspectHazard"]["state"] == "CLOSED"

    trace = (await gql(client, TRACE, {"id": hazard["id"]}, token=mine.token("mine_manager")))["traceability"]
    assert [t["action"] for t in trace] == [
        "hazard.reported", "hazard.triaged", "hazard.accepted", "hazard.rectified", "hazard.reinspection_failed",
        "hazard.rectified", "hazard.reinspection_passed", "hazard.closed"]
    assert trace[0]["responsible"] is None
    assert {t["responsible"]["id"] for t in trace[1:]} == {mine.user_id("team_leader")}
    assert trace[4]["reason"] == "bolt still loose"
    async with platform.session_factory() as session:
        verdict = await audit_service.verify_chain(session=session, mine_id=mine.mine_id)
    assert verdict.ok and verdict.checked >= 8


async def test_major_hazard_needs_treatment_plan_and_mine_manager_sign_off(client, make_mine) -> None:
    mine = await make_mine()
    hazard = await report(client, mine.token("miner"), mine.areas[0])
    no_plan = await gql(client, TRIAGE, {"input": {"hazardId": hazard["id"], "grade": "MAJOR",
                                                   "responsibleId": mine.user_id("team_leader")}},
                        token=mine.token("safety_officer"))
    assert no_plan["triageHazard"]["__typename"] == "ValidationFailed"
    assert "treatment plan" in no_plan["triageHazard"]["message"]
    plan = {"measures": "drain", "responsible_people": "Zhao", "funds": "80000", "deadline": "2030-01-01",
            "contingency_plan": "withdraw"}
    await gql(client, TRIAGE, {"input": {"hazardId": hazard["id"], "grade": "MAJOR", "treatmentPlan": plan,
                                         "responsibleId": mine.user_id("team_leader")}},
              token=mine.token("safety_officer"))
    await gql(client, ACCEPT, {"id": hazard["id"]}, token=mine.token("team_leader"))
    key = await upload(client, mine.token("team_leader"), jpeg_bytes())
    await gql(client, RECTIFY, {"input": {"hazardId": hazard["id"], "clientId": str(uuid.uuid4()), "note": "done",
                                          "photoKeys": [key]}}, token=mine.token("team_leader"))
    passed = await gql(client, REINSPECT, {"input": {"hazardId": hazard["id"], "passed": True}},
                       token=mine.token("safety_officer"))
    assert passed["reinspectHazard"]["state"] == "PENDING_REVIEW"
    assert passed["reinspectHazard"]["reinspectionPassed"] is True
    by_officer = await gql(client, SIGN_OFF, {"id": hazard["id"]}, token=mine.token("safety_officer"))
    assert by_officer["signOffMajorHazard"]["__typename"] == "NotAllowed"
    signed = await gql(client, SIGN_OFF, {"id": hazard["id"]}, token=mine.token("mine_manager"))
    assert signed["signOffMajorHazard"]["state"] == "CLOSED" and signed["signOffMajorHazard"]["signedOff"]


async def test_dismiss_and_reassign_follow_separation_of_duties(client, make_mine) -> None:
    mine = await make_mine()
    own = await report(client, mine.token("safety_officer"), mine.areas[1])
    refused = await gql(client, DISMISS, {"id": own["id"], "reason": "mine"}, token=mine.token("safety_officer"))
    assert refused["dismissHazard"]["__typename"] == "NotAllowed"
    assert "own report" in refused["dismissHazard"]["message"]
    no_reason = await gql(client, DISMISS, {"id": own["id"], "reason": "  "}, token=mine.token("safety_officer2"))
    assert no_reason["dismissHazard"]["__typename"] == "ValidationFailed"
    dismissed = await gql(client, DISMISS, {"id": own["id"], "reason": "not a hazard"},
                          token=mine.token("safety_officer2"))
    assert dismissed["dismissHazard"]["state"] == "DISMISSED"
    twice = await gql(client, DISMISS, {"id": own["id"], "reason": "again"}, token=mine.token("safety_officer2"))
    assert twice["dismissHazard"]["__typename"] == "InvalidTransition"
    assert twice["dismissHazard"]["currentState"] == "DISMISSED"

    hazard = await report(client, mine.token("miner"), mine.areas[0])
    await gql(client, TRIAGE, {"input": {"hazardId": hazard["id"], "grade": "GENERAL", "level": "C",
                                         "responsibleId": mine.user_id("miner")}}, token=mine.token("safety_officer"))
    moved = await gql(client, REASSIGN, {"input": {"hazardId": hazard["id"], "responsibleId": mine.user_id("miner2"),
                                                   "reason": "Chen is on leave"}}, token=mine.token("area_manager"))
    assert moved["reassignHazard"]["responsible"]["id"] == mine.user_id("miner2")
    retried = await gql(client, REASSIGN, {"input": {"hazardId": hazard["id"], "responsibleId": mine.user_id("miner2"),
                                                     "reason": "Chen is on leave"}}, token=mine.token("area_manager"))
    assert retried["reassignHazard"]["responsible"]["id"] == mine.user_id("miner2")
    trace = await gql(client, "query($id: ID!) { traceability(subjectId: $id) { action } }", {"id": hazard["id"]},
                      token=mine.token("mine_manager"))
    assert [e["action"] for e in trace["traceability"]].count("hazard.reassigned") == 1  # the retry changed nothing
    not_theirs = await gql(client, ACCEPT, {"id": hazard["id"]}, token=mine.token("miner"))
    assert not_theirs["acceptHazard"]["__typename"] == "NotAllowed"
    await gql(client, ACCEPT, {"id": hazard["id"]}, token=mine.token("miner2"))
    key = await upload(client, mine.token("miner2"), jpeg_bytes())
    await gql(client, RECTIFY, {"input": {"hazardId": hazard["id"], "clientId": str(uuid.uuid4()), "note": "fixed",
                                          "photoKeys": [key]}}, token=mine.token("miner2"))
    self_check = await gql(client, REINSPECT, {"input": {"hazardId": hazard["id"], "passed": True}},
                           token=mine.token("miner2"))
    assert self_check["reinspectHazard"]["__typename"] == "NotAllowed"


async def test_retried_report_returns_the_same_hazard(client, make_mine) -> None:
    mine = await make_mine()
    client_id = str(uuid.uuid4())
    first = await report(client, mine.token("miner"), mine.areas[0], client_id=client_id)
    second = await report(client, mine.token("miner"), mine.areas[0], client_id=client_id)
    assert first["id"] == second["id"] == client_id
    other = await report(client, mine.token("miner2"), mine.areas[0], client_id=client_id)
    assert other["__typename"] == "ValidationFailed" and other["field"] == "clientId"
    listed = await gql(client, "{ hazards(first: 50) { edges { node { id } } } }", token=mine.token("miner"))
    assert [e["node"]["id"] for e in listed["hazards"]["edges"]].count(client_id) == 1


async def test_devices_report_but_do_not_read_hazard_lists_or_people(client, make_mine) -> None:
    from backend.accounts.models import DeviceKind

    mine = await make_mine()
    robot = mine.device_tokens[DeviceKind.ROBOT]
    reported = await report(client, robot, mine.areas[1], description="Water pooling at the pump room")
    assert reported["__typename"] == "Hazard" and reported["reporterName"] == "ROBOT 1"
    for query in ("{ hazards { edges { node { id } } } }", "{ people { id } }"):
        refused = await gql(client, query, token=robot, expect_errors=True)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
