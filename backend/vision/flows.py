"""Every vision change: checks, the change, its audit entry (and alerts and hazards) in one transaction."""

from __future__ import annotations

import json
import logging
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device
from backend.accounts.roles import Principal
from backend.alerts import flows as alert_flows
from backend.audit.flows import record_audit
from backend.config import Settings
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine, sqlite_write_lock
from backend.drills.rules import DRILL_TITLE
from backend.errors import InvalidTransition, NotFound, ValidationFailed
from backend.hazards import flows as hazard_flows
from backend.org import service as org_service
from backend.storage.base import ObjectStore
from backend.storage.models import UploadKind
from backend.storage.service import consume_upload, download_url
from backend.validation import clean_text
from backend.vision import service
from backend.vision.models import Camera, DangerZone, VisionEventRecord, VisionJob
from backend.vision.permissions import CanConfigureCameras, CanSetVisionPolicy, CanSubmitVideo, vision_worker
from backend.vision.rules import (
    CameraKind,
    VisionJobState,
    VisionPolicy,
    ZoneCoords,
    ZoneRule,
    claimable,
    dedupe_key,
    frame_problem,
    lease_expired,
    zone_problem,
)
from contracts.alerts import AlertSource
from contracts.hazards import HazardSource

logger = logging.getLogger(__name__)
EVENT_NAMESPACE = uuid.UUID("3a8f2c71-6d0e-4f5b-9c2a-7e1d4b6a9f03")
CODE_LENGTH = 64
MAX_TEXT = 2000
MAX_EVENTS_PER_REPORT = 200
MIN_LEASE_SECONDS = 10
MAX_SUMMARY_BYTES = 64 * 1024  # a job's summary, as JSON
MAX_VIDEO_AGE = timedelta(days=30)  # recordedAt: older videos are not analysed for live alerts
CLOCK_ALLOWANCE = timedelta(minutes=5)  # a device's clock may run this much ahead
MAX_CLAIM_STEPS = 100
MAX_VIDEO_SECONDS = 24 * 3600  # an event's time in its video (the worker refuses videos over 4 h by default)


def _text(value: str | None, field: str, *, required: bool = False, limit: int = 200,
          lines: bool = False) -> str | None:
    """Stripped text (None when blank): blank but required, too long or with a control character (a NUL, which
    PostgreSQL refuses; line breaks unless `lines`) is a ValidationFailed naming the field."""
    return clean_text(value, field, required=required, limit=limit, multiline=lines)


def _split_credentials(url: str | None) -> tuple[str | None, str | None]:
    """(the URL with only its scheme, host and path, what was cut off: user:password@ and any query or None).

    Cameras take their passwords as user:password@ or in the query (?password=…); neither goes on record.
    """
    scheme, separator, rest = (url or "").partition("://")
    if not separator:
        return url, None
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, host = authority.rpartition("@")
    path, mark, query = rest[len(authority):].partition("?")
    path = path.split("#", 1)[0]
    secret = f"{userinfo}{at}|{mark}{query}" if at or query else None
    return f"{scheme}://{host}{path}", secret


def camera_snapshot(camera: Camera) -> dict[str, Any]:
    """A camera for the audit trail: the stream URL without its credentials (the trail is widely readable)."""
    stream_url, credentials = _split_credentials(camera.stream_url)
    return {"code": camera.code, "name": camera.name, "kind": camera.kind, "area_id": camera.area_id,
            "stream_url": stream_url, "stream_credentials": credentials is not None,
            "frame": [camera.frame_width, camera.frame_height], "device_id": camera.device_id,
            "is_active": camera.is_active}


def zone_snapshot(zone: DangerZone) -> dict[str, Any]:
    return {"camera_id": zone.camera_id, "name": zone.name, "rule": zone.rule, "coords": zone.coords,
            "points": zone.points, "max_people": zone.max_people, "dwell_seconds": zone.dwell_seconds,
            "detector_class": zone.detector_class, "open_hazard": zone.open_hazard, "is_active": zone.is_active}


def job_snapshot(job: VisionJob) -> dict[str, Any]:
    return {"state": job.state, "attempts": job.attempts, "worker_id": job.worker_id,
            "worker_device_id": job.worker_device_id, "failure_reason": job.failure_reason}


