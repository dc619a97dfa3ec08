"""Positioning changes: the tag registry and readers (audited), sighting batches from bridges → positions,
stays and presence events, the four exceptions as shared alerts, and evacuation lists that follow people out."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.accounts.roles import Principal
from backend.alerts import flows as alert_flows
from backend.alerts.models import Alert
from backend.alerts.rules import OPEN_STATES
from backend.audit.flows import record_audit
from backend.config import Settings
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine, sqlite_write_lock
from backend.drills import positions as drill_positions
from backend.errors import NotFound, ValidationFailed
from backend.events import publish_after_commit
from backend.org.models import Area, AreaKind, Mine
from backend.positioning import rules, service
from backend.positioning.events import EvacuationChanged, PresenceChanged, channel_for, evacuation_channel
from backend.positioning.models import (
    Evacuation,
    EvacuationMember,
    FlaggedSighting,
    FlagReason,
    PersonPosition,
    Reader,
    SightingBatch,
    Stay,
    TagIssue,
)
from backend.positioning.permissions import CanManagePositioning
from backend.positioning.rules import AreaBrief, SightingProblem
from backend.sensors import flows as sensor_flows
from backend.validation import clean_text
from contracts.alerts import AlertSeverity, AlertSource

logger = logging.getLogger(__name__)
BATCH_ID_MAX = 100
MAX_SIGHTINGS = 10_000

# Which areas an alarm in an area affects. Replace it (a roadway / airflow network: the area and those
# downstream of it) by assigning another function of the same shape; evacuation lists call it when made.
affected_areas: rules.AffectedAreas = rules.area_and_district_siblings


# --- areas -----------------------------------------------------------------------------------------
def brief(area: Area) -> AreaBrief:
    return AreaBrief(id=area.id, kind=area.kind, parent_id=area.parent_id, map_x=area.map_x, map_y=area.map_y,
                     person_limit=area.person_limit, restricted=area.restricted, safe=area.safe, name=area.name)


async def area_briefs(session: AsyncSession, mine_id: uuid.UUID) -> dict[uuid.UUID, AreaBrief]:
    """Every unit of the mine, for the rules (a mine has hundreds, not millions)."""
    rows = await session.scalars(select(Area).where(Area.mine_id == mine_id))
    return {a.id: brief(a) for a in rows}


async def _area_of_mine(session: AsyncSession, mine_id: uuid.UUID, area_id: uuid.UUID, field: str) -> Area:
    area = await session.get(Area, area_id)
    if area is None or area.mine_id != mine_id:
        raise ValidationFailed("no such area in this mine", field=field)
    if area.kind is AreaKind.DISTRICT:
        raise ValidationFailed("a district holds areas; choose one of its areas", field=field)
    if area.retired_at is not None:
        raise ValidationFailed("that area is retired", field=field)
    return area


async def set_area_positioning(session: AsyncSession, *, actor: Principal, area_id: uuid.UUID,
                               person_limit: int | None, restricted: bool, safe: bool) -> Area:
    """An area's 定员 (None: no limit), restricted (限制区域) and safe marks; audited."""
    CanManagePositioning.check(actor)
    await lock_mine(session, actor.mine_id)
    area = await _area_of_mine(session, actor.mine_id, area_id, "areaId")
    if person_limit is not None and not 0 <= person_limit <= 10_000:
        raise ValidationFailed("the person limit must be 0 to 10000 (or none)", field="personLimit")
    if restricted and safe:
        raise ValidationFailed("a restricted area cannot be a safe place for evacuation", field="safe")
    before = {"person_limit": area.person_limit, "restricted": area.restricted, "safe": area.safe}
    area.person_limit, area.restricted, area.safe = person_limit, restricted, safe
    await record_audit(session, actor=actor, action="area.positioning_changed", subject_type="area",
                       subject_id=area.id, before=before,
                       after={"person_limit": person_limit, "restricted": restricted, "safe": safe})
    return area


