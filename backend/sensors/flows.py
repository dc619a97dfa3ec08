"""Sensor registry edits (audited), the bridge's config, batch ingestion (readings + alarm changes → alerts)
and retention. Callers commit."""

from __future__ import annotations

import logging
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device, DeviceKind
from backend.accounts.roles import Principal
from backend.alerts import flows as alert_flows
from backend.alerts import service as alert_service
from backend.audit.flows import record_audit
from backend.config import Settings
from backend.database import tenancy
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine
from backend.drills import flows as drill_flows
from backend.errors import NotAllowed, ValidationFailed
from backend.org import service as org_service
from backend.org.models import Mine
from backend.permits import interlock as permit_interlock
from backend.positioning import flows as positioning_flows
from backend.sensors import service
from backend.sensors.defaults import DEFAULT_PROFILES, KIND_DEFAULTS
from backend.sensors.models import BridgeLink, PowerZone, Sensor, SensorBatch, ThresholdProfile
from backend.sensors.permissions import CanManageSensors
from backend.sensors.rules import (
    ANY_LOCATION,
    THRESHOLD_FIELDS,
    AlarmEvent,
    BridgeStatus,
    LocationType,
    SensorFault,
    SensorKind,
    SensorLevel,
    ThresholdValues,
    alert_action,
    alert_title,
    bridge_alert_key,
    bridge_status,
    dedupe_key,
    effective_profile,
    judge_seq,
    range_problem,
    reading_problem,
    threshold_problems,
)
from backend.validation import clean_text
from contracts.alerts import AlertSeverity, AlertSource

logger = logging.getLogger(__name__)
CODE_MAX = 64
BATCH_ID_MAX = 64
REASON_MAX = 4000  # an alert's resolution note (alerts.flows.MAX_DETAIL)


def _check_thresholds(values: ThresholdValues, field_prefix: str) -> None:
    problems = threshold_problems(values)
    if problems:
        name, message = problems[0]
        raise ValidationFailed(message, field=f"{field_prefix}.{name}")


# --- threshold profiles ----------------------------------------------------------------------------
async def ensure_profiles(session: AsyncSession, *, mine_id: uuid.UUID) -> None:
    """Preload DOMAIN.md's thresholds as the mine's editable profiles, the first time they are needed."""
    if await service.has_profiles(session=session, mine_id=mine_id):
        return
    if not await service.insert_profiles(session=session, mine_id=mine_id, rows=DEFAULT_PROFILES):
        return  # a concurrent first use preloaded them
    await record_audit(session, actor=None, mine_id=mine_id, action="sensor_thresholds.preloaded",
                       subject_type="mine", subject_id=mine_id, before={},
                       after={f"{k.value}/{loc}": t.as_dict() for k, loc, t in DEFAULT_PROFILES})


def profile_snapshot(profile: ThresholdProfile) -> dict[str, Any]:
    return {"kind": profile.kind, "location": profile.location_key, **service.profile_values(profile).as_dict()}


async def set_threshold_profile(session: AsyncSession, *, actor: Principal, kind: SensorKind,
                                location: LocationType | None, values: ThresholdValues) -> ThresholdProfile:
    """Create or replace the mine's limits for (kind, location); audited with before and after."""
    CanManageSensors.check(actor)
    _check_thresholds(values, "thresholds")
    await lock_mine(session, actor.mine_id)  # limits and overrides change one edit at a time
    await ensure_profiles(session, mine_id=actor.mine_id)
    profile = await service.get_profile(session=session, mine_id=actor.mine_id, kind=kind, location=location)
    before: dict[str, Any] = {}
    if profile is None:
        profile = ThresholdProfile(mine_id=actor.mine_id, kind=kind,
                                   location_key=location.value if location is not None else ANY_LOCATION)
        session.add(profile)
    else:
        before = profile_snapshot(profile)
    for name in THRESHOLD_FIELDS:
        setattr(profile, name, getattr(values, name))
    profile.updated_at = utcnow()
    await session.flush()
    await _check_sensors_of_kind(session, mine_id=actor.mine_id, kind=kind)
    await record_audit(session, actor=actor, action="sensor_thresholds.changed", subject_type="sensor_threshold",
                       subject_id=profile.id, before=before, after=profile_snapshot(profile))
    return profile


