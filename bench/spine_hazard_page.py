"""Benchmark (b) of issue 2: a page of 100 hazards with nested fields over GraphQL.

    .venv/bin/python bench/spine_hazard_page.py [--requests 200] [--postgres]

Prints the SQL statements one request runs (counted with a `before_cursor_execute` listener on the
platform engine) and requests/s, against a bare FastAPI endpoint in the same run that executes the same
SELECTs, written by hand with SQLAlchemy core (no ORM, no GraphQL), and returns the same JSON (photo
URLs signed the same way). Both apps run in-process over ASGI on the same database (a fresh SQLite file
by default), one request at a time after a warm-up, a GraphQL and a bare request in turn (medians per request).
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
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import and_, event, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch_postgres import scratch_postgres  # noqa: E402  (this folder is on the path)

from backend.accounts.models import User  # noqa: E402
from backend.accounts.security import hash_password, issue_access_token  # noqa: E402
from backend.accounts.service import principal_for  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.database.base import utcnow  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.hazards.models import Hazard, HazardPhoto, PhotoStage  # noqa: E402
from backend.hazards.rules import OPEN_STATES  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.org.models import Area, AreaKind, Mine  # noqa: E402
from backend.platform import Platform  # noqa: E402
from backend.storage.service import download_url  # noqa: E402
from contracts.hazards import HazardGrade, HazardLevel, HazardState  # noqa: E402

PAGE = """{ hazards(first: 100) { edges { cursor node {
  id state description isOverdue createdAt
  reporter { id displayName } responsible { id displayName } area { id name }
  photos { key url thumbnailUrl width height } } } pageInfo { hasNextPage endCursor } } }"""
HAZARDS = 150


async def seed(platform: Platform) -> tuple[uuid.UUID, User]:
    """A mine with three areas, a few people and 150 hazards, each with one report photo."""
    now = utcnow()
    async with platform.session_factory() as session:
        mine = Mine(code=uuid.uuid4().hex[:12], name="Bench mine")
        session.add(mine)
        await session.flush()
        areas = [Area(mine_id=mine.id, name=f"Face {i}", kind=AreaKind.WORKING_FACE) for i in range(3)]
        session.add_all(areas)
        password = hash_password("bench password")
        people = [User(mine_id=mine.id, username=f"user{i}-{mine.code}", display_name=f"Person {i}",
                       password_hash=password, roles=["safety_officer" if i == 0 else "miner"]) for i in range(6)]
        session.add_all(people)
        await session.flush()
        for i in range(HAZARDS):
            triaged = i % 3 != 0
            hazard = Hazard(
                id=uuid.uuid4(), mine_id=mine.id, area_id=areas[i % 3].id,
                state=HazardState.ASSIGNED if triaged else HazardState.REPORTED, reporter_id=people[1 + i % 5].id,
                reporter_name=people[1 + i % 5].display_name, description=f"roof bolt loose at {i} m",
                created_at=now - timedelta(minutes=i), updated_at=now - timedelta(minutes=i),
                grade=HazardGrade.GENERAL if triaged else None, level=HazardLevel.B if triaged else None,
                responsible_id=people[1 + (i + 2) % 5].id if triaged else None,
                deadline=now + timedelta(days=2 if i % 4 else -1) if triaged else None,
            )
            session.add(hazard)
            await session.flush()
            session.add(HazardPhoto(hazard_id=hazard.id, stage=PhotoStage.REPORT, position=0,
                                    key=f"photos/{hazard.id}/report.jpg", thumbnail_key=f"photos/{hazard.id}/t.jpg",
                                    width=2560, height=1920))
        await session.commit()
        return mine.id, people[0]


def bare_app(platform: Platform, mine_id: uuid.UUID) -> FastAPI:
    """The same four SELECTs by hand (core, no ORM), the same JSON, no GraphQL."""
    app = FastAPI()
    hazards, users, areas, photos = (Hazard.__table__, User.__table__, Area.__table__, HazardPhoto.__table__)

    @app.get("/page")
    async def page() -> dict[str, Any]:
        now = utcnow()
        async with platform.engine.connect() as connection:
            rows = (await connection.execute(
                select(hazards).where(hazards.c.mine_id == mine_id)
                .order_by(hazards.c.created_at.desc(), hazards.c.id.desc()).limit(101))).all()
            page_rows = rows[:100]
            people_ids = {r.reporter_id for r in page_rows} | {r.responsible_id for r in page_rows if r.responsible_id}
            people = {r.id: r for r in await connection.execute(select(users).where(users.c.id.in_(people_ids)))}
            places = {r.id: r for r in await connection.execute(
                select(areas).where(areas.c.id.in_({r.area_id for r in page_rows})))}
            pictures: dict[uuid.UUID, list[Any]] = {}
            for photo in await connection.execute(
                    select(photos).where(and_(photos.c.hazard_id.in_({r.id for r in page_rows})))
                    .order_by(photos.c.position)):
                if photo.stage == PhotoStage.REPORT:
                    pictures.setdefault(photo.hazard_id, []).append(photo)

        async def photo_json(photo: Any) -> dict[str, Any]:
            return {"key": photo.key, "width": photo.width, "height": photo.height,
                    "url": await download_url(store=platform.store, settings=platform.settings, key=photo.key),
                    "thumbnailUrl": await download_url(store=platform.store, settings=platform.settings,
                                                       key=photo.thumbnail_key)}

        def person(user_id: uuid.UUID | None) -> dict[str, str] | None:
            user = people.get(user_id) if user_id else None
            return {"id": str(user.id), "displayName": user.display_name} if user else None

        edges = []
        for r in page_rows:
            overdue = r.state in OPEN_STATES and r.deadline is not None and r.deadline < now
            edges.append({"cursor": str(r.id), "node": {
                "id": str(r.id), "state": r.state, "description": r.description, "isOverdue": overdue,
                "createdAt": r.created_at.isoformat(), "reporter": person(r.reporter_id),
                "responsible": person(r.responsible_id),
                "area": {"id": str(r.area_id), "name": places[r.area_id].name},
                "photos": [await photo_json(p) for p in pictures.get(r.id, [])]}})
        return {"data": {"hazards": {"edges": edges, "pageInfo": {"hasNextPage": len(rows) > 100,
                                                                   "endCursor": edges[-1]["cursor"]}}}}

    return app


async def interleaved(gql_http: httpx.AsyncClient, gql_send, bare_http: httpx.AsyncClient, bare_send,  # type: ignore[no-untyped-def]
                      count: int) -> tuple[float, float]:
    """Median seconds per request of each side, one request of each in turn (so that the load of a shared
    machine falls on both alike)."""
    for _ in range(10):
        await gql_send(gql_http)
        await bare_send(bare_http)
    gql_times, bare_times = [], []
    for _ in range(count):
        started = time.perf_counter()
        await gql_send(gql_http)
        middle = time.perf_counter()
        await bare_send(bare_http)
        gql_times.append(middle - started)
        bare_times.append(time.perf_counter() - middle)
    return statistics.median(gql_times), statistics.median(bare_times)




async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = await scratch_postgres() if args.postgres else f"sqlite+aiosqlite:///{tmp}/page.db"
        await asyncio.to_thread(upgrade, url)
        settings = Settings(environment="test", secret_key="bench-secret-" + "0" * 40, database_url=url,
                            public_url="http://bench", store_folder=Path(tmp) / "objects")
        platform = Platform.from_settings(settings)
        mine_id, officer = await seed(platform)
        token = issue_access_token(principal_for(officer), secret=settings.secret_key, minutes=60)
        app = create_app(settings, platform)
        app.state.platform = platform
        statements: list[str] = []
        event.listen(platform.engine.sync_engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: statements.append(statement))

        async def graphql(http: httpx.AsyncClient) -> dict[str, Any]:
            response = await http.post("/graphql", json={"query": PAGE}, headers={"Authorization": f"Bearer {token}"})
            body = response.json()
            assert "errors" not in body and len(body["data"]["hazards"]["edges"]) == 100, body
            return body

        async def bare(http: httpx.AsyncClient) -> dict[str, Any]:
            body = (await http.get("/page")).json()
            assert len(body["data"]["hazards"]["edges"]) == 100
            return body

        async with (httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as gql_http,
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_app(platform, mine_id)),
                                      base_url="http://bench") as bare_http):
            await graphql(gql_http)
            statements.clear()
            answer = await graphql(gql_http)
            graphql_statements = list(statements)
            statements.clear()
            bare_answer = await bare(bare_http)
            bare_statements = list(statements)
            same = [e["node"]["id"] for e in answer["data"]["hazards"]["edges"]] == \
                [e["node"]["id"] for e in bare_answer["data"]["hazards"]["edges"]]
            assert same, "the two endpoints disagree"
            size = len((await gql_http.post("/graphql", json={"query": PAGE},
                                            headers={"Authorization": f"Bearer {token}"})).content)
            graphql_times, bare_times = [], []
            for _ in range(args.rounds):
                g_time, b_time = await interleaved(gql_http, graphql, bare_http, bare, args.requests)
                graphql_times.append(g_time)
                bare_times.append(b_time)
        await platform.close()

    print(f"database: {url.split(':')[0]}; page of 100 hazards with reporter, responsible, area, photos "
          f"(2 signed URLs each); response {size / 1024:.0f} KiB")
    print(f"SQL statements per request: GraphQL {len(graphql_statements)}, bare endpoint {len(bare_statements)}")
    for statement in graphql_statements:
        print("   ", " ".join(statement.split())[:110])
    g, b = statistics.median(graphql_times), statistics.median(bare_times)
    print(f"GraphQL /graphql       {1 / g:7.1f} requests/s  ({1000 * g:6.1f} ms each)")
    print(f"bare FastAPI same SQL  {1 / b:7.1f} requests/s  ({1000 * b:6.1f} ms each)  (baseline)")
    ratios = [x / y for x, y in zip(graphql_times, bare_times, strict=True)]
    print(f"ratio                  {statistics.median(ratios):7.2f}x the baseline's time per request (median of the "
          f"{args.rounds} rounds' ratios; each round "
          f"{args.requests} requests each side, interleaved): " + ", ".join(f"{r:.2f}x" for r in ratios))


if __name__ == "__main__":
    asyncio.run(main())
