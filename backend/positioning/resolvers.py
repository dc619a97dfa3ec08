"""Positioning queries (who is where, history, registry), the admin mutations, the bridge's sighting batches,
and the live evacuation list of an alert."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from backend.accounts.roles import Principal
from backend.alerts import service as alert_service
from backend.alerts.permissions import CanSeeAlert
from backend.errors import NotAllowed, NotFound, ValidationFailed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.org.models import Area, AreaKind, Mine
from backend.org.types import AreaType
from backend.positioning import flows, rules, service
from backend.positioning.events import EvacuationChanged, evacuation_channel
from backend.positioning.models import PersonPosition
from backend.positioning.permissions import CanManagePositioning, CanSeeWhereabouts
from backend.positioning.types import (
    AreaPositioningResult,
    EvacuationType,
    FlaggedSightingType,
    IngestSightingBatchResult,
    IssueTagInput,
    OccupancyType,
    PositioningSettingsInput,
    PositioningSettingsResult,
    PositioningSettingsType,
    PresenceType,
    ReaderResult,
    ReaderType,
    SaveReaderInput,
    SetAreaPositioningInput,
    SightingBatchAcceptedType,
    SightingBatchInput,
    StayType,
    TagIssueResult,
    TagIssueType,
)

HISTORY_MAX = 500


async def _own_areas(session: AsyncSession, principal: Principal) -> set[uuid.UUID | None]:
    now = await service.current_area(session=session, mine_id=principal.mine_id, user_id=principal.id)
    return {a for a in (now, principal.area_id) if a is not None}


async def _occupancy(session: AsyncSession, area: Area) -> OccupancyType:
    people = await service.positions(session=session, mine_id=area.mine_id, area_ids=[area.id])
    return OccupancyType.build(area, list(people))


async def evacuation_of(session: AsyncSession, alert_id: uuid.UUID) -> EvacuationType | None:
    """An alert's evacuation list as the API shows it (None: the alert has none)."""
    evacuation = await service.evacuation_for_alert(session=session, alert_id=alert_id)
    if evacuation is None:
        return None
    members = await service.evacuation_members(session=session, evacuation_id=evacuation.id)
    return EvacuationType.build(evacuation, list(members))


def _settings_type(raw: dict | None) -> PositioningSettingsType:  # type: ignore[type-arg]
    config = rules.settings_of(raw)
    return PositioningSettingsType(shift_hours=config.shift.total_seconds() / 3600,
                                   silence_minutes=config.silence.total_seconds() / 60,
                                   max_speed_m_s=config.max_speed_m_s,
                                   metres_per_map_unit=config.metres_per_map_unit)


