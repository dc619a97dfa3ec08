"""GraphQL types of sensors: the registry, thresholds, power zones, series and the bridge's batches."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from backend.accounts.models import Device
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import NotAllowedType, NotFoundType, ValidationFailedType
from backend.hazards import loaders as shared_loaders
from backend.org.types import AreaType
from backend.sensors import service
from backend.sensors.flows import status_of
from backend.sensors.models import BridgeLink, PowerZone, Sensor, ThresholdProfile
from backend.sensors.rules import (
    ANY_LOCATION,
    AlarmEvent,
    BridgeStatus,
    LocationType,
    Point,
    SensorFault,
    SensorKind,
    SensorLevel,
    ThresholdValues,
    is_online,
)
from backend.storage.types import BigInt

SensorKindType = strawberry.enum(SensorKind, name="SensorKind")
SensorLocationType = strawberry.enum(LocationType, name="SensorLocationType")
SensorLevelType = strawberry.enum(SensorLevel, name="SensorLevel")
SensorFaultType = strawberry.enum(SensorFault, name="SensorFault")
SensorAlarmEventType = strawberry.enum(AlarmEvent, name="SensorAlarmEvent")
BridgeStatusType = strawberry.enum(BridgeStatus, name="SensorBridgeStatus")


@strawberry.type(name="SensorThresholds", description="Alarm limits; null means the limit does not apply.")
class ThresholdsType:
    warning: float | None
    alarm: float | None
    power_cut: float | None
    restore: float | None
    low_alarm: float | None
    low_restore: float | None
    rate_delta: float | None
    rate_window_seconds: float | None

    @classmethod
    def from_values(cls, t: ThresholdValues) -> ThresholdsType:
        return cls(warning=t.warning, alarm=t.alarm, power_cut=t.power_cut, restore=t.restore,
                   low_alarm=t.low_alarm, low_restore=t.low_restore, rate_delta=t.rate_delta,
                   rate_window_seconds=t.rate_window_s)


@strawberry.input(description="Alarm limits; a missing or null field means the limit does not apply.")
class ThresholdsInput:
    warning: float | None = strawberry.UNSET
    alarm: float | None = strawberry.UNSET
    power_cut: float | None = strawberry.UNSET
    restore: float | None = strawberry.UNSET
    low_alarm: float | None = strawberry.UNSET
    low_restore: float | None = strawberry.UNSET
    rate_delta: float | None = strawberry.UNSET
    rate_window_seconds: float | None = strawberry.UNSET

    def given(self) -> dict[str, float | None]:
        """The fields the client sent (null ones included), by ThresholdValues name."""
        names = {"rate_window_seconds": "rate_window_s"}
        return {names.get(k, k): v for k, v in vars(self).items() if v is not strawberry.UNSET}

    def to_values(self) -> ThresholdValues:
        return ThresholdValues(**self.given())


@strawberry.type(name="PowerZone", description="The equipment one methane power cut switches off.")
class PowerZoneType:
    id: strawberry.ID
    name: str
    description: str | None
    equipment: list[str]

    @classmethod
    def from_model(cls, zone: PowerZone) -> PowerZoneType:
        return cls(id=strawberry.ID(str(zone.id)), name=zone.name, description=zone.description,
                   equipment=[str(e) for e in zone.equipment])


@strawberry.type(name="ThresholdProfile", description="A mine's limits for a sensor kind at a location type.")
class ThresholdProfileType:
    id: strawberry.ID
    kind: SensorKindType  # type: ignore[valid-type]
    location_type: SensorLocationType | None = strawberry.field(  # type: ignore[valid-type]
        description="null: every location without a profile of its own")
    thresholds: ThresholdsType
    updated_at: datetime

    @classmethod
    def from_model(cls, profile: ThresholdProfile) -> ThresholdProfileType:
        location = None if profile.location_key == ANY_LOCATION else LocationType(profile.location_key)
        return cls(id=strawberry.ID(str(profile.id)), kind=profile.kind, location_type=location,
                   thresholds=ThresholdsType.from_values(service.profile_values(profile)),
                   updated_at=profile.updated_at)


def _power_zones(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.loader("sensor_power_zones", service.power_zones_by_ids)


@strawberry.type(name="Sensor")
class SensorType:
    model: strawberry.Private[Sensor]
    effective: strawberry.Private[ThresholdValues]
    id: strawberry.ID
    code: str
    kind: SensorKindType  # type: ignore[valid-type]
    unit: str
    location_type: SensorLocationType | None  # type: ignore[valid-type]
    polling_seconds: float
    physical_min: float
    physical_max: float
    cut_on_fault: bool
    is_active: bool
    last_value: float | None
    last_reading_at: datetime | None
    level: SensorLevelType  # type: ignore[valid-type]
    fault: SensorFaultType | None  # type: ignore[valid-type]
    power_cut: bool = strawberry.field(description="this sensor holds its power zone cut (as the bridge reported)")

    @classmethod
    def from_model(cls, sensor: Sensor, effective: ThresholdValues) -> SensorType:
        return cls(model=sensor, effective=effective, id=strawberry.ID(str(sensor.id)), code=sensor.code,
                   kind=sensor.kind, unit=sensor.unit, location_type=sensor.location_type,
                   polling_seconds=sensor.polling_seconds, physical_min=sensor.physical_min,
                   physical_max=sensor.physical_max, cut_on_fault=sensor.cut_on_fault, is_active=sensor.is_active,
                   last_value=sensor.last_value, last_reading_at=sensor.last_reading_at, level=sensor.level,
                   fault=sensor.fault, power_cut=sensor.power_cut)

    @strawberry.field(description="The limits in force: the mine's profile with this sensor's override on top.")
    def thresholds(self) -> ThresholdsType:
        return ThresholdsType.from_values(self.effective)

    @strawberry.field(description="This sensor's own limits over its profile (null: none).")
    def threshold_override(self) -> JSON | None:
        return self.model.threshold_override

    @strawberry.field(description="Reported within two polling cycles and not silent.")
    def online(self) -> bool:
        m = self.model
        return m.is_active and is_online(m.last_reading_at, m.polling_seconds, m.fault, utcnow())

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType:
        area = await shared_loaders.areas(info.context).load(self.model.area_id)
        return AreaType.from_model(area)

    @strawberry.field
    async def power_zone(self, info: Info[Context, None]) -> PowerZoneType | None:
        if self.model.power_zone_id is None:
            return None
        zone = await _power_zones(info.context).load(self.model.power_zone_id)
        return PowerZoneType.from_model(zone) if zone else None


@strawberry.type(name="SensorPoint", description="A reading (min = max = value) or a bucket's mean, min and max.")
class SensorPointType:
    at: datetime
    value: float
    min: float
    max: float
    count: int

    @classmethod
    def from_point(cls, point: Point) -> SensorPointType:
        return cls(at=point.at, value=point.value, min=point.min, max=point.max, count=point.count)


@strawberry.type(name="SensorBridgeConfig")
class SensorBridgeConfigType:
    mine_code: str = strawberry.field(description="the mine as MQTT topics spell it (its code in lower case)")
    sensors: JSON = strawberry.field(description="the bridge's SensorConfig objects (sensors/rules.py)")


@strawberry.type(name="SensorBatchAccepted")
class SensorBatchAcceptedType:
    batch_id: str
    bridge_seq: int
    duplicate: bool = strawberry.field(description="this bridge accepted this batch id before; nothing stored again")
    readings_stored: int
    readings_rejected: int = strawberry.field(description="unknown sensor, not finite, out of range, or dated more "
                                                          "than sensorMaxAheadSeconds (5 min) ahead of the server")
    alerts_raised: int
    seq_gap: int = strawberry.field(description="bridge sequence numbers skipped before this batch")
    out_of_order: bool = strawberry.field(description="a later batch of this bridge arrived first")
    alarm_changes_rejected: int = strawberry.field(
        default=0, description="alarm changes not applied (unknown sensor, dated more than 5 min ahead of the server, "
                               "refused by the alert step); the batch's readings are stored all the same")
    drill_readings: int = strawberry.field(default=0, description="drill readings received (not stored)")


@strawberry.type(name="SensorBridge", description="A sensor bridge as the backend sees it: its batches (sequence, "
                  "gaps, reorderings) and its own health from its last heartbeat.")
class SensorBridgeType:
    device_id: strawberry.ID
    name: str
    status: BridgeStatusType = strawberry.field(description="SILENT or NOT_FORWARDING raise an alert")
    status_detail: str
    last_seq: int
    last_batch_at: datetime | None = strawberry.field(description="the last batch's arrival; null: none yet")
    batches: int
    missing_seqs: int
    out_of_order_batches: int
    reported_at: datetime | None = strawberry.field(description="the last heartbeat's arrival; null: none yet")
    client_id: str | None
    started_at: datetime | None
    mqtt_connected: bool | None
    readings_in: BigInt  # type: ignore[valid-type]
    malformed: BigInt = strawberry.field(description="MQTT messages it could not decode")  # type: ignore[valid-type]
    readings_rejected: BigInt = strawberry.field(  # type: ignore[valid-type]
        description="readings it refused at the edge (dated too far ahead)")
    outbox_batches: BigInt = strawberry.field(description="batches waiting in its outbox")  # type: ignore[valid-type]
    dead_letters: BigInt = strawberry.field(  # type: ignore[valid-type]
        description="batches the backend refused for good, kept on its disk")
    last_forward_at: datetime | None = strawberry.field(description="when it last had a batch accepted (its clock)")
    forward_failures: BigInt  # type: ignore[valid-type]
    config_sensors: int

    @classmethod
    def from_model(cls, link: BridgeLink, device: Device, *, now: datetime, stall_s: float) -> SensorBridgeType:
        status, detail = status_of(link, now=now, stall_s=stall_s)
        return cls(device_id=strawberry.ID(str(link.device_id)), name=device.name, status=status,
                   status_detail=detail, last_seq=link.last_seq,
                   last_batch_at=link.last_batch_at if link.batches else None, batches=link.batches,
                   missing_seqs=link.missing_seqs, out_of_order_batches=link.out_of_order_batches,
                   reported_at=link.reported_at, client_id=link.client_id, started_at=link.started_at,
                   mqtt_connected=link.mqtt_connected, readings_in=BigInt(link.readings_in),
                   malformed=BigInt(link.malformed), readings_rejected=BigInt(link.readings_rejected),
                   outbox_batches=BigInt(link.outbox_batches), dead_letters=BigInt(link.dead_letters),
                   last_forward_at=link.last_forward_at, forward_failures=BigInt(link.forward_failures),
                   config_sensors=link.config_sensors)


@strawberry.input(description="A sensor bridge's heartbeat: its counters since it started.")
class SensorBridgeHealthInput:
    client_id: str
    started_at: datetime
    mqtt_connected: bool
    readings_in: BigInt  # type: ignore[valid-type]
    malformed: BigInt  # type: ignore[valid-type]
    readings_rejected: BigInt  # type: ignore[valid-type]
    outbox_batches: BigInt  # type: ignore[valid-type]
    dead_letters: BigInt  # type: ignore[valid-type]
    last_forward_at: datetime | None
    forward_failures: BigInt  # type: ignore[valid-type]
    config_sensors: int


@strawberry.input
class SensorReadingInput:
    sensor_code: str
    value: float
    ts: datetime
    fault: bool = False
    drill_id: str | None = strawberry.field(default=None, description="a drill's reading (its code): judged, never "
                                                                      "stored as the sensor's history")


@strawberry.input
class SensorAlarmChangeInput:
    sensor_code: str
    event: SensorAlarmEventType  # type: ignore[valid-type]
    level: SensorLevelType  # type: ignore[valid-type]
    ts: datetime
    fault: SensorFaultType | None = None  # type: ignore[valid-type]
    value: float | None = None
    detail: str = ""
    drill_id: str | None = strawberry.field(default=None, description="a drill's change (its code): a drill alert, "
                                                                      "never a real one nor the sensor's state")


@strawberry.input
class SensorBatchInput:
    batch_id: str = strawberry.field(description="unique per batch of this bridge; a replay answers duplicate = true")
    bridge_seq: int
    readings: list[SensorReadingInput]
    alarm_changes: list[SensorAlarmChangeInput] = strawberry.field(default_factory=list)


@strawberry.input
class AddSensorInput:
    code: str
    kind: SensorKindType  # type: ignore[valid-type]
    area_id: strawberry.ID
    location_type: SensorLocationType | None = None  # type: ignore[valid-type]
    unit: str | None = strawberry.field(default=None, description="defaults from the kind")
    polling_seconds: float = 10.0
    physical_min: float | None = strawberry.field(default=None, description="defaults from the kind")
    physical_max: float | None = None
    power_zone_id: strawberry.ID | None = None
    cut_on_fault: bool = strawberry.field(default=False, description="a faulty sensor holds its zone cut")
    stuck_readings: int = 60
    threshold_override: ThresholdsInput | None = None


@strawberry.input(description="Only the fields given change.")
class UpdateSensorInput:
    sensor_id: strawberry.ID
    code: str | None = None
    area_id: strawberry.ID | None = None
    location_type: SensorLocationType | None = None  # type: ignore[valid-type]
    unit: str | None = None
    polling_seconds: float | None = None
    physical_min: float | None = None
    physical_max: float | None = None
    power_zone_id: strawberry.ID | None = None
    clear_power_zone: bool = False
    cut_on_fault: bool | None = None
    stuck_readings: int | None = None
    threshold_override: ThresholdsInput | None = strawberry.field(
        default=None, description="replaces the override: the fields given (null ones included) win over the profile")
    clear_threshold_override: bool = False
    is_active: bool | None = None


@strawberry.input
class SetThresholdProfileInput:
    kind: SensorKindType  # type: ignore[valid-type]
    location_type: SensorLocationType | None = None  # type: ignore[valid-type]
    thresholds: ThresholdsInput


@strawberry.input
class SavePowerZoneInput:
    zone_id: strawberry.ID | None = strawberry.field(default=None, description="null adds a zone")
    name: str
    description: str | None = None
    equipment: list[str] = strawberry.field(default_factory=list)


SensorBridgeHealthResult = Annotated[SensorBridgeType | NotAllowedType | ValidationFailedType,
                                     strawberry.union("SensorBridgeHealthResult")]
SensorBridgeConfigResult = Annotated[
    SensorBridgeConfigType | NotAllowedType, strawberry.union("SensorBridgeConfigResult")]
IngestSensorBatchResult = Annotated[SensorBatchAcceptedType | NotAllowedType | ValidationFailedType,
                                    strawberry.union("IngestSensorBatchResult")]
SensorResult = Annotated[
    SensorType | NotAllowedType | NotFoundType | ValidationFailedType, strawberry.union("SensorResult")]
ThresholdProfileResult = Annotated[ThresholdProfileType | NotAllowedType | ValidationFailedType,
                                   strawberry.union("ThresholdProfileResult")]
PowerZoneResult = Annotated[PowerZoneType | NotAllowedType | NotFoundType | ValidationFailedType,
                            strawberry.union("PowerZoneResult")]
