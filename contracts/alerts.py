"""The shared alerts' vocabulary: sources, ordered severities, states, verdicts and live event kinds."""

from __future__ import annotations

import enum


class AlertSource(enum.StrEnum):
    SENSOR = "SENSOR"
    VISION = "VISION"
    HAZARD_OVERDUE = "HAZARD_OVERDUE"
    MANUAL = "MANUAL"
    CHECK_OVERDUE = "CHECK_OVERDUE"  # a scheduled inspection check (排查) missed its time
    RISK_REVIEW_DUE = "RISK_REVIEW_DUE"  # a risk point's next review (复评) is overdue
    PERMIT = "PERMIT"  # a work permit stopped by the interlock (its guardian and approvers are told)
    POSITIONING = "POSITIONING"  # personnel positioning: 超员, 超时, lost contact, 限制区域


class AlertSeverity(enum.StrEnum):
    """Ordered: INFO < WARNING < ALARM < CRITICAL (compare with `rank`)."""

    INFO = "INFO"
    WARNING = "WARNING"
    ALARM = "ALARM"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER: tuple[AlertSeverity, ...] = (AlertSeverity.INFO, AlertSeverity.WARNING, AlertSeverity.ALARM,
                                             AlertSeverity.CRITICAL)


class AlertState(enum.StrEnum):
    RAISED = "RAISED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


class AlertVerdict(enum.StrEnum):
    CONFIRMED = "CONFIRMED"
    FALSE_ALARM = "FALSE_ALARM"


class AlertEventKind(enum.StrEnum):
    RAISED = "RAISED"
    REPEATED = "REPEATED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    ESCALATED = "ESCALATED"
