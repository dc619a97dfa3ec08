"""Zone rules as pure functions over plain data, and the per-track state that holds them N frames.

Nothing here imports OpenCV, torch or ultralytics: every function takes points, boxes and
keypoints and returns plain values, so the rules are tested on synthetic tracks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from contracts.geometry import Point, point_in_polygon, polygon_problem
from contracts.vision import ZoneCoords, ZoneRule
from vision.messages import FrameObservation, Person, VisionEvent, ZoneSpec

# COCO-17 keypoint indices
L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, L_ANKLE, R_ANKLE = 5, 6, 11, 12, 15, 16
KEYPOINT_MIN_CONF = 0.3


class PolygonError(ValueError):
    """A zone polygon that cannot be used; the message says why."""


def validate_polygon(points: Sequence[Point], width: float, height: float) -> None:
    """Raise PolygonError with the reason when the polygon cannot be used."""
    problem = polygon_problem(points, width, height)
    if problem is not None:
        raise PolygonError(problem)


def zone_problem(zone: ZoneSpec) -> str | None:
    """Why a zone cannot be used as given (polygon or rule parameters), or None."""
    if zone.coords is ZoneCoords.NORMALISED:
        problem = polygon_problem(zone.polygon, 1.0, 1.0)
    elif zone.view_width is None or zone.view_height is None:
        problem = "a zone in pixel coordinates needs view_width and view_height"
    else:
        problem = polygon_problem(zone.polygon, zone.view_width, zone.view_height)
    if problem:
        return f"zone {zone.name!r}: {problem}"
    if zone.kind is ZoneRule.MAX_PEOPLE and zone.max_people is None:
        return f"zone {zone.name!r}: rule MAX_PEOPLE needs max_people"
    if zone.kind is ZoneRule.DWELL_LIMIT and zone.dwell_seconds is None:
        return f"zone {zone.name!r}: rule DWELL_LIMIT needs dwell_seconds"
    if zone.kind is ZoneRule.CLASS_PRESENT and not zone.detector_class:
        return f"zone {zone.name!r}: rule CLASS_PRESENT needs detector_class"
    return None


def zone_in_pixels(zone: ZoneSpec, width: int, height: int) -> list[Point]:
    """The zone's polygon scaled to a width × height frame."""
    if zone.coords is ZoneCoords.NORMALISED:
        return [(x * width, y * height) for x, y in zone.polygon]
    assert zone.view_width and zone.view_height
    sx, sy = width / zone.view_width, height / zone.view_height
    return [(x * sx, y * sy) for x, y in zone.polygon]


# --- person predicates --------------------------------------------------------------------------


def _keypoint(person: Person, index: int) -> tuple[float, float] | None:
    if not person.keypoints or len(person.keypoints) <= index:
        return None
    x, y, conf = person.keypoints[index]
    return (x, y) if conf >= KEYPOINT_MIN_CONF else None


def _mid(a: tuple[float, float] | None, b: tuple[float, float] | None) -> tuple[float, float] | None:
    if a and b:
        return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return a or b


def foot_point(person: Person) -> Point:
    """Where the person stands: the bottom centre of the box."""
    x1, _, x2, y2 = person.box
    return ((x1 + x2) / 2, y2)


def body_point(person: Person) -> Point:
    """The box centre: where a lying person is."""
    x1, y1, x2, y2 = person.box
    return ((x1 + x2) / 2, (y1 + y2) / 2)


def torso_angle(person: Person) -> float | None:
    """Angle of the shoulders→hips line from vertical, in degrees (0 upright, 90 lying), or None."""
    shoulders = _mid(_keypoint(person, L_SHOULDER), _keypoint(person, R_SHOULDER))
    hips = _mid(_keypoint(person, L_HIP), _keypoint(person, R_HIP))
    if shoulders is None or hips is None or shoulders == hips:
        return None
    dx, dy = hips[0] - shoulders[0], hips[1] - shoulders[1]
    return math.degrees(math.atan2(abs(dx), abs(dy)))


def is_lying(person: Person, *, min_angle: float = 55.0, min_aspect: float = 1.0,
             box_only_aspect: float = 1.4) -> bool:
    """A fallen or lying person: torso near horizontal and a box wider than tall.

    Without usable shoulder and hip keypoints the box alone decides, with a stricter aspect.
    """
    x1, y1, x2, y2 = person.box
    w, h = x2 - x1, y2 - y1
    if w <= 0 or h <= 0:
        return False
    aspect = w / h
    angle = torso_angle(person)
    if angle is None:
        return aspect >= box_only_aspect
    return angle >= min_angle and aspect >= min_aspect


def people_in_zone(persons: Iterable[Person], polygon: Sequence[Point]) -> list[Person]:
    """The persons whose foot point is inside the polygon."""
    return [p for p in persons if p.label == "person" and point_in_polygon(foot_point(p), polygon)]


# --- held conditions and deduplication ----------------------------------------------------------