async def _check_sensors_of_kind(session: AsyncSession, *, mine_id: uuid.UUID, kind: SensorKind) -> None:
    """A profile change must not leave a sensor's override inconsistent with it (the bridge would refuse it)."""
    sensors = [s for s in await service.list_sensors(session=session, mine_id=mine_id)
               if s.kind is kind and s.threshold_override]
    for sensor, values in (await effective_thresholds(session, mine_id=mine_id, sensors=sensors)).items():
        problems = threshold_problems(values)
        if problems:
            code = next(s.code for s in sensors if s.id == sensor)
            raise ValidationFailed(f"sensor {code}'s own limits would conflict with this profile: "
                                        f"{problems[0][1]}; change its override first", field="thresholds")


# --- power zones -----------------------------------------------------------------------------------
def zone_snapshot(zone: PowerZone) -> dict[str, Any]:
    return {"name": zone.name, "description": zone.description, "equipment": list(zone.equipment)}


def _zone_name(name: str) -> str:
    cleaned = clean_text(name, "name", limit=CODE_MAX, required=True, multiline=False) or ""
    if not service.is_code(cleaned):
        raise ValidationFailed("a power zone name starts with a letter or digit and uses letters, digits, "
                                    "'_', '.' and '-' only", field="name")
    return cleaned


def _equipment(items: Sequence[str]) -> list[str]:
    if len(items) > 200:
        raise ValidationFailed("at most 200 pieces of equipment", field="equipment")
    cleaned = [clean_text(item, "equipment", limit=200, multiline=False) for item in items]
    return [item for item in cleaned if item]


async def save_power_zone(session: AsyncSession, *, actor: Principal, zone_id: uuid.UUID | None, name: str,
                          description: str | None, equipment: Sequence[str]) -> PowerZone:
    """Add a power zone (zone_id None) or change one; audited."""
    CanManageSensors.check(actor)
    cleaned = _zone_name(name)
    await lock_mine(session, actor.mine_id)  # two zones of one name at once: the second is refused
    existing = await session.scalar(select(PowerZone).where(PowerZone.mine_id == actor.mine_id,
                                                            PowerZone.name == cleaned))
    if existing is not None and existing.id != zone_id:
        raise ValidationFailed("another power zone of this mine has that name", field="name")
    before: dict[str, Any] = {}
    if zone_id is None:
        zone = PowerZone(mine_id=actor.mine_id, name=cleaned)
        session.add(zone)
    else:
        zone = await service.get_power_zone_in_mine_or_raise(session=session, zone_id=zone_id, mine_id=actor.mine_id)
        before = zone_snapshot(zone)
    zone.name = cleaned
    zone.description = clean_text(description, "description", limit=300, multiline=False)
    zone.equipment = _equipment(equipment)
    zone.updated_at = utcnow()
    await session.flush()
    await record_audit(session, actor=actor, action="power_zone.added" if not before else "power_zone.changed",
                       subject_type="power_zone", subject_id=zone.id, before=before, after=zone_snapshot(zone))
    return zone


# --- sensors ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SensorData:
    """The admin's description of a sensor; None keeps the current value (or the kind's default when adding)."""

    code: str | None = None
    kind: SensorKind | None = None
    area_id: uuid.UUID | None = None
    location_type: LocationType | None = None
    unit: str | None = None
    polling_seconds: float | None = None
    physical_min: float | None = None
    physical_max: float | None = None
    power_zone_id: uuid.UUID | None = None
    clear_power_zone: bool = False
    cut_on_fault: bool | None = None
    stuck_readings: int | None = None
    threshold_override: dict[str, float | None] | None = None
    clear_threshold_override: bool = False
    is_active: bool | None = None


def sensor_snapshot(sensor: Sensor) -> dict[str, Any]:
    return {
        "code": sensor.code, "kind": sensor.kind, "unit": sensor.unit, "area_id": sensor.area_id,
        "location_type": sensor.location_type, "polling_seconds": sensor.polling_seconds,
        "physical_min": sensor.physical_min, "physical_max": sensor.physical_max,
        "power_zone_id": sensor.power_zone_id, "cut_on_fault": sensor.cut_on_fault,
        "stuck_readings": sensor.stuck_readings, "threshold_override": sensor.threshold_override,
        "is_active": sensor.is_active,
    }


def _code(code: str) -> str:
    cleaned = clean_text(code, "code", limit=CODE_MAX, required=True, multiline=False) or ""
    if not service.is_code(cleaned):
        raise ValidationFailed("a sensor code starts with a letter or digit and uses letters, digits, "
                                    "'_', '.' and '-' only", field="code")
    return cleaned


