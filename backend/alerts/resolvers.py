"""Alert queries, the handling mutations and the alerts subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace

import strawberry
from strawberry.types import Info

from backend.accounts.roles import Principal
from backend.alerts import flows, service
from backend.alerts.events import AlertEvent, channel_for
from backend.alerts.permissions import CanSeeAlert
from backend.alerts.rules import AlertOrder
from backend.alerts.types import (
    AcknowledgeAlertInput,
    AlertConnection,
    AlertCounts,
    AlertEdge,
    AlertEventType,
    AlertFilterInput,
    AlertOrderType,
    AlertResult,
    AlertType,
    OpenHazardFromAlertInput,
    OpenHazardFromAlertResult,
    RaiseManualAlertInput,
    RaiseManualAlertResult,
    ResolveAlertInput,
)
from backend.errors import NotAllowed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.hazards.types import HazardType, PageInfo


def _criteria(principal: Principal, where: AlertFilterInput | None) -> service.AlertFilter:
    """The list's filter as the service takes it, narrowed to what the caller may see."""
    where = where or AlertFilterInput()
    return service.AlertFilter(
        state=where.state, severity=where.severity, source=where.source,
        area_id=parse_optional_id(where.area_id, "areaId"), since=where.since,
        own_area_only=not CanSeeAlert.sees_whole_mine(principal), visible_area_id=principal.area_id)


@strawberry.type
class Query:
    @strawberry.field(description="Alerts the caller may see (a miner: own area and mine-wide); newest first, or "
                                  "order: OPEN_FIRST for the unacknowledged ones first.")
    async def alerts(self, info: Info[Context, None], filter: AlertFilterInput | None = None, first: int = 20,
                     after: str | None = None,
                     order: AlertOrderType = AlertOrder.NEWEST,  # type: ignore[valid-type]
                     ) -> AlertConnection:
        ctx = info.context
        principal = ctx.person()
        criteria = _criteria(principal, filter)
        page = await service.list_page(session=ctx.session, mine_id=principal.mine_id, criteria=criteria,
                                       first=first, after=after, order=order)
        return AlertConnection(
            edges=[AlertEdge(cursor=service.encode_cursor(a, order), node=AlertType.from_model(a))
                   for a in page.alerts],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(description="How many open alerts the caller may see, by state (the filter as for alerts; "
                                  "its state is ignored).")
    async def alert_counts(self, info: Info[Context, None], filter: AlertFilterInput | None = None) -> AlertCounts:
        ctx = info.context
        principal = ctx.person()
        counted = await service.counts(session=ctx.session, mine_id=principal.mine_id,
                                       criteria=replace(_criteria(principal, filter), state=None))
        return AlertCounts(unacknowledged=counted.unacknowledged, acknowledged=counted.acknowledged)

    @strawberry.field(description="One alert (null when missing, of another mine, or not visible to the caller).")
    async def alert(self, info: Info[Context, None], id: strawberry.ID) -> AlertType | None:
        ctx = info.context
        principal = ctx.person()
        alert = await service.get(session=ctx.session, alert_id=parse_id(id, "id"))
        if alert is None or not CanSeeAlert.allows(principal, alert):
            return None
        return AlertType.from_model(alert)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Seen and judged (CONFIRMED or FALSE_ALARM); stops the escalation.")
    @returns_domain_errors
    async def acknowledge_alert(self, info: Info[Context, None], input: AcknowledgeAlertInput) -> AlertResult:
        ctx = info.context
        actor = ctx.person()
        alert = await flows.acknowledge(ctx.session, actor=actor, alert_id=parse_id(input.alert_id, "alertId"),
                                        verdict=input.verdict, note=input.note)
        await ctx.commit()
        return AlertType.from_model(alert)

    @strawberry.mutation(description="Close an alert, acknowledged or not.")
    @returns_domain_errors
    async def resolve_alert(self, info: Info[Context, None], input: ResolveAlertInput) -> AlertResult:
        ctx = info.context
        actor = ctx.person()
        alert = await flows.resolve(ctx.session, actor=actor, alert_id=parse_id(input.alert_id, "alertId"),
                                    note=input.note)
        await ctx.commit()
        return AlertType.from_model(alert)

    @strawberry.mutation(description="A person raises an alert; retrying the same clientId returns the first one.")
    @returns_domain_errors
    async def raise_manual_alert(self, info: Info[Context, None],
                                 input: RaiseManualAlertInput) -> RaiseManualAlertResult:
        ctx = info.context
        actor = ctx.person()
        raised = await flows.raise_manual(
            ctx.session, actor=actor, client_id=parse_id(input.client_id, "clientId"),
            area_id=parse_optional_id(input.area_id, "areaId"), severity=input.severity, title=input.title,
            detail=input.detail)
        await ctx.commit()
        return AlertType.from_model(raised.alert)

    @strawberry.mutation(description="Open a hazard from the alert, once (a retry returns the same hazard).")
    @returns_domain_errors
    async def open_hazard_from_alert(self, info: Info[Context, None],
                                     input: OpenHazardFromAlertInput) -> OpenHazardFromAlertResult:
        ctx = info.context
        actor = ctx.person()
        hazard = await flows.open_hazard_from_alert(
            ctx.session, actor=actor, alert_id=parse_id(input.alert_id, "alertId"), description=input.description,
            suggested_grade=input.suggested_grade)
        await ctx.commit()
        return HazardType.from_model(hazard)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Live alert changes the caller may see; areaId narrows to one area "
                                         "(and the mine-wide alerts).")
    async def alerts(self, info: Info[Context, None], area_id: strawberry.ID | None = None
                     ) -> AsyncGenerator[AlertEventType, None]:
        ctx = info.context
        principal = ctx.authenticated()
        if principal.is_device:
            raise NotAllowed("devices do not watch alerts")
        area = parse_optional_id(area_id, "areaId")
        if area is not None and not CanSeeAlert.sees_whole_mine(principal) and area != principal.area_id:
            raise NotAllowed("you can watch your own area's alerts only")
        async for raw in ctx.bus.subscribe(channel_for(principal.mine_id)):
            event = AlertEvent.model_validate_json(raw)
            if area is not None and event.area_id not in (None, area):
                continue
            async with ctx.platform.session_factory() as session:
                alert = await service.get(session=session, alert_id=event.alert_id)
            if alert is None or not CanSeeAlert.allows(principal, alert):
                continue
            # nested fields load through this operation's own session, given back once the event is sent
            yield AlertEventType(kind=event.kind, alert=AlertType.from_model(alert))
