"""The drills domain's changes: the mine model, a drill's life (plan, start, what happens in it, finish and score),
each audited in its transaction. The caller commits."""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal, Role
from backend.alerts import flows as alert_flows
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine
from backend.drills import positions as drill_positions
from backend.drills import rules, service
from backend.drills.documents import DocumentError, DocumentProblem, dump_json, line_of, load
from backend.drills.models import Drill, DrillEvent, DrillEventKind, DrillParticipant, DrillState, MineNetwork
from backend.drills.network import MineNetwork as Network
from backend.drills.network import NetworkDocument, RoadwaySpec, build, from_document, load_network
from backend.drills.permissions import CanDirectDrills, CanEditMineModel, CanReportDrillResponse
from backend.drills.report import DrillReportData, render_drill_pdf
from backend.drills.rules import DRILL_TITLE
from backend.drills.scenario import PersonDown, Scenario, load_scenario
from backend.errors import InvalidTransition, NotFound, ValidationFailed
from backend.hazards.models import Hazard
from backend.org.models import Area, Mine
from backend.permits import flows as permit_flows
from backend.permits.models import Permit
from backend.sensors.rules import AlarmEvent, alert_action, alert_title
from backend.storage.base import ObjectStore
from backend.vision import flows as vision_flows
from backend.vision.models import VisionEventRecord, VisionJob
from contracts.alerts import AlertSeverity, AlertSource
from contracts.hazards import HazardSource

if TYPE_CHECKING:
    from backend.sensors.flows import AlarmChangeIn
    from backend.sensors.models import Sensor

logger = logging.getLogger(__name__)
RESPONSE_KINDS = frozenset({DrillEventKind.HAZARD_OPENED, DrillEventKind.EVACUATION_ORDERED})


def _document_failure(error: DocumentError, field: str) -> ValidationFailed:
    return ValidationFailed("; ".join(str(p) for p in error.problems[:20]), field=field)


# --- the mine model ----------------------------------------------------------------------------------------
async def _check_against_mine(session: AsyncSession, mine_id: uuid.UUID, network: Network,
                              lines: dict[tuple[str | int, ...], int]) -> None:
    """Every area of the model must be an active area of the mine's unit tree (by code)."""
    codes = await service.area_ids_by_code(session=session, mine_id=mine_id)
    problems = [DocumentProblem(f"areas[{i}].id", f"unknown area {a.id!r}: no active area of this mine has that code",
                                line_of(lines, ("areas", i, "id")))
                for i, a in enumerate(network.document.areas) if a.id not in codes]
    if problems:
        raise DocumentError(problems)


async def _save(session: AsyncSession, *, actor: Principal, network: Network, lines: dict, action: str) -> MineNetwork:
    try:
        await _check_against_mine(session, actor.mine_id, network, lines)
    except DocumentError as error:
        raise _document_failure(error, "document") from error
    await lock_mine(session, actor.mine_id)
    row = await service.network_of(session=session, mine_id=actor.mine_id)
    before = {"version": row.version} if row else {}
    document = network.document.model_dump(mode="json", by_alias=True)
    if row is None:
        row = MineNetwork(mine_id=actor.mine_id, document=document, version=1, updated_by_id=actor.id)
        session.add(row)
    else:
        row.document, row.version, row.updated_by_id = document, row.version + 1, actor.id
    await session.flush()
    await record_audit(session, actor=actor, mine_id=actor.mine_id, subject_type="mine_network", subject_id=row.id,
                       action=action, before=before,
                       after={"version": row.version, "areas": len(network.document.areas),
                              "roadways": len(network.document.roadways)})
    return row


async def import_network(session: AsyncSession, *, actor: Principal, text: str) -> MineNetwork:
    """Replace the mine's model with a YAML/JSON document (drills/network.py); every error names field and line."""
    CanEditMineModel.check(actor)
    try:
        network = load_network(text)
        _, lines = load(text)
    except DocumentError as error:
        raise _document_failure(error, "document") from error
    return await _save(session, actor=actor, network=network, lines=lines, action="mine_network.imported")


def as_network(row: MineNetwork | dict) -> Network:
    return from_document(row.document if isinstance(row, MineNetwork) else row)


async def require_network(session: AsyncSession, mine_id: uuid.UUID) -> tuple[MineNetwork, Network]:
    row = await service.network_of(session=session, mine_id=mine_id)
    if row is None:
        raise ValidationFailed("this mine has no mine model yet: import one (importMineNetwork)",
                                    field="mineNetwork")
    return row, as_network(row)


