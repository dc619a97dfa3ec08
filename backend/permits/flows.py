"""Every permit step: checks, state change, audit entry and live event in one transaction (the caller commits).

The interlock lives in `backend.permits.interlock`; it calls `suspend_for` here."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import service as accounts_service
from backend.accounts.roles import Principal, Role
from backend.alerts import flows as alert_flows
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine, sqlite_write_lock
from backend.drills.rules import DRILL_TITLE
from backend.errors import InvalidTransition, NotAllowed, ValidationFailed
from backend.events import publish_after_commit
from backend.hazards.flows import PhotoRejected, PhotoStorage, delete_originals
from backend.hazards.photos import PhotoRejectedError, process_photo
from backend.org import service as org_service
from backend.org.models import AreaKind
from backend.permits import service
from backend.permits.defaults import DEFAULT_KINDS
from backend.permits.events import PermitEvent, channel_for
from backend.permits.models import Permit, PermitApproval, PermitGasTest, PermitKind, PermitPhoto, PermitTokenPass
from backend.permits.permissions import (
    CanApplyForPermit,
    CanCancelPermit,
    CanRejectPermit,
    CanRunPermit,
    CanSuspendPermit,
)
from backend.permits.rules import (
    GAS_INSPECTOR_POST,
    LIVE_STATES,
    OPEN_STATES,
    TOKEN_CHAIN,
    BlastRole,
    GasReading,
    GasTestSource,
    GasTestStage,
    KindSpec,
    PermitGrade,
    PermitState,
    PermitStep,
    PermitWindow,
    Signature,
    SuspendCause,
    adjacent_areas,
    approval_problem,
    can_take,
    conflict,
    fire_problem,
    gas_passes,
    gas_test_problem,
    isolation_covers,
    measured_at_problem,
    missing_roles,
    next_token_holder,
    required_roles,
    token_holder,
    window_problem,
)
from backend.sensors.models import PowerZone, Sensor
from backend.sensors.rules import SensorKind
from backend.storage.models import UploadKind
from backend.storage.service import consume_upload
from backend.validation import clean_text
from contracts.alerts import AlertSeverity, AlertSource

logger = logging.getLogger(__name__)
MAX_TEXT = 4000
MAX_CREW = 50
MAX_PHOTOS = 9
SENSOR_TEST_MAX_AGE_S = 120  # a sensor's latest reading stands for a gas test only while it is this fresh


def snapshot(permit: Permit) -> dict[str, Any]:
    """The audited view of a permit."""
    return {
        "state": permit.state, "kind": permit.kind_code, "grade": permit.grade, "area_id": permit.area_id,
        "starts_at": permit.starts_at, "ends_at": permit.ends_at, "work_leader_id": permit.work_leader_id,
        "guardian_id": permit.guardian_id, "crew": list(permit.crew or []), "risk_point_id": permit.risk_point_id,
        "power_zone_id": permit.power_zone_id, "suspend_reasons": list(permit.suspend_reasons or []),
        "token_passes": permit.token_passes, "fired_at": permit.fired_at,
    }


def _text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    return clean_text(value, field, required=required, limit=limit)


def _require_step(permit: Permit, step: PermitStep) -> None:
    if not can_take(step, permit.state):
        raise InvalidTransition(f"cannot {step.value.replace('_', ' ')} a permit that is {permit.state.value}",
                                     current_state=permit.state.value)


async def _record(session: AsyncSession, *, actor: Principal | None, permit: Permit, action: str,
                  before: dict[str, Any], reason: str | None = None, extra: dict[str, Any] | None = None) -> Permit:
    permit.updated_at = utcnow()
    await session.flush()
    await record_audit(session, actor=actor, action=action, subject_type="permit", subject_id=permit.id,
                       before=before, after={**snapshot(permit), **(extra or {})}, reason=reason,
                       mine_id=permit.mine_id)
    publish_after_commit(session, channel_for(permit.mine_id), PermitEvent(
        action=action, permit_id=permit.id, mine_id=permit.mine_id, area_id=permit.area_id,
        state=permit.state.value, at=permit.updated_at))
    return permit


# --- kinds ---------------------------------------------------------------------------------------
async def ensure_kinds(session: AsyncSession, *, mine_id: uuid.UUID) -> Sequence[PermitKind]:
    """The mine's kinds, seeding the defaults of DOMAIN.md the first time (the mine's lock serialises it)."""
    kinds = await service.list_kinds(session=session, mine_id=mine_id, active_only=False)
    if kinds:
        return kinds
    await lock_mine(session, mine_id)
    kinds = await service.list_kinds(session=session, mine_id=mine_id, active_only=False)
    if kinds:
        return kinds
    for data in DEFAULT_KINDS:
        session.add(PermitKind(mine_id=mine_id, code=data["code"], names=data["names"], grades=data["grades"],
                               measures=data["measures"], rules=data["rules"]))
    await session.flush()
    return await service.list_kinds(session=session, mine_id=mine_id, active_only=False)


async def kind_of(session: AsyncSession, permit: Permit) -> KindSpec:
    kind = await service.get_kind(session=session, kind_id=permit.kind_id)
    assert kind is not None
    return service.spec_of(kind)


# --- apply ---------------------------------------------------------------------------------------
async def _member(session: AsyncSession, mine_id: uuid.UUID, user_id: uuid.UUID, field: str) -> None:
    person = await accounts_service.get(session=session, user_id=user_id)
    if person is None or person.mine_id != mine_id or not person.is_active:
        raise ValidationFailed("not an active member of your mine", field=field)


def _window_of(permit: Permit, spec: KindSpec) -> PermitWindow:
    return PermitWindow(kind=permit.kind_code, area_id=permit.area_id, starts_at=permit.starts_at,
                        ends_at=permit.ends_at, conflicts_with=spec.conflicts_with, power_zone_id=permit.power_zone_id)


async def _check_risk_point(session: AsyncSession, mine_id: uuid.UUID, risk_point_id: uuid.UUID | None) -> None:
    """The risk point must be the mine's, once the risks domain (issue 13) exists; until then its id is kept."""
    if risk_point_id is None:
        return
    try:
        from backend.risks import models as risk_models  # type: ignore[attr-defined]
    except ImportError:
        return
    model = getattr(risk_models, "RiskPoint", None)
    if model is None:
        return
    point = await session.get(model, risk_point_id)
    if point is None or getattr(point, "mine_id", None) != mine_id:
        raise ValidationFailed("no such risk point in your mine", field="riskPointId")


