"""The rules and the tracker on real footage: a robot camera panning across the people of bus.jpg.

The videos are made at test time from ultralytics' own photograph (crop windows moving across it,
encoded with OpenCV), so where every person is in every frame is known exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.geometry import point_in_polygon
from contracts.vision import ZoneRule
from tests.vision.synth import Pan, iou, write_pan_video
from vision.config import VisionSettings
from vision.detector import tracker_config
from vision.messages import VisionEvent, ZoneSpec
from vision.rules import foot_point
from vision.video import DecodeStats, sample_frames

FEET = [(0.0, 0.65), (0.7, 0.65), (0.7, 1.0), (0.0, 1.0)]  # the floor where the three people stand
BODIES = [(0.0, 0.0), (0.7, 0.0), (0.7, 0.5), (0.0, 0.5)]  # their box centres, not their feet: no one stands here
LEFT = [(0.0, 0.65), (0.15, 0.65), (0.15, 1.0), (0.0, 1.0)]  # the feet of the person cut by the left edge
ZONES = [
    ZoneSpec(id="feet", name="belt tail", kind=ZoneRule.NO_ENTRY, polygon=FEET),
    ZoneSpec(id="bodies", name="overhead", kind=ZoneRule.NO_ENTRY, polygon=BODIES),
    ZoneSpec(id="left", name="refuge bay", kind=ZoneRule.DWELL_LIMIT, dwell_seconds=1.5, polygon=LEFT),
]


@pytest.fixture(scope="module")
def slow_pan(tmp_path_factory: pytest.TempPathFactory) -> Pan:
    # 4 s at 25 fps, the window (legs and feet, heads cut off) moving 100 px of the photo, 133 px of the
    # frame: 20 frames at 5 fps
    return write_pan_video(tmp_path_factory.mktemp("pan") / "slow.mp4", seconds=4, x_from=0, x_to=100, y=600)


@pytest.fixture(scope="module")
def slow_pan_events(analyzer, slow_pan: Pan) -> list[VisionEvent]:
    return analyzer.analyze(analyzer.open(slow_pan.path), ZONES).events


def _who(pan: Pan, index: int, box: tuple[float, float, float, float]) -> str | None:
    """The bus.jpg person a box in frame `index` is, or None."""
    people = pan.people(index)
    name, best = max(people.items(), key=lambda kv: iou(kv[1], box), default=(None, None))
    return name if best is not None and iou(best, box) > 0.3 else None


def test_steady_people_in_a_no_entry_zone_raise_one_event_each(slow_pan: Pan, slow_pan_events) -> None:
    entries = [e for e in slow_pan_events if e.zone_id == "feet"]
    assert sorted(_who(slow_pan, e.frame_index, e.box) for e in entries) == ["edge", "stander", "walker"]
    assert len({e.track_id for e in entries}) == 3
    # all three stand in the zone from the first frame: the 3-frame hold at 5 fps fires on the third sample
    assert all(e.time_s == pytest.approx(0.4) for e in entries), [(e.track_id, e.time_s) for e in entries]
    polygon = [(x * 640, y * 480) for x, y in FEET]
    assert all(point_in_polygon(foot_point(e), polygon) for e in entries)  # type: ignore[arg-type]


def test_the_zone_test_uses_the_feet_not_the_body(slow_pan_events) -> None:
    # the three box centres are in the upper zone for the whole video, but nobody stands in it
    assert [e for e in slow_pan_events if e.zone_id == "bodies"] == []


def test_a_partly_hidden_person_keeps_their_track_and_their_dwell(slow_pan: Pan, slow_pan_events) -> None:
    # the person cut by the left edge scores 0.1-0.6; under the 0.35 threshold for two samples they
    # used to vanish, their dwell restarted and never reached 1.5 s
    (dwell,) = [e for e in slow_pan_events if e.zone_id == "left"]
    assert _who(slow_pan, dwell.frame_index, dwell.box) == "edge"
    assert 1.5 <= dwell.time_s <= 1.8


def test_a_fast_pan_keeps_each_person_on_one_track(analyzer, tmp_path: Path) -> None:
    # the window crosses the whole photo (330 px, 440 px of the frame) in 1.5 s: 60 px between samples
    pan = write_pan_video(tmp_path / "fast.mp4", seconds=1.5, x_from=0, x_to=330)
    detector = analyzer.detector
    detector.reset(5.0)
    tracks: dict[str, set[int]] = {}
    seen: dict[str, int] = {}
    info = analyzer.open(pan.path)
    for sampled in sample_frames(info, sample_fps=5.0, stats=DecodeStats()):
        frame = detector.observe(sampled.image, index=sampled.index, time_s=sampled.time_s)
        for person in frame.persons:
            name = _who(pan, sampled.index, person.box)
            if name is not None and person.track_id is not None:
                tracks.setdefault(name, set()).add(person.track_id)
                seen[name] = seen.get(name, 0) + 1
    assert seen["walker"] >= 4 and seen["stander"] >= 6, seen
    assert {name: len(ids) for name, ids in tracks.items() if name in ("walker", "stander")} == \
        {"walker": 1, "stander": 1}, tracks


def test_the_tracker_is_set_for_the_sampled_rate() -> None:
    settings = VisionSettings(conf=0.35, track_low_conf=0.1, track_buffer_seconds=2.0)
    five, one = tracker_config(settings, 5.0), tracker_config(settings, 1.0)
    assert (five["track_buffer"], one["track_buffer"]) == (10, 2)  # 2 s of sampled frames, not 30 frames
    assert five["tracker_type"] == "botsort" and five["gmc_method"] == "sparseOptFlow"
    assert five["new_track_thresh"] == five["track_high_thresh"] == 0.35 and five["track_low_thresh"] == 0.1
    plain = tracker_config(settings.model_copy(update={"tracker": "bytetrack"}), 5.0)
    assert "gmc_method" not in plain
