"""The audit hash chain: pure verification, tampering in the database, and `minesafe audit verify`."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from backend.audit import service
from backend.audit.chain import GENESIS_HASH, ChainLink, ChainProblem, verify_links
from backend.audit.flows import record_audit
from backend.audit.models import AuditEntry, AuditPendingEntry
from backend.cli import app as cli


def make_chain(length: int) -> list[tuple[ChainLink, str]]:
    chain, prev = [], GENESIS_HASH
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, length + 1):
        link = ChainLink(seq=seq, at=start + timedelta(minutes=seq), actor_kind="user", actor_id="u1",
                         actor_name="Sun", actor_role="safety_officer", action="hazard.triaged",
                         subject_type="hazard", subject_id="h1", before={"state": "REPORTED"},
                         after={"state": "ASSIGNED", "n": seq}, reason=None, prev_hash=prev)
        prev = link.digest()
        chain.append((link, prev))
    return chain


def test_the_digest_parts_around_prev_hash_and_seq_rebuild_the_digest() -> None:
    """What the database hashes at COMMIT (PostgreSQL) is exactly the text the verifier hashes."""
    link, _ = make_chain(3)[2]
    tricky = dataclasses.replace(link, actor_name='Sün "prev-x" \\ 矿', reason="seq-1 prev_hash",
                                 before={"seq": 99, "prev_hash": "f" * 64, "nested": [1.5, None, {"a": "é"}]})
    for candidate in (link, tricky):
        head, middle, tail = candidate.digest_parts()
        text = head + candidate.prev_hash + middle + str(candidate.seq) + tail
        assert hashlib.sha256(text.encode()).hexdigest() == candidate.digest()


def test_an_intact_chain_verifies() -> None:
    verdict = verify_links(make_chain(5), head_seq=5)
    assert verdict.ok and verdict.checked == 5


def test_a_changed_entry_is_named() -> None:
    chain = make_chain(5)
    link, digest = chain[2]
    chain[2] = (dataclasses.replace(link, after={"state": "CLOSED"}), digest)
    verdict = verify_links(chain)
    assert (verdict.ok, verdict.problem, verdict.seq) == (False, ChainProblem.TAMPERED, 3)


def test_a_deleted_entry_is_named() -> None:
    chain = make_chain(5)
    del chain[1]
    verdict = verify_links(chain)
    assert (verdict.problem, verdict.seq) == (ChainProblem.MISSING, 2)


def test_swapped_entries_are_named() -> None:
    chain = make_chain(5)
    (a, ha), (b, hb) = chain[1], chain[2]
    chain[1] = (dataclasses.replace(b, seq=2), hb)
    chain[2] = (dataclasses.replace(a, seq=3), ha)
    verdict = verify_links(chain)
    assert (verdict.problem, verdict.seq) == (ChainProblem.REORDERED, 2)


def test_a_truncated_tail_is_named() -> None:
    verdict = verify_links(make_chain(3), head_seq=5)
    assert (verdict.problem, verdict.seq) == (ChainProblem.MISSING, 4)


async def test_tampering_in_the_database_is_found_by_query_and_cli(client, make_mine, platform,
                                                                  monkeypatch) -> None:
    from tests.conftest import gql

    monkeypatch.setattr(service, "VERIFY_BATCH", 2)  # the chain is read in several pages
    mine = await make_mine()
    async with platform.session_factory() as session:
        for n in range(4):
            await record_audit(session, actor=mine.principal("admin"), action="threshold.changed",
                               subject_type="threshold", subject_id=f"t{n}", before={"alarm": 1.0},
                               after={"alarm": 1.0 + n / 10})
        await session.commit()
    query = "{ verifyAuditChain { ok checked problem seq detail } }"
    assert (await gql(client, query, token=mine.token("mine_manager")))["verifyAuditChain"]["ok"] is True
    refused = await gql(client, query, token=mine.token("miner"), expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    async with platform.session_factory() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.mine_id == mine.mine_id,
                                                              AuditEntry.subject_id == "t2"))
        await session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(after={"alarm": 9.9}))
        await session.commit()
    verdict = (await gql(client, query, token=mine.token("mine_manager")))["verifyAuditChain"]
    assert verdict["ok"] is False and verdict["problem"] == "TAMPERED" and verdict["seq"] == entry.seq

    monkeypatch.setenv("MINESAFE_DATABASE_URL", platform.settings.database_url)
    from backend.config import get_settings

    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert f"mine {mine.mine_id}: TAMPERED at entry {entry.seq}" in result.output

    async with platform.session_factory() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.id == entry.id))
        await session.commit()
        verdict_after_delete = await service.verify_chain(session=session, mine_id=mine.mine_id)
    assert verdict_after_delete.problem is ChainProblem.MISSING and verdict_after_delete.seq == entry.seq


async def _chain(platform, mine_id):  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.mine_id == mine_id)
                                         .order_by(AuditEntry.seq))).all()
        verdict = await service.verify_chain(session=session, mine_id=mine_id)
    return [e.subject_id for e in entries], verdict


async def test_entries_join_the_chain_at_commit_and_not_without_it(make_mine, platform) -> None:
    mine = await make_mine()
    admin = mine.principal("admin")
    before, _ = await _chain(platform, mine.mine_id)
    async with platform.session_factory() as session:
        await record_audit(session, actor=admin, action="threshold.changed", subject_type="threshold",
                           subject_id="rolled-back", after={"alarm": 1})
        await session.rollback()
        try:
            async with session.begin_nested():
                await record_audit(session, actor=admin, action="threshold.changed", subject_type="threshold",
                                   subject_id="in-failed-savepoint", after={"alarm": 2})
                raise RuntimeError("the savepoint fails")
        except RuntimeError:
            pass
        async with session.begin_nested():
            await record_audit(session, actor=admin, action="threshold.changed", subject_type="threshold",
                               subject_id="in-savepoint", after={"alarm": 3})
        entry = await record_audit(session, actor=admin, action="threshold.changed", subject_type="threshold",
                                   subject_id="kept", after={"alarm": 4})
        assert entry.seq is None  # chained only at the commit
        await session.commit()
    async with platform.session_factory() as session:  # closed without a commit: nothing
        await record_audit(session, actor=admin, action="threshold.changed", subject_type="threshold",
                           subject_id="never-committed", after={"alarm": 5})
    subjects, verdict = await _chain(platform, mine.mine_id)
    assert subjects == [*before, "in-savepoint", "kept"]
    assert verdict.ok and verdict.checked == len(subjects)
    async with platform.session_factory() as session:
        stored = await session.get(AuditEntry, entry.id)
    assert stored is not None and stored.seq == len(subjects) and stored.prev_hash != stored.hash


async def test_concurrent_transactions_append_one_unbroken_chain(make_mine, platform) -> None:
    mine = await make_mine()
    admin = mine.principal("admin")
    before, _ = await _chain(platform, mine.mine_id)

    async def writer(n: int) -> None:
        async with platform.session_factory() as session:
            for k in range(3):
                await record_audit(session, actor=admin, action="threshold.changed", subject_type="threshold",
                                   subject_id=f"w{n}-{k}", after={"alarm": n + k / 10})
                await asyncio.sleep(0)
            await session.commit()

    await asyncio.gather(*(writer(n) for n in range(8)))
    subjects, verdict = await _chain(platform, mine.mine_id)
    assert verdict.ok and verdict.checked == len(before) + 24
    added = subjects[len(before):]
    for n in range(8):  # one transaction's entries stay together and in order
        start = added.index(f"w{n}-0")
        assert added[start:start + 3] == [f"w{n}-0", f"w{n}-1", f"w{n}-2"]


async def test_one_transaction_appends_to_two_mines_chains_and_leaves_nothing_pending(make_mine, platform) -> None:
    first, second = await make_mine(), await make_mine()
    before_first, _ = await _chain(platform, first.mine_id)
    before_second, _ = await _chain(platform, second.mine_id)
    async with platform.session_factory() as session:
        for mine, name in ((second, "b1"), (first, "a1"), (second, "b2")):
            await record_audit(session, actor=None, mine_id=mine.mine_id, action="threshold.changed",
                               subject_type="threshold", subject_id=name, after={"alarm": 1})
        await session.commit()
    subjects_first, verdict_first = await _chain(platform, first.mine_id)
    subjects_second, verdict_second = await _chain(platform, second.mine_id)
    assert subjects_first == [*before_first, "a1"] and verdict_first.ok
    assert subjects_second == [*before_second, "b1", "b2"] and verdict_second.ok
    async with platform.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(AuditPendingEntry)) == 0
