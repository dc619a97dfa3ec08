"""Pure apprenticeship rules (师带徒): the supervised period and the stage of a link.

Plain data in, plain data out; no database, no clock (the caller passes `now`).
"""

from __future__ import annotations

import enum
from datetime import datetime

SUPERVISED_MONTHS = 4


class ApprenticeshipStage(enum.StrEnum):
    SUPERVISED = "SUPERVISED"                 # inside the 4-month supervised period
    AWAITING_ASSESSMENT = "AWAITING_ASSESSMENT"  # the period is over; the second assessment is due
    MAY_WORK_ALONE = "MAY_WORK_ALONE"         # second assessment passed
    ENDED = "ENDED"                           # the link was closed without release


def add_months(start: datetime, months: int) -> datetime:
    """The same day `months` later (clamped to the month's last day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    days_in_month = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
                     31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return start.replace(year=year, month=month, day=min(start.day, days_in_month))


def supervised_until(started_at: datetime, months: int = SUPERVISED_MONTHS) -> datetime:
    return add_months(started_at, months)


def apprenticeship_stage(*, started_at: datetime, now: datetime, second_assessment_passed_at: datetime | None,
                         ended_at: datetime | None = None, months: int = SUPERVISED_MONTHS) -> ApprenticeshipStage:
    """Supervised for `months`, then awaiting the second assessment, then free to work alone."""
    if second_assessment_passed_at is not None:
        return ApprenticeshipStage.MAY_WORK_ALONE
    if ended_at is not None:
        return ApprenticeshipStage.ENDED
    if now < supervised_until(started_at, months):
        return ApprenticeshipStage.SUPERVISED
    return ApprenticeshipStage.AWAITING_ASSESSMENT
