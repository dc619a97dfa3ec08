"""GraphQL types of shared alerts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.alerts import loaders
from backend.alerts.events import AlertEventKind
from backend.alerts.models import Alert
from backend.alerts.rules import AlertOrder, EscalationTarget, escalation_target
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.hazards.types import HazardGradeType, HazardType, PageInfo
from backend.org.types import AreaType
from backend.storage.service import download_url
from contracts.alerts import AlertSeverity, AlertSource, AlertState, AlertVerdict

AlertSourceType = strawberry.enum(AlertSource, name="AlertSource")
AlertSeverityType = strawberry.enum(AlertSeverity, name="AlertSeverity",
                                    description="Ordered: INFO < WARNING < ALARM < CRITICAL.")
AlertStateType = strawberry.enum(AlertState, name="AlertState")
AlertVerdictType = strawberry.enum(AlertVerdict, name="AlertVerdict")
AlertEventKindType = strawberry.enum(AlertEventKind, name="AlertEventKind")
AlertOrderType = strawberry.enum(AlertOrder, name="AlertOrder", description=(
    "NEWEST: by first raise, newest first. OPEN_FIRST: unacknowledged, then acknowledged, then resolved; "
    "each the most severe first, then the latest raised."))
SNAPSHOT_URL_MINUTES = 10

if TYPE_CHECKING:
    from backend.positioning.types import EvacuationType


@strawberry.type(name="Alert")
class AlertType:
    model: strawberry.Private[Alert]
    id: strawberry.ID
    source: AlertSourceType  # type: ignore[valid-type]
    source_ref: str
    severity: AlertSeverityType  # type: ignore[valid-type]
    state: AlertStateType  # type: ignore[valid-type]
    title: str
    detail: str
    raise_count: int = strawberry.field(description="How many raises folded into this alert (1: raised once).")
    first_raised_at: datetime
    last_raised_at: datetime
    acknowledged_at: datetime | None
    verdict: AlertVerdictType | None  # type: ignore[valid-type]
    note: str | None = strawberry.field(description="The acknowledging person's note.")
    resolved_at: datetime | None
    resolution_note: str | None
    escalation_level: int = strawberry.field(
        description="Steps up the chain while unacknowledged: 0 none, 1 the area manager, 2 the mine managers.")
    escalated_at: datetime | None
    is_drill: bool = strawberry.field(description="Raised in a drill: never counted in KPIs, never cut real power.")
    drill_id: strawberry.ID | None = strawberry.field(description="The drill it was raised in (null: a real alert).")

    @classmethod
    def from_model(cls, alert: Alert) -> AlertType:
        return cls(
            model=alert, id=strawberry.ID(str(alert.id)), source=alert.source, source_ref=alert.source_ref,
            severity=alert.severity, state=alert.state, title=alert.title, detail=alert.detail,
            raise_count=alert.raise_count, first_raised_at=alert.first_raised_at,
            last_raised_at=alert.last_raised_at, acknowledged_at=alert.acknowledged_at, verdict=alert.verdict,
            note=alert.note, resolved_at=alert.resolved_at, resolution_note=alert.resolution_note,
            escalation_level=alert.escalation_level, escalated_at=alert.escalated_at,
            is_drill=alert.drill_id is not None,
            drill_id=strawberry.ID(str(alert.drill_id)) if alert.drill_id else None,
        )

    @strawberry.field(description="The area, or null for a mine-wide alert.")
    async def area(self, info: Info[Context, None]) -> AreaType | None:
        if self.model.area_id is None:
            return None
        area = await loaders.areas(info.context).load(self.model.area_id)
        return AreaType.from_model(area) if area else None

    @strawberry.field
    async def acknowledged_by(self, info: Info[Context, None]) -> PersonType | None:
        if self.model.acknowledged_by_id is None:
            return None
        user = await loaders.users(info.context).load(self.model.acknowledged_by_id)
        return PersonType.from_model(user) if user else None

    @strawberry.field(description="The person who raised it (null when a sensor, a camera or the system did).")
    async def raised_by(self, info: Info[Context, None]) -> PersonType | None:
        if self.model.raised_by_id is None:
            return None
        user = await loaders.users(info.context).load(self.model.raised_by_id)
        return PersonType.from_model(user) if user else None

    @strawberry.field(description="The person who resolved it (null when a sensor, a device or the system did).")
    async def resolved_by(self, info: Info[Context, None]) -> PersonType | None:
        if self.model.resolved_by_id is None:
            return None
        user = await loaders.users(info.context).load(self.model.resolved_by_id)
        return PersonType.from_model(user) if user else None

    @strawberry.field(description="Who the unacknowledged alert is escalated to: the area manager (level 1; the "
                                  "mine managers for a mine-wide alert), then the mine managers (level 2).")
    async def escalated_to(self, info: Info[Context, None]) -> list[PersonType]:
        target = escalation_target(self.model.escalation_level)
        if target is None:
            return []
        ctx = info.context
        if target is EscalationTarget.AREA_MANAGER and self.model.area_id is not None:
            area = await loaders.areas(ctx).load(self.model.area_id)
            if area is not None and area.manager_id is not None:
                manager = await loaders.users(ctx).load(area.manager_id)
                if manager is not None:
                    return [PersonType.from_model(manager)]
        return [PersonType.from_model(m) for m in await loaders.mine_managers(ctx).load(self.model.mine_id)]

    @strawberry.field(description=f"A signed URL to the snapshot, valid for {SNAPSHOT_URL_MINUTES} minutes.")
    async def snapshot_url(self, info: Info[Context, None]) -> str | None:
        if not self.model.snapshot_key:
            return None
        ctx = info.context
        return await download_url(store=ctx.store, settings=ctx.settings, key=self.model.snapshot_key,
                                  minutes=SNAPSHOT_URL_MINUTES)

    @strawberry.field(description="The hazard opened from this alert, if any.")
    async def hazard(self, info: Info[Context, None]) -> HazardType | None:
        if self.model.hazard_id is None:
            return None
        hazard = await loaders.hazards(info.context).load(self.model.hazard_id)
        return HazardType.from_model(hazard) if hazard else None

    @strawberry.field(description="The evacuation list of an alarm or power cut: the people in the affected areas "
                                  "when it was raised, followed out (null: none). Live: subscription evacuation.")
    async def evacuation(self, info: Info[Context, None]) -> Annotated[
            EvacuationType, strawberry.lazy("backend.positioning.types")] | None:
        from backend.positioning.resolvers import evacuation_of

        return await evacuation_of(info.context.session, self.model.id)


@strawberry.type
class AlertEdge:
    cursor: str
    node: AlertType


@strawberry.type
class AlertConnection:
    edges: list[AlertEdge]
    page_info: PageInfo


@strawberry.type(description="Open alerts the caller may see, counted by the server (the same filter as the list).")
class AlertCounts:
    unacknowledged: int = strawberry.field(description="RAISED: nobody has acknowledged them yet.")
    acknowledged: int = strawberry.field(description="ACKNOWLEDGED, not yet resolved.")

    @strawberry.field(description="unacknowledged + acknowledged")
    def open(self) -> int:
        return self.unacknowledged + self.acknowledged


@strawberry.type(name="AlertEvent")
class AlertEventType:
    kind: AlertEventKindType  # type: ignore[valid-type]
    alert: AlertType


@strawberry.input
class AlertFilterInput:
    state: AlertStateType | None = None  # type: ignore[valid-type]
    severity: AlertSeverityType | None = None  # type: ignore[valid-type]
    source: AlertSourceType | None = None  # type: ignore[valid-type]
    area_id: strawberry.ID | None = None
    since: datetime | None = strawberry.field(default=None, description="raised (or raised again) since")


@strawberry.input
class AcknowledgeAlertInput:
    alert_id: strawberry.ID
    verdict: AlertVerdictType  # type: ignore[valid-type]
    note: str | None = None


@strawberry.input
class ResolveAlertInput:
    alert_id: strawberry.ID
    note: str | None = None


@strawberry.input
class RaiseManualAlertInput:
    client_id: strawberry.ID = strawberry.field(description="a UUID made by the client; retries reuse it")
    severity: AlertSeverityType  # type: ignore[valid-type]
    title: str
    area_id: strawberry.ID | None = strawberry.field(default=None, description="null: mine-wide")
    detail: str | None = None


@strawberry.input
class OpenHazardFromAlertInput:
    alert_id: strawberry.ID
    description: str | None = strawberry.field(default=None, description="defaults to the alert's title and detail")
    suggested_grade: HazardGradeType | None = None  # type: ignore[valid-type]


AlertResult = Annotated[AlertType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
                        strawberry.union("AlertResult")]
RaiseManualAlertResult = Annotated[AlertType | NotAllowedType | ValidationFailedType,
                                   strawberry.union("RaiseManualAlertResult")]
OpenHazardFromAlertResult = Annotated[
    HazardType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
    strawberry.union("OpenHazardFromAlertResult")]
