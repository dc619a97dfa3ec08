"""ingestSensorBatch: stored once per batch id, bridge sequence tracked, bad readings counted not raised,
alarm changes raised and resolved as shared alerts, and a device token never crosses mines."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.sensors.models import Sensor, SensorHourStat, SensorReading
from tests.backend.sensors.api import BRIDGES, SENSORS, add_sensor, change, ingest, reading
from tests.conftest import gql

ALERTS = """query($source: AlertSource) { alerts(filter: {source: $source}, first: 50) {
  edges { node { id source sourceRef severity state title raiseCount area { id } } } } }"""


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def count_readings(platform, sensor_id: str) -> int:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(SensorReading)
                                    .where(SensorReading.sensor_id == uuid.UUID(sensor_id)))


async def test_valid_batch_is_stored_in_bulk_and_updates_the_sensor(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    ch4 = await add_sensor(client, mine, "CH4-1")
    co = await add_sensor(client, mine, "CO-1", kind="CO", area=1)
    t0 = now() - timedelta(seconds=30)
    readings = [reading("CH4-1", 0.3 + i / 100, t0 + timedelta(seconds=2 * i)) for i in range(10)]
    readings += [reading("CO-1", 4.0, t0 + timedelta(seconds=3))]
    result = await ingest(client, token, seq=1, readings=readings)
    assert result["__typename"] == "SensorBatchAccepted", result
    assert (result["duplicate"], result["readingsStored"], result["readingsRejected"]) == (False, 11, 0)
    assert result["seqGap"] == 0 and result["outOfOrder"] is False
    assert await count_readings(platform, ch4["id"]) == 10 and await count_readings(platform, co["id"]) == 1
    sensors = {s["code"]: s for s in (await gql(client, SENSORS, token=mine.token("miner")))["sensors"]}
    assert sensors["CH4-1"]["lastValue"] == 0.39 and sensors["CH4-1"]["online"] is False  # 12 s ago > 2 cycles
    assert datetime.fromisoformat(sensors["CH4-1"]["lastReadingAt"]) == t0 + timedelta(seconds=18)
    fresh = await ingest(client, token, seq=2, readings=[reading("CH4-1", 0.2, now())])
    assert fresh["readingsStored"] == 1
    older = await ingest(client, token, seq=3, readings=[reading("CH4-1", 0.9, t0)])  # late: history only
    assert older["readingsStored"] == 1
    sensors = {s["code"]: s for s in (await gql(client, SENSORS, token=mine.token("miner")))["sensors"]}
    assert sensors["CH4-1"]["lastValue"] == 0.2 and sensors["CH4-1"]["online"] is True
    async with platform.session_factory() as session:
        stat = await session.scalar(select(SensorHourStat).where(SensorHourStat.sensor_id == uuid.UUID(ch4["id"]),
                                                                 SensorHourStat.hour == t0.replace(minute=0,
                                                                                                   second=0)))
    if t0.hour == (t0 + timedelta(seconds=30)).hour:
        assert stat is not None and stat.count == 12 and stat.max == 0.9


async def test_duplicate_and_replayed_batches_store_nothing_twice(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-1")
    batch_id = str(uuid.uuid4())
    readings = [reading("CH4-1", 0.3, now() - timedelta(seconds=i)) for i in range(5)]
    first = await ingest(client, token, seq=1, readings=readings, batch_id=batch_id)
    again = await ingest(client, token, seq=1, readings=readings, batch_id=batch_id)
    assert first["duplicate"] is False and again["duplicate"] is True
    assert again["readingsStored"] == 5 and again["batchId"] == batch_id
    # a replay racing itself (the bridge retried while the first call was still running)
    race_id = str(uuid.uuid4())
    racers = await asyncio.gather(*[ingest(client, token, seq=2, readings=readings, batch_id=race_id)
                                    for _ in range(4)])
    assert sorted(r["duplicate"] for r in racers) == [False, True, True, True]
    assert await count_readings(platform, sensor["id"]) == 10
    bridges = (await gql(client, BRIDGES, token=mine.token("admin")))["sensorBridges"]
    assert bridges[0]["batches"] == 2 and bridges[0]["lastSeq"] == 2


async def test_out_of_order_and_gaps_are_reported(client, make_mine) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-1")
    one = [reading("CH4-1", 0.3, now())]
    assert (await ingest(client, token, seq=5, readings=one))["seqGap"] == 0  # first batch seen: no judgement
    later = await ingest(client, token, seq=8, readings=one)
    assert later["seqGap"] == 2 and later["outOfOrder"] is False
    earlier = await ingest(client, token, seq=6, readings=one)
    assert earlier["outOfOrder"] is True and earlier["readingsStored"] == 1
    bridges = (await gql(client, BRIDGES, token=mine.token("admin")))["sensorBridges"]
    assert bridges == [{"deviceId": bridges[0]["deviceId"], "lastSeq": 8, "batches": 3, "missingSeqs": 2,
                        "outOfOrderBatches": 1}]
    # an alarm change older than the one applied (a batch replayed late) changes neither state nor alerts
    t = now()
    await ingest(client, token, seq=9, readings=[], changes=[change("CH4-1", "POWER_RESTORED", "NORMAL", 0.4, t)])
    stale = await ingest(client, token, seq=7, readings=[], changes=[
        change("CH4-1", "POWER_CUT", "ALARM", 1.6, t - timedelta(seconds=5))])
    assert stale["outOfOrder"] is True and stale["alertsRaised"] == 0
    sensors = (await gql(client, SENSORS, token=mine.token("miner")))["sensors"]
    assert sensors[0]["powerCut"] is False


async def test_bad_readings_are_counted_never_raised(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-1")
    t = now()
    readings = [reading("CH4-1", 0.5, t), reading("NO-SUCH", 0.5, t), reading("CH4-1", 140.0, t),
                reading("CH4-1", -1.0, t), reading("CH4-1", 0.4, t + timedelta(days=3))]
    result = await ingest(client, token, seq=1, readings=readings)
    assert (result["readingsStored"], result["readingsRejected"]) == (1, 4)
    assert await count_readings(platform, sensor["id"]) == 1
    # a value no JSON number can carry, a time without a zone, a missing field: refused before the resolver
    for bad in ({"sensorCode": "CH4-1", "value": "NaN", "ts": t.isoformat()},
                {"sensorCode": "CH4-1", "value": 0.4, "ts": "2026-11-30T10:00:00"},
                {"sensorCode": "CH4-1", "ts": t.isoformat()}):
        body = await ingest(client, token, seq=2, readings=[bad], expect_errors=True)
        assert body.get("errors") and not body.get("data"), body
    assert await count_readings(platform, sensor["id"]) == 1


async def test_oversized_and_malformed_batches_are_validation_failures(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-1")
    t = now()
    limit = platform.settings.sensor_batch_max_readings
    too_many = [reading("CH4-1", 0.3, t - timedelta(milliseconds=i)) for i in range(limit + 1)]
    result = await ingest(client, token, seq=1, readings=too_many)
    assert result["__typename"] == "ValidationFailed" and result["field"] == "readings"
    assert str(limit) in result["message"]
    assert (await ingest(client, token, seq=-1, readings=[]))["__typename"] == "ValidationFailed"
    assert (await ingest(client, token, seq=1, readings=[], batch_id=""))["__typename"] == "ValidationFailed"
    assert (await ingest(client, token, seq=1, readings=[], batch_id="x" * 65))["__typename"] == "ValidationFailed"
    assert await count_readings(platform, sensor["id"]) == 0
    exactly = await ingest(client, token, seq=2, readings=too_many[:limit])
    assert exactly["readingsStored"] == limit


async def test_who_may_ingest(client, make_mine, platform) -> None:
    mine_a, mine_b = await make_mine(), await make_mine()
    sensor_b = await add_sensor(client, mine_b, "CH4-1")
    await add_sensor(client, mine_a, "CH4-1")
    one = [reading("CH4-1", 0.3, now())]
    for token in (mine_a.device_tokens[DeviceKind.CAMERA], mine_a.device_tokens[DeviceKind.ROBOT],
                  mine_a.token("admin"), mine_a.token("mine_manager")):
        assert (await ingest(client, token, seq=1, readings=one))["__typename"] == "NotAllowed"
    body = await ingest(client, None, seq=1, readings=one, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # mine A's bridge writes to mine A's CH4-1 only; mine B's sensor of the same code never moves
    token_a = mine_a.device_tokens[DeviceKind.SENSOR_BRIDGE]
    assert (await ingest(client, token_a, seq=1, readings=one))["readingsStored"] == 1
    assert await count_readings(platform, sensor_b["id"]) == 0
    # nor can mine A's bridge raise alerts on mine B's sensors, nor read mine B's series or sensors
    only_b = await add_sensor(client, mine_b, "ONLY-B")
    result = await ingest(client, token_a, seq=2, readings=[reading("ONLY-B", 0.3, now())],
                          changes=[change("ONLY-B", "POWER_CUT", "ALARM", 1.6, now())])
    assert (result["readingsStored"], result["readingsRejected"], result["alertsRaised"]) == (0, 1, 0)
    assert await count_readings(platform, only_b["id"]) == 0
    async with platform.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Alert)
                                    .where(Alert.mine_id == mine_b.mine_id)) == 0
        b = await session.get(Sensor, uuid.UUID(only_b["id"]))
        assert b is not None and b.last_value is None and b.power_cut is False
    series = await gql(client, "query($s: ID!) { sensorSeries(sensorId: $s) { value } }", {"s": only_b["id"]},
                       token=mine_a.token("admin"), expect_errors=True)
    assert series["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_alarm_changes_raise_fold_and_resolve_alerts(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-1", area=1)
    t = now()
    result = await ingest(client, token, seq=1, readings=[reading("CH4-1", 1.6, t)], changes=[
        change("CH4-1", "LEVEL_CHANGED", "ALARM", 1.6, t), change("CH4-1", "POWER_CUT", "ALARM", 1.6, t),
        change("CH4-1", "FAULT_RAISED", "ALARM", None, t, fault="STUCK")])
    assert result["alertsRaised"] == 3
    alerts = [e["node"] for e in (await gql(client, ALERTS, {"source": "SENSOR"},
                                            token=mine.token("safety_officer")))["alerts"]["edges"]]
    by_severity = {a["severity"]: a for a in alerts}
    assert set(by_severity) == {"ALARM", "CRITICAL", "WARNING"}
    assert all(a["sourceRef"] == sensor["id"] and a["area"]["id"] == str(mine.areas[1]) for a in alerts)
    assert "power cut" in by_severity["CRITICAL"]["title"] and "CH4-1" in by_severity["CRITICAL"]["title"]
    sensors = (await gql(client, SENSORS, token=mine.token("miner")))["sensors"]
    assert (sensors[0]["level"], sensors[0]["powerCut"], sensors[0]["fault"]) == ("ALARM", True, "STUCK")

    # the same condition again folds into the open alert; restore and back-to-normal resolve
    again = await ingest(client, token, seq=2, readings=[], changes=[
        change("CH4-1", "LEVEL_CHANGED", "ALARM", 1.7, t + timedelta(seconds=2))])
    assert again["alertsRaised"] == 1
    await ingest(client, token, seq=3, readings=[], changes=[
        change("CH4-1", "POWER_RESTORED", "NORMAL", 0.5, t + timedelta(seconds=4)),
        change("CH4-1", "LEVEL_CHANGED", "NORMAL", 0.5, t + timedelta(seconds=4)),
        change("CH4-1", "FAULT_CLEARED", "NORMAL", 0.5, t + timedelta(seconds=4))])
    alerts = [e["node"] for e in (await gql(client, ALERTS, {"source": "SENSOR"},
                                            token=mine.token("safety_officer")))["alerts"]["edges"]]
    assert len(alerts) == 3 and {a["state"] for a in alerts} == {"RESOLVED"}
    assert {a["severity"]: a["raiseCount"] for a in alerts} == {"ALARM": 2, "CRITICAL": 1, "WARNING": 1}
    sensors = (await gql(client, SENSORS, token=mine.token("miner")))["sensors"]
    assert (sensors[0]["level"], sensors[0]["powerCut"], sensors[0]["fault"]) == ("NORMAL", False, None)

    # a warning, then a rate alarm: their own severities
    await ingest(client, token, seq=4, readings=[], changes=[
        change("CH4-1", "LEVEL_CHANGED", "WARNING", 0.8, t + timedelta(seconds=6)),
        change("CH4-1", "RATE_RAISED", "WARNING", 0.8, t + timedelta(seconds=6))])
    open_alerts = [e["node"] for e in (await gql(client, ALERTS, {"source": "SENSOR"},
                                                 token=mine.token("safety_officer")))["alerts"]["edges"]
                   if e["node"]["state"] == "RAISED"]
    assert sorted(a["severity"] for a in open_alerts) == ["ALARM", "WARNING"]


async def test_hostile_text_is_refused_or_cleaned_never_a_crash(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-1")
    t = now()
    odd = [reading("CH4\x00-1", 0.3, t), reading("CH4-1\n", 0.3, t), reading("é" * 80, 0.3, t),
           reading("CH4-1", 0.3, t)]
    result = await ingest(client, token, seq=1, readings=odd, changes=[
        change("CH4\x00-1", "POWER_CUT", "ALARM", 1.6, t),
        change("CH4-1", "LEVEL_CHANGED", "ALARM", 1.2, t, detail="CH4 1.2\x00\x1b[31m → ALARM\nsecond line")])
    assert (result["readingsStored"], result["readingsRejected"], result["alertsRaised"]) == (1, 3, 1)
    async with platform.session_factory() as session:
        alert = await session.scalar(select(Alert).where(Alert.mine_id == mine.mine_id))
    assert alert is not None and alert.detail == "CH4 1.2[31m → ALARM\nsecond line"
    bad_id = await ingest(client, token, seq=2, readings=[], batch_id="batch\x00one")
    assert bad_id["__typename"] == "ValidationFailed" and bad_id["field"] == "batchId"
