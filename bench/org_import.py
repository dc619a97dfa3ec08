"""Benchmark of issue 12: importing 10,000 people from a CSV.

    .venv/bin/python bench/org_import.py [--people 10000] [--postgres]

minesafe: `backend.org.people.import_people` over a CSV of N people (employee number, name, post, team, roles,
phone, mentor), in one transaction, committed — parse, check every row (format, control characters, duplicates,
teams, posts, mentors, usernames), accounts, person records, post holdings, mentors, and one audit entry per
person plus the import's own, in the mine's hash chain. Then the same file again (nothing changes: idempotent).
Baseline, in the same run: a bare bulk INSERT of the same rows (users, person records, post holdings) with
SQLAlchemy core executemany, in one transaction, into a second fresh mine — no parsing, checks or audit.
Default database: a fresh SQLite file (the embedded default); --postgres makes a fresh PostgreSQL database.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch_postgres import scratch_postgres  # noqa: E402  (this folder is on the path)

from backend.accounts.models import User  # noqa: E402
from backend.accounts.roles import Principal, PrincipalKind, Role  # noqa: E402
from backend.database.base import utcnow  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.database.session import create_engine, create_session_factory  # noqa: E402
from backend.org import service as org_service  # noqa: E402
from backend.org.models import PersonRecord, Post, PostHolding  # noqa: E402
from backend.org.people import NO_PASSWORD, import_people  # noqa: E402
from backend.org.people_io import PeopleFormat, parse_people  # noqa: E402

POSTS = ("SHEARER", "GAS", "SAFETY", "ELEC")


def make_csv(count: int, tag: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["employee_no", "name", "post", "team", "roles", "phone", "mentor"])
    for i in range(count):
        mentor = f"{tag}{i - 1:05d}" if i % 10 else ""
        writer.writerow([f"{tag}{i:05d}", f"矿工 Miner {i}", POSTS[i % len(POSTS)], f"T{i % 8}",
                         "miner|mentor" if i % 10 == 0 else "miner", f"138{i:08d}", mentor])
    return out.getvalue().encode()


async def make_mine(factory, code: str):  # type: ignore[no-untyped-def]
    async with factory() as session:
        mine = await org_service.create_mine(session=session, code=code, name=code)
        area = await org_service.create_area(session=session, mine_id=mine.id, name="Face", kind="WORKING_FACE")
        teams = [await org_service.create_team(session=session, mine_id=mine.id, name=f"T{i}", area_id=area.id)
                 for i in range(8)]
        for team in teams:
            team.code = team.name
        posts = {}
        for code_ in POSTS:
            post = Post(mine_id=mine.id, code=code_, name=code_, unit_id=area.id)
            session.add(post)
            posts[code_] = post
        await session.commit()
        return mine.id, {t.name: t for t in teams}, posts


async def bare_insert(factory, mine_id, teams, posts, content: bytes) -> int:  # type: ignore[no-untyped-def]
    """The same rows as plain executemany INSERTs (the file is read with the csv module only)."""
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    now = utcnow()
    users, records, holdings = [], [], []
    ids = {r["employee_no"]: uuid.uuid4() for r in rows}
    for r in rows:
        team = teams[r["team"]]
        users.append({"id": ids[r["employee_no"]], "mine_id": mine_id, "username": "b" + r["employee_no"].lower(),
                      "display_name": r["name"], "password_hash": NO_PASSWORD, "roles": r["roles"].split("|"),
                      "team_id": team.id, "area_id": team.area_id, "is_active": True, "failed_logins": 0,
                      "created_at": now, "updated_at": now})
        records.append({"user_id": ids[r["employee_no"]], "mine_id": mine_id, "employee_no": r["employee_no"],
                        "post_id": posts[r["post"]].id, "phone": r["phone"],
                        "mentor_id": ids.get(r["mentor"]) if r["mentor"] else None,
                        "created_at": now, "updated_at": now})
        holdings.append({"id": uuid.uuid4(), "mine_id": mine_id, "post_id": posts[r["post"]].id,
                         "user_id": ids[r["employee_no"]], "started_at": now})
    async with factory() as session:
        await session.execute(insert(User), users)
        await session.execute(insert(PersonRecord), records)
        await session.execute(insert(PostHolding), holdings)
        await session.commit()
    return len(rows)


async def run(url: str, count: int) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    try:
        mine_id, _, _ = await make_mine(factory, "BENCH-A")
        bare_mine, bare_teams, bare_posts = await make_mine(factory, "BENCH-B")
        content = make_csv(count, "E")
        admin = Principal(kind=PrincipalKind.USER, id=uuid.uuid4(), mine_id=mine_id, name="bench admin",
                          roles=frozenset({Role.ADMIN}))

        started = time.perf_counter()
        parse_people(content, PeopleFormat.CSV)
        parse_s = time.perf_counter() - started

        started = time.perf_counter()
        async with factory() as session:
            report = await import_people(session, actor=admin, content=content, fmt=PeopleFormat.CSV)
            assert report.ok and report.created == count, report.errors[:3]
            await session.commit()
        import_s = time.perf_counter() - started

        started = time.perf_counter()
        async with factory() as session:
            again = await import_people(session, actor=admin, content=content, fmt=PeopleFormat.CSV)
            assert again.unchanged == count
            await session.commit()
        again_s = time.perf_counter() - started

        started = time.perf_counter()
        assert await bare_insert(factory, bare_mine, bare_teams, bare_posts, content) == count
        bare_s = time.perf_counter() - started
    finally:
        await engine.dispose()
    print(f"database: {url.split(':')[0]}, people: {count}")
    print(f"parse + row checks only        {parse_s:7.2f} s  {count / parse_s:9.0f} rows/s")
    print(f"minesafe import (new people)   {import_s:7.2f} s  {count / import_s:9.0f} rows/s")
    print(f"minesafe re-import (unchanged) {again_s:7.2f} s  {count / again_s:9.0f} rows/s")
    print(f"bare bulk INSERT (baseline)    {bare_s:7.2f} s  {count / bare_s:9.0f} rows/s")
    print(f"ratio import / bare            {import_s / bare_s:7.1f}×")




def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.postgres:
        url = asyncio.run(scratch_postgres())
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    asyncio.run(run(url, args.people))


if __name__ == "__main__":
    main()
