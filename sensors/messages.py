"""Typed MQTT payloads of the sensor bridge, by topic (the grammar is built and parsed in ``contracts.topics``):

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
``minesafe/{mine}/position/{reader}/sighting``
    a card reader's / UWB anchor's poll: the tags it sees, :class:`ReaderSightingMessage` (personnel positioning).
``minesafe/{mine}/drills/{drill}/batch``
    a drill's simulated readings (a :class:`SubstationBatchMessage`), published by the drill runner. Judged by the
    same edge rules on the drill's own sensor states; what they decide goes only to
``minesafe/{mine}/drills/{drill}/sighting``
    a drill's simulated tag sightings (a :class:`DrillSightingMessage`: one reader's poll, the reader named in the
    message), published by the drill runner. Judged per tag as real sightings are, on the drill's own tags; they
    go to the backend marked with the drill (its positioning, never the real one).
``minesafe/{mine}/drills/{drill}/control/{power_zone}``
    a drill's power-cut / restore command (not retained). No equipment subscribes to it: ``control/#`` of the real
    zones never matches a drill topic, so a drill never cuts real power.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.sensors import PowerAction

SENSOR_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
#: a larger message is refused unread (a batch of the 10,000 readings allowed is about 800 KB)
MAX_PAYLOAD_BYTES = 1024 * 1024


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


class TagSighting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag: str = Field(pattern=SENSOR_ID_PATTERN)
    ts: datetime

    _ts = field_validator("ts")(_utc)


MAX_SIGHTINGS_PER_MESSAGE = 5000


class ReaderSightingMessage(BaseModel):
    """Payload of ``.../position/{reader}/sighting``: the tags one reader / anchor sees in one poll."""

    model_config = ConfigDict(extra="forbid")

    seq: int | None = Field(default=None, ge=0)
    sightings: list[TagSighting] = Field(min_length=1, max_length=MAX_SIGHTINGS_PER_MESSAGE)


class DrillSightingMessage(ReaderSightingMessage):
    """Payload of ``.../drills/{drill}/sighting``: a reader's poll in a drill (the reader is named here: the topic
    names the drill)."""

    reader: str = Field(pattern=SENSOR_ID_PATTERN)


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
