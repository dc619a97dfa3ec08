"""Pure rules of shared alerts: sources, ordered severities, states, verdicts and escalation by time."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

# the vocabulary is the contract's; the backend's modules may take it from here
from contracts.alerts import AlertSeverity, AlertState


class AlertStep(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    OPEN_HAZARD = "open_hazard"


OPEN_STATES = frozenset({AlertState.RAISED, AlertState.ACKNOWLEDGED})


class AlertOrder(enum.StrEnum):
    """How a list of alerts is ordered."""

    NEWEST = "NEWEST"  # by first raise, newest first (the history)
    OPEN_FIRST = "OPEN_FIRST"  # unacknowledged, then acknowledged, then resolved; most severe, then latest raise


STATE_RANK: Mapping[AlertState, int] = {AlertState.RAISED: 0, AlertState.ACKNOWLEDGED: 1, AlertState.RESOLVED: 2}
ALLOWED_FROM: Mapping[AlertStep, frozenset[AlertState]] = {
    AlertStep.ACKNOWLEDGE: frozenset({AlertState.RAISED}),
    AlertStep.RESOLVE: OPEN_STATES,
    AlertStep.ESCALATE: frozenset({AlertState.RAISED}),  # acknowledging stops the escalation
    AlertStep.OPEN_HAZARD: frozenset(AlertState),  # a resolved alert may still turn out to be a hazard
}


def can_take(step: AlertStep, state: AlertState) -> bool:
    return state in ALLOWED_FROM[step]


def max_severity(a: AlertSeverity, b: AlertSeverity) -> AlertSeverity:
    return a if a.rank >= b.rank else b


# --- escalation -------------------------------------------------------------------------------
class EscalationTarget(enum.StrEnum):
    """Who an unacknowledged alert goes to at each level of the responsibility chain (DOMAIN.md roles)."""

    AREA_MANAGER = "AREA_MANAGER"  # 区队长 of the alert's area (mine managers when the alert is mine-wide)
    MINE_MANAGERS = "MINE_MANAGERS"  # 矿长 / 安全副矿长


ESCALATION_CHAIN: tuple[EscalationTarget, ...] = (EscalationTarget.AREA_MANAGER, EscalationTarget.MINE_MANAGERS)

# Minutes after the first raise, without an acknowledgement, at which each level of ESCALATION_CHAIN is
# reached, by severity. A mine overrides them in its settings under "alert_escalation_minutes", e.g.
# {"ALARM": [3, 10], "WARNING": []} (an empty list: that severity never escalates).
DEFAULT_ESCALATION_MINUTES: Mapping[str, Sequence[float]] = {
    AlertSeverity.CRITICAL: (5, 15),
    AlertSeverity.ALARM: (5, 15),
    AlertSeverity.WARNING: (30, 120),
    AlertSeverity.INFO: (),
}


def escalation_policy(overrides: object) -> tuple[dict[AlertSeverity, tuple[float, ...]], list[str]]:
    """The policy in force and what was wrong with a mine's overrides.

    Overrides map severities to lists of minutes (finite, >= 0). Anything malformed never stops escalation:
    a value that is not such a mapping gives the defaults, a malformed entry its severity's default, and
    each is named in the problems. Unknown severities are ignored; lists are sorted.
    """
    problems: list[str] = []
    if overrides is None:
        overrides = {}
    elif not isinstance(overrides, Mapping):
        problems.append(f"not a mapping of severity to minutes: {overrides!r:.100}")
        overrides = {}
    merged: dict[AlertSeverity, tuple[float, ...]] = {}
    for severity in AlertSeverity:
        minutes = _minutes(overrides.get(severity.value, DEFAULT_ESCALATION_MINUTES[severity]))
        if minutes is None:
            problems.append(f"{severity.value}: not a list of minutes >= 0: {overrides[severity.value]!r:.100}")
            minutes = _minutes(DEFAULT_ESCALATION_MINUTES[severity]) or ()
        merged[severity] = minutes[: len(ESCALATION_CHAIN)]
    return merged, problems


def _minutes(raw: object) -> tuple[float, ...] | None:
    """Sorted minutes, or None when raw is not a list of finite numbers >= 0."""
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        return None
    if not all(isinstance(m, int | float) and not isinstance(m, bool) and math.isfinite(m) and m >= 0 for m in raw):
        return None
    return tuple(sorted(float(m) for m in raw))


def escalation_minutes(overrides: Mapping[str, Sequence[float]] | None = None
                       ) -> dict[AlertSeverity, tuple[float, ...]]:
    """The policy in force: the defaults with a mine's overrides (malformed parts fall back to the defaults)."""
    return escalation_policy(overrides)[0]


def due_escalation_level(severity: AlertSeverity, state: AlertState, raised_at: datetime, now: datetime,
                         policy: Mapping[AlertSeverity, Sequence[float]] | None = None) -> int:
    """How many levels up the chain an alert should be by now (0: none; acknowledged or resolved: 0)."""
    if not can_take(AlertStep.ESCALATE, state):
        return 0
    thresholds = (policy or escalation_minutes())[severity]
    elapsed = (now - raised_at) / timedelta(minutes=1)
    return sum(1 for minutes in thresholds if elapsed >= minutes)


def escalation_target(level: int) -> EscalationTarget | None:
    if level <= 0:
        return None
    return ESCALATION_CHAIN[min(level, len(ESCALATION_CHAIN)) - 1]


def overdue_hazard_dedupe_key(hazard_id: object) -> str:
    return f"hazard-overdue:{hazard_id}"


def warning_accuracy(confirmed: int, false_alarms: int) -> float | None:
    """Warning accuracy KPI: confirmed ÷ (confirmed + false alarm); None when nothing was judged."""
    judged = confirmed + false_alarms
    return confirmed / judged if judged else None