async def _apply(session: AsyncSession, actor: Principal, sensor: Sensor, data: SensorData) -> None:
    if data.code is not None:
        code = _code(data.code)
        clash = await service.get_by_code(session=session, mine_id=actor.mine_id, code=code)
        if clash is not None and clash.id != sensor.id:
            raise ValidationFailed("another sensor of this mine has that code", field="code")
        sensor.code = code
    if data.area_id is not None:
        area = await org_service.get_area(session=session, area_id=data.area_id)
        if area is None or area.mine_id != actor.mine_id:
            raise ValidationFailed("no such area in your mine", field="areaId")
        sensor.area_id = area.id
    if data.location_type is not None:
        sensor.location_type = data.location_type
    if data.unit is not None:
        sensor.unit = clean_text(data.unit, "unit", limit=16, required=True, multiline=False) or ""
    if data.polling_seconds is not None:
        if not 0.1 <= data.polling_seconds <= 3600:
            raise ValidationFailed("the polling period is between 0.1 s and an hour", field="pollingSeconds")
        sensor.polling_seconds = data.polling_seconds
    if data.physical_min is not None:
        sensor.physical_min = data.physical_min
    if data.physical_max is not None:
        sensor.physical_max = data.physical_max
    problem = range_problem(sensor.physical_min, sensor.physical_max)
    if problem:
        raise ValidationFailed(problem, field="physicalMin")
    if data.clear_power_zone:
        sensor.power_zone_id = None
    elif data.power_zone_id is not None:
        zone = await service.get_power_zone_in_mine_or_raise(session=session, zone_id=data.power_zone_id,
                                                             mine_id=actor.mine_id)
        sensor.power_zone_id = zone.id
    if data.cut_on_fault is not None:
        sensor.cut_on_fault = data.cut_on_fault
    if data.stuck_readings is not None:
        if not 2 <= data.stuck_readings <= 100_000:
            raise ValidationFailed("stuck readings is between 2 and 100000", field="stuckReadings")
        sensor.stuck_readings = data.stuck_readings
    if data.clear_threshold_override:
        sensor.threshold_override = None
    elif data.threshold_override is not None:
        sensor.threshold_override = {k: v for k, v in data.threshold_override.items() if k in THRESHOLD_FIELDS}
    if data.is_active is not None:
        sensor.is_active = data.is_active
    # the limits in force (the profile of the sensor's kind and location, then its override) must stay
    # consistent, or the bridge would refuse the mine's whole config
    profiles = await service.profile_map(session=session, mine_id=actor.mine_id)
    _check_thresholds(effective_profile(profiles, sensor.kind, sensor.location_type).merged(sensor.threshold_override),
                      "thresholdOverride")


async def add_sensor(session: AsyncSession, *, actor: Principal, data: SensorData) -> Sensor:
    """Register a sensor; unit and physical range default from its kind. Audited."""
    CanManageSensors.check(actor)
    if data.kind is None or data.code is None or data.area_id is None:
        raise ValidationFailed("a sensor needs a code, a kind and an area", field="code")
    await lock_mine(session, actor.mine_id)  # before the code and the limits in force are read
    await ensure_profiles(session, mine_id=actor.mine_id)
    kind_defaults = KIND_DEFAULTS[data.kind]
    sensor = Sensor(id=uuid.uuid4(), mine_id=actor.mine_id, code="", kind=data.kind, unit=kind_defaults.unit,
                    area_id=data.area_id, physical_min=kind_defaults.physical_min,
                    physical_max=kind_defaults.physical_max, polling_seconds=10.0, cut_on_fault=False,
                    stuck_readings=60, is_active=True, level=SensorLevel.NORMAL, power_cut=False)
    await _apply(session, actor, sensor, data)
    session.add(sensor)
    await session.flush()
    await record_audit(session, actor=actor, action="sensor.added", subject_type="sensor", subject_id=sensor.id,
                       before={}, after=sensor_snapshot(sensor))
    return sensor


