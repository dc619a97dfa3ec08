"""The sensor registry: admin edits (role and mine checked, audited), threshold profiles, power zones,
and the bridge's config in its own SensorConfig format."""

from __future__ import annotations

from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.audit.models import AuditEntry
from sensors.api import BridgeConfig
from tests.backend.sensors.api import (
    ADD_SENSOR,
    PROFILES,
    SAVE_ZONE,
    SENSORS,
    SET_PROFILE,
    UPDATE_SENSOR,
    add_sensor,
    bridge_config,
)
from tests.conftest import gql


async def test_profiles_are_preloaded_from_domain_md_and_edits_are_audited(client, make_mine, platform) -> None:
    mine = await make_mine()
    profiles = (await gql(client, PROFILES, token=mine.token("miner")))["thresholdProfiles"]
    by_key = {(p["kind"], p["locationType"]): p["thresholds"] for p in profiles}
    assert by_key[("CH4", "WORKING_FACE")] == {"alarm": 1.0, "powerCut": 1.5, "restore": 1.0, "lowAlarm": None}
    assert by_key[("CH4", "WORKING_FACE_RETURN")]["powerCut"] == 1.0
    assert by_key[("O2", None)]["lowAlarm"] == 20.0
    assert by_key[("CO", None)]["alarm"] == 24.0

    change = {"input": {"kind": "CH4", "locationType": "WORKING_FACE",
                        "thresholds": {"alarm": 0.8, "powerCut": 1.2, "restore": 0.8}}}
    refused = (await gql(client, SET_PROFILE, change, token=mine.token("safety_officer")))["setThresholdProfile"]
    assert refused["__typename"] == "NotAllowed"
    done = (await gql(client, SET_PROFILE, change, token=mine.token("admin")))["setThresholdProfile"]
    assert done["thresholds"] == {"warning": None, "alarm": 0.8, "powerCut": 1.2, "restore": 0.8, "lowAlarm": None}
    bad = {"input": {"kind": "CH4", "locationType": "WORKING_FACE",
                     "thresholds": {"alarm": 1.0, "powerCut": 0.5}}}
    invalid = (await gql(client, SET_PROFILE, bad, token=mine.token("admin")))["setThresholdProfile"]
    assert invalid["__typename"] == "ValidationFailed" and "power cut" in invalid["message"]

    async with platform.session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).where(
            AuditEntry.mine_id == mine.mine_id, AuditEntry.action == "sensor_thresholds.changed"))).all()
    assert len(entries) == 1
    assert entries[0].before["alarm"] == 1.0 and entries[0].before["power_cut"] == 1.5
    assert entries[0].after["alarm"] == 0.8 and entries[0].after["power_cut"] == 1.2
    assert entries[0].actor_role == "admin"


