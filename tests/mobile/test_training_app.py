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


def test_training_screens_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture,
                                                    monkeypatch: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from backend.training.courses import rules

    # lesson time runs 600× faster on the (in-process) server: a 20-minute lesson counts after 2 s, so the
    # run shows the refusal of a lesson finished at once and then its credit; exams keep the real clock
    real = rules.lesson_seconds_to_go
    monkeypatch.setattr(rules, "lesson_seconds_to_go", lambda minimum, started, now: real(
        minimum, started, started + (now - started) * 600))
    five_months_ago = (datetime.now(UTC) - timedelta(days=150)).isoformat()
    ids = set_up(live_server.url, mine, link_started=five_months_ago)
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), **ids,
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("miner", "mentor")}}
    run_driver("tests.mobile.training_driver", plan, tmp_path, SHOTS, at_least=15)