async def update_sensor(session: AsyncSession, *, actor: Principal, sensor_id: uuid.UUID, data: SensorData) -> Sensor:
    CanManageSensors.check(actor)
    await lock_mine(session, actor.mine_id)  # before the sensor, its code and the limits in force are read
    sensor = await service.get_in_mine_or_raise(session=session, sensor_id=sensor_id, mine_id=actor.mine_id)
    if data.kind is not None and data.kind is not sensor.kind:
        raise ValidationFailed("a sensor's kind cannot change; register a new sensor", field="kind")
    await ensure_profiles(session, mine_id=actor.mine_id)
    before = sensor_snapshot(sensor)
    await _apply(session, actor, sensor, data)
    sensor.updated_at = utcnow()
    await session.flush()
    await record_audit(session, actor=actor, action="sensor.changed", subject_type="sensor", subject_id=sensor.id,
                       before=before, after=sensor_snapshot(sensor))
    return sensor


async def effective_thresholds(session: AsyncSession, *, mine_id: uuid.UUID,
                               sensors: Sequence[Sensor]) -> dict[uuid.UUID, ThresholdValues]:
    profiles = await service.profile_map(session=session, mine_id=mine_id)
    return {s.id: effective_profile(profiles, s.kind, s.location_type).merged(s.threshold_override)
            for s in sensors}


# --- the bridge ------------------------------------------------------------------------------------
async def require_bridge(session: AsyncSession, actor: Principal) -> Device:
    """The caller must be a sensor-bridge device (of its own mine, as every device is)."""
    if not actor.is_device:
        raise NotAllowed("only a sensor bridge's device token may do this")
    device = await session.get(Device, actor.id)
    if device is None or device.kind is not DeviceKind.SENSOR_BRIDGE or device.revoked_at is not None:
        raise NotAllowed("only a sensor bridge's device token may do this")
    return device


def mqtt_mine_code(mine: Mine) -> str:
    """The mine as the MQTT topics spell it: its code in lower case (minesafe/{code}/...)."""
    return mine.code.lower()


async def bridge_config(session: AsyncSession, *, actor: Principal) -> tuple[str, list[dict[str, Any]]]:
    """The mine's active sensors in the bridge's SensorConfig format, with their effective thresholds."""
    await require_bridge(session, actor)
    mine = await org_service.get_mine(session=session, mine_id=actor.mine_id)
    assert mine is not None
    await ensure_profiles(session, mine_id=mine.id)
    sensors = await service.list_sensors(session=session, mine_id=mine.id, active_only=True)
    thresholds = await effective_thresholds(session, mine_id=mine.id, sensors=sensors)
    zones = {z.id: z.name for z in await service.list_power_zones(session=session, mine_id=mine.id)}
    configs = [{
        "sensor_id": s.code, "kind": s.kind.value,
        "location_type": s.location_type.value if s.location_type else None,
        "power_zone": zones.get(s.power_zone_id) if s.power_zone_id else None,
        "polling_seconds": s.polling_seconds, "physical_min": s.physical_min, "physical_max": s.physical_max,
        "stuck_readings": s.stuck_readings, "cut_on_fault": s.cut_on_fault,
        "thresholds": {k: v for k, v in thresholds[s.id].as_dict().items() if v is not None},
    } for s in sensors]
    return mqtt_mine_code(mine), configs


@dataclass(frozen=True, slots=True)
class ReadingIn:
    sensor_code: str
    value: float
    ts: datetime
    fault: bool = False
    drill: str | None = None  # a drill's simulated reading (issue 16): never stored as the sensor's history


@dataclass(frozen=True, slots=True)
class AlarmChangeIn:
    sensor_code: str
    event: AlarmEvent
    level: SensorLevel
    fault: SensorFault | None
    value: float | None
    ts: datetime
    detail: str
    drill: str | None = None  # a drill's change: a drill alert, never the real sensor's state nor a real alert


@dataclass(frozen=True, slots=True)
class BatchIn:
    batch_id: str
    bridge_seq: int
    readings: Sequence[ReadingIn] = ()
    alarm_changes: Sequence[AlarmChangeIn] = ()


@dataclass
class BatchOutcome:
    batch_id: str
    bridge_seq: int
    duplicate: bool
    readings_stored: int = 0
    readings_rejected: int = 0
    alerts_raised: int = 0
    seq_gap: int = 0
    out_of_order: bool = False
    alarm_changes_rejected: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    drill_readings: int = 0

    def reject(self, reason: str) -> None:
        self.rejected_by_reason[reason] = self.rejected_by_reason.get(reason, 0) + 1