async def _check_conflicts(session: AsyncSession, *, mine_id: uuid.UUID, new: PermitWindow,
                           spec: KindSpec, client_id: uuid.UUID) -> None:
    parents = await org_service.unit_parents(session=session, mine_id=mine_id)
    beside = adjacent_areas(new.area_id, parents)
    others = [p for p in await service.open_in_areas(session=session, mine_id=mine_id, area_ids=beside)
              if p.id != client_id]
    kinds = {k.id: service.spec_of(k) for k in await service.list_kinds(session=session, mine_id=mine_id,
                                                                         active_only=False)}
    for other in others:
        problem = conflict(new, _window_of(other, kinds[other.kind_id]), beside)
        if problem:
            raise ValidationFailed(f"{problem} (permit {other.id})", field="window")
    if new.power_zone_id is None or spec.isolation:
        return
    isolations = [p for p in await service.open_in_zone(session=session, mine_id=mine_id,
                                                        power_zone_id=new.power_zone_id)
                  if kinds[p.kind_id].isolation and isolation_covers(new, _window_of(p, kinds[p.kind_id]))]
    if not isolations:
        raise ValidationFailed("the equipment's power zone is not isolated for this window: apply for an "
                                    "electrical isolation (停送电) permit on it first", field="powerZoneId")


