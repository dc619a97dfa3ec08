"""Permit kinds (data, per mine), permits, their approvals, gas tests, photos and blasting tokens."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from backend.permits.rules import BlastRole, GasTestSource, GasTestStage, PermitGrade, PermitState


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class PermitKind(IdMixin, TimestampMixin, Base):
    """A kind of hazardous work a mine permits: grades (approver roles, validity), measures, rules."""

    __tablename__ = "permit_kinds"
    __table_args__ = (UniqueConstraint("mine_id", "code"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    names: Mapped[dict[str, Any]] = mapped_column(JSON)
    grades: Mapped[list[Any]] = mapped_column(JSON)
    """[{"grade": "FIRST", "approver_roles": ["area_manager", …], "validity_hours": 8}, …]"""
    measures: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """[{"code": …, "names": {"zh": …, "en": …}}, …]: the checklist the work leader confirms."""
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """ch4_limit, underground_approver, conflicts_with, blasting, isolation (rules.KindSpec)."""
    is_active: Mapped[bool] = mapped_column(default=True)


class Permit(TimestampMixin, Base):
    """One permit; its id is the applying client's own id, so a retried application never duplicates."""

    __tablename__ = "permits"
    __table_args__ = (
        Index("ix_permits_mine_state", "mine_id", "state"),
        Index("ix_permits_mine_area", "mine_id", "area_id", "state"),
        Index("ix_permits_mine_created", "mine_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    kind_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("permit_kinds.id"))
    kind_code: Mapped[str] = mapped_column(String(64))
    grade: Mapped[PermitGrade] = mapped_column(_enum(PermitGrade))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    risk_point_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    """The risk point the work is on (issue 13's risks; no foreign key: checked when that domain exists)."""
    power_zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sensor_power_zones.id"), default=None)
    """Isolation: the zone it switches off; other work: the equipment's zone, which must be isolated."""
    state: Mapped[PermitState] = mapped_column(_enum(PermitState), default=PermitState.APPLIED)
    description: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    work_leader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    guardian_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    crew: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """User ids (text) of the crew; with the work leader and the guardian, the people allowed in the area."""
    blast_roles: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Blasting: {"blaster": id, "team_leader": id, "gas_inspector": id} (三人连锁放炮)."""
    measures_confirmed: Mapped[list[Any]] = mapped_column(JSON, default=list)
    required_roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    underground: Mapped[bool] = mapped_column(default=True)

    started_at: Mapped[datetime | None] = mapped_column(default=None)
    suspended_at: Mapped[datetime | None] = mapped_column(default=None)
    suspend_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """[{"cause": "ALARM", "detail": …, "at": iso}] while SUSPENDED; emptied on resume."""
    suspensions: Mapped[int] = mapped_column(default=0)
    token_passes: Mapped[int] = mapped_column(default=0)
    fired_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closing_note: Mapped[str | None] = mapped_column(Text, default=None)
    ended_reason: Mapped[str | None] = mapped_column(Text, default=None)
    """Why it was rejected, cancelled or expired."""
    drill_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drills.id"), default=None, index=True)
    """A drill's permit (issue 16): opened for the drill, suspended by the interlock on that drill's alarms only;
    never in real permit lists, conflicts, zone isolation or the sweep. None for every real permit."""


class PermitApproval(IdMixin, Base):
    __tablename__ = "permit_approvals"
    __table_args__ = (UniqueConstraint("permit_id", "role", name="uq_permit_approvals_role"),
                      UniqueConstraint("permit_id", "user_id", name="uq_permit_approvals_user"))

    permit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("permits.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PermitGasTest(IdMixin, Base):
    """A gas test: a sensor's latest reading in the area or a gas inspector's hand-detector value."""

    __tablename__ = "permit_gas_tests"
    __table_args__ = (Index("ix_permit_gas_tests_permit", "permit_id", "measured_at"),)

    permit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("permits.id"))
    stage: Mapped[GasTestStage] = mapped_column(_enum(GasTestStage))
    source: Mapped[GasTestSource] = mapped_column(_enum(GasTestSource))
    sensor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sensors.id"), default=None)
    ch4: Mapped[float] = mapped_column(Float)
    measured_at: Mapped[datetime]
    entered_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    passed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PermitTokenPass(IdMixin, Base):
    """One pass of the firing token (三人连锁放炮): from one holder to the next, in chain order."""

    __tablename__ = "permit_token_passes"
    __table_args__ = (UniqueConstraint("permit_id", "position"),)

    permit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("permits.id"), index=True)
    position: Mapped[int]
    from_role: Mapped[BlastRole] = mapped_column(_enum(BlastRole))
    to_role: Mapped[BlastRole] = mapped_column(_enum(BlastRole))
    by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PermitPhoto(IdMixin, Base):
    __tablename__ = "permit_photos"

    permit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("permits.id"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str] = mapped_column(String(300))
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
