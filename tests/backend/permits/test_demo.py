"""seed-demo makes one permit of each main kind, in different states, through the real flows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.config import Settings
from backend.database.migrate import upgrade
from backend.permits.models import Permit
from backend.platform import Platform
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from tests.conftest import TEST_SECRET


async def test_seed_demo_makes_permits_in_every_main_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "backend.permits.demo:seed_permits" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            states = {p.kind_code: p.state.value for p in await session.scalars(select(Permit))}
    finally:
        await platform.close()
    assert states == {"HOT_WORK": "ACTIVE", "ELECTRICAL_ISOLATION": "SUSPENDED", "BLASTING": "APPLIED",
                      "ROOF_SUPPORT": "CLOSED", "WORK_AT_HEIGHT": "APPLIED"}