async def apply(session: AsyncSession, *, actor: Principal, client_id: uuid.UUID, kind_id: uuid.UUID,
                grade: PermitGrade, area_id: uuid.UUID, starts_at: datetime, ends_at: datetime, description: str,
                work_leader_id: uuid.UUID, guardian_id: uuid.UUID, crew_ids: Sequence[uuid.UUID],
                risk_point_id: uuid.UUID | None = None, power_zone_id: uuid.UUID | None = None,
                blast_roles: dict[str, uuid.UUID] | None = None,
                measures_confirmed: Sequence[str] = ()) -> Permit:
    """Apply for a permit; the same client id from the same applicant returns the first application."""
    CanApplyForPermit.check(actor)
    existing = await service.get(session=session, permit_id=client_id)
    if existing is not None:
        if existing.applicant_id == actor.id and existing.mine_id == actor.mine_id:
            return existing
        raise ValidationFailed("this client id is already used by another permit", field="clientId")
    await ensure_kinds(session, mine_id=actor.mine_id)
    await lock_mine(session, actor.mine_id)  # conflicting applications take turns
    kind = await service.get_kind(session=session, kind_id=kind_id)
    if kind is None or kind.mine_id != actor.mine_id or not kind.is_active:
        raise ValidationFailed("no such permit kind in your mine", field="kindId")
    spec = service.spec_of(kind)
    area = await org_service.get_area(session=session, area_id=area_id)
    if area is None or area.mine_id != actor.mine_id or area.retired_at is not None:
        raise ValidationFailed("no such area in your mine", field="areaId")
    if area.kind is AreaKind.DISTRICT:
        raise ValidationFailed("a permit is for an area, not a whole district", field="areaId")
    for when, name in ((starts_at, "startsAt"), (ends_at, "endsAt")):
        if when.tzinfo is None:
            raise ValidationFailed(f"{name} needs a time zone", field=name)
    problem = window_problem(spec, grade, starts_at, ends_at, utcnow())
    if problem:
        raise ValidationFailed(problem, field="window")
    crew = list(dict.fromkeys(crew_ids))
    if not crew:
        raise ValidationFailed("name the crew", field="crewIds")
    if len(crew) > MAX_CREW:
        raise ValidationFailed(f"at most {MAX_CREW} people in a crew", field="crewIds")
    if guardian_id in crew or guardian_id == work_leader_id:
        raise ValidationFailed("the guardian (监护人) watches; they are neither the work leader nor crew",
                                    field="guardianId")
    for user_id, field in ((work_leader_id, "workLeaderId"), (guardian_id, "guardianId"),
                           *((c, "crewIds") for c in crew)):
        await _member(session, actor.mine_id, user_id, field)
    roles: dict[str, str] = {}
    if spec.blasting:
        given = blast_roles or {}
        for role in BlastRole:
            if role.value not in given:
                raise ValidationFailed("blasting names the blaster, the team leader and the gas inspector "
                                            "(三人连锁放炮)", field="blastRoles")
            await _member(session, actor.mine_id, given[role.value], "blastRoles")
            roles[role.value] = str(given[role.value])
        if len(set(roles.values())) != len(roles):
            raise ValidationFailed("the three tokens are held by three different people", field="blastRoles")
    unknown = sorted(set(measures_confirmed) - set(spec.measures))
    if unknown:
        raise ValidationFailed(f"not measures of {spec.code}: {', '.join(unknown)}", field="measuresConfirmed")
    if power_zone_id is not None:
        zone = await session.get(PowerZone, power_zone_id)
        if zone is None or zone.mine_id != actor.mine_id:
            raise ValidationFailed("no such power zone in your mine", field="powerZoneId")
    elif spec.isolation:
        raise ValidationFailed("an isolation permit names the power zone it switches off", field="powerZoneId")
    await _check_risk_point(session, actor.mine_id, risk_point_id)
    underground = area.kind is not AreaKind.SURFACE
    permit = Permit(
        id=client_id, mine_id=actor.mine_id, kind_id=kind.id, kind_code=kind.code, grade=grade, area_id=area.id,
        risk_point_id=risk_point_id, power_zone_id=power_zone_id, state=PermitState.APPLIED,
        description=_text(description, "description", required=True) or "", starts_at=starts_at, ends_at=ends_at,
        applicant_id=actor.id, work_leader_id=work_leader_id, guardian_id=guardian_id,
        crew=[str(c) for c in crew], blast_roles=roles, measures_confirmed=list(dict.fromkeys(measures_confirmed)),
        required_roles=list(required_roles(spec, grade, underground=underground)), underground=underground)
    await _check_conflicts(session, mine_id=actor.mine_id, new=_window_of(permit, spec), spec=spec,
                           client_id=client_id)
    session.add(permit)
    await session.flush()
    return await _record(session, actor=actor, permit=permit, action="permit.applied", before={})


@dataclass(frozen=True, slots=True)
class DrillPermitIn:
    kind_code: str
    area_id: uuid.UUID
    description: str


async def open_drill_permits(session: AsyncSession, *, actor: Principal, drill_id: uuid.UUID,
                             permits: Sequence[DrillPermitIn], ends_at: datetime) -> list[Permit]:
    """A drill's simulated work: permits ACTIVE from now to ``ends_at``, flagged with the drill (the director
    applies, leads and guards), each audited. Only that drill's alarms suspend them (the interlock); they are in no
    real list, conflict check, zone isolation nor sweep. The kinds and areas were checked when the drill was
    planned."""
    kinds = {k.code: k for k in await ensure_kinds(session, mine_id=actor.mine_id)}
    now, opened = utcnow(), []
    for item in permits:
        kind = kinds[item.kind_code]
        spec = service.spec_of(kind)
        grade = spec.grades[0].grade
        permit = Permit(
            id=uuid.uuid4(), mine_id=actor.mine_id, kind_id=kind.id, kind_code=kind.code, grade=grade,
            area_id=item.area_id, state=PermitState.ACTIVE, description=item.description[:MAX_TEXT],
            starts_at=now, ends_at=ends_at, started_at=now, applicant_id=actor.id, work_leader_id=actor.id,
            guardian_id=actor.id, crew=[], required_roles=[], drill_id=drill_id)
        session.add(permit)
        await session.flush()
        opened.append(await _record(session, actor=actor, permit=permit, action="permit.drill_opened", before={}))
    return opened


