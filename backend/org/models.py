"""Mine → districts → areas (a tree of units), teams under units, posts, and people's org records."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow


class AreaKind(enum.StrEnum):
    DISTRICT = "DISTRICT"  # 采区 / 盘区: a unit that holds areas
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
    """Per-mine overrides of DOMAIN.md defaults; written only through org.settings (typed, validated, audited)."""


class Area(IdMixin, TimestampMixin, Base):
    """A unit of the mine's tree: a district (parent None or another district) or an area within one.

    Referenced by id from hazards, alerts, sensors, devices, people, posts, responsibility lists — and by
    risk points (issue 13) and work permits (issue 14). Never deleted: `retired_at` ends its use.
    """

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("mine_id", "name"),
                      UniqueConstraint("mine_id", "code", name="uq_areas_mine_code"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AreaKind] = mapped_column(Enum(AreaKind, native_enum=False, length=32))
    manager_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True), default=None)
    code: Mapped[str | None] = mapped_column(String(32), default=None)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None, index=True)
    map_x: Mapped[float | None] = mapped_column(default=None)
    map_y: Mapped[float | None] = mapped_column(default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
    person_limit: Mapped[int | None] = mapped_column(default=None)
    """定员: how many people the area may hold at once (None: no limit); positioning alerts past it (超员)."""
    restricted: Mapped[bool] = mapped_column(default=False)
    """限制区域: entering it raises a positioning alert."""
    safe: Mapped[bool] = mapped_column(default=False)
    """A safe place for evacuation (a refuge chamber, the shaft bottom's station); SURFACE areas always are."""


class Team(IdMixin, TimestampMixin, Base):
    """A 区队 / 班组 under a unit (area_id: a district or an area)."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("mine_id", "name"),
                      UniqueConstraint("mine_id", "code", name="uq_teams_mine_code"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    name: Mapped[str] = mapped_column(String(200))
    leader_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", use_alter=True), default=None)
    code: Mapped[str | None] = mapped_column(String(32), default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class Post(IdMixin, TimestampMixin, Base):
    """A 岗位 (采煤机司机, 瓦检员, 安全员…), optionally within a unit; people hold posts over time.

    Referenced by id: responsibility lists name posts, and risk-point control measures (issue 13) name the
    responsible post by control level; permits (issue 14) name posts for their roles.
    """

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("mine_id", "code", name="uq_posts_mine_code"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class PersonRecord(TimestampMixin, Base):
    """A person's organisational record beside their account: employee number, post, phone, mentor.

    Personal data (phone) lives here, never in logs; the employee number is the import's key.
    """

    __tablename__ = "org_people"
    __table_args__ = (UniqueConstraint("mine_id", "employee_no", name="uq_org_people_mine_employee_no"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    employee_no: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("posts.id"), default=None, index=True)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    mentor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)


class PostHolding(IdMixin, Base):
    """Who held a post from when to when (ended_at None: holds it now). Answers "who held it at time T"."""

    __tablename__ = "post_holdings"
    __table_args__ = (Index("ix_post_holdings_post", "post_id", "started_at"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    post_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posts.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