async def change_settings(session: AsyncSession, *, actor: Principal, changes: Mapping[str, float]) -> Mine:
    """The mine's positioning settings (shift length, silence, top speed, map scale); audited."""
    CanManagePositioning.check(actor)
    try:
        clean = rules.check_settings(changes)
    except ValueError as error:
        raise ValidationFailed(str(error), field="positioning") from error
    mine = await lock_mine(session, actor.mine_id)
    assert mine is not None
    before = dict((mine.settings or {}).get("positioning") or {})
    mine.settings = {**(mine.settings or {}), "positioning": {**before, **clean}}
    await record_audit(session, actor=actor, action="mine.positioning_settings_changed", subject_type="mine",
                       subject_id=mine.id, before=before, after=mine.settings["positioning"])
    return mine


# --- tag registry and readers ----------------------------------------------------------------------------
def _code(value: str, field: str, limit: int) -> str:
    text = clean_text(value, field, required=True, limit=limit, multiline=False) or ""
    if not all(ch.isalnum() or ch in "-_." for ch in text):
        raise ValidationFailed(f"{field} may hold letters, digits, '-', '_' and '.' only", field=field)
    return text


async def issue_tag(session: AsyncSession, *, actor: Principal, tag_code: str, user_id: uuid.UUID) -> TagIssue:
    """Issue a tag to a person of the mine (one open tag per person and per tag); audited."""
    CanManagePositioning.check(actor)
    code = _code(tag_code, "tagCode", rules.TAG_CODE_MAX)
    await lock_mine(session, actor.mine_id)
    user = await session.get(User, user_id)
    if user is None or user.mine_id != actor.mine_id:
        raise ValidationFailed("no such person in this mine", field="userId")
    held = await service.open_issue_by_tag(session=session, mine_id=actor.mine_id, tag_code=code)
    if held is not None:
        raise ValidationFailed(f"tag {code} is issued already; return it first", field="tagCode")
    own = await service.open_issue_by_user(session=session, mine_id=actor.mine_id, user_id=user_id)
    if own is not None:
        raise ValidationFailed(f"this person holds tag {own.tag_code}; return it first", field="userId")
    issue = TagIssue(mine_id=actor.mine_id, tag_code=code, user_id=user_id, issued_at=utcnow())
    session.add(issue)
    await session.flush()
    await record_audit(session, actor=actor, action="tag.issued", subject_type="tag", subject_id=code,
                       before=None, after={"user_id": str(user_id)})
    return issue


async def return_tag(session: AsyncSession, *, actor: Principal, tag_code: str) -> TagIssue:
    """A tag comes back to the lamp room: it names nobody any more; audited."""
    CanManagePositioning.check(actor)
    code = _code(tag_code, "tagCode", rules.TAG_CODE_MAX)
    await lock_mine(session, actor.mine_id)
    issue = await service.open_issue_by_tag(session=session, mine_id=actor.mine_id, tag_code=code)
    if issue is None:
        raise NotFound(f"tag {code} is not issued to anyone")
    issue.returned_at = utcnow()
    await record_audit(session, actor=actor, action="tag.returned", subject_type="tag", subject_id=code,
                       before={"user_id": str(issue.user_id)}, after=None)
    return issue


async def save_reader(session: AsyncSession, *, actor: Principal, code: str, area_id: uuid.UUID) -> Reader:
    """Register a reader / anchor in an area, or move it to another; audited."""
    CanManagePositioning.check(actor)
    clean = _code(code, "code", rules.READER_CODE_MAX)
    await lock_mine(session, actor.mine_id)
    await _area_of_mine(session, actor.mine_id, area_id, "areaId")
    reader = await session.scalar(select(Reader).where(Reader.mine_id == actor.mine_id, Reader.code == clean))
    before = {"area_id": str(reader.area_id)} if reader else None
    if reader is None:
        reader = Reader(mine_id=actor.mine_id, code=clean, area_id=area_id)
        session.add(reader)
    reader.area_id, reader.retired_at = area_id, None
    await session.flush()
    await record_audit(session, actor=actor, action="reader.saved", subject_type="reader", subject_id=reader.id,
                       before=before, after={"code": clean, "area_id": str(area_id)})
    return reader


# --- sightings ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SightingIn:
    tag_code: str
    reader_code: str
    ts: datetime
    drill: str | None = None  # a drill's sighting (its code): the drill's positioning, never a real position


@dataclass(frozen=True, slots=True)
class SightingBatchIn:
    batch_id: str
    bridge_seq: int
    sightings: Sequence[SightingIn] = ()


