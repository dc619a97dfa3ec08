"""Sensor queries for the app, the registry's admin mutations, and the bridge's config and batch ingestion."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.types import Info

from backend.database.base import utcnow
from backend.errors import ValidationFailed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.sensors import flows, service
from backend.sensors.models import Sensor
from backend.sensors.permissions import CanManageSensors
from backend.sensors.rules import SensorKind
from backend.sensors.types import (
    AddSensorInput,
    IngestSensorBatchResult,
    PowerZoneResult,
    PowerZoneType,
    SavePowerZoneInput,
    SensorBatchAcceptedType,
    SensorBatchInput,
    SensorBridgeConfigResult,
    SensorBridgeConfigType,
    SensorBridgeHealthInput,
    SensorBridgeHealthResult,
    SensorBridgeType,
    SensorPointType,
    SensorResult,
    SensorType,
    SetThresholdProfileInput,
    ThresholdProfileResult,
    ThresholdProfileType,
    UpdateSensorInput,
)


async def _sensor_types(ctx: Context, sensors: list[Sensor]) -> list[SensorType]:
    if not sensors:
        return []
    effective = await flows.effective_thresholds(ctx.session, mine_id=sensors[0].mine_id, sensors=sensors)
    return [SensorType.from_model(s, effective[s.id]) for s in sensors]


def _batch(input: SensorBatchInput) -> flows.BatchIn:
    return flows.BatchIn(
        batch_id=input.batch_id, bridge_seq=input.bridge_seq,
        readings=[flows.ReadingIn(sensor_code=r.sensor_code, value=r.value, ts=r.ts, fault=r.fault, drill=r.drill_id)
                  for r in input.readings],
        alarm_changes=[flows.AlarmChangeIn(sensor_code=c.sensor_code, event=c.event, level=c.level, fault=c.fault,
                                           value=c.value, ts=c.ts, detail=c.detail or "", drill=c.drill_id)
                       for c in input.alarm_changes])


@strawberry.type
class Query:
    @strawberry.field(description="The caller's mine's sensors (of one area when given), by code.")
    async def sensors(self, info: Info[Context, None], area_id: strawberry.ID | None = None) -> list[SensorType]:
        ctx = info.context
        principal = ctx.person()
        found = await service.list_sensors(session=ctx.session, mine_id=principal.mine_id,
                                           area_id=parse_optional_id(area_id, "areaId"))
        return await _sensor_types(ctx, list(found))

    @strawberry.field
    async def sensor(self, info: Info[Context, None], id: strawberry.ID) -> SensorType | None:
        ctx = info.context
        principal = ctx.person()
        sensor = await ctx.session.get(Sensor, parse_id(id, "id"))
        if sensor is None or sensor.mine_id != principal.mine_id:
            return None
        return (await _sensor_types(ctx, [sensor]))[0]

    @strawberry.field(description="A sensor's readings between since and until (default: the last hour), at most "
                                  "maxPoints: raw readings when they fit, else means with min and max per bucket "
                                  "(from raw readings, or hourly statistics for long ranges).")
    async def sensor_series(self, info: Info[Context, None], sensor_id: strawberry.ID, since: datetime | None = None,
                            until: datetime | None = None, max_points: int | None = 500) -> list[SensorPointType]:
        ctx = info.context
        principal = ctx.person()
        sensor = await service.get_in_mine_or_raise(session=ctx.session, sensor_id=parse_id(sensor_id, "sensorId"),
                                                    mine_id=principal.mine_id)
        max_points = 500 if max_points is None else max_points
        start, end = series_window(since, until, max_points, ctx.settings.sensor_series_max_points)
        points = await service.series(session=ctx.session, sensor=sensor, since=start, until=end,
                                      max_points=max_points, raw_limit=ctx.settings.sensor_series_raw_limit)
        return [SensorPointType.from_point(p) for p in points]

    @strawberry.field(description="The mine's threshold profiles (preloaded from DOMAIN.md, edited by admins).")
    async def threshold_profiles(self, info: Info[Context, None]) -> list[ThresholdProfileType]:
        ctx = info.context
        principal = ctx.person()
        await flows.ensure_profiles(ctx.session, mine_id=principal.mine_id)
        await ctx.commit()
        profiles = await service.list_profiles(session=ctx.session, mine_id=principal.mine_id)
        return [ThresholdProfileType.from_model(p) for p in profiles]

    @strawberry.field
    async def power_zones(self, info: Info[Context, None]) -> list[PowerZoneType]:
        ctx = info.context
        principal = ctx.person()
        return [PowerZoneType.from_model(z) for z in await service.list_power_zones(session=ctx.session,
                                                                                     mine_id=principal.mine_id)]

    @strawberry.field(description="Sensor bridges of the mine: status (OK, NOT_FORWARDING, SILENT), batches with "
                                  "their gaps and reorderings, and each bridge's own health from its heartbeat "
                                  "(malformed messages, rejected readings, outbox depth, last forward).")
    async def sensor_bridges(self, info: Info[Context, None]) -> list[SensorBridgeType]:
        ctx = info.context
        principal = ctx.person()
        now, stall_s = utcnow(), ctx.settings.sensor_bridge_stall_seconds
        return [SensorBridgeType.from_model(link, device, now=now, stall_s=stall_s)
                for link, device in await service.list_bridges(session=ctx.session, mine_id=principal.mine_id)]

    @strawberry.field(description="For a sensor bridge's device token: its mine's sensors in the bridge's format.")
    @returns_domain_errors
    async def sensor_bridge_config(self, info: Info[Context, None]) -> SensorBridgeConfigResult:
        ctx = info.context
        actor = ctx.authenticated()
        mine_code, sensors = await flows.bridge_config(ctx.session, actor=actor)
        await ctx.commit()  # the first call preloads the mine's threshold profiles
        return SensorBridgeConfigType(mine_code=mine_code, sensors=sensors)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A sensor bridge's batch of readings and alarm changes; idempotent by batchId.")
    @returns_domain_errors
    async def ingest_sensor_batch(self, info: Info[Context, None], input: SensorBatchInput) -> IngestSensorBatchResult:
        ctx = info.context
        actor = ctx.authenticated()
        batch = _batch(input)
        for attempt in range(2):
            try:
                outcome = await flows.ingest_batch(ctx.session, actor=actor, settings=ctx.settings, batch=batch)
                await ctx.commit()
                break
            except IntegrityError:
                # the same batch committed concurrently: once rolled back, the next attempt answers duplicate
                await ctx.rollback()
                if attempt:
                    raise
        return SensorBatchAcceptedType(
            batch_id=outcome.batch_id, bridge_seq=outcome.bridge_seq, duplicate=outcome.duplicate,
            readings_stored=outcome.readings_stored, readings_rejected=outcome.readings_rejected,
            alerts_raised=outcome.alerts_raised, seq_gap=outcome.seq_gap, out_of_order=outcome.out_of_order,
            alarm_changes_rejected=outcome.alarm_changes_rejected, drill_readings=outcome.drill_readings)

    @strawberry.mutation(description="A sensor bridge's heartbeat: its health, shown in sensorBridges; a bridge "
                                     "that neither forwards nor reports raises an alert.")
    @returns_domain_errors
    async def report_sensor_bridge_health(self, info: Info[Context, None],
                                          input: SensorBridgeHealthInput) -> SensorBridgeHealthResult:
        ctx = info.context
        actor = ctx.authenticated()
        health = flows.HealthIn(
            client_id=input.client_id, started_at=input.started_at, mqtt_connected=input.mqtt_connected,
            readings_in=input.readings_in, malformed=input.malformed, readings_rejected=input.readings_rejected,
            outbox_batches=input.outbox_batches, dead_letters=input.dead_letters,
            last_forward_at=input.last_forward_at, forward_failures=input.forward_failures,
            config_sensors=input.config_sensors)
        link = await flows.report_health(ctx.session, actor=actor, health=health)
        device = await flows.require_bridge(ctx.session, actor)
        await ctx.commit()
        return SensorBridgeType.from_model(link, device, now=utcnow(), stall_s=ctx.settings.sensor_bridge_stall_seconds)

    @strawberry.mutation(description="Admin: register a sensor.")
    @returns_domain_errors
    async def add_sensor(self, info: Info[Context, None], input: AddSensorInput) -> SensorResult:
        ctx = info.context
        actor = ctx.authenticated()
        CanManageSensors.check(actor)
        kind = SensorKind(input.kind)
        data = flows.SensorData(
            code=input.code, kind=kind, area_id=parse_id(input.area_id, "areaId"), location_type=input.location_type,
            unit=input.unit, polling_seconds=input.polling_seconds, physical_min=input.physical_min,
            physical_max=input.physical_max, power_zone_id=parse_optional_id(input.power_zone_id, "powerZoneId"),
            cut_on_fault=input.cut_on_fault, stuck_readings=input.stuck_readings,
            threshold_override=input.threshold_override.given() if input.threshold_override else None)
        sensor = await flows.add_sensor(ctx.session, actor=actor, data=data)
        await ctx.commit()
        return (await _sensor_types(ctx, [sensor]))[0]

    @strawberry.mutation(description="Admin: change a sensor (only the fields given).")
    @returns_domain_errors
    async def update_sensor(self, info: Info[Context, None], input: UpdateSensorInput) -> SensorResult:
        ctx = info.context
        actor = ctx.authenticated()
        CanManageSensors.check(actor)
        data = flows.SensorData(
            code=input.code, area_id=parse_optional_id(input.area_id, "areaId"), location_type=input.location_type,
            unit=input.unit, polling_seconds=input.polling_seconds, physical_min=input.physical_min,
            physical_max=input.physical_max, power_zone_id=parse_optional_id(input.power_zone_id, "powerZoneId"),
            clear_power_zone=input.clear_power_zone, cut_on_fault=input.cut_on_fault,
            stuck_readings=input.stuck_readings,
            threshold_override=input.threshold_override.given() if input.threshold_override else None,
            clear_threshold_override=input.clear_threshold_override, is_active=input.is_active)
        sensor = await flows.update_sensor(ctx.session, actor=actor, sensor_id=parse_id(input.sensor_id, "sensorId"),
                                           data=data)
        await ctx.commit()
        return (await _sensor_types(ctx, [sensor]))[0]

    @strawberry.mutation(description="Admin: set the mine's limits for a sensor kind at a location type (audited).")
    @returns_domain_errors
    async def set_threshold_profile(self, info: Info[Context, None],
                                    input: SetThresholdProfileInput) -> ThresholdProfileResult:
        ctx = info.context
        actor = ctx.authenticated()
        profile = await flows.set_threshold_profile(ctx.session, actor=actor, kind=SensorKind(input.kind),
                                                    location=input.location_type,
                                                    values=input.thresholds.to_values())
        await ctx.commit()
        return ThresholdProfileType.from_model(profile)

    @strawberry.mutation(description="Admin: add (no zoneId) or change a power zone and the equipment it cuts.")
    @returns_domain_errors
    async def save_power_zone(self, info: Info[Context, None], input: SavePowerZoneInput) -> PowerZoneResult:
        ctx = info.context
        actor = ctx.authenticated()
        zone = await flows.save_power_zone(ctx.session, actor=actor, zone_id=parse_optional_id(input.zone_id, "zoneId"),
                                           name=input.name, description=input.description, equipment=input.equipment)
        await ctx.commit()
        return PowerZoneType.from_model(zone)


def series_window(since: datetime | None, until: datetime | None, max_points: int,
                  limit: int) -> tuple[datetime, datetime]:
    """Defaults and bounds of a series request."""
    until = until or utcnow()
    since = since or until - timedelta(hours=1)
    if since >= until:
        raise ValidationFailed("since must be before until", field="since")
    if not 1 <= max_points <= limit:
        raise ValidationFailed(f"maxPoints is between 1 and {limit}", field="maxPoints")
    return since, until