@strawberry.type
class Query:
    @strawberry.field(description="Who is in an area now, against its limit (定员). Without areaId: the caller's "
                                  "own area (where positioning places them, else their assigned area); null when "
                                  "they have none. People see their own area; officers and managers any.")
    async def people_in_area(self, info: Info[Context, None], area_id: strawberry.ID | None = None
                             ) -> OccupancyType | None:
        ctx = info.context
        principal = ctx.person()
        own = await _own_areas(ctx.session, principal)
        wanted = parse_optional_id(area_id, "areaId")
        if wanted is None:
            now = await service.current_area(session=ctx.session, mine_id=principal.mine_id, user_id=principal.id)
            wanted = now or principal.area_id
            if wanted is None:
                return None
        area = await ctx.session.get(Area, wanted)
        if area is None or area.mine_id != principal.mine_id:
            return None
        if not CanSeeWhereabouts.whole_mine(principal) and wanted not in own:
            raise NotAllowed("you can see who is in your own area only")
        return await _occupancy(ctx.session, area)

    @strawberry.field(description="Every area's count against its limit, most crowded first (officers, managers).")
    async def area_occupancy(self, info: Info[Context, None]) -> list[OccupancyType]:
        ctx = info.context
        principal = ctx.person()
        if not CanSeeWhereabouts.whole_mine(principal):
            raise NotAllowed("the whole mine's occupancy is for officers and managers")
        areas = (await ctx.session.scalars(select(Area).where(
            Area.mine_id == principal.mine_id, Area.retired_at.is_(None), Area.kind != AreaKind.DISTRICT))).all()
        people = await service.positions(session=ctx.session, mine_id=principal.mine_id)
        by_area: dict[uuid.UUID, list[PersonPosition]] = {}
        for position in people:
            by_area.setdefault(position.area_id, []).append(position)  # type: ignore[arg-type]
        result = [OccupancyType.build(a, by_area.get(a.id, [])) for a in areas]
        return sorted(result, key=lambda o: (-o.count, o.area.name))

    @strawberry.field(description="Where a person is now (null: never seen). Yourself, or anyone for officers "
                                  "and managers.")
    async def person_position(self, info: Info[Context, None], user_id: strawberry.ID) -> PresenceType | None:
        ctx = info.context
        principal = ctx.person()
        user = parse_id(user_id, "userId")
        if not CanSeeWhereabouts.whole_mine(principal) and user != principal.id:
            raise NotAllowed("you can see your own position only")
        position = await service.get_position(session=ctx.session, user_id=user)
        if position is None or position.mine_id != principal.mine_id:
            return None
        return PresenceType.from_model(position)

    @strawberry.field(description="Stays of a person (userId) or in an area (areaId), newest first, overlapping "
                                  "[since, until]. A person's own, or any for officers and managers.")
    async def position_history(self, info: Info[Context, None], user_id: strawberry.ID | None = None,
                               area_id: strawberry.ID | None = None, since: datetime | None = None,
                               until: datetime | None = None, first: int = 100) -> list[StayType]:
        ctx = info.context
        principal = ctx.person()
        user, area = parse_optional_id(user_id, "userId"), parse_optional_id(area_id, "areaId")
        if user is None and area is None:
            raise ValidationFailed("name a person (userId) or an area (areaId)")
        if not CanSeeWhereabouts.whole_mine(principal) and (area is not None or user != principal.id):
            raise NotAllowed("you can see your own positioning history only")
        stays = await service.stays(session=ctx.session, mine_id=principal.mine_id, user_id=user, area_id=area,
                                    since=since, until=until, limit=max(1, min(first, HISTORY_MAX)))
        return [StayType.from_model(s) for s in stays]

    @strawberry.field(description="Admin: the tag registry (open issues, or all with history).")
    async def tag_issues(self, info: Info[Context, None], open_only: bool = True) -> list[TagIssueType]:
        ctx = info.context
        principal = ctx.person()
        _check_admin(principal)
        issues = await service.list_issues(session=ctx.session, mine_id=principal.mine_id, open_only=open_only)
        return [TagIssueType.from_model(i) for i in issues]

    @strawberry.field(description="Admin: the readers / anchors and their areas.")
    async def position_readers(self, info: Info[Context, None]) -> list[ReaderType]:
        ctx = info.context
        principal = ctx.person()
        _check_admin(principal)
        return [ReaderType.from_model(r) for r in await service.list_readers(session=ctx.session,
                                                                             mine_id=principal.mine_id)]

    @strawberry.field(description="Sightings not trusted (jumps faster than possible), newest first.")
    async def flagged_sightings(self, info: Info[Context, None], first: int = 50) -> list[FlaggedSightingType]:
        ctx = info.context
        principal = ctx.person()
        if not CanSeeWhereabouts.whole_mine(principal):
            raise NotAllowed("flagged sightings are for officers and managers")
        flags = await service.flagged(session=ctx.session, mine_id=principal.mine_id, limit=max(1, min(first, 500)))
        return [FlaggedSightingType.from_model(f) for f in flags]

    @strawberry.field(description="The mine's positioning settings (shift length, silence, top speed, map scale).")
    async def positioning_settings(self, info: Info[Context, None]) -> PositioningSettingsType:
        ctx = info.context
        principal = ctx.person()
        if not CanSeeWhereabouts.whole_mine(principal):
            raise NotAllowed("positioning settings are for officers and managers")
        mine = await ctx.session.get(Mine, principal.mine_id)
        return _settings_type(mine.settings if mine else None)

    @strawberry.field(description="An alert's evacuation list (null: none, or the alert is not visible).")
    async def evacuation(self, info: Info[Context, None], alert_id: strawberry.ID) -> EvacuationType | None:
        ctx = info.context
        principal = ctx.person()
        alert = await alert_service.get(session=ctx.session, alert_id=parse_id(alert_id, "alertId"))
        if alert is None or not CanSeeAlert.allows(principal, alert):
            return None
        return await evacuation_of(ctx.session, alert.id)


