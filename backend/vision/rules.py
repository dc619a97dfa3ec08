"""Pure rules of the vision domain: enums, zone validation, the per-mine policy, the job lease.

Zone geometry and the zone vocabulary are the contract's (contracts.geometry, contracts.vision), shared with the
worker, so the backend refuses exactly the polygons the worker could not use.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.alerts import AlertSeverity
from contracts.geometry import Point, polygon_problem
from contracts.vision import VisionJobState, ZoneCoords, ZoneRule

MAX_FRAME_SIDE = 16_384
MAX_LEASE_SECONDS = 3600  # a lease, and the signed video link with it, lasts an hour at most (renewed by progress)


class CameraKind(enum.StrEnum):
    CAMERA = "CAMERA"
    ROBOT = "ROBOT"


FINISHED_STATES = frozenset({VisionJobState.DONE, VisionJobState.FAILED})


DEFAULT_SEVERITY: dict[ZoneRule, AlertSeverity] = {
    ZoneRule.NO_ENTRY: AlertSeverity.ALARM,
    ZoneRule.NO_LYING: AlertSeverity.CRITICAL,
    ZoneRule.MAX_PEOPLE: AlertSeverity.WARNING,
    ZoneRule.DWELL_LIMIT: AlertSeverity.WARNING,
    ZoneRule.CLASS_PRESENT: AlertSeverity.WARNING,
}


class VisionPolicy(BaseModel):
    """A mine's vision settings (Mine.settings["vision"]); every field has the DOMAIN default."""

    model_config = ConfigDict(extra="ignore")

    open_hazard_rules: list[ZoneRule] = Field(default_factory=lambda: [ZoneRule.NO_ENTRY, ZoneRule.NO_LYING])
    severity: dict[ZoneRule, AlertSeverity] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    sample_fps: float = Field(default=5.0, gt=0, le=60)
    max_attempts: int = Field(default=3, ge=1, le=20)
    max_lease_seconds: int = Field(default=900, ge=10, le=MAX_LEASE_SECONDS)
    model: str | None = None  # a detector of the worker's registry; None: the worker's default
    class_rules: dict[str, ZoneRule] = Field(default_factory=dict)  # detector class → rule it raises

    @classmethod
    def of(cls, mine_settings: dict[str, object] | None) -> VisionPolicy:
        raw = (mine_settings or {}).get("vision")
        raw = dict(raw) if isinstance(raw, dict) else {}
        if isinstance(raw.get("max_lease_seconds"), int) and raw["max_lease_seconds"] > MAX_LEASE_SECONDS:
            raw["max_lease_seconds"] = MAX_LEASE_SECONDS  # kept from before the limit
        return cls.model_validate(raw)

    def opens_hazard(self, rule: ZoneRule, zone_override: bool | None) -> bool:
        """A zone's own choice wins; otherwise the mine's list of rules that open a hazard."""
        return zone_override if zone_override is not None else rule in self.open_hazard_rules

    def severity_of(self, rule: ZoneRule) -> AlertSeverity:
        return self.severity.get(rule, DEFAULT_SEVERITY[rule])


def frame_problem(width: int | None, height: int | None) -> str | None:
    """Why a camera frame size is unusable, or None (both given and sane, or both absent)."""
    if width is None and height is None:
        return None
    if width is None or height is None:
        return "give both frameWidth and frameHeight, or neither"
    if not (16 <= width <= MAX_FRAME_SIDE and 16 <= height <= MAX_FRAME_SIDE):
        return f"a frame side must be 16 to {MAX_FRAME_SIDE} pixels"
    return None


def zone_problem(*, points: Sequence[Point], coords: ZoneCoords, rule: ZoneRule, frame_width: int | None,
                 frame_height: int | None, max_people: int | None, dwell_seconds: float | None,
                 detector_class: str | None) -> tuple[str, str] | None:
    """(field, reason) when a danger zone cannot be used as given, else None."""
    if coords is ZoneCoords.NORMALISED:
        width, height = 1.0, 1.0
    elif frame_width is None or frame_height is None:
        return "coords", "pixel coordinates need the camera's frame size; set frameWidth and frameHeight first"
    else:
        width, height = float(frame_width), float(frame_height)
    problem = polygon_problem([(float(x), float(y)) for x, y in points], width, height)
    if problem:
        return "points", problem
    if rule is ZoneRule.MAX_PEOPLE and (max_people is None or max_people < 0):
        return "maxPeople", "rule MAX_PEOPLE needs maxPeople (0 or more)"
    if rule is ZoneRule.DWELL_LIMIT and (dwell_seconds is None or not math.isfinite(dwell_seconds)
                                         or dwell_seconds <= 0):
        return "dwellSeconds", "rule DWELL_LIMIT needs dwellSeconds above 0"
    if rule is ZoneRule.CLASS_PRESENT and not (detector_class or "").strip():
        return "detectorClass", "rule CLASS_PRESENT needs detectorClass"
    return None


def lease_expired(lease_expires_at: datetime | None, now: datetime) -> bool:
    return lease_expires_at is not None and lease_expires_at <= now


def claimable(state: VisionJobState, lease_expires_at: datetime | None, now: datetime) -> bool:
    """Queued, or running under a lease that ran out (its worker died)."""
    return state is VisionJobState.QUEUED or (state is VisionJobState.RUNNING
                                               and lease_expired(lease_expires_at, now))


def dedupe_key(*, camera_id: object, zone_id: object, rule: ZoneRule, job_id: object, track: object) -> str:
    """The alerts contract: one open alert per camera, zone, rule, job and track."""
    return f"vision:{camera_id}:{zone_id}:{rule.value}:{job_id}:{track}"
