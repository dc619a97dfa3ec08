"""Hazard lists at scale: cursors through 120 hazards with every filter, and no N+1 queries.

The hazards are written straight to the database (the loop itself is tested elsewhere), with known
states, grades, areas, assignees, deadlines and times, so every filter has an exact expected answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from backend.database.base import utcnow
from backend.hazards.models import Hazard, HazardPhoto, PhotoStage
from backend.hazards.rules import OPEN_STATES
from contracts.hazards import HazardGrade, HazardLevel, HazardState
from tests.conftest import MineFixture, gql

COUNT = 120
STATES = [HazardState.REPORTED, HazardState.ASSIGNED, HazardState.RECTIFYING, HazardState.PENDING_REVIEW,
          HazardState.CLOSED, HazardState.DISMISSED]
PAGE = """query($first: Int!, $after: String, $where: HazardFilterInput) {
  hazards(first: $first, after: $after, where: $where) {
    edges { cursor node { id state } } pageInfo { hasNextPage endCursor } } }"""
NESTED = """query($first: Int!) { hazards(first: $first) { edges { node {
  id state isOverdue escalationLevel
  reporter { id displayName } responsible { id displayName } escalatedTo { id }
  area { id name } photos { key url thumbnailUrl width } rectificationPhotos { key url } } } } }"""


@dataclass
class Seeded:
    mine: MineFixture
    hazards: list[Hazard]  # newest first
    now: datetime


async def seed(platform, mine: MineFixture, count: int = COUNT) -> Seeded:  # type: ignore[no-untyped-def]
    now = utcnow().replace(microsecond=0)
    hazards: list[Hazard] = []
    miner, miner2 = mine.users["miner"].id, mine.users["miner2"].id
    async with platform.session_factory() as session:
        for i in range(count):
            state = STATES[i % len(STATES)]
            # five hazards share one timestamp across the first page boundary (ties broken by id)
            created = now - timedelta(minutes=99 if 97 <= i <= 101 else i)
            triaged = state is not HazardState.REPORTED
            hazard = Hazard(
                id=uuid.uuid4(), mine_id=mine.mine_id, area_id=mine.areas[i % 3], state=state,
                reporter_id=miner, reporter_name="miner", description=f"hazard {i}", created_at=created,
                updated_at=created,
                grade=(HazardGrade.MAJOR if i % 5 == 0 else HazardGrade.GENERAL) if triaged else None,
                level=HazardLevel.B if triaged and i % 5 else None,
                responsible_id=(miner if i % 2 else miner2) if triaged else None,
                team_id=mine.teams[0] if triaged and i % 2 else None,
                assigned_at=created if triaged else None,
                deadline=(now - timedelta(hours=30) if i % 4 == 0 else now + timedelta(days=2)) if triaged else None,
            )
            session.add(hazard)
            hazards.append(hazard)
        await session.flush()
        for hazard in hazards:
            for stage in (PhotoStage.REPORT, PhotoStage.RECTIFICATION):
                session.add(HazardPhoto(hazard_id=hazard.id, stage=stage, position=0,
                                        key=f"photos/{hazard.id}/{stage.value.lower()}.jpg",
                                        thumbnail_key=f"photos/{hazard.id}/{stage.value.lower()}-thumb.jpg",
                                        width=800, height=600))
        await session.commit()
    hazards.sort(key=lambda h: (h.created_at, h.id), reverse=True)
    return Seeded(mine=mine, hazards=hazards, now=now)


@pytest.fixture(scope="module")
async def seeded(platform, make_mine) -> Seeded:  # type: ignore[no-untyped-def]
    return await seed(platform, await make_mine())


async def all_pages(client, token: str, where: dict[str, Any] | None, first: int = 100) -> list[str]:  # type: ignore[no-untyped-def]
    ids: list[str] = []
    after = None
    for _ in range(COUNT + 1):
        page = (await gql(client, PAGE, {"first": first, "after": after, "where": where}, token=token))["hazards"]
        ids += [e["node"]["id"] for e in page["edges"]]
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the cursor never reached the end")


async def test_pages_of_100_then_20_in_order_without_gaps_or_repeats(client, seeded: Seeded) -> None:
    token = seeded.mine.token("safety_officer")
    first = (await gql(client, PAGE, {"first": 100}, token=token))["hazards"]
    assert len(first["edges"]) == 100 and first["pageInfo"]["hasNextPage"] is True
    rest = (await gql(client, PAGE, {"first": 100, "after": first["pageInfo"]["endCursor"]}, token=token))["hazards"]
    assert len(rest["edges"]) == 20 and rest["pageInfo"]["hasNextPage"] is False
    ids = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert ids == [str(h.id) for h in seeded.hazards]
    # smaller pages walk the same list, including through the five tied timestamps
    assert await all_pages(client, token, None, first=7) == ids
    assert await all_pages(client, token, None, first=1) == ids


def expected(seeded: Seeded, keep) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(h.id) for h in seeded.hazards if keep(h)]


def overdue(h: Hazard, now: datetime) -> bool:
    return h.state in OPEN_STATES and h.deadline is not None and h.deadline < now


async def test_every_filter_pages_to_the_exact_set(client, seeded: Seeded) -> None:
    mine, now = seeded.mine, seeded.now
    miner = mine.users["miner"].id
    window_from, window_to = now - timedelta(minutes=29, seconds=30), now - timedelta(minutes=9, seconds=30)
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"states": ["ASSIGNED", "RECTIFYING"]}, lambda h: h.state in (HazardState.ASSIGNED, HazardState.RECTIFYING)),
        ({"grade": "MAJOR"}, lambda h: h.grade is HazardGrade.MAJOR),
        ({"areaId": str(mine.areas[1])}, lambda h: h.area_id == mine.areas[1]),
        ({"assigneeId": str(miner)}, lambda h: h.responsible_id == miner),
        ({"overdue": True}, lambda h: overdue(h, now)),
        ({"overdue": False}, lambda h: not overdue(h, now)),
        ({"reportedFrom": window_from.isoformat(), "reportedTo": window_to.isoformat()},
         lambda h: window_from <= h.created_at < window_to),
        ({"states": ["ASSIGNED", "CLOSED"], "grade": "GENERAL", "areaId": str(mine.areas[1]),
          "assigneeId": str(miner)},
         lambda h: h.state in (HazardState.ASSIGNED, HazardState.CLOSED) and h.grade is HazardGrade.GENERAL
         and h.area_id == mine.areas[1] and h.responsible_id == miner),
        ({"overdue": True, "areaId": str(mine.areas[2])}, lambda h: overdue(h, now) and h.area_id == mine.areas[2]),
    ]
    token = mine.token("safety_officer")
    for where, keep in cases:
        want = expected(seeded, keep)
        assert want, f"the seed gives {where} nothing to find"
        assert await all_pages(client, token, where, first=100) == want, where
        assert await all_pages(client, token, where, first=6) == want, where
    mine_only = await all_pages(client, mine.token("miner"), {"assignedToMe": True})
    assert mine_only == expected(seeded, lambda h: h.responsible_id == miner)
    window = expected(seeded, lambda h: window_from <= h.created_at < window_to)
    assert len(window) == 20


@contextmanager
def counting_statements(platform) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = platform.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_nested_fields_cost_the_same_statements_for_10_or_100_hazards(client, seeded: Seeded,
                                                                             platform) -> None:
    token = seeded.mine.token("safety_officer")
    counts = {}
    for first in (10, 100, 10):
        await platform.publisher.settle()  # the event publisher's own statements are not the page's
        with counting_statements(platform) as statements:
            data = await gql(client, NESTED, {"first": first}, token=token)
        nodes = [e["node"] for e in data["hazards"]["edges"]]
        assert len(nodes) == first
        assert all(n["reporter"]["id"] == seeded.mine.user_id("miner") and n["area"]["id"] for n in nodes)
        assert all(len(n["photos"]) == 1 and len(n["rectificationPhotos"]) == 1 for n in nodes)
        assert any(n["escalatedTo"] for n in nodes) and any(n["responsible"] for n in nodes)
        counts[first] = len(statements)
    assert counts[10] == counts[100], counts
    assert counts[100] <= 8, counts  # one list query and one per loader, not one per hazard


NODE = """fragment Node on Hazard { id reporter { id displayName } responsible { id displayName } area { id name }
  photos { key width height } rectificationPhotos { key } }"""


async def test_a_pages_nested_fields_are_those_of_each_hazard_asked_alone(client, seeded: Seeded) -> None:
    """The page fetches its nodes' people, areas and photos at once (fragments spread in); `hazard(id)` goes
    through the loaders: both answer the same."""
    token = seeded.mine.token("safety_officer")
    page = await gql(client, "query { hazards(first: 12) { edges { node { ...Node } } } }" + NODE, token=token)
    nodes = [edge["node"] for edge in page["hazards"]["edges"]]
    assert len(nodes) == 12 and any(n["responsible"] is None for n in nodes) and any(n["responsible"] for n in nodes)
    for node in nodes:
        alone = await gql(client, "query($id: ID!) { hazard(id: $id) { ...Node } }" + NODE, {"id": node["id"]},
                          token=token)
        assert alone["hazard"] == node
        assert len(node["photos"]) == 1 and node["area"]["name"]
