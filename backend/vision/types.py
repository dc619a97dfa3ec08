"""GraphQL types of cameras, danger zones, analysis jobs and vision events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from backend.alerts.types import AlertSeverityType
from backend.errors import NotAllowed
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.hazards import loaders as hazard_loaders
from backend.hazards.types import HazardType, PageInfo
from backend.org.types import AreaType
from backend.storage.service import download_url
from backend.storage.types import BigInt
from backend.vision import loaders
from backend.vision.models import Camera, DangerZone, VisionEventRecord, VisionJob
from backend.vision.permissions import RESULT_VIEWERS, CanSeeVisionResults
from backend.vision.rules import CameraKind, VisionJobState, VisionPolicy, ZoneCoords, ZoneRule

CameraKindType = strawberry.enum(CameraKind, name="CameraKind")
ZoneRuleType = strawberry.enum(ZoneRule, name="ZoneRule")
ZoneCoordsType = strawberry.enum(ZoneCoords, name="ZoneCoords")
VisionJobStateType = strawberry.enum(VisionJobState, name="VisionJobState")


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def _optional_id(value: object | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(name="ZonePoint")
class ZonePoint:
    x: float
    y: float


@strawberry.type(name="DangerZone", description="A polygon on a camera's view and the rule it enforces.")
class DangerZoneType:
    model: strawberry.Private[DangerZone]
    id: strawberry.ID
    camera_id: strawberry.ID
    name: str
    rule: ZoneRuleType  # type: ignore[valid-type]
    coords: ZoneCoordsType  # type: ignore[valid-type]
    points: list[ZonePoint]
    max_people: int | None
    dwell_seconds: float | None
    detector_class: str | None
    open_hazard: bool | None = strawberry.field(description="null: the mine's policy decides")
    active: bool
    created_at: datetime

    @classmethod
    def from_model(cls, zone: DangerZone) -> DangerZoneType:
        return cls(model=zone, id=_id(zone.id), camera_id=_id(zone.camera_id), name=zone.name, rule=zone.rule,
                   coords=zone.coords, points=[ZonePoint(x=x, y=y) for x, y in zone.points],
                   max_people=zone.max_people, dwell_seconds=zone.dwell_seconds, detector_class=zone.detector_class,
                   open_hazard=zone.open_hazard, active=zone.is_active, created_at=zone.created_at)


@strawberry.type(name="Camera", description="A fixed camera or an inspection robot registered in an area.")
class CameraType:
    model: strawberry.Private[Camera]
    id: strawberry.ID
    code: str
    name: str
    kind: CameraKindType  # type: ignore[valid-type]
    frame_width: int | None
    frame_height: int | None
    device_id: strawberry.ID | None
    active: bool

    @classmethod
    def from_model(cls, camera: Camera) -> CameraType:
        return cls(model=camera, id=_id(camera.id), code=camera.code, name=camera.name, kind=camera.kind,
                   frame_width=camera.frame_width, frame_height=camera.frame_height,
                   device_id=_optional_id(camera.device_id), active=camera.is_active)

    @strawberry.field(description="The live stream (it may carry credentials): shown to those who see this "
                                  "camera's vision results (an area manager: own area), null for others.")
    def stream_url(self, info: Info[Context, None]) -> str | None:
        principal = info.context.principal
        if principal is None or principal.is_device or not principal.roles & RESULT_VIEWERS:
            return None
        try:
            area = CanSeeVisionResults.area_limit(principal)
        except NotAllowed:
            return None
        if area is not None and area != self.model.area_id:
            return None
        return self.model.stream_url

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType:
        return AreaType.from_model(await hazard_loaders.areas(info.context).load(self.model.area_id))

    @strawberry.field(description="The active danger zones.")
    async def zones(self, info: Info[Context, None]) -> list[DangerZoneType]:
        return [DangerZoneType.from_model(z) for z in await loaders.zones(info.context).load(self.model.id)]


@strawberry.type(name="VisionEvent", description="A rule that fired in an analysed video.")
class VisionEventType:
    model: strawberry.Private[VisionEventRecord]
    id: strawberry.ID
    job_id: strawberry.ID
    event_key: str
    rule: ZoneRuleType  # type: ignore[valid-type]
    track_id: int | None
    video_time_s: float
    confidence: float
    detail: str
    occurred_at: datetime
    alert_id: strawberry.ID | None

    @classmethod
    def from_model(cls, record: VisionEventRecord) -> VisionEventType:
        return cls(model=record, id=_id(record.id), job_id=_id(record.job_id), event_key=record.event_key,
                   rule=record.rule, track_id=record.track_id, video_time_s=record.video_time_s,
                   confidence=record.confidence, detail=record.detail, occurred_at=record.occurred_at,
                   alert_id=_optional_id(record.alert_id))

    @strawberry.field(description="A signed URL to the annotated JPEG, valid for an hour (null when none).")
    async def snapshot_url(self, info: Info[Context, None]) -> str | None:
        if not self.model.snapshot_key:
            return None
        ctx = info.context
        return await download_url(store=ctx.store, settings=ctx.settings, key=self.model.snapshot_key)

    @strawberry.field
    async def zone(self, info: Info[Context, None]) -> DangerZoneType | None:
        if self.model.zone_id is None:
            return None
        zone = await loaders.zone(info.context).load(self.model.zone_id)
        return DangerZoneType.from_model(zone) if zone else None

    @strawberry.field
    async def camera(self, info: Info[Context, None]) -> CameraType:
        return CameraType.from_model(await loaders.cameras(info.context).load(self.model.camera_id))

    @strawberry.field(description="The hazard this event opened, by the mine's policy.")
    async def hazard(self, info: Info[Context, None]) -> HazardType | None:
        if self.model.hazard_id is None:
            return None
        hazard = await loaders.hazards(info.context).load(self.model.hazard_id)
        return HazardType.from_model(hazard) if hazard else None


@strawberry.type(name="VisionJob", description="One inspection video queued for analysis.")
class VisionJobType:
    model: strawberry.Private[VisionJob]
    id: strawberry.ID
    state: VisionJobStateType  # type: ignore[valid-type]
    attempts: int
    max_attempts: int
    worker_id: str | None
    lease_expires_at: datetime | None
    progress: float
    frames_analysed: int
    video_key: str
    video_size: BigInt = strawberry.field(description="bytes")  # type: ignore[valid-type]
    recorded_at: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    failure_reason: str | None
    summary: JSON | None

    @classmethod
    def from_model(cls, job: VisionJob) -> VisionJobType:
        return cls(model=job, id=_id(job.id), state=job.state, attempts=job.attempts, max_attempts=job.max_attempts,
                   worker_id=job.worker_id, lease_expires_at=job.lease_expires_at, progress=job.progress,
                   frames_analysed=job.frames_analysed, video_key=job.video_key, video_size=job.video_size,
                   recorded_at=job.recorded_at, created_at=job.created_at, started_at=job.started_at,
                   finished_at=job.finished_at, failure_reason=job.failure_reason, summary=job.summary)

    @strawberry.field
    async def camera(self, info: Info[Context, None]) -> CameraType:
        return CameraType.from_model(await loaders.cameras(info.context).load(self.model.camera_id))

    @strawberry.field
    async def events(self, info: Info[Context, None]) -> list[VisionEventType]:
        return [VisionEventType.from_model(e) for e in await loaders.job_events(info.context).load(self.model.id)]


@strawberry.type(description="Everything a worker needs for one leased job.")
class VisionJobClaim:
    job: VisionJobType
    camera: CameraType
    video_url: str = strawberry.field(description="a signed download URL of the video")
    zones: list[DangerZoneType]
    sample_fps: float
    model: str | None = strawberry.field(description="the mine's detector; null: the worker's default")
    class_rules: JSON = strawberry.field(description="detector class → rule it raises")
    open_hazard_rules: list[ZoneRuleType]  # type: ignore[valid-type]
    lease_expires_at: datetime
    attempt: int
    is_drill: bool = strawberry.field(default=False, description="a drill's video (issue 16): the worker stages the "
                                      "drill's person down in it instead of running the detector; the same rules")


@strawberry.type
class RuleSeverity:
    rule: ZoneRuleType  # type: ignore[valid-type]
    severity: AlertSeverityType  # type: ignore[valid-type]


@strawberry.type(name="VisionPolicy", description="A mine's vision settings.")
class VisionPolicyType:
    open_hazard_rules: list[ZoneRuleType] = strawberry.field(  # type: ignore[valid-type]
        description="rules whose events open a hazard (a zone may override)")
    severities: list[RuleSeverity] = strawberry.field(description="the alert severity of each rule's events")
    sample_fps: float
    max_attempts: int
    max_lease_seconds: int
    model: str | None
    class_rules: JSON

    @classmethod
    def from_policy(cls, policy: VisionPolicy) -> VisionPolicyType:
        return cls(open_hazard_rules=list(policy.open_hazard_rules),
                   severities=[RuleSeverity(rule=rule, severity=policy.severity_of(rule)) for rule in ZoneRule],
                   sample_fps=policy.sample_fps, max_attempts=policy.max_attempts,
                   max_lease_seconds=policy.max_lease_seconds, model=policy.model,
                   class_rules={k: v.value for k, v in policy.class_rules.items()})


@strawberry.type(description="The queue has no job to claim right now.")
class NoVisionJob:
    message: str


@strawberry.type(description="What a report of events came to.")
class VisionEventsAccepted:
    created: int
    duplicates: int
    alerts_raised: int
    hazards_opened: int
    events: list[VisionEventType]


@strawberry.type
class VisionJobEdge:
    cursor: str
    node: VisionJobType


@strawberry.type
class VisionJobConnection:
    edges: list[VisionJobEdge]
    page_info: PageInfo


@strawberry.input
class ZonePointInput:
    x: float
    y: float


@strawberry.input
class RegisterCameraInput:
    code: str
    name: str
    kind: CameraKindType  # type: ignore[valid-type]
    area_id: strawberry.ID
    stream_url: str | None = None
    frame_width: int | None = None
    frame_height: int | None = None
    device_id: strawberry.ID | None = strawberry.field(default=None, description="the device token it submits with")


@strawberry.input
class UpdateCameraInput:
    camera_id: strawberry.ID
    name: str | None = None
    stream_url: str | None = None
    device_id: strawberry.ID | None = None
    active: bool | None = None


@strawberry.input
class DefineDangerZoneInput:
    camera_id: strawberry.ID
    name: str
    rule: ZoneRuleType  # type: ignore[valid-type]
    points: list[ZonePointInput]
    coords: ZoneCoordsType = ZoneCoords.NORMALISED  # type: ignore[valid-type]
    max_people: int | None = None
    dwell_seconds: float | None = None
    detector_class: str | None = None
    open_hazard: bool | None = strawberry.field(default=None, description="null: the mine's policy decides")


@strawberry.input
class SubmitInspectionVideoInput:
    client_id: strawberry.ID = strawberry.field(description="a UUID made by the device; retries reuse it")
    object_key: str
    recorded_at: datetime
    camera_id: strawberry.ID | None = None
    robot_id: strawberry.ID | None = None


@strawberry.input
class ClaimVisionJobInput:
    worker_id: str
    lease_seconds: int = 120


@strawberry.input
class VisionJobProgressInput:
    job_id: strawberry.ID
    worker_id: str
    progress: float
    frames_analysed: int = 0
    lease_seconds: int = 120


@strawberry.input
class CompleteVisionJobInput:
    job_id: strawberry.ID
    worker_id: str
    summary: JSON | None = None
    frames_analysed: int | None = strawberry.field(
        default=None, description="the final count; null: the summary's frames_analysed, else the last progress")


@strawberry.input
class FailVisionJobInput:
    job_id: strawberry.ID
    worker_id: str
    reason: str
    retry: bool = strawberry.field(default=False, description="queue again while attempts are left")


@strawberry.input
class VisionEventInput:
    event_key: str
    rule: ZoneRuleType  # type: ignore[valid-type]
    video_time_s: float
    confidence: float
    zone_id: strawberry.ID | None = None
    track_id: int | None = None
    snapshot_key: str | None = None
    detail: str = ""


@strawberry.input
class ReportVisionEventsInput:
    job_id: strawberry.ID
    worker_id: str
    events: list[VisionEventInput]


@strawberry.input
class RuleSeverityInput:
    rule: ZoneRuleType  # type: ignore[valid-type]
    severity: AlertSeverityType  # type: ignore[valid-type]


@strawberry.input(description="Only the fields given change.")
class SetVisionPolicyInput:
    open_hazard_rules: list[ZoneRuleType] | None = None  # type: ignore[valid-type]
    severities: list[RuleSeverityInput] | None = None
    sample_fps: float | None = None
    max_attempts: int | None = None
    max_lease_seconds: int | None = None
    model: str | None = strawberry.field(default=None, description="an empty string: back to the worker's default")
    class_rules: JSON | None = None


CameraResult = Annotated[
    CameraType | NotAllowedType | NotFoundType | ValidationFailedType, strawberry.union("CameraResult")]
DangerZoneResult = Annotated[
    DangerZoneType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
    strawberry.union("DangerZoneResult")]
VisionJobResult = Annotated[
    VisionJobType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
    strawberry.union("VisionJobResult")]
ClaimVisionJobResult = Annotated[VisionJobClaim | NoVisionJob | NotAllowedType | ValidationFailedType,
                                 strawberry.union("ClaimVisionJobResult")]
VisionPolicyResult = Annotated[
    VisionPolicyType | NotAllowedType | ValidationFailedType, strawberry.union("VisionPolicyResult")]
ReportVisionEventsResult = Annotated[
    VisionEventsAccepted | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
    strawberry.union("ReportVisionEventsResult")]
