"""Permit queries, the permit steps as mutations and the permitEvents subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.types import Info

from backend.accounts.roles import Role
from backend.errors import NotAllowed, ValidationFailed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.hazards.flows import PhotoStorage, delete_originals
from backend.permits import flows, service
from backend.permits.events import PermitEvent, channel_for
from backend.permits.models import Permit
from backend.permits.rules import PermitState
from backend.permits.types import (
    ROLE_NAMES,
    ApplyPermitInput,
    ApprovePermitInput,
    ClosePermitInput,
    ClosePermitResult,
    HandGasTestInput,
    PermitEventType,
    PermitKindType,
    PermitResult,
    PermitStateType,
    PermitType,
    SensorGasTestInput,
)


@strawberry.type
class Query:
    @strawberry.field(description="The permit kinds of the caller's mine (seeded with DOMAIN.md's defaults).")
    async def permit_kinds(self, info: Info[Context, None]) -> list[PermitKindType]:
        ctx = info.context
        principal = ctx.person()
        kinds = await flows.ensure_kinds(ctx.session, mine_id=principal.mine_id)
        await ctx.commit()
        return [PermitKindType.from_model(k) for k in kinds if k.is_active]

    @strawberry.field(description="Permits of the caller's mine, newest first; mine: only those naming the caller.")
    async def permits(self, info: Info[Context, None], states: list[PermitStateType] | None = None,  # type: ignore[valid-type]
                      area_id: strawberry.ID | None = None, mine: bool = False, first: int = 50) -> list[PermitType]:
        ctx = info.context
        principal = ctx.person()
        rows = await service.list_permits(session=ctx.session, mine_id=principal.mine_id, states=states or (),
                                          area_id=parse_optional_id(area_id, "areaId"),
                                          person_id=principal.id if mine else None, limit=max(1, min(first, 200)))
        return [PermitType.from_model(p) for p in rows]

    @strawberry.field
    async def permit(self, info: Info[Context, None], id: strawberry.ID) -> PermitType | None:
        ctx = info.context
        principal = ctx.person()
        found = await service.get(session=ctx.session, permit_id=parse_id(id, "id"))
        if found is None or found.mine_id != principal.mine_id:
            return None
        return PermitType.from_model(found)


def _role(name: str) -> Role:
    if name not in ROLE_NAMES:
        raise ValidationFailed(f"{name!r} is not a role", field="role")
    return Role(name)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Apply for a permit; retrying the same clientId never duplicates.")
    @returns_domain_errors
    async def apply_permit(self, info: Info[Context, None], input: ApplyPermitInput) -> PermitResult:
        ctx = info.context
        actor = ctx.person()
        roles = None
        if input.blast_roles is not None:
            roles = {"blaster": parse_id(input.blast_roles.blaster_id, "blasterId"),
                     "team_leader": parse_id(input.blast_roles.team_leader_id, "teamLeaderId"),
                     "gas_inspector": parse_id(input.blast_roles.gas_inspector_id, "gasInspectorId")}
        for attempt in range(2):
            try:
                permit = await flows.apply(
                    ctx.session, actor=actor, client_id=parse_id(input.client_id, "clientId"),
                    kind_id=parse_id(input.kind_id, "kindId"), grade=input.grade,
                    area_id=parse_id(input.area_id, "areaId"), starts_at=input.starts_at, ends_at=input.ends_at,
                    description=input.description, work_leader_id=parse_id(input.work_leader_id, "workLeaderId"),
                    guardian_id=parse_id(input.guardian_id, "guardianId"),
                    crew_ids=[parse_id(c, "crewIds") for c in input.crew_ids],
                    risk_point_id=parse_optional_id(input.risk_point_id, "riskPointId"),
                    power_zone_id=parse_optional_id(input.power_zone_id, "powerZoneId"), blast_roles=roles,
                    measures_confirmed=input.measures_confirmed)
                await ctx.commit()
                return PermitType.from_model(permit)
            except IntegrityError:  # a retry of this application committed first: the next attempt returns it
                await ctx.rollback()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @strawberry.mutation(description="A gas inspector's hand-detector reading (at most 30 minutes old).")
    @returns_domain_errors
    async def record_permit_gas_test(self, info: Info[Context, None], input: HandGasTestInput) -> PermitResult:
        ctx = info.context
        permit = await flows.record_hand_gas_test(ctx.session, actor=ctx.person(),
                                                  permit_id=parse_id(input.permit_id, "permitId"), stage=input.stage,
                                                  ch4=input.ch4, measured_at=input.measured_at)
        await ctx.commit()
        return PermitType.from_model(permit)

    @strawberry.mutation(description="A methane sensor's latest reading in the permit's area as its gas test.")
    @returns_domain_errors
    async def take_permit_sensor_gas_test(self, info: Info[Context, None], input: SensorGasTestInput) -> PermitResult:
        ctx = info.context
        permit = await flows.take_sensor_gas_test(ctx.session, actor=ctx.person(),
                                                  permit_id=parse_id(input.permit_id, "permitId"), stage=input.stage,
                                                  sensor_id=parse_id(input.sensor_id, "sensorId"))
        await ctx.commit()
        return PermitType.from_model(permit)

    @strawberry.mutation(description="Sign one of the permit's approvals (never the applicant; by role per grade).")
    @returns_domain_errors
    async def approve_permit(self, info: Info[Context, None], input: ApprovePermitInput) -> PermitResult:
        ctx = info.context
        permit = await flows.approve(ctx.session, actor=ctx.person(), permit_id=parse_id(input.permit_id, "permitId"),
                                     role=_role(input.role), note=input.note)
        await ctx.commit()
        return PermitType.from_model(permit)

    @strawberry.mutation(description="An approver refuses the permit, with a reason.")
    @returns_domain_errors
    async def reject_permit(self, info: Info[Context, None], permit_id: strawberry.ID, reason: str) -> PermitResult:
        return await _step(info, flows.reject, permit_id, reason=reason)

    @strawberry.mutation(description="The applicant (or a safety officer) withdraws a permit not yet started.")
    @returns_domain_errors
    async def cancel_permit(self, info: Info[Context, None], permit_id: strawberry.ID, reason: str) -> PermitResult:
        return await _step(info, flows.cancel, permit_id, reason=reason)

    @strawberry.mutation(description="Start the work: gas test ≤ 30 min old, the area safe, the guardian there.")
    @returns_domain_errors
    async def start_permit(self, info: Info[Context, None], permit_id: strawberry.ID) -> PermitResult:
        return await _step(info, flows.start, permit_id)

    @strawberry.mutation(description="Stop the work (the guardian, the leader, an approver or a safety officer).")
    @returns_domain_errors
    async def suspend_permit(self, info: Info[Context, None], permit_id: strawberry.ID, reason: str) -> PermitResult:
        return await _step(info, flows.suspend, permit_id, reason=reason)

    @strawberry.mutation(description="Resume: every alarm cleared and a fresh gas test passed since the stop.")
    @returns_domain_errors
    async def resume_permit(self, info: Info[Context, None], permit_id: strawberry.ID) -> PermitResult:
        return await _step(info, flows.resume, permit_id)

    @strawberry.mutation(description="Blasting: hand the firing token to the next in the chain.")
    @returns_domain_errors
    async def pass_blast_token(self, info: Info[Context, None], permit_id: strawberry.ID) -> PermitResult:
        return await _step(info, flows.pass_token, permit_id)

    @strawberry.mutation(description="Blasting: the blaster fires (gas checked twice, the token back with them).")
    @returns_domain_errors
    async def fire_blast(self, info: Info[Context, None], permit_id: strawberry.ID) -> PermitResult:
        return await _step(info, flows.fire, permit_id)

    @strawberry.mutation(description="Close the work with photos (the hazard loop's upload and verify path).")
    @returns_domain_errors
    async def close_permit(self, info: Info[Context, None], input: ClosePermitInput) -> ClosePermitResult:
        ctx = info.context
        permit, originals = await flows.close(
            ctx.session, storage=PhotoStorage(store=ctx.store, settings=ctx.settings), actor=ctx.person(),
            permit_id=parse_id(input.permit_id, "permitId"), note=input.note, photo_keys=input.photo_keys)
        await ctx.commit()
        await delete_originals(ctx.store, originals)
        return PermitType.from_model(permit)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Live changes to the mine's permits (of one permit or area if given).")
    async def permit_events(self, info: Info[Context, None], permit_id: strawberry.ID | None = None,
                            area_id: strawberry.ID | None = None) -> AsyncGenerator[PermitEventType, None]:
        ctx = info.context
        principal = ctx.authenticated()
        if principal.is_device:
            raise NotAllowed("devices do not watch permits")
        wanted, area = parse_optional_id(permit_id, "permitId"), parse_optional_id(area_id, "areaId")
        async for raw in ctx.bus.subscribe(channel_for(principal.mine_id)):
            event = PermitEvent.model_validate_json(raw)
            if (wanted and event.permit_id != wanted) or (area and event.area_id != area):
                continue
            async with ctx.platform.session_factory() as session:
                permit = await service.get(session=session, permit_id=event.permit_id)
            if permit is not None and permit.state in PermitState:
                yield PermitEventType(action=event.action, permit=PermitType.from_model(permit))


async def _step(info: Info[Context, None], step: Callable[..., Awaitable[Permit]], permit_id: strawberry.ID,
                **arguments: Any) -> PermitType:
    """One step of a permit's flow for the caller: parse the id, run the step, commit, answer the permit."""
    ctx = info.context
    permit = await step(ctx.session, actor=ctx.person(), permit_id=parse_id(permit_id, "permitId"), **arguments)
    await ctx.commit()
    return PermitType.from_model(permit)