@dataclass
class SightingOutcome:
    batch_id: str
    bridge_seq: int
    duplicate: bool
    stored: int = 0
    rejected: int = 0
    flagged: int = 0
    moves: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)

    def reject(self, problem: SightingProblem) -> None:
        self.rejected += 1
        self.rejected_by_reason[problem.value] = self.rejected_by_reason.get(problem.value, 0) + 1


@dataclass(frozen=True, slots=True)
class Move:
    user_id: uuid.UUID
    from_area_id: uuid.UUID | None
    to_area_id: uuid.UUID
    at: datetime


def check_batch(batch: SightingBatchIn) -> None:
    clean_text(batch.batch_id, "batchId", required=True, limit=BATCH_ID_MAX, multiline=False)
    if batch.bridge_seq < 0:
        raise ValidationFailed("bridgeSeq cannot be negative", field="bridgeSeq")
    if len(batch.sightings) > MAX_SIGHTINGS:
        raise ValidationFailed(f"a batch carries at most {MAX_SIGHTINGS} sightings "
                                    f"({len(batch.sightings)} sent); split it", field="sightings")


def _duplicate(record: SightingBatch) -> SightingOutcome:
    return SightingOutcome(batch_id=record.batch_id, bridge_seq=record.bridge_seq, duplicate=True,
                           stored=record.stored, rejected=record.rejected, flagged=record.flagged, moves=record.moves,
                           rejected_by_reason=dict(record.rejected_by_reason or {}))


async def ingest_sightings(session: AsyncSession, *, actor: Principal, settings: Settings,
                           batch: SightingBatchIn) -> SightingOutcome:
    """Apply a bridge's batch once (per bridge + batch id): positions and stays move, exceptions raise or
    resolve shared alerts, evacuation lists follow their people, presence changes publish after commit.

    A sighting is refused (counted by reason, never failing the batch) when its reader or tag is unknown,
    it is dated beyond the allowance ahead of the server's clock, it repeats one of the batch, or it is older
    than the person's last accepted sighting (out of order: history is not rewritten). A move faster than a
    person can travel is flagged (kept for review) and not trusted: the position stays."""
    device = await sensor_flows.require_bridge(session, actor)  # the sensor bridge carries positioning too
    check_batch(batch)
    existing = await service.find_batch(session=session, device_id=device.id, batch_id=batch.batch_id)
    if existing is not None:
        return _duplicate(existing)
    mine_id, now = device.mine_id, utcnow()
    record = SightingBatch(mine_id=mine_id, device_id=device.id, batch_id=batch.batch_id,
                           bridge_seq=batch.bridge_seq, received_at=now, rejected_by_reason={})
    session.add(record)
    await session.flush()  # a concurrent replay of this batch fails here (unique), before other writes
    outcome = SightingOutcome(batch_id=batch.batch_id, bridge_seq=batch.bridge_seq, duplicate=False)

    ahead = timedelta(seconds=settings.sensor_max_ahead_seconds)
    real = [s for s in batch.sightings if s.drill is None]
    await _drill_sightings(session, mine_id, [s for s in batch.sightings if s.drill is not None], now, ahead, outcome)
    readers = await service.readers_by_code(session=session, mine_id=mine_id,
                                            codes=list({s.reader_code for s in real}))
    holders = await service.holders_by_tag(session=session, mine_id=mine_id,
                                           tag_codes=list({s.tag_code for s in real}))
    per_person: dict[uuid.UUID, list[tuple[SightingIn, Reader]]] = {}
    seen: set[tuple[str, str, datetime]] = set()
    for sighting in real:
        key = (sighting.tag_code, sighting.reader_code, sighting.ts)
        problem = rules.sighting_problem(sighting.ts, now=now, ahead=ahead)
        reader, user_id = readers.get(sighting.reader_code), holders.get(sighting.tag_code)
        if problem is None and key in seen:
            problem = SightingProblem.REPEATED
        if problem is None and reader is None:
            problem = SightingProblem.UNKNOWN_READER
        if problem is None and user_id is None:
            problem = SightingProblem.UNKNOWN_TAG
        if problem is not None:
            outcome.reject(problem)
            continue
        assert reader is not None and user_id is not None
        seen.add(key)
        per_person.setdefault(user_id, []).append((sighting, reader))

    if per_person:
        await sqlite_write_lock(session, mine_id)
        mine = await session.get(Mine, mine_id)
        assert mine is not None
        config = rules.settings_of(mine.settings)
        areas = await area_briefs(session, mine_id)
        moves, resolved_silent = await _apply(session, mine_id, per_person, areas, config, outcome)
        await _exceptions(session, actor, mine_id, moves, resolved_silent, areas)
        await follow_evacuees(session, mine_id=mine_id, moves=moves, areas=areas)
        for move in moves:
            publish_after_commit(session, channel_for(mine_id), PresenceChanged(
                mine_id=mine_id, user_id=move.user_id, from_area_id=move.from_area_id, to_area_id=move.to_area_id,
                at=move.at))
    if outcome.rejected:
        logger.info("sighting batch %s: %s refused %s", batch.batch_id, outcome.rejected, outcome.rejected_by_reason)
    record.stored, record.rejected, record.flagged = outcome.stored, outcome.rejected, outcome.flagged
    record.moves, record.rejected_by_reason = outcome.moves, dict(outcome.rejected_by_reason)
    await session.flush()
    return outcome


