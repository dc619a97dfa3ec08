"""Reassign and the manual alert in the whole app, headless, against a live backend, with screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.conftest import make_phone
from tests.mobile.test_app_headless import run_driver
from tests.mobile.test_manage_flows import assigned_hazard

SHOTS = ARTIFACTS / "screenshots" / "mobile-manage"

pytestmark = pytest.mark.slow


def test_reassign_and_manual_alert_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture,
                                                             photo: Path) -> None:
    reporter, officer = make_phone(tmp_path / "reporter", live_server.url), make_phone(tmp_path / "officer",
                                                                                        live_server.url)
    reporter.login(mine, "miner")
    officer.login(mine, "safety_officer")
    hazard_id = assigned_hazard(reporter, officer, mine, photo, "皮带机尾护罩缺失 belt tail guard missing")
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), "hazard_id": hazard_id,
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("safety_officer", "area_manager", "team_leader", "miner")}}
    run_driver("tests.mobile.manage_driver", plan, tmp_path, SHOTS, at_least=15)