def check_batch(batch: BatchIn, settings: Settings) -> None:
    if not batch.batch_id.strip() or len(batch.batch_id) > BATCH_ID_MAX:
        raise ValidationFailed(f"batchId must be 1 to {BATCH_ID_MAX} characters", field="batchId")
    clean_text(batch.batch_id, "batchId", limit=BATCH_ID_MAX, multiline=False)
    if batch.bridge_seq < 0:
        raise ValidationFailed("bridgeSeq cannot be negative", field="bridgeSeq")
    if len(batch.readings) > settings.sensor_batch_max_readings:
        raise ValidationFailed(f"a batch carries at most {settings.sensor_batch_max_readings} readings "
                                    f"({len(batch.readings)} sent); split it", field="readings")
    if len(batch.alarm_changes) > settings.sensor_batch_max_alarm_changes:
        raise ValidationFailed(f"a batch carries at most {settings.sensor_batch_max_alarm_changes} alarm "
                                    f"changes ({len(batch.alarm_changes)} sent); split it", field="alarmChanges")


async def _record_seq(session: AsyncSession, device: Device, seq: int, now: datetime) -> tuple[int, bool]:
    await session.execute(tenancy.upsert(session, BridgeLink).values(
        device_id=device.id, mine_id=device.mine_id, last_seq=seq,
        last_batch_at=now, batches=0, missing_seqs=0, out_of_order_batches=0)
        .on_conflict_do_nothing(index_elements=["device_id"]))
    link = await service.bridge_link_for_update(session=session, device_id=device.id)
    assert link is not None
    fresh = link.batches == 0
    verdict = judge_seq(None if fresh else link.last_seq, seq)
    link.batches += 1
    link.last_batch_at = now
    link.last_seq = seq if fresh else max(link.last_seq, seq)
    link.missing_seqs += verdict.gap
    link.out_of_order_batches += int(verdict.out_of_order)
    if verdict.gap:
        logger.warning("sensor bridge %s skipped %s sequence number(s) before %s", device.name, verdict.gap, seq)
    if verdict.out_of_order:
        logger.warning("sensor bridge %s sent batch %s after a later one (replay out of order)", device.name, seq)
    return verdict.gap, verdict.out_of_order


async def ingest_batch(session: AsyncSession, *, actor: Principal, settings: Settings, batch: BatchIn) -> BatchOutcome:
    """Store a bridge batch once: readings in bulk, sensor last values, alarm changes as alerts."""
    device = await require_bridge(session, actor)
    check_batch(batch, settings)
    existing = await service.find_batch(session=session, device_id=device.id, batch_id=batch.batch_id)
    if existing is not None:
        return BatchOutcome(batch_id=existing.batch_id, bridge_seq=existing.bridge_seq, duplicate=True,
                            readings_stored=existing.readings_stored, readings_rejected=existing.readings_rejected,
                            alerts_raised=existing.alerts_raised, seq_gap=existing.seq_gap,
                            out_of_order=existing.out_of_order,
                            alarm_changes_rejected=existing.alarm_changes_rejected)
    now = utcnow()
    ahead = timedelta(seconds=settings.sensor_max_ahead_seconds)
    record = SensorBatch(mine_id=device.mine_id, device_id=device.id, batch_id=batch.batch_id,
                         bridge_seq=batch.bridge_seq, received_at=now)
    session.add(record)
    await session.flush()  # a concurrent replay of this bridge's batch id fails here (unique), before other writes
    gap, out_of_order = await _record_seq(session, device, batch.bridge_seq, now)
    outcome = BatchOutcome(batch_id=batch.batch_id, bridge_seq=batch.bridge_seq, duplicate=False, seq_gap=gap,
                           out_of_order=out_of_order)

    codes = {r.sensor_code for r in batch.readings} | {c.sensor_code for c in batch.alarm_changes}
    briefs = await service.briefs_by_code(session=session, mine_id=device.mine_id, codes=codes)
    rows: list[dict[str, Any]] = []
    latest: dict[uuid.UUID, tuple[datetime, float]] = {}
    for reading in batch.readings:
        if reading.drill is not None:  # a drill's reading is judged at the edge and scored by its alerts: not kept
            outcome.drill_readings += 1
            continue
        brief = briefs.get(reading.sensor_code)
        physical = (brief.physical_min, brief.physical_max) if brief else None
        problem = reading_problem(reading.value, reading.ts, physical, now, ahead)
        if problem is not None or brief is None:
            outcome.readings_rejected += 1
            outcome.reject(problem.value if problem else "UNKNOWN_SENSOR")
            continue
        rows.append({"sensor_id": brief.id, "ts": reading.ts, "value": reading.value, "fault": reading.fault})
        at = min(reading.ts, now)  # a clock a little ahead never dates the last value past now (nor freezes it)
        seen = latest.get(brief.id)
        if seen is None or at >= seen[0]:
            latest[brief.id] = (at, reading.value)
    await service.store_readings(session=session, rows=rows)
    await service.update_last_values(session=session, latest=latest)
    await permit_interlock.on_readings(session, mine_id=device.mine_id, latest=latest, actor=actor)
    outcome.readings_stored = len(rows)
    if outcome.readings_rejected:
        logger.info("batch %s: %s reading(s) rejected %s", batch.batch_id, outcome.readings_rejected,
                    outcome.rejected_by_reason)

    await _alarm_changes(session, actor, device, batch, briefs, now=now, ahead=ahead, replayed=out_of_order,
                         outcome=outcome)
    record.readings_stored, record.readings_rejected = outcome.readings_stored, outcome.readings_rejected
    record.alarm_changes_rejected = outcome.alarm_changes_rejected
    record.alerts_raised, record.seq_gap, record.out_of_order = outcome.alerts_raised, gap, out_of_order
    await session.flush()
    return outcome


