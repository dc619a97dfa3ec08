"""The demo mine's cameras, robot and zones are made through the real flows (seed-demo runs the hook)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.config import Settings
from backend.database.migrate import upgrade
from backend.platform import Platform
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from backend.vision.models import Camera, DangerZone
from tests.conftest import TEST_SECRET


async def test_seed_demo_adds_a_camera_a_robot_zones_and_the_worker_token(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert "backend.vision.demo:seed_vision" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            cameras = {c.code: c for c in await session.scalars(select(Camera))}
            assert set(cameras) == {"CAM-15201-01", "ROBOT-01"}
            assert all(c.device_id is not None for c in cameras.values())
            assert await session.scalar(select(func.count()).select_from(DangerZone)) == 6
    finally:
        await platform.close()
    devices = json.loads((tmp_path / "var/demo-devices.json").read_text())
    assert (tmp_path / "var/vision-worker.token").read_text().strip() == devices["tokens"]["vision-worker"]
    assert json.loads((tmp_path / "var/demo-vision.json").read_text())["cameras"].keys() == cameras.keys()
