"""`train_detector` on a tiny synthetic YOLO dataset: 1 epoch, imgsz 64, then loaded through the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vision.config import VisionSettings


def _dataset(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(6):
            img = rng.integers(40, 90, (64, 64, 3), dtype=np.uint8)
            x, y, s = int(rng.integers(8, 40)), int(rng.integers(8, 40)), 16
            img[y:y + s, x:x + s] = (240, 200, 0)  # a yellow "bare head" blob
            Image.fromarray(img).save(root / "images" / split / f"{i}.jpg")
            (root / "labels" / split / f"{i}.txt").write_text(
                f"0 {(x + s / 2) / 64:.4f} {(y + s / 2) / 64:.4f} {s / 64:.4f} {s / 64:.4f}\n")
    data = root / "data.yaml"
    data.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n  0: head_no_helmet\n")
    return data


@pytest.mark.slow
def test_train_registers_a_loadable_detector(tmp_path: Path, vision_settings: VisionSettings) -> None:
    from vision.detector import Detector
    from vision.models import load_registry
    from vision.train import train_detector

    settings = vision_settings.model_copy(update={"registry_file": tmp_path / "registry.json",
                                                  "work_dir": tmp_path / "work", "imgsz": 64})
    spec = train_detector(settings=settings, data=_dataset(tmp_path / "ds"), name="helmet",
                          classes={"head_no_helmet": "no_helmet"}, epochs=1, imgsz=64, batch=4)
    assert load_registry(settings)["helmet"] == spec
    detector = Detector(settings, ["pose", "helmet"])
    frame = detector.observe(np.zeros((64, 64, 3), np.uint8), index=0, time_s=0.0)
    assert all(p.label in {"person", "no_helmet"} for p in frame.persons)