async def _drill_sightings(session: AsyncSession, mine_id: uuid.UUID, sightings: Sequence[SightingIn], now: datetime,
                           ahead: timedelta, outcome: SightingOutcome) -> None:
    """Drill sightings go to their drill's positioning (``backend.drills.positions``), one drill at a time."""
    by_drill: dict[str, list[drill_positions.DrillSighting]] = {}
    for s in sightings:
        assert s.drill is not None
        by_drill.setdefault(s.drill, []).append(drill_positions.DrillSighting(s.tag_code, s.reader_code, s.ts))
    for code, items in by_drill.items():
        applied = await drill_positions.ingest(session, mine_id=mine_id, drill_code=code, sightings=items, now=now,
                                               ahead=ahead)
        outcome.stored += applied.stored
        outcome.moves += applied.moves
        for problem in applied.rejected:
            outcome.reject(problem)


async def _apply(session: AsyncSession, mine_id: uuid.UUID,
                 per_person: dict[uuid.UUID, list[tuple[SightingIn, Reader]]], areas: dict[uuid.UUID, AreaBrief],
                 config: rules.PositioningSettings, outcome: SightingOutcome) -> tuple[list[Move], list[uuid.UUID]]:
    rows = await service.position_rows_for_update(session=session, user_ids=list(per_person))
    moves: list[Move] = []
    resolved_silent: list[uuid.UUID] = []
    new_stays: dict[uuid.UUID, Stay] = {}  # opened in this batch (the session does not autoflush)
    stayed: list[dict[str, Any]] = []  # the common case, one bulk UPDATE: seen again where they already are
    slow: list[uuid.UUID] = []
    for user_id, sightings in per_person.items():
        sightings.sort(key=lambda pair: pair[0].ts)
        row = rows.get(user_id)
        if row is None or any(reader.area_id != row.area_id for _, reader in sightings):
            slow.append(user_id)
            continue
        fresh = [sighting for sighting, _ in sightings if sighting.ts >= row.last_seen_at]
        for _ in range(len(sightings) - len(fresh)):
            outcome.reject(SightingProblem.OUT_OF_ORDER)
        if not fresh:
            continue
        latest = fresh[-1]
        stayed.append({"b_user": user_id, "b_seen": latest.ts, "b_reader": latest.reader_code,
                       "b_tag": latest.tag_code})
        outcome.stored += len(fresh)
        if row.silent_alerted:
            resolved_silent.append(user_id)
    if stayed:
        table = PersonPosition.__table__
        await session.execute(update(table).where(table.c.user_id == bindparam("b_user")).values(
            last_seen_at=bindparam("b_seen"), reader_code=bindparam("b_reader"), tag_code=bindparam("b_tag"),
            silent_alerted=False), stayed)
    positions = await service.positions_for_update(session=session, user_ids=slow)
    for user_id in slow:
        sightings = per_person[user_id]
        position = positions.get(user_id)
        for sighting, reader in sightings:
            to_area = areas.get(reader.area_id)
            if to_area is None:
                outcome.reject(SightingProblem.UNKNOWN_READER)
                continue
            if position is not None and sighting.ts < position.last_seen_at:
                outcome.reject(SightingProblem.OUT_OF_ORDER)
                continue
            if position is None:
                position = PersonPosition(
                    user_id=user_id, mine_id=mine_id, area_id=to_area.id, since=sighting.ts,
                    last_seen_at=sighting.ts, tag_code=sighting.tag_code, reader_code=sighting.reader_code,
                    underground_since=sighting.ts if rules.is_underground(to_area) else None,
                    silent_alerted=False, overtime_alerted=False)
                session.add(position)
                positions[user_id] = position
                new_stays[user_id] = Stay(mine_id=mine_id, user_id=user_id, area_id=to_area.id,
                                          entered_at=sighting.ts, last_seen_at=sighting.ts)
                session.add(new_stays[user_id])
                moves.append(Move(user_id, None, to_area.id, sighting.ts))
                outcome.stored += 1
                continue
            if position.silent_alerted:
                position.silent_alerted = False
                resolved_silent.append(user_id)
            if position.area_id == to_area.id:
                position.last_seen_at, position.reader_code = sighting.ts, sighting.reader_code
                position.tag_code = sighting.tag_code
                outcome.stored += 1
                continue
            from_area = areas.get(position.area_id) if position.area_id else None
            seconds = (sighting.ts - position.last_seen_at).total_seconds()
            speed = rules.impossible_jump(from_area, to_area, seconds=seconds, settings=config)
            if speed is not None:
                session.add(FlaggedSighting(
                    mine_id=mine_id, user_id=user_id, tag_code=sighting.tag_code, reader_code=sighting.reader_code,
                    from_area_id=position.area_id, to_area_id=to_area.id, ts=sighting.ts,
                    reason=FlagReason.IMPOSSIBLE_JUMP,
                    detail=f"{seconds:.0f} s after the last sighting: {speed:.0f} m/s needed"))
                logger.warning("tag %s jumped between distant areas (%.0f m/s needed): flagged, not trusted",
                               sighting.tag_code, speed)
                outcome.flagged += 1
                continue
            new_stays[user_id] = await _move(session, position, to_area, sighting, new_stays.get(user_id))
            moves.append(Move(user_id, from_area.id if from_area else None, to_area.id, sighting.ts))
            outcome.stored += 1
    outcome.moves += len(moves)
    await session.flush()
    return moves, resolved_silent