async def _policy(session: AsyncSession, mine_id: uuid.UUID) -> VisionPolicy:
    mine = await org_service.get_mine(session=session, mine_id=mine_id)
    return VisionPolicy.of(mine.settings if mine else None)


async def policy_of(session: AsyncSession, *, mine_id: uuid.UUID) -> VisionPolicy:
    """The mine's vision policy (defaults where it sets nothing)."""
    return await _policy(session, mine_id)


async def set_policy(session: AsyncSession, *, actor: Principal, changes: dict[str, Any]) -> VisionPolicy:
    """Change some of the mine's vision policy (the fields given; severity: the rules given); the whole policy is
    checked first. The mine's row is locked first, so concurrent changes never lose one another."""
    CanSetVisionPolicy.check(actor)
    mine = await lock_mine(session, actor.mine_id)  # concurrent changes apply one after the other
    assert mine is not None
    before = VisionPolicy.of(mine.settings)
    current = before.model_dump(mode="json")
    merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
    if changes.get("severity"):  # the rules given change, the others keep theirs
        merged["severity"] = {**current["severity"], **changes["severity"]}
    if merged.get("model") is not None:
        merged["model"] = _text(str(merged["model"]), "model", limit=100)  # "" or blank: the worker's default
    if isinstance(merged.get("class_rules"), dict):
        for name in merged["class_rules"]:
            _text(name, "class_rules", required=True, limit=64)
    try:
        after = VisionPolicy.model_validate(merged)
    except PydanticValidationError as error:
        problem = error.errors()[0]
        field_name = ".".join(str(part) for part in problem["loc"]) or "input"
        raise ValidationFailed(f"{field_name}: {problem['msg']}", field=field_name) from error
    mine.settings = {**(mine.settings or {}), "vision": after.model_dump(mode="json")}
    mine.updated_at = utcnow()
    await session.flush()
    await record_audit(session, actor=actor, action="vision.policy_changed", subject_type="mine", subject_id=mine.id,
                       before=before.model_dump(mode="json"), after=after.model_dump(mode="json"))
    return after


# --- cameras and zones ----------------------------------------------------------------------
async def _device_in_mine(session: AsyncSession, actor: Principal, device_id: uuid.UUID | None) -> None:
    if device_id is None:
        return
    device = await session.get(Device, device_id)
    if device is None or device.mine_id != actor.mine_id:
        raise ValidationFailed("no such device in your mine", field="deviceId")


def _stream_url(value: str | None) -> str | None:
    url = _text(value, "streamUrl", limit=500)
    if url and "://" not in url:
        raise ValidationFailed("streamUrl must be a URL such as rtsp://host/path", field="streamUrl")
    return url


async def register_camera(session: AsyncSession, *, actor: Principal, code: str, name: str, kind: CameraKind,
                          area_id: uuid.UUID, stream_url: str | None, frame_width: int | None,
                          frame_height: int | None, device_id: uuid.UUID | None) -> Camera:
    """A camera or robot in an area of the caller's mine; codes are unique per mine."""
    area = await org_service.get_area(session=session, area_id=area_id)
    if area is None or area.mine_id != actor.mine_id:
        raise ValidationFailed("no such area in your mine", field="areaId")
    CanConfigureCameras.check(actor, area_id)
    code_text = _text(code, "code", required=True, limit=CODE_LENGTH) or ""
    problem = frame_problem(frame_width, frame_height)
    if problem:
        raise ValidationFailed(problem, field="frameWidth")
    url = _stream_url(stream_url)
    await _device_in_mine(session, actor, device_id)
    await lock_mine(session, actor.mine_id)  # two registrations of one code take turns
    if await service.get_camera_by_code(session=session, mine_id=actor.mine_id, code=code_text) is not None:
        raise ValidationFailed(f"the code {code_text!r} is taken in this mine", field="code")
    camera = Camera(mine_id=actor.mine_id, area_id=area_id, code=code_text,
                    name=_text(name, "name", required=True) or "", kind=kind, stream_url=url,
                    frame_width=frame_width, frame_height=frame_height, device_id=device_id)
    session.add(camera)
    await session.flush()
    await record_audit(session, actor=actor, action="vision.camera_registered", subject_type="camera",
                       subject_id=camera.id, after=camera_snapshot(camera))
    return camera


