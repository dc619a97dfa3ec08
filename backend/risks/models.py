"""Risk points, their hazard sources, assessments (versions), grading schemes, measures and hazard links."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from backend.risks.rules import (
    AssessmentMethod,
    AssessmentReason,
    CheckFrequency,
    ControlLevel,
    MeasureKind,
    RiskCategory,
    RiskLevel,
    RiskSubjectKind,
)


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class RiskPoint(IdMixin, TimestampMixin, Base):
    """A place, activity or device with a graded risk (风险点).

    `level` is the assessed level (the latest assessment's); `shown_level` is what the four-colour map shows:
    raised while a hazard, alarm or vision event is live at the point (`backend.risks.dynamic`). Never deleted.
    """

    __tablename__ = "risk_points"
    __table_args__ = (UniqueConstraint("mine_id", "code", name="uq_risk_points_mine_code"),
                      Index("ix_risk_points_area", "area_id", "shown_rank"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    subject_kind: Mapped[RiskSubjectKind] = mapped_column(_enum(RiskSubjectKind))
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id"), default=None)
    activity: Mapped[str | None] = mapped_column(String(200), default=None)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[RiskLevel | None] = mapped_column(_enum(RiskLevel), default=None)
    score: Mapped[float | None] = mapped_column(default=None)
    shown_level: Mapped[RiskLevel | None] = mapped_column(_enum(RiskLevel), default=None)
    shown_rank: Mapped[int] = mapped_column(default=-1)
    """shown_level's rank (BLUE 0 … RED 3; -1 not yet assessed): the map takes the max per area."""
    raised: Mapped[bool] = mapped_column(default=False)
    raised_causes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    assessment_version: Mapped[int] = mapped_column(default=0)
    next_review_due: Mapped[datetime | None] = mapped_column(default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class RiskHazardSource(IdMixin, Base):
    """A hazard source (危险源) at a risk point, with its category."""

    __tablename__ = "risk_hazard_sources"

    risk_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_points.id"), index=True)
    category: Mapped[RiskCategory] = mapped_column(_enum(RiskCategory))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class GradingScheme(IdMixin, Base):
    """A mine's LEC bands and 5 × 5 matrix, in force from `effective_from` until a later scheme starts."""

    __tablename__ = "risk_grading_schemes"
    __table_args__ = (Index("ix_risk_grading_schemes_mine", "mine_id", "effective_from"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    effective_from: Mapped[datetime]
    lec_bands: Mapped[list[Any]] = mapped_column(JSON)
    """[{"above": 320, "level": "RED", "label": "extreme"}, …] from the highest bound down to 0."""
    matrix: Mapped[list[Any]] = mapped_column(JSON)
    """5 rows (likelihood 1–5) of 5 levels (severity 1–5)."""
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskAssessment(IdMixin, Base):
    """One version of a risk point's grading: who, how, why, the inputs and the result."""

    __tablename__ = "risk_assessments"
    __table_args__ = (UniqueConstraint("risk_point_id", "version", name="uq_risk_assessments_point_version"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    risk_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_points.id"))
    version: Mapped[int]
    method: Mapped[AssessmentMethod] = mapped_column(_enum(AssessmentMethod))
    reason: Mapped[AssessmentReason] = mapped_column(_enum(AssessmentReason))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float]
    level: Mapped[RiskLevel] = mapped_column(_enum(RiskLevel))
    band: Mapped[str] = mapped_column(String(64))
    scheme_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("risk_grading_schemes.id"), default=None)
    assessor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    assessor_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_review_due: Mapped[datetime]


class MeasureTemplate(IdMixin, Base):
    """A mine's own entry in the measure library (besides the built-in defaults of `rules.DEFAULT_LIBRARY`)."""

    __tablename__ = "risk_measure_templates"

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    category: Mapped[RiskCategory] = mapped_column(_enum(RiskCategory))
    kind: Mapped[MeasureKind] = mapped_column(_enum(MeasureKind))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class ControlMeasure(IdMixin, TimestampMixin, Base):
    """A control measure of a risk point: what, which post answers for it, at which level, how often checked."""

    __tablename__ = "risk_control_measures"

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    risk_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_points.id"), index=True)
    kind: Mapped[MeasureKind] = mapped_column(_enum(MeasureKind))
    text: Mapped[str] = mapped_column(Text)
    responsible_post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posts.id"))
    control_level: Mapped[ControlLevel] = mapped_column(_enum(ControlLevel))
    check_frequency: Mapped[CheckFrequency] = mapped_column(_enum(CheckFrequency))
    last_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class RiskPointHazard(Base):
    """A hazard found at a risk point (from a failed check: with the measure that failed)."""

    __tablename__ = "risk_point_hazards"
    __table_args__ = (Index("ix_risk_point_hazards_hazard", "hazard_id"),)

    risk_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_points.id"), primary_key=True)
    hazard_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hazards.id"), primary_key=True)
    measure_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("risk_control_measures.id"), default=None)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
