"""The hazard loop's vocabulary (隐患): states, grades, levels and where a report came from."""

from __future__ import annotations

import enum


class HazardState(enum.StrEnum):
    REPORTED = "REPORTED"
    ASSIGNED = "ASSIGNED"
    RECTIFYING = "RECTIFYING"
    PENDING_REVIEW = "PENDING_REVIEW"
    CLOSED = "CLOSED"
    DISMISSED = "DISMISSED"


class HazardGrade(enum.StrEnum):
    MAJOR = "MAJOR"  # 重大隐患
    GENERAL = "GENERAL"  # 一般隐患


class HazardLevel(enum.StrEnum):
    A = "A"  # resolved at group level
    B = "B"  # mine level
    C = "C"  # team level


class HazardSource(enum.StrEnum):
    PERSON = "PERSON"
    ROBOT = "ROBOT"
    CAMERA = "CAMERA"
    VISION = "VISION"
    SENSOR = "SENSOR"
    INSPECTION = "INSPECTION"
    ALERT = "ALERT"
