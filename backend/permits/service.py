"""Reading permits and their kinds, approvals, gas tests and photos; what the interlock reads of an area."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.alerts.rules import OPEN_STATES as OPEN_ALERT_STATES
from backend.errors import NotFound
from backend.permits.models import Permit, PermitApproval, PermitGasTest, PermitKind, PermitPhoto, PermitTokenPass
from backend.permits.rules import OPEN_STATES, GasReading, GasTestStage, KindSpec, PermitState, kind_spec
from backend.sensors.models import Sensor
from backend.sensors.rules import SensorKind
from contracts.alerts import AlertSeverity, AlertSource, AlertVerdict

STOPPING_SEVERITIES = (AlertSeverity.ALARM, AlertSeverity.CRITICAL)


async def get(*, session: AsyncSession, permit_id: uuid.UUID, for_update: bool = False) -> Permit | None:
    if for_update:
        return await session.get(Permit, permit_id, with_for_update=True, populate_existing=True)
    return await session.get(Permit, permit_id)


async def get_in_mine_or_raise(*, session: AsyncSession, permit_id: uuid.UUID, mine_id: uuid.UUID,
                               for_update: bool = False) -> Permit:
    """Another mine's permit looks exactly like a missing one."""
    permit = await get(session=session, permit_id=permit_id, for_update=for_update)
    if permit is None or permit.mine_id != mine_id:
        raise NotFound("no such permit")
    return permit


async def list_kinds(*, session: AsyncSession, mine_id: uuid.UUID, active_only: bool = True) -> Sequence[PermitKind]:
    query = select(PermitKind).where(PermitKind.mine_id == mine_id).order_by(PermitKind.code)
    if active_only:
        query = query.where(PermitKind.is_active.is_(True))
    return (await session.scalars(query)).all()


async def get_kind(*, session: AsyncSession, kind_id: uuid.UUID) -> PermitKind | None:
    return await session.get(PermitKind, kind_id)


def spec_of(kind: PermitKind) -> KindSpec:
    return kind_spec(kind.code, kind.rules or {}, kind.grades or [], kind.measures or [])


async def list_permits(*, session: AsyncSession, mine_id: uuid.UUID, states: Collection[PermitState] = (),
                       area_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None,
                       limit: int = 100) -> Sequence[Permit]:
    query = select(Permit).where(Permit.mine_id == mine_id, Permit.drill_id.is_(None))
    if states:
        query = query.where(Permit.state.in_(list(states)))
    if area_id is not None:
        query = query.where(Permit.area_id == area_id)
    rows = (await session.scalars(query.order_by(Permit.created_at.desc(), Permit.id).limit(
        limit if person_id is None else 1000))).all()
    if person_id is None:
        return rows
    text = str(person_id)
    return [p for p in rows if person_id in (p.applicant_id, p.work_leader_id, p.guardian_id)
            or text in (p.crew or [])][:limit]


async def open_in_areas(*, session: AsyncSession, mine_id: uuid.UUID, area_ids: Collection[uuid.UUID],
                        states: Collection[PermitState] = OPEN_STATES, for_update: bool = False) -> Sequence[Permit]:
    if not area_ids:
        return []
    query = (select(Permit).where(Permit.mine_id == mine_id, Permit.area_id.in_(list(area_ids)),
                                  Permit.state.in_(list(states)), Permit.drill_id.is_(None))
             .order_by(Permit.created_at, Permit.id))
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).all()


async def open_in_areas_all(*, session: AsyncSession, mine_id: uuid.UUID,
                            states: Collection[PermitState] = OPEN_STATES,
                            drill_id: uuid.UUID | None = None) -> Sequence[Permit]:
    """A mine's permits in these states, whatever their area (the interlock's few live ones): the real ones, or
    those of one drill."""
    drill = Permit.drill_id.is_(None) if drill_id is None else Permit.drill_id == drill_id
    return (await session.scalars(select(Permit).where(Permit.mine_id == mine_id, Permit.state.in_(list(states)),
                                                       drill).order_by(Permit.created_at, Permit.id))).all()


async def open_in_zone(*, session: AsyncSession, mine_id: uuid.UUID, power_zone_id: uuid.UUID) -> Sequence[Permit]:
    return (await session.scalars(select(Permit).where(
        Permit.mine_id == mine_id, Permit.power_zone_id == power_zone_id, Permit.state.in_(list(OPEN_STATES)),
        Permit.drill_id.is_(None)).order_by(Permit.created_at, Permit.id))).all()


async def approvals(*, session: AsyncSession, permit_id: uuid.UUID) -> Sequence[PermitApproval]:
    return (await session.scalars(select(PermitApproval).where(PermitApproval.permit_id == permit_id)
                                  .order_by(PermitApproval.at))).all()


