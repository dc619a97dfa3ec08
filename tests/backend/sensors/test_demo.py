"""seed-demo registers the simulator's sensors and hands the bridge its token (the bridge's config then
matches the simulator's topics)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from backend.config import Settings
from backend.database.migrate import upgrade
from backend.main import create_app
from backend.platform import Platform
from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
from contracts.demo import DEMO_MINE, DEMO_SENSORS
from sensors.api import BridgeConfig
from sensors.demo import demo_config
from tests.backend.sensors.api import bridge_config
from tests.conftest import TEST_SECRET


async def test_seed_demo_registers_the_simulators_sensors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "backend.sensors.demo:seed_sensors" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    token = (tmp_path / "var" / "sensor-bridge.token").read_text().strip()
    platform = Platform.from_settings(settings)
    try:
        app = create_app(settings, platform)
        app.state.platform = platform
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            result = await bridge_config(http, token)
    finally:
        await platform.close()
    config = BridgeConfig(mine_code=result["mineCode"], sensors=result["sensors"])
    assert config.mine_code == DEMO_MINE
    assert sorted(s.sensor_id for s in config.sensors) == sorted(code for code, *_ in DEMO_SENSORS)
    built_in = {s.sensor_id: s for s in demo_config().sensors}  # what the bridge uses when the backend is down
    for sensor in config.sensors:
        assert sensor == built_in[sensor.sensor_id], sensor.sensor_id
