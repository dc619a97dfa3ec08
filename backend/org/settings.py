"""A mine's settings, typed: hazard deadlines, alert escalation minutes, roof thresholds, exam pass mark.

Stored in Mine.settings under the keys the readers already use ("hazard_deadline_hours" for triage,
"alert_escalation_minutes" for the alerts sweep, "vision" for the vision domain, untouched here), so
existing readers keep working; only `check_changes` writes them, and every change is audited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.alerts.rules import DEFAULT_ESCALATION_MINUTES, ESCALATION_CHAIN
from backend.hazards.rules import DEFAULT_DEADLINE_HOURS
from backend.training.exams.rules import PASS_MARK
from contracts.alerts import AlertSeverity

DEADLINE_KEYS = ("A", "B", "C", "MAJOR_PLAN")
MAX_DEADLINE_HOURS = 365 * 24
MAX_ESCALATION_MINUTES = 7 * 24 * 60
DEFAULT_ROOF: Mapping[str, float] = {  # DOMAIN.md: the demo mine's defaults; each mine sets its own
    "separation_yellow_mm": 10.0, "separation_red_mm": 25.0, "separation_rise_mm_per_hour": 2.0,
    "support_pressure_percent": 90.0,
}


class SettingsError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class MineSettingsData:
    hazard_deadline_hours: dict[str, int]
    alert_escalation_minutes: dict[str, list[float]]
    roof: dict[str, float]
    exam_pass_mark: float


def effective(raw: Mapping[str, Any] | None) -> MineSettingsData:
    """The settings in force: the mine's values over the DOMAIN.md defaults (a malformed stored value reads as
    its default, as the readers treat it)."""
    raw = raw or {}
    deadlines = dict(DEFAULT_DEADLINE_HOURS)
    stored = raw.get("hazard_deadline_hours")
    if isinstance(stored, Mapping):
        deadlines.update({k: int(v) for k, v in stored.items() if k in DEADLINE_KEYS and isinstance(v, int)})
    escalation = {s: [float(m) for m in DEFAULT_ESCALATION_MINUTES[s]] for s in AlertSeverity
                  if s in DEFAULT_ESCALATION_MINUTES}
    stored = raw.get("alert_escalation_minutes")
    if isinstance(stored, Mapping):
        for key, minutes in stored.items():
            if key in escalation and isinstance(minutes, list):
                escalation[key] = [float(m) for m in minutes if isinstance(m, int | float)]
    roof = dict(DEFAULT_ROOF)
    stored = raw.get("roof")
    if isinstance(stored, Mapping):
        roof.update({k: float(v) for k, v in stored.items() if k in DEFAULT_ROOF and isinstance(v, int | float)})
    mark = raw.get("exam_pass_mark")
    return MineSettingsData(hazard_deadline_hours=deadlines, alert_escalation_minutes=escalation, roof=roof,
                            exam_pass_mark=float(mark) if isinstance(mark, int | float) else float(PASS_MARK))


def _finite(value: float, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not low <= value <= high:
        raise SettingsError(f"{field} must be a number from {low:g} to {high:g}", field)
    return float(value)


def check_changes(raw: Mapping[str, Any] | None, *, hazard_deadline_hours: Mapping[str, int] | None = None,
                  alert_escalation_minutes: Mapping[str, list[float]] | None = None,
                  roof: Mapping[str, float] | None = None, exam_pass_mark: float | None = None) -> dict[str, Any]:
    """The new stored settings with the given changes applied; raises SettingsError naming the field."""
    new = dict(raw or {})
    current = effective(raw)
    if hazard_deadline_hours is not None:
        merged = dict(current.hazard_deadline_hours)
        for key, hours in hazard_deadline_hours.items():
            if key not in DEADLINE_KEYS:
                raise SettingsError(f"no deadline called {key!r}; use {', '.join(DEADLINE_KEYS)}",
                                    "hazardDeadlineHours")
            if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_DEADLINE_HOURS:
                raise SettingsError(f"the {key} deadline must be 1 to {MAX_DEADLINE_HOURS} hours",
                                    f"hazardDeadlineHours.{key}")
            merged[key] = hours
        if not merged["C"] <= merged["B"] <= merged["A"]:
            raise SettingsError("deadlines must not shrink with the level: C ≤ B ≤ A", "hazardDeadlineHours")
        new["hazard_deadline_hours"] = merged
    if alert_escalation_minutes is not None:
        merged_minutes = dict(current.alert_escalation_minutes)
        for key, minutes in alert_escalation_minutes.items():
            if key not in merged_minutes:
                raise SettingsError(f"no alert severity {key!r} escalates; use {', '.join(merged_minutes)}",
                                    "alertEscalationMinutes")
            field = f"alertEscalationMinutes.{key}"
            if len(minutes) > len(ESCALATION_CHAIN):
                raise SettingsError(f"at most {len(ESCALATION_CHAIN)} escalation steps", field)
            values = [_finite(m, field, 0, MAX_ESCALATION_MINUTES) for m in minutes]
            if values != sorted(values):
                raise SettingsError("escalation minutes must not decrease from one step to the next", field)
            merged_minutes[key] = values
        new["alert_escalation_minutes"] = merged_minutes
    if roof is not None:
        merged_roof = dict(current.roof)
        for key, value in roof.items():
            if key not in DEFAULT_ROOF:
                raise SettingsError(f"no roof threshold called {key!r}", "roof")
            high = 100.0 if key == "support_pressure_percent" else 1000.0
            merged_roof[key] = _finite(value, f"roof.{key}", 0.1, high)
        if merged_roof["separation_yellow_mm"] >= merged_roof["separation_red_mm"]:
            raise SettingsError("the yellow roof separation must be below the red one", "roof")
        new["roof"] = merged_roof
    if exam_pass_mark is not None:
        new["exam_pass_mark"] = _finite(exam_pass_mark, "examPassMark", 1, 100)
    return new
