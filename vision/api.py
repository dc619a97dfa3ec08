"""The worker's calls: claim, renew leases, upload snapshots, report events (GraphQL through contracts.client, whose
errors these raise). Never imports backend code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from contracts.client import GraphQLClient, TransportError, retry_after_of, status_error, union_result
from contracts.errors import ErrorCode
from contracts.vision import ZoneCoords, ZoneRule
from vision.messages import VisionEvent, ZoneSpec

logger = logging.getLogger(__name__)

_ERRORS = "... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }"
_JOB = "__typename ... on VisionJob { id state } ... on InvalidTransition { message currentState } " + _ERRORS

CLAIM = """
mutation ClaimVisionJob($input: ClaimVisionJobInput!) {
  claimVisionJob(input: $input) {
    __typename
    ... on VisionJobClaim {
      videoUrl sampleFps model classRules openHazardRules leaseExpiresAt attempt isDrill
      job { id videoSize recordedAt }
      camera { id code frameWidth frameHeight }
      zones { id name rule coords points { x y } maxPeople dwellSeconds detectorClass openHazard }
    }
    ... on NoVisionJob { message }
    ... on NotAllowed { message }
    ... on ValidationFailed { message field }
  }
}"""
PROGRESS = """mutation Progress($input: VisionJobProgressInput!) {
  reportVisionJobProgress(input: $input) { """ + _JOB + " } }"
COMPLETE = """mutation Complete($input: CompleteVisionJobInput!) {
  completeVisionJob(input: $input) { """ + _JOB + " } }"
FAIL = """mutation Fail($input: FailVisionJobInput!) {
  failVisionJob(input: $input) { """ + _JOB + " } }"
REQUEST_UPLOAD = """mutation RequestUpload($input: RequestUploadInput!) {
  requestUpload(input: $input) { __typename ... on UploadTicket { key url method headers { name value } }
    ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""
REPORT_EVENTS = """mutation ReportVisionEvents($input: ReportVisionEventsInput!) {
  reportVisionEvents(input: $input) {
    __typename
    ... on VisionEventsAccepted { created duplicates alertsRaised hazardsOpened }
    ... on InvalidTransition { message currentState }
    """ + _ERRORS + " } }"


# the backend refused this worker itself (a revoked token, one of another device kind): retrying cannot help
WORKER_REFUSED: frozenset[ErrorCode] = frozenset({ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN})
# a job step answered InvalidTransition: the job is no longer this worker's (its lease ran out and another took it,
# or it finished)
LEASE_LOST = ErrorCode.INVALID_TRANSITION


class DownloadError(Exception):
    """The video could not be fetched (missing object, over the size cap; `retryable`: an expired or refused
    link, which a new claim renews)."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class JobClaim(BaseModel):
    """One leased job with everything the analysis needs."""

    job_id: str
    video_url: str
    video_size: int
    recorded_at: datetime
    camera_code: str
    zones: list[ZoneSpec]
    sample_fps: float
    model: str | None
    class_rules: dict[str, str]
    lease_expires_at: datetime
    attempt: int
    drill: bool = False  # a drill's video: the drill's person down is staged in it (vision/drill.py)


def zone_specs(raw: list[dict[str, Any]], frame: tuple[int | None, int | None],
               open_hazard_rules: list[str]) -> list[ZoneSpec]:
    """The claim's zones as the rule engine's ZoneSpecs (pixel zones in the camera's frame size)."""
    width, height = frame
    specs = []
    for zone in raw:
        rule = ZoneRule(zone["rule"])
        open_hazard = zone.get("openHazard")
        specs.append(ZoneSpec(
            id=zone["id"], name=zone["name"], kind=rule, coords=ZoneCoords(zone["coords"]),
            polygon=[(p["x"], p["y"]) for p in zone["points"]], view_width=width, view_height=height,
            max_people=zone.get("maxPeople"), dwell_seconds=zone.get("dwellSeconds"),
            detector_class=zone.get("detectorClass"),
            open_hazard=open_hazard if open_hazard is not None else rule.value in open_hazard_rules))
    return specs


def event_input(event: VisionEvent) -> dict[str, Any]:
    return {"eventKey": event.key, "rule": event.kind.value, "zoneId": event.zone_id, "trackId": event.track_id,
            "videoTimeS": event.time_s, "confidence": min(max(event.confidence, 0.0), 1.0),
            "snapshotKey": event.snapshot_key, "detail": event.detail}


class VisionClient:
    """The worker's backend calls with its device token; object-store transfers over httpx."""

    def __init__(self, url: str, token: str, *, timeout: float = 60.0) -> None:
        self._graphql = GraphQLClient(url, token=token, timeout=timeout)
        self.endpoint = self._graphql.url
        self._plain = httpx.Client(timeout=timeout)  # object-store URLs carry their own signature

    def close(self) -> None:
        self._graphql.close()
        self._plain.close()

    def _call(self, document: str, field: str, variables: dict[str, Any], *accepted: str) -> dict[str, Any]:
        return union_result(self._graphql.execute(document, variables), field, *accepted)

    def claim(self, worker_id: str, lease_seconds: int) -> JobClaim | None:
        claim = self._call(CLAIM, "claimVisionJob", {"input": {"workerId": worker_id, "leaseSeconds": lease_seconds}},
                           "VisionJobClaim", "NoVisionJob")
        if claim["__typename"] == "NoVisionJob":
            return None
        camera = claim["camera"]
        return JobClaim(
            job_id=claim["job"]["id"], video_url=claim["videoUrl"], video_size=int(claim["job"]["videoSize"]),
            recorded_at=claim["job"]["recordedAt"], camera_code=camera["code"],
            zones=zone_specs(claim["zones"], (camera["frameWidth"], camera["frameHeight"]),
                             claim["openHazardRules"]),
            sample_fps=claim["sampleFps"], model=claim["model"], class_rules=claim["classRules"] or {},
            lease_expires_at=claim["leaseExpiresAt"], attempt=claim["attempt"], drill=bool(claim.get("isDrill")))

    def progress(self, job_id: str, worker_id: str, *, progress: float, frames: int, lease_seconds: int) -> None:
        self._call(PROGRESS, "reportVisionJobProgress", {"input": {
            "jobId": job_id, "workerId": worker_id, "progress": min(max(progress, 0.0), 1.0),
            "framesAnalysed": frames, "leaseSeconds": lease_seconds}}, "VisionJob")

    def complete(self, job_id: str, worker_id: str, summary: dict[str, Any], *, frames: int | None = None) -> None:
        self._call(COMPLETE, "completeVisionJob", {"input": {
            "jobId": job_id, "workerId": worker_id, "summary": summary, "framesAnalysed": frames}}, "VisionJob")

    def fail(self, job_id: str, worker_id: str, reason: str, *, retry: bool = False) -> None:
        self._call(FAIL, "failVisionJob", {"input": {
            "jobId": job_id, "workerId": worker_id, "reason": reason[:2000], "retry": retry}}, "VisionJob")

    def report_events(self, job_id: str, worker_id: str, events: list[VisionEvent]) -> dict[str, Any]:
        return self._call(REPORT_EVENTS, "reportVisionEvents", {"input": {
            "jobId": job_id, "workerId": worker_id, "events": [event_input(e) for e in events]}},
            "VisionEventsAccepted")

    def upload_snapshot(self, jpeg: bytes) -> str:
        """requestUpload(SNAPSHOT) then PUT the JPEG; returns the object key."""
        ticket = self._call(REQUEST_UPLOAD, "requestUpload", {"input": {
            "kind": "SNAPSHOT", "contentType": "image/jpeg", "size": len(jpeg)}}, "UploadTicket")
        headers = {h["name"]: h["value"] for h in ticket["headers"]}
        try:
            response = self._plain.request(ticket["method"], ticket["url"], content=jpeg, headers=headers)
        except httpx.HTTPError as error:
            raise TransportError(f"snapshot upload: {type(error).__name__}: {error}") from error
        if response.status_code >= 300:
            raise status_error(response.status_code, f"snapshot upload: {response.text[:200]}",
                               retry_after=retry_after_of(response.headers.get("retry-after")))
        return str(ticket["key"])

    def download(self, url: str, target: Path, *, max_bytes: int,
                 on_chunk: Callable[[int], None] | None = None) -> int:
        """Stream the video to `target`; more than max_bytes is refused. Returns the bytes written.

        `on_chunk(bytes so far)` runs after every chunk (the worker renews its lease from it)."""
        written = 0
        try:
            with self._plain.stream("GET", url) as response:
                if response.status_code >= 500:
                    raise status_error(response.status_code, "video download")
                if response.status_code >= 400:
                    raise DownloadError(f"DOWNLOAD_FAILED: the object store answered {response.status_code}",
                                        retryable=response.status_code in (401, 403, 410))
                length = response.headers.get("content-length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise DownloadError(f"DOWNLOAD_TOO_LARGE: {length} bytes, the cap is {max_bytes}")
                with target.open("wb") as handle:
                    for chunk in response.iter_bytes(1 << 20):
                        written += len(chunk)
                        if written > max_bytes:
                            raise DownloadError(f"DOWNLOAD_TOO_LARGE: more than {max_bytes} bytes")
                        handle.write(chunk)
                        if on_chunk is not None:
                            on_chunk(written)
        except httpx.HTTPError as error:
            raise TransportError(f"video download: {type(error).__name__}: {error}") from error
        return written
