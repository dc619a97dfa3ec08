"""Pure rules of the phone's alarm: whom an alert calls, how loud, and how often it repeats."""

from __future__ import annotations

from contracts.alerts import AlertSeverity, AlertState
from contracts.roles import Role
from mobile.api.alerts import Alert
from mobile.api.models import User

# the first responders of every alert of the mine (level 0 of the escalation chain)
FIRST_RESPONDERS = (Role.SAFETY_OFFICER,)

# seconds between repeats while an alert that calls me stays unacknowledged (None: once, silently)
REPEAT_S: dict[AlertSeverity, float | None] = {
    AlertSeverity.CRITICAL: 30.0,
    AlertSeverity.ALARM: 60.0,
    AlertSeverity.WARNING: 300.0,
    AlertSeverity.INFO: None,
}


def calls(alert: Alert, user: User | None) -> bool:
    """Whether this unacknowledged alert calls this person: it has been escalated to them, or (unless they
    raised it themselves) it is in their area or mine-wide, or they are a first responder (safety officer)."""
    if user is None or alert.state is not AlertState.RAISED:
        return False
    if user.id in alert.escalated_to:
        return True
    if alert.raised_by == user.id:
        return False
    if user.has_any(*FIRST_RESPONDERS):
        return True
    return alert.area is None or alert.area.id == user.area_id


def loud(alert: Alert) -> bool:
    """Sound and vibration (and repeats) for WARNING and above; INFO is one silent notification."""
    return REPEAT_S[alert.severity] is not None


def repeat_after(alert: Alert) -> float | None:
    return REPEAT_S[alert.severity]


def ringing_order(alerts: list[Alert]) -> list[Alert]:
    """The most severe first, then the latest raised (what the banner shows on top)."""
    return sorted(alerts, key=lambda a: (-a.severity.rank, -(a.last_raised_at.timestamp() if a.last_raised_at else 0)))
