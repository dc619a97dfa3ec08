"""Appending to the audit chain, in the caller's transaction.

An entry is recorded when the change is made but joins the mine's chain only when the transaction commits.
Writers of one mine still append one after another under the mine's head row lock, so seq, prev_hash and hash
chain exactly as before and `minesafe audit verify` checks the same guarantees; what differs by database is
how long the head is held:

- PostgreSQL: just before COMMIT the entries are inserted into audit_pending_entries with the hashed text
  around prev_hash and seq (`ChainLink.digest_parts`, no lock taken), and a deferred trigger chains them
  inside the COMMIT itself (migration 7c3e9a1f5b20): the head is locked for that moment in the database only.
  Before, it was held across three statements and the COMMIT, each a round trip through the writer's event
  loop, which on a busy replica waits behind other requests: every other writer of the mine waited too.
- SQLite (one writer for the whole database anyway): the entries are chained here, in the before_commit hook,
  under the head row.

Entries recorded inside a savepoint that rolls back, or in a transaction that does not commit, are dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from backend.accounts.roles import Principal
from backend.audit.chain import GENESIS_HASH, to_jsonable
from backend.audit.models import AuditChainHead, AuditEntry, AuditPendingEntry
from backend.database import tenancy
from backend.database.base import utcnow

SYSTEM_ACTOR_NAME = "minesafe"
PENDING_AUDIT_KEY = "minesafe.audit.pending"


@dataclass(slots=True)
class _Pending:
    entry: AuditEntry
    savepoint: SessionTransaction | None  # the innermost savepoint open when it was recorded


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One change to append with record_audit_many."""

    action: str
    subject_type: str
    subject_id: uuid.UUID | str
    before: Any = None
    after: Any = None
    reason: str | None = None


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
    """Record one entry for the mine's hash chain (actor None means the system itself); it is chained — seq,
    time, prev_hash, hash — when the transaction commits, and lost with it if it rolls back."""
    record = AuditRecord(action=action, subject_type=subject_type, subject_id=subject_id, before=before,
                         after=after, reason=reason)
    entry = _entry(_chain_mine(actor, mine_id), actor, record)
    _pend(session, [entry])
    return entry


async def record_audit_many(session: AsyncSession, *, actor: Principal | None, records: Sequence[AuditRecord],
                            mine_id: uuid.UUID | None = None) -> int:
    """Record several entries in order (bulk changes such as a people import); like record_audit, they join
    the chain together when the transaction commits."""
    chain_mine = _chain_mine(actor, mine_id)
    _pend(session, [_entry(chain_mine, actor, record) for record in records])
    return len(records)


def _chain_mine(actor: Principal | None, mine_id: uuid.UUID | None) -> uuid.UUID:
    chain_mine = mine_id or (actor.mine_id if actor else None)
    if chain_mine is None:
        raise ValueError("an audit entry needs a mine")
    return chain_mine


def _entry(chain_mine: uuid.UUID, actor: Principal | None, record: AuditRecord) -> AuditEntry:
    return AuditEntry(
        mine_id=chain_mine,
        actor_kind=actor.kind.value if actor else "system",
        actor_id=str(actor.id) if actor else None,
        actor_name=actor.name if actor else SYSTEM_ACTOR_NAME,
        actor_role=actor.primary_role.value if actor else "system",
        action=record.action, subject_type=record.subject_type, subject_id=str(record.subject_id),
        before=to_jsonable(record.before), after=to_jsonable(record.after), reason=record.reason,
    )


def _pend(session: AsyncSession, entries: list[AuditEntry]) -> None:
    sync = session.sync_session
    if not sync.in_transaction():  # so that a rollback or close before any SQL still drops the entry
        sync.begin()
    savepoint = sync.get_nested_transaction()
    sync.info.setdefault(PENDING_AUDIT_KEY, []).extend(_Pending(entry, savepoint) for entry in entries)


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    """Chain the transaction's recorded entries under the mine's head lock, right before COMMIT."""
    pending: list[_Pending] | None = session.info.pop(PENDING_AUDIT_KEY, None)
    if not pending:
        return
    session.flush()  # the audited changes first, so that the head is locked for the append alone
    by_mine: dict[uuid.UUID, list[AuditEntry]] = {}
    for item in pending:
        by_mine.setdefault(item.entry.mine_id, []).append(item.entry)
    # one order for every transaction (the trigger chains in insertion order): multi-mine appends never deadlock
    ordered = [entry for mine_id in sorted(by_mine) for entry in by_mine[mine_id]]
    if tenancy.is_postgresql(session):
        session.execute(insert(AuditPendingEntry), [_pending_row(entry) for entry in ordered])
        return
    for mine_id in sorted(by_mine):
        _append(session, mine_id, by_mine[mine_id])
    session.flush()


# what audit_pending_entries copies from the entry (all but the digest parts)
_PENDING_COPIED = tuple(c.key for c in AuditPendingEntry.__table__.columns if not c.key.startswith("digest_"))


def _pending_row(entry: AuditEntry) -> dict[str, Any]:
    """The entry as audit_pending_entries holds it until the COMMIT chains it (seq, prev_hash, hash unknown yet:
    the entry object keeps them None)."""
    entry.id = entry.id or uuid.uuid4()
    entry.at = utcnow()
    head, middle, tail = entry.link().digest_parts()
    return {**{key: getattr(entry, key) for key in _PENDING_COPIED}, "digest_head": head, "digest_middle": middle,
            "digest_tail": tail}


def _append(session: Session, mine_id: uuid.UUID, entries: list[AuditEntry]) -> None:
    # one statement locks the head row and reads it (on SQLite it takes the database write lock)
    lock_head = (update(AuditChainHead).where(AuditChainHead.mine_id == mine_id).values(seq=AuditChainHead.seq)
                 .returning(AuditChainHead.seq, AuditChainHead.hash).execution_options(synchronize_session=False))
    head = session.execute(lock_head).one_or_none()
    if head is None:
        # the mine's first entry: concurrent first entries must not both create the head
        session.execute(tenancy.upsert(session, AuditChainHead).values(mine_id=mine_id, seq=0, hash=GENESIS_HASH)
                        .on_conflict_do_nothing(index_elements=["mine_id"]))
        head = session.execute(lock_head).one()
    seq, prev_hash = head.seq, head.hash
    for entry in entries:
        seq += 1
        entry.at, entry.seq, entry.prev_hash = utcnow(), seq, prev_hash
        entry.hash = prev_hash = entry.link().digest()
    session.add_all(entries)
    session.execute(update(AuditChainHead).where(AuditChainHead.mine_id == mine_id)
                    .values(seq=seq, hash=prev_hash).execution_options(synchronize_session=False))


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rolled-back savepoint loses the entries recorded inside it."""
    pending: list[_Pending] | None = session.info.get(PENDING_AUDIT_KEY)
    if pending and previous_transaction.nested:
        session.info[PENDING_AUDIT_KEY] = [item for item in pending
                                           if not _inside(item.savepoint, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ends without its commit (rollback, close) loses its entries."""
    if transaction.parent is None:
        session.info.pop(PENDING_AUDIT_KEY, None)


def _inside(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False
