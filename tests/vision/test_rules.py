"""Zone rules on synthetic tracks: no models, no video."""

from __future__ import annotations

import pytest

from contracts.geometry import point_in_polygon, polygon_problem
from contracts.vision import ZoneCoords, ZoneRule
from vision.config import VisionSettings
from vision.messages import FrameObservation, Person, ZoneSpec
from vision.rules import PolygonError, RuleEngine, evaluate_frames, is_lying

W, H = 640, 360
RIGHT = [(0.6, 0.0), (1.0, 0.0), (1.0, 1.0), (0.6, 1.0)]
WHOLE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]


def standing(track: int, x: float, conf: float = 0.9) -> Person:
    return Person(track_id=track, box=(x - 40, 100, x + 40, 330), conf=conf)


def lying(track: int, x: float) -> Person:
    kps = [(0.0, 0.0, 0.0)] * 17
    kps[5] = kps[6] = (x - 80, 300, 0.9)  # shoulders
    kps[11] = kps[12] = (x + 40, 305, 0.9)  # hips
    return Person(track_id=track, box=(x - 100, 260, x + 100, 330), conf=0.8, keypoints=kps)


def frames(people_per_frame: list[list[Person]], fps: float = 5.0) -> list[FrameObservation]:
    return [FrameObservation(index=i, time_s=i / fps, width=W, height=H, persons=p)
            for i, p in enumerate(people_per_frame)]


def test_no_entry_fires_once_after_hold_frames() -> None:
    zone = ZoneSpec(id="z", name="belt", kind=ZoneRule.NO_ENTRY, polygon=RIGHT)
    walk = [[standing(1, x)] for x in (100, 200, 300, 400, 420, 430, 440, 450, 460)]
    events = evaluate_frames(frames(walk), [zone], hold=3)
    assert [(e.kind, e.track_id, e.frame_index) for e in events] == [(ZoneRule.NO_ENTRY, 1, 5)]
    assert events[0].key == "z:NO_ENTRY:1"


def test_no_entry_needs_consecutive_frames() -> None:
    zone = ZoneSpec(id="z", name="belt", kind=ZoneRule.NO_ENTRY, polygon=RIGHT)
    flicker = [[standing(1, x)] for x in (400, 100, 100, 400, 100, 100, 400)]
    assert evaluate_frames(frames(flicker), [zone], hold=2) == []


def test_the_hold_means_the_same_video_time_at_any_sampling_rate() -> None:
    zone = ZoneSpec(id="z", name="belt", kind=ZoneRule.NO_ENTRY, polygon=RIGHT)
    defaults = VisionSettings()

    def inside(fps: float, seconds: float) -> list[float]:
        seq = [[standing(1, 450)]] * round(seconds * fps) + [[]] * 3
        engine = RuleEngine(zones=[zone], default_hold=defaults.hold_frames, hold_seconds=defaults.hold_seconds)
        return [e.time_s for frame in frames(seq, fps) for e in engine.step(frame)]

    assert inside(5, 1) == [0.4]  # three samples, as before
    assert inside(1, 2) == [1.0]  # 2 s in the zone at 1 fps: 3 frames would have been 3 s
    assert inside(10, 1) == [0.4]
    assert inside(10, 0.3) == []  # a 0.3 s blip at 10 fps is not a hold
    assert inside(1, 1) == []  # one sample is never enough


def test_lying_person_fires_and_standing_does_not() -> None:
    zone = ZoneSpec(id="z", name="roadway", kind=ZoneRule.NO_LYING, polygon=WHOLE)
    assert is_lying(lying(1, 300)) and not is_lying(standing(1, 300))
    seq = [[standing(1, 300)]] * 5 + [[lying(1, 300)]] * 3
    events = evaluate_frames(frames(seq), [zone], lying_hold=3)
    assert [(e.kind, e.frame_index) for e in events] == [(ZoneRule.NO_LYING, 7)]


def test_relinked_track_does_not_fire_twice() -> None:
    zone = ZoneSpec(id="z", name="belt", kind=ZoneRule.NO_ENTRY, polygon=RIGHT)
    seq = [[standing(1, 450)]] * 4 + [[]] + [[standing(7, 455)]] * 4
    events = evaluate_frames(frames(seq), [zone], hold=3)
    assert [e.track_id for e in events] == [1]


