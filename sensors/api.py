"""The bridge's GraphQL client: fetch its config, forward batches. Never imports backend code."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx
from pydantic import BaseModel, Field

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


class ForwardReading(BaseModel):
    sensor_id: str
    value: float
    ts: datetime
    fault: bool = False


class ForwardBatch(BaseModel):
    """What one ``ingestSensorBatch`` call carries; the batch id makes a replay harmless."""

    batch_id: str
    bridge_seq: int
    readings: list[ForwardReading] = Field(default_factory=list)
    alarm_changes: list[AlarmChange] = Field(default_factory=list)

    def to_graphql_input(self) -> dict[str, object]:
        return {
            "batchId": self.batch_id,
            "bridgeSeq": self.bridge_seq,
            "readings": [
                {"sensorCode": r.sensor_id, "value": r.value, "ts": r.ts.isoformat(), "fault": r.fault}
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
                for c in self.alarm_changes
            ],
        }


class BridgeConfig(BaseModel):
    mine_code: str
    sensors: list[SensorConfig]


class TransientError(Exception):
    """The backend could not be reached or answered 5xx; try again later."""


class RejectedError(Exception):
    """The backend refused the request for good (validation)."""


class AuthError(Exception):
    """The token was refused; retrying will not help until someone fixes the token."""


class BackendClient:
    """Synchronous GraphQL-over-HTTP client with the bridge's device token."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 10.0) -> None:
        self.endpoint = url.rstrip("/") + "/graphql"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _post(self, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
        try:
            response = self._http.post(self.endpoint, json={"query": query, "variables": variables or {}})
        except httpx.HTTPError as error:
            raise TransientError(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 500:
            raise TransientError(f"backend answered {response.status_code}")
        if response.status_code in (401, 403):
            raise AuthError(f"backend answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise TransientError(f"backend answered non-JSON ({response.status_code})") from error
        errors = body.get("errors")
        if errors:
            codes = {(e.get("extensions") or {}).get("code") for e in errors}
            if "UNAUTHENTICATED" in codes:
                raise AuthError(errors[0].get("message", "unauthenticated"))
            if body.get("data") is None and response.status_code >= 400:
                raise RejectedError(errors[0].get("message", "rejected"))
            raise TransientError(errors[0].get("message", "error"))
        return body["data"]

    def fetch_config(self) -> BridgeConfig:
        result = self._post(CONFIG_QUERY)["sensorBridgeConfig"]
        if result["__typename"] != "SensorBridgeConfig":
            raise AuthError(result.get("message", result["__typename"]))
        return BridgeConfig(mine_code=result["mineCode"], sensors=result["sensors"])

    def ingest(self, batch_json: str) -> dict[str, object]:
        """Send one stored batch; returns the ``SensorBatchAccepted`` fields."""
        batch = ForwardBatch.model_validate_json(batch_json)
        result = self._post(INGEST_MUTATION, {"input": batch.to_graphql_input()})["ingestSensorBatch"]
        typename = result["__typename"]
        if typename == "SensorBatchAccepted":
            return result
        if typename == "NotAllowed":
            raise AuthError(result["message"])
        raise RejectedError(f"{typename}: {result.get('message')}")
