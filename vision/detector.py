"""YOLO inference with ByteTrack tracking, turned into plain FrameObservations."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vision.config import VisionSettings
from vision.messages import FrameObservation, Person
from vision.models import ModelSpec, ModelTask, load_model, load_registry
from vision.offline import ultralytics_module

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

TRACK_ID_STRIDE = 1_000_000  # track ids of the n-th model start at n × stride


class Detector:
    """Runs the pose model and any extra detectors on a frame, each with its own ByteTrack tracker."""

    def __init__(self, settings: VisionSettings, model_names: list[str] | None = None) -> None:
        self.settings = settings
        ultralytics_module(Path(settings.cache_dir))
        import torch

        torch.set_num_threads(settings.threads)
        registry = load_registry(settings)
        names = model_names or [settings.model]
        missing = [n for n in names if n not in registry]
        if missing:
            raise KeyError(f"unknown models {missing}; registered: {sorted(registry)}")
        self.specs: list[ModelSpec] = [registry[n] for n in names]
        self.models: list[Any] = [load_model(spec, settings) for spec in self.specs]
        self.tracker_yaml = str(Path(ultralytics_module(Path(settings.cache_dir)).__file__).parent
                                / "cfg" / "trackers" / "bytetrack.yaml")

    @property
    def name(self) -> str:
        return "+".join(spec.name for spec in self.specs)

    def reset(self) -> None:
        """Forget all tracks (call between videos)."""
        from ultralytics.trackers.basetrack import BaseTrack

        for model in self.models:
            predictor = getattr(model, "predictor", None)
            for tracker in getattr(predictor, "trackers", None) or []:
                tracker.reset()
        BaseTrack.reset_id()

    def predict_raw(self, image: np.ndarray) -> list[Any]:
        """Bare ultralytics predict on every model (the benchmark's baseline)."""
        return [model.predict(image, imgsz=self.settings.imgsz, conf=self.settings.conf,
                              device=self.settings.device, verbose=False)[0] for model in self.models]

    def observe(self, image: np.ndarray, *, index: int, time_s: float) -> FrameObservation:
        """Detect and track everything in one frame."""
        height, width = image.shape[:2]
        persons: list[Person] = []
        for n, (spec, model) in enumerate(zip(self.specs, self.models, strict=True)):
            result = model.track(image, persist=True, tracker=self.tracker_yaml, imgsz=self.settings.imgsz,
                                 conf=self.settings.conf, device=self.settings.device, verbose=False)[0]
            persons.extend(_persons(result, spec, offset=n * TRACK_ID_STRIDE))
        return FrameObservation(index=index, time_s=time_s, width=width, height=height, persons=persons)


def _persons(result: Any, spec: ModelSpec, *, offset: int) -> list[Person]:
    boxes = result.boxes
    if boxes is None or len(boxes) == 0:
        return []
    xyxy = boxes.xyxy.cpu().numpy().tolist()
    confs = boxes.conf.cpu().numpy().tolist()
    classes = boxes.cls.cpu().numpy().astype(int).tolist()
    ids = boxes.id.cpu().numpy().astype(int).tolist() if boxes.id is not None else [None] * len(xyxy)
    keypoints = None
    if spec.task is ModelTask.POSE and result.keypoints is not None:
        keypoints = result.keypoints.data.cpu().numpy().tolist()
    out: list[Person] = []
    for i, box in enumerate(xyxy):
        label = spec.classes.get(result.names[classes[i]])
        if label is None:
            continue
        kps = [tuple(k) for k in keypoints[i]] if keypoints is not None else None
        track_id = ids[i] + offset if ids[i] is not None else None
        out.append(Person(track_id=track_id, box=tuple(box), conf=float(confs[i]), label=label,
                          keypoints=kps))
    return out
