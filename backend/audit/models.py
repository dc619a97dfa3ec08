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


class AuditContent:
    """What an entry says: when, who, what, about which subject, before and after, why."""

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


class AuditEntry(IdMixin, AuditContent, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("mine_id", "seq"),
        Index("ix_audit_entries_subject", "subject_id", "seq"),
    )

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    seq: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def link(self) -> ChainLink:
        return ChainLink(
            seq=self.seq, at=self.at, actor_kind=self.actor_kind, actor_id=self.actor_id, actor_name=self.actor_name,
            actor_role=self.actor_role, action=self.action, subject_type=self.subject_type,
            subject_id=self.subject_id, before=self.before, after=self.after, reason=self.reason,
            prev_hash=self.prev_hash,
        )


class AuditPendingEntry(AuditContent, Base):
    """An entry waiting, within its own transaction, to be chained at COMMIT (PostgreSQL).

    The writer inserts it with the hashed text around prev_hash and seq (`ChainLink.digest_parts`); a deferred
    trigger (migration 7c3e9a1f5b20) runs inside the COMMIT: it locks the mine's head, numbers and hashes the
    entry, inserts it into audit_entries, moves the head and deletes this row. The head is locked only for that
    moment inside the database, never while the writer's process is busy. Rows never outlive their transaction.
    """

    __tablename__ = "audit_pending_entries"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the audit entry's id
    mine_id: Mapped[uuid.UUID]
    digest_head: Mapped[str] = mapped_column(Text)
    digest_middle: Mapped[str] = mapped_column(Text)
    digest_tail: Mapped[str] = mapped_column(Text)
