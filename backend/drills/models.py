"""The mine model (one per mine), drills, what happened in them and who takes part."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow


class DrillState(enum.StrEnum):
    PLANNED = "PLANNED"
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"


class DrillEventKind(enum.StrEnum):
    """What a drill records as it runs (besides its alerts, positions and permits): the bridge's drill power cuts,
    the participants' reported responses."""

    POWER_CUT = "POWER_CUT"
    POWER_RESTORED = "POWER_RESTORED"
    EVACUATED = "EVACUATED"  # written by the first version (recordDrillArrivals); arrivals are sightings now
    PERMITS_SUSPENDED = "PERMITS_SUSPENDED"
    HAZARD_OPENED = "HAZARD_OPENED"
    EVACUATION_ORDERED = "EVACUATION_ORDERED"


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class MineNetwork(IdMixin, TimestampMixin, Base):
    """A mine's roadway network as its validated document (backend/drills/network.py NetworkDocument, as JSON)."""

    __tablename__ = "mine_networks"

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)


class Drill(IdMixin, TimestampMixin, Base):
    """One drill of a scenario on a mine, alongside production: its alerts carry its id, its power cuts go to its
    own control topics (``minesafe/{mine}/drills/{code}/control/…``)."""

    __tablename__ = "drills"
    __table_args__ = (UniqueConstraint("code", name="uq_drills_code"),
                      Index("ix_drills_mine_created", "mine_id", "created_at"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    code: Mapped[str] = mapped_column(String(40), comment="the drill's segment in its MQTT topics")
    name: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(Text, comment="the scenario YAML as given")
    network: Mapped[dict[str, Any]] = mapped_column(JSON, comment="the mine model the drill ran on")
    state: Mapped[DrillState] = mapped_column(_enum(DrillState), default=DrillState.PLANNED)
    speed: Mapped[float] = mapped_column(default=1.0, comment="drill seconds per wall-clock second")
    planned_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    score: Mapped[float | None] = mapped_column(default=None)
    max_score: Mapped[float | None] = mapped_column(default=None)
    results: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    report_key: Mapped[str | None] = mapped_column(String(300), default=None)


class DrillEvent(IdMixin, Base):
    __tablename__ = "drill_events"
    __table_args__ = (Index("ix_drill_events_drill_at", "drill_id", "at"),)

    drill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drills.id"))
    kind: Mapped[DrillEventKind] = mapped_column(_enum(DrillEventKind))
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None] = mapped_column(default=None, comment="a user or a device; None: system")
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(200), default="", comment="a sensor, a person, an area")
    detail: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class DrillParticipant(IdMixin, Base):
    """A person taking part, with their task (shown in the app)."""

    __tablename__ = "drill_participants"
    __table_args__ = (UniqueConstraint("drill_id", "user_id"),)

    drill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drills.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    task: Mapped[str] = mapped_column(Text)


class DrillPosition(IdMixin, Base):
    """Where a drill's simulated person is, from the drill's tag sightings through the bridge (the positioning
    path in the drill's namespace): never a real person's position, never in a real headcount."""

    __tablename__ = "drill_positions"
    __table_args__ = (UniqueConstraint("drill_id", "tag_code", name="uq_drill_positions_tag"),)

    drill_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drills.id"))
    tag_code: Mapped[str] = mapped_column(String(64), comment="a person of the scenario ({area}-{n})")
    start_area: Mapped[str] = mapped_column(String(64), comment="the model's area of the first sighting")
    area: Mapped[str] = mapped_column(String(64), comment="the model's area of the latest sighting")
    reader_code: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    safe_at: Mapped[datetime | None] = mapped_column(default=None, comment="first sighted in a safe area")
