"""Reading the facts the KPIs are computed from."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.hazards.models import Hazard
from backend.kpi.rules import HazardFact, SensorFact, expected_readings
from backend.sensors.models import Sensor, SensorHourStat
from backend.sensors.rules import is_online


async def hazard_facts(*, session: AsyncSession, mine_id: uuid.UUID, reported_from: datetime | None,
                       reported_to: datetime | None, area_id: uuid.UUID | None = None) -> list[HazardFact]:
    """One fact per hazard reported in the period (only the columns the KPIs need)."""
    query = select(Hazard.state, Hazard.grade, Hazard.team_id, Hazard.created_at, Hazard.deadline,
                   Hazard.closed_at).where(Hazard.mine_id == mine_id)
    if reported_from is not None:
        query = query.where(Hazard.created_at >= reported_from)
    if reported_to is not None:
        query = query.where(Hazard.created_at < reported_to)
    if area_id is not None:
        query = query.where(Hazard.area_id == area_id)
    rows = await session.execute(query)
    return [HazardFact(state=r.state, grade=r.grade.value if r.grade else None,
                       team_id=str(r.team_id) if r.team_id else None, created_at=r.created_at,
                       deadline=r.deadline, closed_at=r.closed_at) for r in rows]


async def alert_facts(*, session: AsyncSession, mine_id: uuid.UUID, raised_from: datetime | None,
                      raised_to: datetime | None, area_id: uuid.UUID | None = None) -> list[tuple[str, str | None]]:
    """(source, verdict) of each alert first raised in the period."""
    query = select(Alert.source, Alert.verdict).where(Alert.mine_id == mine_id)
    if raised_from is not None:
        query = query.where(Alert.first_raised_at >= raised_from)
    if raised_to is not None:
        query = query.where(Alert.first_raised_at < raised_to)
    if area_id is not None:
        query = query.where(Alert.area_id == area_id)
    return [(r.source.value, r.verdict.value if r.verdict else None) for r in await session.execute(query)]


async def sensor_facts(*, session: AsyncSession, mine_id: uuid.UUID, period_start: datetime, period_end: datetime,
                       now: datetime, area_id: uuid.UUID | None = None) -> list[SensorFact]:
    """Each active sensor's state now and its readings in the period (counted from the hourly statistics)."""
    received = (
        select(SensorHourStat.sensor_id, func.sum(SensorHourStat.count).label("received"))
        .where(SensorHourStat.hour >= period_start, SensorHourStat.hour < period_end)
        .group_by(SensorHourStat.sensor_id).subquery()
    )
    query = (
        select(Sensor, func.coalesce(received.c.received, 0))
        .outerjoin(received, received.c.sensor_id == Sensor.id)
        .where(Sensor.mine_id == mine_id, Sensor.is_active.is_(True))
    )
    if area_id is not None:
        query = query.where(Sensor.area_id == area_id)
    facts = []
    for sensor, count in (await session.execute(query)).all():
        facts.append(SensorFact(
            kind=sensor.kind.value,
            online_now=is_online(sensor.last_reading_at, sensor.polling_seconds, sensor.fault, now),
            readings_received=int(count),
            readings_expected=expected_readings(
                period_start=period_start, period_end=period_end, registered_at=sensor.created_at,
                polling_seconds=sensor.polling_seconds),
        ))
    return facts
