"""sensorSeries: raw readings for short ranges, bucketed means with min/max for long ones (bounded);
retention drops only what is past its period and keeps the hourly statistics."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend.accounts.models import DeviceKind
from backend.sensors import flows
from backend.sensors.models import SensorHourStat, SensorReading
from tests.backend.sensors.api import SERIES, add_sensor, ingest, reading
from tests.conftest import gql


def hour_now() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


async def series(client, mine, sensor_id: str, since: datetime, until: datetime, max_points: int):  # type: ignore[no-untyped-def]
    variables = {"sensor": sensor_id, "since": since.isoformat(), "until": until.isoformat(), "max": max_points}
    return (await gql(client, SERIES, variables, token=mine.token("miner")))["sensorSeries"]


async def test_series_raw_when_short_statistics_when_long(client, make_mine) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-1")
    end = hour_now()
    start = end - timedelta(days=10)
    readings = []
    for hour in range(240):  # ten days, three readings an hour: 0.2, 0.4, 0.6
        at = start + timedelta(hours=hour)
        readings += [reading("CH4-1", v, at + timedelta(minutes=10 * i)) for i, v in enumerate((0.2, 0.4, 0.6))]
    assert (await ingest(client, token, seq=1, readings=readings))["readingsStored"] == 720

    # short range with few readings: the readings themselves
    raw = await series(client, mine, sensor["id"], end - timedelta(hours=2), end, 100)
    assert [p["value"] for p in raw] == [0.2, 0.4, 0.6, 0.2, 0.4, 0.6]
    assert all(p["min"] == p["max"] == p["value"] and p["count"] == 1 for p in raw)

    # short range, more readings than points: raw readings bucketed (mean, min, max)
    bucketed = await series(client, mine, sensor["id"], end - timedelta(hours=4), end, 4)
    assert len(bucketed) == 4
    assert all(abs(p["value"] - 0.4) < 1e-9 and p["min"] == 0.2 and p["max"] == 0.6 and p["count"] == 3
               for p in bucketed)

    # ten days at a 2 s polling period is far too many raw readings: hourly statistics, bounded
    long = await series(client, mine, sensor["id"], start, end, 60)
    assert len(long) == 60
    assert sum(p["count"] for p in long) == 720
    assert all(abs(p["value"] - 0.4) < 1e-9 and p["min"] == 0.2 and p["max"] == 0.6 for p in long)
    assert datetime.fromisoformat(long[0]["at"]) == start

    bad = await gql(client, SERIES, {"sensor": sensor["id"], "since": end.isoformat(),
                                     "until": start.isoformat(), "max": 10},
                    token=mine.token("miner"), expect_errors=True)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    too_many = await gql(client, SERIES, {"sensor": sensor["id"], "max": 1_000_000}, token=mine.token("miner"),
                         expect_errors=True)
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_retention_deletes_only_what_is_old_and_keeps_statistics(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-1")
    sensor_id = uuid.UUID(sensor["id"])
    now = hour_now()
    settings = platform.settings
    ages = {"recent": timedelta(days=1), "past raw": timedelta(days=settings.sensor_raw_retention_days + 8),
            "past stats": timedelta(days=settings.sensor_stats_retention_days + 8)}
    readings = [reading("CH4-1", 0.1 * (i + 1), now - age + timedelta(minutes=m))
                for i, age in enumerate(ages.values()) for m in (0, 20, 40)]
    assert (await ingest(client, token, seq=1, readings=readings))["readingsStored"] == 9

    async with platform.session_factory() as session:
        await flows.retain(session, settings=settings, now=now)
        await session.commit()
        kept = (await session.scalars(select(SensorReading.ts).where(SensorReading.sensor_id == sensor_id)
                                      .order_by(SensorReading.ts))).all()
        hours = (await session.scalars(select(SensorHourStat.hour).where(SensorHourStat.sensor_id == sensor_id)
                                       .order_by(SensorHourStat.hour))).all()
    assert kept == [now - ages["recent"] + timedelta(minutes=m) for m in (0, 20, 40)]
    assert hours == [now - ages["past raw"], now - ages["recent"]]

    # the old range still has a curve, from its statistics
    old = now - ages["past raw"]
    points = await series(client, mine, sensor["id"], old - timedelta(days=3), old + timedelta(days=3), 10)
    assert len(points) == 1 and points[0]["count"] == 3 and points[0]["min"] == 0.2

    async with platform.session_factory() as session:  # a second run has nothing more to delete of this sensor
        await flows.retain(session, settings=settings, now=now)
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(SensorReading)
                                    .where(SensorReading.sensor_id == sensor_id)) == 3


async def test_retention_runs_in_the_background_and_from_the_cli(client, make_mine, platform, settings_for,
                                                                 database_url, monkeypatch) -> None:
    from typer.testing import CliRunner

    from backend import cli
    from backend.config import get_settings
    from backend.platform import Platform
    from backend.sensors import tasks

    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-1")
    sensor_id = uuid.UUID(sensor["id"])
    old = hour_now() - timedelta(days=platform.settings.sensor_raw_retention_days + 2)

    async def old_readings() -> int:
        async with platform.session_factory() as session:
            return await session.scalar(select(func.count()).select_from(SensorReading).where(
                SensorReading.sensor_id == sensor_id, SensorReading.ts < hour_now() - timedelta(days=30)))

    await ingest(client, token, seq=1, readings=[reading("CH4-1", 0.3, old)])
    assert await old_readings() == 1
    monkeypatch.setattr(tasks, "FIRST_RUN_DELAY_S", 0.0)
    background = Platform.from_settings(settings_for(database_url, sensor_retain_interval_minutes=0.01))
    loop = asyncio.create_task(tasks.retention_loop(background))
    try:
        for _ in range(100):
            if await old_readings() == 0:
                break
            await asyncio.sleep(0.05)
        assert await old_readings() == 0
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
        await background.close()

    await ingest(client, token, seq=2, readings=[reading("CH4-1", 0.3, old + timedelta(minutes=1))])
    monkeypatch.setenv("MINESAFE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(CliRunner().invoke, cli.app, ["sensor-data", "retain"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "raw readings" in result.output and await old_readings() == 0


async def test_the_apps_own_queries(client, make_mine) -> None:
    """The field app's sensor queries (mobile/api/alerts.py) as it sends them."""
    from mobile.api.alerts import SENSOR_SERIES, SENSORS

    mine = await make_mine()
    sensor = await add_sensor(client, mine, "CH4-1", area=1)
    await ingest(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE], seq=1,
                 readings=[reading("CH4-1", 0.42, datetime.now(UTC) - timedelta(seconds=5))])
    listed = (await gql(client, SENSORS, {"areaId": str(mine.areas[1])}, token=mine.token("miner")))["sensors"]
    assert [(s["code"], s["lastValue"], s["thresholds"]["powerCut"]) for s in listed] == [("CH4-1", 0.42, 1.5)]
    for max_points in (None, 50):
        variables = {"sensorId": sensor["id"], "since": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                     "maxPoints": max_points}
        points = (await gql(client, SENSOR_SERIES, variables, token=mine.token("miner")))["sensorSeries"]
        assert [p["value"] for p in points] == [0.42]


async def test_retention_deletes_in_chunks(client, make_mine, platform) -> None:
    from backend.sensors.tasks import run_retention

    mine = await make_mine()
    sensor = await add_sensor(client, mine, "CH4-1")
    old = hour_now() - timedelta(days=platform.settings.sensor_raw_retention_days + 1)
    readings = [reading("CH4-1", 0.3, old + timedelta(seconds=i)) for i in range(25)]
    await ingest(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE], seq=1, readings=readings)
    result = await run_retention(platform, chunk=10)
    assert result.readings_deleted >= 25
    async with platform.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(SensorReading)
                                    .where(SensorReading.sensor_id == uuid.UUID(sensor["id"]))) == 0
