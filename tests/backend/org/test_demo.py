"""The demo mine's organisation is made through the flows: districts over its areas, posts, people with employee
numbers, and responsibility lists — the gas inspector's post in versions 1 (superseded)
and 2, and 3 (in force) once the risks demo names the face's methane risk point."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.audit import service as audit_service
from backend.config import Settings
from backend.database.migrate import upgrade
from backend.org.models import Area, AreaKind, PersonRecord, Post
from backend.platform import Platform
from backend.responsibility import service as responsibility_service
from backend.responsibility.models import ListState, ResponsibilityList
from backend.risks.models import RiskPoint
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from tests.conftest import TEST_SECRET


async def test_seed_demo_builds_the_organisation_and_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "backend.org.demo:seed_org" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            districts = (await session.scalars(select(Area).where(Area.kind == AreaKind.DISTRICT))).all()
            assert {d.code for d in districts} == {"D1", "D2"}
            placed = (await session.scalars(select(Area).where(Area.parent_id.is_not(None)))).all()
            # the five demo areas, and the refuge chamber that positioning's demo adds to D1
            assert len(placed) == 6 and all(a.code and a.map_x is not None for a in placed)
            assert await session.scalar(select(func.count()).select_from(Post)) == 5  # + the risks demo's mine post
            assert await session.scalar(select(func.count()).select_from(PersonRecord)) == 11
            gas = (await session.scalars(select(ResponsibilityList).join(Post, Post.id == ResponsibilityList.post_id)
                                         .where(Post.code == "GAS").order_by(ResponsibilityList.version))).all()
            assert [(g.version, g.state) for g in gas] == [(1, ListState.SUPERSEDED), (2, ListState.SUPERSEDED),
                                                           (3, ListState.PUBLISHED)]  # v3: the risks demo's point
            named = (await responsibility_service.items_of(session=session, list_ids=[gas[2].id]))[gas[2].id]
            point = await session.scalar(select(RiskPoint).where(RiskPoint.code == "RP-15201-GAS"))
            assert point is not None and str(point.id) in {i.subject_id for i in named}
            mine_id = districts[0].mine_id
            assert (await audit_service.verify_chain(session=session, mine_id=mine_id)).ok
    finally:
        await platform.close()
