"""The README's first command seeds the demo mine in a fresh process: `minesafe db upgrade` then `seed-demo`.

In-process tests import every domain; a fresh interpreter imports only what the command does, so a model
whose foreign key names another domain's table fails there first (hazards.drill_id → drills did)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_seed_demo_runs_in_a_fresh_process(tmp_path: Path) -> None:
    env = {**os.environ, "MINESAFE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'minesafe.db'}",
           "MINESAFE_STORE_FOLDER": str(tmp_path / "objects"), "MINESAFE_ENVIRONMENT": "development",
           "PYTHONPATH": str(ROOT)}
    env.pop("MINESAFE_SECRET_KEY", None)
    for command in (["db", "upgrade"], ["seed-demo"]):
        run = subprocess.run([sys.executable, "-m", "backend.cli", *command], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
    assert "Device tokens" in run.stdout, run.stdout
