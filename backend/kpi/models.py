"""Device maintenance plans and records; assessment schemes, their monthly runs and the scores they gave."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from backend.kpi.rules import DeviceKind


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class MaintenancePlan(IdMixin, TimestampMixin, Base):
    """One smart device (a sensor, camera or robot) to be maintained every `interval_days`."""

    __tablename__ = "maintenance_plans"
    __table_args__ = (UniqueConstraint("mine_id", "device_kind", "device_id"),
                      Index("ix_maintenance_plans_mine_area", "mine_id", "area_id"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    device_kind: Mapped[DeviceKind] = mapped_column(_enum(DeviceKind))
    device_id: Mapped[uuid.UUID]
    """The sensor's or camera's id (a robot is a camera of kind ROBOT); no foreign key: three tables."""
    device_name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    interval_days: Mapped[float] = mapped_column(Float)
    responsible_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    starts_at: Mapped[datetime]
    is_active: Mapped[bool] = mapped_column(default=True)


class MaintenanceRecord(Base):
    """One maintenance done: who, when, what. The id is the client's, so a retry never records it twice."""

    __tablename__ = "maintenance_records"
    __table_args__ = (Index("ix_maintenance_records_plan", "plan_id", "performed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("maintenance_plans.id"))
    performed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    performed_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentScheme(IdMixin, Base):
    """A mine's indicators with weights, targets and rules; a new version supersedes the last, never edits it."""

    __tablename__ = "assessment_schemes"
    __table_args__ = (UniqueConstraint("mine_id", "version"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    indicators: Mapped[list[Any]] = mapped_column()
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)


class AssessmentRun(IdMixin, Base):
    """One computation of a month's scores with one scheme; a later run of the same month supersedes it."""

    __tablename__ = "assessment_runs"
    __table_args__ = (Index("ix_assessment_runs_mine_month", "mine_id", "month", "computed_at"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    scheme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment_schemes.id"))
    month: Mapped[str] = mapped_column(String(7))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    computed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)


class AssessmentScore(IdMixin, Base):
    """One unit's score in one run, its rank among the units of its kind, and the points each indicator cost."""

    __tablename__ = "assessment_scores"
    __table_args__ = (Index("ix_assessment_scores_run_kind", "run_id", "unit_kind", "rank"),
                      Index("ix_assessment_scores_unit", "mine_id", "unit_kind", "unit_id"))

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment_runs.id"))
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    month: Mapped[str] = mapped_column(String(7))
    unit_kind: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[str] = mapped_column(String(64))
    unit_name: Mapped[str] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float, default=None)
    rank: Mapped[int | None] = mapped_column(default=None)
    breakdown: Mapped[list[Any]] = mapped_column(default=list)
