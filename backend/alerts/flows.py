"""Every alert transition: checks, state change, audit entry and live event in one transaction.

The caller commits (and publishes the queued events after the commit: `Context.commit`, or
`commit_and_publish` for background work).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.accounts.roles import Principal, PrincipalKind, Role
from backend.alerts import service
from backend.alerts.events import AlertEvent, AlertEventKind, channel_for
from backend.alerts.models import Alert
from backend.alerts.permissions import CanHandleAlert, CanRaiseManualAlert
from backend.alerts.rules import (
    AlertStep,
    EscalationTarget,
    can_take,
    due_escalation_level,
    escalation_policy,
    escalation_target,
    max_severity,
    overdue_hazard_dedupe_key,
)
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import sqlite_write_lock
from backend.errors import InvalidTransition, ValidationFailed
from backend.events import publish_after_commit
from backend.hazards import flows as hazard_flows
from backend.hazards.models import Hazard
from backend.hazards.rules import OPEN_STATES as OPEN_HAZARD_STATES
from backend.org.models import Area, Mine
from backend.risks import dynamic as risk_dynamic
from backend.validation import clean_text
from contracts.alerts import AlertSeverity, AlertSource, AlertState, AlertVerdict
from contracts.hazards import HazardGrade, HazardSource

logger = logging.getLogger(__name__)
MAX_TITLE = 200
MAX_DETAIL = 4000
MAX_KEY = 300
MAX_REF = 200
FUTURE_ALLOWANCE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    alert: Alert
    created: bool


def snapshot(alert: Alert) -> dict[str, Any]:
    """The audited view of an alert."""
    return {
        "state": alert.state, "severity": alert.severity, "source": alert.source, "source_ref": alert.source_ref,
        "area_id": alert.area_id, "title": alert.title, "dedupe_key": alert.dedupe_key,
        "raise_count": alert.raise_count, "last_raised_at": alert.last_raised_at,
        "snapshot_key": alert.snapshot_key, "verdict": alert.verdict, "acknowledged_by_id": alert.acknowledged_by_id,
        "resolved_by_id": alert.resolved_by_id, "escalation_level": alert.escalation_level,
        "hazard_id": alert.hazard_id,
    }


def _text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_DETAIL,
          multiline: bool = True) -> str | None:
    return clean_text(value, field, required=required, limit=limit, multiline=multiline)


def _require_step(alert: Alert, step: AlertStep) -> None:
    if not can_take(step, alert.state):
        raise InvalidTransition(f"cannot {step.value.replace('_', ' ')} an alert that is {alert.state.value}",
                                     current_state=alert.state.value)


def _publish(session: AsyncSession, alert: Alert, kind: AlertEventKind, at: datetime) -> None:
    publish_after_commit(session, channel_for(alert.mine_id), AlertEvent(
        kind=kind, alert_id=alert.id, mine_id=alert.mine_id, area_id=alert.area_id, severity=alert.severity.value,
        state=alert.state.value, escalation_level=alert.escalation_level, at=at))


async def _record(session: AsyncSession, *, actor: Principal | None, alert: Alert, action: str,
                  before: dict[str, Any], kind: AlertEventKind | None, reason: str | None = None,
                  extra: dict[str, Any] | None = None, touch: bool = True) -> Alert:
    now = utcnow()
    if touch:  # a row just inserted carries its times already
        alert.updated_at = now
        await session.flush()
    await record_audit(session, actor=actor, action=action, subject_type="alert", subject_id=alert.id,
                       before=before, after={**snapshot(alert), **(extra or {})}, reason=reason,
                       mine_id=alert.mine_id)
    if kind is not None:
        _publish(session, alert, kind, now)
    if kind in (AlertEventKind.RAISED, AlertEventKind.REPEATED, AlertEventKind.RESOLVED):
        await risk_dynamic.on_alert_changed(session, actor=actor, alert=alert)  # the risk points of its area
    return alert


def _person_id(actor: Principal | None) -> uuid.UUID | None:
    """Users are referenced by foreign key; devices and the system are named in the audit entry only."""
    return actor.id if actor is not None and actor.kind is PrincipalKind.USER else None


async def _check_area(session: AsyncSession, mine_id: uuid.UUID, area_id: uuid.UUID | None) -> None:
    if area_id is None:
        return
    area = await session.get(Area, area_id)
    if area is None or area.mine_id != mine_id:
        raise ValidationFailed("no such area in this mine", field="areaId")


def _aware(value: datetime | None, field: str) -> datetime:
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        raise ValidationFailed(f"{field} needs a time zone (UTC)", field=field)
    return value


def _occurred_at(value: datetime | None) -> tuple[datetime, str | None]:
    """When the alert happened, never later than now (+ FUTURE_ALLOWANCE for clocks a little ahead).

    A time further ahead (a device whose clock is wrong) is not refused — an alarm is never dropped — but
    recorded at the server's time, with the claimed time kept in a note for the detail. Otherwise an alert
    dated years ahead would never escalate and would stay on top of the newest-first list.
    """
    at = _aware(value, "occurredAt")
    now = utcnow()
    if at <= now + FUTURE_ALLOWANCE:
        return at, None
    logger.warning("an alert claimed to occur at %s, ahead of the server's clock (%s): recorded at the server's time",
                   at.isoformat(), now.isoformat())
    return now, f"[reported time {at.isoformat()} is ahead of the server's clock; recorded at {now.isoformat()}]"


async def _fold(session: AsyncSession, *, actor: Principal | None, alert: Alert, severity: AlertSeverity,
                detail: str | None, snapshot_key: str | None, at: datetime) -> Alert:
    """A repeat of an open alert: count it, keep the highest severity, the latest detail and snapshot."""
    before = snapshot(alert)
    alert.raise_count += 1
    alert.last_raised_at = max(alert.last_raised_at, at)
    alert.severity = max_severity(alert.severity, severity)
    if detail:
        alert.detail = detail
    if snapshot_key:
        alert.snapshot_key = snapshot_key
    return await _record(session, actor=actor, alert=alert, action="alert.repeated", before=before,
                         kind=AlertEventKind.REPEATED)


async def raise_alert(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID, source: AlertSource,
                      source_ref: str, severity: AlertSeverity, area_id: uuid.UUID | None, title: str,
                      detail: str, dedupe_key: str, snapshot_key: str | None = None,
                      occurred_at: datetime | None = None, client_id: uuid.UUID | None = None,
                      drill_id: uuid.UUID | None = None) -> RaisedAlert:
    """Raise an alert, or fold a repeat into the open alert of the same (mine, dedupe key).

    Never two open rows for one key, even under concurrency: a unique partial index guards it and the
    loser of a race folds into the winner's row. Audited; published after commit. The caller commits.
    """
    title_text = _text(title, "title", required=True, limit=MAX_TITLE) or ""
    detail_text = _text(detail, "detail") or ""
    key = _text(dedupe_key, "dedupeKey", required=True, limit=MAX_KEY, multiline=False) or ""
    ref = _text(source_ref, "sourceRef", required=True, limit=MAX_REF, multiline=False) or ""
    snap = _text(snapshot_key, "snapshotKey", limit=MAX_KEY, multiline=False)
    at, clock_note = _occurred_at(occurred_at)
    if clock_note:
        detail_text = f"{detail_text}\n{clock_note}".strip()
    source, severity = AlertSource(source), AlertSeverity(severity)
    await sqlite_write_lock(session, mine_id)
    await _check_area(session, mine_id, area_id)
    existing = await service.find_open(session=session, mine_id=mine_id, dedupe_key=key, for_update=True)
    if existing is None:
        alert = await service.insert_unless_conflict(session=session, values=dict(
            mine_id=mine_id, area_id=area_id, source=source, source_ref=ref, severity=severity,
            state=AlertState.RAISED, title=title_text, detail=detail_text, dedupe_key=key, raise_count=1,
            first_raised_at=at, last_raised_at=at, snapshot_key=snap, raised_by_id=actor.id if actor else None,
            client_id=client_id, escalation_level=0, drill_id=drill_id))
        if alert is not None:
            await _record(session, actor=actor, alert=alert, action="alert.raised", before={},
                          kind=AlertEventKind.RAISED, touch=False)
            await _permit_interlock(session, alert, actor)
            return RaisedAlert(alert=alert, created=True)
        if client_id is not None:  # the same manual alert committed concurrently: the caller returns it
            found = await service.find_by_client_id(session=session, mine_id=mine_id, client_id=client_id)
            if found is not None:
                return RaisedAlert(alert=found, created=False)
        existing = await service.find_open(session=session, mine_id=mine_id, dedupe_key=key, for_update=True)
        if existing is None:  # resolved between the conflict and now: vanishingly rare; raise it afresh
            return await raise_alert(session, actor=actor, mine_id=mine_id, source=source, source_ref=ref,
                                     severity=severity, area_id=area_id, title=title_text, detail=detail_text,
                                     dedupe_key=key, snapshot_key=snap, occurred_at=at, client_id=client_id)
    alert = await _fold(session, actor=actor, alert=existing, severity=severity, detail=detail_text,
                        snapshot_key=snap, at=at)
    await _permit_interlock(session, alert, actor)
    return RaisedAlert(alert=alert, created=False)


async def _permit_interlock(session: AsyncSession, alert: Alert, actor: Principal | None) -> None:
    """An alarm or a power cut stops the live work permits of its area in this same transaction (issue 14)."""
    from backend.permits import interlock

    await interlock.on_alert(session, alert, actor)


async def _resolve(session: AsyncSession, *, actor: Principal | None, alert: Alert, note: str | None,
                   action: str) -> Alert:
    before = snapshot(alert)
    alert.state = AlertState.RESOLVED
    alert.resolved_at = utcnow()
    alert.resolved_by_id = _person_id(actor)
    alert.resolution_note = note
    return await _record(session, actor=actor, alert=alert, action=action, before=before,
                         kind=AlertEventKind.RESOLVED, reason=note)


async def resolve_by_key(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID, dedupe_key: str,
                         reason: str) -> Alert | None:
    """Resolve the open alert of a key (e.g. the sensor went back to normal); None when none is open."""
    text = _text(reason, "reason", required=True)
    await sqlite_write_lock(session, mine_id)
    alert = await service.find_open(session=session, mine_id=mine_id, dedupe_key=dedupe_key, for_update=True)
    if alert is None:
        return None
    return await _resolve(session, actor=actor, alert=alert, note=text, action="alert.resolved")


async def _who(session: AsyncSession, user_id: uuid.UUID) -> str:
    """A person as named in a refusal: display name (and id), so the caller knows whom to ask."""
    user = await session.get(User, user_id)
    return f"{user.display_name} ({user.id})" if user is not None else str(user_id)


def _at(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "an unknown time"


async def acknowledge(session: AsyncSession, *, actor: Principal, alert_id: uuid.UUID, verdict: AlertVerdict,
                      note: str | None) -> Alert:
    """A handler has seen the alert and judged it: confirmed, or a false alarm. Stops its escalation."""
    alert = await service.get_in_mine_or_raise(session=session, alert_id=alert_id, mine_id=actor.mine_id,
                                               for_update=True)
    CanHandleAlert.check(actor, alert)
    verdict = AlertVerdict(verdict)
    if alert.acknowledged_by_id is not None and alert.state is not AlertState.RAISED:
        if alert.acknowledged_by_id == actor.id and alert.verdict is verdict:
            return alert  # a retry (the first answer was lost): the acknowledgement stands as it was
        who = await _who(session, alert.acknowledged_by_id)
        raise InvalidTransition(
            f"already acknowledged by {who} at {_at(alert.acknowledged_at)} as {alert.verdict}; the alert is "
            f"{alert.state.value}", current_state=alert.state.value)
    _require_step(alert, AlertStep.ACKNOWLEDGE)
    text = _text(note, "note")
    before = snapshot(alert)
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_by_id, alert.acknowledged_at = actor.id, utcnow()
    alert.verdict = verdict
    alert.note = text
    return await _record(session, actor=actor, alert=alert, action="alert.acknowledged", before=before,
                         kind=AlertEventKind.ACKNOWLEDGED, reason=text)


async def resolve(session: AsyncSession, *, actor: Principal, alert_id: uuid.UUID, note: str | None) -> Alert:
    """Close an alert, acknowledged or not."""
    alert = await service.get_in_mine_or_raise(session=session, alert_id=alert_id, mine_id=actor.mine_id,
                                               for_update=True)
    CanHandleAlert.check(actor, alert)
    if alert.state is AlertState.RESOLVED:
        if alert.resolved_by_id == actor.id:
            return alert  # a retry (the first answer was lost)
        who = await _who(session, alert.resolved_by_id) if alert.resolved_by_id else "the system"
        reason = f" ({alert.resolution_note})" if alert.resolution_note else ""
        raise InvalidTransition(f"already resolved by {who} at {_at(alert.resolved_at)}{reason}",
                                     current_state=alert.state.value)
    _require_step(alert, AlertStep.RESOLVE)
    return await _resolve(session, actor=actor, alert=alert, note=_text(note, "note"), action="alert.resolved")


async def raise_manual(session: AsyncSession, *, actor: Principal, client_id: uuid.UUID, area_id: uuid.UUID | None,
                       severity: AlertSeverity, title: str, detail: str | None) -> RaisedAlert:
    """A person raises an alert; retrying the same client id returns the first one."""
    await sqlite_write_lock(session, actor.mine_id)  # SQLite: concurrent retries queue, then find the first
    existing = await service.find_by_client_id(session=session, mine_id=actor.mine_id, client_id=client_id)
    if existing is not None:
        if existing.raised_by_id == actor.id:
            return RaisedAlert(alert=existing, created=False)
        raise ValidationFailed("this client id is already used by another alert", field="clientId")
    CanRaiseManualAlert.check(actor, area_id)
    raised = await raise_alert(session, actor=actor, mine_id=actor.mine_id, source=AlertSource.MANUAL,
                               source_ref=str(client_id), severity=severity, area_id=area_id, title=title,
                               detail=detail or "", dedupe_key=f"manual:{client_id}", client_id=client_id)
    if raised.alert.raised_by_id != actor.id:
        raise ValidationFailed("this client id is already used by another alert", field="clientId")
    return raised


async def open_hazard_from_alert(session: AsyncSession, *, actor: Principal, alert_id: uuid.UUID,
                                 description: str | None, suggested_grade: HazardGrade | None) -> Hazard:
    """Open a hazard from the alert, once: a retry (or a second handler) gets the same hazard."""
    alert = await service.get_in_mine_or_raise(session=session, alert_id=alert_id, mine_id=actor.mine_id,
                                               for_update=True)
    CanHandleAlert.check(actor, alert)
    if alert.hazard_id is not None:
        hazard = await session.get(Hazard, alert.hazard_id)
        assert hazard is not None
        return hazard
    _require_step(alert, AlertStep.OPEN_HAZARD)
    if alert.area_id is None:
        raise ValidationFailed("a mine-wide alert names no area; report the hazard in its area instead",
                                    field="alertId")
    text = _text(description, "description") or f"{alert.title}\n{alert.detail}".strip()
    hazard = await hazard_flows.open_from_source(
        session, actor=actor, mine_id=alert.mine_id, area_id=alert.area_id, source=HazardSource.ALERT,
        source_ref=str(alert.id), description=text[:MAX_DETAIL], suggested_grade=suggested_grade,
        drill_id=alert.drill_id)
    before = snapshot(alert)
    alert.hazard_id = hazard.id
    await _record(session, actor=actor, alert=alert, action="alert.hazard_opened", before=before, kind=None)
    return hazard


# --- escalation and the periodic sweep --------------------------------------------------------------
async def escalation_recipients(session: AsyncSession, alert: Alert, level: int) -> list[uuid.UUID]:
    """The people an alert is escalated to at a level: whom the responsibility lists in force name for its area
    (walking up to its district's lists where the area has none), else the area manager; then the mine managers."""
    from backend.accounts import service as accounts_service
    from backend.responsibility import service as responsibility_service

    target = escalation_target(level)
    if target is EscalationTarget.AREA_MANAGER and alert.area_id is not None:
        chain = await responsibility_service.chain_for(session=session, mine_id=alert.mine_id, area_id=alert.area_id,
                                                       grade=None, level=None, at=alert.escalated_at or utcnow())
        if chain:
            return [r.user_id for r in chain[0]]
        area = await session.get(Area, alert.area_id)
        if area is not None and area.manager_id is not None:
            return [area.manager_id]
    if target is None:
        return []
    managers = await accounts_service.list_users(session=session, mine_id=alert.mine_id, role=Role.MINE_MANAGER)
    return [m.id for m in managers]


async def _escalation_policy(session: AsyncSession, mine_id: uuid.UUID) -> dict[AlertSeverity, tuple[float, ...]]:
    """A mine's escalation minutes; a malformed setting falls back to the defaults with a warning, so one
    mine's mistake never stops the sweep (nor escalation) for it or any other mine."""
    mine = await session.get(Mine, mine_id)
    settings = mine.settings if mine is not None else None
    raw = settings.get("alert_escalation_minutes") if isinstance(settings, dict) else None
    policy, problems = escalation_policy(raw)
    if mine is not None and settings is not None and not isinstance(settings, dict):
        problems.append(f"the mine's settings are not a mapping: {settings!r:.100}")
    if problems:
        logger.warning("mine %s: alert_escalation_minutes malformed, defaults used where it is: %s", mine_id,
                       "; ".join(problems))
    return policy


async def escalate_due(session: AsyncSession, *, now: datetime | None = None) -> list[Alert]:
    """Escalate every raised, unacknowledged alert whose time has come (per the mine's policy)."""
    now = _aware(now, "now")
    escalated: list[Alert] = []
    policies: dict[uuid.UUID, dict[AlertSeverity, tuple[float, ...]]] = {}
    candidates = await service.open_unacknowledged(session=session, severities=list(AlertSeverity))
    for candidate in candidates:
        if candidate.mine_id not in policies:
            policies[candidate.mine_id] = await _escalation_policy(session, candidate.mine_id)
        policy = policies[candidate.mine_id]
        if due_escalation_level(candidate.severity, candidate.state, candidate.first_raised_at, now,
                                policy) <= candidate.escalation_level:
            continue
        alert = await service.get_in_mine_or_raise(session=session, alert_id=candidate.id,
                                                   mine_id=candidate.mine_id, for_update=True)
        level = due_escalation_level(alert.severity, alert.state, alert.first_raised_at, now, policy)
        if level <= alert.escalation_level:
            continue  # acknowledged or escalated meanwhile
        before = snapshot(alert)
        alert.escalation_level, alert.escalated_at = level, now
        recipients = await escalation_recipients(session, alert, level)
        target = escalation_target(level)
        await _record(session, actor=None, alert=alert, action="alert.escalated", before=before,
                      kind=AlertEventKind.ESCALATED,
                      extra={"escalated_to": target.value if target else None,
                             "recipients": [str(r) for r in recipients]})
        escalated.append(alert)
    return escalated


def _overdue_severity(hazard: Hazard) -> AlertSeverity:
    return AlertSeverity.ALARM if hazard.grade is HazardGrade.MAJOR else AlertSeverity.WARNING


async def sweep_overdue_hazards(session: AsyncSession, *, now: datetime | None = None) -> tuple[int, int]:
    """Raise one HAZARD_OVERDUE alert per hazard past its deadline; resolve it once the hazard closes
    (or its deadline moves). Returns (raised, resolved)."""
    now = _aware(now, "now")
    raised = resolved = 0
    overdue = (await session.scalars(select(Hazard).where(Hazard.state.in_(list(OPEN_HAZARD_STATES)),
                                                          Hazard.deadline.is_not(None), Hazard.deadline < now)
                                     .order_by(Hazard.mine_id, Hazard.deadline))).all()
    for hazard in overdue:
        key = overdue_hazard_dedupe_key(hazard.id)
        latest = await service.latest_by_key(session=session, mine_id=hazard.mine_id, dedupe_key=key)
        if latest is not None and hazard.deadline is not None and latest.first_raised_at >= hazard.deadline:
            continue  # raised already for this deadline (open, or handled by a person)
        outcome = await raise_alert(
            session, actor=None, mine_id=hazard.mine_id, source=AlertSource.HAZARD_OVERDUE,
            source_ref=str(hazard.id), severity=_overdue_severity(hazard), area_id=hazard.area_id,
            title=f"Hazard overdue: {hazard.description[:150]}",
            detail=f"deadline {hazard.deadline.isoformat() if hazard.deadline else '-'} passed; state "
                   f"{hazard.state.value}", dedupe_key=key, occurred_at=now)
        raised += outcome.created
    for alert in await service.open_of_source(session=session, source=AlertSource.HAZARD_OVERDUE):
        try:
            hazard_id = uuid.UUID(alert.source_ref)
        except ValueError:
            continue
        hazard = await session.get(Hazard, hazard_id)
        if hazard is not None and hazard.state in OPEN_HAZARD_STATES and hazard.deadline is not None \
                and hazard.deadline < now:
            continue
        reason = (f"the hazard is {hazard.state.value}" if hazard is not None and
                  hazard.state not in OPEN_HAZARD_STATES else "the hazard's deadline moved")
        if await resolve_by_key(session, actor=None, mine_id=alert.mine_id, dedupe_key=alert.dedupe_key,
                                reason=reason):
            resolved += 1
    return raised, resolved


