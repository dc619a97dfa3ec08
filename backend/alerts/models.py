"""Alerts: one row per open (mine, dedupe key); repeats fold into it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin
from contracts.alerts import AlertSeverity, AlertSource, AlertState, AlertVerdict

OPEN_CLAUSE = "state IN ('RAISED', 'ACKNOWLEDGED')"


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class Alert(IdMixin, TimestampMixin, Base):
    """An alert from a sensor, a camera, an overdue hazard or a person, through its state machine."""

    __tablename__ = "alerts"
    __table_args__ = (
        # at most one open alert per (mine, dedupe key): concurrent raises fold instead of duplicating
        Index("uq_alerts_open_dedupe", "mine_id", "dedupe_key", unique=True,
              sqlite_where=text(OPEN_CLAUSE), postgresql_where=text(OPEN_CLAUSE)),
        Index("ix_alerts_mine_raised", "mine_id", "first_raised_at", "id"),
        Index("ix_alerts_mine_state", "mine_id", "state"),
        Index("ix_alerts_dedupe", "mine_id", "dedupe_key"),
        UniqueConstraint("mine_id", "client_id", name="uq_alerts_mine_client"),
    )

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("areas.id"), default=None)
    source: Mapped[AlertSource] = mapped_column(_enum(AlertSource))
    source_ref: Mapped[str] = mapped_column(String(200))
    severity: Mapped[AlertSeverity] = mapped_column(_enum(AlertSeverity))
    state: Mapped[AlertState] = mapped_column(_enum(AlertState), default=AlertState.RAISED)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    dedupe_key: Mapped[str] = mapped_column(String(300))
    raise_count: Mapped[int] = mapped_column(default=1)
    first_raised_at: Mapped[datetime]
    last_raised_at: Mapped[datetime]
    snapshot_key: Mapped[str | None] = mapped_column(String(300), default=None)
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    """The person or device that raised it (no foreign key: devices are not users); None: the system."""
    client_id: Mapped[uuid.UUID | None] = mapped_column(default=None)

    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    verdict: Mapped[AlertVerdict | None] = mapped_column(_enum(AlertVerdict), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_note: Mapped[str | None] = mapped_column(Text, default=None)

    escalation_level: Mapped[int] = mapped_column(default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hazards.id"), default=None)
    drill_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("drills.id"), default=None, index=True)
    """Raised in a drill (issue 16): never counted in real KPIs; None for every real alert."""

    @property
    def is_drill(self) -> bool:
        return self.drill_id is not None