async def update_camera(session: AsyncSession, *, actor: Principal, camera_id: uuid.UUID, name: str | None,
                        stream_url: str | None, device_id: uuid.UUID | None, active: bool | None) -> Camera:
    """Rename, re-point the stream, bind a device or (de)activate; the frame size stays (zones depend on it)."""
    camera = await service.get_camera_in_mine_or_raise(session=session, camera_id=camera_id, mine_id=actor.mine_id)
    CanConfigureCameras.check(actor, camera.area_id)
    before = camera_snapshot(camera)
    old_credentials = _split_credentials(camera.stream_url)[1]
    if name is not None:
        camera.name = _text(name, "name", required=True) or camera.name
    if stream_url is not None:
        camera.stream_url = _stream_url(stream_url)
    if device_id is not None:
        await _device_in_mine(session, actor, device_id)
        camera.device_id = device_id
    if active is not None:
        camera.is_active = active
    camera.updated_at = utcnow()
    await session.flush()
    after = camera_snapshot(camera)
    if _split_credentials(camera.stream_url)[1] != old_credentials:
        after["stream_credentials_changed"] = True  # said, never shown
    await record_audit(session, actor=actor, action="vision.camera_updated", subject_type="camera",
                       subject_id=camera.id, before=before, after=after)
    return camera


@dataclass(frozen=True, slots=True)
class ZoneData:
    name: str
    rule: ZoneRule
    coords: ZoneCoords
    points: Sequence[tuple[float, float]]
    max_people: int | None = None
    dwell_seconds: float | None = None
    detector_class: str | None = None
    open_hazard: bool | None = None


async def define_zone(session: AsyncSession, *, actor: Principal, camera_id: uuid.UUID, data: ZoneData) -> DangerZone:
    """A danger zone on a camera's view; the polygon and the rule's parameter are checked first."""
    camera = await service.get_camera_in_mine_or_raise(session=session, camera_id=camera_id, mine_id=actor.mine_id)
    CanConfigureCameras.check(actor, camera.area_id)
    name = _text(data.name, "name", required=True) or ""
    problem = zone_problem(points=data.points, coords=data.coords, rule=data.rule, frame_width=camera.frame_width,
                           frame_height=camera.frame_height, max_people=data.max_people,
                           dwell_seconds=data.dwell_seconds, detector_class=data.detector_class)
    if problem:
        field_name, reason = problem
        raise ValidationFailed(f"zone {name!r}: {reason}", field=field_name)
    rule = data.rule
    zone = DangerZone(
        mine_id=actor.mine_id, camera_id=camera.id, name=name, rule=rule, coords=data.coords,
        points=[[float(x), float(y)] for x, y in data.points],
        max_people=data.max_people if rule is ZoneRule.MAX_PEOPLE else None,
        dwell_seconds=data.dwell_seconds if rule is ZoneRule.DWELL_LIMIT else None,
        detector_class=_text(data.detector_class, "detectorClass", limit=64) if rule is ZoneRule.CLASS_PRESENT
        else None,
        open_hazard=data.open_hazard, created_by=actor.id)
    session.add(zone)
    await session.flush()
    await record_audit(session, actor=actor, action="vision.zone_defined", subject_type="vision_zone",
                       subject_id=zone.id, after=zone_snapshot(zone))
    return zone


async def retire_zone(session: AsyncSession, *, actor: Principal, zone_id: uuid.UUID) -> DangerZone:
    """Stop watching a zone (it stays on record for the events it raised)."""
    zone = await service.get_zone_in_mine_or_raise(session=session, zone_id=zone_id, mine_id=actor.mine_id)
    camera = await service.get_camera_in_mine_or_raise(session=session, camera_id=zone.camera_id,
                                                       mine_id=actor.mine_id)
    CanConfigureCameras.check(actor, camera.area_id)
    if not zone.is_active:
        raise InvalidTransition("this zone is already retired", current_state="RETIRED")
    before = zone_snapshot(zone)
    zone.is_active = False
    zone.updated_at = utcnow()
    await session.flush()
    await record_audit(session, actor=actor, action="vision.zone_retired", subject_type="vision_zone",
                       subject_id=zone.id, before=before, after=zone_snapshot(zone))
    return zone


