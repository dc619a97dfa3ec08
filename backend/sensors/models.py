"""Sensors of a mine, their threshold profiles and power zones, readings, statistics and bridge batches."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from backend.sensors.rules import LocationType, SensorFault, SensorKind, SensorLevel


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class PowerZone(IdMixin, TimestampMixin, Base):
    """The equipment one power cut switches off (a KJ substation's controlled outlet)."""

    __tablename__ = "sensor_power_zones"
    __table_args__ = (UniqueConstraint("mine_id", "name"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    """As the bridge names it on MQTT: ``minesafe/{mine}/control/{name}``."""
    description: Mapped[str | None] = mapped_column(String(300), default=None)
    equipment: Mapped[list[Any]] = mapped_column(default=list)


class ThresholdProfile(IdMixin, TimestampMixin, Base):
    """A mine's limits for one sensor kind at one location type ("ANY": the kind's default)."""

    __tablename__ = "sensor_threshold_profiles"
    __table_args__ = (UniqueConstraint("mine_id", "kind", "location_key"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    kind: Mapped[SensorKind] = mapped_column(_enum(SensorKind))
    location_key: Mapped[str] = mapped_column(String(32))
    warning: Mapped[float | None] = mapped_column(Float, default=None)
    alarm: Mapped[float | None] = mapped_column(Float, default=None)
    power_cut: Mapped[float | None] = mapped_column(Float, default=None)
    restore: Mapped[float | None] = mapped_column(Float, default=None)
    low_alarm: Mapped[float | None] = mapped_column(Float, default=None)
    low_restore: Mapped[float | None] = mapped_column(Float, default=None)
    rate_delta: Mapped[float | None] = mapped_column(Float, default=None)
    rate_window_s: Mapped[float | None] = mapped_column(Float, default=None)


class Sensor(IdMixin, TimestampMixin, Base):
    __tablename__ = "sensors"
    __table_args__ = (UniqueConstraint("mine_id", "code"), Index("ix_sensors_mine_area", "mine_id", "area_id"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[SensorKind] = mapped_column(_enum(SensorKind))
    unit: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("areas.id"))
    location_type: Mapped[LocationType | None] = mapped_column(_enum(LocationType), default=None)
    polling_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    physical_min: Mapped[float] = mapped_column(Float)
    physical_max: Mapped[float] = mapped_column(Float)
    power_zone_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sensor_power_zones.id"), default=None)
    cut_on_fault: Mapped[bool] = mapped_column(default=False)
    stuck_readings: Mapped[int] = mapped_column(default=60)
    threshold_override: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    is_active: Mapped[bool] = mapped_column(default=True)

    last_value: Mapped[float | None] = mapped_column(Float, default=None)
    last_reading_at: Mapped[datetime | None] = mapped_column(default=None)
    level: Mapped[SensorLevel] = mapped_column(_enum(SensorLevel), default=SensorLevel.NORMAL)
    fault: Mapped[SensorFault | None] = mapped_column(_enum(SensorFault), default=None)
    power_cut: Mapped[bool] = mapped_column(default=False)
    state_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    """Time of the latest alarm change applied; an older one (a batch replayed out of order) is stale."""


BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class SensorReading(Base):
    """One raw reading (kept ``sensor_raw_retention_days``)."""

    __tablename__ = "sensor_readings"
    __table_args__ = (Index("ix_sensor_readings_sensor_ts", "sensor_id", "ts"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    sensor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sensors.id"))
    ts: Mapped[datetime] = mapped_column(index=True)
    value: Mapped[float] = mapped_column(Float)
    fault: Mapped[bool] = mapped_column(default=False)


class SensorHourStat(Base):
    """Per sensor and hour: min, max, sum and count of its readings (kept ``sensor_stats_retention_days``)."""

    __tablename__ = "sensor_hour_stats"

    sensor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sensors.id"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    sum: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class SensorBatch(Base):
    """One ``ingestSensorBatch`` the backend accepted; a replay of its batch id (by the same bridge: two bridges of
    a mine name their batches independently) answers these counts again."""

    __tablename__ = "sensor_batches"
    __table_args__ = (UniqueConstraint("device_id", "batch_id"), Index("ix_sensor_batches_device_seq", "device_id",
                                                                        "bridge_seq"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id"))
    batch_id: Mapped[str] = mapped_column(String(64))
    bridge_seq: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    readings_stored: Mapped[int] = mapped_column(default=0)
    readings_rejected: Mapped[int] = mapped_column(default=0)
    alerts_raised: Mapped[int] = mapped_column(default=0)
    alarm_changes_rejected: Mapped[int] = mapped_column(default=0)
    seq_gap: Mapped[int] = mapped_column(default=0)
    out_of_order: Mapped[bool] = mapped_column(default=False)


class BridgeLink(Base):
    """What the backend knows of one sensor bridge: the highest sequence seen, gaps and reorderings."""

    __tablename__ = "sensor_bridges"

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_batch_at: Mapped[datetime] = mapped_column(default=utcnow)
    batches: Mapped[int] = mapped_column(default=0)
    missing_seqs: Mapped[int] = mapped_column(default=0)
    out_of_order_batches: Mapped[int] = mapped_column(default=0)

    # the bridge's own health, as its last heartbeat (reportSensorBridgeHealth) told it
    reported_at: Mapped[datetime | None] = mapped_column(default=None)
    """The backend's clock when the last heartbeat came (None: none yet)."""
    client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    mqtt_connected: Mapped[bool | None] = mapped_column(default=None)
    readings_in: Mapped[int] = mapped_column(BigInteger, default=0)
    malformed: Mapped[int] = mapped_column(BigInteger, default=0)
    readings_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    outbox_batches: Mapped[int] = mapped_column(BigInteger, default=0)
    dead_letters: Mapped[int] = mapped_column(BigInteger, default=0)
    last_forward_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the backend last accepted a batch, by the bridge's clock (never later than the report's arrival)."""
    forward_failures: Mapped[int] = mapped_column(BigInteger, default=0)
    config_sensors: Mapped[int] = mapped_column(default=0)
