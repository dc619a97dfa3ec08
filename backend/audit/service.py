"""Reading the audit chain: a subject's timeline and whole-chain verification."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from backend.audit.chain import ChainLink, ChainVerdict, verify_links
from backend.audit.models import AuditChainHead, AuditEntry

VERIFY_BATCH = 5000


async def timeline(*, session: AsyncSession, mine_id: uuid.UUID, subject_id: str) -> Sequence[AuditEntry]:
    """Every entry about one subject, oldest first."""
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.mine_id == mine_id, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.seq)
    )
    return rows.all()


# the hashed columns, in ChainLink's field order
LINK_COLUMNS = (AuditEntry.seq, AuditEntry.at, AuditEntry.actor_kind, AuditEntry.actor_id, AuditEntry.actor_name,
                AuditEntry.actor_role, AuditEntry.action, AuditEntry.subject_type, AuditEntry.subject_id,
                AuditEntry.before, AuditEntry.after, AuditEntry.reason, AuditEntry.prev_hash)


def _verify_streamed(session: Session, mine_id: uuid.UUID, head_seq: int | None) -> ChainVerdict:
    """Stream plain rows (no ORM objects, constant memory) into the pure chain check."""
    rows = session.execute(
        select(*LINK_COLUMNS, AuditEntry.hash).where(AuditEntry.mine_id == mine_id).order_by(AuditEntry.seq)
        .execution_options(yield_per=VERIFY_BATCH)
    )
    return verify_links(((ChainLink(*row[:-1]), row[-1]) for row in rows), head_seq=head_seq)


async def verify_chain(*, session: AsyncSession, mine_id: uuid.UUID) -> ChainVerdict:
    """Walk the mine's chain in batches and name the first tampered, reordered or missing entry."""
    head_seq = await session.scalar(select(AuditChainHead.seq).where(AuditChainHead.mine_id == mine_id))
    return await session.run_sync(_verify_streamed, mine_id, head_seq)


async def mine_ids_with_chains(*, session: AsyncSession) -> Sequence[uuid.UUID]:
    return (await session.scalars(select(AuditChainHead.mine_id))).all()