# --- jobs -----------------------------------------------------------------------------------
async def submit_video(session: AsyncSession, *, store: ObjectStore, actor: Principal, client_id: uuid.UUID,
                       camera_id: uuid.UUID | None, robot_id: uuid.UUID | None, object_key: str,
                       recorded_at: datetime) -> VisionJob:
    """Queue an uploaded inspection video for analysis; the same clientId returns the first job."""
    existing = await service.get_job(session=session, job_id=client_id)
    if existing is not None:
        if existing.submitted_by == actor.id and existing.mine_id == actor.mine_id:
            return existing
        raise ValidationFailed("this client id is already used by another video", field="clientId")
    if (camera_id is None) == (robot_id is None):
        raise ValidationFailed("name exactly one of cameraId and robotId", field="cameraId")
    wanted = CameraKind.CAMERA if camera_id is not None else CameraKind.ROBOT
    field_name = "cameraId" if camera_id is not None else "robotId"
    try:
        camera = await service.get_camera_in_mine_or_raise(session=session, camera_id=camera_id or robot_id,
                                                           mine_id=actor.mine_id)  # type: ignore[arg-type]
    except NotFound as error:
        raise ValidationFailed(f"no such {wanted.value.lower()} in your mine", field=field_name) from error
    if camera.kind is not wanted:
        raise ValidationFailed(f"{field_name} names a {camera.kind.value.lower()}", field=field_name)
    if not camera.is_active:
        raise ValidationFailed(f"this {wanted.value.lower()} is not active", field=field_name)
    await CanSubmitVideo.check(session, actor, camera.device_id)
    return await _queue(session, store=store, actor=actor, client_id=client_id, camera=camera,
                        object_key=object_key, recorded_at=recorded_at)


async def _queue(session: AsyncSession, *, store: ObjectStore, actor: Principal, client_id: uuid.UUID,
                 camera: Camera, object_key: str, recorded_at: datetime, drill_id: uuid.UUID | None = None
                 ) -> VisionJob:
    """The caller's own uploaded video queued for the camera; audited."""
    object_key = _text(object_key, "objectKey", required=True, limit=300) or ""
    if recorded_at > utcnow() + CLOCK_ALLOWANCE:
        raise ValidationFailed("recordedAt is in the future", field="recordedAt")
    if recorded_at < utcnow() - MAX_VIDEO_AGE:
        raise ValidationFailed(f"recordedAt is more than {MAX_VIDEO_AGE.days} days ago", field="recordedAt")
    policy = await _policy(session, actor.mine_id)
    slot = await consume_upload(session=session, store=store, actor=actor, key=object_key, kinds={UploadKind.VIDEO},
                                used_by=str(client_id))
    info = await store.stat(slot.key)
    job = VisionJob(id=client_id, mine_id=actor.mine_id, camera_id=camera.id, area_id=camera.area_id,
                    submitted_by=actor.id, video_key=slot.key, video_size=info.size, recorded_at=recorded_at,
                    state=VisionJobState.QUEUED, max_attempts=policy.max_attempts, drill_id=drill_id)
    session.add(job)
    await session.flush()
    await record_audit(session, actor=actor, action="vision.job_submitted", subject_type="vision_job",
                       subject_id=job.id, after={**job_snapshot(job), "camera_id": camera.id,
                                                 "video_key": slot.key, "recorded_at": recorded_at,
                                                 "drill_id": drill_id})
    return job


async def active_camera_by_code(session: AsyncSession, *, mine_id: uuid.UUID, code: str) -> Camera | None:
    return await session.scalar(select(Camera).where(Camera.mine_id == mine_id, Camera.code == code,
                                                     Camera.is_active.is_(True)))


