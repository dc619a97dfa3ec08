"""Vision queries and plain writes (never commits), including the atomic job claim."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database import tenancy
from backend.database.pagination import decode_cursor, encode_cursor
from backend.database.tenancy import sqlite_write_lock
from backend.errors import NotFound, ValidationFailed
from backend.hazards.service import MAX_PAGE_SIZE
from backend.vision.models import Camera, DangerZone, VisionEventRecord, VisionJob
from backend.vision.rules import VisionJobState

MAX_EVENTS = 500




# --- cameras and zones ----------------------------------------------------------------------
async def get_camera_in_mine_or_raise(*, session: AsyncSession, camera_id: uuid.UUID, mine_id: uuid.UUID) -> Camera:
    """A camera or robot of the mine; another mine's looks like a missing one."""
    camera = await session.get(Camera, camera_id)
    if camera is None or camera.mine_id != mine_id:
        raise NotFound("no such camera or robot")
    return camera


async def get_camera_by_code(*, session: AsyncSession, mine_id: uuid.UUID, code: str) -> Camera | None:
    return await session.scalar(select(Camera).where(Camera.mine_id == mine_id, Camera.code == code))


async def list_cameras(*, session: AsyncSession, mine_id: uuid.UUID, area_id: uuid.UUID | None = None,
                       include_inactive: bool = False) -> Sequence[Camera]:
    query = select(Camera).where(Camera.mine_id == mine_id).order_by(Camera.code)
    if area_id is not None:
        query = query.where(Camera.area_id == area_id)
    if not include_inactive:
        query = query.where(Camera.is_active.is_(True))
    return (await session.scalars(query)).all()


async def cameras_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Camera | None]:
    rows = {c.id: c for c in await session.scalars(select(Camera).where(Camera.id.in_(set(ids))))}
    return [rows.get(i) for i in ids]


async def zones_by_camera(session: AsyncSession, camera_ids: Sequence[uuid.UUID]) -> list[list[DangerZone]]:
    """The active zones of each camera, oldest first, for a DataLoader."""
    rows = await session.scalars(select(DangerZone).where(DangerZone.camera_id.in_(set(camera_ids)),
                                                          DangerZone.is_active.is_(True))
                                 .order_by(DangerZone.created_at, DangerZone.id))
    grouped: dict[uuid.UUID, list[DangerZone]] = defaultdict(list)
    for zone in rows:
        grouped[zone.camera_id].append(zone)
    return [grouped.get(i, []) for i in camera_ids]


async def zones_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[DangerZone | None]:
    rows = {z.id: z for z in await session.scalars(select(DangerZone).where(DangerZone.id.in_(set(ids))))}
    return [rows.get(i) for i in ids]


async def get_zone_in_mine_or_raise(*, session: AsyncSession, zone_id: uuid.UUID, mine_id: uuid.UUID) -> DangerZone:
    zone = await session.get(DangerZone, zone_id)
    if zone is None or zone.mine_id != mine_id:
        raise NotFound("no such danger zone")
    return zone


async def all_zones_of(*, session: AsyncSession, camera_id: uuid.UUID) -> dict[uuid.UUID, DangerZone]:
    """Every zone a camera ever had (an event may name a zone retired while its job ran)."""
    rows = await session.scalars(select(DangerZone).where(DangerZone.camera_id == camera_id))
    return {zone.id: zone for zone in rows}


# --- jobs -----------------------------------------------------------------------------------
async def get_job(*, session: AsyncSession, job_id: uuid.UUID) -> VisionJob | None:
    return await session.get(VisionJob, job_id)


async def get_job_in_mine_or_raise(*, session: AsyncSession, job_id: uuid.UUID, mine_id: uuid.UUID,
                                   for_update: bool = False) -> VisionJob:
    """The job, locked when for_update (on SQLite: the write lock first); another mine's is missing."""
    if for_update:
        await sqlite_write_lock(session, mine_id)
    job = await session.get(VisionJob, job_id, with_for_update=for_update, populate_existing=for_update)
    if job is None or job.mine_id != mine_id:
        raise NotFound("no such vision job")
    return job


@dataclass(frozen=True, slots=True)
class JobPage:
    jobs: Sequence[VisionJob]
    has_next_page: bool
    end_cursor: str | None