async def end_drill_permits(session: AsyncSession, *, actor: Principal, drill_id: uuid.UUID) -> int:
    """The drill is over: its permits still open end (cancelled), each audited; their notices resolve."""
    from sqlalchemy import select

    ended = 0
    for permit in (await session.scalars(select(Permit).where(Permit.drill_id == drill_id,
                                                              Permit.state.in_(list(OPEN_STATES)))
                                         .with_for_update())).all():
        before = snapshot(permit)
        permit.state, permit.ended_reason = PermitState.CANCELLED, "the drill is over"
        await alert_flows.resolve_by_key(session, actor=actor, mine_id=permit.mine_id,
                                         dedupe_key=f"permit:{permit.id}:suspended", reason="the drill is over")
        await _record(session, actor=actor, permit=permit, action="permit.drill_ended", before=before,
                      reason=permit.ended_reason)
        ended += 1
    return ended


# --- gas tests -----------------------------------------------------------------------------------
async def _is_gas_inspector(session: AsyncSession, actor: Principal) -> bool:
    """A gas inspector (瓦检员): holds the GAS_INSPECTOR post now, or is a safety officer (安检员)."""
    if actor.has_any(Role.SAFETY_OFFICER):
        return True
    posts = [p for p in await org_service.list_posts(session=session, mine_id=actor.mine_id)
             if p.code == GAS_INSPECTOR_POST]
    if not posts:
        return False
    held = await org_service.holders_at(session=session, post_ids=[p.id for p in posts], at=utcnow())
    return any(actor.id in people for people in held.values())


def _stage_check(permit: Permit, spec: KindSpec, stage: GasTestStage) -> None:
    blast_stages = (GasTestStage.PRE_CHARGE, GasTestStage.PRE_FIRE, GasTestStage.POST_FIRE)
    if stage in blast_stages and not spec.blasting:
        raise ValidationFailed(f"{stage.value} is a blasting check", field="stage")
    if stage is GasTestStage.POST_FIRE and permit.fired_at is None:
        raise InvalidTransition("the check after firing comes after the firing", current_state=permit.state.value)
    if stage is GasTestStage.PRE_FIRE and permit.state is not PermitState.ACTIVE:
        raise InvalidTransition("the check before firing is on a started permit", current_state=permit.state.value)


async def _add_test(session: AsyncSession, *, actor: Principal, permit: Permit, spec: KindSpec, stage: GasTestStage,
                    source: GasTestSource, ch4: float, measured_at: datetime, sensor_id: uuid.UUID | None) -> Permit:
    before = snapshot(permit)
    passed = gas_passes(spec, GasReading(ch4=ch4, measured_at=measured_at, stage=stage))
    test = PermitGasTest(permit_id=permit.id, stage=stage, source=source, sensor_id=sensor_id, ch4=ch4,
                         measured_at=measured_at, entered_by_id=actor.id, passed=passed)
    session.add(test)
    await session.flush()
    return await _record(session, actor=actor, permit=permit, action="permit.gas_tested", before=before,
                         extra={"gas_test": {"stage": stage, "source": source, "ch4": ch4, "measured_at": measured_at,
                                             "sensor_id": sensor_id, "passed": passed}})


async def record_hand_gas_test(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID,
                               stage: GasTestStage, ch4: float, measured_at: datetime) -> Permit:
    """A hand-detector value, entered by a gas inspector (blasting's checks: by the permit's gas inspector)."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    _require_step(permit, PermitStep.GAS_TEST)
    spec = await kind_of(session, permit)
    if spec.blasting and str(actor.id) != permit.blast_roles.get(BlastRole.GAS_INSPECTOR.value):
        raise NotAllowed("blasting's gas checks are entered by the permit's gas inspector")
    if not spec.blasting and not await _is_gas_inspector(session, actor):
        raise NotAllowed("hand-detector values are entered by a gas inspector (瓦检员) or a safety officer")
    if not 0 <= ch4 <= 100:
        raise ValidationFailed("CH4 is a percentage (0-100)", field="ch4")
    problem = measured_at_problem(measured_at, utcnow())
    if problem:
        raise ValidationFailed(problem, field="measuredAt")
    _stage_check(permit, spec, stage)
    return await _add_test(session, actor=actor, permit=permit, spec=spec, stage=stage, source=GasTestSource.HAND,
                           ch4=ch4, measured_at=min(measured_at, utcnow()), sensor_id=None)


async def take_sensor_gas_test(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID,
                               stage: GasTestStage, sensor_id: uuid.UUID) -> Permit:
    """A methane sensor's latest reading in the permit's area as the gas test (fresh, not faulted)."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    _require_step(permit, PermitStep.GAS_TEST)
    people = {permit.work_leader_id, permit.guardian_id, permit.applicant_id}
    if actor.id not in people and not await _is_gas_inspector(session, actor):
        raise NotAllowed("the work leader, the guardian or a gas inspector takes the gas test")
    spec = await kind_of(session, permit)
    _stage_check(permit, spec, stage)
    sensor = await session.get(Sensor, sensor_id)
    if sensor is None or sensor.mine_id != actor.mine_id:
        raise ValidationFailed("no such sensor in your mine", field="sensorId")
    if sensor.area_id != permit.area_id or sensor.kind is not SensorKind.CH4:
        raise ValidationFailed("the gas test needs a methane sensor in the permit's area", field="sensorId")
    now = utcnow()
    if (sensor.last_value is None or sensor.last_reading_at is None or sensor.fault is not None
            or (now - sensor.last_reading_at).total_seconds() > SENSOR_TEST_MAX_AGE_S):
        raise ValidationFailed("the sensor has no fresh reading (or is faulty): use a hand detector",
                                    field="sensorId")
    return await _add_test(session, actor=actor, permit=permit, spec=spec, stage=stage, source=GasTestSource.SENSOR,
                           ch4=sensor.last_value, measured_at=min(sensor.last_reading_at, now), sensor_id=sensor.id)