async def queue_drill_video(session: AsyncSession, *, store: ObjectStore, actor: Principal, drill_id: uuid.UUID,
                            camera_code: str, object_key: str, recorded_at: datetime) -> VisionJob:
    """A drill's video for one of the mine's cameras, queued like any other (the drills flow checked the drill and
    its director); the worker stages the drill's person down in it, and its events are the drill's."""
    camera = await active_camera_by_code(session, mine_id=actor.mine_id, code=camera_code)
    if camera is None:
        raise ValidationFailed(f"no active camera {camera_code!r} in your mine", field="camera")
    return await _queue(session, store=store, actor=actor, client_id=uuid.uuid4(), camera=camera,
                        object_key=object_key, recorded_at=recorded_at, drill_id=drill_id)


@dataclass(frozen=True, slots=True)
class Claim:
    job: VisionJob
    camera: Camera
    zones: list[DangerZone]
    policy: VisionPolicy
    video_url: str


def _lease(policy: VisionPolicy, lease_seconds: int) -> timedelta:
    if lease_seconds < MIN_LEASE_SECONDS:
        raise ValidationFailed(f"leaseSeconds must be at least {MIN_LEASE_SECONDS}", field="leaseSeconds")
    return timedelta(seconds=min(lease_seconds, policy.max_lease_seconds))


def _worker_id(worker_id: str) -> str:
    return _text(worker_id, "workerId", required=True, limit=100) or ""