async def upsert_roadway(session: AsyncSession, *, actor: Principal, spec: dict) -> MineNetwork:
    """Add a roadway or change the one between the same two areas (either direction: the new one's air direction
    wins); the whole model is validated again."""
    CanEditMineModel.check(actor)
    _, network = await require_network(session, actor.mine_id)
    try:
        road = RoadwaySpec.model_validate(spec)
    except ValidationError as error:
        first = error.errors()[0]
        raise ValidationFailed(first["msg"], field=".".join(str(p) for p in first["loc"])) from error
    pair = {road.from_area, road.to_area}
    roadways = [r for r in network.document.roadways if {r.from_area, r.to_area} != pair] + [road]
    return await _save_roadways(session, actor=actor, network=network, roadways=roadways,
                                action="mine_network.roadway_set")


async def remove_roadway(session: AsyncSession, *, actor: Principal, from_area: str, to_area: str) -> MineNetwork:
    CanEditMineModel.check(actor)
    _, network = await require_network(session, actor.mine_id)
    kept = [r for r in network.document.roadways if {r.from_area, r.to_area} != {from_area, to_area}]
    if len(kept) == len(network.document.roadways):
        raise NotFound(f"no roadway between {from_area!r} and {to_area!r}")
    return await _save_roadways(session, actor=actor, network=network, roadways=kept,
                                action="mine_network.roadway_removed")


async def _save_roadways(session: AsyncSession, *, actor: Principal, network: Network, roadways: list[RoadwaySpec],
                         action: str) -> MineNetwork:
    """The model with these roadways, validated again as a whole, saved."""
    document = network.document.model_copy(update={"roadways": roadways}, deep=True)
    try:
        rebuilt = build(document)
    except DocumentError as error:
        raise _document_failure(error, "roadway") from error
    return await _save(session, actor=actor, network=rebuilt, lines={}, action=action)


def export_network(row: MineNetwork) -> str:
    return dump_json(NetworkDocument.model_validate(row.document))


# --- a drill's life -------------------------------------------------------------------------------------------
def scenario_of(drill: Drill) -> tuple[Scenario, Network]:
    network = as_network(drill.network)
    return load_scenario(drill.scenario, network), network


@dataclass(frozen=True, slots=True)
class ParticipantIn:
    user_id: uuid.UUID
    task: str


async def plan_drill(session: AsyncSession, *, actor: Principal, scenario_text: str, speed: float = 1.0,
                     participants: Sequence[ParticipantIn] = ()) -> Drill:
    """A drill of a scenario on the mine's current model (checked against it: errors name field and line)."""
    CanDirectDrills.check(actor)
    if not 0.1 <= speed <= 1000:
        raise ValidationFailed("speed is between 0.1 and 1000 drill seconds per second", field="speed")
    row, network = await require_network(session, actor.mine_id)
    try:
        scenario = load_scenario(scenario_text, network)
    except DocumentError as error:
        raise _document_failure(error, "scenario") from error
    roles = {r.value for r in Role if r is not Role.DEVICE}
    for i, response in enumerate(scenario.responses):
        if response.role is not None and response.role.lower() not in roles:
            raise ValidationFailed(f"responses[{i}].role: unknown role {response.role!r} (one of "
                                        f"{', '.join(sorted(r.upper() for r in roles))})", field="scenario")
    await _check_cameras(session, actor.mine_id, scenario, network)
    kinds = sorted(k.code for k in await permit_flows.ensure_kinds(session, mine_id=actor.mine_id) if k.is_active)
    for i, permit in enumerate(scenario.permits):
        if permit.kind not in kinds:
            raise ValidationFailed(f"permits[{i}].kind: unknown permit kind {permit.kind!r} (one of "
                                        f"{', '.join(kinds)})", field="scenario")
    users = await service.users_by_id(session=session, ids={p.user_id for p in participants})
    for p in participants:
        user = users.get(p.user_id)
        if user is None or user.mine_id != actor.mine_id:
            raise ValidationFailed("a participant is not a person of this mine", field="participants")
        if not p.task.strip() or len(p.task) > 2000:
            raise ValidationFailed("each participant needs a task (at most 2,000 characters)",
                                        field="participants")
    drill = Drill(mine_id=actor.mine_id, code=f"d{secrets.token_hex(6)}", name=scenario.name,
                  scenario=scenario_text, network=row.document, state=DrillState.PLANNED, speed=speed,
                  planned_by_id=actor.id)
    session.add(drill)
    await session.flush()
    for p in participants:
        session.add(DrillParticipant(drill_id=drill.id, user_id=p.user_id, task=p.task.strip()))
    await record_audit(session, actor=actor, mine_id=actor.mine_id, subject_type="drill", subject_id=drill.id,
                       action="drill.planned", before={},
                       after={"name": drill.name, "code": drill.code, "speed": speed,
                              "participants": len(participants)})
    return drill


