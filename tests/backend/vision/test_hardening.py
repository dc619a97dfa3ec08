"""Vision, hardened: secrets kept out of the audit trail, locks, bounds on what a worker or an admin may send."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from backend.accounts import service as accounts_service
from backend.accounts.models import DeviceKind
from backend.database.base import utcnow
from backend.vision.models import VisionJob
from tests.backend.vision.api import (
    ALERTS,
    CLAIM,
    COMPLETE,
    DEFINE_ZONE,
    FAIL,
    HAZARDS,
    PROGRESS,
    REGISTER_CAMERA,
    REPORT_EVENTS,
    SUBMIT,
    WHOLE,
    claim,
    define_zone,
    register_camera,
    report_events,
    upload_video,
)
from tests.conftest import gql

ROBOT, CAMERA, WORKER = DeviceKind.ROBOT, DeviceKind.CAMERA, DeviceKind.VISION_WORKER
FAKE_VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(2000)
EVENT = {"eventKey": "k1", "rule": "NO_ENTRY", "videoTimeS": 1.0, "confidence": 0.5, "detail": "x"}
TRACE = """query($id: ID!) { traceability(subjectId: $id) { action before after } }"""
UPDATE_CAMERA = """mutation($input: UpdateCameraInput!) { updateCamera(input: $input) { __typename
  ... on Camera { id } ... on ValidationFailed { message field } } }"""


async def _running_job(client, mine, worker: str = "w1", recorded_at: datetime | None = None) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """A robot's job, claimed by the mine's worker device as `worker`."""
    robot = await register_camera(client, mine.token("admin"), mine.areas[0], kind="ROBOT")
    token = mine.device_tokens[ROBOT]
    key = await upload_video(client, token, FAKE_VIDEO)
    recorded = (recorded_at or datetime.now(UTC)).isoformat()
    job = (await gql(client, SUBMIT, {"input": {"clientId": str(uuid.uuid4()), "objectKey": key,
                                                "recordedAt": recorded, "robotId": robot["id"]}},
                     token=token))["submitInspectionVideo"]
    assert job["__typename"] == "VisionJob", job
    claimed = await claim(client, mine.device_tokens[WORKER], worker)
    assert claimed["__typename"] == "VisionJobClaim" and claimed["job"]["id"] == job["id"], claimed
    return job


async def test_stream_credentials_never_reach_the_audit_trail(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    camera = await register_camera(client, admin, mine.areas[0], kind="CAMERA",
                                   streamUrl="rtsp://admin:s3cret@10.0.0.5:554/live?token=t0ps3cret")
    assert camera["__typename"] == "Camera", camera
    for url in ("rtsp://admin:n3wpass@10.0.0.5:554/live", "rtsp://admin:n3wpass@10.0.0.5:554/live",
                "rtsp://10.0.0.6/main"):
        updated = (await gql(client, UPDATE_CAMERA, {"input": {"cameraId": camera["id"], "streamUrl": url}},
                             token=admin))["updateCamera"]
        assert updated["__typename"] == "Camera", updated
    trace = (await gql(client, TRACE, {"id": camera["id"]}, token=mine.token("team_leader")))["traceability"]
    text = str(trace)
    assert "s3cret" not in text and "t0ps3cret" not in text and "n3wpass" not in text and "admin:" not in text
    registered, *updates = trace
    assert registered["after"]["stream_url"] == "rtsp://10.0.0.5:554/live"
    assert registered["after"]["stream_credentials"] is True
    assert [u["after"].get("stream_credentials_changed", False) for u in updates] == [True, False, True]
    assert updates[-1]["after"]["stream_url"] == "rtsp://10.0.0.6/main"
    assert updates[-1]["after"]["stream_credentials"] is False
    # those who see vision results still get the whole URL from the camera itself
    cameras = (await gql(client, "{ cameras { id streamUrl } }", token=mine.token("safety_officer")))["cameras"]
    assert {c["id"]: c["streamUrl"] for c in cameras}[camera["id"]] == "rtsp://10.0.0.6/main"


async def test_an_area_manager_sees_the_stream_urls_of_their_own_area_only(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    own = await register_camera(client, admin, mine.areas[0], kind="CAMERA", streamUrl="rtsp://u:pw0@10.0.0.8/live")
    other = await register_camera(client, admin, mine.areas[1], kind="CAMERA", streamUrl="rtsp://u:pw1@10.0.0.9/live")
    query = "{ cameras { id streamUrl } }"
    seen = {c["id"]: c["streamUrl"] for c in (await gql(client, query, token=mine.token("area_manager")))["cameras"]}
    assert seen == {own["id"]: "rtsp://u:pw0@10.0.0.8/live", other["id"]: None}
    for who in ("safety_officer", "mine_manager", "admin"):
        seen = {c["id"]: c["streamUrl"] for c in (await gql(client, query, token=mine.token(who)))["cameras"]}
        assert seen[other["id"]] == "rtsp://u:pw1@10.0.0.9/live", who


async def test_the_same_code_registered_twice_at_once_is_refused_cleanly(client, make_mine) -> None:
    mine = await make_mine()
    variables = {"input": {"code": f"cam-{uuid.uuid4().hex[:6]}", "name": "n", "kind": "CAMERA",
                           "areaId": str(mine.areas[0])}}
    bodies = await asyncio.gather(*(gql(client, REGISTER_CAMERA, variables, token=mine.token("admin"),
                                        expect_errors=True) for _ in range(4)))
    assert all("errors" not in body for body in bodies), bodies
    results = sorted((b["data"]["registerCamera"]["__typename"], b["data"]["registerCamera"].get("field"))
                     for b in bodies)
    assert results == [("Camera", None)] + [("ValidationFailed", "code")] * 3


POLICY = """mutation($input: SetVisionPolicyInput!) { setVisionPolicy(input: $input) { __typename
  ... on VisionPolicy { sampleFps } ... on ValidationFailed { message field } } }"""


async def test_concurrent_policy_changes_never_lose_one_another(client, make_mine) -> None:
    for _ in range(3):
        mine = await make_mine()
        changes = [({"sampleFps": 2.0}, "admin"), ({"maxAttempts": 7}, "mine_manager"),
                   ({"severities": [{"rule": "NO_ENTRY", "severity": "CRITICAL"}]}, "admin"),
                   ({"severities": [{"rule": "MAX_PEOPLE", "severity": "ALARM"}]}, "mine_manager"),
                   ({"openHazardRules": ["NO_LYING"]}, "admin")]
        bodies = await asyncio.gather(*(gql(client, POLICY, {"input": change}, token=mine.token(who))
                                        for change, who in changes))
        assert all(b["setVisionPolicy"]["__typename"] == "VisionPolicy" for b in bodies), bodies
        policy = (await gql(client, "{ visionPolicy { sampleFps maxAttempts openHazardRules severities { rule "
                                    "severity } } }", token=mine.token("admin")))["visionPolicy"]
        severities = {s["rule"]: s["severity"] for s in policy["severities"]}
        assert (policy["sampleFps"], policy["maxAttempts"], policy["openHazardRules"]) == (2.0, 7, ["NO_LYING"])
        assert (severities["NO_ENTRY"], severities["MAX_PEOPLE"], severities["NO_LYING"]) == ("CRITICAL", "ALARM",
                                                                                             "CRITICAL")


async def test_an_event_is_never_dated_past_now(client, make_mine) -> None:
    mine = await make_mine()
    started = datetime.now(UTC) - timedelta(minutes=10)
    job = await _running_job(client, mine, recorded_at=started)
    worker = mine.device_tokens[WORKER]
    for seconds in (1e12, 2.5e11, 24 * 3600 + 1, float("-1")):
        refused = await report_events(client, worker, job["id"], "w1", [{**EVENT, "videoTimeS": seconds}])
        assert refused["__typename"] == "ValidationFailed" and refused["field"] == "videoTimeS", (seconds, refused)
    late = await report_events(client, worker, job["id"], "w1", [{**EVENT, "videoTimeS": 7200.0}])  # 1 h 50 ahead
    assert late["__typename"] == "VisionEventsAccepted", late
    events = (await gql(client, "query($id: ID) { visionEvents(jobId: $id) { occurredAt videoTimeS } }",
                        {"id": job["id"]}, token=mine.token("safety_officer")))["visionEvents"]
    (event,) = events
    assert event["videoTimeS"] == 7200.0
    assert datetime.fromisoformat(event["occurredAt"]) <= datetime.now(UTC)
    alerts = (await gql(client, ALERTS.replace("title", "title firstRaisedAt"), {"filter": {"source": "VISION"}},
                        token=mine.token("safety_officer")))["alerts"]["edges"]
    assert [datetime.fromisoformat(a["node"]["firstRaisedAt"]) <= datetime.now(UTC) for a in alerts] == [True]


async def test_events_folded_into_one_alert_open_one_hazard(client, make_mine) -> None:
    mine = await make_mine()
    job = await _running_job(client, mine)
    camera_id = (await gql(client, "query($id: ID!) { visionJob(id: $id) { camera { id } } }", {"id": job["id"]},
                           token=mine.token("admin")))["visionJob"]["camera"]["id"]
    zone = await define_zone(client, mine.token("admin"), camera_id, rule="NO_ENTRY", points=WHOLE)
    events = [{**EVENT, "eventKey": f"e{i}", "zoneId": zone["id"], "trackId": 7, "videoTimeS": 1.0 + i,
               "detail": f"person 7 entered ({i})"} for i in range(3)]
    worker = mine.device_tokens[WORKER]
    first = await report_events(client, worker, job["id"], "w1", events[:2])
    later = await report_events(client, worker, job["id"], "w1", events[2:])
    assert (first["created"], first["alertsRaised"], first["hazardsOpened"]) == (2, 1, 1), first
    assert (later["created"], later["alertsRaised"], later["hazardsOpened"]) == (1, 0, 0), later
    reported = first["events"] + later["events"]
    assert len({e["alertId"] for e in reported}) == 1 and len({e["hazard"]["id"] for e in reported}) == 1
    officer = mine.token("safety_officer")
    assert len((await gql(client, ALERTS, {"filter": {"source": "VISION"}}, token=officer))["alerts"]["edges"]) == 1
    assert len((await gql(client, HAZARDS, token=officer))["hazards"]["edges"]) == 1


async def test_bad_text_and_ids_are_a_validation_failure_never_an_unexpected_error(client, make_mine) -> None:
    mine = await make_mine()
    admin, worker = mine.token("admin"), mine.device_tokens[WORKER]
    job = await _running_job(client, mine)
    camera_id = (await gql(client, "query($id: ID!) { visionJob(id: $id) { camera { id } } }", {"id": job["id"]},
                           token=admin))["visionJob"]["camera"]["id"]

    async def refused(query: str, variables: dict, token: str, field: str) -> None:  # type: ignore[type-arg]
        body = await gql(client, query, variables, token=token, expect_errors=True)
        assert "errors" not in body, (variables, body)
        (result,) = body["data"].values()
        assert result["__typename"] == "ValidationFailed" and result["field"] == field, (variables, result)

    camera = {"code": "cam-1", "name": "n", "kind": "CAMERA", "areaId": str(mine.areas[0])}
    for change, field in [({"code": "c\x00d"}, "code"), ({"code": "  "}, "code"), ({"code": "c" * 65}, "code"),
                          ({"code": "a\nb"}, "code"), ({"name": "n\x00"}, "name"),
                          ({"streamUrl": "rtsp://h/\x00"}, "streamUrl")]:
        await refused(REGISTER_CAMERA, {"input": {**camera, **change}}, admin, field)
    zone = {"cameraId": camera_id, "name": "z\x00", "rule": "NO_ENTRY", "points": WHOLE}
    await refused(DEFINE_ZONE, {"input": zone}, admin, "name")
    await refused(POLICY, {"input": {"model": "yolo\x00"}}, admin, "model")
    await refused(SUBMIT, {"input": {"clientId": str(uuid.uuid4()), "objectKey": "uploads/\x00",
                                     "recordedAt": datetime.now(UTC).isoformat(), "robotId": camera_id}},
                  mine.device_tokens[ROBOT], "objectKey")
    for worker_id in ("w\x00", " ", "w" * 101):
        await refused(CLAIM, {"input": {"workerId": worker_id, "leaseSeconds": 60}}, worker, "workerId")
    for change, field in [({"eventKey": "k\x00"}, "eventKey"), ({"eventKey": " "}, "eventKey"),
                          ({"eventKey": "k" * 201}, "eventKey"), ({"eventKey": " " + "k" * 200}, "eventKey"),
                          ({"eventKey": "k\x1b"}, "eventKey"), ({"detail": "d\x00"}, "detail"),
                          ({"snapshotKey": "s\x00"}, "snapshotKey")]:
        await refused(REPORT_EVENTS, {"input": {"jobId": job["id"], "workerId": "w1", "events": [{**EVENT, **change}]}},
                      worker, field)
    await refused(FAIL, {"input": {"jobId": job["id"], "workerId": "w1", "reason": "r\x00"}}, worker, "reason")
    fine = await report_events(client, worker, job["id"], "w1", [{**EVENT, "detail": "two\nlines"}])
    assert fine["__typename"] == "VisionEventsAccepted", fine


async def test_a_lease_belongs_to_the_claiming_device_and_ends_when_it_runs_out(client, make_mine, platform) -> None:
    mine = await make_mine()
    async with platform.session_factory() as session:
        _, intruder = await accounts_service.register_device(session=session, mine_id=mine.mine_id, name="worker 2",
                                                             kind=WORKER, area_id=mine.areas[0])
        await session.commit()
    job = await _running_job(client, mine, worker="w1")
    worker = mine.device_tokens[WORKER]
    progress = {"jobId": job["id"], "workerId": "w1", "progress": 0.5, "leaseSeconds": 60}
    calls = [(PROGRESS, progress), (REPORT_EVENTS, {"jobId": job["id"], "workerId": "w1", "events": [EVENT]}),
             (FAIL, {"jobId": job["id"], "workerId": "w1", "reason": "BAD", "retry": True}),
             (COMPLETE, {"jobId": job["id"], "workerId": "w1", "summary": {"events": 0}})]
    for query, variables in calls:  # another worker device that read the worker id in visionJobs
        (result,) = (await gql(client, query, {"input": variables}, token=intruder)).values()
        assert result["__typename"] == "InvalidTransition", (query, result)
    (result,) = (await gql(client, PROGRESS, {"input": progress}, token=worker)).values()
    assert result["__typename"] == "VisionJob", result
    async with platform.session_factory() as session:  # the lease runs out; nobody has claimed the job yet
        await session.execute(update(VisionJob).where(VisionJob.id == uuid.UUID(job["id"]))
                              .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    for query, variables in calls:
        (result,) = (await gql(client, query, {"input": variables}, token=worker)).values()
        assert result["__typename"] == "InvalidTransition", (query, result)
    again = await claim(client, worker, "w2")
    assert again["__typename"] == "VisionJobClaim" and again["attempt"] == 2
    too_big = {"jobId": job["id"], "workerId": "w2", "summary": {"notes": "x" * 70_000}}
    (result,) = (await gql(client, COMPLETE, {"input": too_big}, token=worker)).values()
    assert result["__typename"] == "ValidationFailed" and result["field"] == "summary", result
    done = {"jobId": job["id"], "workerId": "w2", "summary": {"events": 0}}
    for _ in range(2):  # a retried completion by the holder is still harmless
        (result,) = (await gql(client, COMPLETE, {"input": done}, token=worker)).values()
        assert result["__typename"] == "VisionJob" and result["state"] == "DONE", result
    (result,) = (await gql(client, COMPLETE, {"input": done}, token=intruder)).values()
    assert result["__typename"] == "InvalidTransition", result


async def test_lease_length_and_recording_time_are_bounded(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    too_long = (await gql(client, POLICY, {"input": {"maxLeaseSeconds": 10 ** 9}}, token=admin))["setVisionPolicy"]
    assert too_long["__typename"] == "ValidationFailed" and too_long["field"] == "max_lease_seconds", too_long
    hour = (await gql(client, POLICY, {"input": {"maxLeaseSeconds": 3600}}, token=admin))["setVisionPolicy"]
    assert hour["__typename"] == "VisionPolicy", hour
    robot = await register_camera(client, admin, mine.areas[0], kind="ROBOT")
    token = mine.device_tokens[ROBOT]
    key = await upload_video(client, token, FAKE_VIDEO)
    now = datetime.now(UTC)
    for recorded in (now - timedelta(days=31), now + timedelta(hours=1), datetime(1, 1, 1, tzinfo=UTC)):
        body = await gql(client, SUBMIT, {"input": {"clientId": str(uuid.uuid4()), "objectKey": key,
                                                    "recordedAt": recorded.isoformat(), "robotId": robot["id"]}},
                         token=token, expect_errors=True)
        assert "errors" not in body, (recorded, body)
        result = body["data"]["submitInspectionVideo"]
        assert result["__typename"] == "ValidationFailed" and result["field"] == "recordedAt", (recorded, result)
    week = await gql(client, SUBMIT, {"input": {"clientId": str(uuid.uuid4()), "objectKey": key,
                                                "recordedAt": (now - timedelta(days=7)).isoformat(),
                                                "robotId": robot["id"]}}, token=token)
    assert week["submitInspectionVideo"]["__typename"] == "VisionJob", week
    claimed = await claim(client, mine.device_tokens[WORKER], "w1", lease=10 ** 6)
    lease = datetime.fromisoformat(claimed["leaseExpiresAt"]) - datetime.now(UTC)
    assert lease <= timedelta(seconds=3600)
