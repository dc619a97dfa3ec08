"""The bridge's GraphQL calls (contracts.client): fetch its config, forward batches. Never imports backend code."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, Field

from contracts.client import GraphQLClient, union_result
from contracts.errors import ErrorCode
from sensors.rules import AlarmChange, SensorConfig

logger = logging.getLogger(__name__)

CONFIG_QUERY = """
query SensorBridgeConfig {
  sensorBridgeConfig {
    __typename
    ... on SensorBridgeConfig { mineCode sensors }
    ... on NotAllowed { message }
  }
}
"""

INGEST_MUTATION = """
mutation IngestSensorBatch($input: SensorBatchInput!) {
  ingestSensorBatch(input: $input) {
    __typename
    ... on SensorBatchAccepted { batchId bridgeSeq duplicate readingsStored readingsRejected alertsRaised }
    ... on NotAllowed { message }
    ... on ValidationFailed { message field }
  }
}
"""


SIGHTING_MUTATION = """
mutation IngestSightingBatch($input: SightingBatchInput!) {
  ingestSightingBatch(input: $input) {
    __typename
    ... on SightingBatchAccepted { batchId bridgeSeq duplicate stored rejected flagged moves }
    ... on NotAllowed { message }
    ... on ValidationFailed { message field }
  }
}
"""


class ForwardSighting(BaseModel):
    tag: str
    reader: str
    ts: datetime
    drill_id: str | None = None  # a drill's simulated sighting: the drill's positioning, never the real one


class ForwardReading(BaseModel):
    sensor_id: str
    value: float
    ts: datetime
    fault: bool = False
    drill_id: str | None = None  # a drill's simulated reading: never stored as the sensor's history


class ForwardBatch(BaseModel):
    """What one ``ingestSensorBatch`` call carries; the batch id makes a replay harmless."""

    batch_id: str
    bridge_seq: int
    readings: list[ForwardReading] = Field(default_factory=list)
    alarm_changes: list[AlarmChange] = Field(default_factory=list)
    sightings: list[ForwardSighting] = Field(default_factory=list)
    """Tag sightings (personnel positioning): sent with ``ingestSightingBatch`` under the same batch id."""

    def sightings_input(self) -> dict[str, object]:
        return {"batchId": self.batch_id, "bridgeSeq": self.bridge_seq,
                "sightings": [{"tagCode": s.tag, "readerCode": s.reader, "ts": s.ts.isoformat()}
                              | ({"drillId": s.drill_id} if s.drill_id else {}) for s in self.sightings]}

    def to_graphql_input(self) -> dict[str, object]:
        return {
            "batchId": self.batch_id,
            "bridgeSeq": self.bridge_seq,
            "readings": [
                {"sensorCode": r.sensor_id, "value": r.value, "ts": r.ts.isoformat(), "fault": r.fault}
                | ({"drillId": r.drill_id} if r.drill_id else {})
                for r in self.readings
            ],
            "alarmChanges": [
                {
                    "sensorCode": c.sensor_id,
                    "event": c.event.value,
                    "level": c.level.value,
                    "fault": c.fault.value if c.fault else None,
                    "value": c.value,
                    "ts": c.ts.isoformat(),
                    "detail": c.detail,
                }
                | ({"drillId": c.drill_id} if c.drill_id else {})
                for c in self.alarm_changes
            ],
        }


HEALTH_MUTATION = """
mutation ReportSensorBridgeHealth($input: SensorBridgeHealthInput!) {
  reportSensorBridgeHealth(input: $input) {
    __typename
    ... on SensorBridge { deviceId status }
    ... on NotAllowed { message }
    ... on ValidationFailed { message field }
  }
}
"""


class BridgeHealth(BaseModel):
    """What the bridge reports of itself with each heartbeat (counters since it started)."""

    client_id: str
    started_at: datetime
    mqtt_connected: bool
    readings_in: int = Field(ge=0)
    malformed: int = Field(ge=0, description="MQTT messages that could not be decoded")
    readings_rejected: int = Field(ge=0, description="readings refused at the edge (dated too far ahead)")
    outbox_batches: int = Field(ge=0, description="batches waiting for the backend")
    dead_letters: int = Field(ge=0, description="batches the backend refused for good, kept on disk")
    last_forward_at: datetime | None = Field(description="when the backend last accepted a batch")
    forward_failures: int = Field(ge=0)
    config_sensors: int = Field(ge=0)

    def to_graphql_input(self) -> dict[str, object]:
        return {
            "clientId": self.client_id, "startedAt": self.started_at.isoformat(),
            "mqttConnected": self.mqtt_connected, "readingsIn": self.readings_in, "malformed": self.malformed,
            "readingsRejected": self.readings_rejected, "outboxBatches": self.outbox_batches,
            "deadLetters": self.dead_letters,
            "lastForwardAt": self.last_forward_at.isoformat() if self.last_forward_at else None,
            "forwardFailures": self.forward_failures, "configSensors": self.config_sensors,
        }


class BridgeConfig(BaseModel):
    mine_code: str
    sensors: list[SensorConfig]


# refused for the device, not for the batch: a token of another kind or mine keeps the outbox until someone fixes
# the token, as an Unauthenticated one does (the forwarder retries both); every other refusal is final for the
# batch (dead letters)
KEEPS_BATCH: frozenset[ErrorCode] = frozenset({ErrorCode.FORBIDDEN})


class BackendClient:
    """The bridge's calls over the contract's GraphQL client (its device token); errors are contracts.client's."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 10.0) -> None:
        self._graphql = GraphQLClient(url, token=token, timeout=timeout)

    def close(self) -> None:
        """Close the calling thread's kept-alive connections."""
        self._graphql.close()

    def fetch_config(self) -> BridgeConfig:
        result = union_result(self._graphql.execute(CONFIG_QUERY), "sensorBridgeConfig", "SensorBridgeConfig")
        return BridgeConfig(mine_code=result["mineCode"], sensors=result["sensors"])

    def report_health(self, health: BridgeHealth) -> str:
        """Send a heartbeat; returns the status the backend judges (OK, NOT_FORWARDING, SILENT)."""
        data = self._graphql.execute(HEALTH_MUTATION, {"input": health.to_graphql_input()})
        return str(union_result(data, "reportSensorBridgeHealth", "SensorBridge")["status"])

    def ingest(self, batch_json: str) -> dict[str, object]:
        """Send one stored batch; returns the ``SensorBatchAccepted`` fields (with ``sightings``: the
        ``SightingBatchAccepted`` ones). The readings part always goes (it carries the bridge sequence the backend
        tracks); the sightings part follows under the same batch id. Both are idempotent, so a retry after a
        failure between them stores nothing twice."""
        batch = ForwardBatch.model_validate_json(batch_json)
        data = self._graphql.execute(INGEST_MUTATION, {"input": batch.to_graphql_input()})
        result = union_result(data, "ingestSensorBatch", "SensorBatchAccepted")
        if batch.sightings:
            data = self._graphql.execute(SIGHTING_MUTATION, {"input": batch.sightings_input()})
            result = {**result, "sightings": union_result(data, "ingestSightingBatch", "SightingBatchAccepted")}
        return result