def evacuates(event: AlarmEvent, level: SensorLevel) -> bool:
    """An alarm (alarm level) or a power cut in an area makes its alert's evacuation list."""
    return event is AlarmEvent.POWER_CUT or (event is AlarmEvent.LEVEL_CHANGED and level is SensorLevel.ALARM)


def printable(text: str) -> str:
    """The bridge's free text without control characters (a line break or tab stays)."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


async def _alarm_changes(session: AsyncSession, actor: Principal, device: Device, batch: BatchIn,
                         briefs: dict[str, service.SensorBrief], *, now: datetime, ahead: timedelta,
                         replayed: bool, outcome: BatchOutcome) -> None:
    """Apply the bridge's alarm changes in time order: raise or resolve its alerts, then the sensor's state.

    A change naming no sensor, dated further ahead of the server's clock than ``ahead``, or whose alert step
    refuses it is counted in ``outcome.alarm_changes_rejected`` (and logged): it never fails the batch, whose
    readings are stored all the same. Only a batch ``replayed`` out of order (by bridge sequence) can hold stale
    changes: one older than the sensor's ``state_changed_at`` (never later than now) is ignored. A batch in order
    is newer than anything its bridge sent before, whatever its timestamps say, so an earlier bad timestamp never
    drops a later alarm."""
    ids = {briefs[c.sensor_code].id for c in batch.alarm_changes if c.sensor_code in briefs}
    sensors = {s.id: s for s in await session.scalars(select(Sensor).where(Sensor.id.in_(ids)))} if ids else {}
    for change in sorted(batch.alarm_changes, key=lambda c: c.ts):
        brief = briefs.get(change.sensor_code)
        if brief is None:
            _reject_change(outcome, "UNKNOWN_SENSOR", change, "names no sensor of this mine")
            continue
        if change.ts > now + ahead:
            _reject_change(outcome, "IN_THE_FUTURE", change, f"is ahead of the server's clock ({now.isoformat()})")
            continue
        sensor = sensors[brief.id]
        if change.drill is not None:
            refused = await drill_flows.bridge_alarm_change(session, actor=actor, mine_id=device.mine_id,
                                                            sensor=sensor, change=change)
            if refused:
                _reject_change(outcome, refused, change, f"names drill {change.drill!r}, which is not running")
            else:
                outcome.alerts_raised += 1
            continue
        applied_at = sensor.state_changed_at if sensor.state_changed_at is None else min(sensor.state_changed_at, now)
        if replayed and applied_at is not None and change.ts < applied_at:
            logger.warning("stale alarm change %s of %s at %s ignored (a later one is applied)", change.event.value,
                           sensor.code, change.ts.isoformat())
            continue
        action = alert_action(change.event, change.level)
        key = dedupe_key(sensor.id, action.condition)
        try:
            if action.resolves:
                await alert_flows.resolve_by_key(session, actor=actor, mine_id=device.mine_id, dedupe_key=key,
                                                 reason=_resolution_note(change, sensor.code))
            else:
                assert action.raise_severity is not None
                raised = await alert_flows.raise_alert(
                    session, actor=actor, mine_id=device.mine_id, source=AlertSource.SENSOR,
                    source_ref=str(sensor.id), severity=AlertSeverity(action.raise_severity.value),
                    area_id=sensor.area_id,
                    title=alert_title(sensor.code, sensor.kind, change.event, change.level, change.value, sensor.unit),
                    detail=printable(change.detail)[:2000], dedupe_key=key, occurred_at=change.ts)
                outcome.alerts_raised += 1
                if evacuates(change.event, change.level):  # the people in the affected areas: its evacuation list
                    await positioning_flows.ensure_evacuation(session, alert=raised.alert, actor=actor,
                                                              at=min(change.ts, now))
        except ValidationFailed as error:  # refused before the alert step wrote anything
            _reject_change(outcome, "INVALID", change, f"was refused: {error}")
            continue
        sensor.state_changed_at = min(change.ts, now)
        before = _state_snapshot(sensor)
        _apply_state(sensor, change)
        if change.event in (AlarmEvent.POWER_CUT, AlarmEvent.POWER_RESTORED):
            await record_audit(
                session, actor=actor, mine_id=device.mine_id, subject_type="sensor", subject_id=sensor.id,
                action="sensor.power_cut" if change.event is AlarmEvent.POWER_CUT else "sensor.power_restored",
                before=before, after={**_state_snapshot(sensor), "value": change.value, "at": change.ts},
                reason=printable(change.detail).strip()[:REASON_MAX] or None)


def _reject_change(outcome: BatchOutcome, reason: str, change: AlarmChangeIn, why: str) -> None:
    outcome.alarm_changes_rejected += 1
    outcome.reject(f"ALARM_CHANGE_{reason}")
    logger.warning("alarm change %s of sensor %r at %s rejected: it %s", change.event.value,
                   printable(change.sensor_code)[:64], change.ts.isoformat(), why)


def _resolution_note(change: AlarmChangeIn, code: str) -> str:
    """The bridge's detail as the alert's resolution note: without control characters, at most REASON_MAX
    characters, and a default when blank."""
    return printable(change.detail).strip()[:REASON_MAX].strip() or f"{code} back to normal"


def _state_snapshot(sensor: Sensor) -> dict[str, Any]:
    return {"level": sensor.level, "power_cut": sensor.power_cut, "fault": sensor.fault}


def _apply_state(sensor: Sensor, change: AlarmChangeIn) -> None:
    if change.event is AlarmEvent.LEVEL_CHANGED:
        sensor.level = change.level
    elif change.event is AlarmEvent.POWER_CUT:
        sensor.power_cut = True
    elif change.event is AlarmEvent.POWER_RESTORED:
        sensor.power_cut = False
    elif change.event is AlarmEvent.FAULT_RAISED:
        sensor.fault = change.fault or SensorFault.SILENT
    elif change.event is AlarmEvent.FAULT_CLEARED:
        sensor.fault = None


# --- bridge health ---------------------------------------------------------------------------------
COUNTER_MAX = 2**53  # exact in a JSON number; far beyond any bridge's uptime


@dataclass(frozen=True, slots=True)
class HealthIn:
    """A bridge's heartbeat: its counters since it started, its outbox and when it last forwarded."""

    client_id: str
    started_at: datetime
    mqtt_connected: bool
    readings_in: int
    malformed: int
    readings_rejected: int
    outbox_batches: int
    dead_letters: int
    last_forward_at: datetime | None
    forward_failures: int
    config_sensors: int


