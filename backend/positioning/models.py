"""Positioning: the tag registry, readers on areas, where each person is now, stays (history), sighting
batches from bridges, sightings not trusted, and the evacuation lists of alerts."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow


class TagIssue(IdMixin, Base):
    """A tag (its code as the readers report it) issued to a person from issued_at until returned_at (None: now).

    At most one open issue per tag and per person (kept by the flows under the mine lock)."""

    __tablename__ = "position_tag_issues"
    __table_args__ = (Index("ix_position_tag_issues_tag", "mine_id", "tag_code", "returned_at"),
                      Index("ix_position_tag_issues_user", "mine_id", "user_id", "returned_at"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    tag_code: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    returned_at: Mapped[datetime | None] = mapped_column(default=None)


class Reader(IdMixin, TimestampMixin, Base):
    """A card reader / UWB anchor (its code as in the MQTT topic), placed in an area."""

    __tablename__ = "position_readers"
    __table_args__ = (UniqueConstraint("mine_id", "code", name="uq_position_readers_mine_code"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class PersonPosition(Base):
    """Where a person is now: the area of their open stay (None: not underground / never seen)."""

    __tablename__ = "person_positions"
    __table_args__ = (Index("ix_person_positions_area", "mine_id", "area_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    since: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    underground_since: Mapped[datetime | None] = mapped_column(default=None)
    tag_code: Mapped[str] = mapped_column(String(64))
    reader_code: Mapped[str] = mapped_column(String(64))
    silent_alerted: Mapped[bool] = mapped_column(default=False)
    """A lost-contact alert is open for this person (resolved on their next sighting)."""
    overtime_alerted: Mapped[bool] = mapped_column(default=False)
    """An overtime (超时) alert is open for this person (resolved when they come up)."""


class Stay(IdMixin, Base):
    """A person in an area from entered_at to left_at (None: still there): the history per person and area."""

    __tablename__ = "position_stays"
    __table_args__ = (Index("ix_position_stays_user", "mine_id", "user_id", "entered_at"),
                      Index("ix_position_stays_area", "mine_id", "area_id", "entered_at"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    entered_at: Mapped[datetime]
    left_at: Mapped[datetime | None] = mapped_column(default=None)
    last_seen_at: Mapped[datetime]


class SightingBatch(IdMixin, Base):
    """One bridge batch of sightings, stored once (bridge + batch id); a replay answers the first outcome."""

    __tablename__ = "position_batches"
    __table_args__ = (UniqueConstraint("device_id", "batch_id", name="uq_position_batches_device_batch"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id"))
    batch_id: Mapped[str] = mapped_column(String(100))
    bridge_seq: Mapped[int]
    received_at: Mapped[datetime]
    stored: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    moves: Mapped[int] = mapped_column(default=0)
    rejected_by_reason: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FlagReason(enum.StrEnum):
    IMPOSSIBLE_JUMP = "IMPOSSIBLE_JUMP"  # faster between two areas than a person can travel


class FlaggedSighting(IdMixin, Base):
    """A sighting not trusted (kept for review): the person's position did not move on it."""

    __tablename__ = "position_flagged"
    __table_args__ = (Index("ix_position_flagged_mine", "mine_id", "ts"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    tag_code: Mapped[str] = mapped_column(String(64))
    reader_code: Mapped[str] = mapped_column(String(64))
    from_area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    to_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    ts: Mapped[datetime]
    reason: Mapped[FlagReason] = mapped_column(Enum(FlagReason, native_enum=False, length=32))
    detail: Mapped[str] = mapped_column(String(300), default="")


class Evacuation(IdMixin, Base):
    """The evacuation list of an alarm or power-cut alert: who was in the affected areas when it was raised."""

    __tablename__ = "evacuations"
    __table_args__ = (UniqueConstraint("alert_id", name="uq_evacuations_alert"),
                      Index("ix_evacuations_mine_open", "mine_id", "closed_at"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id"))
    area_ids: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class EvacuationMember(IdMixin, Base):
    """A person on an evacuation list: where they were, where they were last seen, when they reached safety."""

    __tablename__ = "evacuation_members"
    __table_args__ = (UniqueConstraint("evacuation_id", "user_id", name="uq_evacuation_members_person"),
                      Index("ix_evacuation_members_user", "user_id", "safe_at"))

    evacuation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evacuations.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    start_area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    last_area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    last_seen_at: Mapped[datetime]
    safe_at: Mapped[datetime | None] = mapped_column(default=None)
