"""The event outbox: a live event is written in the same transaction as the change it announces."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, utcnow


class OutboxEvent(Base):
    """An event not yet known to be on the bus; deleted once published (backend/events/outbox.py)."""

    __tablename__ = "event_outbox"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # a publisher that took the row for a retry holds it until then (several replicas drain one outbox)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
