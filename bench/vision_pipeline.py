"""Vision pipeline throughput against bare ultralytics predict on the same frames, and real-time factor.

    .venv/bin/python bench/vision_pipeline.py [--seconds 12] [--threads 2] [--device cuda:0]

Builds a 25 fps 1280×720 video from the ultralytics sample photographs (people walking into a
zone, one falling), then in one run: (a) bare `YOLO.predict` on the frames the sampler picks,
pre-decoded, and (b) the full pipeline (decode, sample at 5 fps, infer, BoT-SORT, rules, events
with snapshots). Prints frames/s of both, their ratio, the real-time factor of (b), and the CPU time
per frame of both (steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vision.offline import prepare_offline


def build_video(path: Path, seconds: float) -> None:
    import cv2

    from tests.vision.synth import write_scene_video

    small = path.with_suffix(".small.avi")
    write_scene_video(small, fourcc="MJPG", frames=70)
    capture = cv2.VideoCapture(str(small))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(image, (1280, 720), interpolation=cv2.INTER_LINEAR))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (1280, 720))
    for i in range(int(seconds * 25)):
        writer.write(frames[min(i * 10 // 25, len(frames) - 1)])  # the 10 fps scene slowed onto 25 fps
    writer.release()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--imgsz", type=int, default=640)
    parser.add_argument("--device", default="cpu", help="cpu, or a CUDA device such as cuda:0 (runs the .pt model)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="vision-bench-"))
    prepare_offline(root / "models" / "ultralytics")

    from tests.vision.test_pipeline import ZONES
    from vision.config import VisionSettings
    from vision.detector import Detector
    from vision.pipeline import Analyzer
    from vision.video import DecodeStats, probe, sample_frames

    settings = VisionSettings(cache_dir=root / "models", work_dir=root / "work", sample_fps=5.0,
                              imgsz=args.imgsz, threads=args.threads, device=args.device,
                              prefer_onnx=args.device == "cpu")
    video = root / "robot-720p.mp4"
    build_video(video, args.seconds)
    info = probe(video, max_pixels=settings.max_pixels, max_seconds=settings.max_seconds)
    frames = [f.image for f in sample_frames(info, sample_fps=5.0, stats=DecodeStats())]

    bare = Detector(settings)
    for image in frames[:3]:
        bare.predict_raw(image)  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    for image in frames:
        bare.predict_raw(image)
    bare_s, bare_cpu = time.perf_counter() - start, time.process_time() - cpu

    analyzer = Analyzer(settings)
    analyzer.analyze(info, ZONES)  # warm-up pass
    start, cpu = time.perf_counter(), time.process_time()
    result = analyzer.analyze(info, ZONES, on_event=lambda _e, _j: None)
    full_s, full_cpu = time.perf_counter() - start, time.process_time() - cpu

    bare_fps, full_fps = len(frames) / bare_s, result.summary.frames_analysed / full_s
    print(f"video: {info.width}x{info.height} @ {info.fps:g} fps, {info.duration_s:.1f} s, "
          f"{info.frame_count} frames; sampled at 5 fps -> {len(frames)} frames; imgsz {args.imgsz}, "
          f"{args.threads} threads, device {args.device}")
    print(f"bare ultralytics predict (pre-decoded frames): {bare_fps:6.2f} frames/s")
    print(f"full pipeline (decode+infer+track+rules+events): {full_fps:6.2f} frames/s")
    print(f"ratio full/bare: {full_fps / bare_fps:.3f}")
    # CPU time of this process: steadier than wall time when other work shares the cores
    bare_ms, full_ms = bare_cpu / len(frames) * 1000, full_cpu / result.summary.frames_analysed * 1000
    print(f"CPU per analysed frame: bare {bare_ms:.1f} ms, full pipeline {full_ms:.1f} ms "
          f"(ratio bare/full {bare_ms / full_ms:.3f})")
    print(f"real-time factor (video seconds per wall second): {info.duration_s / full_s:.2f}")
    print(f"events: {result.summary.events_by_kind}")


if __name__ == "__main__":
    main()