async def gas_tests(*, session: AsyncSession, permit_id: uuid.UUID) -> Sequence[PermitGasTest]:
    return (await session.scalars(select(PermitGasTest).where(PermitGasTest.permit_id == permit_id)
                                  .order_by(PermitGasTest.measured_at, PermitGasTest.created_at))).all()


def latest_by_stage(tests: Sequence[PermitGasTest]) -> dict[GasTestStage, GasReading]:
    """The newest test of each stage (tests come oldest first)."""
    found: dict[GasTestStage, GasReading] = {}
    for test in tests:
        found[test.stage] = GasReading(ch4=test.ch4, measured_at=test.measured_at, stage=test.stage)
    return found


def latest_test(tests: Sequence[PermitGasTest]) -> PermitGasTest | None:
    return max(tests, key=lambda t: (t.measured_at, t.created_at)) if tests else None


async def photos(*, session: AsyncSession, permit_id: uuid.UUID) -> Sequence[PermitPhoto]:
    return (await session.scalars(select(PermitPhoto).where(PermitPhoto.permit_id == permit_id)
                                  .order_by(PermitPhoto.position))).all()


async def token_passes(*, session: AsyncSession, permit_id: uuid.UUID) -> Sequence[PermitTokenPass]:
    return (await session.scalars(select(PermitTokenPass).where(PermitTokenPass.permit_id == permit_id)
                                  .order_by(PermitTokenPass.position))).all()


async def open_stopping_alerts(*, session: AsyncSession, mine_id: uuid.UUID,
                               area_ids: Collection[uuid.UUID]) -> Sequence[Alert]:
    """Open alarms (ALARM or CRITICAL) in the areas, from any source but permits' own notices; one judged a false
    alarm stops nothing."""
    return (await session.scalars(
        select(Alert).where(Alert.mine_id == mine_id, Alert.area_id.in_(list(area_ids)),
                            Alert.state.in_(list(OPEN_ALERT_STATES)), Alert.severity.in_(STOPPING_SEVERITIES),
                            Alert.source != AlertSource.PERMIT, Alert.drill_id.is_(None),  # a drill stops no work
                            or_(Alert.verdict.is_(None), Alert.verdict != AlertVerdict.FALSE_ALARM)))).all()


async def area_sensors(*, session: AsyncSession, mine_id: uuid.UUID, area_ids: Collection[uuid.UUID]
                       ) -> Sequence[Sensor]:
    return (await session.scalars(select(Sensor).where(Sensor.mine_id == mine_id, Sensor.area_id.in_(list(area_ids)),
                                                       Sensor.is_active.is_(True)))).all()


def ch4_max(sensors: Sequence[Sensor], *, since: datetime) -> float | None:
    """The highest latest CH4 value of the sensors (read since ``since``; an older one is not 'now')."""
    values = [s.last_value for s in sensors if s.kind is SensorKind.CH4 and s.last_value is not None
              and s.last_reading_at is not None and s.last_reading_at >= since and s.fault is None]
    return max(values) if values else None


async def count_open(*, session: AsyncSession, mine_id: uuid.UUID) -> int:
    return await session.scalar(select(func.count()).select_from(Permit).where(
        Permit.mine_id == mine_id, Permit.state.in_(list(OPEN_STATES)))) or 0


async def approvals_by_permit(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[list[PermitApproval]]:
    """Each permit's approvals, for DataLoaders."""
    rows = await session.scalars(select(PermitApproval).where(PermitApproval.permit_id.in_(set(ids)))
                                 .order_by(PermitApproval.at))
    found: dict[uuid.UUID, list[PermitApproval]] = {}
    for row in rows:
        found.setdefault(row.permit_id, []).append(row)
    return [found.get(i, []) for i in ids]


async def gas_tests_by_permit(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[list[PermitGasTest]]:
    rows = await session.scalars(select(PermitGasTest).where(PermitGasTest.permit_id.in_(set(ids)))
                                 .order_by(PermitGasTest.measured_at, PermitGasTest.created_at))
    found: dict[uuid.UUID, list[PermitGasTest]] = {}
    for row in rows:
        found.setdefault(row.permit_id, []).append(row)
    return [found.get(i, []) for i in ids]


async def photos_by_permit(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[list[PermitPhoto]]:
    rows = await session.scalars(select(PermitPhoto).where(PermitPhoto.permit_id.in_(set(ids)))
                                 .order_by(PermitPhoto.position))
    found: dict[uuid.UUID, list[PermitPhoto]] = {}
    for row in rows:
        found.setdefault(row.permit_id, []).append(row)
    return [found.get(i, []) for i in ids]


async def kinds_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[PermitKind | None]:
    rows = await session.scalars(select(PermitKind).where(PermitKind.id.in_(set(ids))))
    by_id = {k.id: k for k in rows}
    return [by_id.get(i) for i in ids]
