"""The tracker stage alone, in CPU time: ByteTrack as the worker ran it before issue 9 against BoT-SORT with
camera-motion compensation as it runs now, on the same detections.

    .venv/bin/python bench/vision_tracker.py [--seconds 12]

Builds the 720p video of bench/vision_pipeline.py, samples it at 5 fps, runs the pose model once per frame
(conf 0.1) and then feeds the same detections and frames to each tracker three times; prints the best CPU
milliseconds per frame of each next to the model's own inference time per frame.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from vision_pipeline import build_video

from vision.offline import prepare_offline


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=12.0)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="vision-tracker-bench-"))
    prepare_offline(root / "models" / "ultralytics")

    from ultralytics.trackers.bot_sort import BOTSORT
    from ultralytics.trackers.byte_tracker import BYTETracker
    from ultralytics.utils import IterableSimpleNamespace

    from vision.config import VisionSettings
    from vision.detector import GMC_WIDTH, Detector, tracker_config
    from vision.video import DecodeStats, probe, sample_frames

    settings = VisionSettings(cache_dir=root / "models", work_dir=root / "work", sample_fps=5.0, threads=2)
    video = root / "robot-720p.mp4"
    build_video(video, args.seconds)
    info = probe(video, max_pixels=settings.max_pixels, max_seconds=settings.max_seconds)
    frames = [f.image for f in sample_frames(info, sample_fps=5.0, stats=DecodeStats())]
    model = Detector(settings).models[0]
    model.predict(frames[0], imgsz=settings.imgsz, conf=0.1, verbose=False)  # warm-up
    start = time.process_time()
    detections = [model.predict(f, imgsz=settings.imgsz, conf=0.1, verbose=False)[0].boxes.cpu().numpy()
                  for f in frames]
    infer_ms = (time.process_time() - start) / len(frames) * 1000

    def cpu_ms(make, conf: float) -> float:  # type: ignore[no-untyped-def]
        best = float("inf")
        for _ in range(3):
            tracker = make()
            start = time.process_time()
            for image, boxes in zip(frames, detections, strict=True):
                tracker.update(boxes[boxes.conf >= conf], image)
            best = min(best, time.process_time() - start)
        return best / len(frames) * 1000

    before = IterableSimpleNamespace(tracker_type="bytetrack", track_high_thresh=0.25, track_low_thresh=0.1,
                                     new_track_thresh=0.25, track_buffer=30, match_thresh=0.8, fuse_score=True)
    now = IterableSimpleNamespace(**tracker_config(settings, 5.0))

    def botsort(downscale: int):  # type: ignore[no-untyped-def]
        def make():  # type: ignore[no-untyped-def]
            tracker = BOTSORT(now)
            tracker.gmc.downscale = downscale
            return tracker
        return make

    scaled = max(2, round(info.width / GMC_WIDTH))
    print(f"{len(frames)} frames of {info.width}x{info.height}; inference {infer_ms:.1f} ms CPU/frame")
    rows = [("ByteTrack, detections >= 0.35 (before)", cpu_ms(lambda: BYTETracker(before), 0.35)),
            (f"BoT-SORT + GMC at 1/{scaled} scale (now)", cpu_ms(botsort(scaled), 0.1)),
            ("BoT-SORT + GMC at ultralytics' 1/2 scale", cpu_ms(botsort(2), 0.1))]
    for name, ms in rows:
        print(f"{name:<44} {ms:5.2f} ms CPU/frame ({ms / infer_ms:.1%} of inference)")


if __name__ == "__main__":
    main()
