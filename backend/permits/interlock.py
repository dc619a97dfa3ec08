"""The interlock: a live permit stops at once when its area becomes unsafe, checked all the time.

Hooks (small local calls, in the transaction of the change that makes the area unsafe, so the alarm and the
suspension commit together): `on_alert` from `alerts.flows.raise_alert`, `on_readings` from the sensor ingest;
`on_presence` from positioning's presence events (subscribed on the event bus), and `sweep` (every few seconds
from the app's loop) re-checks every live permit and expires those past their window."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal
from backend.alerts.models import Alert
from backend.database.base import utcnow
from backend.database.unit_of_work import commit_and_publish
from backend.org import service as org_service
from backend.permits import flows, presence, service
from backend.permits.models import Permit
from backend.permits.rules import AreaSafety, KindSpec, PermitState, SuspendCause, affected_areas, unsafe_reasons
from backend.platform import Platform
from backend.sensors.models import Sensor
from backend.sensors.rules import Condition, SensorKind
from contracts.alerts import AlertSource

logger = logging.getLogger(__name__)
FRESH_READING = timedelta(minutes=2)
INLINE_ALERT_HOOK = True
"""False: `on_alert` does nothing and only the event-bus watcher (`watch_alerts`) acts (the benchmark's other arm)."""

DESCRIPTIONS = {
    SuspendCause.ALARM: "an alarm is open in the area", SuspendCause.POWER_CUT: "power is cut in the area",
    SuspendCause.GAS_OVER_LIMIT: "CH4 in the area is over the permit's limit",
    SuspendCause.GUARDIAN_LEFT: "the guardian (监护人) is not in the area",
    SuspendCause.STRANGER_ENTERED: "someone not on the crew list is in the area",
}


def describe(cause: SuspendCause) -> str:
    return DESCRIPTIONS.get(cause, cause.value)


def reasons(spec: KindSpec, safety: AreaSafety) -> tuple[SuspendCause, ...]:
    return unsafe_reasons(spec, safety)


def allowed_people(permit: Permit) -> set[uuid.UUID]:
    """Who may be in the area while the work runs: crew, work leader, guardian, the blasting chain."""
    ids = {permit.work_leader_id, permit.guardian_id}
    ids.update(uuid.UUID(str(c)) for c in permit.crew or [])
    ids.update(uuid.UUID(str(c)) for c in (permit.blast_roles or {}).values())
    return ids


async def area_safety(session: AsyncSession, permit: Permit, *, now: datetime | None = None) -> AreaSafety:
    """Alarms, power cuts and gas in the affected areas; the guardian's and strangers' positions in the area."""
    now = now or utcnow()
    parents = await org_service.unit_parents(session=session, mine_id=permit.mine_id)
    areas = affected_areas(permit.area_id, parents)
    alerts = await service.open_stopping_alerts(session=session, mine_id=permit.mine_id, area_ids=areas)
    sensors = await service.area_sensors(session=session, mine_id=permit.mine_id, area_ids=areas)
    guardian_at = await presence.current_area(session=session, mine_id=permit.mine_id, user_id=permit.guardian_id)
    present = await presence.people_in_area(session=session, mine_id=permit.mine_id, area_id=permit.area_id)
    allowed = allowed_people(permit)
    return AreaSafety(open_alarms=len(alerts), power_cut=any(s.power_cut for s in sensors),
                      ch4_max=service.ch4_max(sensors, since=now - FRESH_READING),
                      guardian_present=guardian_at == permit.area_id,
                      strangers=tuple(p for p in present if p not in allowed))


async def _live(session: AsyncSession, mine_id: uuid.UUID, drill_id: uuid.UUID | None = None) -> list[Permit]:
    """The live real permits, or those of one drill."""
    return list(await service.open_in_areas_all(session=session, mine_id=mine_id,
                                                states=(PermitState.ACTIVE, PermitState.SUSPENDED),
                                                drill_id=drill_id))


async def _stop(session: AsyncSession, permit: Permit, causes: list[tuple[SuspendCause, str]],
                actor: Principal | None = None) -> bool:
    locked = await service.get(session=session, permit_id=permit.id, for_update=True)
    if locked is None or locked.state not in (PermitState.ACTIVE, PermitState.SUSPENDED):
        return False
    before = locked.state
    await flows.suspend_for(session, actor=actor, permit=locked, reasons=causes)
    return before is PermitState.ACTIVE


async def on_alert(session: AsyncSession, alert: Alert, actor: Principal | None = None) -> int:
    """An alarm or a power cut raised in an area stops the live permits it affects (in the alert's transaction); a
    drill's alarm stops only that drill's permits, never real work."""
    if (not INLINE_ALERT_HOOK or alert.area_id is None or alert.source is AlertSource.PERMIT
            or alert.severity.rank < 2):
        return 0
    return await stop_for_alert(session, alert, actor)


async def stop_for_alert(session: AsyncSession, alert: Alert, actor: Principal | None = None) -> int:
    live = await _live(session, alert.mine_id, drill_id=alert.drill_id)
    if not live:
        return 0
    parents = await org_service.unit_parents(session=session, mine_id=alert.mine_id)
    cause = SuspendCause.POWER_CUT if alert.dedupe_key.endswith(f":{Condition.POWER_CUT.value}") else SuspendCause.ALARM
    stopped = 0
    for permit in live:
        if alert.area_id in affected_areas(permit.area_id, parents):
            stopped += await _stop(session, permit, [(cause, f"{alert.title} (alert {alert.id})")], actor)
    return stopped


async def on_readings(session: AsyncSession, *, mine_id: uuid.UUID,
                      latest: Mapping[uuid.UUID, tuple[datetime, float]], actor: Principal | None = None) -> int:
    """A methane reading over a live permit's limit in its (affected) area stops it (in the ingest transaction)."""
    if not latest:
        return 0
    live = await _live(session, mine_id)
    if not live:
        return 0
    rows = (await session.execute(select(Sensor.id, Sensor.area_id, Sensor.code).where(
        Sensor.id.in_(list(latest)), Sensor.kind == SensorKind.CH4))).all()
    if not rows:
        return 0
    parents = await org_service.unit_parents(session=session, mine_id=mine_id)
    kinds = {k.id: service.spec_of(k) for k in await service.list_kinds(session=session, mine_id=mine_id,
                                                                         active_only=False)}
    stopped = 0
    for permit in live:
        spec = kinds[permit.kind_id]
        areas = affected_areas(permit.area_id, parents)
        over = [(code, latest[sid][1]) for sid, area_id, code in rows if area_id in areas
                and SuspendCause.GAS_OVER_LIMIT in unsafe_reasons(spec, AreaSafety(ch4_max=latest[sid][1]))]
        if over:
            code, value = max(over, key=lambda item: item[1])
            stopped += await _stop(session, permit, [(SuspendCause.GAS_OVER_LIMIT,
                                                      f"{code} reads CH4 {value:g} % (limit {spec.ch4_limit:g} %)")],
                                   actor)
    return stopped


async def on_presence(session: AsyncSession, *, mine_id: uuid.UUID, user_id: uuid.UUID,
                      from_area_id: uuid.UUID | None, to_area_id: uuid.UUID | None) -> int:
    """The guardian leaving a live permit's area, or a stranger entering it, stops the permit."""
    stopped = 0
    for permit in await _live(session, mine_id):
        if user_id == permit.guardian_id and to_area_id != permit.area_id:
            stopped += await _stop(session, permit, [(SuspendCause.GUARDIAN_LEFT,
                                                      f"the guardian moved to {to_area_id or 'the surface'}")])
        elif to_area_id == permit.area_id and user_id not in allowed_people(permit):
            stopped += await _stop(session, permit, [(SuspendCause.STRANGER_ENTERED,
                                                      f"person {user_id} is not on the crew list")])
    return stopped


async def check_permit(session: AsyncSession, permit: Permit, *, now: datetime | None = None) -> bool:
    """The full check of one live permit (the sweep): every unsafe reason stops it."""
    if permit.state is not PermitState.ACTIVE:
        return False
    spec = await flows.kind_of(session, permit)
    safety = await area_safety(session, permit, now=now)
    causes = [(cause, describe(cause)) for cause in unsafe_reasons(spec, safety)]
    return bool(causes) and await _stop(session, permit, causes)


async def sweep(session: AsyncSession, *, now: datetime | None = None) -> tuple[int, int]:
    """Expire permits past their window, then re-check every active permit. Returns (expired, stopped)."""
    now = now or utcnow()
    expired = await flows.expire_due(session, now=now)
    active = (await session.scalars(select(Permit).where(Permit.state == PermitState.ACTIVE, Permit.drill_id.is_(None))
                                    .order_by(Permit.mine_id, Permit.id))).all()
    stopped = 0
    for permit in active:
        stopped += await check_permit(session, permit, now=now)
    return len(expired), stopped


# --- background: the sweep and the presence watcher ------------------------------------------------
async def sweep_once(platform: Platform) -> tuple[int, int]:
    async with platform.session_factory() as session:
        result = await sweep(session)
        await commit_and_publish(session, platform.publisher)
    if any(result):
        logger.info("permits sweep: %s expired, %s suspended", *result)
    return result


async def sweep_loop(platform: Platform, interval_s: float = 5.0) -> None:
    """Every few seconds; a failed sweep is logged and tried again."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await sweep_once(platform)
        except Exception:
            logger.exception("permits sweep failed; trying again in %.0f s", interval_s)


async def watch_presence(platform: Platform, mine_id: uuid.UUID) -> None:
    """Follow one mine's positioning events and apply each presence change to its live permits."""
    from backend.positioning.events import PRESENCE_CHANGED, PresenceChanged
    from backend.positioning.events import channel_for as positioning_channel

    async for raw in platform.bus.subscribe(positioning_channel(mine_id)):
        if PRESENCE_CHANGED not in raw:
            continue
        try:
            event = PresenceChanged.model_validate_json(raw)
            async with platform.session_factory() as session:
                await on_presence(session, mine_id=event.mine_id, user_id=event.user_id,
                                  from_area_id=event.from_area_id, to_area_id=event.to_area_id)
                await commit_and_publish(session, platform.publisher)
        except Exception:
            logger.exception("permits: a presence change of mine %s was not applied (the sweep re-checks)", mine_id)


async def watch_alerts(platform: Platform, mine_id: uuid.UUID) -> None:
    """The event-bus way for alarms (the benchmark's other arm): each raised alert, after its commit."""
    from backend.alerts.events import AlertEvent, AlertEventKind
    from backend.alerts.events import channel_for as alerts_channel
    async for raw in platform.bus.subscribe(alerts_channel(mine_id)):
        event = AlertEvent.model_validate_json(raw)
        if event.kind is not AlertEventKind.RAISED or event.area_id is None:
            continue
        async with platform.session_factory() as session:
            alert = await session.get(Alert, event.alert_id)
            if alert is not None and alert.source is not AlertSource.PERMIT and alert.severity.rank >= 2:
                await stop_for_alert(session, alert)
            await commit_and_publish(session, platform.publisher)


async def presence_loop(platform: Platform, refresh_s: float = 30.0) -> None:
    """One presence watcher per mine, for mines that appear later too."""
    from backend.org.models import Mine

    watchers: dict[uuid.UUID, asyncio.Task[None]] = {}
    try:
        while True:
            try:
                async with platform.session_factory() as session:
                    mine_ids = (await session.scalars(select(Mine.id))).all()
                for mine_id in mine_ids:
                    if mine_id not in watchers or watchers[mine_id].done():
                        watchers[mine_id] = asyncio.create_task(watch_presence(platform, mine_id),
                                                                name=f"permits-presence-{mine_id}")
            except Exception:
                logger.exception("permits: could not refresh the presence watchers")
            await asyncio.sleep(refresh_s)
    finally:
        for task in watchers.values():
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*watchers.values(), return_exceptions=True)
