"""The vision domain over GraphQL: cameras and zones, submission, the job queue, events → alerts and hazards."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import update

from backend.accounts.models import DeviceKind
from backend.database.base import utcnow
from backend.org.models import Mine
from backend.vision.models import VisionJob
from tests.backend.vision.api import (
    ALERTS,
    CLAIM,
    COMPLETE,
    EVENTS,
    FAIL,
    HAZARDS,
    JOBS,
    PROGRESS,
    RETIRE_ZONE,
    SQUARE,
    WHOLE,
    claim,
    define_zone,
    register_camera,
    report_events,
    submit,
    upload_snapshot,
    upload_video,
)
from tests.conftest import gql

ROBOT, CAMERA, WORKER = DeviceKind.ROBOT, DeviceKind.CAMERA, DeviceKind.VISION_WORKER
FAKE_VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(2000)


async def _robot(client, mine, **extra):  # type: ignore[no-untyped-def]
    camera = await register_camera(client, mine.token("admin"), mine.areas[0], kind="ROBOT", **extra)
    assert camera["__typename"] == "Camera", camera
    return camera


async def _job(client, mine, robot_id: str, client_id: str | None = None) -> dict:  # type: ignore[type-arg]
    token = mine.device_tokens[ROBOT]
    key = await upload_video(client, token, FAKE_VIDEO)
    job = await submit(client, token, robot_id=robot_id, key=key, client_id=client_id)
    assert job["__typename"] == "VisionJob", job
    return job


async def test_zones_are_validated(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    camera = await register_camera(client, admin, mine.areas[0], kind="CAMERA", frameWidth=640, frameHeight=360,
                                   streamUrl="rtsp://10.0.0.5/stream1")
    assert camera["__typename"] == "Camera" and camera["frameWidth"] == 640
    bowtie = [{"x": 0.1, "y": 0.1}, {"x": 0.9, "y": 0.9}, {"x": 0.9, "y": 0.1}, {"x": 0.1, "y": 0.9}]
    cases = [
        ({"rule": "NO_ENTRY", "points": bowtie}, "points", "intersects itself"),
        ({"rule": "NO_ENTRY", "points": [{"x": 0.1, "y": 0.1}, {"x": 0.5, "y": 0.2}]}, "points", "at least 3"),
        ({"rule": "NO_ENTRY", "points": [{"x": 0.1, "y": 0.1}, {"x": 1.2, "y": 0.1}, {"x": 0.5, "y": 0.8}]},
         "points", "outside"),
        ({"rule": "NO_ENTRY", "coords": "PIXEL", "points": [{"x": 10, "y": 10}, {"x": 700, "y": 10},
                                                            {"x": 300, "y": 300}]}, "points", "640×360"),
        ({"rule": "MAX_PEOPLE", "points": WHOLE}, "maxPeople", "maxPeople"),
        ({"rule": "DWELL_LIMIT", "points": WHOLE, "dwellSeconds": -1}, "dwellSeconds", "dwellSeconds"),
    ]
    for extra, field, words in cases:
        result = await define_zone(client, admin, camera["id"], **extra)
        assert result["__typename"] == "ValidationFailed", (extra, result)
        assert result["field"] == field and words in result["message"], result
    pixel = await define_zone(client, admin, camera["id"], rule="NO_ENTRY", coords="PIXEL",
                              points=[{"x": 384, "y": 108}, {"x": 640, "y": 108}, {"x": 640, "y": 360}])
    assert pixel["__typename"] == "DangerZone" and pixel["coords"] == "PIXEL"
    # a camera without a frame size cannot take pixel zones
    robot = await _robot(client, mine)
    result = await define_zone(client, admin, robot["id"], rule="NO_ENTRY", coords="PIXEL",
                               points=[{"x": 1, "y": 1}, {"x": 50, "y": 1}, {"x": 20, "y": 30}])
    assert result["__typename"] == "ValidationFailed" and result["field"] == "coords"
    crowd = await define_zone(client, admin, robot["id"], rule="MAX_PEOPLE", points=WHOLE, maxPeople=2)
    assert crowd["maxPeople"] == 2
    retired = (await gql(client, RETIRE_ZONE, {"id": crowd["id"]}, token=admin))["retireDangerZone"]
    assert retired == {"__typename": "DangerZone", "id": crowd["id"], "active": False}
    again = (await gql(client, RETIRE_ZONE, {"id": crowd["id"]}, token=admin))["retireDangerZone"]
    assert again["__typename"] == "InvalidTransition"
    cameras = await gql(client, "{ cameras { id code streamUrl zones { id } } }", token=mine.token("miner"))
    assert {c["id"]: len(c["zones"]) for c in cameras["cameras"]} == {camera["id"]: 1, robot["id"]: 0}
    assert all(c["streamUrl"] is None for c in cameras["cameras"])  # it may carry the camera's password
    cameras = await gql(client, "{ cameras { id streamUrl } }", token=mine.token("safety_officer"))
    assert {c["id"]: c["streamUrl"] for c in cameras["cameras"]}[camera["id"]] == "rtsp://10.0.0.5/stream1"


async def test_configuration_needs_admin_or_own_area_manager(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    for who in ("miner", "safety_officer", "mine_manager"):
        result = await register_camera(client, mine.token(who), mine.areas[0])
        assert result["__typename"] == "NotAllowed", (who, result)
    assert (await register_camera(client, mine.token("area_manager"), mine.areas[1]))["__typename"] == "NotAllowed"
    own = await register_camera(client, mine.token("area_manager"), mine.areas[0], code="own-1")
    assert own["__typename"] == "Camera"
    taken = await register_camera(client, mine.token("admin"), mine.areas[0], code="own-1")
    assert taken["__typename"] == "ValidationFailed" and taken["field"] == "code"
    foreign = await register_camera(client, other.token("admin"), mine.areas[0])
    assert foreign["__typename"] == "ValidationFailed" and foreign["field"] == "areaId"
    result = await define_zone(client, other.token("admin"), own["id"], rule="NO_ENTRY", points=SQUARE)
    assert result["__typename"] == "NotFound"
    body = await gql(client, "{ cameras { id } }", token=mine.device_tokens[ROBOT], expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_submit_is_idempotent_and_needs_a_robot_or_camera(client, make_mine) -> None:
    mine = await make_mine()
    robot = await _robot(client, mine)
    token = mine.device_tokens[ROBOT]
    key = await upload_video(client, token, FAKE_VIDEO)
    client_id = str(uuid.uuid4())
    first, second = await asyncio.gather(submit(client, token, robot_id=robot["id"], key=key, client_id=client_id),
                                         submit(client, token, robot_id=robot["id"], key=key, client_id=client_id))
    assert first["__typename"] == second["__typename"] == "VisionJob", (first, second)
    assert first["id"] == second["id"] == client_id and first["state"] == "QUEUED"
    assert first["videoSize"] == len(FAKE_VIDEO)
    jobs = await gql(client, JOBS, {"first": 10}, token=mine.token("safety_officer"))
    assert [e["node"]["id"] for e in jobs["visionJobs"]["edges"]] == [client_id]
    # the same key for another job, another kind of device, the wrong registration kind, a person
    again = await submit(client, token, robot_id=robot["id"], key=key)
    assert again["__typename"] == "ValidationFailed" and "already attached" in again["message"]
    for kind in (WORKER, DeviceKind.SENSOR_BRIDGE):
        other_key = await upload_video(client, mine.device_tokens[kind], FAKE_VIDEO)
        refused = await submit(client, mine.device_tokens[kind], robot_id=robot["id"], key=other_key)
        assert refused["__typename"] == "NotAllowed", (kind, refused)
    wrong = await submit(client, token, camera_id=robot["id"], key=await upload_video(client, token, FAKE_VIDEO))
    assert wrong["__typename"] == "ValidationFailed" and wrong["field"] == "cameraId"
    miner_key = await upload_video(client, mine.token("miner"), FAKE_VIDEO)
    assert (await submit(client, mine.token("miner"), robot_id=robot["id"], key=miner_key))["__typename"] == \
        "NotAllowed"
    other = await make_mine()
    foreign = await submit(client, other.device_tokens[ROBOT], robot_id=robot["id"],
                           key=await upload_video(client, other.device_tokens[ROBOT], FAKE_VIDEO))
    assert foreign["__typename"] == "ValidationFailed" and foreign["field"] == "robotId"


async def test_a_bound_camera_takes_videos_from_its_own_device_only(client, make_mine, platform) -> None:
    mine = await make_mine()
    async with platform.session_factory() as session:
        from backend.accounts.service import list_devices

        devices = {d.kind: d for d in await list_devices(session=session, mine_id=mine.mine_id)}
    camera = await register_camera(client, mine.token("admin"), mine.areas[0], kind="CAMERA",
                                   deviceId=str(devices[CAMERA].id))
    robot_key = await upload_video(client, mine.device_tokens[ROBOT], FAKE_VIDEO)
    refused = await submit(client, mine.device_tokens[ROBOT], camera_id=camera["id"], key=robot_key)
    assert refused["__typename"] == "NotAllowed" and "another device" in refused["message"]
    own_key = await upload_video(client, mine.device_tokens[CAMERA], FAKE_VIDEO)
    assert (await submit(client, mine.device_tokens[CAMERA], camera_id=camera["id"], key=own_key))["__typename"] \
        == "VisionJob"


async def test_concurrent_claims_take_each_job_once(client, make_mine) -> None:
    mine = await make_mine()
    robot = await _robot(client, mine)
    await define_zone(client, mine.token("admin"), robot["id"], rule="NO_ENTRY", points=SQUARE)
    jobs = [await _job(client, mine, robot["id"]) for _ in range(6)]
    other = await make_mine()  # another mine's worker never sees these jobs
    assert (await claim(client, other.device_tokens[WORKER], "elsewhere"))["__typename"] == "NoVisionJob"
    worker = mine.device_tokens[WORKER]
    claims = await asyncio.gather(*(claim(client, worker, f"w{i}") for i in range(15)))
    taken = [c for c in claims if c["__typename"] == "VisionJobClaim"]
    assert sorted(c["job"]["id"] for c in taken) == sorted(j["id"] for j in jobs)
    assert sum(c["__typename"] == "NoVisionJob" for c in claims) == 9
    sample = taken[0]
    assert sample["attempt"] == 1 and sample["job"]["state"] == "RUNNING" and sample["sampleFps"] == 5.0
    assert [z["rule"] for z in sample["zones"]] == ["NO_ENTRY"] and sample["openHazardRules"] == ["NO_ENTRY",
                                                                                                  "NO_LYING"]
    officer = mine.token("safety_officer")
    page = (await gql(client, JOBS, {"first": 4, "states": ["RUNNING"]}, token=officer))["visionJobs"]
    rest = (await gql(client, JOBS, {"first": 4, "states": ["RUNNING"], "after": page["pageInfo"]["endCursor"]},
                      token=officer))["visionJobs"]
    assert page["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert [e["node"]["id"] for e in page["edges"] + rest["edges"]] == [j["id"] for j in reversed(jobs)]
    assert (await gql(client, JOBS, {"first": 4, "states": ["QUEUED"]}, token=officer))["visionJobs"]["edges"] == []
    video = await client.get(sample["videoUrl"].removeprefix("http://testserver"))
    assert video.status_code == 200 and video.content == FAKE_VIDEO
    assert (await claim(client, mine.device_tokens[ROBOT], "robot"))["__typename"] == "NotAllowed"
    body = await gql(client, CLAIM, {"input": {"workerId": "w", "leaseSeconds": 60}}, token=mine.token("admin"))
    assert body["claimVisionJob"]["__typename"] == "NotAllowed"


async def _expire(platform, job_id: str) -> None:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        await session.execute(update(VisionJob).where(VisionJob.id == uuid.UUID(job_id))
                              .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()


async def test_a_dead_workers_job_is_claimed_again_then_given_up(client, make_mine, platform) -> None:
    mine = await make_mine()
    robot = await _robot(client, mine)
    job = await _job(client, mine, robot["id"])
    worker = mine.device_tokens[WORKER]
    first = await claim(client, worker, "dead-1")
    assert first["job"]["id"] == job["id"]
    assert (await claim(client, worker, "w2"))["__typename"] == "NoVisionJob"  # the lease still holds
    progress = {"jobId": job["id"], "workerId": "dead-1", "progress": 0.4, "framesAnalysed": 12, "leaseSeconds": 30}
    renewed = (await gql(client, PROGRESS, {"input": progress}, token=worker))["reportVisionJobProgress"]
    assert renewed["progress"] == 0.4 and renewed["framesAnalysed"] == 12
    for attempt in (2, 3):
        await _expire(platform, job["id"])
        again = await claim(client, worker, f"dead-{attempt}")
        assert again["__typename"] == "VisionJobClaim" and again["attempt"] == attempt
    lost = (await gql(client, PROGRESS, {"input": progress}, token=worker))["reportVisionJobProgress"]
    assert lost["__typename"] == "InvalidTransition" and "lease" in lost["message"]
    await _expire(platform, job["id"])
    assert (await claim(client, worker, "w4"))["__typename"] == "NoVisionJob"
    failed = await gql(client, JOBS, {"first": 5, "states": ["FAILED"]}, token=mine.token("mine_manager"))
    (edge,) = failed["visionJobs"]["edges"]
    assert edge["node"]["attempts"] == 3 and "gave up after 3 attempts" in edge["node"]["failureReason"]


async def test_complete_and_fail_belong_to_the_lease_holder(client, make_mine) -> None:
    mine = await make_mine()
    robot = await _robot(client, mine)
    one, two = await _job(client, mine, robot["id"]), await _job(client, mine, robot["id"])
    worker = mine.device_tokens[WORKER]
    await claim(client, worker, "w1")
    await claim(client, worker, "w2")
    done = {"jobId": one["id"], "workerId": "w1", "summary": {"events": 0, "frames_analysed": 35}}
    stolen = (await gql(client, COMPLETE, {"input": {**done, "workerId": "w2"}}, token=worker))["completeVisionJob"]
    assert stolen["__typename"] == "InvalidTransition"
    negative = (await gql(client, COMPLETE, {"input": {**done, "framesAnalysed": -1}}, token=worker))
    assert negative["completeVisionJob"]["__typename"] == "ValidationFailed"
    for _ in range(2):  # a retried completion is harmless
        result = (await gql(client, COMPLETE, {"input": done}, token=worker))["completeVisionJob"]
        assert result["state"] == "DONE" and result["summary"]["frames_analysed"] == 35 and result["progress"] == 1
        assert result["framesAnalysed"] == 35  # the final count, though no progress report ever carried it
    failure = {"jobId": two["id"], "workerId": "w2", "reason": "CORRUPT_VIDEO: cannot be opened"}
    retried = (await gql(client, FAIL, {"input": {**failure, "retry": True}}, token=worker))["failVisionJob"]
    assert retried["state"] == "QUEUED"
    assert (await claim(client, worker, "w2"))["attempt"] == 2
    failed = (await gql(client, FAIL, {"input": failure}, token=worker))["failVisionJob"]
    assert failed["state"] == "FAILED" and failed["failureReason"].startswith("CORRUPT_VIDEO")
    other = await make_mine()
    foreign = (await gql(client, FAIL, {"input": failure}, token=other.device_tokens[WORKER]))["failVisionJob"]
    assert foreign["__typename"] == "NotFound"


async def test_events_are_idempotent_raise_alerts_and_open_hazards_by_policy(client, make_mine, platform) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    robot = await _robot(client, mine)
    belt = await define_zone(client, admin, robot["id"], rule="NO_ENTRY", points=SQUARE, name="belt head")
    road = await define_zone(client, admin, robot["id"], rule="NO_LYING", points=WHOLE, name="roadway")
    crowd = await define_zone(client, admin, robot["id"], rule="MAX_PEOPLE", points=WHOLE, maxPeople=1)
    quiet = await define_zone(client, admin, robot["id"], rule="NO_ENTRY", points=WHOLE, openHazard=False)
    job = await _job(client, mine, robot["id"])
    worker = mine.device_tokens[WORKER]
    assert (await claim(client, worker, "w1"))["job"]["id"] == job["id"]
    snapshot = await upload_snapshot(client, worker)
    events = [
        {"eventKey": f"{belt['id']}:NO_ENTRY:1", "rule": "NO_ENTRY", "zoneId": belt["id"], "trackId": 1,
         "videoTimeS": 2.4, "confidence": 0.81, "snapshotKey": snapshot, "detail": "person 1 entered belt head"},
        {"eventKey": f"{road['id']}:NO_LYING:1", "rule": "NO_LYING", "zoneId": road["id"], "trackId": 1,
         "videoTimeS": 5.2, "confidence": 0.7, "detail": "person 1 lying"},
        {"eventKey": f"{crowd['id']}:MAX_PEOPLE:e0", "rule": "MAX_PEOPLE", "zoneId": crowd["id"],
         "videoTimeS": 1.0, "confidence": 0.6, "detail": "2 people"},
        {"eventKey": f"{quiet['id']}:NO_ENTRY:2", "rule": "NO_ENTRY", "zoneId": quiet["id"], "trackId": 2,
         "videoTimeS": 0.4, "confidence": 0.9},
    ]
    first = await report_events(client, worker, job["id"], "w1", events)
    assert first["__typename"] == "VisionEventsAccepted", first
    assert (first["created"], first["duplicates"], first["alertsRaised"], first["hazardsOpened"]) == (4, 0, 4, 2)
    retried = await asyncio.gather(*(report_events(client, worker, job["id"], "w1", events) for _ in range(3)))
    for again in retried:
        assert (again["created"], again["duplicates"], again["alertsRaised"]) == (0, 4, 0), again
        assert [e["id"] for e in again["events"]] == [e["id"] for e in first["events"]]
    by_rule = {e["rule"]: e for e in first["events"][:3]}
    assert by_rule["NO_ENTRY"]["snapshotUrl"] is not None and by_rule["NO_LYING"]["snapshotUrl"] is None
    officer = mine.token("safety_officer")
    alerts = (await gql(client, ALERTS, {"filter": {"source": "VISION"}}, token=officer))["alerts"]["edges"]
    assert sorted(a["node"]["sourceRef"] for a in alerts) == sorted(e["id"] for e in first["events"])
    severities = {a["node"]["sourceRef"]: a["node"]["severity"] for a in alerts}
    assert severities[by_rule["NO_LYING"]["id"]] == "CRITICAL"
    snapshot_alert = next(a["node"] for a in alerts if a["node"]["sourceRef"] == by_rule["NO_ENTRY"]["id"])
    picture = await client.get(snapshot_alert["snapshotUrl"].removeprefix("http://testserver"))
    assert picture.status_code == 200 and picture.content[:3] == b"\xff\xd8\xff"
    hazards = (await gql(client, HAZARDS, token=officer))["hazards"]["edges"]
    opened = {h["node"]["sourceRef"] for h in hazards}
    assert opened == {e["id"] for e in first["events"] if e["hazard"]}
    assert {e["eventKey"].split(":")[1] for e in first["events"] if e["hazard"]} == {"NO_ENTRY", "NO_LYING"}
    listed = (await gql(client, EVENTS, {"jobId": job["id"]}, token=officer))["visionEvents"]
    assert [e["videoTimeS"] for e in listed] == [0.4, 1.0, 2.4, 5.2]
    # a mine that opens hazards for crowding only
    async with platform.session_factory() as session:
        await session.execute(update(Mine).where(Mine.id == mine.mine_id)
                              .values(settings={"vision": {"open_hazard_rules": ["MAX_PEOPLE"]}}))
        await session.commit()
    job2 = await _job(client, mine, robot["id"])
    assert (await claim(client, worker, "w1"))["openHazardRules"] == ["MAX_PEOPLE"]
    second = await report_events(client, worker, job2["id"], "w1", events[1:3])
    assert [e["rule"] for e in second["events"] if e["hazard"]] == ["MAX_PEOPLE"]


async def test_event_reports_are_checked(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    robot = await _robot(client, mine)
    belt = await define_zone(client, admin, robot["id"], rule="NO_ENTRY", points=SQUARE)
    job = await _job(client, mine, robot["id"])
    worker = mine.device_tokens[WORKER]
    await claim(client, worker, "w1")
    event = {"eventKey": "k1", "rule": "NO_ENTRY", "zoneId": belt["id"], "trackId": 1, "videoTimeS": 1.0,
             "confidence": 0.5}
    cases = [
        ({"rule": "NO_LYING"}, "rule"),
        ({"zoneId": str(uuid.uuid4())}, "zoneId"),
        ({"confidence": 1.5}, "confidence"),
        ({"videoTimeS": -2}, "videoTimeS"),
        ({"snapshotKey": await upload_snapshot(client, mine.device_tokens[ROBOT])}, "key"),  # not the worker's
        ({"snapshotKey": f"uploads/{uuid.uuid4()}/snapshot/x.jpg"}, "key"),
    ]
    for change, field in cases:
        result = await report_events(client, worker, job["id"], "w1", [{**event, **change}])
        assert result["__typename"] == "ValidationFailed" and result["field"] == field, (change, result)
    assert (await report_events(client, worker, job["id"], "w2", [event]))["__typename"] == "InvalidTransition"
    assert (await report_events(client, mine.device_tokens[ROBOT], job["id"], "w1", [event]))["__typename"] == \
        "NotAllowed"
    body = await gql(client, EVENTS, {"jobId": job["id"]}, token=mine.token("miner"), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = await make_mine()
    assert (await gql(client, EVENTS, {"jobId": job["id"]}, token=other.token("admin")))["visionEvents"] == []


async def test_a_video_over_two_gibibytes_minus_one_can_be_announced(client, make_mine) -> None:
    from tests.backend.api import request_upload

    mine = await make_mine()
    token = mine.device_tokens[ROBOT]
    limit = 2 * 1024 ** 3  # max_video_bytes: one more than GraphQL's Int holds
    ticket = await request_upload(client, token, size=limit, content_type="video/mp4", kind="VIDEO")
    assert ticket["__typename"] == "UploadTicket", ticket
    over = await request_upload(client, token, size=limit + 1, content_type="video/mp4", kind="VIDEO")
    assert over["__typename"] == "ValidationFailed" and over["field"] == "size"
    body = await gql(client, """mutation { requestUpload(input: {kind: VIDEO, contentType: "video/mp4",
        size: 1.5}) { __typename } }""", token=token, expect_errors=True)
    assert body["errors"] and "whole number" in body["errors"][0]["message"]


POLICY = """mutation($input: SetVisionPolicyInput!) { setVisionPolicy(input: $input) { __typename
  ... on VisionPolicy { openHazardRules sampleFps maxAttempts model classRules severities { rule severity } }
  ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""


async def test_the_vision_policy_is_set_by_admins_and_mine_managers(client, make_mine) -> None:
    mine = await make_mine()
    shown = (await gql(client, "{ visionPolicy { openHazardRules sampleFps maxAttempts } }",
                       token=mine.token("safety_officer")))["visionPolicy"]
    assert shown == {"openHazardRules": ["NO_ENTRY", "NO_LYING"], "sampleFps": 5.0, "maxAttempts": 3}
    for who in ("safety_officer", "area_manager", "miner"):
        refused = (await gql(client, POLICY, {"input": {"sampleFps": 2}}, token=mine.token(who)))["setVisionPolicy"]
        assert refused["__typename"] == "NotAllowed", who
    bad = (await gql(client, POLICY, {"input": {"sampleFps": 0}}, token=mine.token("admin")))["setVisionPolicy"]
    assert bad["__typename"] == "ValidationFailed" and bad["field"] == "sample_fps"
    changed = (await gql(client, POLICY, {"input": {
        "openHazardRules": ["NO_LYING"], "sampleFps": 2.5, "maxAttempts": 5, "model": "helmets",
        "classRules": {"no_helmet": "CLASS_PRESENT"}, "severities": [{"rule": "NO_ENTRY", "severity": "CRITICAL"}]}},
        token=mine.token("mine_manager")))["setVisionPolicy"]
    assert changed["openHazardRules"] == ["NO_LYING"] and changed["sampleFps"] == 2.5 and changed["model"] == "helmets"
    severities = {s["rule"]: s["severity"] for s in changed["severities"]}
    assert severities["NO_ENTRY"] == "CRITICAL" and severities["NO_LYING"] == "CRITICAL"
    robot = await _robot(client, mine)
    job = await _job(client, mine, robot["id"])
    assert (await gql(client, JOBS, {"first": 1}, token=mine.token("admin")))["visionJobs"]["edges"][0]["node"][
        "id"] == job["id"]
    claimed = await claim(client, mine.device_tokens[WORKER], "w1")
    assert (claimed["sampleFps"], claimed["model"], claimed["classRules"]) == (2.5, "helmets",
                                                                              {"no_helmet": "CLASS_PRESENT"})
    assert claimed["job"]["maxAttempts"] == 5
