"""Upload slots: one per requestUpload, consumed by exactly one later mutation."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, utcnow


class UploadKind(enum.StrEnum):
    PHOTO = "PHOTO"
    VIDEO = "VIDEO"
    SNAPSHOT = "SNAPSHOT"
    DOCUMENT = "DOCUMENT"


class UploadSlot(IdMixin, Base):
    __tablename__ = "upload_slots"

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[UploadKind] = mapped_column(Enum(UploadKind, native_enum=False, length=16))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    declared_size: Mapped[int] = mapped_column(BigInteger)  # videos may pass 2 GiB
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    uploaded_at: Mapped[datetime | None] = mapped_column(default=None)
    consumed_at: Mapped[datetime | None] = mapped_column(default=None)
    consumed_by: Mapped[str | None] = mapped_column(String(64), default=None)
