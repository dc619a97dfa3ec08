"""Pure rules of positioning: checking a sighting, impossible jumps, safe and underground areas, the
exceptions of AQ 1119-style systems (超员, 超时, lost contact, 限制区域), and the areas an alarm affects."""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.org.models import AreaKind

TAG_CODE_MAX = 64
READER_CODE_MAX = 64
DEFAULTS: Mapping[str, float] = {
    "shift_hours": 8.0,  # 超时: underground longer than a shift (the mine's shift length)
    "silence_minutes": 15.0,  # lost contact: a tag underground not seen for this long
    "max_speed_m_s": 8.0,  # faster than a man-riding car between two areas: a jump, not trusted
    "metres_per_map_unit": 10.0,  # the scale of the areas' map_x / map_y
}
LIMITS: Mapping[str, tuple[float, float]] = {
    "shift_hours": (1.0, 24.0), "silence_minutes": (1.0, 24 * 60.0), "max_speed_m_s": (0.5, 50.0),
    "metres_per_map_unit": (0.01, 1000.0),
}


class SightingProblem(enum.StrEnum):
    UNKNOWN_READER = "UNKNOWN_READER"
    UNKNOWN_TAG = "UNKNOWN_TAG"  # issued to nobody now
    IN_THE_FUTURE = "IN_THE_FUTURE"
    OUT_OF_ORDER = "OUT_OF_ORDER"  # older than what the person's position already says
    REPEATED = "REPEATED"  # the same tag, reader and time twice in a batch
    INVALID = "INVALID"
    DRILL_NOT_RUNNING = "DRILL_NOT_RUNNING"  # a drill's sighting (issue 16) naming no running drill of the mine


@dataclass(frozen=True, slots=True)
class PositioningSettings:
    shift: timedelta
    silence: timedelta
    max_speed_m_s: float
    metres_per_map_unit: float


def settings_of(raw: Mapping[str, Any] | None) -> PositioningSettings:
    """The mine's positioning settings (Mine.settings["positioning"]) over the defaults; a bad value reads as
    its default."""
    stored = (raw or {}).get("positioning")
    values = dict(DEFAULTS)
    if isinstance(stored, Mapping):
        for key, value in stored.items():
            low, high = LIMITS.get(key, (0.0, -1.0))
            if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
                values[key] = float(value)
    return PositioningSettings(shift=timedelta(hours=values["shift_hours"]),
                               silence=timedelta(minutes=values["silence_minutes"]),
                               max_speed_m_s=values["max_speed_m_s"],
                               metres_per_map_unit=values["metres_per_map_unit"])


def check_settings(changes: Mapping[str, float]) -> dict[str, float]:
    """Validated positioning settings; raises ValueError naming the key."""
    clean = {}
    for key, value in changes.items():
        if key not in LIMITS:
            raise ValueError(f"no positioning setting called {key!r}; use {', '.join(LIMITS)}")
        low, high = LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or not low <= value <= high:
            raise ValueError(f"{key} must be a number from {low:g} to {high:g}")
        clean[key] = float(value)
    return clean


@dataclass(frozen=True, slots=True)
class AreaBrief:
    """What the rules need of an area (a unit of the org tree)."""

    id: uuid.UUID
    kind: AreaKind
    parent_id: uuid.UUID | None
    map_x: float | None = None
    map_y: float | None = None
    person_limit: int | None = None
    restricted: bool = False
    safe: bool = False
    name: str = ""


def is_safe(area: AreaBrief | None) -> bool:
    """A place an evacuee has reached safety in: the surface, or an area marked safe (refuge chamber)."""
    return area is not None and (area.kind is AreaKind.SURFACE or area.safe)


def is_underground(area: AreaBrief | None) -> bool:
    return area is not None and area.kind is not AreaKind.SURFACE


def sighting_problem(ts: datetime, *, now: datetime, ahead: timedelta) -> SightingProblem | None:
    """A sighting's time: never further ahead of the server's clock than the allowance."""
    if ts.tzinfo is None:
        return SightingProblem.INVALID
    if ts > now + ahead:
        return SightingProblem.IN_THE_FUTURE
    return None


def distance_m(a: AreaBrief, b: AreaBrief, metres_per_map_unit: float) -> float | None:
    """Straight-line distance between two areas' map points (None when either has no place on the map)."""
    if None in (a.map_x, a.map_y, b.map_x, b.map_y):
        return None
    return math.hypot(a.map_x - b.map_x, a.map_y - b.map_y) * metres_per_map_unit  # type: ignore[operator]


def impossible_jump(from_area: AreaBrief | None, to_area: AreaBrief, *, seconds: float,
                    settings: PositioningSettings) -> float | None:
    """The speed (m/s) a move would need when it is faster than a person can travel; None when plausible.

    Areas without map points, or neighbours in the same district, are never judged (no roadway network yet:
    the straight line is a lower bound on the path, so a flagged jump is certainly impossible)."""
    if from_area is None or from_area.id == to_area.id:
        return None
    metres = distance_m(from_area, to_area, settings.metres_per_map_unit)
    if metres is None:
        return None
    speed = metres / max(seconds, 0.5)
    return speed if speed > settings.max_speed_m_s else None


def overcrowded(count: int, limit: int | None) -> bool:
    return limit is not None and count > limit


def overtime(underground_since: datetime | None, now: datetime, settings: PositioningSettings) -> bool:
    return underground_since is not None and now - underground_since > settings.shift


def silent(last_seen_at: datetime, now: datetime, settings: PositioningSettings) -> bool:
    return now - last_seen_at > settings.silence


AffectedAreas = Callable[[uuid.UUID, Mapping[uuid.UUID, AreaBrief]], set[uuid.UUID]]


def area_and_district_siblings(area_id: uuid.UUID, areas: Mapping[uuid.UUID, AreaBrief]) -> set[uuid.UUID]:
    """The areas an alarm in ``area_id`` affects, until a roadway (airflow) network exists: the area and the
    other areas of its district (none but itself when it sits directly under the mine). Safe areas are left
    out: nobody is evacuated from a refuge chamber or the surface."""
    area = areas.get(area_id)
    if area is None:
        return set()
    affected = {area_id}
    if area.parent_id is not None:
        affected |= {a.id for a in areas.values() if a.parent_id == area.parent_id and a.kind is not AreaKind.DISTRICT}
    return {a for a in affected if not is_safe(areas.get(a))}


def dedupe_key(kind: str, *parts: object) -> str:
    """The shared alerting's dedupe key of a positioning exception."""
    return ":".join(["positioning", kind, *(str(p) for p in parts)])
