"""Users, refresh tokens and devices."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("username"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("teams.id"), default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    # superseded by login_throttles (per username and address); kept, as nothing is dropped
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)


class RefreshToken(IdMixin, Base):
    """A revocable refresh token; only its hash is stored. Rotated on every use."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class DeviceKind(enum.StrEnum):
    ROBOT = "ROBOT"
    CAMERA = "CAMERA"
    SENSOR_BRIDGE = "SENSOR_BRIDGE"
    VISION_WORKER = "VISION_WORKER"


class Device(IdMixin, TimestampMixin, Base):
    """A robot, camera, sensor bridge or vision worker with its own token, scoped to one mine."""

    __tablename__ = "devices"

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DeviceKind] = mapped_column(Enum(DeviceKind, native_enum=False, length=32))
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginThrottle(Base):
    """Failed sign-ins counted per (account, address) and per address (keys are hashes; no name or address is
    stored). Keyed by the typed username, so unknown usernames are throttled exactly like real ones."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(default=None)
    strikes: Mapped[int] = mapped_column(default=0)  # blocks so far: each one lasts twice as long, up to a cap
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
