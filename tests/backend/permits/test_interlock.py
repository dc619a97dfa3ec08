"""The interlock through the real ingest mutation: an alarm, a power cut or gas over the permit's limit stops the
permit at once (and tells its people through the alerts); resuming waits for the alarm to clear and a fresh gas
test. Conflicting overlaps are refused; blasting runs 一炮三检 and the three-token chain."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.audit.models import AuditEntry
from backend.org.models import Area, AreaKind
from contracts.alerts import AlertSource, AlertState
from tests.backend.api import jpeg_bytes, upload
from tests.backend.permits.api import (
    CLOSE,
    FIRE,
    PASS_TOKEN,
    PERMIT,
    RESUME,
    SENSOR_TEST,
    START,
    apply,
    approve_all,
    hand_test,
    live_permit,
    now,
    place,
    step,
)
from tests.backend.sensors.api import SAVE_ZONE, add_sensor, change, ingest, reading
from tests.conftest import gql


async def _view(client, mine, permit_id):  # type: ignore[no-untyped-def]
    return (await gql(client, PERMIT, {"id": permit_id}, token=mine.token("mentor")))["permit"]


async def _permit_alerts(platform, permit_id: str) -> list[Alert]:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        return list((await session.scalars(select(Alert).where(Alert.source == AlertSource.PERMIT,
                                                               Alert.source_ref == permit_id))).all())


async def test_an_alarm_suspends_at_once_and_resuming_waits_for_it_to_clear(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-A")
    permit = await live_permit(client, platform, mine)
    t0 = now()
    result = await ingest(client, token, seq=1, readings=[reading("CH4-A", 0.3, t0)],
                          changes=[change("CH4-A", "LEVEL_CHANGED", "ALARM", 1.1, t0)])
    assert result["alertsRaised"] == 1
    view = await _view(client, mine, permit["id"])  # suspended in the ingest's own transaction
    assert view["state"] == "SUSPENDED" and view["suspendReasons"][0]["cause"] == "ALARM"
    notices = await _permit_alerts(platform, permit["id"])
    assert len(notices) == 1 and notices[0].state is AlertState.RAISED and mine.user_id("mentor") in notices[0].detail
    # resuming during the alarm is refused even with a fresh, passing gas test
    await hand_test(client, mine, permit["id"], 0.2, minutes_ago=0)
    refused = await step(client, mine, RESUME, "mentor", id=permit["id"])
    assert refused["__typename"] == "InvalidTransition" and "alarm" in refused["message"]
    await ingest(client, token, seq=2, readings=[reading("CH4-A", 0.2, now())],
                 changes=[change("CH4-A", "LEVEL_CHANGED", "NORMAL", 0.2, now())])
    assert (await step(client, mine, RESUME, "mentor", id=permit["id"]))["state"] == "ACTIVE"
    notices = await _permit_alerts(platform, permit["id"])
    assert [n.state for n in notices] == [AlertState.RESOLVED]
    async with platform.session_factory() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.subject_id == permit["id"],
                                                              AuditEntry.action == "permit.suspended"))
    assert entry.actor_kind == "device" and mine.user_id("mentor") in entry.after["notified"]


async def test_an_alarm_in_another_area_or_a_warning_does_not_stop_it(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-B", area=1)
    await add_sensor(client, mine, "CH4-W")
    permit = await live_permit(client, platform, mine)
    await ingest(client, token, seq=1, readings=[], changes=[change("CH4-B", "LEVEL_CHANGED", "ALARM", 1.2, now()),
                                                             change("CH4-W", "LEVEL_CHANGED", "WARNING", 0.45,
                                                                    now())])
    assert (await _view(client, mine, permit["id"]))["state"] == "ACTIVE"


async def test_a_reading_over_the_permits_limit_suspends(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-G")
    hot = await live_permit(client, platform, mine)
    await ingest(client, token, seq=1, readings=[reading("CH4-G", 0.5, now())])  # at the limit: allowed
    assert (await _view(client, mine, hot["id"]))["state"] == "ACTIVE"
    await ingest(client, token, seq=2, readings=[reading("CH4-G", 0.62, now())])  # below any alarm, over 0.5 %
    view = await _view(client, mine, hot["id"])
    assert view["state"] == "SUSPENDED" and view["suspendReasons"][0]["cause"] == "GAS_OVER_LIMIT"
    assert "0.62" in view["suspendReasons"][0]["detail"]
    await hand_test(client, mine, hot["id"], 0.3, minutes_ago=0)
    refused = await step(client, mine, RESUME, "mentor", id=hot["id"])  # the sensor still reads 0.62
    assert "CH4" in refused["message"]
    await ingest(client, token, seq=3, readings=[reading("CH4-G", 0.3, now())])
    sensor_test = await step(client, mine, SENSOR_TEST, "mentor", input={
        "permitId": hot["id"], "sensorId": (await _sensor_id(platform, mine, "CH4-G"))})
    assert sensor_test["latestGasTest"]["source"] == "SENSOR" and sensor_test["latestGasTest"]["ch4"] == 0.3
    assert (await step(client, mine, RESUME, "mentor", id=hot["id"]))["state"] == "ACTIVE"


async def _sensor_id(platform, mine, code: str) -> str:  # type: ignore[no-untyped-def]
    from backend.sensors.models import Sensor

    async with platform.session_factory() as session:
        return str(await session.scalar(select(Sensor.id).where(Sensor.mine_id == mine.mine_id, Sensor.code == code)))


async def test_a_power_cut_suspends(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-P")
    permit = await live_permit(client, platform, mine, "ROOF_SUPPORT")
    await ingest(client, token, seq=1, readings=[], changes=[change("CH4-P", "POWER_CUT", "ALARM", 1.6, now())])
    view = await _view(client, mine, permit["id"])
    assert view["state"] == "SUSPENDED" and {r["cause"] for r in view["suspendReasons"]} == {"POWER_CUT"}


async def test_the_sweep_catches_what_no_event_told(client, make_mine, platform) -> None:
    from backend.permits import interlock

    mine = await make_mine()
    permit = await live_permit(client, platform, mine)
    await place(platform, mine, "mentor", None, notify=False)  # positioning lost the guardian, no event came
    async with platform.session_factory() as session:
        _, stopped = await interlock.sweep(session)
        await session.commit()
    assert stopped >= 1
    assert (await _view(client, mine, permit["id"]))["suspendReasons"][0]["cause"] == "GUARDIAN_LEFT"


async def _same_district(platform, mine) -> None:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        district = Area(mine_id=mine.mine_id, name=f"District {uuid.uuid4().hex[:6]}", kind=AreaKind.DISTRICT)
        session.add(district)
        await session.flush()
        for area_id in mine.areas[:2]:
            (await session.get(Area, area_id)).parent_id = district.id
        await session.commit()


def _blast_roles(mine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"blasterId": mine.user_id("miner"), "teamLeaderId": mine.user_id("team_leader"),
            "gasInspectorId": mine.user_id("safety_officer2")}


async def test_hot_work_beside_blasting_is_refused(client, make_mine, platform) -> None:
    mine = await make_mine()
    await _same_district(platform, mine)
    blast = await apply(client, mine, "BLASTING", area=1, blastRoles=_blast_roles(mine))
    assert blast["__typename"] == "Permit", blast
    beside = await apply(client, mine, "HOT_WORK", area=0)  # same district, overlapping window
    assert beside["__typename"] == "ValidationFailed" and "BLASTING" in beside["message"]
    later = await apply(client, mine, "HOT_WORK", area=0, starts_in=5)  # after the blasting window
    assert later["__typename"] == "Permit"
    apart = await apply(client, mine, "HOT_WORK", area=2)  # another district: fine
    assert apart["__typename"] == "Permit"
    roof = await apply(client, mine, "ROOF_SUPPORT", area=0)  # kinds that do not exclude each other
    assert roof["__typename"] == "Permit"


async def test_work_on_equipment_whose_power_is_not_isolated_is_refused(client, make_mine, platform) -> None:
    mine = await make_mine()
    zone = (await gql(client, SAVE_ZONE, {"input": {"name": f"zone-{uuid.uuid4().hex[:6]}",
                                                    "equipment": ["shearer"]}},
                      token=mine.token("admin")))["savePowerZone"]
    refused = await apply(client, mine, "ROOF_SUPPORT", powerZoneId=zone["id"])
    assert refused["__typename"] == "ValidationFailed" and refused["field"] == "powerZoneId"
    isolation = await live_permit(client, platform, mine, "ELECTRICAL_ISOLATION", hours=6, powerZoneId=zone["id"])
    work = await apply(client, mine, "ROOF_SUPPORT", hours=3, powerZoneId=zone["id"])
    assert work["__typename"] == "Permit", work
    # power stays off while the work runs: the isolation cannot close
    await approve_all(client, mine, work)
    await hand_test(client, mine, work["id"])
    assert (await step(client, mine, START, "team_leader", id=work["id"]))["state"] == "ACTIVE"
    key = await upload(client, mine.token("team_leader"), jpeg_bytes())
    refused = await step(client, mine, CLOSE, "team_leader", input={"permitId": isolation["id"], "photoKeys": [key]})
    assert refused["__typename"] == "InvalidTransition" and "power stays off" in refused["message"]


async def test_blasting_three_checks_and_the_token_chain(client, make_mine, platform) -> None:
    mine = await make_mine()
    permit = await apply(client, mine, "BLASTING", blastRoles=_blast_roles(mine))
    await approve_all(client, mine, permit)
    # only the permit's gas inspector enters blasting's checks
    assert (await hand_test(client, mine, permit["id"], who="safety_officer", stage="PRE_CHARGE"))["__typename"] \
        == "NotAllowed"
    await hand_test(client, mine, permit["id"], 0.4, stage="PRE_CHARGE")
    for who in ("mentor", "team_leader", "miner", "miner2", "safety_officer2"):
        await place(platform, mine, who, 0, notify=False)
    assert (await step(client, mine, START, "team_leader", id=permit["id"]))["state"] == "ACTIVE"
    refused = await step(client, mine, FIRE, "miner", id=permit["id"])
    assert refused["__typename"] == "InvalidTransition" and "PRE_FIRE" in refused["message"]
    # the chain in order: blaster → team leader → gas inspector → blaster
    assert (await step(client, mine, PASS_TOKEN, "team_leader", id=permit["id"]))["__typename"] == "NotAllowed"
    assert (await step(client, mine, PASS_TOKEN, "miner", id=permit["id"]))["tokenHolderRole"] == "team_leader"
    assert (await step(client, mine, PASS_TOKEN, "team_leader", id=permit["id"]))["tokenHolderRole"] == \
        "gas_inspector"
    no_check = await step(client, mine, PASS_TOKEN, "safety_officer2", id=permit["id"])
    assert no_check["__typename"] == "InvalidTransition"  # the gas before firing is checked first
    high = await hand_test(client, mine, permit["id"], 1.0, stage="PRE_FIRE", minutes_ago=0)
    assert high["latestGasTest"]["passed"] is False  # blasting: CH4 must stay below 1.0 %
    assert (await step(client, mine, PASS_TOKEN, "safety_officer2", id=permit["id"]))["__typename"] == \
        "InvalidTransition"
    await hand_test(client, mine, permit["id"], 0.5, stage="PRE_FIRE", minutes_ago=0)
    back = await step(client, mine, PASS_TOKEN, "safety_officer2", id=permit["id"])
    assert back["tokenHolderRole"] == "blaster" and back["tokenPasses"] == 3
    assert (await step(client, mine, FIRE, "team_leader", id=permit["id"]))["__typename"] == "NotAllowed"
    fired = await step(client, mine, FIRE, "miner", id=permit["id"])
    assert fired["firedAt"] is not None
    key = await upload(client, mine.token("team_leader"), jpeg_bytes())
    close = {"permitId": permit["id"], "photoKeys": [key]}
    refused = await step(client, mine, CLOSE, "team_leader", input=close)
    assert refused["__typename"] == "InvalidTransition" and "after firing" in refused["message"]
    await hand_test(client, mine, permit["id"], 0.3, stage="POST_FIRE", minutes_ago=0)
    assert (await step(client, mine, CLOSE, "team_leader", input=close))["state"] == "CLOSED"


async def test_a_gas_test_from_a_sensor_must_be_in_the_area_and_fresh(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CH4-X", area=1)
    await add_sensor(client, mine, "CH4-Y")
    permit = await apply(client, mine)
    elsewhere = await step(client, mine, SENSOR_TEST, "team_leader", input={
        "permitId": permit["id"], "sensorId": await _sensor_id(platform, mine, "CH4-X")})
    assert elsewhere["__typename"] == "ValidationFailed"
    await ingest(client, token, seq=1, readings=[reading("CH4-Y", 0.2, now() - timedelta(minutes=5))])
    stale = await step(client, mine, SENSOR_TEST, "team_leader", input={
        "permitId": permit["id"], "sensorId": await _sensor_id(platform, mine, "CH4-Y")})
    assert stale["__typename"] == "ValidationFailed" and "fresh" in stale["message"]
    refused = await step(client, mine, SENSOR_TEST, "miner2", input={
        "permitId": permit["id"], "sensorId": await _sensor_id(platform, mine, "CH4-Y")})
    assert refused["__typename"] == "NotAllowed"


async def test_an_alarm_judged_false_no_longer_holds_the_work(client, make_mine, platform) -> None:
    from tests.backend.alerts.api import ACKNOWLEDGE

    mine = await make_mine()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await add_sensor(client, mine, "CO-F", kind="CO", location=None)
    permit = await live_permit(client, platform, mine)
    await ingest(client, token, seq=1, readings=[], changes=[change("CO-F", "LEVEL_CHANGED", "ALARM", 30, now())])
    assert (await _view(client, mine, permit["id"]))["state"] == "SUSPENDED"
    async with platform.session_factory() as session:
        alert_id = await session.scalar(select(Alert.id).where(Alert.mine_id == mine.mine_id,
                                                               Alert.source == AlertSource.SENSOR))
    verdict = {"alertId": str(alert_id), "verdict": "FALSE_ALARM", "note": "portable meter reads 3 ppm"}
    await gql(client, ACKNOWLEDGE, {"input": verdict}, token=mine.token("safety_officer"))
    await hand_test(client, mine, permit["id"], 0.2, minutes_ago=0)
    assert (await step(client, mine, RESUME, "mentor", id=permit["id"]))["state"] == "ACTIVE"
