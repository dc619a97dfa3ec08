"""Vision queries (cameras, jobs, events) and mutations (configuration, submission, the worker's queue)."""

from __future__ import annotations

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.types import Info

from backend.database.pagination import encode_cursor
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.hazards.types import PageInfo
from backend.vision import flows, service
from backend.vision.permissions import CanSeeVisionResults
from backend.vision.rules import VisionJobState
from backend.vision.types import (
    CameraResult,
    CameraType,
    ClaimVisionJobInput,
    ClaimVisionJobResult,
    CompleteVisionJobInput,
    DangerZoneResult,
    DangerZoneType,
    DefineDangerZoneInput,
    FailVisionJobInput,
    NoVisionJob,
    RegisterCameraInput,
    ReportVisionEventsInput,
    ReportVisionEventsResult,
    SetVisionPolicyInput,
    SubmitInspectionVideoInput,
    UpdateCameraInput,
    VisionEventsAccepted,
    VisionEventType,
    VisionJobClaim,
    VisionJobConnection,
    VisionJobEdge,
    VisionJobProgressInput,
    VisionJobResult,
    VisionJobStateType,
    VisionJobType,
    VisionPolicyResult,
    VisionPolicyType,
)


@strawberry.type
class Query:
    @strawberry.field(description="Cameras and robots of the caller's mine (optionally of one area).")
    async def cameras(self, info: Info[Context, None], area_id: strawberry.ID | None = None,
                      include_inactive: bool = False) -> list[CameraType]:
        ctx = info.context
        principal = ctx.person()
        found = await service.list_cameras(session=ctx.session, mine_id=principal.mine_id,
                                           area_id=parse_optional_id(area_id, "areaId"),
                                           include_inactive=include_inactive)
        return [CameraType.from_model(c) for c in found]

    @strawberry.field(description="The mine's vision policy: which rules open hazards, severities, sampling.")
    async def vision_policy(self, info: Info[Context, None]) -> VisionPolicyType:
        ctx = info.context
        principal = ctx.person()
        CanSeeVisionResults.check(principal)
        return VisionPolicyType.from_policy(await flows.policy_of(ctx.session, mine_id=principal.mine_id))

    @strawberry.field(description="Analysis jobs, newest first, by cursor.")
    async def vision_jobs(self, info: Info[Context, None], states: list[VisionJobStateType] | None = None,  # type: ignore[valid-type]
                          camera_id: strawberry.ID | None = None, first: int = 20,
                          after: str | None = None) -> VisionJobConnection:
        ctx = info.context
        principal = ctx.person()
        CanSeeVisionResults.check(principal)
        page = await service.list_jobs_page(
            session=ctx.session, mine_id=principal.mine_id, states=[VisionJobState(s) for s in states or ()],
            camera_id=parse_optional_id(camera_id, "cameraId"), area_id=CanSeeVisionResults.area_limit(principal),
            first=first, after=after)
        return VisionJobConnection(
            edges=[VisionJobEdge(cursor=encode_cursor(j.created_at, j.id), node=VisionJobType.from_model(j))
                   for j in page.jobs],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor))

    @strawberry.field
    async def vision_job(self, info: Info[Context, None], id: strawberry.ID) -> VisionJobType | None:
        ctx = info.context
        principal = ctx.person()
        CanSeeVisionResults.check(principal)
        job = await service.get_job(session=ctx.session, job_id=parse_id(id, "id"))
        area = CanSeeVisionResults.area_limit(principal)
        if job is None or job.mine_id != principal.mine_id or (area is not None and job.area_id != area):
            return None
        return VisionJobType.from_model(job)

    @strawberry.field(description="Events of one job (in video order) or of a camera (newest first).")
    async def vision_events(self, info: Info[Context, None], job_id: strawberry.ID | None = None,
                            camera_id: strawberry.ID | None = None, first: int = 100) -> list[VisionEventType]:
        ctx = info.context
        principal = ctx.person()
        CanSeeVisionResults.check(principal)
        found = await service.list_events(
            session=ctx.session, mine_id=principal.mine_id, job_id=parse_optional_id(job_id, "jobId"),
            camera_id=parse_optional_id(camera_id, "cameraId"), area_id=CanSeeVisionResults.area_limit(principal),
            first=first)
        return [VisionEventType.from_model(e) for e in found]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Register a camera or robot in an area (admins; area managers: own area).")
    @returns_domain_errors
    async def register_camera(self, info: Info[Context, None], input: RegisterCameraInput) -> CameraResult:
        ctx = info.context
        camera = await flows.register_camera(
            ctx.session, actor=ctx.person(), code=input.code, name=input.name, kind=input.kind,
            area_id=parse_id(input.area_id, "areaId"), stream_url=input.stream_url, frame_width=input.frame_width,
            frame_height=input.frame_height, device_id=parse_optional_id(input.device_id, "deviceId"))
        await ctx.commit()
        return CameraType.from_model(camera)

    @strawberry.mutation(description="Rename, re-point, bind a device to or (de)activate a camera or robot.")
    @returns_domain_errors
    async def update_camera(self, info: Info[Context, None], input: UpdateCameraInput) -> CameraResult:
        ctx = info.context
        camera = await flows.update_camera(
            ctx.session, actor=ctx.person(), camera_id=parse_id(input.camera_id, "cameraId"), name=input.name,
            stream_url=input.stream_url, device_id=parse_optional_id(input.device_id, "deviceId"),
            active=input.active)
        await ctx.commit()
        return CameraType.from_model(camera)

    @strawberry.mutation(description="Draw a danger zone on a camera's view with its rule.")
    @returns_domain_errors
    async def define_danger_zone(self, info: Info[Context, None], input: DefineDangerZoneInput) -> DangerZoneResult:
        ctx = info.context
        zone = await flows.define_zone(ctx.session, actor=ctx.person(), camera_id=parse_id(input.camera_id, "cameraId"),
                                       data=flows.ZoneData(
                                           name=input.name, rule=input.rule, coords=input.coords,
                                           points=[(p.x, p.y) for p in input.points], max_people=input.max_people,
                                           dwell_seconds=input.dwell_seconds, detector_class=input.detector_class,
                                           open_hazard=input.open_hazard))
        await ctx.commit()
        return DangerZoneType.from_model(zone)

    @strawberry.mutation(description="Stop watching a danger zone (it stays on record).")
    @returns_domain_errors
    async def retire_danger_zone(self, info: Info[Context, None], zone_id: strawberry.ID) -> DangerZoneResult:
        ctx = info.context
        zone = await flows.retire_zone(ctx.session, actor=ctx.person(), zone_id=parse_id(zone_id, "zoneId"))
        await ctx.commit()
        return DangerZoneType.from_model(zone)

    @strawberry.mutation(description="Change the mine's vision policy (admins and mine managers; audited).")
    @returns_domain_errors
    async def set_vision_policy(self, info: Info[Context, None], input: SetVisionPolicyInput) -> VisionPolicyResult:
        ctx = info.context
        changes = {
            "open_hazard_rules": input.open_hazard_rules, "sample_fps": input.sample_fps,
            "max_attempts": input.max_attempts, "max_lease_seconds": input.max_lease_seconds, "model": input.model,
            "class_rules": input.class_rules,
            "severity": {s.rule.value: s.severity.value for s in input.severities} if input.severities else None}
        policy = await flows.set_policy(ctx.session, actor=ctx.person(), changes=changes)
        await ctx.commit()
        return VisionPolicyType.from_policy(policy)

    @strawberry.mutation(description="Queue an uploaded inspection video (robot or camera token); retries reuse "
                                     "clientId.")
    @returns_domain_errors
    async def submit_inspection_video(self, info: Info[Context, None],
                                      input: SubmitInspectionVideoInput) -> VisionJobResult:
        ctx = info.context
        actor = ctx.authenticated()
        for attempt in range(2):
            try:
                job = await flows.submit_video(
                    ctx.session, store=ctx.store, actor=actor, client_id=parse_id(input.client_id, "clientId"),
                    camera_id=parse_optional_id(input.camera_id, "cameraId"),
                    robot_id=parse_optional_id(input.robot_id, "robotId"), object_key=input.object_key,
                    recorded_at=input.recorded_at)
                await ctx.commit()
                break
            except IntegrityError:
                # a retry of this submission committed first: once rolled back, the next attempt returns it
                await ctx.rollback()
                if attempt:
                    raise
        return VisionJobType.from_model(job)

    @strawberry.mutation(description="Lease the oldest waiting job (vision worker token).")
    @returns_domain_errors
    async def claim_vision_job(self, info: Info[Context, None], input: ClaimVisionJobInput) -> ClaimVisionJobResult:
        ctx = info.context
        claimed = await flows.claim(ctx.session, store=ctx.store, settings=ctx.settings, actor=ctx.authenticated(),
                                    worker_id=input.worker_id, lease_seconds=input.lease_seconds)
        await ctx.commit()
        if claimed is None:
            return NoVisionJob(message="no job is waiting")
        job, policy = claimed.job, claimed.policy
        return VisionJobClaim(
            job=VisionJobType.from_model(job), camera=CameraType.from_model(claimed.camera),
            video_url=claimed.video_url, zones=[DangerZoneType.from_model(z) for z in claimed.zones],
            sample_fps=policy.sample_fps, model=policy.model,
            class_rules={k: v.value for k, v in policy.class_rules.items()},
            open_hazard_rules=list(policy.open_hazard_rules),
            lease_expires_at=job.lease_expires_at, attempt=job.attempts, is_drill=job.drill_id is not None)

    @strawberry.mutation(description="Progress of a leased job; renews the lease.")
    @returns_domain_errors
    async def report_vision_job_progress(self, info: Info[Context, None],
                                         input: VisionJobProgressInput) -> VisionJobResult:
        ctx = info.context
        job = await flows.report_progress(
            ctx.session, actor=ctx.authenticated(), job_id=parse_id(input.job_id, "jobId"), worker_id=input.worker_id,
            progress=input.progress, frames_analysed=input.frames_analysed, lease_seconds=input.lease_seconds)
        await ctx.commit()
        return VisionJobType.from_model(job)

    @strawberry.mutation(description="The whole video was analysed; retries are harmless.")
    @returns_domain_errors
    async def complete_vision_job(self, info: Info[Context, None], input: CompleteVisionJobInput) -> VisionJobResult:
        ctx = info.context
        job = await flows.complete(ctx.session, actor=ctx.authenticated(), job_id=parse_id(input.job_id, "jobId"),
                                   worker_id=input.worker_id,
                                   summary=input.summary if isinstance(input.summary, dict) else None,
                                   frames_analysed=input.frames_analysed)
        await ctx.commit()
        return VisionJobType.from_model(job)

    @strawberry.mutation(description="The video could not be analysed: fail the job with the reason.")
    @returns_domain_errors
    async def fail_vision_job(self, info: Info[Context, None], input: FailVisionJobInput) -> VisionJobResult:
        ctx = info.context
        job = await flows.fail(ctx.session, actor=ctx.authenticated(), job_id=parse_id(input.job_id, "jobId"),
                               worker_id=input.worker_id, reason=input.reason, retry=input.retry)
        await ctx.commit()
        return VisionJobType.from_model(job)

    @strawberry.mutation(description="Events a worker found; each new one raises an alert (retries never duplicate).")
    @returns_domain_errors
    async def report_vision_events(self, info: Info[Context, None],
                                   input: ReportVisionEventsInput) -> ReportVisionEventsResult:
        ctx = info.context
        events = [flows.EventData(
            event_key=e.event_key, rule=e.rule, zone_id=parse_optional_id(e.zone_id, "zoneId"), track_id=e.track_id,
            video_time_s=e.video_time_s, confidence=e.confidence, snapshot_key=e.snapshot_key, detail=e.detail)
            for e in input.events]
        outcome = await flows.report_events(ctx.session, store=ctx.store, actor=ctx.authenticated(),
                                            job_id=parse_id(input.job_id, "jobId"), worker_id=input.worker_id,
                                            events=events)
        await ctx.commit()
        return VisionEventsAccepted(created=outcome.created, duplicates=outcome.duplicates,
                                    alerts_raised=outcome.alerts_raised, hazards_opened=outcome.hazards_opened,
                                    events=[VisionEventType.from_model(e) for e in outcome.events])
