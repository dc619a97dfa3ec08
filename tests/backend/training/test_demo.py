"""The demo mine's training data is made through the real flows (seed-demo runs the hook)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.config import Settings
from backend.database.migrate import upgrade
from backend.platform import Platform
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from backend.training.bank.models import Question
from backend.training.courses.models import Assignment, AssignmentReason, Course
from backend.training.exams.models import Attempt, Exam
from backend.training.mentoring.models import Apprenticeship
from tests.conftest import TEST_SECRET


async def test_seed_demo_adds_courses_exams_an_apprentice_and_results(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert "backend.training.mentoring.demo:seed_training" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            def count(model, *where):  # type: ignore[no-untyped-def]
                return session.scalar(select(func.count()).select_from(model).where(*where))

            assert await count(Course) == 3 and await count(Question) == 12 and await count(Exam) == 2
            assert await count(Apprenticeship) == 1
            assert await count(Assignment, Assignment.reason == AssignmentReason.REMEDIAL) == 1
            assert await count(Attempt, Attempt.passed.is_(True)) == 1
    finally:
        await platform.close()
