"""Pure rules of inspection checks: overdue, the alert keys of missed checks and overdue reviews."""

from __future__ import annotations

from datetime import datetime

from backend.inspections.models import CheckState

MAX_ITEMS = 200
MAX_PHOTOS = 9


def is_overdue(state: CheckState, due_at: datetime, now: datetime) -> bool:
    return state is CheckState.SCHEDULED and now > due_at


def check_overdue_key(check_id: object) -> str:
    return f"check-overdue:{check_id}"


def review_due_key(point_id: object, version: int) -> str:
    return f"risk-review:{point_id}:v{version}"