@dataclass
class _Hold:
    """A condition's run of consecutive frames for one track (or one zone)."""

    frames: int = 0
    first_time: float = 0.0
    conf_sum: float = 0.0
    misses: int = 0


@dataclass
class RuleEngine:
    """Applies every zone's rule frame by frame; each (zone, track) fires at most once.

    A condition fires once it has held for `hold_seconds` of video time and in at least `default_hold`
    sampled frames (`lying_hold_*` for lying): counted in video time, the hold means the same at any
    sampling rate (3 frames were 0.3 s at 10 fps but 3 s at 1 fps, longer than many an intrusion).
    Crowding fires once per episode: the count must fall back to the limit for `hold` frames
    before it can fire again. The engine holds only counters; all decisions are the pure
    predicates above.
    """

    zones: list[ZoneSpec]
    default_hold: int = 3
    lying_hold: int = 3
    hold_seconds: float = 0.0
    lying_hold_seconds: float = 0.0
    max_misses: int = 1  # a track may drop out this many frames without resetting its hold
    relink_seconds: float = 2.0  # a new track this soon near a lost one is the same person
    _holds: dict[tuple[str, str, int], _Hold] = field(default_factory=dict)
    _fired: set[str] = field(default_factory=set)
    _crowd_episode: dict[str, int] = field(default_factory=dict)
    _crowd_clear: dict[str, int] = field(default_factory=dict)
    _pixels: dict[tuple[str, int, int], list[Point]] = field(default_factory=dict)
    _last_seen: dict[int, tuple[float, tuple[float, float, float, float]]] = field(default_factory=dict)
    _root: dict[int, int] = field(default_factory=dict)
    last_frame: FrameObservation | None = None  # the latest frame with relinked track ids

    def __post_init__(self) -> None:
        for zone in self.zones:
            problem = zone_problem(zone)
            if problem:
                raise PolygonError(problem)

    def polygon(self, zone: ZoneSpec, width: int, height: int) -> list[Point]:
        """The zone's polygon in this frame's pixels (cached)."""
        key = (zone.id, width, height)
        if key not in self._pixels:
            self._pixels[key] = zone_in_pixels(zone, width, height)
        return self._pixels[key]

    def _relink(self, frame: FrameObservation) -> FrameObservation:
        """Give a track that replaces a recently lost one (same place, moments later) the lost id.

        Trackers often lose a person who changes shape quickly (falling over) and start a new
        track; without this the same person would raise a second event for the same zone.
        """
        present = {p.track_id for p in frame.persons if p.track_id is not None}
        # the people already in this frame under an id: a lost track of theirs is not free to take
        claimed = {self._root[t] for t in present if t in self._root}
        persons: list[Person] = []
        for person in frame.persons:
            if person.track_id is not None and person.track_id not in self._root and person.label == "person":
                root = person.track_id
                best = None
                for old_id, (seen, box) in self._last_seen.items():
                    root_old = self._root.get(old_id, old_id)
                    if old_id in present or root_old in claimed or root_old in present:
                        continue
                    if not 0 < frame.time_s - seen <= self.relink_seconds:
                        continue
                    distance = math.dist(body_point(person), ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
                    reach = max(box[2] - box[0], box[3] - box[1])
                    if distance <= reach and (best is None or distance < best[0]):
                        best = (distance, root_old)
                if best is not None:
                    root = best[1]
                    claimed.add(root)
                self._root[person.track_id] = root
            if person.track_id is not None:
                self._last_seen[person.track_id] = (frame.time_s, person.box)
                root = self._root.get(person.track_id, person.track_id)
                if root != person.track_id:
                    person = person.model_copy(update={"track_id": root})
            persons.append(person)
        for track_id, (seen, _) in list(self._last_seen.items()):
            if frame.time_s - seen > self.relink_seconds:
                del self._last_seen[track_id]
        return frame.model_copy(update={"persons": persons})

    def step(self, frame: FrameObservation) -> list[VisionEvent]:
        """The events that fire on this frame."""
        frame = self.last_frame = self._relink(frame)
        events: list[VisionEvent] = []
        for zone in self.zones:
            polygon = self.polygon(zone, frame.width, frame.height)
            lying = zone.kind is ZoneRule.NO_LYING
            hold = (zone.hold_frames or (self.lying_hold if lying else self.default_hold),
                    self.lying_hold_seconds if lying else self.hold_seconds)
            if zone.kind is ZoneRule.MAX_PEOPLE:
                events.extend(self._crowd(zone, polygon, hold, frame))
                continue
            if zone.kind is ZoneRule.NO_ENTRY:
                hits = [p for p in frame.persons if p.label == "person"
                        and point_in_polygon(foot_point(p), polygon)]
            elif zone.kind is ZoneRule.NO_LYING:
                hits = [p for p in frame.persons if p.label == "person" and is_lying(p)
                        and point_in_polygon(body_point(p), polygon)]
            elif zone.kind is ZoneRule.DWELL_LIMIT:
                hits = [p for p in frame.persons if p.label == "person"
                        and point_in_polygon(foot_point(p), polygon)]
            else:  # CLASS_PRESENT
                hits = [p for p in frame.persons if p.label == zone.detector_class
                        and point_in_polygon(body_point(p), polygon)]
            events.extend(self._per_track(zone, hits, hold, frame))
        return events

    def _per_track(self, zone: ZoneSpec, hits: list[Person], hold: tuple[int, float],
                   frame: FrameObservation) -> list[VisionEvent]:
        events: list[VisionEvent] = []
        seen: set[int] = set()
        for person in hits:
            if person.track_id is None:
                continue
            seen.add(person.track_id)
            state = self._holds.setdefault((zone.id, zone.kind.value, person.track_id),
                                           _Hold(first_time=frame.time_s))
            if state.frames == 0:
                state.first_time = frame.time_s
            state.frames += 1
            state.misses = 0
            state.conf_sum += person.conf
            key = f"{zone.id}:{zone.kind.value}:{person.track_id}"
            if key in self._fired:
                continue
            if zone.kind is ZoneRule.DWELL_LIMIT:
                assert zone.dwell_seconds is not None
                dwelt = frame.time_s - state.first_time
                if dwelt < zone.dwell_seconds:
                    continue
                detail = (f"person {person.track_id} stayed {dwelt:.1f} s in {zone.name} "
                          f"(limit {zone.dwell_seconds:g} s)")
            elif state.frames < hold[0] or frame.time_s - state.first_time < hold[1] - 1e-6:
                continue
            else:
                detail = {
                    ZoneRule.NO_ENTRY: f"person {person.track_id} entered no-entry zone {zone.name}",
                    ZoneRule.NO_LYING: f"person {person.track_id} lying or fallen in {zone.name}",
                    ZoneRule.CLASS_PRESENT: f"{zone.detector_class} in {zone.name} (track {person.track_id})",
                }[zone.kind]
            self._fired.add(key)
            events.append(VisionEvent(
                key=key, kind=zone.kind, zone_id=zone.id, zone_name=zone.name, severity=zone.severity,
                track_id=person.track_id, track_ids=[person.track_id], frame_index=frame.index,
                time_s=frame.time_s, confidence=round(state.conf_sum / state.frames, 4), detail=detail,
                box=person.box, open_hazard=zone.open_hazard,
            ))
        for (zone_id, kind, track_id), state in list(self._holds.items()):
            if zone_id == zone.id and kind == zone.kind.value and track_id not in seen and state.frames:
                state.misses += 1
                if state.misses > self.max_misses:
                    self._holds[(zone_id, kind, track_id)] = _Hold()
        return events

    def _crowd(self, zone: ZoneSpec, polygon: list[Point], hold: tuple[int, float],
               frame: FrameObservation) -> list[VisionEvent]:
        assert zone.max_people is not None
        inside = people_in_zone(frame.persons, polygon)
        state = self._holds.setdefault((zone.id, zone.kind.value, -1), _Hold())
        episode = self._crowd_episode.get(zone.id, 0)
        if len(inside) <= zone.max_people:
            state.frames = 0
            state.conf_sum = 0.0
            clear = self._crowd_clear.get(zone.id, 0) + 1
            self._crowd_clear[zone.id] = clear
            if clear >= hold[0] and f"{zone.id}:{zone.kind.value}:e{episode}" in self._fired:
                self._crowd_episode[zone.id] = episode + 1
            return []
        self._crowd_clear[zone.id] = 0
        if state.frames == 0:
            state.first_time = frame.time_s
        state.frames += 1
        state.conf_sum += min(p.conf for p in inside)
        key = f"{zone.id}:{zone.kind.value}:e{episode}"
        if state.frames < hold[0] or frame.time_s - state.first_time < hold[1] - 1e-6 or key in self._fired:
            return []
        self._fired.add(key)
        ids = sorted(p.track_id for p in inside if p.track_id is not None)
        xs = [c for p in inside for c in (p.box[0], p.box[2])]
        ys = [c for p in inside for c in (p.box[1], p.box[3])]
        return [VisionEvent(
            key=key, kind=zone.kind, zone_id=zone.id, zone_name=zone.name, severity=zone.severity,
            track_id=None, track_ids=ids, frame_index=frame.index, time_s=frame.time_s,
            confidence=round(state.conf_sum / state.frames, 4),
            detail=f"{len(inside)} people in {zone.name} (limit {zone.max_people})",
            box=(min(xs), min(ys), max(xs), max(ys)), open_hazard=zone.open_hazard,
        )]


def evaluate_frames(frames: Iterable[FrameObservation], zones: list[ZoneSpec], *, hold: int = 3,
                    lying_hold: int = 3, hold_seconds: float = 0.0) -> list[VisionEvent]:
    """Every event the zones raise over a sequence of frames."""
    engine = RuleEngine(zones=zones, default_hold=hold, lying_hold=lying_hold, hold_seconds=hold_seconds,
                        lying_hold_seconds=hold_seconds)
    events: list[VisionEvent] = []
    for frame in frames:
        events.extend(engine.step(frame))
    return events