# --- approvals -----------------------------------------------------------------------------------
async def approve(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID, role: Role,
                  note: str | None) -> Permit:
    """One approver signs for one role; the last signature makes the permit APPROVED."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    _require_step(permit, PermitStep.APPROVE)
    signatures = await service.approvals(session=session, permit_id=permit.id)
    problem = approval_problem(required=permit.required_roles,
                               signatures=[Signature(s.role, s.user_id) for s in signatures], role=role.value,
                               approver=actor.id, applicant=permit.applicant_id,
                               approver_roles={r.value for r in actor.roles})
    if problem:
        raise NotAllowed(problem)
    if role is Role.AREA_MANAGER:
        await _check_area_manager(session, actor, permit)
    text = _text(note, "note")
    before = snapshot(permit)
    session.add(PermitApproval(permit_id=permit.id, role=role.value, user_id=actor.id, note=text))
    await session.flush()
    signed = [*signatures, PermitApproval(role=role.value, user_id=actor.id)]
    if not missing_roles(permit.required_roles, [Signature(s.role, s.user_id) for s in signed]):
        permit.state = PermitState.APPROVED
    return await _record(session, actor=actor, permit=permit, action="permit.approved", before=before, reason=text,
                         extra={"approval": {"role": role.value, "user_id": actor.id}})


async def _check_area_manager(session: AsyncSession, actor: Principal, permit: Permit) -> None:
    """An area manager signs for the areas they manage or belong to, and those within their district."""
    from backend.org.rules import ancestors

    parents = await org_service.unit_parents(session=session, mine_id=permit.mine_id)
    own = [permit.area_id, *ancestors(parents, permit.area_id)]
    if actor.area_id is not None and actor.area_id in own:
        return
    units = await org_service.areas_by_ids(session, own)
    if any(unit is not None and unit.manager_id == actor.id for unit in units):
        return
    raise NotAllowed("an area manager approves permits of their own area")


async def _end(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID, step: PermitStep,
               state: PermitState, reason: str) -> Permit:
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    _require_step(permit, step)
    (CanRejectPermit if step is PermitStep.REJECT else CanCancelPermit).check(actor, permit)
    text = _text(reason, "reason", required=True)
    before = snapshot(permit)
    permit.state, permit.ended_reason = state, text
    return await _record(session, actor=actor, permit=permit, action=f"permit.{state.value.lower()}", before=before,
                         reason=text)


async def reject(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID, reason: str) -> Permit:
    """An approver refuses the permit (never the applicant)."""
    return await _end(session, actor=actor, permit_id=permit_id, step=PermitStep.REJECT, state=PermitState.REJECTED,
                      reason=reason)


async def cancel(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID, reason: str) -> Permit:
    """The applicant (or a safety officer) withdraws a permit not yet started."""
    return await _end(session, actor=actor, permit_id=permit_id, step=PermitStep.CANCEL,
                      state=PermitState.CANCELLED, reason=reason)


# --- start, suspend, resume ----------------------------------------------------------------------
def _start_test(tests: Sequence[PermitGasTest], spec: KindSpec) -> GasReading | None:
    stages = (GasTestStage.PRE_CHARGE,) if spec.blasting else (GasTestStage.START, GasTestStage.RESUME)
    found = [t for t in tests if t.stage in stages]
    latest = service.latest_test(found)
    return GasReading(latest.ch4, latest.measured_at, latest.stage) if latest else None


async def _safety_problems(session: AsyncSession, permit: Permit, spec: KindSpec, now: datetime) -> list[str]:
    from backend.permits import interlock

    safety = await interlock.area_safety(session, permit, now=now)
    return [interlock.describe(cause) for cause in interlock.reasons(spec, safety)]


async def start(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID) -> Permit:
    """Start the work: inside the window, a passing gas test ≤ 30 min old, the area safe, the guardian there."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanRunPermit.check(actor, permit, "start")
    _require_step(permit, PermitStep.START)
    now = utcnow()
    if now < permit.starts_at:
        raise InvalidTransition("the permit's window has not begun", current_state=permit.state.value)
    if now >= permit.ends_at:
        raise InvalidTransition("the permit's window is over", current_state=permit.state.value)
    spec = await kind_of(session, permit)
    problems = []
    gas = gas_test_problem(spec, _start_test(await service.gas_tests(session=session, permit_id=permit.id), spec), now)
    if gas:
        problems.append(gas)
    problems += await _safety_problems(session, permit, spec, now)
    if permit.power_zone_id is not None and not spec.isolation:
        kinds = {k.id: service.spec_of(k) for k in await service.list_kinds(session=session, mine_id=permit.mine_id,
                                                                             active_only=False)}
        live = [p for p in await service.open_in_zone(session=session, mine_id=permit.mine_id,
                                                      power_zone_id=permit.power_zone_id)
                if kinds[p.kind_id].isolation and p.state is PermitState.ACTIVE]
        if not live:
            problems.append("the equipment's power is not isolated (no active isolation permit on its zone)")
    if problems:
        raise InvalidTransition("cannot start: " + "; ".join(problems), current_state=permit.state.value)
    before = snapshot(permit)
    permit.state, permit.started_at = PermitState.ACTIVE, now
    return await _record(session, actor=actor, permit=permit, action="permit.started", before=before)


