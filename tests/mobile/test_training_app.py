"""The training screens in the real app, headless, against a live backend, with a screenshot of each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.test_app_headless import run_driver
from tests.mobile.training_setup import set_up

SHOTS = ARTIFACTS / "screenshots" / "mobile-training"

pytestmark = pytest.mark.slow


def test_training_screens_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    ids = set_up(live_server.url, mine)
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), **ids,
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("miner", "mentor")}}
    run_driver("tests.mobile.training_driver", plan, tmp_path, SHOTS, at_least=15)
