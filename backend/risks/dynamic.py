"""Dynamic risk: a point's shown level follows the hazards, alarms and vision events live at it.

The hazard and alert flows call `on_hazard_changed` / `on_alert_changed` after each transition (small, local
calls in the same transaction); the point's shown level is recomputed from what is live in its area and every
change is audited (`risk_point.level_raised`, `risk_point.level_restored`). The four-colour map reads the
stored shown level, so drawing it never recomputes anything.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal
from backend.alerts.models import Alert
from backend.alerts.rules import OPEN_STATES as OPEN_ALERT_STATES
from backend.audit.flows import AuditRecord, record_audit, record_audit_many
from backend.hazards.models import Hazard
from backend.risks import rules, service
from backend.risks.models import RiskPoint, RiskPointHazard
from contracts.alerts import AlertSeverity, AlertSource
from contracts.hazards import HazardGrade

logger = logging.getLogger(__name__)
ALARM_SOURCES = frozenset({AlertSource.SENSOR, AlertSource.MANUAL})


def _is_alarm(alert: Alert) -> bool:
    return alert.source in ALARM_SOURCES and AlertSeverity(alert.severity).rank >= AlertSeverity.ALARM.rank


def _is_vision(alert: Alert) -> bool:
    return alert.source is AlertSource.VISION and AlertSeverity(alert.severity).rank >= AlertSeverity.WARNING.rank


async def live_factors(session: AsyncSession, points: Sequence[RiskPoint]) -> list[rules.LiveFactors]:
    """What is live at each point now: its open hazards, and the open alarms and vision alerts of its area."""
    if not points:
        return []
    hazards = await service.open_hazards_by_point(session, points)
    alerts = (await session.scalars(select(Alert).where(
        Alert.area_id.in_({p.area_id for p in points}), Alert.state.in_(list(OPEN_ALERT_STATES)),
        Alert.drill_id.is_(None),  # a drill's alarms never raise a real risk
        Alert.source.in_([*ALARM_SOURCES, AlertSource.VISION])))).all()
    by_area: dict[uuid.UUID, list[Alert]] = {}
    for alert in alerts:
        if alert.area_id is not None:
            by_area.setdefault(alert.area_id, []).append(alert)
    out = []
    for point, open_hazards in zip(points, hazards, strict=True):
        area_alerts = by_area.get(point.area_id, [])
        alarms = [a for a in area_alerts if _is_alarm(a)]
        out.append(rules.LiveFactors(
            open_hazards=len(open_hazards), major_hazards=sum(h.grade is HazardGrade.MAJOR for h in open_hazards),
            alarms=len(alarms), critical_alarms=sum(a.severity is AlertSeverity.CRITICAL for a in alarms),
            vision_events=sum(_is_vision(a) for a in area_alerts)))
    return out


def _snapshot(point: RiskPoint) -> dict[str, object]:
    return {"level": point.level, "shown_level": point.shown_level, "raised": point.raised,
            "raised_causes": list(point.raised_causes or [])}


async def refresh_points(session: AsyncSession, *, actor: Principal | None, points: Sequence[RiskPoint],
                         cause: str | None = None) -> list[RiskPoint]:
    """Recompute the shown level of these points; audit and return the ones that changed."""
    assessed = [p for p in points if p.level is not None and p.retired_at is None]
    changed: list[RiskPoint] = []
    records: dict[uuid.UUID, list[AuditRecord]] = {}
    for point, live in zip(assessed, await live_factors(session, assessed), strict=True):
        assert point.level is not None
        shown = rules.shown_level(point.level, live)
        causes = list(shown.causes)
        if point.shown_level is shown.level and point.raised == shown.raised \
                and list(point.raised_causes or []) == causes:
            continue
        before = _snapshot(point)
        was_rank = point.shown_rank
        point.shown_level, point.shown_rank, point.raised_causes = shown.level, shown.level.rank, causes
        point.raised = shown.raised
        action = ("risk_point.level_raised" if shown.level.rank > was_rank and shown.raised
                  else "risk_point.level_restored" if not shown.raised and was_rank > shown.level.rank
                  else "risk_point.level_changed")
        records.setdefault(point.mine_id, []).append(AuditRecord(
            action=action, subject_type="risk_point", subject_id=point.id, before=before, after=_snapshot(point),
            reason=cause))
        changed.append(point)
    if changed:
        await session.flush()
        for mine_id, entries in records.items():  # one chain append per mine, however many points changed
            await record_audit_many(session, actor=actor, records=entries, mine_id=mine_id)
        logger.info("risk: %s point(s) changed shown level (%s)", len(changed), cause)
    return changed


async def refresh_areas(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID,
                        area_ids: Iterable[uuid.UUID | None], cause: str | None = None) -> list[RiskPoint]:
    wanted = {a for a in area_ids if a is not None}
    if not wanted:
        return []
    points = (await session.scalars(select(RiskPoint).where(
        RiskPoint.mine_id == mine_id, RiskPoint.area_id.in_(wanted), RiskPoint.retired_at.is_(None),
        RiskPoint.level.is_not(None)))).all()
    return await refresh_points(session, actor=actor, points=points, cause=cause)


PENDING_LINKS = "risks.pending_links"


def expect_link(session: AsyncSession, *, hazard_id: uuid.UUID, point_id: uuid.UUID,
                measure_id: uuid.UUID | None) -> None:
    """A hazard about to be opened belongs to this point (a failed check): linked as soon as it exists, before
    any shown level is worked out, so the other points of its area never rise for it."""
    session.info.setdefault(PENDING_LINKS, {})[hazard_id] = (point_id, measure_id)


async def _take_pending_link(session: AsyncSession, actor: Principal | None, hazard: Hazard) -> None:
    pending = session.info.get(PENDING_LINKS, {}).pop(hazard.id, None)
    if pending is None or await session.get(RiskPointHazard, (pending[0], hazard.id)) is not None:
        return
    point_id, measure_id = pending
    session.add(RiskPointHazard(risk_point_id=point_id, hazard_id=hazard.id, measure_id=measure_id))
    await session.flush()
    await record_audit(session, actor=actor, mine_id=hazard.mine_id, action="risk_point.hazard_linked",
                       subject_type="risk_point", subject_id=point_id, before={},
                       after={"hazard_id": hazard.id, "measure_id": measure_id})


async def on_hazard_changed(session: AsyncSession, *, actor: Principal | None, hazard: Hazard) -> None:
    """Called by the hazard flows after each transition: the points at the hazard's area (and linked) follow."""
    await _take_pending_link(session, actor, hazard)
    linked = select(RiskPointHazard.risk_point_id).where(RiskPointHazard.hazard_id == hazard.id)
    points = (await session.scalars(select(RiskPoint).where(  # one query: the area's points and the linked ones
        RiskPoint.mine_id == hazard.mine_id, RiskPoint.retired_at.is_(None), RiskPoint.level.is_not(None),
        or_(RiskPoint.area_id == hazard.area_id, RiskPoint.id.in_(linked))))).all()
    if points:
        await refresh_points(session, actor=actor, points=points,
                             cause=f"hazard {hazard.id} {hazard.state.value}")


async def on_alert_changed(session: AsyncSession, *, actor: Principal | None, alert: Alert) -> None:
    """Called by the alert flows after each transition of an alert with an area."""
    if alert.area_id is None or alert.drill_id is not None or alert.source not in (*ALARM_SOURCES, AlertSource.VISION):
        return
    await refresh_areas(session, actor=actor, mine_id=alert.mine_id, area_ids=[alert.area_id],
                        cause=f"alert {alert.id} {alert.state.value}")
