"""Mine → areas → teams."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin


class AreaKind(enum.StrEnum):
    WORKING_FACE = "WORKING_FACE"
    HEADING_FACE = "HEADING_FACE"
    ROADWAY = "ROADWAY"
    CHAMBER = "CHAMBER"
    SHAFT = "SHAFT"
    SURFACE = "SURFACE"


class Mine(IdMixin, TimestampMixin, Base):
    __tablename__ = "mines"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Per-mine overrides of DOMAIN.md defaults, e.g. {"hazard_deadline_hours": {"A": 120}}."""


class Area(IdMixin, TimestampMixin, Base):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("mine_id", "name"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AreaKind] = mapped_column(Enum(AreaKind, native_enum=False, length=32))
    manager_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True), default=None)


class Team(IdMixin, TimestampMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("mine_id", "name"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    name: Mapped[str] = mapped_column(String(200))
    leader_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True), default=None)
