"""Issue 9.3: a bridge's health in the backend — its heartbeat (reportSensorBridgeHealth) shown by sensorBridges, only
a sensor bridge's token may send it, hostile values are refused, and a bridge that stops forwarding raises an alert
through the shared alerts (resolved once it forwards again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.sensors import flows
from backend.sensors.rules import BridgeStatus, bridge_alert_key, bridge_status
from contracts.alerts import AlertSeverity, AlertSource, AlertState
from sensors.api import HEALTH_MUTATION, BridgeHealth
from tests.backend.sensors.api import add_sensor, ingest, reading
from tests.conftest import gql

BRIDGE_VIEW = """{ sensorBridges { deviceId name status statusDetail lastBatchAt batches reportedAt clientId startedAt
  mqttConnected readingsIn malformed readingsRejected outboxBatches deadLetters lastForwardAt forwardFailures
  configSensors } }"""


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def health(**overrides: Any) -> dict[str, Any]:
    base = BridgeHealth(client_id="bridge-1", started_at=now() - timedelta(minutes=5), mqtt_connected=True,
                        readings_in=3_000_000_000, malformed=7, readings_rejected=2, outbox_batches=0,
                        dead_letters=1, last_forward_at=now() - timedelta(seconds=1), forward_failures=3,
                        config_sensors=9).to_graphql_input()
    return base | overrides


async def report(client, token: str | None, expect_errors: bool = False, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = await gql(client, HEALTH_MUTATION, {"input": health(**overrides)}, token=token,
                     expect_errors=expect_errors)
    return body if expect_errors else body["reportSensorBridgeHealth"]


async def test_a_heartbeat_shows_the_bridges_health(client, make_mine) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    assert (await gql(client, BRIDGE_VIEW, token=mine.token("safety_officer")))["sensorBridges"] == []
    result = await report(client, token)
    assert result == {"__typename": "SensorBridge", "deviceId": result["deviceId"], "status": "OK"}
    [bridge] = (await gql(client, BRIDGE_VIEW, token=mine.token("safety_officer")))["sensorBridges"]
    assert bridge["status"] == "OK" and bridge["batches"] == 0 and bridge["lastBatchAt"] is None
    assert (bridge["readingsIn"], bridge["malformed"], bridge["readingsRejected"], bridge["deadLetters"],
            bridge["forwardFailures"], bridge["configSensors"]) == (3_000_000_000, 7, 2, 1, 3, 9)
    assert bridge["clientId"] == "bridge-1" and bridge["mqttConnected"] is True and bridge["reportedAt"]
    # batches then count as before, on the same row
    await add_sensor(client, mine, "CH4-1")
    await ingest(client, token, seq=1, readings=[reading("CH4-1", 0.3, now())])
    [bridge] = (await gql(client, BRIDGE_VIEW, token=mine.token("miner")))["sensorBridges"]
    assert bridge["batches"] == 1 and bridge["lastBatchAt"] and bridge["malformed"] == 7


async def test_times_from_a_clock_ahead_never_pass_the_servers(client, make_mine) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    ahead = (now() + timedelta(days=1)).isoformat()
    await report(client, token, lastForwardAt=ahead, startedAt=ahead)
    [bridge] = (await gql(client, BRIDGE_VIEW, token=mine.token("admin")))["sensorBridges"]
    for name in ("lastForwardAt", "startedAt"):
        assert datetime.fromisoformat(bridge[name]) <= datetime.now(UTC)


async def test_only_a_sensor_bridge_may_report(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    for token in (mine.device_tokens[DeviceKind.CAMERA], mine.device_tokens[DeviceKind.ROBOT], mine.token("admin"),
                  mine.token("mine_manager")):
        assert (await report(client, token))["__typename"] == "NotAllowed"
    body = await report(client, None, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await report(client, "msd_forged", expect_errors=True)
    assert body.get("errors") or body["data"]["reportSensorBridgeHealth"]["__typename"] == "NotAllowed"
    await report(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE])
    assert (await gql(client, BRIDGE_VIEW, token=other.token("admin")))["sensorBridges"] == []  # never another mine's
    body = await gql(client, BRIDGE_VIEW, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"malformed": -1}, "malformed"),
    ({"outboxBatches": 2**60}, "outboxBatches"),
    ({"configSensors": -5}, "configSensors"),
    ({"clientId": "bridge\x00-1"}, "clientId"),
    ({"clientId": "x" * 65}, "clientId"),
    ({"clientId": "   "}, "clientId"),
])
async def test_hostile_heartbeats_are_validation_failures(client, make_mine, overrides: dict[str, Any],
                                                         field: str) -> None:
    mine = await make_mine()
    result = await report(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE], **overrides)
    assert result["__typename"] == "ValidationFailed" and result["field"] == field, result
    assert (await gql(client, BRIDGE_VIEW, token=mine.token("admin")))["sensorBridges"] == []


@pytest.mark.parametrize("overrides", [{"readingsIn": 1.5}, {"readingsIn": "many"}, {"startedAt": "yesterday"},
                                       {"mqttConnected": "yes"}, {"malformed": None}])
async def test_malformed_heartbeats_are_refused_by_the_schema(client, make_mine, overrides: dict[str, Any]) -> None:
    mine = await make_mine()
    body = await report(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE], expect_errors=True, **overrides)
    assert body.get("errors") and not body.get("data")


def test_the_status_rule() -> None:
    t = now()
    ok = bridge_status(last_batch_at=t - timedelta(seconds=5), reported_at=t, outbox_batches=2, now=t, stall_s=120)
    assert ok[0] is BridgeStatus.OK  # a batch or two in flight
    assert bridge_status(last_batch_at=None, reported_at=None, outbox_batches=0, now=t, stall_s=120)[0] \
        is BridgeStatus.SILENT
    silent = bridge_status(last_batch_at=t - timedelta(minutes=5), reported_at=t - timedelta(minutes=3),
                           outbox_batches=0, now=t, stall_s=120)
    assert silent[0] is BridgeStatus.SILENT and "since" in silent[1]
    stuck = bridge_status(last_batch_at=t - timedelta(minutes=5), reported_at=t, outbox_batches=40, now=t,
                          stall_s=120)
    assert stuck[0] is BridgeStatus.NOT_FORWARDING and "40 batch" in stuck[1]
    fresh = bridge_status(last_batch_at=None, reported_at=t, outbox_batches=3, now=t, stall_s=120,
                          started_at=t - timedelta(seconds=2))
    assert fresh[0] is BridgeStatus.OK  # just started: its first batches are on their way
    assert bridge_status(last_batch_at=None, reported_at=t, outbox_batches=3, now=t, stall_s=120,
                         started_at=t - timedelta(minutes=3))[0] is BridgeStatus.NOT_FORWARDING


async def bridge_alerts(platform, mine) -> list[Alert]:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        return list((await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                               Alert.dedupe_key.like("sensor-bridge:%"))
                                           .order_by(Alert.first_raised_at))).all())


async def check(platform, mine, at: datetime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        result = await flows.check_bridges(session, settings=platform.settings, now=at, mine_id=mine.mine_id)
        await session.commit()
    return result


async def test_a_bridge_that_stops_forwarding_raises_one_alert_resolved_when_it_forwards(client, make_mine,
                                                                                        platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-1")
    await ingest(client, token, seq=1, readings=[reading("CH4-1", 0.3, now())])
    await report(client, token)
    assert await check(platform, mine, datetime.now(UTC)) == (0, 0)
    later = datetime.now(UTC) + timedelta(seconds=platform.settings.sensor_bridge_stall_seconds + 5)
    assert await check(platform, mine, later) == (1, 0)
    assert await check(platform, mine, later + timedelta(minutes=1)) == (0, 0)  # one alert, not one per check
    [alert] = await bridge_alerts(platform, mine)
    assert (alert.source, alert.severity, alert.state) == (AlertSource.SENSOR, AlertSeverity.ALARM, AlertState.RAISED)
    assert alert.dedupe_key == bridge_alert_key(alert.source_ref) and "silent" in alert.title
    [view] = (await gql(client, BRIDGE_VIEW, token=mine.token("admin")))["sensorBridges"]
    assert view["deviceId"] == alert.source_ref
    # it comes back: a batch and a heartbeat, and the next check resolves the alert
    await ingest(client, token, seq=2, readings=[reading("CH4-1", 0.3, now())])
    await report(client, token)
    assert await check(platform, mine, datetime.now(UTC)) == (0, 1)
    [alert] = await bridge_alerts(platform, mine)
    assert alert.state is AlertState.RESOLVED


async def test_a_bridge_that_reports_but_cannot_forward_raises_an_alert(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await report(client, token, outboxBatches=250, startedAt=(now() - timedelta(hours=1)).isoformat())
    [view] = (await gql(client, BRIDGE_VIEW, token=mine.token("admin")))["sensorBridges"]
    assert view["status"] == "NOT_FORWARDING" and "250 batch" in view["statusDetail"]
    assert await check(platform, mine, datetime.now(UTC)) == (1, 0)
    [alert] = await bridge_alerts(platform, mine)
    assert "not forwarding" in alert.title and "250 batch" in alert.detail
