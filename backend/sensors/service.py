"""Sensor queries and plain writes (never commits)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, Uuid, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device
from backend.database import tenancy
from backend.database.base import utcnow
from backend.errors import NotFound
from backend.sensors.models import (
    BridgeLink,
    PowerZone,
    Sensor,
    SensorBatch,
    SensorHourStat,
    SensorReading,
    ThresholdProfile,
)
from backend.sensors.rules import (
    ANY_LOCATION,
    THRESHOLD_FIELDS,
    LocationType,
    Point,
    SensorKind,
    ThresholdValues,
    bucketed,
    hour_start,
    raw_fits,
)


# --- registry --------------------------------------------------------------------------------------
async def get_in_mine_or_raise(*, session: AsyncSession, sensor_id: uuid.UUID, mine_id: uuid.UUID) -> Sensor:
    return await tenancy.get_in_mine_or_raise(session, Sensor, sensor_id, mine_id, missing="no such sensor")


async def get_by_code(*, session: AsyncSession, mine_id: uuid.UUID, code: str) -> Sensor | None:
    return await session.scalar(select(Sensor).where(Sensor.mine_id == mine_id, Sensor.code == code))


async def list_sensors(*, session: AsyncSession, mine_id: uuid.UUID, area_id: uuid.UUID | None = None,
                       active_only: bool = False) -> Sequence[Sensor]:
    query = select(Sensor).where(Sensor.mine_id == mine_id)
    if area_id is not None:
        query = query.where(Sensor.area_id == area_id)
    if active_only:
        query = query.where(Sensor.is_active.is_(True))
    return (await session.scalars(query.order_by(Sensor.code))).all()


CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


def is_code(code: str) -> bool:
    """A sensor code as the registry accepts it: a letter or digit, then letters, digits, '_', '.', '-'."""
    return CODE_PATTERN.fullmatch(code) is not None


@dataclass(frozen=True, slots=True)
class SensorBrief:
    """What ingestion needs of a sensor, read in one query per batch."""

    id: uuid.UUID
    code: str
    kind: SensorKind
    unit: str
    area_id: uuid.UUID
    physical_min: float
    physical_max: float


async def briefs_by_code(*, session: AsyncSession, mine_id: uuid.UUID, codes: Iterable[str]) -> dict[str, SensorBrief]:
    wanted = sorted(c for c in set(codes) if is_code(c))  # anything else matches no sensor (and never a NUL to SQL)
    found: dict[str, SensorBrief] = {}
    for start in range(0, len(wanted), 5000):  # bounded IN lists
        rows = await session.execute(
            select(Sensor.id, Sensor.code, Sensor.kind, Sensor.unit, Sensor.area_id, Sensor.physical_min,
                   Sensor.physical_max)
            .where(Sensor.mine_id == mine_id, Sensor.code.in_(wanted[start:start + 5000])))
        for row in rows:
            found[row.code] = SensorBrief(*row)
    return found


async def get_power_zone_in_mine_or_raise(*, session: AsyncSession, zone_id: uuid.UUID,
                                          mine_id: uuid.UUID) -> PowerZone:
    zone = await session.get(PowerZone, zone_id)
    if zone is None or zone.mine_id != mine_id:
        raise NotFound("no such power zone")
    return zone


async def list_power_zones(*, session: AsyncSession, mine_id: uuid.UUID) -> Sequence[PowerZone]:
    return (await session.scalars(select(PowerZone).where(PowerZone.mine_id == mine_id)
                                  .order_by(PowerZone.name))).all()


async def power_zones_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[PowerZone | None]:
    """For a DataLoader."""
    rows = {z.id: z for z in await session.scalars(select(PowerZone).where(PowerZone.id.in_(set(ids))))}
    return [rows.get(i) for i in ids]


# --- thresholds ------------------------------------------------------------------------------------
def profile_values(profile: ThresholdProfile) -> ThresholdValues:
    return ThresholdValues(**{name: getattr(profile, name) for name in THRESHOLD_FIELDS})


async def list_profiles(*, session: AsyncSession, mine_id: uuid.UUID) -> Sequence[ThresholdProfile]:
    return (await session.scalars(select(ThresholdProfile).where(ThresholdProfile.mine_id == mine_id)
                                  .order_by(ThresholdProfile.kind, ThresholdProfile.location_key))).all()


async def profile_map(*, session: AsyncSession, mine_id: uuid.UUID) -> dict[tuple[str, str], ThresholdValues]:
    return {(p.kind.value, p.location_key): profile_values(p) for p in await list_profiles(session=session,
                                                                                          mine_id=mine_id)}


async def get_profile(*, session: AsyncSession, mine_id: uuid.UUID, kind: SensorKind,
                      location: LocationType | None) -> ThresholdProfile | None:
    key = location.value if location is not None else ANY_LOCATION
    return await session.scalar(select(ThresholdProfile).where(
        ThresholdProfile.mine_id == mine_id, ThresholdProfile.kind == kind, ThresholdProfile.location_key == key))


async def has_profiles(*, session: AsyncSession, mine_id: uuid.UUID) -> bool:
    return await session.scalar(select(ThresholdProfile.id).where(ThresholdProfile.mine_id == mine_id)
                                .limit(1)) is not None


async def insert_profiles(*, session: AsyncSession, mine_id: uuid.UUID,
                          rows: Iterable[tuple[SensorKind, str, ThresholdValues]]) -> int:
    """Insert profiles that do not exist yet (concurrent preloads of one mine insert each row once);
    returns how many this call inserted."""
    now = utcnow()
    values = [{"id": uuid.uuid4(), "mine_id": mine_id, "kind": kind, "location_key": key, "created_at": now,
               "updated_at": now, **t.as_dict()} for kind, key, t in rows]
    if not values:
        return 0
    statement = tenancy.upsert(session, ThresholdProfile).values(values).on_conflict_do_nothing(
        index_elements=["mine_id", "kind", "location_key"]).returning(ThresholdProfile.id)
    return len((await session.execute(statement)).all())


# --- ingestion -------------------------------------------------------------------------------------
async def find_batch(*, session: AsyncSession, device_id: uuid.UUID, batch_id: str) -> SensorBatch | None:
    """The batch a bridge sent before under this id (batch ids are the bridge's own, not the mine's)."""
    return await session.scalar(select(SensorBatch).where(SensorBatch.device_id == device_id,
                                                          SensorBatch.batch_id == batch_id))


async def bridge_link_for_update(*, session: AsyncSession, device_id: uuid.UUID) -> BridgeLink | None:
    return await session.scalar(select(BridgeLink).where(BridgeLink.device_id == device_id).with_for_update())


async def list_bridges(*, session: AsyncSession, mine_id: uuid.UUID) -> list[tuple[BridgeLink, Device]]:
    """The mine's bridges with their devices, the most recently heard first."""
    rows = (await session.execute(select(BridgeLink, Device).join(Device, Device.id == BridgeLink.device_id)
                                  .where(BridgeLink.mine_id == mine_id))).all()
    return sorted(((link, device) for link, device in rows),
                  key=lambda row: max(at for at in (row[0].last_batch_at, row[0].reported_at) if at is not None),
                  reverse=True)


