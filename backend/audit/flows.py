"""Appending to the audit chain, in the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal
from backend.audit.chain import GENESIS_HASH, ChainLink, to_jsonable
from backend.audit.models import AuditChainHead, AuditEntry
from backend.database.base import utcnow

SYSTEM_ACTOR_NAME = "minesafe"


async def record_audit(
    session: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | str,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    mine_id: uuid.UUID | None = None,
) -> AuditEntry:
    """Append one entry to the mine's hash chain (actor None means the system itself)."""
    chain_mine = mine_id or (actor.mine_id if actor else None)
    if chain_mine is None:
        raise ValueError("an audit entry needs a mine")
    head_query = select(AuditChainHead).where(AuditChainHead.mine_id == chain_mine).with_for_update()
    head = await session.scalar(head_query)
    if head is None:
        # the mine's first entry: concurrent first entries must not both create the head
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        await session.execute(insert(AuditChainHead).values(mine_id=chain_mine, seq=0, hash=GENESIS_HASH)
                              .on_conflict_do_nothing(index_elements=["mine_id"]))
        head = await session.scalar(head_query.execution_options(populate_existing=True))
        assert head is not None
    link = ChainLink(
        seq=head.seq + 1,
        at=utcnow(),
        actor_kind=actor.kind.value if actor else "system",
        actor_id=str(actor.id) if actor else None,
        actor_name=actor.name if actor else SYSTEM_ACTOR_NAME,
        actor_role=actor.primary_role.value if actor else "system",
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=to_jsonable(before),
        after=to_jsonable(after),
        reason=reason,
        prev_hash=head.hash,
    )
    digest = link.digest()
    entry = AuditEntry(
        mine_id=chain_mine, seq=link.seq, at=link.at, actor_kind=link.actor_kind, actor_id=link.actor_id,
        actor_name=link.actor_name, actor_role=link.actor_role, action=action,
        subject_type=subject_type, subject_id=link.subject_id, before=link.before, after=link.after,
        reason=reason, prev_hash=link.prev_hash, hash=digest,
    )
    head.seq = link.seq
    head.hash = digest
    session.add(entry)
    await session.flush()
    return entry
