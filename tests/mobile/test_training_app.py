"""The training screens in the real app, headless, against a live backend, with a screenshot of each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.test_app_headless import ROOT, app_env
from tests.mobile.training_setup import set_up

SHOTS = ARTIFACTS / "screenshots" / "mobile-training"

pytestmark = pytest.mark.slow


def test_training_screens_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    ids = set_up(live_server.url, mine)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), "shots": str(SHOTS), **ids,
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("miner", "mentor")}}
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    run = subprocess.run([sys.executable, "-m", "tests.mobile.training_driver", str(plan_file)], cwd=ROOT,
                         env=app_env(tmp_path), capture_output=True, text=True, timeout=600, check=False)
    (SHOTS / "driver.log").write_text(run.stderr)
    summary = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {}
    assert run.returncode == 0 and summary.get("ok"), (summary, run.stderr[-4000:])
    assert len(summary["screenshots"]) >= 15
    assert all((SHOTS / name).stat().st_size > 5000 for name in summary["screenshots"])
