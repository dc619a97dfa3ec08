"""Generated reports: what, for which period, where the bytes are, and a digest of the figures inside."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, utcnow


class ReportKind(enum.StrEnum):
    MONTHLY_SAFETY = "MONTHLY_SAFETY"   # 月度安全报告 (PDF)
    LIST = "LIST"                       # one list as CSV or XLSX


class ReportFormat(enum.StrEnum):
    PDF = "PDF"
    CSV = "CSV"
    XLSX = "XLSX"


class ReportTrigger(enum.StrEnum):
    ON_DEMAND = "ON_DEMAND"
    SCHEDULED = "SCHEDULED"


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class Report(IdMixin, Base):
    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_mine_created", "mine_id", "created_at"),
                      Index("ix_reports_mine_label", "mine_id", "kind", "label"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    kind: Mapped[ReportKind] = mapped_column(_enum(ReportKind))
    list_name: Mapped[str | None] = mapped_column(String(32), default=None)
    format: Mapped[ReportFormat] = mapped_column(_enum(ReportFormat))
    label: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    key: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    figures_digest: Mapped[str] = mapped_column(String(64))
    """sha256 of the figures as canonical JSON: the same month re-run later gives the same digest."""
    trigger: Mapped[ReportTrigger] = mapped_column(_enum(ReportTrigger))
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
