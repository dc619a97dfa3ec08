"""The manager's dashboard in the real app, headless, against a live backend, with screenshots (zh and en)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.dashboard_setup import set_up
from tests.mobile.test_app_headless import run_driver

SHOTS = ARTIFACTS / "screenshots" / "mobile-dashboard"

pytestmark = pytest.mark.slow


async def test_dashboard_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture,
                                                   platform: Any) -> None:
    await set_up(platform, mine)
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), "area_name": "15201 综采工作面",
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("mine_manager", "area_manager", "miner")}}
    await asyncio.to_thread(run_driver, "tests.mobile.dashboard_driver", plan, tmp_path, SHOTS, at_least=12)
