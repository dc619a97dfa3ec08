"""Reading the audit chain: a subject's timeline and whole-chain verification."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.chain import ChainLink, ChainVerdict, ChainVerifier
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


async def verify_chain(*, session: AsyncSession, mine_id: uuid.UUID) -> ChainVerdict:
    """Walk the mine's chain in pages and name the first tampered, reordered or missing entry.

    Pages are read by seq (keyset) and hashed in a worker thread, so a long chain never holds up the
    event loop that serves everyone else.
    """
    head_seq = await session.scalar(select(AuditChainHead.seq).where(AuditChainHead.mine_id == mine_id))
    verifier = ChainVerifier()
    after_seq = 0
    while True:
        rows = (await session.execute(
            select(*LINK_COLUMNS, AuditEntry.hash)
            .where(AuditEntry.mine_id == mine_id, AuditEntry.seq > after_seq)
            .order_by(AuditEntry.seq).limit(VERIFY_BATCH)
        )).all()
        if not rows:
            break
        page = [(ChainLink(*row[:-1]), row[-1]) for row in rows]
        if await asyncio.to_thread(verifier.feed, page) is not None:
            break
        after_seq = page[-1][0].seq
    return verifier.finish(head_seq=head_seq)


async def mine_ids_with_chains(*, session: AsyncSession) -> Sequence[uuid.UUID]:
    return (await session.scalars(select(AuditChainHead.mine_id))).all()
