"""The demo mine's KPI data is made through the real flows (seed-demo runs the hook): plans and records, a
scheme, two months assessed, this month's report stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.config import Settings
from backend.database.migrate import upgrade
from backend.kpi.models import AssessmentRun, AssessmentScheme, AssessmentScore, MaintenancePlan, MaintenanceRecord
from backend.platform import Platform
from backend.reports.models import Report, ReportFormat
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from tests.conftest import TEST_SECRET


async def test_seed_demo_adds_plans_a_scheme_an_assessment_and_a_report(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert "backend.kpi.demo:seed_kpi" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            plans = await session.scalar(select(func.count()).select_from(MaintenancePlan))
            records = await session.scalar(select(func.count()).select_from(MaintenanceRecord))
            assert plans and plans >= 3 and records == plans - 1
            assert await session.scalar(select(func.count()).select_from(AssessmentScheme)) == 1
            assert await session.scalar(select(func.count()).select_from(AssessmentRun)) == 2
            firsts = await session.scalar(select(func.count()).select_from(AssessmentScore).where(
                AssessmentScore.unit_kind == "TEAM", AssessmentScore.rank == 1))
            assert firsts and firsts >= 2  # a first team in each month (last month, with no data, ties)
            report = await session.scalar(select(Report))
            assert report is not None and report.format is ReportFormat.PDF
            data = await platform.store.get(report.key)
            assert data.startswith(b"%PDF") and len(data) == report.size
    finally:
        await platform.close()