async def claim(session: AsyncSession, *, store: ObjectStore, settings: Settings, actor: Principal, worker_id: str,
                lease_seconds: int) -> Claim | None:
    """The oldest claimable job of the worker's mine, leased to this worker; None when the queue is empty.

    A running job whose lease ran out is claimable again (its worker died); one that has used all its
    attempts is failed instead. Concurrent claimers never get the same job.
    """
    await vision_worker(session, actor)
    worker = _worker_id(worker_id)
    policy = await _policy(session, actor.mine_id)
    lease = _lease(policy, lease_seconds)
    await sqlite_write_lock(session, actor.mine_id)
    for _ in range(MAX_CLAIM_STEPS):  # each step takes or fails one job; the bound only guards against a bug
        now = utcnow()
        job = await service.next_claimable(session=session, mine_id=actor.mine_id, now=now)
        if job is None or not claimable(job.state, job.lease_expires_at, now):
            return None
        before = job_snapshot(job)
        if job.attempts >= job.max_attempts:
            reason = (f"gave up after {job.attempts} attempts: the worker's lease ran out each time "
                      f"(last worker {job.worker_id})")
            if await service.take_job(session=session, job=job, values={
                    "state": VisionJobState.FAILED, "failure_reason": reason, "finished_at": now,
                    "lease_expires_at": None, "updated_at": now}):
                await record_audit(session, actor=None, mine_id=job.mine_id, action="vision.job_failed",
                                   subject_type="vision_job", subject_id=job.id, before=before,
                                   after=job_snapshot(job), reason=reason)
            continue
        taken = await service.take_job(session=session, job=job, values={
            "state": VisionJobState.RUNNING, "worker_id": worker, "worker_device_id": actor.id,
            "attempts": job.attempts + 1,
            "lease_expires_at": now + lease, "started_at": now, "progress": 0.0, "frames_analysed": 0,
            "updated_at": now})
        if not taken:
            continue
        await record_audit(session, actor=actor, action="vision.job_claimed", subject_type="vision_job",
                           subject_id=job.id, before=before, after=job_snapshot(job))
        camera = await session.get(Camera, job.camera_id)
        assert camera is not None
        (zones,) = await service.zones_by_camera(session, [camera.id])
        minutes = max(60, int(lease.total_seconds() // 60) + 10)
        url = await download_url(store=store, settings=settings, key=job.video_key, minutes=minutes)
        return Claim(job=job, camera=camera, zones=zones, policy=policy, video_url=url)
    return None


def _holds(job: VisionJob, actor: Principal, worker_id: str) -> bool:
    """Whether this worker, on this very device, is the job's (last) lease holder."""
    return job.worker_id == worker_id and job.worker_device_id == actor.id


async def _running_job(session: AsyncSession, actor: Principal, job_id: uuid.UUID, worker_id: str) -> VisionJob:
    """The job, locked, which must be running under this worker's (and device's) lease, not run out."""
    worker = _worker_id(worker_id)
    await vision_worker(session, actor)
    job = await service.get_job_in_mine_or_raise(session=session, job_id=job_id, mine_id=actor.mine_id,
                                                 for_update=True)
    if job.state is not VisionJobState.RUNNING or not _holds(job, actor, worker) \
            or lease_expired(job.lease_expires_at, utcnow()):
        raise InvalidTransition("this job is not leased to this worker (its lease ran out or it finished)",
                                     current_state=job.state.value)
    return job


async def _finishing(session: AsyncSession, actor: Principal, job_id: uuid.UUID, worker_id: str,
                     final: VisionJobState) -> tuple[VisionJob, bool]:
    """The job a worker finishes, and whether this worker already finished it that way (a retried call)."""
    worker = _worker_id(worker_id)
    await vision_worker(session, actor)
    job = await service.get_job_in_mine_or_raise(session=session, job_id=job_id, mine_id=actor.mine_id,
                                                 for_update=True)
    if job.state is final and _holds(job, actor, worker):
        return job, True
    return await _running_job(session, actor, job_id, worker_id), False


async def report_progress(session: AsyncSession, *, actor: Principal, job_id: uuid.UUID, worker_id: str,
                          progress: float, frames_analysed: int, lease_seconds: int) -> VisionJob:
    """Progress from the worker; renews its lease (not audited: it changes no state)."""
    job = await _running_job(session, actor, job_id, worker_id)
    if not math.isfinite(progress) or not 0 <= progress <= 1:
        raise ValidationFailed("progress is a fraction from 0 to 1", field="progress")
    if frames_analysed < 0:
        raise ValidationFailed("framesAnalysed cannot be negative", field="framesAnalysed")
    policy = await _policy(session, actor.mine_id)
    now = utcnow()
    job.lease_expires_at = now + _lease(policy, lease_seconds)
    job.progress = max(job.progress, progress)
    job.frames_analysed = max(job.frames_analysed, frames_analysed)
    job.updated_at = now
    await session.flush()
    return job


def _final_frames(frames_analysed: int | None, summary: dict[str, Any] | None) -> int | None:
    """The frame count a completion carries: given, or the summary's `frames_analysed`; None when neither says."""
    if frames_analysed is None and summary is not None:
        counted = summary.get("frames_analysed")
        frames_analysed = counted if isinstance(counted, int) and not isinstance(counted, bool) else None
    if frames_analysed is not None and frames_analysed < 0:
        raise ValidationFailed("framesAnalysed cannot be negative", field="framesAnalysed")
    return frames_analysed


async def complete(session: AsyncSession, *, actor: Principal, job_id: uuid.UUID, worker_id: str,
                   summary: dict[str, Any] | None, frames_analysed: int | None = None) -> VisionJob:
    """The worker analysed the whole video; a retried completion returns the job unchanged.

    The job keeps the final frame count: progress reports are throttled (and a short video finishes
    before the first), so the last one seldom carries it."""
    if summary is not None and len(json.dumps(summary, default=str)) > MAX_SUMMARY_BYTES:
        raise ValidationFailed(f"summary is larger than {MAX_SUMMARY_BYTES // 1024} KiB as JSON", field="summary")
    frames = _final_frames(frames_analysed, summary)
    job, repeated = await _finishing(session, actor, job_id, worker_id, VisionJobState.DONE)
    if repeated:
        return job
    before = job_snapshot(job)
    now = utcnow()
    job.state = VisionJobState.DONE
    job.failure_reason = None  # a handed-back attempt's reason no longer applies
    job.summary = summary if isinstance(summary, dict) else None
    job.progress = 1.0
    if frames is not None:
        job.frames_analysed = frames
    job.finished_at = job.updated_at = now
    job.lease_expires_at = None
    await session.flush()
    await record_audit(session, actor=actor, action="vision.job_completed", subject_type="vision_job",
                       subject_id=job.id, before=before, after={**job_snapshot(job), "summary": job.summary})
    return job


async def fail(session: AsyncSession, *, actor: Principal, job_id: uuid.UUID, worker_id: str, reason: str,
               retry: bool) -> VisionJob:
    """The worker could not analyse the video: failed with the reason, or queued again when retry is asked
    and attempts are left. A retried failure returns the job unchanged."""
    text = _text(reason, "reason", required=True, limit=MAX_TEXT, lines=True) or ""
    job, repeated = await _finishing(session, actor, job_id, worker_id, VisionJobState.FAILED)
    if repeated:
        return job
    before = job_snapshot(job)
    now = utcnow()
    job.lease_expires_at = None
    job.failure_reason = text
    job.updated_at = now
    if retry and job.attempts < job.max_attempts:
        job.state = VisionJobState.QUEUED
        action = "vision.job_requeued"
    else:
        job.state = VisionJobState.FAILED
        job.finished_at = now
        action = "vision.job_failed"
    await session.flush()
    await record_audit(session, actor=actor, action=action, subject_type="vision_job", subject_id=job.id,
                       before=before, after=job_snapshot(job), reason=text)
    return job


# --- events ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EventData:
    event_key: str
    rule: ZoneRule
    zone_id: uuid.UUID | None
    track_id: int | None
    video_time_s: float
    confidence: float
    snapshot_key: str | None
    detail: str


@dataclass
class EventsOutcome:
    events: list[VisionEventRecord] = field(default_factory=list)
    created: int = 0
    duplicates: int = 0
    alerts_raised: int = 0
    hazards_opened: int = 0


def _check_event(event: EventData, zones: dict[uuid.UUID, DangerZone], index: int) -> None:
    where = f"events[{index}]"
    if len(event.event_key) > 200:  # kept as sent (it names the event), so its whole length counts
        raise ValidationFailed(f"{where}: eventKey is longer than 200 characters", field="eventKey")
    try:
        _text(event.event_key, "eventKey", required=True, limit=200)
    except ValidationFailed as error:
        raise ValidationFailed(f"{where}: {error.message}", field="eventKey") from error
    _text(event.snapshot_key, "snapshotKey", limit=300)
    if event.zone_id is not None:
        zone = zones.get(event.zone_id)
        if zone is None:
            raise ValidationFailed(f"{where}: the zone is not one of this camera's", field="zoneId")
        if zone.rule is not event.rule:
            raise ValidationFailed(f"{where}: zone {zone.name!r} watches {zone.rule.value}, not "
                                        f"{event.rule.value}", field="rule")
    if not math.isfinite(event.video_time_s) or not 0 <= event.video_time_s <= MAX_VIDEO_SECONDS:
        raise ValidationFailed(f"{where}: videoTimeS must be 0 to {MAX_VIDEO_SECONDS} seconds (no video is "
                                    "longer)", field="videoTimeS")
    if not math.isfinite(event.confidence) or not 0 <= event.confidence <= 1:
        raise ValidationFailed(f"{where}: confidence is a fraction from 0 to 1", field="confidence")
    _text(event.detail, "detail", limit=MAX_TEXT, lines=True)


async def report_events(session: AsyncSession, *, store: ObjectStore, actor: Principal, job_id: uuid.UUID,
                        worker_id: str, events: Sequence[EventData]) -> EventsOutcome:
    """Record the events a worker found; each new one raises an alert and, by the mine's policy, opens a
    hazard. An event key already recorded for the job is skipped, so a retried report never duplicates."""
    if len(events) > MAX_EVENTS_PER_REPORT:
        raise ValidationFailed(f"at most {MAX_EVENTS_PER_REPORT} events per report", field="events")
    job = await _running_job(session, actor, job_id, worker_id)
    camera = await session.get(Camera, job.camera_id)
    assert camera is not None
    zones = await service.all_zones_of(session=session, camera_id=camera.id)
    for index, event in enumerate(events):
        _check_event(event, zones, index)
    policy = await _policy(session, job.mine_id)
    known = await service.events_by_keys(session=session, job_id=job.id, keys=[e.event_key for e in events])
    outcome = EventsOutcome()
    for event in events:
        if event.event_key in known:
            outcome.duplicates += 1
            outcome.events.append(known[event.event_key])
            continue
        record = await _record_event(session, store=store, actor=actor, job=job, event=event)
        known[event.event_key] = record
        outcome.created += 1
        outcome.events.append(record)
        zone = zones.get(event.zone_id) if event.zone_id else None
        raised = await _raise_alert(session, actor=actor, camera=camera, zone=zone, record=record, policy=policy,
                                    drill_id=job.drill_id)
        if not raised.created:  # a repeat folded into the open alert of an earlier event: that event's hazard
            first_id = _uuid_or_none(raised.alert.source_ref)
            first = await session.get(VisionEventRecord, first_id) if first_id else None
            record.hazard_id = first.hazard_id if first is not None and first.job_id == job.id else None
            continue
        outcome.alerts_raised += 1
        if policy.opens_hazard(event.rule, zone.open_hazard if zone else None):
            hazard = await hazard_flows.open_from_source(
                session, actor=actor, mine_id=job.mine_id, area_id=camera.area_id, source=HazardSource.VISION,
                source_ref=str(record.id), description=f"[{camera.code} {camera.name}] {record.detail}"[:MAX_TEXT],
                drill_id=job.drill_id)
            record.hazard_id = hazard.id
            outcome.hazards_opened += 1
    if outcome.created:
        job.updated_at = utcnow()
        await session.flush()
    return outcome


def _occurred_at(job: VisionJob, video_time_s: float) -> datetime:
    """When the event happened: the recording's start plus its time in the video, never later than now (a
    device clock running ahead must not date an event, or its alert, in the future)."""
    return min(job.recorded_at + timedelta(seconds=video_time_s), utcnow())


async def _record_event(session: AsyncSession, *, store: ObjectStore, actor: Principal, job: VisionJob,
                        event: EventData) -> VisionEventRecord:
    record_id = uuid.uuid5(EVENT_NAMESPACE, f"{job.id}:{event.event_key}")
    snapshot_key = None
    if event.snapshot_key:
        slot = await consume_upload(session=session, store=store, actor=actor, key=event.snapshot_key,
                                    kinds={UploadKind.SNAPSHOT}, used_by=str(record_id))
        snapshot_key = slot.key
    detail = event.detail.strip() or f"{event.rule.value} in the video at {event.video_time_s:.1f} s"
    record = VisionEventRecord(
        id=record_id, mine_id=job.mine_id, job_id=job.id, camera_id=job.camera_id, zone_id=event.zone_id,
        event_key=event.event_key, rule=event.rule, track_id=event.track_id,
        video_time_s=round(event.video_time_s, 3), confidence=round(event.confidence, 4), detail=detail,
        snapshot_key=snapshot_key, occurred_at=_occurred_at(job, event.video_time_s))
    session.add(record)
    await session.flush()
    await record_audit(session, actor=actor, action="vision.event_recorded", subject_type="vision_event",
                       subject_id=record.id, after={"job_id": job.id, "event_key": record.event_key,
                                                    "rule": record.rule, "zone_id": record.zone_id,
                                                    "track_id": record.track_id, "snapshot_key": snapshot_key})
    return record


async def _raise_alert(session: AsyncSession, *, actor: Principal, camera: Camera, zone: DangerZone | None,
                       record: VisionEventRecord, policy: VisionPolicy,
                       drill_id: uuid.UUID | None = None) -> alert_flows.RaisedAlert:
    """The event's alert; a drill job's is a drill alert (its own dedupe key: a drill never folds into real ones)."""
    where = zone.name if zone else camera.name
    drill = DRILL_TITLE if drill_id else ""
    raised = await alert_flows.raise_alert(
        session, actor=actor, mine_id=record.mine_id, source=AlertSource.VISION, source_ref=str(record.id),
        severity=policy.severity_of(record.rule), area_id=camera.area_id, drill_id=drill_id,
        title=f"{drill}{record.rule.value.replace('_', ' ').lower()}: {where} ({camera.code})"[:200],
        detail=record.detail,
        dedupe_key=dedupe_key(camera_id=camera.id, zone_id=record.zone_id, rule=record.rule, job_id=record.job_id,
                              track=record.track_id if record.track_id is not None else record.event_key),
        snapshot_key=record.snapshot_key, occurred_at=record.occurred_at)
    record.alert_id = raised.alert.id
    return raised


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
