"""Benchmark of issue 13: the four-colour map (四色图) of a mine with 500 units and 5,000 risk points.

    .venv/bin/python bench/risk_map.py [--queries 50] [--postgres]

The mine: 50 districts holding 450 areas (map positions set), 5,000 assessed risk points (mixed levels), 300
hazards, 3/4 open (a third linked to a point, the rest only in their area), 120 alerts, 3/4 open (sensor alarms and
warnings, critical ones, vision events) — so a good share of the points show a raised level. The shown levels are worked
out once after the bulk load by `backend.risks.dynamic.refresh_points` (in operation the hazard and alert flows
do it a few points at a time); that one-off cost is printed too.

Measured, in the same run, on the same database (a fresh SQLite file by default; --postgres a fresh PostgreSQL
database), one query at a time after a warm-up, each answer checked to give the same colour for every unit:
  minesafe (GraphQL): `{ riskMap { areas { area { id name code kind mapX mapY parentId } level pointCount
                       raisedCount } } }` over HTTP (ASGI, in-process), signed-in mine manager;
  minesafe (service): `backend.risks.map.four_colour_map` (the resolver's work without HTTP and GraphQL);
  bare SQL (stored):  one hand-written GROUP BY over the stored shown levels, districts joined by parent;
  bare SQL (derived): one hand-written statement deriving every point's shown level from its assessed level and
                      the live hazards and alerts (correlated EXISTS), then the highest per area and district —
                      the same colours computed from scratch, without anything stored.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import Integer, Uuid, bindparam, column, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.accounts.models import User  # noqa: E402
from backend.accounts.security import hash_password, issue_access_token  # noqa: E402
from backend.accounts.service import principal_for  # noqa: E402
from backend.alerts.models import Alert  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.database.base import utcnow  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.hazards.models import Hazard  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.org import service as org_service  # noqa: E402
from backend.org.models import Area  # noqa: E402
from backend.platform import Platform  # noqa: E402
from backend.risks import dynamic  # noqa: E402
from backend.risks.map import four_colour_map  # noqa: E402
from backend.risks.models import RiskPoint, RiskPointHazard  # noqa: E402
from backend.risks.rules import LEVEL_ORDER  # noqa: E402

DISTRICTS, AREAS, POINTS, HAZARDS, ALERTS = 50, 450, 5000, 300, 120
MAP = "{ riskMap { areas { area { id name code kind mapX mapY parentId } level pointCount raisedCount } } }"
RANKS = "CASE p.level WHEN 'BLUE' THEN 0 WHEN 'YELLOW' THEN 1 WHEN 'ORANGE' THEN 2 WHEN 'RED' THEN 3 END"
OPEN_HAZARD = "h.state IN ('REPORTED', 'ASSIGNED', 'RECTIFYING', 'PENDING_REVIEW')"
AT_POINT = ("(EXISTS (SELECT 1 FROM risk_point_hazards l WHERE l.hazard_id = h.id AND l.risk_point_id = p.id) "
            "OR (h.area_id = p.area_id AND NOT EXISTS (SELECT 1 FROM risk_point_hazards l2 "
            "WHERE l2.hazard_id = h.id)))")
OPEN_ALERT = "a.state IN ('RAISED', 'ACKNOWLEDGED') AND a.area_id = p.area_id"
ALARM = f"{OPEN_ALERT} AND a.source IN ('SENSOR', 'MANUAL') AND a.severity IN ('ALARM', 'CRITICAL')"
DERIVED = f"""
WITH live AS (
  SELECT p.area_id, {RANKS} AS base,
    EXISTS (SELECT 1 FROM hazards h WHERE h.mine_id = :mine AND {OPEN_HAZARD} AND {AT_POINT}) AS hz,
    EXISTS (SELECT 1 FROM hazards h WHERE h.mine_id = :mine AND {OPEN_HAZARD} AND h.grade = 'MAJOR'
            AND {AT_POINT}) AS major,
    EXISTS (SELECT 1 FROM alerts a WHERE a.mine_id = :mine AND {ALARM}) AS alarm,
    EXISTS (SELECT 1 FROM alerts a WHERE a.mine_id = :mine AND {ALARM} AND a.severity = 'CRITICAL') AS critical,
    EXISTS (SELECT 1 FROM alerts a WHERE a.mine_id = :mine AND {OPEN_ALERT} AND a.source = 'VISION'
            AND a.severity IN ('WARNING', 'ALARM', 'CRITICAL')) AS vision
  FROM risk_points p WHERE p.mine_id = :mine AND p.retired_at IS NULL AND p.level IS NOT NULL
), shown AS (
  SELECT area_id, CASE WHEN major OR critical THEN 3
                       WHEN hz OR alarm OR vision THEN CASE WHEN base >= 2 THEN 3 ELSE base + 1 END
                       ELSE base END AS rank FROM live
), per_area AS (SELECT area_id, MAX(rank) AS rank FROM shown GROUP BY area_id)
SELECT area_id, rank FROM per_area
UNION ALL
SELECT u.parent_id, MAX(per_area.rank) FROM per_area JOIN areas u ON u.id = per_area.area_id
WHERE u.parent_id IS NOT NULL GROUP BY u.parent_id
"""
STORED = """
WITH per_area AS (SELECT area_id, MAX(shown_rank) AS rank FROM risk_points
                  WHERE mine_id = :mine AND retired_at IS NULL GROUP BY area_id)