def test_a_second_person_is_never_given_the_id_of_someone_in_the_frame() -> None:
    # track 7 took over lost track 1; then person 9 walks in beside them: 9 must not become "1" as well,
    # or two people share one hold and the second one's intrusion is never raised
    zone = ZoneSpec(id="z", name="belt", kind=ZoneRule.NO_ENTRY, polygon=RIGHT)
    seq = [[standing(1, 450)], [], [standing(7, 455)]] + [[standing(7, 455), standing(9, 520)]] * 4
    engine = RuleEngine(zones=[zone], default_hold=3)
    events = [e for frame in frames(seq) for e in engine.step(frame)]
    assert sorted(e.track_id for e in events) == [1, 9]
    assert engine.last_frame is not None and sorted(p.track_id for p in engine.last_frame.persons) == [1, 9]


def test_crowding_fires_once_per_episode() -> None:
    zone = ZoneSpec(id="c", name="bay", kind=ZoneRule.MAX_PEOPLE, polygon=WHOLE, max_people=2)
    three = [standing(1, 100), standing(2, 300), standing(3, 500)]
    two = three[:2]
    seq = [three] * 4 + [two] * 3 + [three] * 3
    events = evaluate_frames(frames(seq), [zone], hold=2)
    assert [(e.key, e.track_ids) for e in events] == [("c:MAX_PEOPLE:e0", [1, 2, 3]), ("c:MAX_PEOPLE:e1", [1, 2, 3])]
    assert evaluate_frames(frames([two] * 10), [zone], hold=2) == []


def test_dwell_limit_uses_video_time() -> None:
    zone = ZoneSpec(id="d", name="bay", kind=ZoneRule.DWELL_LIMIT, polygon=RIGHT, dwell_seconds=2.0)
    seq = [[standing(4, 450)]] * 12  # 12 frames at 5 fps
    events = evaluate_frames(frames(seq), [zone])
    assert [(e.track_id, e.time_s) for e in events] == [(4, 2.0)]
    assert evaluate_frames(frames([[standing(4, 450)]] * 10), [zone]) == []


def test_class_present_needs_that_label() -> None:
    zone = ZoneSpec(id="h", name="face", kind=ZoneRule.CLASS_PRESENT, polygon=WHOLE, detector_class="no_helmet")
    hatless = Person(track_id=5, box=(10, 10, 50, 50), conf=0.7, label="no_helmet")
    assert len(evaluate_frames(frames([[hatless]] * 3), [zone])) == 1
    assert evaluate_frames(frames([[standing(5, 30)]] * 3), [zone]) == []


def test_pixel_zone_scales_to_frame() -> None:
    zone = ZoneSpec(id="p", name="px", kind=ZoneRule.NO_ENTRY, coords=ZoneCoords.PIXEL, view_width=1280,
                    view_height=720, polygon=[(768, 0), (1280, 0), (1280, 720), (768, 720)])
    assert len(evaluate_frames(frames([[standing(1, 450)]] * 3), [zone])) == 1


@pytest.mark.parametrize(("points", "reason"), [
    ([(0, 0), (1, 1), (1, 0), (0, 1)], "intersects itself"),
    ([(0, 0), (1.2, 0), (1, 1)], "outside"),
    ([(0, 0), (1, 0)], "at least 3"),
    ([(0, 0), (0.5, 0.5), (1, 1)], "no area"),
    ([(0, 0), (0, 0), (1, 1), (0, 1)], "the same"),
])
def test_bad_polygons_are_rejected_with_a_reason(points: list[tuple[float, float]], reason: str) -> None:
    assert reason in (polygon_problem(points, 1, 1) or "")
    with pytest.raises(PolygonError, match=reason):
        RuleEngine(zones=[ZoneSpec(id="x", name="x", kind=ZoneRule.NO_ENTRY, polygon=points)])


def test_point_in_polygon_edges() -> None:
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert point_in_polygon((5, 5), square) and point_in_polygon((10, 5), square)
    assert not point_in_polygon((11, 5), square)