async def _move(session: AsyncSession, position: PersonPosition, to_area: AreaBrief, sighting: SightingIn,
                open_stay: Stay | None) -> Stay:
    stay = open_stay or await service.open_stay(session=session, user_id=position.user_id)
    if stay is not None:
        stay.left_at, stay.last_seen_at = sighting.ts, position.last_seen_at
    new = Stay(mine_id=position.mine_id, user_id=position.user_id, area_id=to_area.id, entered_at=sighting.ts,
               last_seen_at=sighting.ts)
    session.add(new)
    position.area_id, position.since, position.last_seen_at = to_area.id, sighting.ts, sighting.ts
    position.reader_code, position.tag_code = sighting.reader_code, sighting.tag_code
    if not rules.is_underground(to_area):
        position.underground_since = None
    elif position.underground_since is None:
        position.underground_since = sighting.ts
    return new


async def _name(session: AsyncSession, user_id: uuid.UUID) -> str:
    user = await session.get(User, user_id)
    return user.display_name if user else str(user_id)


async def _raise(session: AsyncSession, actor: Principal | None, mine_id: uuid.UUID, *, kind: str,
                 severity: AlertSeverity, area_id: uuid.UUID | None, subject: object, title: str, detail: str,
                 key: str, at: datetime | None = None) -> None:
    await alert_flows.raise_alert(session, actor=actor, mine_id=mine_id, source=AlertSource.POSITIONING,
                                  source_ref=f"{kind}:{subject}", severity=severity, area_id=area_id,
                                  title=title[:200], detail=detail, dedupe_key=key, occurred_at=at)


