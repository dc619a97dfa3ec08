"""The vision vocabulary shared by the server and the worker: zone rules, coordinate spaces, job states."""

from __future__ import annotations

import enum


class ZoneRule(enum.StrEnum):
    """What a danger zone watches for."""

    NO_ENTRY = "NO_ENTRY"  # a person's foot point inside the polygon
    MAX_PEOPLE = "MAX_PEOPLE"  # more than max_people inside at once
    NO_LYING = "NO_LYING"  # a fallen or lying person inside
    DWELL_LIMIT = "DWELL_LIMIT"  # one person inside longer than dwell_seconds
    CLASS_PRESENT = "CLASS_PRESENT"  # a detector class (no_helmet, smoking, …) seen inside


class ZoneCoords(enum.StrEnum):
    """How a polygon's points are given."""

    NORMALISED = "NORMALISED"  # 0..1 of the view's width and height
    PIXEL = "PIXEL"  # pixels of the camera's frame (a view of view_width × view_height)


class VisionJobState(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
