"""GraphQL types of work permits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.roles import Role
from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.hazards import loaders as hazard_loaders
from backend.hazards.rules import in_language
from backend.hazards.types import PhotoRejectedType
from backend.org.types import AreaType
from backend.permits import service
from backend.permits.models import Permit, PermitApproval, PermitGasTest, PermitKind, PermitPhoto
from backend.permits.permissions import allowed_steps
from backend.permits.rules import (
    GasTestSource,
    GasTestStage,
    PermitGrade,
    PermitState,
    PermitStep,
    SuspendCause,
    token_holder,
)
from backend.storage.service import download_url

PermitStateType = strawberry.enum(PermitState, name="PermitState")
PermitGradeType = strawberry.enum(PermitGrade, name="PermitGrade")
PermitStepType = strawberry.enum(PermitStep, name="PermitStep",
                                 description="A permit step a person may try now (Permit.allowedSteps).")
GasTestStageType = strawberry.enum(GasTestStage, name="GasTestStage")
GasTestSourceType = strawberry.enum(GasTestSource, name="GasTestSource")
SuspendCauseType = strawberry.enum(SuspendCause, name="PermitSuspendCause")


def _approvals(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.loader("permit_approvals", service.approvals_by_permit)


def _gas_tests(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.loader("permit_gas_tests", service.gas_tests_by_permit)


def _photos(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.loader("permit_photos", service.photos_by_permit)


def _kinds(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.loader("permit_kinds", service.kinds_by_ids)


async def _person(ctx: Context, user_id: uuid.UUID | str | None) -> PersonType | None:
    if user_id is None:
        return None
    user = await hazard_loaders.users(ctx).load(uuid.UUID(str(user_id)))
    return PersonType.from_model(user) if user else None


@strawberry.type(name="PermitGradeRule", description="A grade of a kind: its approvers by role and validity.")
class GradeRuleType:
    grade: PermitGradeType  # type: ignore[valid-type]
    approver_roles: list[str]
    validity_hours: float


@strawberry.type(name="PermitMeasure", description="One item of a kind's measures checklist.")
class MeasureType:
    code: str
    names: strawberry.Private[dict[str, str]]

    @strawberry.field
    def name(self, language: str | None = None) -> str:
        return in_language(self.names, language)


@strawberry.type(name="PermitKind", description="A kind of hazardous work of the mine (data, per mine).")
class PermitKindType:
    model: strawberry.Private[PermitKind]
    id: strawberry.ID
    code: str
    grades: list[GradeRuleType]
    measures: list[MeasureType]
    ch4_limit: float | None = strawberry.field(description="CH4 % above which the work stops.")
    underground_approver: str | None = strawberry.field(description="The role an underground permit also needs.")
    conflicts_with: list[str]
    blasting: bool
    isolation: bool

    @strawberry.field(description="The name in the language asked (zh, en), else the mine's own.")
    def name(self, language: str | None = None) -> str:
        return in_language(self.model.names or {}, language)

    @classmethod
    def from_model(cls, kind: PermitKind) -> PermitKindType:
        spec = service.spec_of(kind)
        return cls(model=kind, id=strawberry.ID(str(kind.id)), code=kind.code,
                   grades=[GradeRuleType(grade=g.grade, approver_roles=list(g.approver_roles),
                                         validity_hours=g.validity_hours) for g in spec.grades],
                   measures=[MeasureType(code=m["code"], names=m.get("names", {})) for m in kind.measures or []],
                   ch4_limit=spec.ch4_limit, underground_approver=spec.underground_approver,
                   conflicts_with=list(spec.conflicts_with), blasting=spec.blasting, isolation=spec.isolation)


@strawberry.type(name="PermitApproval")
class ApprovalType:
    model: strawberry.Private[PermitApproval]
    role: str
    note: str | None
    at: datetime

    @strawberry.field
    async def approver(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info.context, self.model.user_id)


@strawberry.type(name="PermitGasTest")
class GasTestType:
    model: strawberry.Private[PermitGasTest]
    stage: GasTestStageType  # type: ignore[valid-type]
    source: GasTestSourceType  # type: ignore[valid-type]
    ch4: float
    measured_at: datetime
    passed: bool
    sensor_id: strawberry.ID | None

    @strawberry.field(description="Seconds since the test was measured.")
    def age_seconds(self) -> int:
        return int((utcnow() - self.model.measured_at).total_seconds())

    @strawberry.field
    async def entered_by(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info.context, self.model.entered_by_id)

    @classmethod
    def from_model(cls, test: PermitGasTest) -> GasTestType:
        return cls(model=test, stage=test.stage, source=test.source, ch4=test.ch4, measured_at=test.measured_at,
                   passed=test.passed, sensor_id=strawberry.ID(str(test.sensor_id)) if test.sensor_id else None)


@strawberry.type(name="PermitSuspendReason")
class SuspendReasonType:
    cause: SuspendCauseType  # type: ignore[valid-type]
    detail: str
    at: datetime


@strawberry.type(name="PermitPhoto")
class PermitPhotoType:
    photo: strawberry.Private[PermitPhoto]
    key: str

    @strawberry.field(description="A signed URL to the re-encoded photo, valid for an hour.")
    async def url(self, info: Info[Context, None]) -> str:
        return await download_url(store=info.context.store, settings=info.context.settings, key=self.photo.key)


@strawberry.type(name="Permit", description="A work permit (作业许可) through its state machine.")
class PermitType:
    model: strawberry.Private[Permit]
    id: strawberry.ID
    kind_code: str
    grade: PermitGradeType  # type: ignore[valid-type]
    state: PermitStateType  # type: ignore[valid-type]
    description: str
    starts_at: datetime
    ends_at: datetime
    risk_point_id: strawberry.ID | None
    power_zone_id: strawberry.ID | None
    underground: bool
    required_roles: list[str]
    measures_confirmed: list[str]
    started_at: datetime | None
    suspended_at: datetime | None
    suspensions: int
    token_passes: int
    fired_at: datetime | None
    closed_at: datetime | None
    closing_note: str | None
    ended_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, p: Permit) -> PermitType:
        return cls(model=p, id=strawberry.ID(str(p.id)), kind_code=p.kind_code, grade=p.grade, state=p.state,
                   description=p.description, starts_at=p.starts_at, ends_at=p.ends_at,
                   risk_point_id=strawberry.ID(str(p.risk_point_id)) if p.risk_point_id else None,
                   power_zone_id=strawberry.ID(str(p.power_zone_id)) if p.power_zone_id else None,
                   underground=p.underground, required_roles=list(p.required_roles or []),
                   measures_confirmed=list(p.measures_confirmed or []), started_at=p.started_at,
                   suspended_at=p.suspended_at, suspensions=p.suspensions, token_passes=p.token_passes,
                   fired_at=p.fired_at, closed_at=p.closed_at, closing_note=p.closing_note,
                   ended_reason=p.ended_reason, created_at=p.created_at, updated_at=p.updated_at)

    @strawberry.field
    async def kind(self, info: Info[Context, None]) -> PermitKindType:
        return PermitKindType.from_model(await _kinds(info.context).load(self.model.kind_id))

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType:
        return AreaType.from_model(await hazard_loaders.areas(info.context).load(self.model.area_id))

    @strawberry.field
    async def applicant(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info.context, self.model.applicant_id)

    @strawberry.field
    async def work_leader(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info.context, self.model.work_leader_id)

    @strawberry.field(description="The guardian (监护人), who must be in the area while the work runs.")
    async def guardian(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info.context, self.model.guardian_id)

    @strawberry.field
    async def crew(self, info: Info[Context, None]) -> list[PersonType]:
        people = [await _person(info.context, c) for c in self.model.crew or []]
        return [p for p in people if p is not None]

    @strawberry.field(description="Blasting's token holders: blaster, team_leader, gas_inspector.")
    async def blaster(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info.context, (self.model.blast_roles or {}).get("blaster"))

    @strawberry.field(description="Blasting: who holds the firing token now (三人连锁放炮).")
    def token_holder_role(self) -> str | None:
        return token_holder(self.model.token_passes).value if self.model.blast_roles else None

    @strawberry.field
    async def approvals(self, info: Info[Context, None]) -> list[ApprovalType]:
        rows = await _approvals(info.context).load(self.model.id)
        return [ApprovalType(model=a, role=a.role, note=a.note, at=a.at) for a in rows]

    @strawberry.field(description="The roles still to sign.")
    async def missing_approvals(self, info: Info[Context, None]) -> list[str]:
        signed = {a.role for a in await _approvals(info.context).load(self.model.id)}
        return [r for r in self.model.required_roles or [] if r not in signed]

    @strawberry.field
    async def gas_tests(self, info: Info[Context, None]) -> list[GasTestType]:
        return [GasTestType.from_model(t) for t in await _gas_tests(info.context).load(self.model.id)]

    @strawberry.field(description="The newest gas test (its ageSeconds: how old it is now).")
    async def latest_gas_test(self, info: Info[Context, None]) -> GasTestType | None:
        latest = service.latest_test(await _gas_tests(info.context).load(self.model.id))
        return GasTestType.from_model(latest) if latest else None

    @strawberry.field(description="Why the permit is suspended now (empty unless SUSPENDED).")
    def suspend_reasons(self) -> list[SuspendReasonType]:
        return [SuspendReasonType(cause=SuspendCause(r["cause"]), detail=r.get("detail", ""),
                                  at=datetime.fromisoformat(r["at"])) for r in self.model.suspend_reasons or []]

    @strawberry.field(description="Whether positioning sees the guardian in the permit's area now.")
    async def guardian_in_area(self, info: Info[Context, None]) -> bool:
        from backend.permits import presence

        ctx = info.context
        async with ctx.session_lock:
            area = await presence.current_area(session=ctx.session, mine_id=self.model.mine_id,
                                               user_id=self.model.guardian_id)
        return area == self.model.area_id

    @strawberry.field
    async def photos(self, info: Info[Context, None]) -> list[PermitPhotoType]:
        return [PermitPhotoType(photo=p, key=p.key) for p in await _photos(info.context).load(self.model.id)]

    @strawberry.field(description="The steps the caller may try now (the mutations check gas, positions, alarms).")
    async def allowed_steps(self, info: Info[Context, None]) -> list[PermitStepType]:  # type: ignore[valid-type]
        principal = info.context.principal
        if principal is None or principal.is_device:
            return []
        rows = await _approvals(info.context).load(self.model.id)
        return allowed_steps(principal, self.model, {a.role for a in rows}, {a.user_id for a in rows},
                             blasting=bool(self.model.blast_roles))


@strawberry.type(name="PermitEvent")
class PermitEventType:
    action: str
    permit: PermitType


@strawberry.input
class BlastRolesInput:
    blaster_id: strawberry.ID
    team_leader_id: strawberry.ID
    gas_inspector_id: strawberry.ID


@strawberry.input
class ApplyPermitInput:
    client_id: strawberry.ID
    kind_id: strawberry.ID
    grade: PermitGradeType  # type: ignore[valid-type]
    area_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    description: str
    work_leader_id: strawberry.ID
    guardian_id: strawberry.ID
    crew_ids: list[strawberry.ID]
    risk_point_id: strawberry.ID | None = None
    power_zone_id: strawberry.ID | None = None
    blast_roles: BlastRolesInput | None = None
    measures_confirmed: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class HandGasTestInput:
    permit_id: strawberry.ID
    ch4: float
    measured_at: datetime
    stage: GasTestStageType = GasTestStage.START  # type: ignore[valid-type]


@strawberry.input
class SensorGasTestInput:
    permit_id: strawberry.ID
    sensor_id: strawberry.ID
    stage: GasTestStageType = GasTestStage.START  # type: ignore[valid-type]


@strawberry.input
class ApprovePermitInput:
    permit_id: strawberry.ID
    role: str = strawberry.field(description="The role signed for: area_manager, safety_officer, mine_manager.")
    note: str | None = None


@strawberry.input
class ClosePermitInput:
    permit_id: strawberry.ID
    photo_keys: list[str]
    note: str | None = None


PermitResult = Annotated[PermitType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
                         strawberry.union("PermitResult")]
ClosePermitResult = Annotated[
    PermitType | PhotoRejectedType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
    strawberry.union("ClosePermitResult")]
ROLE_NAMES = frozenset(r.value for r in Role if r is not Role.DEVICE)
