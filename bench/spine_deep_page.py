"""Benchmark: a page deep in a 100,000-hazard list costs the same as the first page.

    .venv/bin/python bench/spine_deep_page.py [--hazards 100000] [--postgres]

One mine with 100,000 hazards (core INSERTs, not timed). In one run, with the same session factory:
`backend.hazards.service.list_page` for the first page of 100 and for a page after a cursor 90,000 rows
deep (the cursor taken from the list itself), each the median of 50 calls; then the database's own plan
for the deep page's statement. Baseline: the first page (the issue's goal is deep = first).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from spine_hazard_page import fresh_postgres  # noqa: E402

from backend.accounts.models import User  # noqa: E402
from backend.database.base import utcnow  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.database.session import create_engine, create_session_factory  # noqa: E402
from backend.hazards import service  # noqa: E402
from backend.hazards.models import Hazard  # noqa: E402
from backend.org.models import Area, AreaKind, Mine  # noqa: E402
from contracts.hazards import HazardState  # noqa: E402


async def timed(call, count: int) -> float:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await call()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--depth", type=int, default=90_000)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = await fresh_postgres() if args.postgres else f"sqlite+aiosqlite:///{tmp}/deep.db"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        factory = create_session_factory(engine)
        async with factory() as session:
            other = Mine(code=uuid.uuid4().hex[:12], name="Other mine")  # a second mine shares the table
            mine = Mine(code=uuid.uuid4().hex[:12], name="Deep mine")
            session.add_all([mine, other])
            await session.flush()
            areas = [Area(mine_id=m.id, name="Face", kind=AreaKind.WORKING_FACE) for m in (mine, other)]
            people = [User(mine_id=m.id, username=f"u-{m.code}", display_name="P", password_hash="x",
                           roles=["miner"]) for m in (mine, other)]
            session.add_all([*areas, *people])
            await session.commit()
        now = utcnow()
        started = time.perf_counter()
        async with engine.begin() as connection:
            for m, area, person in zip((mine, other), areas, people, strict=True):
                rows = [{"id": uuid.uuid4(), "mine_id": m.id, "area_id": area.id, "state": HazardState.REPORTED,
                         "reporter_id": person.id, "reporter_name": "P", "description": f"hazard {i}",
                         "created_at": now - timedelta(seconds=i // 2), "updated_at": now}  # pairs share a time
                        for i in range(args.hazards)]
                for start in range(0, len(rows), 10_000):
                    await connection.execute(insert(Hazard), rows[start:start + 10_000])
            if args.postgres:
                await connection.execute(text("ANALYZE hazards"))
        print(f"seeded {2 * args.hazards:,} hazards (two mines) in {time.perf_counter() - started:.1f} s")
        criteria = service.HazardFilter()
        async with factory() as session:
            ordered = select(Hazard.created_at, Hazard.id).where(Hazard.mine_id == mine.id).order_by(
                Hazard.created_at.desc(), Hazard.id.desc()).offset(args.depth - 1).limit(1)
            deep_at, deep_id = (await session.execute(ordered)).one()
            deep_cursor = service.cursors.encode_cursor(deep_at, deep_id)

            async def first_page() -> None:
                page = await service.list_page(session=session, mine_id=mine.id, criteria=criteria, first=100,
                                               after=None)
                assert len(page.hazards) == 100

            async def deep_page() -> None:
                page = await service.list_page(session=session, mine_id=mine.id, criteria=criteria, first=100,
                                               after=deep_cursor)
                assert len(page.hazards) == 100 and page.hazards[0].created_at <= deep_at

            first_ms = await timed(first_page, args.calls)
            deep_ms = await timed(deep_page, args.calls)
            statements: list[tuple[str, object]] = []
            from sqlalchemy import event
            listener = lambda conn, cursor, statement, params, *rest: statements.append((statement, params))  # noqa: E731
            event.listen(engine.sync_engine, "before_cursor_execute", listener)
            await deep_page()
            event.remove(engine.sync_engine, "before_cursor_execute", listener)
            statement, params = statements[-1]
            explain = "EXPLAIN QUERY PLAN " if not args.postgres else "EXPLAIN "
            raw = await session.connection()
            driver = await raw.get_raw_connection()
            if args.postgres:
                plan = [r[0] for r in await driver.driver_connection.fetch(explain + statement, *params)]
            else:
                cursor = await driver.driver_connection.execute(explain + statement, params)
                plan = [str(r[-1]) for r in await cursor.fetchall()]
        await engine.dispose()
    print(f"database: {url.split(':')[0]}; list_page(first=100), median of {args.calls} calls")
    print(f"first page (baseline)           {first_ms:7.2f} ms")
    print(f"page after {args.depth:,} rows        {deep_ms:7.2f} ms   ({deep_ms / first_ms:.2f}x the first page)")
    print("deep page plan:")
    for line in plan:
        print("   ", line)


if __name__ == "__main__":
    asyncio.run(main())