async def test_admin_registers_sensors_and_zones_in_own_mine_only(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    zone = (await gql(client, SAVE_ZONE, {"input": {"name": "wf1", "description": "longwall face",
                                                    "equipment": ["shearer", "AFC", "stage loader"]}},
                      token=mine.token("admin")))["savePowerZone"]
    assert zone["__typename"] == "PowerZone" and zone["equipment"] == ["shearer", "AFC", "stage loader"]
    dup = (await gql(client, SAVE_ZONE, {"input": {"name": "wf1"}}, token=mine.token("admin")))["savePowerZone"]
    assert dup["__typename"] == "ValidationFailed"

    sensor = await add_sensor(client, mine, "WF1-CH4-01", zone_id=zone["id"], cutOnFault=True)
    assert sensor["unit"] == "%" and sensor["physicalMin"] == 0 and sensor["physicalMax"] == 100
    assert sensor["thresholds"]["powerCut"] == 1.5 and sensor["powerZone"]["name"] == "wf1"
    assert sensor["online"] is False and sensor["level"] == "NORMAL"

    twice = {"input": {"code": "WF1-CH4-01", "kind": "CO", "areaId": str(mine.areas[0])}}
    assert (await gql(client, ADD_SENSOR, twice, token=mine.token("admin")))["addSensor"]["__typename"] \
        == "ValidationFailed"
    same_code_elsewhere = {"input": {"code": "WF1-CH4-01", "kind": "CH4", "areaId": str(other.areas[0])}}
    assert (await gql(client, ADD_SENSOR, same_code_elsewhere, token=other.token("admin")))["addSensor"][
        "__typename"] == "Sensor"
    foreign_area = {"input": {"code": "X-1", "kind": "CH4", "areaId": str(other.areas[0])}}
    assert (await gql(client, ADD_SENSOR, foreign_area, token=mine.token("admin")))["addSensor"]["__typename"] \
        == "ValidationFailed"
    by_miner = {"input": {"code": "X-2", "kind": "CH4", "areaId": str(mine.areas[0])}}
    assert (await gql(client, ADD_SENSOR, by_miner, token=mine.token("miner")))["addSensor"]["__typename"] \
        == "NotAllowed"
    bad_code = {"input": {"code": "bad/code", "kind": "CH4", "areaId": str(mine.areas[0])}}
    assert (await gql(client, ADD_SENSOR, bad_code, token=mine.token("admin")))["addSensor"]["__typename"] \
        == "ValidationFailed"

    override = {"input": {"sensorId": sensor["id"], "thresholdOverride": {"alarm": 0.9, "restore": 0.9},
                          "areaId": str(mine.areas[1])}}
    updated = (await gql(client, UPDATE_SENSOR, override, token=mine.token("admin")))["updateSensor"]
    assert updated["thresholds"]["alarm"] == 0.9 and updated["thresholds"]["powerCut"] == 1.5
    assert updated["area"]["id"] == str(mine.areas[1])
    from_other = (await gql(client, UPDATE_SENSOR, {"input": {"sensorId": sensor["id"], "unit": "x"}},
                            token=other.token("admin")))["updateSensor"]
    assert from_other["__typename"] == "NotFound"
    inconsistent = {"input": {"sensorId": sensor["id"], "thresholdOverride": {"restore": 5.0}}}
    assert (await gql(client, UPDATE_SENSOR, inconsistent, token=mine.token("admin")))["updateSensor"][
        "__typename"] == "ValidationFailed"

    in_area = (await gql(client, SENSORS, {"area": str(mine.areas[1])}, token=mine.token("miner")))["sensors"]
    assert [s["code"] for s in in_area] == ["WF1-CH4-01"]
    assert (await gql(client, SENSORS, {"area": str(mine.areas[0])}, token=mine.token("miner")))["sensors"] == []
    assert [s["code"] for s in (await gql(client, SENSORS, token=other.token("miner")))["sensors"]] == ["WF1-CH4-01"]


async def test_bridge_config_is_the_bridges_own_format(client, make_mine) -> None:
    mine = await make_mine()
    zone = (await gql(client, SAVE_ZONE, {"input": {"name": "hf1"}}, token=mine.token("admin")))["savePowerZone"]
    await add_sensor(client, mine, "HF1-CH4-01", location="HEADING_FACE", zone_id=zone["id"], cutOnFault=True)
    await add_sensor(client, mine, "WF1-O2-01", kind="O2", location="WORKING_FACE_INTAKE")
    await add_sensor(client, mine, "R-1", kind="ROOF_SEPARATION", location=None)
    result = await bridge_config(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE])
    assert result["__typename"] == "SensorBridgeConfig"
    config = BridgeConfig(mine_code=result["mineCode"], sensors=result["sensors"])  # the bridge's own parsing
    assert config.mine_code == mine.users["admin"].username.rsplit("-", 1)[1].lower()
    by_id = {s.sensor_id: s for s in config.sensors}
    assert by_id["HF1-CH4-01"].power_zone == "hf1" and by_id["HF1-CH4-01"].cut_on_fault
    assert by_id["HF1-CH4-01"].thresholds.power_cut == 1.5 and by_id["HF1-CH4-01"].polling_seconds == 2.0
    assert by_id["WF1-O2-01"].thresholds.low_alarm == 20.0
    assert by_id["R-1"].thresholds.rate_delta == 2.0 and by_id["R-1"].thresholds.rate_window_s == 3600


