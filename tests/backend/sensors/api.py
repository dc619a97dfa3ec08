"""GraphQL operations and set-up shared by the sensor tests (and the benchmark)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx

from sensors.api import CONFIG_QUERY, INGEST_MUTATION
from tests.conftest import MineFixture, gql

SENSOR_FIELDS = """id code kind unit locationType pollingSeconds physicalMin physicalMax cutOnFault isActive
  lastValue lastReadingAt level fault powerCut online thresholdOverride area { id name } powerZone { id name }
  thresholds { warning alarm powerCut restore lowAlarm lowRestore rateDelta rateWindowSeconds }"""
SENSOR_RESULT = "__typename ... on Sensor { " + SENSOR_FIELDS + """ }
  ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }"""
ADD_SENSOR = "mutation($input: AddSensorInput!) { addSensor(input: $input) { " + SENSOR_RESULT + " } }"
UPDATE_SENSOR = "mutation($input: UpdateSensorInput!) { updateSensor(input: $input) { " + SENSOR_RESULT + " } }"
SENSORS = "query($area: ID) { sensors(areaId: $area) { " + SENSOR_FIELDS + " } }"
SET_PROFILE = """mutation($input: SetThresholdProfileInput!) { setThresholdProfile(input: $input) { __typename
  ... on ThresholdProfile { id kind locationType thresholds { warning alarm powerCut restore lowAlarm } }
  ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""
PROFILES = "{ thresholdProfiles { id kind locationType thresholds { alarm powerCut restore lowAlarm } } }"
SAVE_ZONE = """mutation($input: SavePowerZoneInput!) { savePowerZone(input: $input) { __typename
  ... on PowerZone { id name description equipment }
  ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field } } }"""
SERIES = """query($sensor: ID!, $since: DateTime, $until: DateTime, $max: Int!) {
  sensorSeries(sensorId: $sensor, since: $since, until: $until, maxPoints: $max) { at value min max count } }"""
BRIDGES = "{ sensorBridges { deviceId lastSeq batches missingSeqs outOfOrderBatches } }"
INGEST = INGEST_MUTATION.replace("alertsRaised }", "alertsRaised seqGap outOfOrder alarmChangesRejected }")


async def add_sensor(http: httpx.AsyncClient, mine: MineFixture, code: str, kind: str = "CH4", *,
                     area: int = 0, location: str | None = "WORKING_FACE", zone_id: str | None = None,
                     **extra: Any) -> dict[str, Any]:
    variables = {"input": {"code": code, "kind": kind, "areaId": str(mine.areas[area]), "locationType": location,
                           "powerZoneId": zone_id, "pollingSeconds": 2.0, **extra}}
    result = (await gql(http, ADD_SENSOR, variables, token=mine.token("admin")))["addSensor"]
    assert result["__typename"] == "Sensor", result
    return result


def reading(code: str, value: float, ts: datetime, fault: bool = False) -> dict[str, Any]:
    return {"sensorCode": code, "value": value, "ts": ts.isoformat(), "fault": fault}


def change(code: str, event: str, level: str, value: float | None, ts: datetime, fault: str | None = None,
           detail: str = "test") -> dict[str, Any]:
    return {"sensorCode": code, "event": event, "level": level, "fault": fault, "value": value, "ts": ts.isoformat(),
            "detail": detail}


async def ingest(http: httpx.AsyncClient, token: str | None, *, seq: int, readings: list[dict[str, Any]],
                 changes: list[dict[str, Any]] | None = None, batch_id: str | None = None,
                 expect_errors: bool = False) -> dict[str, Any]:
    batch_id = str(uuid.uuid4()) if batch_id is None else batch_id
    variables = {"input": {"batchId": batch_id, "bridgeSeq": seq, "readings": readings,
                           "alarmChanges": changes or []}}
    body = await gql(http, INGEST, variables, token=token, expect_errors=expect_errors)
    return body if expect_errors else body["ingestSensorBatch"]


async def bridge_config(http: httpx.AsyncClient, token: str | None, expect_errors: bool = False) -> dict[str, Any]:
    body = await gql(http, CONFIG_QUERY, token=token, expect_errors=expect_errors)
    return body if expect_errors else body["sensorBridgeConfig"]
