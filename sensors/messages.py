"""Typed MQTT payloads and topics of the sensor bridge.

Topics (``{mine}`` is the mine code, e.g. ``demo``; every message is JSON, QoS 1):

``minesafe/{mine}/sensors/{sensor_id}/reading``
    one reading of one sensor: :class:`SensorReadingMessage`.
``minesafe/{mine}/substations/{substation}/batch``
    a monitoring substation's poll of many sensors: :class:`SubstationBatchMessage`.
``minesafe/{mine}/control/{power_zone}``
    a power-cut / restore command published by the bridge, **retained**: :class:`ControlCommand`.
    The retained message is always the zone's current state, so equipment that reconnects
    learns it at once.
``minesafe/{mine}/bridge/status``
    the bridge's own online/offline state (retained, last will): :class:`BridgeStatus`.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

TOPIC_PREFIX = "minesafe"
SENSOR_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


def reading_topic(mine: str, sensor_id: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/sensors/{sensor_id}/reading"


def batch_topic(mine: str, substation: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/substations/{substation}/batch"


def control_topic(mine: str, power_zone: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/control/{power_zone}"


def status_topic(mine: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/bridge/status"


def subscriptions(mine: str) -> list[str]:
    """The topic filters the bridge subscribes to."""
    return [f"{TOPIC_PREFIX}/{mine}/sensors/+/reading", f"{TOPIC_PREFIX}/{mine}/substations/+/batch"]


class SensorKind(enum.StrEnum):
    CH4 = "CH4"
    CO = "CO"
    O2 = "O2"
    CO2 = "CO2"
    H2S = "H2S"
    TEMPERATURE = "TEMPERATURE"
    AIR_SPEED = "AIR_SPEED"
    ROOF_SEPARATION = "ROOF_SEPARATION"
    SUPPORT_PRESSURE = "SUPPORT_PRESSURE"


class LocationType(enum.StrEnum):
    """Where a sensor hangs; methane thresholds depend on it (DOMAIN.md)."""

    WORKING_FACE = "WORKING_FACE"
    WORKING_FACE_RETURN = "WORKING_FACE_RETURN"
    HEADING_FACE = "HEADING_FACE"
    HEADING_RETURN = "HEADING_RETURN"
    INTAKE_HIGH_GAS = "INTAKE_HIGH_GAS"
    ONBOARD = "ONBOARD"
    DRAINAGE_ROADWAY = "DRAINAGE_ROADWAY"
    WORKING_FACE_INTAKE = "WORKING_FACE_INTAKE"
    CHAMBER = "CHAMBER"
    ROADWAY = "ROADWAY"


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a timezone (UTC)")
    return value.astimezone(UTC)


class SensorReadingMessage(BaseModel):
    """Payload of ``.../sensors/{sensor_id}/reading``."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(allow_inf_nan=False)
    ts: datetime
    seq: int | None = Field(default=None, ge=0, description="the sender's own counter, optional")

    _ts = field_validator("ts")(_utc)


class BatchReading(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sensor_id: str = Field(pattern=SENSOR_ID_PATTERN)
    value: float = Field(allow_inf_nan=False)
    ts: datetime

    _ts = field_validator("ts")(_utc)


class SubstationBatchMessage(BaseModel):
    """Payload of ``.../substations/{substation}/batch``: one poll of a KJ substation."""

    model_config = ConfigDict(extra="forbid")

    seq: int | None = Field(default=None, ge=0)
    readings: list[BatchReading] = Field(min_length=1, max_length=10_000)


class PowerAction(enum.StrEnum):
    CUT = "CUT"
    RESTORE = "RESTORE"


class ControlCommand(BaseModel):
    """Retained on ``.../control/{power_zone}``: the zone's power state as the bridge decided it."""

    power_zone: str
    action: PowerAction
    sensor_ids: list[str] = Field(description="sensors holding the cut (empty on restore)")
    trigger_sensor_id: str
    trigger_value: float | None
    reason: str
    reading_ts: datetime
    issued_at: datetime


class BridgeStatus(BaseModel):
    online: bool
    client_id: str
    at: datetime