async def list_jobs_page(*, session: AsyncSession, mine_id: uuid.UUID, states: Sequence[VisionJobState],
                         camera_id: uuid.UUID | None, area_id: uuid.UUID | None, first: int,
                         after: str | None) -> JobPage:
    """Newest first, paginated by an opaque (created_at, id) cursor."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE_SIZE}", field="first")
    query = select(VisionJob).where(VisionJob.mine_id == mine_id)
    if states:
        query = query.where(VisionJob.state.in_(list(states)))
    if camera_id is not None:
        query = query.where(VisionJob.camera_id == camera_id)
    if area_id is not None:
        query = query.where(VisionJob.area_id == area_id)
    if after:
        created, job_id = decode_cursor(after)
        query = query.where(or_(VisionJob.created_at < created,
                                and_(VisionJob.created_at == created, VisionJob.id < job_id)))
    rows = (await session.scalars(query.order_by(VisionJob.created_at.desc(), VisionJob.id.desc())
                                  .limit(first + 1))).all()
    page = rows[:first]
    return JobPage(jobs=page, has_next_page=len(rows) > first,
                   end_cursor=encode_cursor(page[-1].created_at, page[-1].id) if page else None)


async def next_claimable(*, session: AsyncSession, mine_id: uuid.UUID, now: datetime) -> VisionJob | None:
    """The oldest queued job, or running one whose lease ran out, locked for this transaction.

    PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent claimers each lock a different row. SQLite:
    the caller holds the database write lock (sqlite_write_lock), so claimers run one at a time.
    """
    query = (select(VisionJob)
             .where(VisionJob.mine_id == mine_id,
                    or_(VisionJob.state == VisionJobState.QUEUED,
                        and_(VisionJob.state == VisionJobState.RUNNING, VisionJob.lease_expires_at <= now)))
             .order_by(VisionJob.created_at, VisionJob.id).limit(1)
             .execution_options(populate_existing=True))
    if tenancy.is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return await session.scalar(query)


async def take_job(*, session: AsyncSession, job: VisionJob, values: dict[str, object]) -> bool:
    """Change a job only if nobody changed it since it was read (state and attempts unchanged)."""
    result = await session.execute(
        update(VisionJob)
        .where(VisionJob.id == job.id, VisionJob.state == job.state, VisionJob.attempts == job.attempts)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    await session.refresh(job)
    return True


# --- events ---------------------------------------------------------------------------------
async def events_by_keys(*, session: AsyncSession, job_id: uuid.UUID,
                         keys: Sequence[str]) -> dict[str, VisionEventRecord]:
    rows = await session.scalars(select(VisionEventRecord).where(VisionEventRecord.job_id == job_id,
                                                                 VisionEventRecord.event_key.in_(set(keys))))
    return {row.event_key: row for row in rows}


async def list_events(*, session: AsyncSession, mine_id: uuid.UUID, job_id: uuid.UUID | None,
                      camera_id: uuid.UUID | None, area_id: uuid.UUID | None = None,
                      first: int = 100) -> Sequence[VisionEventRecord]:
    """A job's events in video order, or a camera's newest first."""
    if not 1 <= first <= MAX_EVENTS:
        raise ValidationFailed(f"first must be between 1 and {MAX_EVENTS}", field="first")
    query = select(VisionEventRecord).where(VisionEventRecord.mine_id == mine_id)
    if job_id is not None:
        query = query.where(VisionEventRecord.job_id == job_id).order_by(VisionEventRecord.video_time_s,
                                                                         VisionEventRecord.event_key)
    else:
        query = query.order_by(VisionEventRecord.occurred_at.desc(), VisionEventRecord.id)
    if camera_id is not None:
        query = query.where(VisionEventRecord.camera_id == camera_id)
    if area_id is not None:
        query = query.where(VisionEventRecord.camera_id.in_(select(Camera.id).where(Camera.area_id == area_id)))
    return (await session.scalars(query.limit(first))).all()


async def events_by_job(session: AsyncSession, job_ids: Sequence[uuid.UUID]) -> list[list[VisionEventRecord]]:
    rows = await session.scalars(select(VisionEventRecord).where(VisionEventRecord.job_id.in_(set(job_ids)))
                                 .order_by(VisionEventRecord.video_time_s, VisionEventRecord.event_key))
    grouped: dict[uuid.UUID, list[VisionEventRecord]] = defaultdict(list)
    for row in rows:
        grouped[row.job_id].append(row)
    return [grouped.get(i, []) for i in job_ids]
