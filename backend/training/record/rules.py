"""Pure record rules: class hours earned (induction ever, retraining in the last year) and the overall flag.

Plain data in, plain data out; no database, no clock (the caller passes `now`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.training.courses.rules import CourseKind
from backend.training.exams.rules import RetrainingFlag

INDUCTION_HOURS = 72.0
YEARLY_RETRAINING_HOURS = 20.0


@dataclass(frozen=True, slots=True)
class LessonCredit:
    """One finished lesson: its course's kind and the hours it is worth."""

    course_kind: CourseKind
    hours: float
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class Hours:
    induction: float
    induction_required: float
    retraining_last_year: float
    retraining_required: float

    @property
    def induction_complete(self) -> bool:
        return self.induction >= self.induction_required

    @property
    def retraining_complete(self) -> bool:
        return self.retraining_last_year >= self.retraining_required


def training_hours(credits: Iterable[LessonCredit], now: datetime, *, induction_required: float = INDUCTION_HOURS,
                   retraining_required: float = YEARLY_RETRAINING_HOURS) -> Hours:
    """Induction hours ever, and other training hours in the 365 days before now."""
    year_ago = now - timedelta(days=365)
    induction = retraining = 0.0
    for credit in credits:
        if credit.course_kind is CourseKind.INDUCTION:
            induction += credit.hours
        elif year_ago < credit.completed_at <= now:
            retraining += credit.hours
    return Hours(induction=round(induction, 2), induction_required=induction_required,
                 retraining_last_year=round(retraining, 2), retraining_required=retraining_required)


FLAG_ORDER = [RetrainingFlag.OK, RetrainingFlag.LAPSING, RetrainingFlag.LAPSED]


def overall_flag(skill_flags: Iterable[RetrainingFlag], hours: Hours) -> RetrainingFlag:
    """The worst of the skills' flags; short yearly hours make an OK record LAPSING."""
    flag = max([*skill_flags, RetrainingFlag.OK], key=FLAG_ORDER.index)
    if not hours.retraining_complete and flag is RetrainingFlag.OK:
        return RetrainingFlag.LAPSING
    return flag
