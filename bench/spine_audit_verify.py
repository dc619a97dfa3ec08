"""Benchmark (c) of issue 2: audit-chain verification rate for 100,000 entries.

    .venv/bin/python bench/spine_audit_verify.py [--entries 100000] [--database-url URL]

The entries are written fast with core INSERTs (the chain computed with backend.audit.chain, as
record_audit does), then `backend.audit.service.verify_chain` is timed. The baseline, in the same run
over the same rows: a bare SELECT of the hashed columns and one sha256 per row over the same JSON
body, with no checks. Default database: a fresh SQLite file (the embedded default).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch_postgres import scratch_postgres  # noqa: E402  (this folder is on the path)

from backend.audit import service  # noqa: E402
from backend.audit.chain import GENESIS_HASH, ChainLink, verify_links  # noqa: E402
from backend.audit.models import AuditChainHead, AuditEntry  # noqa: E402
from backend.audit.service import LINK_COLUMNS  # noqa: E402
from backend.database.base import utcnow  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.database.session import create_engine, create_session_factory  # noqa: E402
from backend.org.models import Mine  # noqa: E402

BATCH = 5000


def make_rows(mine_id: uuid.UUID, count: int) -> list[dict]:  # type: ignore[type-arg]
    """Chained rows shaped like hazard transitions (before/after snapshots of ~10 fields)."""
    rows, prev = [], GENESIS_HASH
    start = utcnow() - timedelta(days=30)
    actor = str(uuid.uuid4())
    for seq in range(1, count + 1):
        subject = str(uuid.UUID(int=seq))
        link = ChainLink(
            seq=seq, at=start + timedelta(seconds=seq), actor_kind="user", actor_id=actor, actor_name="Wang Lei",
            actor_role="safety_officer", action="hazard.triaged", subject_type="hazard", subject_id=subject,
            before={"state": "REPORTED", "grade": None, "level": None, "responsible_id": None, "deadline": None},
            after={"state": "ASSIGNED", "grade": "GENERAL", "level": "B", "responsible_id": actor,
                   "deadline": (start + timedelta(days=3)).isoformat(), "control_measures": "cordon off"},
            reason=None, prev_hash=prev)
        digest = link.digest()
        rows.append({"id": uuid.uuid4(), "mine_id": mine_id, "seq": seq, "at": link.at, "actor_kind": link.actor_kind,
                     "actor_id": link.actor_id, "actor_name": link.actor_name, "actor_role": link.actor_role,
                     "action": link.action, "subject_type": link.subject_type, "subject_id": link.subject_id,
                     "before": link.before, "after": link.after, "reason": None, "prev_hash": prev, "hash": digest})
        prev = digest
    return rows


def _hash_rows(session: Session, mine_id: uuid.UUID) -> int:
    hashed = 0
    rows = session.execute(select(*LINK_COLUMNS).where(AuditEntry.mine_id == mine_id).order_by(AuditEntry.seq)
                           .execution_options(yield_per=BATCH))
    for (seq, at, actor_kind, actor_id, actor_name, actor_role, action, subject_type, subject_id, before, after,
         reason, prev_hash) in rows:
        body = {"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor_kind": actor_kind,
                "actor_id": actor_id, "actor_name": actor_name, "actor_role": actor_role, "action": action,
                "subject_type": subject_type, "subject_id": subject_id, "before": before, "after": after,
                "reason": reason, "prev_hash": prev_hash}
        hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                  default=str).encode()).hexdigest()
        hashed += 1
    return hashed


async def bare_sha256(session_factory, mine_id: uuid.UUID) -> int:  # type: ignore[no-untyped-def]
    """The floor: stream the same columns the same way and hash each row's body once, checking nothing."""
    async with session_factory() as session:
        return await session.run_sync(_hash_rows, mine_id)


async def verify_with_orm_objects(session_factory, mine_id: uuid.UUID) -> int:  # type: ignore[no-untyped-def]
    """How verify_chain worked before this benchmark: ORM entities, all collected, then checked."""
    async with session_factory() as session:
        stream = await session.stream_scalars(select(AuditEntry).where(AuditEntry.mine_id == mine_id)
                                              .order_by(AuditEntry.seq).execution_options(yield_per=BATCH))
        collected = [(entry.link(), entry.hash) async for entry in stream]
    verdict = verify_links(collected)
    assert verdict.ok
    return verdict.checked




async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--postgres", action="store_true", help="a fresh database on the local PostgreSQL")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or (await scratch_postgres() if args.postgres else f"sqlite+aiosqlite:///{tmp}/audit.db")
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        session_factory = create_session_factory(engine)
        mine_id = uuid.uuid4()
        async with session_factory() as session:
            session.add(Mine(id=mine_id, code=mine_id.hex[:12], name="Bench mine"))
            await session.commit()

        started = time.perf_counter()
        rows = make_rows(mine_id, args.entries)
        chained = time.perf_counter() - started
        async with session_factory() as session:
            for start in range(0, len(rows), BATCH):
                await session.execute(insert(AuditEntry), rows[start:start + BATCH])
            session.add(AuditChainHead(mine_id=mine_id, seq=rows[-1]["seq"], hash=rows[-1]["hash"]))
            await session.commit()
        written = time.perf_counter() - started
        print(f"{args.entries:,} entries chained in {chained:.2f} s, written in {written:.2f} s ({url.split(':')[0]})")

        verify_times, bare_times, orm_times = [], [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            assert await verify_with_orm_objects(session_factory, mine_id) == args.entries
            orm_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            async with session_factory() as session:
                verdict = await service.verify_chain(session=session, mine_id=mine_id)
            verify_times.append(time.perf_counter() - started)
            assert verdict.ok and verdict.checked == args.entries, verdict
            started = time.perf_counter()
            assert await bare_sha256(session_factory, mine_id) == args.entries
            bare_times.append(time.perf_counter() - started)
        await engine.dispose()

    verify, bare = min(verify_times), min(bare_times)
    print(f"verify_chain          {verify:6.2f} s  {args.entries / verify:10,.0f} entries/s")
    print(f"bare SELECT + sha256  {bare:6.2f} s  {args.entries / bare:10,.0f} entries/s  (baseline)")
    orm = min(orm_times)
    print(f"previous verify (ORM) {orm:6.2f} s  {args.entries / orm:10,.0f} entries/s")
    print(f"ratio                 {verify / bare:6.2f}x the baseline's time (best of {args.rounds})")


if __name__ == "__main__":
    asyncio.run(main())
