"""Maintenance plans and records, assessment schemes and monthly assessment runs, each audited in its transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.accounts.roles import Principal
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.errors import NotFound, ValidationFailed
from backend.kpi import service
from backend.kpi.models import AssessmentRun, AssessmentScheme, AssessmentScore, MaintenancePlan, MaintenanceRecord
from backend.kpi.permissions import CanPlanMaintenance, CanRecordMaintenance
from backend.kpi.rules import DeviceKind, UnitKind, indicator_values, month_period, unit_kpis
from backend.kpi.scoring import DEFAULT_SCHEME, IndicatorRule, check_scheme, rank_scores, score_unit
from backend.sensors.models import Sensor
from backend.validation import clean_text
from backend.vision.models import Camera
from backend.vision.rules import CameraKind

logger = logging.getLogger(__name__)
ASSESSED_KINDS: tuple[UnitKind, ...] = (UnitKind.DISTRICT, UnitKind.AREA, UnitKind.TEAM, UnitKind.PERSON)
MAX_INTERVAL_DAYS = 3660.0


async def _device(session: AsyncSession, *, mine_id: uuid.UUID, kind: DeviceKind, device_id: uuid.UUID
                  ) -> tuple[str, uuid.UUID | None]:
    """The device's name and area; a device of another mine looks missing."""
    if kind is DeviceKind.SENSOR:
        sensor = await session.get(Sensor, device_id)
        if sensor is not None and sensor.mine_id == mine_id:
            return sensor.code, sensor.area_id
    else:
        camera = await session.get(Camera, device_id)
        wanted = CameraKind.ROBOT if kind is DeviceKind.ROBOT else CameraKind.CAMERA
        if camera is not None and camera.mine_id == mine_id and camera.kind is wanted:
            return camera.name, camera.area_id
    raise NotFound(f"no such {kind.value.lower()}")


async def create_plan(session: AsyncSession, *, actor: Principal, device_kind: DeviceKind, device_id: uuid.UUID,
                      interval_days: float, responsible_id: uuid.UUID | None, starts_at: datetime | None
                      ) -> MaintenancePlan:
    """Plan a device's maintenance every interval_days; planning a device again changes its interval."""
    if not 0 < interval_days <= MAX_INTERVAL_DAYS:
        raise ValidationFailed(f"the interval must be between 0 and {MAX_INTERVAL_DAYS:g} days",
                                    field="intervalDays")
    name, area_id = await _device(session, mine_id=actor.mine_id, kind=device_kind, device_id=device_id)
    CanPlanMaintenance.check(actor, area_id)
    if responsible_id is not None:
        person = await session.get(User, responsible_id)
        if person is None or person.mine_id != actor.mine_id:
            raise ValidationFailed("no such person in this mine", field="responsibleId")
    plan = await session.scalar(select(MaintenancePlan).where(
        MaintenancePlan.mine_id == actor.mine_id, MaintenancePlan.device_kind == device_kind,
        MaintenancePlan.device_id == device_id).with_for_update())
    before = None
    if plan is None:
        plan = MaintenancePlan(mine_id=actor.mine_id, device_kind=device_kind, device_id=device_id, device_name=name,
                               area_id=area_id, interval_days=interval_days, responsible_id=responsible_id,
                               starts_at=starts_at or utcnow())
        session.add(plan)
    else:
        before = {"interval_days": plan.interval_days, "responsible_id": plan.responsible_id,
                  "is_active": plan.is_active}
        plan.interval_days, plan.responsible_id, plan.is_active = interval_days, responsible_id, True
    await session.flush()
    await record_audit(session, actor=actor, action="maintenance.planned", subject_type="maintenance_plan",
                       subject_id=plan.id, before=before or {},
                       after={"device_kind": device_kind, "device_id": device_id, "device_name": name,
                              "interval_days": interval_days, "responsible_id": responsible_id})
    return plan