SELECT area_id, rank FROM per_area
UNION ALL
SELECT u.parent_id, MAX(per_area.rank) FROM per_area JOIN areas u ON u.id = per_area.area_id
WHERE u.parent_id IS NOT NULL GROUP BY u.parent_id
"""


async def seed(platform: Platform) -> tuple[uuid.UUID, User]:
    rng = random.Random(13)
    now = utcnow()
    async with platform.session_factory() as session:
        mine = await org_service.create_mine(session=session, code=f"RM{uuid.uuid4().hex[:6]}", name="Map mine")
        manager = User(mine_id=mine.id, username=f"mgr-{mine.code}", display_name="Manager",
                       password_hash=hash_password("bench password"), roles=["mine_manager"])
        session.add(manager)
        await session.flush()
        districts = [{"id": uuid.uuid4(), "mine_id": mine.id, "name": f"District {d}", "code": f"D{d:02d}",
                      "kind": "DISTRICT", "parent_id": None, "map_x": (d % 10) / 10, "map_y": (d // 10) / 5,
                      "created_at": now, "updated_at": now} for d in range(DISTRICTS)]
        areas = [{"id": uuid.uuid4(), "mine_id": mine.id, "name": f"Face {a}", "code": f"F{a:03d}",
                  "kind": "WORKING_FACE", "parent_id": districts[a % DISTRICTS]["id"], "map_x": rng.random(),
                  "map_y": rng.random(), "created_at": now, "updated_at": now} for a in range(AREAS)]
        await session.execute(insert(Area), districts)
        await session.execute(insert(Area), areas)
        levels = ["BLUE"] * 5 + ["YELLOW"] * 3 + ["ORANGE"]  # and every 97th point red
        points = []
        for i in range(POINTS):
            level = levels[rng.randrange(len(levels))] if i % 97 else "RED"
            points.append({"id": uuid.uuid4(), "mine_id": mine.id, "area_id": areas[i % AREAS]["id"],
                           "subject_kind": "AREA", "code": f"RP{i:05d}", "name": f"Risk point {i}",
                           "description": "", "level": level, "score": 1.0, "shown_level": level,
                           "shown_rank": [lv.value for lv in LEVEL_ORDER].index(level),
                           "raised": False, "raised_causes": [], "assessment_version": 1,
                           "created_at": now, "updated_at": now})
        await session.execute(insert(RiskPoint), points)
        hazards, links = [], []
        for i in range(HAZARDS):
            point = points[rng.randrange(POINTS)]
            hazards.append({"id": uuid.uuid4(), "mine_id": mine.id, "area_id": point["area_id"],
                            "state": rng.choice(["REPORTED", "ASSIGNED", "RECTIFYING", "CLOSED"]),
                            "source": "PERSON", "reporter_id": manager.id, "reporter_name": "bench",
                            "description": f"hazard {i}", "grade": "MAJOR" if i % 50 == 0 else "GENERAL",
                            "created_at": now, "updated_at": now})
            if i % 3 == 0:
                links.append({"risk_point_id": point["id"], "hazard_id": hazards[-1]["id"], "linked_at": now})
        await session.execute(insert(Hazard), hazards)
        await session.execute(insert(RiskPointHazard), links)
        alerts = []
        for i in range(ALERTS):
            source, severity = [("SENSOR", "ALARM"), ("SENSOR", "WARNING"), ("SENSOR", "CRITICAL"),
                                ("VISION", "WARNING"), ("MANUAL", "ALARM")][i % 5]
            alerts.append({"id": uuid.uuid4(), "mine_id": mine.id, "area_id": areas[rng.randrange(AREAS)]["id"],
                           "source": source, "source_ref": f"s{i}", "severity": severity,
                           "state": "RESOLVED" if i % 4 == 3 else "RAISED", "title": f"alert {i}", "detail": "",
                           "dedupe_key": f"bench:{i}", "raise_count": 1, "first_raised_at": now - timedelta(minutes=5),
                           "last_raised_at": now, "escalation_level": 0, "created_at": now, "updated_at": now})
        await session.execute(insert(Alert), alerts)
        await session.commit()
        return mine.id, manager


def colours_of(rows) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {str(area_id): int(rank) for area_id, rank in rows if rank is not None and rank >= 0}


async def timed(label: str, run, count: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    await run()
    times = []
    result = None
    for _ in range(count):
        started = time.perf_counter()
        result = await run()
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    print(f"  {label:<22} {median:8.2f} ms per query (median of {count}; min {min(times):.2f}, "
          f"max {max(times):.2f})")
    return median, result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            from bench.spine_hazard_page import fresh_postgres

            url = await fresh_postgres()
        else:
            url = f"sqlite+aiosqlite:///{tmp}/map.db"
        await asyncio.to_thread(upgrade, url)
        settings = Settings(environment="test", secret_key="bench-secret-" + "0" * 40, database_url=url,
                            public_url="http://bench", store_folder=Path(tmp) / "objects")
        platform = Platform.from_settings(settings)
        print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; {DISTRICTS} districts + {AREAS} areas, "
              f"{POINTS} risk points, {HAZARDS} hazards (about 3/4 open), {ALERTS} alerts (3/4 open)")
        mine_id, manager = await seed(platform)
        async with platform.session_factory() as session:
            points = (await session.scalars(select(RiskPoint).where(RiskPoint.mine_id == mine_id))).all()
            started = time.perf_counter()
            changed = await dynamic.refresh_points(session, actor=None, points=points, cause="bench load")
            await session.commit()
            print(f"  shown levels worked out once after the load: {len(changed)} of {len(points)} points raised, "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms (audited)")
        token = issue_access_token(principal_for(manager), secret=settings.secret_key, minutes=60)
        app = create_app(settings, platform)
        app.state.platform = platform
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            async def graphql():  # type: ignore[no-untyped-def]
                body = (await http.post("/graphql", json={"query": MAP},
                                        headers={"Authorization": f"Bearer {token}"})).json()
                assert "errors" not in body, body
                return {a["area"]["id"]: LEVEL_ORDER.index(a["level"]) for a in body["data"]["riskMap"]["areas"]
                        if a["level"]}

            async def service():  # type: ignore[no-untyped-def]
                async with platform.session_factory() as session:
                    rows = await four_colour_map(session=session, mine_id=mine_id)
                return {str(r.area.id): r.level.rank for r in rows if r.level is not None}

            async def bare(sql: str):  # type: ignore[no-untyped-def]
                async with platform.session_factory() as session:
                    statement = text(sql).bindparams(bindparam("mine", type_=Uuid())).columns(
                        column("area_id", Uuid()), column("rank", Integer()))
                    return colours_of((await session.execute(statement, {"mine": mine_id})).all())

            print("four-colour map of the whole mine:")
            g_ms, g = await timed("minesafe (GraphQL)", graphql, args.queries)
            s_ms, s = await timed("minesafe (service)", service, args.queries)
            st_ms, st = await timed("bare SQL (stored)", lambda: bare(STORED), args.queries)
            d_ms, d = await timed("bare SQL (derived)", lambda: bare(DERIVED), max(5, args.queries // 5))
        mine_key = uuid.UUID(str(mine_id)).hex
        assert g == s == st == d, "the four computations disagree"
        counts = {level.value: sum(1 for v in g.values() if v == level.rank) for level in LEVEL_ORDER}  # type: ignore[union-attr]
        print(f"  all four agree on {len(g)} coloured units {counts} (mine {mine_key[:8]})")  # type: ignore[arg-type]
        print(f"  GraphQL / bare stored: {g_ms / st_ms:.1f}×; service / bare stored: {s_ms / st_ms:.1f}×; "
              f"bare derived / GraphQL: {d_ms / g_ms:.1f}×")
        await platform.close()


if __name__ == "__main__":
    asyncio.run(main())
