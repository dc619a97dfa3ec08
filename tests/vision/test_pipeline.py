"""The whole path on a short real video made from photographs of people, and on bad files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from contracts.vision import ZoneRule
from vision.messages import VisionEvent, ZoneSpec
from vision.video import (
    CorruptVideoError,
    EmptyVideoError,
    NotAVideoError,
    ResolutionTooLargeError,
    TruncatedVideoError,
    VideoError,
    probe,
)

WHOLE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
ZONES = [
    ZoneSpec(id="belt", name="belt head", kind=ZoneRule.NO_ENTRY, polygon=[(0.6, 0.3), (1, 0.3), (1, 1), (0.6, 1)]),
    ZoneSpec(id="road", name="roadway", kind=ZoneRule.NO_LYING, polygon=WHOLE, open_hazard=True),
    ZoneSpec(id="crowd", name="roadway crowd", kind=ZoneRule.MAX_PEOPLE, max_people=2, polygon=WHOLE),
    ZoneSpec(id="bay", name="left bay", kind=ZoneRule.DWELL_LIMIT, dwell_seconds=4,
             polygon=[(0, 0), (0.3, 0), (0.3, 1), (0, 1)]),
    ZoneSpec(id="far", name="far dwell", kind=ZoneRule.DWELL_LIMIT, dwell_seconds=30,
             polygon=[(0.6, 0.3), (1, 0.3), (1, 1), (0.6, 1)]),
]


def test_scene_raises_expected_events_and_no_others(analyzer, scene_video) -> None:
    path, timeline = scene_video
    info = analyzer.open(path)
    snapshots: list[tuple[VisionEvent, bytes]] = []
    progress: list[float] = []
    result = analyzer.analyze(info, ZONES, on_event=lambda e, j: snapshots.append((e, j)),
                              on_progress=lambda f, n: progress.append(f))
    got = sorted((e.kind.value, e.zone_id) for e in result.events)
    assert got == [("DWELL_LIMIT", "bay"), ("NO_ENTRY", "belt"), ("NO_LYING", "road")]
    by_kind = {e.kind: e for e in result.events}
    walker = by_kind[ZoneRule.NO_ENTRY].track_id
    assert by_kind[ZoneRule.NO_LYING].track_id == walker  # the same person, even across a lost track
    assert by_kind[ZoneRule.DWELL_LIMIT].track_id != walker
    # the walker's foot crosses x = 0.6 × 640 at frame 20 (2.0 s); 3 held samples at 5 fps
    assert 2.0 <= by_kind[ZoneRule.NO_ENTRY].time_s <= 3.0
    assert by_kind[ZoneRule.NO_LYING].time_s >= timeline["fall_start_s"]
    assert by_kind[ZoneRule.NO_LYING].open_hazard
    assert all(0 < e.confidence <= 1 for e in result.events)
    assert result.summary.frames_decoded == timeline["frames"]
    assert result.summary.frames_analysed == 35
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert len(snapshots) == 3
    for _, jpeg in snapshots:
        picture = Image.open(io.BytesIO(jpeg))
        assert picture.format == "JPEG" and picture.size == (640, 360)


def test_rerun_gives_the_same_event_keys(analyzer, scene_video) -> None:
    info = analyzer.open(scene_video[0])
    first = [e.key for e in analyzer.analyze(info, ZONES).events]
    assert first == [e.key for e in analyzer.analyze(info, ZONES).events]


def _write(path: Path, size: tuple[int, int], frames: int, fourcc: str = "MJPG") -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), i * 3 % 255, np.uint8))
    writer.release()
    return path


def test_bad_files_fail_with_typed_reasons(tmp_path: Path, vision_settings, scene_video) -> None:
    from vision.video import DecodeStats, sample_frames

    limits = {"max_pixels": vision_settings.max_pixels, "max_seconds": vision_settings.max_seconds}
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(EmptyVideoError, match="0 bytes"):
        probe(empty, **limits)
    text = tmp_path / "notes.mp4"
    text.write_text("this is a shift report, not a video\n" * 20)
    with pytest.raises(NotAVideoError, match="not a video"):
        probe(text, **limits)
    jpeg = tmp_path / "photo.avi"
    Image.new("RGB", (64, 64)).save(jpeg, format="JPEG")
    with pytest.raises(NotAVideoError):
        probe(jpeg, **limits)
    data = scene_video[0].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # mp4 index is at the end
    with pytest.raises(CorruptVideoError, match="cannot be opened"):
        probe(cut, **limits)
    avi = _write(tmp_path / "ok.avi", (160, 120), 40)
    half = tmp_path / "half.avi"
    half.write_bytes(avi.read_bytes()[: avi.stat().st_size // 2])
    info = probe(half, **limits)
    with pytest.raises(TruncatedVideoError, match="ends after"):
        list(sample_frames(info, sample_fps=5, stats=DecodeStats()))
    big = _write(tmp_path / "big.avi", (4000, 2400), 2)
    with pytest.raises(ResolutionTooLargeError, match="4000×2400"):
        probe(big, **limits)
    assert issubclass(ResolutionTooLargeError, VideoError)
    assert str(ResolutionTooLargeError("x")).startswith("RESOLUTION_TOO_LARGE")
