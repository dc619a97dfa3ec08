"""The demo mine's risk data: points on areas, an activity and a device, assessed, with measures at the level their
risk demands, a checklist due today and one overdue, and a coloured four-colour map."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.config import Settings
from backend.database.base import utcnow
from backend.database.migrate import upgrade
from backend.inspections.models import CheckState, InspectionCheck
from backend.org.models import Mine
from backend.platform import Platform
from backend.risks import rules
from backend.risks.map import four_colour_map
from backend.risks.models import ControlMeasure, RiskPoint
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from tests.conftest import TEST_SECRET


async def test_seed_demo_builds_risk_points_checklists_and_the_map(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert "backend.risks.demo:seed_risks" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            points = (await session.scalars(select(RiskPoint).order_by(RiskPoint.code))).all()
            assert len(points) == 5 and all(p.level is not None and p.assessment_version == 1 for p in points)
            assert {p.subject_kind for p in points} == set(rules.RiskSubjectKind)
            assert {p.level for p in points} == set(rules.RiskLevel)
            for measure in (await session.scalars(select(ControlMeasure))).all():
                point = next(p for p in points if p.id == measure.risk_point_id)
                assert point.level is not None and rules.post_fits(point.level, measure.control_level)
            checks = (await session.scalars(select(InspectionCheck).order_by(InspectionCheck.due_at))).all()
            now = utcnow()
            assert [c.state for c in checks] == [CheckState.SCHEDULED] * 2
            assert checks[0].due_at < now < checks[1].due_at  # one overdue, one due later today
            mine = await session.scalar(select(Mine))
            assert mine is not None
            coloured = [a for a in await four_colour_map(session=session, mine_id=mine.id) if a.level is not None]
            assert len(coloured) >= 5 and any(a.level is rules.RiskLevel.RED for a in coloured)
    finally:
        await platform.close()