def _reason(cause: SuspendCause, detail: str, at: datetime) -> dict[str, Any]:
    return {"cause": cause.value, "detail": detail[:500], "at": at.isoformat()}


async def notify_suspended(session: AsyncSession, permit: Permit, reasons: Sequence[dict[str, Any]]) -> list[str]:
    """Tell the guardian and the approvers through the shared alerts (one open alert per suspended permit)."""
    signatures = await service.approvals(session=session, permit_id=permit.id)
    recipients = list(dict.fromkeys([str(permit.guardian_id), str(permit.work_leader_id),
                                     *(str(s.user_id) for s in signatures)]))
    area = await org_service.get_area(session=session, area_id=permit.area_id)
    causes = ", ".join(r["cause"] for r in reasons)
    drill = DRILL_TITLE if permit.drill_id else ""  # a drill permit's notice is a drill alert: in no KPI
    where = area.name if area else permit.area_id
    await alert_flows.raise_alert(
        session, actor=None, mine_id=permit.mine_id, source=AlertSource.PERMIT, source_ref=str(permit.id),
        severity=AlertSeverity.ALARM, area_id=permit.area_id, drill_id=permit.drill_id,
        title=f"{drill}作业许可暂停 Permit suspended: {permit.kind_code} in {where}"[:200],
        detail="\n".join([f"{r['cause']}: {r['detail']}" for r in reasons]
                         + [f"notify: guardian {permit.guardian_id}; approvers "
                            f"{', '.join(str(s.user_id) for s in signatures) or '-'}"]),
        dedupe_key=f"permit:{permit.id}:suspended")
    logger.info("permit %s suspended (%s); told %s", permit.id, causes, len(recipients))
    return recipients


async def suspend_for(session: AsyncSession, *, actor: Principal | None, permit: Permit,
                      reasons: Sequence[tuple[SuspendCause, str]]) -> Permit:
    """Stop a live permit for these reasons (a suspended one collects new reasons); audited, alerted."""
    now = utcnow()
    known = {r["cause"] for r in permit.suspend_reasons or []}
    fresh = [_reason(cause, detail, now) for cause, detail in reasons if cause.value not in known]
    if not fresh:
        return permit
    before = snapshot(permit)
    if permit.state is PermitState.ACTIVE:
        permit.suspended_at = now
        permit.suspensions += 1
    permit.state = PermitState.SUSPENDED
    permit.suspend_reasons = [*(permit.suspend_reasons or []), *fresh]
    recipients = await notify_suspended(session, permit, permit.suspend_reasons)
    return await _record(session, actor=actor, permit=permit, action="permit.suspended", before=before,
                         reason="; ".join(f"{r['cause']}: {r['detail']}" for r in fresh),
                         extra={"notified": recipients})


