"""Scheduled inspection checks (排查清单) and their items, one item per control measure."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin


class CheckState(enum.StrEnum):
    SCHEDULED = "SCHEDULED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class ItemResult(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class InspectionCheck(IdMixin, TimestampMixin, Base):
    """One scheduled check of an area's risk points, assigned to a person, due at a time."""

    __tablename__ = "inspection_checks"
    __table_args__ = (Index("ix_inspection_checks_assignee", "assignee_id", "state", "due_at"),
                      Index("ix_inspection_checks_due", "state", "due_at"),
                      UniqueConstraint("submission_id", name="uq_inspection_checks_submission"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    title: Mapped[str] = mapped_column(String(200))
    assignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime]
    state: Mapped[CheckState] = mapped_column(_enum(CheckState), default=CheckState.SCHEDULED)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    submission_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    """The app's client id of the submission: a retry with it returns the done check, never a second one."""
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    failed_items: Mapped[int] = mapped_column(default=0)


class InspectionItem(IdMixin, Base):
    """One line of a checklist: a control measure of a risk point, passed or failed."""

    __tablename__ = "inspection_items"

    check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspection_checks.id"), index=True)
    position: Mapped[int]
    risk_point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_points.id"))
    measure_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("risk_control_measures.id"))
    text: Mapped[str] = mapped_column(Text)
    result: Mapped[ItemResult | None] = mapped_column(_enum(ItemResult), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hazards.id"), default=None)
