"""Audit entries and the per-mine chain head that serialises appends."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.audit.chain import ChainLink
from backend.database.base import Base, IdMixin


class AuditChainHead(Base):
    """The last entry of a mine's chain; locked FOR UPDATE while an entry is appended."""

    __tablename__ = "audit_chain_heads"

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("mine_id", "seq"),
        Index("ix_audit_entries_subject", "subject_id", "seq"),
    )

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def link(self) -> ChainLink:
        return ChainLink(
            seq=self.seq, at=self.at, actor_kind=self.actor_kind, actor_id=self.actor_id, actor_name=self.actor_name,
            actor_role=self.actor_role, action=self.action, subject_type=self.subject_type,
            subject_id=self.subject_id, before=self.before, after=self.after, reason=self.reason,
            prev_hash=self.prev_hash,
        )