def _check_admin(principal: Principal) -> None:
    CanManagePositioning.check(principal)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A bridge's batch of tag sightings; idempotent by (bridge, batchId).")
    @returns_domain_errors
    async def ingest_sighting_batch(self, info: Info[Context, None],
                                    input: SightingBatchInput) -> IngestSightingBatchResult:
        ctx = info.context
        actor = ctx.authenticated()
        batch = flows.SightingBatchIn(batch_id=input.batch_id, bridge_seq=input.bridge_seq, sightings=[
            flows.SightingIn(tag_code=s.tag_code, reader_code=s.reader_code, ts=s.ts, drill=s.drill_id)
            for s in input.sightings])
        for attempt in range(2):
            try:
                outcome = await flows.ingest_sightings(ctx.session, actor=actor, settings=ctx.settings, batch=batch)
                await ctx.commit()
                break
            except IntegrityError:
                # the same batch committed concurrently: once rolled back, the next attempt answers duplicate
                await ctx.rollback()
                if attempt:
                    raise
        return SightingBatchAcceptedType(
            batch_id=outcome.batch_id, bridge_seq=outcome.bridge_seq, duplicate=outcome.duplicate,
            stored=outcome.stored, rejected=outcome.rejected, flagged=outcome.flagged, moves=outcome.moves,
            rejected_by_reason=[f"{k}={v}" for k, v in sorted(outcome.rejected_by_reason.items())])

    @strawberry.mutation(description="Admin: issue a tag to a person.")
    @returns_domain_errors
    async def issue_tag(self, info: Info[Context, None], input: IssueTagInput) -> TagIssueResult:
        ctx = info.context
        issue = await flows.issue_tag(ctx.session, actor=ctx.person(), tag_code=input.tag_code,
                                      user_id=parse_id(input.user_id, "userId"))
        await ctx.commit()
        return TagIssueType.from_model(issue)

    @strawberry.mutation(description="Admin: a tag is given back; it names nobody any more.")
    @returns_domain_errors
    async def return_tag(self, info: Info[Context, None], tag_code: str) -> TagIssueResult:
        ctx = info.context
        issue = await flows.return_tag(ctx.session, actor=ctx.person(), tag_code=tag_code)
        await ctx.commit()
        return TagIssueType.from_model(issue)

    @strawberry.mutation(description="Admin: register a reader / anchor in an area (or move it).")
    @returns_domain_errors
    async def save_position_reader(self, info: Info[Context, None], input: SaveReaderInput) -> ReaderResult:
        ctx = info.context
        reader = await flows.save_reader(ctx.session, actor=ctx.person(), code=input.code,
                                         area_id=parse_id(input.area_id, "areaId"))
        await ctx.commit()
        return ReaderType.from_model(reader)

    @strawberry.mutation(description="Admin: an area's person limit (定员), restricted (限制区域) and safe marks.")
    @returns_domain_errors
    async def set_area_positioning(self, info: Info[Context, None],
                                   input: SetAreaPositioningInput) -> AreaPositioningResult:
        ctx = info.context
        area = await flows.set_area_positioning(
            ctx.session, actor=ctx.person(), area_id=parse_id(input.area_id, "areaId"),
            person_limit=input.person_limit, restricted=input.restricted, safe=input.safe)
        await ctx.commit()
        return AreaType.from_model(area)

    @strawberry.mutation(description="Admin: the mine's positioning settings (only the fields given change).")
    @returns_domain_errors
    async def update_positioning_settings(self, info: Info[Context, None],
                                          input: PositioningSettingsInput) -> PositioningSettingsResult:
        ctx = info.context
        changes = {k: v for k, v in {"shift_hours": input.shift_hours, "silence_minutes": input.silence_minutes,
                                     "max_speed_m_s": input.max_speed_m_s,
                                     "metres_per_map_unit": input.metres_per_map_unit}.items() if v is not None}
        if not changes:
            raise ValidationFailed("change at least one setting", field="input")
        mine = await flows.change_settings(ctx.session, actor=ctx.person(), changes=changes)
        await ctx.commit()
        return _settings_type(mine.settings)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="An alert's evacuation list, now and on every change (a person moved, "
                                         "reached safety); for those who see the alert.")
    async def evacuation(self, info: Info[Context, None], alert_id: strawberry.ID
                         ) -> AsyncGenerator[EvacuationType, None]:
        ctx = info.context
        principal = ctx.authenticated()
        if principal.is_device:
            raise NotAllowed("devices do not watch evacuations")
        wanted = parse_id(alert_id, "alertId")
        async with ctx.platform.session_factory() as session:
            alert = await alert_service.get(session=session, alert_id=wanted)
        if alert is None or not CanSeeAlert.allows(principal, alert):
            raise NotFound("no such alert")
        events = ctx.bus.subscribe(evacuation_channel(wanted))
        pending = asyncio.ensure_future(anext(events))  # listening before the first read: no change is missed
        await asyncio.sleep(0)
        try:
            async with ctx.platform.session_factory() as session:
                first = await evacuation_of(session, wanted)
            if first is not None:
                yield first
            while True:
                EvacuationChanged.model_validate_json(await pending)
                pending = asyncio.ensure_future(anext(events))
                async with ctx.platform.session_factory() as session:
                    current = await evacuation_of(session, wanted)
                if current is not None:
                    yield current
        finally:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
            await events.aclose()
