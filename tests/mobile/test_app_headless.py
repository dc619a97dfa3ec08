"""The whole app, headless, against a live backend: every flow, a screenshot of every screen, a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mobile.settings import SERVER_KEY
from mobile.storage import LocalStore
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.conftest import Phone, jpeg_bytes

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ARTIFACTS / "screenshots" / "mobile"

pytestmark = pytest.mark.slow


def app_env(tmp_path: Path) -> dict[str, str]:
    kivy_home = tmp_path / "kivy-home"
    kivy_home.mkdir(exist_ok=True)
    return {**os.environ, "KIVY_HOME": str(kivy_home), "KIVY_NO_ARGS": "1",
            "KIVY_LOG_LEVEL": "warning", "SDL_VIDEODRIVER": os.environ.get("SDL_VIDEODRIVER", "offscreen"),
            "SDL_AUDIODRIVER": "dummy", "PYTHONPATH": str(ROOT)}


def run_driver(module: str, plan: dict[str, Any], tmp_path: Path, shots: Path, *, at_least: int) -> dict[str, Any]:
    """Clear `shots`, run `python -m <module> plan.json` headless, check its summary and screenshots."""
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps({**plan, "shots": str(shots)}))
    run = subprocess.run([sys.executable, "-m", module, str(plan_file)], cwd=ROOT, env=app_env(tmp_path),
                         capture_output=True, text=True, timeout=600, check=False)
    (shots / "driver.log").write_text(run.stderr + run.stdout)
    summary = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {}
    assert run.returncode == 0 and summary.get("ok"), (summary, run.stderr[-4000:])
    assert len(summary["screenshots"]) >= at_least
    assert all((shots / name).stat().st_size > 5000 for name in summary["screenshots"])
    return summary


def test_every_flow_headless_with_screenshots_and_a_restart(tmp_path: Path, live_server: Any, mine: MineFixture,
                                                            phone: Phone) -> None:
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    photos = []
    for i in range(2):
        path = pictures / f"hazard-{i}.jpg"
        path.write_bytes(jpeg_bytes(seed=i + 20, side=480))
        photos.append(str(path))
    broken = pictures / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"not a photo" * 300)
    # a second hazard, reported by another phone, for the live-update step
    phone.login(mine, "miner2")
    from mobile.outbox.store import ItemKind, ItemState

    item = phone.outbox.add(kind=ItemKind.REPORT_HAZARD, owner_id=phone.ctx.sessions.user.id, title="spill",
                            payload={"areaId": str(mine.areas[1]), "description": "oil spill at pump 2",
                                     "suggestedGrade": "GENERAL"}, photos=[Path(photos[1])])
    assert phone.sender.send(item) is ItemState.SENT
    second_hazard_id = phone.outbox.get(item.client_id).server_id

    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    data = tmp_path / "app-data"
    plan = {
        "server": live_server.url, "data": str(data), "shots": str(SHOTS), "photos": photos, "area": "Area 0",
        "broken_photo": str(broken),
        "second_hazard_id": second_hazard_id,
        "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                   for who in ("miner", "safety_officer", "safety_officer2", "team_leader", "mine_manager")},
    }
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    run = subprocess.run([sys.executable, "-m", "tests.mobile.ui_driver", str(plan_file)], cwd=ROOT,
                         env=app_env(tmp_path), capture_output=True, text=True, timeout=600, check=False)
    (SHOTS / "driver.log").write_text(run.stderr)
    summary = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {}
    assert run.returncode == 0 and summary.get("ok"), (summary, run.stderr[-4000:])
    assert len(summary["screenshots"]) >= 25
    assert all((SHOTS / name).stat().st_size > 5000 for name in summary["screenshots"])

    # restart: the mine manager's session survives, so the first screen is home
    restart = subprocess.run([sys.executable, "-m", "mobile"], cwd=ROOT, capture_output=True, text=True,
                             timeout=120, check=False,
                             env={**app_env(tmp_path), "MINESAFE_MOBILE_DATA": str(data),
                                  "MINESAFE_EXIT_WHEN_READY": "1"})
    ready = [line for line in restart.stdout.splitlines() if line.startswith("MINESAFE_READY")]
    assert restart.returncode == 0 and ready and "screen=home" in ready[0], restart.stderr[-3000:]

    # underground, out of coverage: the server cannot be reached; the app still starts, signed in
    store = LocalStore(data / "minesafe.db")
    store.set(SERVER_KEY, "http://127.0.0.1:9")
    store.close()
    offline = subprocess.run([sys.executable, "-m", "mobile"], cwd=ROOT, capture_output=True, text=True,
                             timeout=120, check=False,
                             env={**app_env(tmp_path), "MINESAFE_MOBILE_DATA": str(data),
                                  "MINESAFE_EXIT_WHEN_READY": "1"})
    ready = [line for line in offline.stdout.splitlines() if line.startswith("MINESAFE_READY")]
    assert offline.returncode == 0 and ready and "screen=home" in ready[0], offline.stderr[-3000:]
