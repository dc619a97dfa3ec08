"""Turning API objects into the short texts rows and cards show (pure functions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mobile.api.models import Hazard
from mobile.i18n import Translator


def local_time(value: datetime | None) -> str:
    """Device-local `YYYY-MM-DD HH:MM`, or an empty string."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def grade_text(hazard: Hazard, tr: Translator) -> str:
    text = tr(f"grade.{hazard.effective_grade.value}")
    return f"{text} {tr(f'level.{hazard.level.value}')}" if hazard.level else text


def deadline_text(hazard: Hazard, tr: Translator) -> str:
    text = tr("hazard.deadline", when=local_time(hazard.deadline)) if hazard.deadline else tr("hazard.no_deadline")
    return f"{tr('hazard.overdue')} · {text}" if hazard.is_overdue else text


def hazard_row(hazard: Hazard, tr: Translator, controller: Any) -> dict[str, Any]:
    """The data of one HazardRow in a RecycleView."""
    area = hazard.area.name if hazard.area else ""
    return {
        "item_id": hazard.id,
        "controller": controller,
        "line1": hazard.description or "—",
        "line2": f"{tr(f'state.{hazard.state.value}')} · {grade_text(hazard, tr)} · {area}",
        "line3": deadline_text(hazard, tr),
        "alert": hazard.is_overdue,
    }
