"""YOLO inference with BoT-SORT (or ByteTrack) tracking, turned into plain FrameObservations.

The tracker sees only the sampled frames, so its settings are made for them: a lost track is kept
for `track_buffer_seconds` at the sampling rate (not 30 frames of a 30 fps camera), detections down
to `track_low_conf` reach it (its second association stage keeps a partly hidden person on their
track; only a detection of `conf` or more starts one), and BoT-SORT's global motion compensation
follows a panning robot camera, which plain ByteTrack takes for everyone moving at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
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
GMC_WIDTH = 320  # pixels: BoT-SORT's camera-motion estimate works on frames downscaled to about this width


def tracker_config(settings: VisionSettings, sample_fps: float) -> dict[str, Any]:
    """The ultralytics tracker settings for frames sampled at `sample_fps`."""
    low = min(settings.track_low_conf, settings.conf)
    buffer = max(1, math.ceil(settings.track_buffer_seconds * sample_fps))
    config: dict[str, Any] = {
        "tracker_type": settings.tracker, "track_high_thresh": settings.conf, "track_low_thresh": low,
        "new_track_thresh": settings.conf, "track_buffer": buffer,
        "match_thresh": settings.track_match_thresh, "fuse_score": True,
    }
    if settings.tracker == "botsort":
        config |= {"gmc_method": None if settings.gmc_method == "none" else settings.gmc_method,
                   "proximity_thresh": 0.5, "appearance_thresh": 0.8, "with_reid": False, "model": "auto"}
    return config


class Detector:
    """Runs the pose model and any extra detectors on a frame, each with its own tracker."""

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
        self.tracker_yaml = ""
        self.configure_tracker(settings.sample_fps)

    def configure_tracker(self, sample_fps: float) -> dict[str, Any]:
        """Set the trackers up for frames sampled at `sample_fps` (existing ones are changed in place)."""
        config = tracker_config(self.settings, sample_fps)
        folder = Path(self.settings.work_dir) / "trackers"
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(config, indent=1, sort_keys=True)  # JSON is YAML; ultralytics reads the file by its path
        path = folder / f"{config['tracker_type']}-{hashlib.sha256(text.encode()).hexdigest()[:12]}.yaml"
        if not path.exists():  # written whole, then renamed: another worker may be reading it
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(text)
            partial.replace(path)
        self.tracker_yaml = str(path)
        for model in self.models:
            for tracker in getattr(getattr(model, "predictor", None), "trackers", None) or []:
                tracker.args.track_buffer = tracker.max_frames_lost = config["track_buffer"]
        return config

    @property
    def name(self) -> str:
        return "+".join(spec.name for spec in self.specs)

    def reset(self, sample_fps: float | None = None) -> None:
        """Forget all tracks (call between videos); `sample_fps`: the rate the next video is sampled at."""
        from ultralytics.trackers.basetrack import BaseTrack

        if sample_fps is not None:
            self.configure_tracker(sample_fps)
        for model in self.models:
            predictor = getattr(model, "predictor", None)
            for tracker in getattr(predictor, "trackers", None) or []:
                tracker.reset()
        BaseTrack.reset_id()

    def predict_raw(self, image: np.ndarray) -> list[Any]:
        """Bare ultralytics predict on every model (the benchmark's baseline)."""
        return [model.predict(image, imgsz=self.settings.imgsz, conf=self.settings.conf,
                              device=self.settings.device, verbose=False)[0] for model in self.models]

    def _scale_motion_estimate(self, model: Any, width: int) -> None:
        """Estimate camera motion on a frame about GMC_WIDTH wide: as good for a pan, a quarter of the work at 720p."""
        downscale = max(2, round(width / GMC_WIDTH))
        for tracker in getattr(getattr(model, "predictor", None), "trackers", None) or []:
            gmc = getattr(tracker, "gmc", None)
            if gmc is not None and gmc.downscale != downscale:
                gmc.downscale = downscale
                gmc.reset_params()  # the previous frame was kept at the old scale

    def observe(self, image: np.ndarray, *, index: int, time_s: float) -> FrameObservation:
        """Detect and track everything in one frame."""
        height, width = image.shape[:2]
        persons: list[Person] = []
        for n, (spec, model) in enumerate(zip(self.specs, self.models, strict=True)):
            self._scale_motion_estimate(model, width)
            result = model.track(image, persist=True, tracker=self.tracker_yaml, imgsz=self.settings.imgsz,
                                 conf=min(self.settings.track_low_conf, self.settings.conf),
                                 device=self.settings.device, verbose=False)[0]
            self._scale_motion_estimate(model, width)  # the first call made the trackers
            persons.extend(_persons(result, spec, offset=n * TRACK_ID_STRIDE))
        return FrameObservation(index=index, time_s=time_s, width=width, height=height, persons=persons)


def _persons(result: Any, spec: ModelSpec, *, offset: int) -> list[Person]:
    boxes = result.boxes
    if boxes is None or len(boxes) == 0 or boxes.id is None:
        return []  # without ids these are detections the tracker did not take (too weak to start a track)
    xyxy = boxes.xyxy.cpu().numpy().tolist()
    confs = boxes.conf.cpu().numpy().tolist()
    classes = boxes.cls.cpu().numpy().astype(int).tolist()
    ids = boxes.id.cpu().numpy().astype(int).tolist()
    keypoints = None
    if spec.task is ModelTask.POSE and result.keypoints is not None:
        keypoints = result.keypoints.data.cpu().numpy().tolist()
    out: list[Person] = []
    for i, box in enumerate(xyxy):
        label = spec.classes.get(result.names[classes[i]])
        if label is None:
            continue
        kps = [tuple(k) for k in keypoints[i]] if keypoints is not None else None
        out.append(Person(track_id=ids[i] + offset, box=tuple(box), conf=float(confs[i]), label=label,
                          keypoints=kps))
    return out