HEALTH_COUNTERS = {"readings_in": "readingsIn", "malformed": "malformed", "readings_rejected": "readingsRejected",
                   "outbox_batches": "outboxBatches", "dead_letters": "deadLetters",
                   "forward_failures": "forwardFailures", "config_sensors": "configSensors"}


def check_health(health: HealthIn) -> None:
    clean_text(health.client_id, "clientId", required=True, limit=CODE_MAX, multiline=False)
    for name, field_name in HEALTH_COUNTERS.items():
        value = getattr(health, name)
        if not 0 <= value <= COUNTER_MAX:
            raise ValidationFailed(f"{field_name} must be between 0 and {COUNTER_MAX}", field=field_name)


def status_of(link: BridgeLink, *, now: datetime, stall_s: float) -> tuple[BridgeStatus, str]:
    """A bridge's status from what the backend last heard of it (a row made by a heartbeat has no batch yet)."""
    return bridge_status(last_batch_at=link.last_batch_at if link.batches else None, reported_at=link.reported_at,
                         outbox_batches=link.outbox_batches, now=now, stall_s=stall_s, started_at=link.started_at)


async def report_health(session: AsyncSession, *, actor: Principal, health: HealthIn) -> BridgeLink:
    """Keep a bridge's heartbeat on its link (made here when no batch came yet). Times never pass the server's
    clock: a bridge whose clock runs ahead cannot date its last forward in the future."""
    device = await require_bridge(session, actor)
    check_health(health)
    now = utcnow()
    await session.execute(tenancy.upsert(session, BridgeLink).values(
        device_id=device.id, mine_id=device.mine_id, last_seq=0,
        last_batch_at=now, batches=0, missing_seqs=0, out_of_order_batches=0)
        .on_conflict_do_nothing(index_elements=["device_id"]))
    link = await service.bridge_link_for_update(session=session, device_id=device.id)
    assert link is not None
    link.reported_at = now
    link.client_id = health.client_id.strip()
    link.started_at = min(health.started_at, now)
    link.mqtt_connected = health.mqtt_connected
    for name in HEALTH_COUNTERS:
        setattr(link, name, getattr(health, name))
    link.last_forward_at = min(health.last_forward_at, now) if health.last_forward_at else None
    await session.flush()
    return link


