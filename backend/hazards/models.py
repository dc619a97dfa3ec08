"""Hazards and their photos."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from contracts.hazards import HazardGrade, HazardLevel, HazardSource, HazardState


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class Hazard(TimestampMixin, Base):
    """One hazard; its id is the reporting client's own id, so retries never duplicate it."""

    __tablename__ = "hazards"
    __table_args__ = (
        Index("ix_hazards_mine_created", "mine_id", "created_at", "id"),
        Index("ix_hazards_mine_state", "mine_id", "state"),
        Index("ix_hazards_responsible", "responsible_id", "state"),
        Index("ix_hazards_source", "source", "source_ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    state: Mapped[HazardState] = mapped_column(_enum(HazardState), default=HazardState.REPORTED)
    source: Mapped[HazardSource] = mapped_column(_enum(HazardSource), default=HazardSource.PERSON)
    source_ref: Mapped[str | None] = mapped_column(String(100), default=None)
    reporter_id: Mapped[uuid.UUID]
    reporter_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300), default=None)
    suggested_grade: Mapped[HazardGrade | None] = mapped_column(_enum(HazardGrade), default=None)
    category_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hazard_categories.id"), default=None)
    observed_at: Mapped[datetime | None] = mapped_column(default=None)   # when the reporter saw it (device clock)

    grade: Mapped[HazardGrade | None] = mapped_column(_enum(HazardGrade), default=None)
    level: Mapped[HazardLevel | None] = mapped_column(_enum(HazardLevel), default=None)
    responsible_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    control_measures: Mapped[str | None] = mapped_column(Text, default=None)
    treatment_plan: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    rectifier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    rectification_note: Mapped[str | None] = mapped_column(Text, default=None)
    rectification_submission: Mapped[str | None] = mapped_column(String(64), default=None)
    rectified_at: Mapped[datetime | None] = mapped_column(default=None)
    reinspector_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    reinspection_passed_at: Mapped[datetime | None] = mapped_column(default=None)
    signed_off_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    signed_off_at: Mapped[datetime | None] = mapped_column(default=None)
    dismissed_reason: Mapped[str | None] = mapped_column(Text, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    drill_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drills.id"), default=None,
                                                       index=True)
    """Opened in a drill (from a drill alert, issue 16): never counted in KPIs; None for every real hazard."""


class HazardCategory(IdMixin, Base):
    """A kind of hazard a mine's people report (roof, gas, electrical …), with quick phrases to tap.

    Names and phrases are kept per language ({"zh": …, "en": …}); the mine's own language comes first.
    """

    __tablename__ = "hazard_categories"
    __table_args__ = (UniqueConstraint("mine_id", "code"), Index("ix_hazard_categories_mine", "mine_id", "position"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    phrases: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    suggested_grade: Mapped[HazardGrade | None] = mapped_column(_enum(HazardGrade), default=None)
    is_active: Mapped[bool] = mapped_column(default=True)


class PhotoStage(enum.StrEnum):
    REPORT = "REPORT"
    RECTIFICATION = "RECTIFICATION"


class HazardPhoto(IdMixin, Base):
    __tablename__ = "hazard_photos"

    hazard_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hazards.id"), index=True)
    stage: Mapped[PhotoStage] = mapped_column(_enum(PhotoStage))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str] = mapped_column(String(300))
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
