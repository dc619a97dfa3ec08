"""Fine-tune a mine's own detector (helmet, self-rescuer, smoking…) from the packaged pose checkpoint."""

from __future__ import annotations

import logging
from pathlib import Path

from vision.config import VisionSettings
from vision.models import DEFAULT_POSE, ModelSpec, ModelTask, register_model, resolve_weights
from vision.offline import ultralytics_module

logger = logging.getLogger(__name__)


def train_detector(*, settings: VisionSettings, data: Path, name: str, classes: dict[str, str],
                   epochs: int = 50, imgsz: int = 640, batch: int = 16) -> ModelSpec:
    """Train a YOLO11n detector on a YOLO-format dataset (data.yaml), starting from the pose weights.

    The backbone and neck are initialised from yolo11n-pose; the detection head is trained
    afresh. The best checkpoint is added to the model registry with the class → label map.
    """
    if not Path(data).is_file():
        raise FileNotFoundError(f"dataset description {data} not found")
    ultralytics = ultralytics_module(Path(settings.cache_dir))
    model = ultralytics.YOLO("yolo11n.yaml", task="detect").load(str(resolve_weights(DEFAULT_POSE)))
    project = (Path(settings.work_dir) / "train").resolve()
    model.train(data=str(Path(data).resolve()), epochs=epochs, imgsz=imgsz, batch=batch, device=settings.device,
                project=str(project), name=name, exist_ok=True, workers=0, plots=False, amp=False,
                verbose=False)
    best = project / name / "weights" / "best.pt"
    if not best.is_file():
        best = project / name / "weights" / "last.pt"
    target = Path(settings.cache_dir) / "trained" / f"{name}.pt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(best.read_bytes())
    spec = ModelSpec(name=name, task=ModelTask.DETECT, weights=str(target.resolve()), classes=classes)
    register_model(settings, spec)
    logger.info("trained %s → %s", name, target)
    return spec
