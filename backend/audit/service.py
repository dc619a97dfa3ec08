"""Reading the audit chain: a subject's timeline and whole-chain verification."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.chain import ChainVerdict, verify_links
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


async def verify_chain(*, session: AsyncSession, mine_id: uuid.UUID) -> ChainVerdict:
    """Walk the mine's chain in batches and name the first tampered, reordered or missing entry."""
    head_seq = await session.scalar(select(AuditChainHead.seq).where(AuditChainHead.mine_id == mine_id))

    async def links():  # type: ignore[no-untyped-def]
        stream = await session.stream_scalars(
            select(AuditEntry).where(AuditEntry.mine_id == mine_id).order_by(AuditEntry.seq)
            .execution_options(yield_per=VERIFY_BATCH)
        )
        async for entry in stream:
            yield entry.link(), entry.hash

    collected = [pair async for pair in links()]
    return verify_links(collected, head_seq=head_seq)


async def mine_ids_with_chains(*, session: AsyncSession) -> Sequence[uuid.UUID]:
    return (await session.scalars(select(AuditChainHead.mine_id))).all()
