"""Fixtures for the vision tests: offline settings with a per-session model cache, one loaded analyzer."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("ultralytics", reason="needs the vision extra: pip install -e '.[vision]'")

from vision.config import VisionSettings


@pytest.fixture(scope="session")
def vision_settings(tmp_path_factory: pytest.TempPathFactory) -> VisionSettings:
    root = tmp_path_factory.mktemp("vision")
    return VisionSettings(cache_dir=root / "models", work_dir=root / "work", imgsz=640, sample_fps=5.0,
                          hold_frames=3, lying_hold_frames=3, threads=2)


@pytest.fixture(scope="session")
def analyzer(vision_settings: VisionSettings):
    from vision.pipeline import Analyzer

    return Analyzer(vision_settings)


@pytest.fixture(scope="session")
def scene_video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    from tests.vision.synth import write_scene_video

    path = tmp_path_factory.mktemp("scene") / "scene.mp4"
    return path, write_scene_video(path)