async def _exceptions(session: AsyncSession, actor: Principal | None, mine_id: uuid.UUID, moves: Sequence[Move],
                      resolved_silent: Sequence[uuid.UUID], areas: Mapping[uuid.UUID, AreaBrief]) -> None:
    """超员 and 限制区域 on the moves; the lost-contact alerts of people seen again resolve."""
    for user_id in resolved_silent:
        await alert_flows.resolve_by_key(session, actor=actor, mine_id=mine_id,
                                         dedupe_key=rules.dedupe_key("silent", user_id), reason="the tag is seen again")
    if not moves:
        return
    for move in moves:
        left = areas.get(move.from_area_id) if move.from_area_id else None
        if left is not None and left.restricted:
            await alert_flows.resolve_by_key(session, actor=actor, mine_id=mine_id,
                                             dedupe_key=rules.dedupe_key("restricted", left.id, move.user_id),
                                             reason="the person left the restricted area")
        entered = areas[move.to_area_id]
        if entered.restricted:
            name = await _name(session, move.user_id)
            await _raise(session, actor, mine_id, kind="restricted", severity=AlertSeverity.ALARM, area_id=entered.id,
                         subject=move.user_id, title=f"限制区域 restricted area entered: {name} in {entered.name}",
                         detail=f"{name} entered the restricted area {entered.name} at {move.at.isoformat()}",
                         key=rules.dedupe_key("restricted", entered.id, move.user_id), at=move.at)
    touched = {m.to_area_id for m in moves} | {m.from_area_id for m in moves if m.from_area_id}
    limited = [a for a in touched if areas[a].person_limit is not None]
    if not limited:
        return
    counts = await service.counts_by_area(session=session, mine_id=mine_id)
    for area_id in limited:
        area, count = areas[area_id], counts.get(area_id, 0)
        key = rules.dedupe_key("overcrowded", area_id)
        if rules.overcrowded(count, area.person_limit):
            await _raise(session, actor, mine_id, kind="overcrowded", severity=AlertSeverity.ALARM, area_id=area_id,
                         subject=area_id, title=f"超员 overcrowded: {area.name} {count}/{area.person_limit}",
                         detail=f"{count} people in {area.name}, its limit is {area.person_limit}", key=key)
        else:
            await alert_flows.resolve_by_key(session, actor=actor, mine_id=mine_id, dedupe_key=key,
                                             reason=f"{count} people, within the limit of {area.person_limit}")


async def sweep_positions(session: AsyncSession, *, now: datetime | None = None,
                          mine_id: uuid.UUID | None = None) -> tuple[int, int]:
    """超时 and lost contact: raise one alert per person underground past their shift or silent past the
    mine's allowance (once: the flags remember); an overtime alert resolves when the person comes up.
    Returns (overtime raised, lost contact raised)."""
    now = now or utcnow()
    query = select(PersonPosition).where(PersonPosition.area_id.is_not(None))
    if mine_id is not None:
        query = query.where(PersonPosition.mine_id == mine_id)
    by_mine: dict[uuid.UUID, list[PersonPosition]] = {}
    for position in await session.scalars(query):
        by_mine.setdefault(position.mine_id, []).append(position)
    overtime = silent = 0
    for mine, people in by_mine.items():
        await sqlite_write_lock(session, mine)
        record = await session.get(Mine, mine)
        config = rules.settings_of(record.settings if record else None)
        areas = await area_briefs(session, mine)
        for position in people:
            area = areas.get(position.area_id) if position.area_id else None
            underground = rules.is_underground(area)
            if position.overtime_alerted and not underground:
                position.overtime_alerted = False
                await alert_flows.resolve_by_key(session, actor=None, mine_id=mine,
                                                 dedupe_key=rules.dedupe_key("overtime", position.user_id),
                                                 reason="the person came up")
            if not underground or area is None:
                continue
            if not position.overtime_alerted and rules.overtime(position.underground_since, now, config):
                name = await _name(session, position.user_id)
                hours = (now - position.underground_since).total_seconds() / 3600  # type: ignore[operator]
                await _raise(session, None, mine, kind="overtime", severity=AlertSeverity.WARNING, area_id=area.id,
                             subject=position.user_id, title=f"超时 overtime underground: {name}",
                             detail=f"{name} has been underground {hours:.1f} h (shift {config.shift}); "
                                    f"last in {area.name}", key=rules.dedupe_key("overtime", position.user_id))
                position.overtime_alerted = True
                overtime += 1
            if not position.silent_alerted and rules.silent(position.last_seen_at, now, config):
                name = await _name(session, position.user_id)
                await _raise(session, None, mine, kind="silent", severity=AlertSeverity.ALARM, area_id=area.id,
                             subject=position.user_id, title=f"失联 lost contact: {name} (tag {position.tag_code})",
                             detail=f"tag {position.tag_code} of {name} not seen since "
                                    f"{position.last_seen_at.isoformat()}, last in {area.name}",
                             key=rules.dedupe_key("silent", position.user_id))
                position.silent_alerted = True
                silent += 1
    await session.flush()
    return overtime, silent


