"""Benchmark of issue 4 item 4: raise_alert throughput and repeat folding, in-process and over GraphQL,
against a bare SQLAlchemy insert of the same row in the same run.

    .venv/bin/python bench/alerts_raise.py [--raises 2000] [--keys 20] [--concurrency 20] [--sqlite]

Set-up (not timed): a fresh database (PostgreSQL by default, `--sqlite` for the embedded default), one
mine with an area and a safety officer. Paths, one after the other, each with `--concurrency` tasks
sharing `--raises` operations, every operation its own transaction:

* bare insert + audit (the baseline): the same row and its audit entry written by hand with Core through the
  same engine, in one transaction — `INSERT INTO alerts`, the mine's chain head `SELECT … FOR UPDATE`, the
  hashed entry (same snapshot, `backend.audit.chain`), the head's `UPDATE`, commit (no checks, no ORM);
* bare insert alone (for reference): the `INSERT INTO alerts` without the audit entry;
* flow, new: `raise_alert` with a fresh dedupe key each time (validation, area check, open-row lookup,
  `INSERT … ON CONFLICT DO NOTHING`, audit-chain append, event queued, commit, publish);
* flow, repeats: `raise_alert` over only `--keys` dedupe keys, so nearly every raise folds into an open
  row (row lock, raise_count + 1, max severity, audit entry "alert.repeated");
* GraphQL, new: `raiseManualAlert` with a fresh clientId, against the real app in a uvicorn process;
* GraphQL, retries: `raiseManualAlert` repeating clientIds already raised (idempotent: returns the first).

Reported: operations per second (wall clock), p50 / p99 latency, and for the repeat paths the rows made
(must equal the keys) — the folding rate is the share of raises that folded instead of adding a row. With
`--scaling`, the baseline and `raise_alert` (new keys) also run one at a time, and the speed-up from 1 to
`--concurrency` raisers is printed for both (the chain head serialises the writers of one mine).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from scratch_postgres import scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"
RAISE = """mutation($input: RaiseManualAlertInput!) { raiseManualAlert(input: $input) { __typename
  ... on Alert { id raiseCount } ... on ValidationFailed { message } ... on NotAllowed { message } } }"""


async def fresh_database(use_sqlite: bool, folder: str) -> str:
    if use_sqlite:
        return f"sqlite+aiosqlite:///{folder}/bench.db"
    return await scratch_postgres()


async def start_backend(url: str, folder: str, port: int) -> asyncio.subprocess.Process:
    """The real app in its own uvicorn process (one worker) on the database, with the folder store."""
    environment = {**os.environ, "MINESAFE_ENVIRONMENT": "test", "MINESAFE_SECRET_KEY": SECRET,
                   "MINESAFE_DATABASE_URL": url, "MINESAFE_STORE_FOLDER": folder,
                   "MINESAFE_PUBLIC_URL": f"http://127.0.0.1:{port}", "MINESAFE_ALERTS_SWEEP_INTERVAL_SECONDS": "0"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory", "--host", "127.0.0.1", "--port",
        str(port), "--log-level", "warning", cwd=ROOT, env=environment)


def settings_for(database_url: str, store: str, port: int = 0) -> Any:
    from backend.config import Settings

    return Settings(environment="test", secret_key=SECRET, database_url=database_url, store_folder=Path(store),
                    public_url=f"http://127.0.0.1:{port}", alerts_sweep_interval_seconds=0)


async def run_paced(total: int, concurrency: int, operation: Callable[[int], Awaitable[None]]
                    ) -> tuple[float, list[float]]:
    """`total` operations shared by `concurrency` tasks; (seconds, latencies)."""
    counter = iter(range(total))
    latencies: list[float] = []

    async def worker() -> None:
        for index in counter:
            started = time.perf_counter()
            await operation(index)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return time.perf_counter() - started, latencies


def figures(name: str, total: int, seconds: float, latencies: list[float], extra: str = "") -> dict[str, Any]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    row = {"path": name, "ops": total, "per_s": total / seconds, "p50_ms": statistics.median(ordered) * 1000,
           "p99_ms": p99 * 1000, "extra": extra}
    print(f"{name:<34} {row['per_s']:8.0f}/s  p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms  {extra}",
          flush=True)
    return row


async def main(arguments: argparse.Namespace) -> None:
    from sqlalchemy import func, insert, select, update

    from backend.accounts.models import User
    from backend.accounts.roles import Role
    from backend.accounts.security import issue_access_token
    from backend.accounts.service import principal_for
    from backend.alerts import flows
    from backend.alerts.flows import snapshot
    from backend.alerts.models import Alert
    from backend.audit.chain import GENESIS_HASH, ChainLink, to_jsonable
    from backend.audit.models import AuditChainHead, AuditEntry
    from backend.database.base import utcnow
    from backend.database.migrate import upgrade
    from backend.database.unit_of_work import commit_and_publish
    from backend.org import service as org_service
    from backend.org.models import AreaKind
    from backend.platform import Platform
    from contracts.alerts import AlertSeverity, AlertSource, AlertState

    folder = tempfile.mkdtemp(prefix="minesafe-bench-alerts-")
    url = await fresh_database(arguments.sqlite, folder)
    await asyncio.to_thread(upgrade, url)
    platform = Platform.from_settings(settings_for(url, folder))
    async with platform.session_factory() as session:
        mine = await org_service.create_mine(session=session, code=uuid.uuid4().hex[:12], name="Bench mine")
        area = await org_service.create_area(session=session, mine_id=mine.id, name="Face", kind=AreaKind.WORKING_FACE)
        officer = User(mine_id=mine.id, username=f"officer-{mine.code}", display_name="officer", password_hash="-",
                       roles=[Role.SAFETY_OFFICER.value], area_id=area.id)
        session.add(officer)
        await session.commit()
    mine_id, area_id = mine.id, area.id
    token = issue_access_token(principal_for(officer), secret=SECRET, minutes=120)
    n, c = arguments.raises, arguments.concurrency
    print(f"database: {'SQLite' if arguments.sqlite else 'PostgreSQL'}; {n} operations per path, {c} at once",
          flush=True)
    rows: list[dict[str, Any]] = []
    # the fields of the audited alert snapshot, so that the baseline hashes the same entry
    SNAPSHOT_FIELDS = tuple(snapshot(Alert(state=AlertState.RAISED)).keys())

    def alert_row(key: str) -> dict[str, Any]:
        now = utcnow()
        return dict(id=uuid.uuid4(), mine_id=mine_id, area_id=area_id, source=AlertSource.SENSOR, source_ref="CH4-01",
                    severity=AlertSeverity.ALARM, state=AlertState.RAISED, title="CH4 above the alarm threshold",
                    detail="1.12 %", dedupe_key=key, raise_count=1, first_raised_at=now, last_raised_at=now,
                    escalation_level=0, created_at=now, updated_at=now)

    async def bare(index: int) -> None:
        async with platform.session_factory() as session:
            await session.execute(insert(Alert).values(**alert_row(f"bare:{index}")))
            await session.commit()

    def bare_audited(prefix: str) -> Callable[[int], Awaitable[None]]:
        async def operation(index: int) -> None:
            row = alert_row(f"{prefix}:{index}")
            async with platform.session_factory() as session:
                await session.execute(insert(Alert).values(**row))
                head = (await session.execute(select(AuditChainHead.seq, AuditChainHead.hash)
                                              .where(AuditChainHead.mine_id == mine_id).with_for_update())).one()
                after = to_jsonable({key: row.get(key) for key in SNAPSHOT_FIELDS})
                link = ChainLink(seq=head.seq + 1, at=utcnow(), actor_kind="system", actor_id=None,
                                 actor_name="minesafe", actor_role="system", action="alert.raised",
                                 subject_type="alert", subject_id=str(row["id"]), before={}, after=after,
                                 reason=None, prev_hash=head.hash)
                digest = link.digest()
                await session.execute(insert(AuditEntry).values(
                    id=uuid.uuid4(), mine_id=mine_id, hash=digest, **{
                        f.name: getattr(link, f.name) for f in dataclasses.fields(ChainLink)}))
                await session.execute(update(AuditChainHead).where(AuditChainHead.mine_id == mine_id)
                                      .values(seq=link.seq, hash=digest))
                await session.commit()
        return operation

    def flow(prefix: str, keys: int | None) -> Callable[[int], Awaitable[None]]:
        async def operation(index: int) -> None:
            key = f"{prefix}:{index if keys is None else index % keys}"
            async with platform.session_factory() as session:
                await flows.raise_alert(session, actor=None, mine_id=mine_id, source=AlertSource.SENSOR,
                                        source_ref="CH4-01", severity=AlertSeverity.ALARM, area_id=area_id,
                                        title="CH4 above the alarm threshold", detail="1.12 %", dedupe_key=key)
                await commit_and_publish(session, platform.publisher)
        return operation

    async def count(prefix: str) -> tuple[int, int]:
        async with platform.session_factory() as session:
            made = await session.scalar(select(func.count()).select_from(Alert)
                                        .where(Alert.dedupe_key.like(f"{prefix}:%")))
            raised = await session.scalar(select(func.sum(Alert.raise_count))
                                          .where(Alert.dedupe_key.like(f"{prefix}:%")))
        return made or 0, raised or 0

    async with platform.session_factory() as session:  # the chain head exists (the mine's first entry made it)
        if await session.get(AuditChainHead, mine_id) is None:
            session.add(AuditChainHead(mine_id=mine_id, seq=0, hash=GENESIS_HASH))
            await session.commit()
    seconds, latencies = await run_paced(n, c, bare_audited("audited"))
    rows.append(figures("bare insert + audit entry (baseline)", n, seconds, latencies))
    seconds, latencies = await run_paced(n, c, bare)
    rows.append(figures("bare insert alone (reference)", n, seconds, latencies))
    seconds, latencies = await run_paced(n, c, flow("new", None))
    made, _ = await count("new")
    rows.append(figures("raise_alert in-process, new keys", n, seconds, latencies, f"rows {made}"))
    scaling: list[str] = []
    if arguments.scaling:
        single = max(100, n // 4)
        for name, operation, at_c in (("bare insert + audit entry", bare_audited("audited1"), rows[0]["per_s"]),
                                      ("raise_alert, new keys", flow("new1", None), rows[2]["per_s"])):
            seconds, latencies = await run_paced(single, 1, operation)
            figures(f"{name}, 1 at a time", single, seconds, latencies)
            scaling.append(f"{name}: {single / seconds:.0f}/s alone → {at_c:.0f}/s with {c} at once "
                           f"({at_c / (single / seconds):.2f}× from 1 to {c})")
    seconds, latencies = await run_paced(n, c, flow("repeat", arguments.keys))
    made, raised = await count("repeat")
    rows.append(figures(f"raise_alert in-process, {arguments.keys} keys", n, seconds, latencies,
                        f"rows {made}, raise_count sum {raised}, folded {(n - made) / n:.1%}"))

    if arguments.no_graphql:
        await platform.close()
    else:
        port = arguments.port
        server = await start_backend(url, folder, port)
        try:
            limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as http:
                for _ in range(200):
                    try:
                        if (await http.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                client_ids = [str(uuid.uuid4()) for _ in range(n)]
                headers = {"Authorization": f"Bearer {token}"}

                def manual(pick: Callable[[int], str]) -> Callable[[int], Awaitable[None]]:
                    async def operation(index: int) -> None:
                        body = {"query": RAISE, "variables": {"input": {
                            "clientId": pick(index), "areaId": str(area_id), "severity": "ALARM",
                            "title": "Smell of smoke near the belt", "detail": "at 120 m"}}}
                        response = await http.post("/graphql", json=body, headers=headers)
                        result = response.json()["data"]["raiseManualAlert"]
                        assert result["__typename"] == "Alert", result
                    return operation

                seconds, latencies = await run_paced(n, c, manual(lambda i: client_ids[i]))
                rows.append(figures("raiseManualAlert (GraphQL), new", n, seconds, latencies))
                retries = [client_ids[i % arguments.keys] for i in range(n)]
                seconds, latencies = await run_paced(n, c, manual(lambda i: retries[i]))
                made, _ = await count("manual")
                rows.append(figures("raiseManualAlert (GraphQL), retries", n, seconds, latencies,
                                    f"manual rows {made} (= {n} first raises; retries add none)"))
        finally:
            server.terminate()
            await asyncio.wait_for(server.wait(), 20)
            await platform.close()
    base = rows[0]["per_s"]
    print("\n| path | ops/s | × bare | p50 | p99 | notes |\n| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['path']} | {row['per_s']:.0f} | {row['per_s'] / base:.2f} | {row['p50_ms']:.1f} ms | "
              f"{row['p99_ms']:.1f} ms | {row['extra']} |")
    for line in scaling:
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raises", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--scaling", action="store_true", help="also 1 at a time: the speed-up to --concurrency")
    parser.add_argument("--no-graphql", action="store_true", help="skip the GraphQL paths (a shorter run)")
    asyncio.run(main(parser.parse_args()))