async def _transition(session: AsyncSession, *, actor: Principal, drill_id: uuid.UUID, expected: DrillState,
                      to: DrillState) -> Drill:
    CanDirectDrills.check(actor)
    drill = await service.get_in_mine_or_raise(session=session, drill_id=drill_id, mine_id=actor.mine_id,
                                               for_update=True)
    if drill.state is not expected:
        raise InvalidTransition(f"the drill is {drill.state.value}, not {expected.value}",
                                     current_state=drill.state.value)
    before = drill.state
    drill.state = to
    now = utcnow()
    if to is DrillState.RUNNING:
        drill.started_at = now
    else:
        drill.finished_at = now
    await record_audit(session, actor=actor, mine_id=actor.mine_id, subject_type="drill", subject_id=drill.id,
                       action=f"drill.{to.value.lower()}", before={"state": before.value}, after={"state": to.value})
    return drill


async def start_drill(session: AsyncSession, *, actor: Principal, drill_id: uuid.UUID) -> Drill:
    """PLANNED → RUNNING: the drill's clock starts; its topics and alerts are live from now, and the work of its
    scenario goes on under drill permits (until the drill's end, with an hour to spare)."""
    drill = await _transition(session, actor=actor, drill_id=drill_id, expected=DrillState.PLANNED,
                              to=DrillState.RUNNING)
    scenario, _ = scenario_of(drill)
    if scenario.permits:
        codes = await service.area_ids_by_code(session=session, mine_id=drill.mine_id)
        gone = sorted({p.area for p in scenario.permits} - codes.keys())
        if gone:
            raise ValidationFailed(f"the drill's permits name areas no longer active: {', '.join(gone)}",
                                        field="permits")
        assert drill.started_at is not None
        await permit_flows.open_drill_permits(
            session, actor=actor, drill_id=drill.id,
            permits=[permit_flows.DrillPermitIn(kind_code=p.kind, area_id=codes[p.area],
                                                description=f"{DRILL_TITLE}{p.description or scenario.name}")
                     for p in scenario.permits],
            ends_at=drill.started_at + timedelta(seconds=scenario.duration_s / drill.speed + 3600))
    return drill


def _within(drill: Drill, at: datetime) -> datetime:
    """A reported time, never before the drill started nor after now."""
    assert drill.started_at is not None
    return min(max(at, drill.started_at), utcnow())


async def record_response(session: AsyncSession, *, actor: Principal, drill_id: uuid.UUID, kind: DrillEventKind,
                          subject: str = "", detail: str = "") -> DrillEvent:
    """A participant (or a director) reports a response they made in the drill: permits suspended, a hazard
    opened, evacuation ordered; timed by the server."""
    drill = await service.get_in_mine_or_raise(session=session, drill_id=drill_id, mine_id=actor.mine_id)
    participants = await service.participants_of(session=session, drill_id=drill.id)
    CanReportDrillResponse.check(actor, participant=any(p.user_id == actor.id for p in participants))
    if kind not in RESPONSE_KINDS:
        raise ValidationFailed(f"a person reports {', '.join(sorted(RESPONSE_KINDS))}", field="kind")
    if drill.state is not DrillState.RUNNING:
        raise InvalidTransition("the drill is not running", current_state=drill.state.value)
    event = DrillEvent(drill_id=drill.id, kind=kind, at=utcnow(), actor_id=actor.id, actor_name=actor.name,
                       subject=subject[:200], detail=detail[:2000])
    session.add(event)
    await session.flush()
    await record_audit(session, actor=actor, mine_id=actor.mine_id, subject_type="drill", subject_id=drill.id,
                       action="drill.response", before={}, after={"kind": kind.value, "subject": event.subject})
    return event


async def submit_vision_video(session: AsyncSession, *, actor: Principal, store: ObjectStore, drill_id: uuid.UUID,
                              camera: str, object_key: str, recorded_at: datetime) -> VisionJob:
    """A drill's camera video (its PERSON_DOWN event) queued for the real vision worker: the worker stages the person
    down in it and runs the real rules; its events raise drill alerts through the vision path."""
    CanDirectDrills.check(actor)
    drill = await service.get_in_mine_or_raise(session=session, drill_id=drill_id, mine_id=actor.mine_id)
    if drill.state is not DrillState.RUNNING:
        raise InvalidTransition("the drill is not running", current_state=drill.state.value)
    if camera not in as_network(drill.network).cameras:
        raise ValidationFailed(f"no camera {camera!r} in the drill's model", field="camera")
    return await vision_flows.queue_drill_video(session, store=store, actor=actor, drill_id=drill.id,
                                                camera_code=camera, object_key=object_key,
                                                recorded_at=_within(drill, recorded_at))