# --- evacuation -----------------------------------------------------------------------------------------
def _publish_evacuation(session: AsyncSession, evacuation: Evacuation, at: datetime) -> None:
    event = EvacuationChanged(mine_id=evacuation.mine_id, alert_id=evacuation.alert_id,
                              evacuation_id=evacuation.id, at=at)
    publish_after_commit(session, evacuation_channel(evacuation.alert_id), event)


async def ensure_evacuation(session: AsyncSession, *, alert: Alert, actor: Principal | None = None,
                            at: datetime | None = None) -> Evacuation | None:
    """The alert's evacuation list, made once: the people in the affected areas at this moment (see
    ``affected_areas``), each with the area they were in; those already somewhere safe count as safe.
    None for a mine-wide alert. Audited (``actor``: who raised the alarm, e.g. the bridge); the caller commits
    (under the alert's lock, taken by raising it)."""
    if alert.area_id is None:
        return None
    existing = await service.evacuation_for_alert(session=session, alert_id=alert.id)
    if existing is not None:
        return existing
    at = at or utcnow()
    areas = await area_briefs(session, alert.mine_id)
    affected = sorted(affected_areas(alert.area_id, areas), key=str)
    people = await service.positions(session=session, mine_id=alert.mine_id, area_ids=affected) if affected else []
    evacuation = Evacuation(mine_id=alert.mine_id, alert_id=alert.id, area_ids=[str(a) for a in affected],
                            started_at=at)
    session.add(evacuation)
    await session.flush()
    for position in people:
        assert position.area_id is not None
        session.add(EvacuationMember(evacuation_id=evacuation.id, user_id=position.user_id,
                                     start_area_id=position.area_id, last_area_id=position.area_id,
                                     last_seen_at=position.last_seen_at,
                                     safe_at=at if rules.is_safe(areas.get(position.area_id)) else None))
    await session.flush()
    await record_audit(session, actor=actor, mine_id=alert.mine_id, action="evacuation.started",
                       subject_type="alert", subject_id=alert.id, before=None,
                       after={"areas": evacuation.area_ids, "people": [str(p.user_id) for p in people]})
    _publish_evacuation(session, evacuation, at)
    logger.info("evacuation list for alert %s: %s people in %s areas", alert.id, len(people), len(affected))
    return evacuation


async def follow_evacuees(session: AsyncSession, *, mine_id: uuid.UUID, moves: Sequence[Move],
                          areas: Mapping[uuid.UUID, AreaBrief]) -> None:
    """Moves of people on open evacuation lists (of open alerts): their last area, and when they reached a
    safe area; each list that changed publishes after commit."""
    if not moves:
        return
    memberships = await service.open_memberships(session=session, mine_id=mine_id,
                                                 user_ids=list({m.user_id for m in moves}))
    if not memberships:
        return
    alerts = {a.id: a for a in await session.scalars(select(Alert).where(
        Alert.id.in_({e.alert_id for _, e in memberships})))}
    last = {}
    for move in moves:
        last[move.user_id] = move
    changed: dict[uuid.UUID, Evacuation] = {}
    for member, evacuation in memberships:
        alert = alerts.get(evacuation.alert_id)
        move = last.get(member.user_id)
        if alert is not None and alert.state not in OPEN_STATES:  # resolved: the list is final from then on
            evacuation.closed_at = evacuation.closed_at or alert.resolved_at or utcnow()
            continue
        if alert is None or move is None or move.at < member.last_seen_at:  # news older than the list knows
            continue
        member.last_area_id, member.last_seen_at = move.to_area_id, move.at
        if rules.is_safe(areas.get(move.to_area_id)):
            member.safe_at = move.at
        changed[evacuation.id] = evacuation
    for evacuation in changed.values():
        _publish_evacuation(session, evacuation, utcnow())


def evacuation_summary(members: Sequence[EvacuationMember]) -> dict[str, Any]:
    """Counts for the alert's list: everyone, safe, not yet."""
    safe = sum(1 for m in members if m.safe_at is not None)
    return {"total": len(members), "safe": safe, "remaining": len(members) - safe}