async def record_maintenance(session: AsyncSession, *, actor: Principal, record_id: uuid.UUID, plan_id: uuid.UUID,
                             performed_at: datetime | None, note: str | None) -> MaintenanceRecord:
    """Record maintenance done by the actor; the client's id makes a retry return the first record."""
    existing = await session.get(MaintenanceRecord, record_id)
    if existing is not None:
        if existing.mine_id != actor.mine_id or existing.plan_id != plan_id:
            raise ValidationFailed("this id belongs to another record", field="clientId")
        return existing
    plan = await session.get(MaintenancePlan, plan_id)
    if plan is None or plan.mine_id != actor.mine_id:
        raise NotFound("no such maintenance plan")
    CanRecordMaintenance.check(actor, plan)
    now = utcnow()
    at = performed_at or now
    if at > now:
        raise ValidationFailed("maintenance cannot be recorded in the future", field="performedAt")
    record = MaintenanceRecord(id=record_id, mine_id=actor.mine_id, plan_id=plan.id, performed_by_id=actor.id,
                               performed_at=at, note=clean_text(note, "note", limit=2000) or "")
    session.add(record)
    await session.flush()
    await record_audit(session, actor=actor, action="maintenance.recorded", subject_type="maintenance_plan",
                       subject_id=plan.id, before={},
                       after={"record_id": record.id, "performed_at": at, "performed_by_id": actor.id,
                              "note": record.note})
    return record


async def define_scheme(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID, name: str,
                        rules: Sequence[IndicatorRule]) -> AssessmentScheme:
    """A new version of the mine's scheme; the one before it is superseded, never changed."""
    problems = check_scheme(rules)
    if problems:
        raise ValidationFailed("; ".join(problems), field="indicators")
    title = clean_text(name, "name", required=True, limit=200)
    current = await service.current_scheme(session=session, mine_id=mine_id)
    now = utcnow()
    if current is not None:
        current.superseded_at = now
    scheme = AssessmentScheme(mine_id=mine_id, version=(current.version + 1) if current else 1, name=title or "",
                              indicators=[r.as_dict() for r in rules], created_by_id=actor.id if actor else None,
                              created_at=now)
    session.add(scheme)
    await session.flush()
    await record_audit(session, actor=actor, mine_id=mine_id, action="assessment.scheme_defined",
                       subject_type="assessment_scheme", subject_id=scheme.id,
                       before={"version": current.version} if current else {},
                       after={"version": scheme.version, "name": scheme.name, "indicators": scheme.indicators})
    return scheme


async def compute_assessment(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID, month: str,
                             now: datetime | None = None) -> AssessmentRun:
    """Score every district, area, team and person for a month, rank each kind and keep the run as history."""
    now = now or utcnow()
    timezone = await service.mine_timezone(session=session, mine_id=mine_id)
    try:
        period = month_period(month, timezone)
    except ValueError as error:
        raise ValidationFailed(str(error), field="month") from error
    if period.start > now:
        raise ValidationFailed("that month has not begun", field="month")
    scheme = await service.current_scheme(session=session, mine_id=mine_id)
    if scheme is None:
        scheme = await define_scheme(session, actor=actor, mine_id=mine_id, name="默认考核方案 Default scheme",
                                     rules=DEFAULT_SCHEME)
    rules = [IndicatorRule.from_dict(d) for d in scheme.indicators]
    facts = await service.kpi_facts(session=session, mine_id=mine_id, period=period, now=now)
    run = AssessmentRun(mine_id=mine_id, scheme_id=scheme.id, month=month, period_start=period.start,
                        period_end=period.end, computed_at=now, computed_by_id=actor.id if actor else None)
    session.add(run)
    await session.flush()
    counts = {}
    for kind in ASSESSED_KINDS:
        units = facts.org.units_of(kind)
        scores = rank_scores([score_unit(u.key, rules, indicator_values(unit_kpis(facts, u))) for u in units])
        counts[kind.value] = len(scores)
        for unit_score in scores:
            unit_id = unit_score.unit_key.split(":", 1)[1]
            session.add(AssessmentScore(
                run_id=run.id, mine_id=mine_id, month=month, unit_kind=kind.value, unit_id=unit_id,
                unit_name=facts.org.names.get(unit_score.unit_key, unit_id), score=unit_score.score,
                rank=unit_score.rank,
                breakdown=[{"indicator": i.indicator.value, "value": i.value, "target": i.target, "weight": i.weight,
                            "earned": i.earned, "lost": i.lost, "counted": i.counted, "note": i.note}
                           for i in unit_score.items]))
    await session.flush()
    await record_audit(session, actor=actor, mine_id=mine_id, action="assessment.computed",
                       subject_type="assessment_run", subject_id=run.id, before={},
                       after={"month": month, "scheme_version": scheme.version, "units": counts})
    logger.info("assessment %s for mine %s: %s", month, mine_id, counts)
    return run
