"""Pure course rules: kinds of course, a lesson's minimum time and its share of the class hours.

Plain data in, plain data out; no database, no clock (the caller passes `now`).
"""

from __future__ import annotations

import enum
from datetime import datetime


class CourseKind(enum.StrEnum):
    INDUCTION = "INDUCTION"       # counts toward the 72-hour induction of a new underground worker
    RETRAINING = "RETRAINING"     # counts toward the 20 hours a year
    SKILL = "SKILL"               # counts toward the 20 hours a year
    REMEDIAL = "REMEDIAL"         # a micro-course after a violation; counts toward the 20 hours


def lesson_minimum_seconds(minutes: int, share: float = 1.0) -> int:
    """The time on a lesson (measured by the server from its start) before it counts: its minutes × the mine's
    share (1 by default; a mine may lower it, never below 0 or above the lesson's own length)."""
    return round(max(0, minutes) * 60 * min(1.0, max(0.0, share)))


def lesson_seconds_to_go(minimum_seconds: int, started_at: datetime, now: datetime) -> int:
    """Seconds still to spend on a lesson started at `started_at` (0: it may be finished)."""
    return max(0, minimum_seconds - int((now - started_at).total_seconds()))


def lesson_hours(class_hours: float, lesson_count: int) -> float:
    """A course's class hours shared equally among its lessons."""
    return class_hours / lesson_count if lesson_count else 0.0
