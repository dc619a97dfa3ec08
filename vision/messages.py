"""Typed data passed between the decoder, the detector, the rules and the backend client."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field

from contracts.geometry import Point
from contracts.vision import ZoneCoords, ZoneRule


class Severity(enum.StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


class ZoneSpec(BaseModel):
    """One danger zone on one camera's view, with its rule and parameters."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    kind: ZoneRule
    polygon: list[Point]
    coords: ZoneCoords = ZoneCoords.NORMALISED
    view_width: int | None = Field(default=None, gt=0)
    view_height: int | None = Field(default=None, gt=0)
    hold_frames: int | None = Field(default=None, ge=1, description="the fewest sampled frames it must hold in")
    max_people: int | None = Field(default=None, ge=0)
    dwell_seconds: float | None = Field(default=None, gt=0)
    detector_class: str | None = None
    severity: Severity = Severity.WARNING
    open_hazard: bool = False


class Person(BaseModel):
    """One detection in one frame: a tracked person (or another detector class)."""

    track_id: int | None
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels
    conf: float
    label: str = "person"
    keypoints: list[tuple[float, float, float]] | None = None  # COCO-17: x, y, visibility


class FrameObservation(BaseModel):
    """Everything detected in one sampled frame."""

    index: int  # index of the decoded frame in the video
    time_s: float
    width: int
    height: int
    persons: list[Person] = Field(default_factory=list)


class VisionEvent(BaseModel):
    """A rule that fired. `key` is stable for one track in one zone, so reporting is idempotent."""

    key: str
    kind: ZoneRule
    zone_id: str
    zone_name: str
    severity: Severity
    track_id: int | None
    track_ids: list[int] = Field(default_factory=list)
    frame_index: int
    time_s: float
    confidence: float
    detail: str
    box: tuple[float, float, float, float] | None = None
    open_hazard: bool = False
    snapshot_key: str | None = None


class VideoSummary(BaseModel):
    """What one analysed video came to."""

    width: int
    height: int
    fps: float
    duration_s: float
    frames_decoded: int
    frames_analysed: int
    variable_frame_rate: bool
    tracks: int
    events: int
    events_by_kind: dict[str, int] = Field(default_factory=dict)
    model: str
