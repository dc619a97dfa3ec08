"""Cameras and robots, their danger zones, analysis jobs and the events a job found."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from backend.vision.rules import CameraKind, VisionJobState, ZoneCoords, ZoneRule


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class Camera(IdMixin, TimestampMixin, Base):
    """A fixed camera or an inspection robot's camera, registered in one area of a mine."""

    __tablename__ = "vision_cameras"
    __table_args__ = (UniqueConstraint("mine_id", "code"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CameraKind] = mapped_column(_enum(CameraKind))
    stream_url: Mapped[str | None] = mapped_column(String(500), default=None)
    frame_width: Mapped[int | None] = mapped_column(default=None)
    frame_height: Mapped[int | None] = mapped_column(default=None)
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id"), default=None)
    is_active: Mapped[bool] = mapped_column(default=True)


class DangerZone(IdMixin, TimestampMixin, Base):
    """A polygon on one camera's view with its rule. Never edited: retired and replaced."""

    __tablename__ = "vision_zones"

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vision_cameras.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[ZoneRule] = mapped_column(_enum(ZoneRule))
    coords: Mapped[ZoneCoords] = mapped_column(_enum(ZoneCoords))
    points: Mapped[list[Any]] = mapped_column()
    max_people: Mapped[int | None] = mapped_column(default=None)
    dwell_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    detector_class: Mapped[str | None] = mapped_column(String(64), default=None)
    open_hazard: Mapped[bool | None] = mapped_column(default=None)  # None: the mine's policy decides
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class VisionJob(TimestampMixin, Base):
    """One uploaded video to analyse. Its id is the submitting device's client id (retries never duplicate)."""

    __tablename__ = "vision_jobs"
    __table_args__ = (
        Index("ix_vision_jobs_queue", "mine_id", "state", "created_at"),
        Index("ix_vision_jobs_camera", "camera_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vision_cameras.id"))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    submitted_by: Mapped[uuid.UUID]
    video_key: Mapped[str] = mapped_column(String(300))
    video_size: Mapped[int] = mapped_column(BigInteger, default=0)
    recorded_at: Mapped[datetime]
    state: Mapped[VisionJobState] = mapped_column(_enum(VisionJobState), default=VisionJobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    worker_id: Mapped[str | None] = mapped_column(String(100), default=None)
    # the vision-worker device holding the lease: a worker id alone (shown in visionJobs) proves nothing
    worker_device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id"), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    frames_analysed: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    failure_reason: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    drill_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drills.id"), default=None, index=True)
    """A drill's video (issue 16): the worker stages the drill's person down in it, its events raise drill alerts
    and open drill hazards only. None for every real job."""


class VisionEventRecord(IdMixin, Base):
    """A rule that fired in a job's video; (job, event key) is unique so a retried report never duplicates."""

    __tablename__ = "vision_events"
    __table_args__ = (
        UniqueConstraint("job_id", "event_key"),
        Index("ix_vision_events_camera", "camera_id", "occurred_at"),
    )

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vision_jobs.id"))
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vision_cameras.id"))
    zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vision_zones.id"), default=None)
    event_key: Mapped[str] = mapped_column(String(200))
    rule: Mapped[ZoneRule] = mapped_column(_enum(ZoneRule))
    track_id: Mapped[int | None] = mapped_column(default=None)
    video_time_s: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text)
    snapshot_key: Mapped[str | None] = mapped_column(String(300), default=None)
    occurred_at: Mapped[datetime]
    alert_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hazards.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
