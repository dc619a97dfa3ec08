"""`minesafe vision analyze` and `watch` through typer, on the composited scene video."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from vision.cli import app
from vision.config import get_vision_settings


@pytest.fixture
def cli_env(vision_settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MINESAFE_VISION_CACHE_DIR", str(vision_settings.cache_dir))
    monkeypatch.setenv("MINESAFE_VISION_WORK_DIR", str(vision_settings.work_dir))
    get_vision_settings.cache_clear()
    yield
    get_vision_settings.cache_clear()


def test_analyze_prints_json_events_and_saves_snapshots(cli_env, scene_video, tmp_path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(scene_video[0]), "--json", "--snapshots", str(tmp_path),
                                      "--zone", "NO_ENTRY:0.6,0.3 1,0.3 1,1 0.6,1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [e["kind"] for e in data["events"]] == ["NO_ENTRY"]
    assert len(list(tmp_path.glob("*.jpg"))) == 1


def test_analyze_rejects_bad_zone_and_bad_file(cli_env, tmp_path) -> None:
    bad = CliRunner().invoke(app, ["analyze", str(tmp_path / "x.mp4"), "--zone", "NO_ENTRY:0,0 1,1 1,0 0,1"])
    assert bad.exit_code == 2 and "intersects itself" in bad.output
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 100)
    result = CliRunner().invoke(app, ["analyze", str(junk)])
    assert result.exit_code == 1 and "NOT_A_VIDEO" in result.output


def test_watch_loops_a_file(cli_env, scene_video) -> None:
    result = CliRunner().invoke(app, ["watch", str(scene_video[0]), "--max-frames", "40",
                                      "--zone", "NO_ENTRY:0.6,0.3 1,0.3 1,1 0.6,1"])
    assert result.exit_code == 0, result.output
    assert "NO_ENTRY" in result.output