async def suspend(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID, reason: str) -> Permit:
    """A person stops the work (a pause over 30 minutes needs a new gas test: every resume does)."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    approvers = {s.user_id for s in await service.approvals(session=session, permit_id=permit.id)}
    CanSuspendPermit.check(actor, permit, approvers)
    _require_step(permit, PermitStep.SUSPEND)
    text = _text(reason, "reason", required=True) or ""
    return await suspend_for(session, actor=actor, permit=permit, reasons=[(SuspendCause.MANUAL, text)])


async def resume(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID) -> Permit:
    """Resume only when every alarm has cleared, the area is safe, and a gas test after the stop passed."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanRunPermit.check(actor, permit, "resume")
    _require_step(permit, PermitStep.RESUME)
    now = utcnow()
    if now >= permit.ends_at:
        raise InvalidTransition("the permit's window is over", current_state=permit.state.value)
    spec = await kind_of(session, permit)
    tests = await service.gas_tests(session=session, permit_id=permit.id)
    latest = service.latest_test(tests)
    problems = await _safety_problems(session, permit, spec, now)
    gas = gas_test_problem(spec, GasReading(latest.ch4, latest.measured_at, latest.stage) if latest else None, now,
                           after=permit.suspended_at)
    if gas:
        problems.append(gas)
    if problems:
        raise InvalidTransition("cannot resume: " + "; ".join(problems), current_state=permit.state.value)
    before = snapshot(permit)
    permit.state, permit.suspend_reasons, permit.suspended_at = PermitState.ACTIVE, [], None
    await alert_flows.resolve_by_key(session, actor=actor, mine_id=permit.mine_id,
                                     dedupe_key=f"permit:{permit.id}:suspended", reason="permit resumed")
    return await _record(session, actor=actor, permit=permit, action="permit.resumed", before=before)


# --- blasting ------------------------------------------------------------------------------------
async def pass_token(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID) -> Permit:
    """Hand the firing token on: blaster → team leader → gas inspector → blaster (三人连锁放炮)."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    _require_step(permit, PermitStep.PASS_TOKEN)
    spec = await kind_of(session, permit)
    if not spec.blasting:
        raise InvalidTransition("only blasting passes firing tokens", current_state=permit.state.value)
    holder, receiver = token_holder(permit.token_passes), next_token_holder(permit.token_passes)
    if receiver is None or permit.fired_at is not None:
        raise InvalidTransition("the token is back with the blaster", current_state=permit.state.value)
    if str(actor.id) != permit.blast_roles.get(holder.value):
        raise NotAllowed(f"the token is with the {holder.value}; only they pass it on")
    if holder is BlastRole.GAS_INSPECTOR:
        tests = service.latest_by_stage(await service.gas_tests(session=session, permit_id=permit.id))
        problem = gas_test_problem(spec, tests.get(GasTestStage.PRE_FIRE), utcnow())
        if problem:
            raise InvalidTransition(f"the gas inspector checks the gas before firing first: {problem}",
                                         current_state=permit.state.value)
    before = snapshot(permit)
    session.add(PermitTokenPass(permit_id=permit.id, position=permit.token_passes, from_role=holder,
                                to_role=receiver, by_id=actor.id))
    permit.token_passes += 1
    return await _record(session, actor=actor, permit=permit, action="permit.token_passed", before=before,
                         extra={"token": {"from": holder.value, "to": receiver.value}})


async def fire(session: AsyncSession, *, actor: Principal, permit_id: uuid.UUID) -> Permit:
    """The blaster fires: gas checked before charging and before firing, the token back with them."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    _require_step(permit, PermitStep.FIRE)
    spec = await kind_of(session, permit)
    if not spec.blasting or permit.fired_at is not None:
        raise InvalidTransition("nothing to fire", current_state=permit.state.value)
    if str(actor.id) != permit.blast_roles.get(BlastRole.BLASTER.value):
        raise NotAllowed("only the blaster fires")
    now = utcnow()
    tests = service.latest_by_stage(await service.gas_tests(session=session, permit_id=permit.id))
    problem = fire_problem(passes=permit.token_passes, tests=tests, kind=spec, now=now)
    problems = ([problem] if problem else []) + await _safety_problems(session, permit, spec, now)
    if problems:
        raise InvalidTransition("cannot fire: " + "; ".join(problems), current_state=permit.state.value)
    before = snapshot(permit)
    permit.fired_at = now
    return await _record(session, actor=actor, permit=permit, action="permit.fired", before=before,
                         extra={"chain": [r.value for r in TOKEN_CHAIN]})


