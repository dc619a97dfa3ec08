"""Sensor online rate and data availability: pure arithmetic, and the query with its scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.database.base import utcnow
from backend.kpi.rules import SensorFact, expected_readings, sensor_kpis
from backend.sensors.models import Sensor, SensorHourStat
from backend.sensors.rules import SensorFault, SensorKind
from tests.conftest import gql

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_expected_readings_start_when_the_sensor_was_registered() -> None:
    day = {"period_start": T0, "period_end": T0 + timedelta(hours=24), "polling_seconds": 10.0}
    assert expected_readings(registered_at=T0 - timedelta(days=3), **day) == 8640
    assert expected_readings(registered_at=T0 + timedelta(hours=12), **day) == 4320
    assert expected_readings(registered_at=T0 + timedelta(days=2), **day) == 0


def test_online_rate_and_availability_overall_and_by_kind() -> None:
    kpis = sensor_kpis([
        SensorFact(kind="CH4", online_now=True, readings_received=900, readings_expected=1000),
        SensorFact(kind="CH4", online_now=False, readings_received=0, readings_expected=1000),
        SensorFact(kind="CO", online_now=True, readings_received=5000, readings_expected=1000),  # over-reports
    ])
    assert kpis.overall.sensors == 3 and kpis.overall.online_now == 2
    assert kpis.overall.online_rate == 2 / 3
    # the chatty CO sensor counts as complete, not as making up for the silent CH4 sensor
    assert kpis.overall.data_availability == (900 + 0 + 1000) / 3000
    assert kpis.by_kind["CH4"].data_availability == 0.45
    assert sensor_kpis([]).overall.online_rate is None and sensor_kpis([]).overall.data_availability is None


KPIS = """query($from: DateTime, $area: ID) { sensorKpis(periodFrom: $from, areaId: $area) {
  overall { sensors onlineNow onlineRate readingsReceived dataAvailability } byKind { kind sensors } } }"""


async def test_the_query_covers_the_callers_mine_and_area(client, make_mine, platform) -> None:
    mine, other = await make_mine(), await make_mine()
    now = utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    async with platform.session_factory() as session:
        def sensor(m, code: str, kind: SensorKind, area: int, *, online: bool) -> Sensor:  # type: ignore[no-untyped-def]
            return Sensor(mine_id=m.mine_id, code=code, kind=kind, unit="%", area_id=m.areas[area], polling_seconds=60,
                          physical_min=0, physical_max=100, created_at=hour - timedelta(hours=10),
                          last_reading_at=now if online else now - timedelta(hours=1),
                          fault=None if online else SensorFault.SILENT)
        face, intake, co = (sensor(mine, "CH4-1", SensorKind.CH4, 0, online=True),
                            sensor(mine, "CH4-2", SensorKind.CH4, 1, online=False),
                            sensor(mine, "CO-1", SensorKind.CO, 0, online=True))
        elsewhere = sensor(other, "CH4-1", SensorKind.CH4, 0, online=True)
        session.add_all([face, intake, co, elsewhere])
        await session.flush()
        for item, count in ((face, 60), (intake, 30), (co, 60), (elsewhere, 60)):
            session.add(SensorHourStat(sensor_id=item.id, hour=hour - timedelta(hours=2), min=0.1, max=0.3, sum=count,
                                       count=count))
        await session.commit()

    since = {"from": (hour - timedelta(hours=3)).isoformat()}
    overall = (await gql(client, KPIS, since, token=mine.token("mine_manager")))["sensorKpis"]["overall"]
    assert (overall["sensors"], overall["onlineNow"], overall["readingsReceived"]) == (3, 2, 150)
    assert 0 < overall["dataAvailability"] < 1  # three hours due at one reading a minute, one hour received
    own_area = (await gql(client, KPIS, since, token=mine.token("area_manager")))["sensorKpis"]
    assert own_area["overall"]["sensors"] == 2  # the area manager's own area only
    assert {k["kind"] for k in own_area["byKind"]} == {"CH4", "CO"}
    refused = await gql(client, KPIS, since, token=mine.token("miner"), expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    future = {"from": (now + timedelta(hours=1)).isoformat()}
    bad = await gql(client, KPIS, future, token=mine.token("mine_manager"), expect_errors=True)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
