"""Registry edits of one mine take turns (the mine's lock): limits in force stay consistent for the bridge, and
concurrent duplicates are a ValidationFailed (or one upserted profile), never an unexpected error."""

from __future__ import annotations

import asyncio
from typing import Any

from backend.accounts.models import DeviceKind
from backend.sensors.rules import ThresholdValues, threshold_problems
from tests.backend.sensors.api import (
    ADD_SENSOR,
    PROFILES,
    SAVE_ZONE,
    SET_PROFILE,
    UPDATE_SENSOR,
    add_sensor,
    bridge_config,
)
from tests.conftest import gql


def outcomes(bodies: list[dict[str, Any]]) -> list[str]:
    """Each result's type (or the error's message), the field of a ValidationFailed."""
    found = []
    for body in bodies:
        assert not body.get("errors"), body["errors"]
        result = next(iter(body["data"].values()))
        found.append(result["__typename"] + (f":{result['field']}" if result.get("field") else ""))
    return sorted(found)


async def test_profile_and_override_edited_at_once_stay_consistent(client, make_mine) -> None:
    for _ in range(4):
        mine = await make_mine()
        sensor = await add_sensor(client, mine, "CH4-R")
        admin = mine.token("admin")
        bodies = await asyncio.gather(
            gql(client, UPDATE_SENSOR, {"input": {"sensorId": sensor["id"], "thresholdOverride": {"powerCut": 1.2}}},
                token=admin, expect_errors=True),
            gql(client, SET_PROFILE, {"input": {"kind": "CH4", "locationType": "WORKING_FACE", "thresholds": {
                "alarm": 1.3, "powerCut": 1.5, "restore": 1.3}}}, token=admin, expect_errors=True))
        kinds = outcomes(bodies)
        assert "Sensor" in kinds or "ThresholdProfile" in kinds, kinds  # the second may be refused, never both
        config = await bridge_config(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE])
        assert not threshold_problems(ThresholdValues(**config["sensors"][0]["thresholds"])), config


async def test_concurrent_duplicates_are_validation_failures(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    sensor = {"input": {"code": "CH4-X", "kind": "CH4", "areaId": str(mine.areas[0]), "locationType": "WORKING_FACE"}}
    bodies = await asyncio.gather(*[gql(client, ADD_SENSOR, sensor, token=admin, expect_errors=True)
                                    for _ in range(4)])
    assert outcomes(bodies) == ["Sensor"] + ["ValidationFailed:code"] * 3

    zone = {"input": {"name": "Z1", "equipment": ["shearer"]}}
    bodies = await asyncio.gather(*[gql(client, SAVE_ZONE, zone, token=admin, expect_errors=True) for _ in range(4)])
    assert outcomes(bodies) == ["PowerZone"] + ["ValidationFailed:name"] * 3


async def test_a_new_profile_set_concurrently_is_one_profile(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    profile = {"input": {"kind": "CO", "locationType": "HEADING_FACE", "thresholds": {"alarm": 24.0}}}
    bodies = await asyncio.gather(*[gql(client, SET_PROFILE, profile, token=admin, expect_errors=True)
                                    for _ in range(4)])  # the mine's first use too: profiles preloaded once
    assert outcomes(bodies) == ["ThresholdProfile"] * 4
    assert len({next(iter(b["data"].values()))["id"] for b in bodies}) == 1
    profiles = (await gql(client, PROFILES, token=admin))["thresholdProfiles"]
    assert [p["thresholds"]["alarm"] for p in profiles
            if (p["kind"], p["locationType"]) == ("CO", "HEADING_FACE")] == [24.0]