# --- close, expire -------------------------------------------------------------------------------
async def _store_photos(session: AsyncSession, *, storage: PhotoStorage, actor: Principal, permit: Permit,
                        keys: Sequence[str], used_by: str) -> list[str]:
    """The hazard loop's photo path: the upload verified, re-encoded (EXIF gone), thumbnailed."""
    if not keys:
        raise ValidationFailed("closing needs at least one photo", field="photoKeys")
    if len(keys) > MAX_PHOTOS or len(set(keys)) != len(keys):
        raise ValidationFailed(f"1 to {MAX_PHOTOS} different photos", field="photoKeys")
    settings, written = storage.settings, []
    try:
        for position, key in enumerate(keys):
            await consume_upload(session=session, store=storage.store, actor=actor, key=key,
                                 kinds={UploadKind.PHOTO}, used_by=used_by)
            try:
                data = await storage.store.get(key, max_bytes=settings.max_photo_bytes)
                photo = await asyncio.to_thread(
                    process_photo, data, max_bytes=settings.max_photo_bytes, max_pixels=settings.max_photo_pixels,
                    max_side=settings.photo_max_side, thumbnail_side=settings.thumbnail_side)
            except ValueError as error:
                raise PhotoRejected(str(error), key=key, reason="TOO_LARGE") from error
            except PhotoRejectedError as error:
                raise PhotoRejected(f"photo {position + 1}: {error}", key=key, reason=error.reason.value) from error
            base = f"permits/{permit.id}/close-{position}"
            for name, body in ((f"{base}.jpg", photo.jpeg), (f"{base}-thumb.jpg", photo.thumbnail)):
                written.append(name)
                await storage.store.put(name, body, content_type="image/jpeg")
            session.add(PermitPhoto(permit_id=permit.id, position=position, key=f"{base}.jpg",
                                    thumbnail_key=f"{base}-thumb.jpg", width=photo.width, height=photo.height))
    except BaseException:
        await delete_originals(storage.store, written)
        raise
    return list(keys)


async def close(session: AsyncSession, *, storage: PhotoStorage, actor: Principal, permit_id: uuid.UUID,
                note: str | None, photo_keys: Sequence[str]) -> tuple[Permit, list[str]]:
    """Close the work with photos; blasting also needs the check after firing. Returns the raw upload keys."""
    permit = await service.get_in_mine_or_raise(session=session, permit_id=permit_id, mine_id=actor.mine_id,
                                                for_update=True)
    CanRunPermit.check(actor, permit, "close")
    _require_step(permit, PermitStep.CLOSE)
    spec = await kind_of(session, permit)
    if spec.blasting and permit.fired_at is not None:
        tests = service.latest_by_stage(await service.gas_tests(session=session, permit_id=permit.id))
        after = tests.get(GasTestStage.POST_FIRE)
        if after is None or after.measured_at < permit.fired_at:
            raise InvalidTransition("the gas check after firing (一炮三检) comes before closing",
                                         current_state=permit.state.value)
    if spec.isolation and permit.power_zone_id is not None:
        live = [p for p in await service.open_in_zone(session=session, mine_id=permit.mine_id,
                                                      power_zone_id=permit.power_zone_id)
                if p.id != permit.id and p.state in LIVE_STATES]
        if live:
            raise InvalidTransition("work on this power zone is still under way: power stays off",
                                         current_state=permit.state.value)
    text = _text(note, "note")
    originals = await _store_photos(session, storage=storage, actor=actor, permit=permit, keys=photo_keys,
                                    used_by=f"permit:{permit.id}")
    before = snapshot(permit)
    permit.state, permit.closed_at, permit.closing_note = PermitState.CLOSED, utcnow(), text
    await alert_flows.resolve_by_key(session, actor=actor, mine_id=permit.mine_id,
                                     dedupe_key=f"permit:{permit.id}:suspended", reason="permit closed")
    await _record(session, actor=actor, permit=permit, action="permit.closed", before=before, reason=text,
                  extra={"evidence_keys": originals})
    return permit, originals


async def expire_due(session: AsyncSession, *, now: datetime | None = None) -> list[Permit]:
    """Every open permit past its window stops on its own (live ones alert their guardian and approvers)."""
    from sqlalchemy import select

    now = now or utcnow()
    due = (await session.scalars(select(Permit).where(Permit.state.in_(list(OPEN_STATES)), Permit.ends_at <= now)
                                 .order_by(Permit.mine_id, Permit.id))).all()
    expired = []
    for found in due:
        await sqlite_write_lock(session, found.mine_id)
        permit = await service.get(session=session, permit_id=found.id, for_update=True)
        if permit is None or permit.state not in OPEN_STATES or permit.ends_at > now:
            continue
        before = snapshot(permit)
        was_live = permit.state in LIVE_STATES
        permit.state, permit.ended_reason = PermitState.EXPIRED, "the permit's window is over"
        if was_live:
            await notify_suspended(session, permit, [_reason(SuspendCause.PAUSE, "expired: the window is over", now)])
        expired.append(await _record(session, actor=None, permit=permit, action="permit.expired", before=before,
                                     reason=permit.ended_reason))
    return expired
