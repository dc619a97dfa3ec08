"""Ingestion against bad clocks and bad alarm changes: a time ahead of the server is rejected (never silencing later
alarms, never freezing the last value); a bad alarm change is counted, never failing the batch; batch ids are the
bridge's own; power cuts and restores are audited with the bridge as actor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.accounts import service as accounts_service
from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.audit.models import AuditEntry
from tests.backend.sensors.api import ADD_SENSOR, SAVE_ZONE, SENSORS, UPDATE_SENSOR, add_sensor, change, ingest, reading
from tests.conftest import gql

ALERTS = """query { alerts(filter: {source: SENSOR}, first: 50) { edges { node { id severity state title } } } }"""


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def _sensor(client, mine) -> dict:  # type: ignore[no-untyped-def]
    return (await gql(client, SENSORS, token=mine.token("miner")))["sensors"][0]


async def test_a_change_dated_ahead_is_rejected_and_never_silences_later_alarms(client, make_mine) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-F")
    t = now()
    future = datetime(2099, 1, 1, tzinfo=UTC)
    bad = await ingest(client, token, seq=1, readings=[reading("CH4-F", 0.2, t)],
                       changes=[change("CH4-F", "LEVEL_CHANGED", "NORMAL", 0.2, future)])
    assert (bad["readingsStored"], bad["alarmChangesRejected"], bad["alertsRaised"]) == (1, 1, 0)
    # a little ahead (within the allowance) is applied, but dated no later than now
    near = await ingest(client, token, seq=2, readings=[],
                        changes=[change("CH4-F", "LEVEL_CHANGED", "WARNING", 0.8, t + timedelta(minutes=4))])
    assert (near["alarmChangesRejected"], near["alertsRaised"]) == (0, 1)
    # the next batch in order is applied whatever its time (here a bridge clock 30 s behind the server's)
    real = await ingest(client, token, seq=3, readings=[reading("CH4-F", 1.6, t - timedelta(seconds=30))],
                        changes=[change("CH4-F", "LEVEL_CHANGED", "ALARM", 1.6, t - timedelta(seconds=30))])
    assert (real["alarmChangesRejected"], real["alertsRaised"]) == (0, 1)
    assert (await _sensor(client, mine))["level"] == "ALARM"
    alerts = [e["node"] for e in (await gql(client, ALERTS, token=mine.token("safety_officer")))["alerts"]["edges"]]
    assert [(a["severity"], a["state"]) for a in alerts] == [("ALARM", "RAISED")]  # the warning, folded


async def test_a_reading_dated_ahead_never_freezes_the_last_value(client, make_mine) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-L")
    t = now()
    far = await ingest(client, token, seq=1, readings=[reading("CH4-L", 0.1, t + timedelta(hours=20))])
    assert (far["readingsStored"], far["readingsRejected"]) == (0, 1)
    near = await ingest(client, token, seq=2, readings=[reading("CH4-L", 0.3, t + timedelta(minutes=4))])
    assert near["readingsStored"] == 1
    sensor = await _sensor(client, mine)
    assert sensor["lastValue"] == 0.3
    assert datetime.fromisoformat(sensor["lastReadingAt"]) <= datetime.now(UTC)
    await ingest(client, token, seq=3, readings=[reading("CH4-L", 1.4, datetime.now(UTC) + timedelta(seconds=1))])
    assert (await _sensor(client, mine))["lastValue"] == 1.4


async def test_a_bad_alarm_change_detail_never_fails_the_batch(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-D")
    t = now()
    await ingest(client, token, seq=1, readings=[], changes=[
        change("CH4-D", "LEVEL_CHANGED", "ALARM", 1.6, t), change("CH4-D", "POWER_CUT", "ALARM", 1.6, t)])
    result = await ingest(client, token, seq=2, readings=[reading("CH4-D", 0.4, t + timedelta(seconds=2))], changes=[
        change("CH4-D", "LEVEL_CHANGED", "NORMAL", 0.4, t + timedelta(seconds=2), detail="   "),
        change("CH4-D", "POWER_RESTORED", "NORMAL", 0.4, t + timedelta(seconds=2), detail="x" * 5000)])
    assert result["__typename"] == "SensorBatchAccepted", result
    assert (result["readingsStored"], result["alarmChangesRejected"]) == (1, 0)
    async with platform.session_factory() as session:
        alerts = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id))).all()
    assert {a.state.value for a in alerts} == {"RESOLVED"}
    notes = {a.severity.value: a.resolution_note for a in alerts}
    assert notes["ALARM"] == "CH4-D back to normal" and notes["CRITICAL"] == "x" * 4000
    sensor = await _sensor(client, mine)
    assert (sensor["level"], sensor["powerCut"], sensor["lastValue"]) == ("NORMAL", False, 0.4)


async def test_batch_ids_are_the_bridges_own(client, make_mine, platform) -> None:
    mine = await make_mine()
    first = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    async with platform.session_factory() as session:
        _, second = await accounts_service.register_device(session=session, mine_id=mine.mine_id, name="bridge 2",
                                                           kind=DeviceKind.SENSOR_BRIDGE, area_id=mine.areas[0])
        await session.commit()
    await add_sensor(client, mine, "CH4-A")
    await add_sensor(client, mine, "CH4-B")
    t = now()
    one = await ingest(client, first, seq=1, batch_id="b-1", readings=[reading("CH4-A", 0.2, t)])
    two = await ingest(client, second, seq=1, batch_id="b-1", readings=[reading("CH4-B", 0.3, t)])
    assert (one["duplicate"], two["duplicate"], two["readingsStored"]) == (False, False, 1)
    again = await ingest(client, second, seq=1, batch_id="b-1", readings=[reading("CH4-B", 0.3, t)])
    assert (again["duplicate"], again["readingsStored"]) == (True, 1)
    values = {s["code"]: s["lastValue"] for s in (await gql(client, SENSORS, token=mine.token("miner")))["sensors"]}
    assert values == {"CH4-A": 0.2, "CH4-B": 0.3}


async def test_power_cut_and_restore_are_audited_with_the_bridge_as_actor(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-P")
    t = now()
    await ingest(client, token, seq=1, readings=[], changes=[change("CH4-P", "POWER_CUT", "ALARM", 1.6, t,
                                                                    detail="CH4 1.6 ≥ 1.5: cut")])
    # the restore resolves the alert; then a second cut and restore while no alert is open still leave a trail
    await ingest(client, token, seq=2, readings=[], changes=[
        change("CH4-P", "POWER_RESTORED", "NORMAL", 0.5, t + timedelta(seconds=2))])
    async with platform.session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.mine_id == mine.mine_id)
                                         .order_by(AuditEntry.seq))).all()
    power = [e for e in entries if e.subject_id == sensor["id"] and e.action.startswith("sensor.power")]
    assert [e.action for e in power] == ["sensor.power_cut", "sensor.power_restored"]
    assert {(e.actor_kind, e.actor_name) for e in power} == {("device", "SENSOR_BRIDGE 1")}
    assert power[0].before["power_cut"] is False and power[0].after["power_cut"] is True
    assert power[0].reason == "CH4 1.6 ≥ 1.5: cut"
    alert_steps = [e for e in entries if e.subject_type == "alert"]
    assert alert_steps and {e.actor_kind for e in alert_steps} == {"device"}


async def test_control_characters_in_any_sensor_input_are_refused_never_masked(client, make_mine) -> None:
    mine = await make_mine()
    admin, token = mine.token("admin"), mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    sensor = await add_sensor(client, mine, "CH4-N")
    refused = [
        (ADD_SENSOR, {"code": "CH4-U", "kind": "CH4", "areaId": str(mine.areas[0]), "unit": "%\x00"}, "unit"),
        (ADD_SENSOR, {"code": "CH4-U", "kind": "CH4", "areaId": "a\x00"}, "areaId"),
        (UPDATE_SENSOR, {"sensorId": sensor["id"], "code": "CH4\x00"}, "code"),
        (UPDATE_SENSOR, {"sensorId": "\x00"}, "sensorId"),
        (SAVE_ZONE, {"name": "z\x85y"}, "name"),
    ]
    for operation, variables, field in refused:
        body = await gql(client, operation, {"input": variables}, token=admin, expect_errors=True)
        result = next(iter(body["data"].values()))
        assert (result["__typename"], result.get("field")) == ("ValidationFailed", field), (variables, body)
    t = now()
    result = await ingest(client, token, seq=1, readings=[reading("CH4-N\x00", 0.2, t), reading("CH4-N", 0.2, t)],
                          changes=[change("\x00", "POWER_CUT", "ALARM", 1.6, t),
                                   change("CH4-N\x7f", "LEVEL_CHANGED", "ALARM", 1.6, t)])
    assert (result["readingsStored"], result["readingsRejected"], result["alarmChangesRejected"]) == (1, 1, 2)
    for batch_id in ("b\x00", "b\x85c", "b\x1b[0m"):
        body = await ingest(client, token, seq=2, readings=[], batch_id=batch_id)
        assert (body["__typename"], body["field"]) == ("ValidationFailed", "batchId"), batch_id