async def test_bridge_config_needs_a_sensor_bridge_token(client, make_mine) -> None:
    mine = await make_mine()
    for token in (mine.device_tokens[DeviceKind.CAMERA], mine.device_tokens[DeviceKind.VISION_WORKER],
                  mine.token("admin")):
        assert (await bridge_config(client, token))["__typename"] == "NotAllowed"
    body = await bridge_config(client, None, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await bridge_config(client, "msd_not-a-real-token", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_limits_in_force_stay_consistent_for_the_bridge(client, make_mine) -> None:
    mine = await make_mine()
    sensor = await add_sensor(client, mine, "CH4-1", thresholdOverride={"alarm": 0.9, "restore": 0.9})
    assert sensor["thresholdOverride"] == {"alarm": 0.9, "restore": 0.9}
    # a profile whose power cut falls below the sensor's own alarm level would break the bridge's config
    lower = {"input": {"kind": "CH4", "locationType": "WORKING_FACE",
                       "thresholds": {"alarm": 0.7, "powerCut": 0.8, "restore": 0.7}}}
    refused = (await gql(client, SET_PROFILE, lower, token=mine.token("admin")))["setThresholdProfile"]
    assert refused["__typename"] == "ValidationFailed" and "CH4-1" in refused["message"]
    # moving the sensor where the profile's power cut is 0.5 would too
    moved = {"input": {"sensorId": sensor["id"], "locationType": "INTAKE_HIGH_GAS"}}
    assert (await gql(client, UPDATE_SENSOR, moved, token=mine.token("admin")))["updateSensor"]["__typename"] \
        == "ValidationFailed"
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    config = await bridge_config(client, token)
    assert BridgeConfig(mine_code=config["mineCode"], sensors=config["sensors"]).sensors[0].thresholds.alarm == 0.9


async def test_names_with_control_characters_are_refused(client, make_mine) -> None:
    mine = await make_mine()
    for zone in ({"name": "wf\x001"}, {"name": "wf1", "description": "a\nb"}, {"name": "wf1", "equipment": ["a\x1b"]}):
        result = (await gql(client, SAVE_ZONE, {"input": zone}, token=mine.token("admin")))["savePowerZone"]
        assert result["__typename"] == "ValidationFailed", zone
    for code in ("CH4\x00", "-CH4", "CH4 1", "Ч-1"):
        variables = {"input": {"code": code, "kind": "CH4", "areaId": str(mine.areas[0])}}
        assert (await gql(client, ADD_SENSOR, variables, token=mine.token("admin")))["addSensor"]["__typename"] \
            == "ValidationFailed", code


async def test_people_read_their_own_mines_sensors_and_zones(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    zone = (await gql(client, SAVE_ZONE, {"input": {"name": "wf1", "equipment": ["shearer"]}},
                      token=mine.token("admin")))["savePowerZone"]
    sensor = await add_sensor(client, mine, "CH4-1", zone_id=zone["id"])
    one = "query($id: ID!) { sensor(id: $id) { code powerZone { name equipment } } }"
    assert (await gql(client, one, {"id": sensor["id"]}, token=mine.token("miner")))["sensor"] == {
        "code": "CH4-1", "powerZone": {"name": "wf1", "equipment": ["shearer"]}}
    assert (await gql(client, one, {"id": sensor["id"]}, token=other.token("mine_manager")))["sensor"] is None
    zones = "{ powerZones { name equipment } }"
    assert (await gql(client, zones, token=mine.token("safety_officer")))["powerZones"] == [
        {"name": "wf1", "equipment": ["shearer"]}]
    assert (await gql(client, zones, token=other.token("admin")))["powerZones"] == []
    renamed = (await gql(client, SAVE_ZONE, {"input": {"zoneId": zone["id"], "name": "wf-1"}},
                         token=mine.token("admin")))["savePowerZone"]
    assert renamed["name"] == "wf-1" and renamed["equipment"] == []
    from_other = (await gql(client, SAVE_ZONE, {"input": {"zoneId": zone["id"], "name": "x"}},
                            token=other.token("admin")))["savePowerZone"]
    assert from_other["__typename"] == "NotFound"
    body = await gql(client, SENSORS, token=mine.device_tokens[DeviceKind.SENSOR_BRIDGE], expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