async def check_bridges(session: AsyncSession, *, settings: Settings, now: datetime | None = None,
                        mine_id: uuid.UUID | None = None) -> tuple[int, int]:
    """Raise one alert per bridge (of every mine, or of ``mine_id``) that stopped forwarding (silent, or batches
    stuck in its outbox), through the shared alerts; resolve it once the bridge forwards again. Returns (raised,
    resolved). The caller commits."""
    now = now or utcnow()
    raised = resolved = 0
    query = (select(BridgeLink, Device).join(Device, Device.id == BridgeLink.device_id)
             .where(Device.revoked_at.is_(None)).order_by(BridgeLink.mine_id))
    if mine_id is not None:
        query = query.where(BridgeLink.mine_id == mine_id)
    rows = (await session.execute(query)).all()
    for link, device in rows:
        status, why = status_of(link, now=now, stall_s=settings.sensor_bridge_stall_seconds)
        key = bridge_alert_key(device.id)
        open_alert = await alert_service.find_open(session=session, mine_id=device.mine_id, dedupe_key=key)
        if status is BridgeStatus.OK:
            if open_alert is not None and await alert_flows.resolve_by_key(
                    session, actor=None, mine_id=device.mine_id, dedupe_key=key,
                    reason=f"sensor bridge {device.name} forwards again"):
                resolved += 1
            continue
        if open_alert is not None:
            continue  # raised already; a fold every check would only repeat it
        label = "silent" if status is BridgeStatus.SILENT else "not forwarding"
        await alert_flows.raise_alert(
            session, actor=None, mine_id=device.mine_id, source=AlertSource.SENSOR, source_ref=str(device.id),
            severity=AlertSeverity.ALARM, area_id=None, title=f"Sensor bridge {device.name[:100]} {label}",
            detail=f"{why}. The bridge still cuts power at its thresholds, but readings and alarms no longer reach "
                   "the server.", dedupe_key=key, occurred_at=now)
        logger.warning("sensor bridge %s %s: %s", device.name, label, why)
        raised += 1
    return raised, resolved


# --- retention -------------------------------------------------------------------------------------
async def retain(session: AsyncSession, *, settings: Settings, now: datetime | None = None,
                 max_readings: int = 1_000_000_000) -> service.RetainResult:
    """Apply the retention periods: raw readings (at most max_readings in this transaction, oldest first; batch
    records with them) and hourly statistics."""
    now = now or utcnow()
    raw_cut = now - timedelta(days=settings.sensor_raw_retention_days)
    result = await service.delete_older(session=session, readings_before=raw_cut,
                                        stats_before=now - timedelta(days=settings.sensor_stats_retention_days),
                                        batches_before=raw_cut, max_readings=max_readings)
    logger.info("sensor retention: %s readings, %s hourly statistics, %s batch records deleted",
                result.readings_deleted, result.stats_deleted, result.batches_deleted)
    return result
