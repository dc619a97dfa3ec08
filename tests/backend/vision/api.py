"""GraphQL operations and helpers the vision tests share (backend and end-to-end)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.backend.api import jpeg_bytes, request_upload
from tests.backend.training.api import upload_video
from tests.conftest import gql

__all__ = ["jpeg_bytes", "upload_video"]

ERRORS = """... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }"""
ZONE_FIELDS = "id name rule coords points { x y } maxPeople dwellSeconds openHazard active"
REGISTER_CAMERA = """mutation($input: RegisterCameraInput!) { registerCamera(input: $input) { __typename
  ... on Camera { id code kind frameWidth frameHeight area { id } zones { id } } """ + ERRORS + " } }"
DEFINE_ZONE = """mutation($input: DefineDangerZoneInput!) { defineDangerZone(input: $input) { __typename
  ... on DangerZone { """ + ZONE_FIELDS + " } ... on InvalidTransition { message } " + ERRORS + " } }"
RETIRE_ZONE = """mutation($id: ID!) { retireDangerZone(zoneId: $id) { __typename
  ... on DangerZone { id active } ... on InvalidTransition { message } """ + ERRORS + " } }"
JOB_FIELDS = """id state attempts maxAttempts workerId progress framesAnalysed failureReason summary videoSize
  camera { id code }"""
JOB_RESULT = "__typename ... on VisionJob { " + JOB_FIELDS + " } ... on InvalidTransition { message currentState } " \
    + ERRORS
SUBMIT = "mutation($input: SubmitInspectionVideoInput!) { submitInspectionVideo(input: $input) { " + JOB_RESULT + " } }"
CLAIM = """mutation($input: ClaimVisionJobInput!) { claimVisionJob(input: $input) { __typename
  ... on VisionJobClaim { videoUrl sampleFps model classRules openHazardRules leaseExpiresAt attempt
      job { """ + JOB_FIELDS + """ } camera { id code frameWidth frameHeight }
      zones { """ + ZONE_FIELDS + """ detectorClass } }
  ... on NoVisionJob { message } ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""
PROGRESS = "mutation($input: VisionJobProgressInput!) { reportVisionJobProgress(input: $input) { " + JOB_RESULT + " } }"
COMPLETE = "mutation($input: CompleteVisionJobInput!) { completeVisionJob(input: $input) { " + JOB_RESULT + " } }"
FAIL = "mutation($input: FailVisionJobInput!) { failVisionJob(input: $input) { " + JOB_RESULT + " } }"
REPORT_EVENTS = """mutation($input: ReportVisionEventsInput!) { reportVisionEvents(input: $input) { __typename
  ... on VisionEventsAccepted { created duplicates alertsRaised hazardsOpened
      events { id eventKey rule trackId alertId snapshotUrl hazard { id state source } } }
  ... on InvalidTransition { message } """ + ERRORS + " } }"
JOBS = """query($states: [VisionJobState!], $first: Int!, $after: String) {
  visionJobs(states: $states, first: $first, after: $after) {
    edges { cursor node { id state attempts failureReason } } pageInfo { hasNextPage endCursor } } }"""
EVENTS = """query($jobId: ID, $cameraId: ID) { visionEvents(jobId: $jobId, cameraId: $cameraId) {
  id eventKey rule trackId videoTimeS confidence detail snapshotUrl alertId zone { id name } camera { code }
  hazard { id source } } }"""
ALERTS = """query($filter: AlertFilterInput) { alerts(filter: $filter, first: 100) {
  edges { node { id source sourceRef severity state title snapshotUrl area { id } hazard { id } } } } }"""
HAZARDS = """query { hazards(where: {source: VISION}, first: 100) { edges { node { id source sourceRef state } } } }"""

SQUARE = [{"x": 0.6, "y": 0.3}, {"x": 1.0, "y": 0.3}, {"x": 1.0, "y": 1.0}, {"x": 0.6, "y": 1.0}]
WHOLE = [{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 0.0}, {"x": 1.0, "y": 1.0}, {"x": 0.0, "y": 1.0}]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


async def register_camera(http: httpx.AsyncClient, token: str, area_id: uuid.UUID | str, *, kind: str = "ROBOT",
                          code: str | None = None, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"code": code or f"cam-{uuid.uuid4().hex[:8]}", "name": "Belt head camera",
                           "kind": kind, "areaId": str(area_id), **extra}}
    return (await gql(http, REGISTER_CAMERA, variables, token=token))["registerCamera"]


async def define_zone(http: httpx.AsyncClient, token: str, camera_id: str, *, rule: str, points: list[dict[str, float]],
                      name: str | None = None, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"cameraId": camera_id, "name": name or rule.lower(), "rule": rule, "points": points,
                           **extra}}
    return (await gql(http, DEFINE_ZONE, variables, token=token))["defineDangerZone"]


async def submit(http: httpx.AsyncClient, token: str, *, robot_id: str | None = None, camera_id: str | None = None,
                 key: str, client_id: str | None = None) -> dict[str, Any]:
    variables = {"input": {"clientId": client_id or str(uuid.uuid4()), "objectKey": key, "recordedAt": now_iso(),
                           "robotId": robot_id, "cameraId": camera_id}}
    return (await gql(http, SUBMIT, variables, token=token))["submitInspectionVideo"]


async def claim(http: httpx.AsyncClient, token: str, worker: str, lease: int = 60) -> dict[str, Any]:
    return (await gql(http, CLAIM, {"input": {"workerId": worker, "leaseSeconds": lease}}, token=token))[
        "claimVisionJob"]


async def upload_snapshot(http: httpx.AsyncClient, token: str, data: bytes | None = None) -> str:
    data = data or jpeg_bytes(320, 180)
    ticket = await request_upload(http, token, size=len(data), content_type="image/jpeg", kind="SNAPSHOT")
    assert ticket["__typename"] == "UploadTicket", ticket
    response = await http.put(ticket["url"], content=data, headers={h["name"]: h["value"] for h in ticket["headers"]})
    assert response.status_code == 200, response.text
    return str(ticket["key"])


async def report_events(http: httpx.AsyncClient, token: str, job_id: str, worker: str,
                        events: list[dict[str, Any]]) -> dict[str, Any]:
    variables = {"input": {"jobId": job_id, "workerId": worker, "events": events}}
    return (await gql(http, REPORT_EVENTS, variables, token=token))["reportVisionEvents"]