async def store_readings(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """All readings of a batch in one executemany; then the hourly statistics they fall into."""
    if not rows:
        return
    await session.execute(SensorReading.__table__.insert(), list(rows))
    stats: dict[tuple[uuid.UUID, datetime], list[float]] = {}
    for row in rows:
        key = (row["sensor_id"], hour_start(row["ts"]))
        value = row["value"]
        slot = stats.get(key)
        if slot is None:
            stats[key] = [value, value, value, 1]
        else:
            slot[0] = min(slot[0], value)
            slot[1] = max(slot[1], value)
            slot[2] += value
            slot[3] += 1
    table = SensorHourStat.__table__
    statement = tenancy.upsert(session, table)
    pick_min, pick_max = (func.least, func.greatest) if tenancy.is_postgresql(session) else (func.min, func.max)
    statement = statement.on_conflict_do_update(
        index_elements=["sensor_id", "hour"],
        set_={"min": pick_min(table.c["min"], statement.excluded["min"]),
              "max": pick_max(table.c["max"], statement.excluded["max"]),
              "sum": table.c["sum"] + statement.excluded["sum"],
              "count": table.c["count"] + statement.excluded["count"]})
    values = [{"sensor_id": sensor_id, "hour": hour, "min": low, "max": high, "sum": total, "count": int(count)}
              for (sensor_id, hour), (low, high, total, count) in sorted(stats.items(), key=_stat_order)]
    await session.execute(statement, values)


def _stat_order(item: tuple[tuple[uuid.UUID, datetime], list[float]]) -> tuple[int, datetime]:
    """One lock order for concurrent batches (UUID.int: much cheaper to compare than UUIDs)."""
    return item[0][0].int, item[0][1]


async def update_last_values(*, session: AsyncSession, latest: dict[uuid.UUID, tuple[datetime, float]]) -> None:
    """Each sensor's last value and time, unless a newer reading is already recorded: on PostgreSQL one
    UPDATE … FROM unnest(arrays), elsewhere one executemany."""
    if not latest:
        return
    table = Sensor.__table__
    ordered = sorted(latest.items(), key=lambda item: item[0].int)  # one lock order for concurrent batches
    if tenancy.is_postgresql(session):
        rows = select(
            func.unnest(bindparam("ids", [sid for sid, _ in ordered], type_=ARRAY(Uuid()))).label("id"),
            func.unnest(bindparam("ats", [at for _, (at, _v) in ordered], type_=ARRAY(DateTime(timezone=True))))
            .label("at"),
            func.unnest(bindparam("values", [v for _, (_at, v) in ordered], type_=ARRAY(Float()))).label("value"),
        ).subquery("latest")
        await session.execute(
            update(table)
            .where(table.c.id == rows.c.id, or_(table.c.last_reading_at.is_(None), table.c.last_reading_at < rows.c.at))
            .values(last_value=rows.c.value, last_reading_at=rows.c.at))
        return
    statement = (update(table)
                 .where(table.c.id == bindparam("sid"),
                        or_(table.c.last_reading_at.is_(None), table.c.last_reading_at < bindparam("at")))
                 .values(last_value=bindparam("v"), last_reading_at=bindparam("at")))
    await session.execute(statement, [{"sid": sid, "at": at, "v": value} for sid, (at, value) in ordered])


# --- history ---------------------------------------------------------------------------------------
async def series(*, session: AsyncSession, sensor: Sensor, since: datetime, until: datetime, max_points: int,
                 raw_limit: int) -> list[Point]:
    """Raw readings when the range holds few enough of them, else hourly statistics; at most max_points."""
    if raw_fits(since, until, sensor.polling_seconds, raw_limit):
        rows = (await session.execute(
            select(SensorReading.ts, SensorReading.value)
            .where(SensorReading.sensor_id == sensor.id, SensorReading.ts >= since, SensorReading.ts < until)
            .order_by(SensorReading.ts).limit(raw_limit + 1))).all()
        if len(rows) <= raw_limit:
            if len(rows) <= max_points:
                return [Point(at=ts, value=v, min=v, max=v) for ts, v in rows]
            return bucketed(((ts, v, v, v, 1) for ts, v in rows), since, until, max_points)
    stats = (await session.execute(
        select(SensorHourStat.hour, SensorHourStat.sum, SensorHourStat.min, SensorHourStat.max, SensorHourStat.count)
        .where(SensorHourStat.sensor_id == sensor.id, SensorHourStat.hour >= hour_start(since),
               SensorHourStat.hour < until)
        .order_by(SensorHourStat.hour))).all()
    return bucketed(((max(h, since), s, lo, hi, c) for h, s, lo, hi, c in stats), since, until, max_points)


@dataclass(frozen=True, slots=True)
class RetainResult:
    readings_deleted: int
    stats_deleted: int
    batches_deleted: int


async def delete_older(*, session: AsyncSession, readings_before: datetime, stats_before: datetime,
                       batches_before: datetime, max_readings: int) -> RetainResult:
    """Drop raw readings (at most max_readings, oldest first), hourly statistics and batch records older
    than their cut-offs."""
    oldest = (select(SensorReading.id).where(SensorReading.ts < readings_before).order_by(SensorReading.ts)
              .limit(max_readings))
    readings = await session.execute(delete(SensorReading).where(SensorReading.id.in_(oldest.scalar_subquery())))
    stats = await session.execute(delete(SensorHourStat).where(SensorHourStat.hour < stats_before))
    batches = await session.execute(delete(SensorBatch).where(SensorBatch.received_at < batches_before))
    return RetainResult(readings_deleted=readings.rowcount or 0, stats_deleted=stats.rowcount or 0,
                        batches_deleted=batches.rowcount or 0)