async def _check_cameras(session: AsyncSession, mine_id: uuid.UUID, scenario: Scenario, network: Network) -> None:
    """Each PERSON_DOWN camera is one of the mine's active cameras, in the area the model places it in (its vision
    alert must land where the drill looks for it)."""
    areas = {area_id: code for code, area_id in (await service.area_ids_by_code(session=session,
                                                                                mine_id=mine_id)).items()}
    for i, event in enumerate(scenario.events):
        if not isinstance(event, PersonDown):
            continue
        found = await vision_flows.active_camera_by_code(session, mine_id=mine_id, code=event.camera)
        placed = network.cameras[event.camera].area
        if found is None:
            raise ValidationFailed(f"events[{i}].camera: {event.camera!r} is not an active camera of this mine "
                                        "(register it: the drill's video goes through its vision queue)",
                                        field="scenario")
        if areas.get(found.area_id) != placed:
            raise ValidationFailed(f"events[{i}].camera: {event.camera!r} is registered in another area than "
                                        f"{placed!r}, where the mine model places it", field="scenario")


async def bridge_alarm_change(session: AsyncSession, *, actor: Principal, mine_id: uuid.UUID, sensor: Sensor,
                              change: AlarmChangeIn) -> str | None:
    """A drill's alarm change from the bridge: a drill alert raised or resolved (its own key: never folded into a
    real alert), a drill power cut recorded. The real sensor's state is never touched. Returns why it was refused,
    or None."""
    assert change.drill is not None
    drill = await service.running_by_code(session=session, mine_id=mine_id, code=change.drill)
    if drill is None:
        return "DRILL_NOT_RUNNING"
    action = alert_action(change.event, change.level)
    key = f"drill:{drill.id}:sensor:{sensor.id}:{action.condition.value}"
    if action.resolves:
        await alert_flows.resolve_by_key(session, actor=actor, mine_id=mine_id, dedupe_key=key,
                                         reason=f"{sensor.code} back to normal (drill)")
    else:
        assert action.raise_severity is not None
        await alert_flows.raise_alert(
            session, actor=actor, mine_id=mine_id, source=AlertSource.SENSOR, source_ref=str(sensor.id),
            severity=AlertSeverity(action.raise_severity.value), area_id=sensor.area_id,
            title=DRILL_TITLE + alert_title(sensor.code, sensor.kind, change.event, change.level, change.value,
                                            sensor.unit),
            detail=change.detail[:2000], dedupe_key=key, occurred_at=change.ts, drill_id=drill.id)
    if change.event in (AlarmEvent.POWER_CUT, AlarmEvent.POWER_RESTORED):
        area = await session.get(Area, sensor.area_id)
        session.add(DrillEvent(drill_id=drill.id, at=_within(drill, change.ts), actor_id=actor.id,
                               kind=DrillEventKind.POWER_CUT if change.event is AlarmEvent.POWER_CUT
                               else DrillEventKind.POWER_RESTORED, actor_name=actor.name, subject=sensor.code,
                               detail=(area.code or "") if area else ""))
    return None


# --- scoring ----------------------------------------------------------------------------------------------------
async def _hazards_and_alerts(session: AsyncSession, drill_id: uuid.UUID) -> list[tuple[Hazard, str | None]]:
    """The drill's hazards, each with the drill alert it was opened from (by hand, or by the vision policy)."""
    hazards = (await session.scalars(select(Hazard).where(Hazard.drill_id == drill_id))).all()
    records = {str(r.id): r.alert_id for r in await session.scalars(select(VisionEventRecord).where(
        VisionEventRecord.hazard_id.in_([h.id for h in hazards])))} if hazards else {}
    out = []
    for hazard in hazards:
        alert = hazard.source_ref if hazard.source is HazardSource.ALERT else records.get(hazard.source_ref or "")
        out.append((hazard, str(alert) if alert else None))
    return out


async def measure(session: AsyncSession, drill: Drill) -> rules.DrillScore:
    scenario, network = scenario_of(drill)
    assert drill.started_at is not None
    alerts = await service.alerts_of(session=session, drill_id=drill.id)
    area_codes = {a.id: a.code for a in await session.scalars(
        select(Area).where(Area.id.in_({a.area_id for a in alerts if a.area_id})))} if alerts else {}
    users = await service.users_by_id(session=session, ids={a.acknowledged_by_id for a in alerts
                                                             if a.acknowledged_by_id})
    seen = []
    for alert in alerts:
        if alert.source is AlertSource.PERMIT:  # a drill permit's suspension notice: the permits count, below
            continue
        acker = users.get(alert.acknowledged_by_id) if alert.acknowledged_by_id else None
        seen.append(rules.AlertSeen(
            area=area_codes.get(alert.area_id) if alert.area_id else None, raised_at=alert.first_raised_at,
            raised_by="camera" if alert.source is AlertSource.VISION else "sensor bridge",
            acknowledged_at=alert.acknowledged_at, acknowledged_by=acker.display_name if acker else None,
            acknowledged_roles=frozenset(str(r) for r in acker.roles) if acker else frozenset(),
            source=alert.source.value, id=str(alert.id)))
    events = [rules.EventSeen(kind=e.kind.value, at=e.at, actor=e.actor_name, subject=e.subject,
                              area=e.detail or None)
              for e in await service.events_of(session=session, drill_id=drill.id)]
    # a hazard opened from a drill alert is the drill's HAZARD_OPENED, timed when it was reported, by its reporter
    events += [rules.EventSeen(kind=DrillEventKind.HAZARD_OPENED.value, at=h.created_at, actor=h.reporter_name,
                               subject=str(h.id), alert=alert)
               for h, alert in await _hazards_and_alerts(session, drill.id)]
    events += [rules.EventSeen(kind=DrillEventKind.PERMITS_SUSPENDED.value, at=p.suspended_at,
                               actor=f"permits interlock ({p.kind_code})", subject=str(p.id))
               for p in await session.scalars(select(Permit).where(Permit.drill_id == drill.id))
               if p.suspended_at is not None]
    located = [rules.PositionSeen(tag=p.tag_code, start_area=p.start_area, safe_at=p.safe_at)
               for p in await drill_positions.positions_of(session=session, drill_id=drill.id)]
    return rules.score_drill(scenario, network, started_at=drill.started_at, speed=drill.speed, alerts=seen,
                             events=events, positions=located)


async def finish_drill(session: AsyncSession, *, actor: Principal, store: ObjectStore, drill_id: uuid.UUID) -> Drill:
    """RUNNING → FINISHED: every expected response measured, the score, the timeline report (PDF) stored."""
    drill = await _transition(session, actor=actor, drill_id=drill_id, expected=DrillState.RUNNING,
                              to=DrillState.FINISHED)
    score = await measure(session, drill)
    await permit_flows.end_drill_permits(session, actor=actor, drill_id=drill.id)
    drill.results = [r.as_dict() for r in score.results]
    drill.score, drill.max_score = score.score, score.max_score
    data = await report_data(session, drill)
    pdf = await asyncio.to_thread(render_drill_pdf, data)
    key = f"drills/{drill.mine_id}/{drill.id}.pdf"
    await store.put(key, pdf, content_type="application/pdf")
    drill.report_key = key
    await record_audit(session, actor=actor, mine_id=actor.mine_id, subject_type="drill", subject_id=drill.id,
                       action="drill.scored", before={},
                       after={"score": drill.score, "met": sum(r.met for r in score.results),
                              "responses": len(score.results)})
    logger.info("drill %s finished: score %s", drill.code, drill.score)
    return drill


async def report_data(session: AsyncSession, drill: Drill) -> DrillReportData:
    scenario, _ = scenario_of(drill)
    assert drill.started_at is not None and drill.finished_at is not None
    mine = await session.get(Mine, drill.mine_id)

    def t(at: datetime) -> float:
        return round((at - drill.started_at).total_seconds() * drill.speed, 1)  # type: ignore[operator]

    observed = [(t(a.first_raised_at), f"报警 {a.title.removeprefix(DRILL_TITLE)}")
                for a in await service.alerts_of(session=session, drill_id=drill.id)]
    observed += [(t(e.at), f"{e.kind.value} {e.subject}")
                 for e in await service.events_of(session=session, drill_id=drill.id)]
    safe = [p.safe_at for p in await drill_positions.positions_of(session=session, drill_id=drill.id) if p.safe_at]
    if safe:
        observed.append((t(max(safe)), f"last of {len(safe)} sighted safe"))
    return DrillReportData(
        mine_name=mine.name if mine else "", drill_name=drill.name, code=drill.code, started_at=drill.started_at,
        finished_at=drill.finished_at, speed=drill.speed, score=drill.score or 0.0, results=drill.results or [],
        events=[(e.at_s, f"{e.id} {e.kind}") for e in scenario.events], observed=observed)
