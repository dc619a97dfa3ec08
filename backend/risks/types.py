"""GraphQL types of risk pre-control: risk points, assessments, measures, the grading scheme, the map."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.hazards.types import HazardType
from backend.org.types import AreaType, PostType
from backend.risks import loaders, rules, service
from backend.risks.models import ControlMeasure, GradingScheme, RiskAssessment, RiskHazardSource, RiskPoint

RiskLevelType = strawberry.enum(rules.RiskLevel, name="RiskLevel")
RiskCategoryType = strawberry.enum(rules.RiskCategory, name="RiskCategory")
RiskSubjectKindType = strawberry.enum(rules.RiskSubjectKind, name="RiskSubjectKind")
AssessmentMethodType = strawberry.enum(rules.AssessmentMethod, name="AssessmentMethod")
AssessmentReasonType = strawberry.enum(rules.AssessmentReason, name="AssessmentReason")
MeasureKindType = strawberry.enum(rules.MeasureKind, name="MeasureKind")
ControlLevelType = strawberry.enum(rules.ControlLevel, name="ControlLevel")
CheckFrequencyType = strawberry.enum(rules.CheckFrequency, name="CheckFrequency")


def _turn(ctx: Context) -> asyncio.Lock:
    """Sibling fields resolve concurrently on the request's one session: take turns (as the DataLoaders do)."""
    return ctx.session_lock


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(name="RiskHazardSource", description="A hazard source (危险源) at a risk point.")
class HazardSourceType:
    id: strawberry.ID
    category: RiskCategoryType  # type: ignore[valid-type]
    description: str

    @classmethod
    def from_model(cls, row: RiskHazardSource) -> HazardSourceType:
        return cls(id=_id(row.id), category=row.category, description=row.description)


@strawberry.type(name="RiskAssessment", description="One version of a risk point's grading.")
class RiskAssessmentType:
    id: strawberry.ID
    version: int
    method: AssessmentMethodType  # type: ignore[valid-type]
    reason: AssessmentReasonType  # type: ignore[valid-type]
    likelihood: float | None
    exposure: float | None
    consequence: float | None
    severity: int | None
    score: float
    level: RiskLevelType  # type: ignore[valid-type]
    band: str
    assessor_id: strawberry.ID
    assessor_name: str
    note: str | None
    assessed_at: datetime
    next_review_due: datetime

    @classmethod
    def from_model(cls, row: RiskAssessment) -> RiskAssessmentType:
        inputs = row.inputs or {}
        return cls(id=_id(row.id), version=row.version, method=row.method, reason=row.reason,
                   likelihood=inputs.get("likelihood"), exposure=inputs.get("exposure"),
                   consequence=inputs.get("consequence"), severity=inputs.get("severity"), score=row.score,
                   level=row.level, band=row.band, assessor_id=_id(row.assessor_id), assessor_name=row.assessor_name,
                   note=row.note, assessed_at=row.assessed_at, next_review_due=row.next_review_due)


@strawberry.type(name="ControlMeasure")
class ControlMeasureType:
    model: strawberry.Private[ControlMeasure]
    id: strawberry.ID
    kind: MeasureKindType  # type: ignore[valid-type]
    text: str
    control_level: ControlLevelType  # type: ignore[valid-type]
    check_frequency: CheckFrequencyType  # type: ignore[valid-type]
    last_checked_at: datetime | None
    risk_point_id: strawberry.ID

    @classmethod
    def from_model(cls, row: ControlMeasure) -> ControlMeasureType:
        return cls(model=row, id=_id(row.id), kind=row.kind, text=row.text, control_level=row.control_level,
                   check_frequency=row.check_frequency, last_checked_at=row.last_checked_at,
                   risk_point_id=_id(row.risk_point_id))

    @strawberry.field(description="The post (岗位) that answers for the measure.")
    async def responsible_post(self, info: Info[Context, None]) -> PostType | None:
        post = await loaders.posts(info.context).load(self.model.responsible_post_id)
        return PostType.from_model(post) if post else None

    @strawberry.field(description="Whether the post still controls at the level the point's current level demands "
                                  "(false after a re-assessment raised the level: reassign it).")
    async def fits_level(self, info: Info[Context, None]) -> bool:
        point = await loaders.points(info.context).load(self.model.risk_point_id)
        return point is None or point.level is None or rules.post_fits(point.level, self.model.control_level)

    @strawberry.field(description="Who holds the responsible post now.")
    async def holders(self, info: Info[Context, None]) -> list[PersonType]:
        from backend.accounts import service as accounts_service
        from backend.org import service as org_service

        ctx = info.context
        async with _turn(ctx):
            held = await org_service.holders_at(session=ctx.session, post_ids=[self.model.responsible_post_id],
                                                at=utcnow())
            users = await accounts_service.get_many(session=ctx.session,
                                                    user_ids=held.get(self.model.responsible_post_id, []))
        return [PersonType.from_model(u) for u in users if u is not None]


@strawberry.type(name="MeasureSuggestion", description="A library measure for the point's source categories.")
class MeasureSuggestionType:
    category: RiskCategoryType  # type: ignore[valid-type]
    kind: MeasureKindType  # type: ignore[valid-type]
    text: str

    @classmethod
    def from_rule(cls, s: rules.MeasureSuggestion) -> MeasureSuggestionType:
        return cls(category=s.category, kind=s.kind, text=s.text)


@strawberry.type(name="PostCandidate", description="A post that may answer for a point's measures.")
class PostCandidateType:
    post: PostType
    control_level: ControlLevelType  # type: ignore[valid-type]
    named_by_list: bool


@strawberry.type(name="RiskResponsible", description="A person responsible for a risk point, and why.")
class RiskResponsibleType:
    person: PersonType
    via: str
    """LIST (a responsibility list in force names the point) or MEASURE (holds a measure's post)."""
    post_name: str | None
    list_version: int | None


@strawberry.type(name="RiskPoint", description="A risk point (风险点): a place, activity or device with a graded risk.")
class RiskPointType:
    model: strawberry.Private[RiskPoint]
    id: strawberry.ID
    code: str
    name: str
    description: str
    subject_kind: RiskSubjectKindType  # type: ignore[valid-type]
    activity: str | None
    device_id: strawberry.ID | None
    level: RiskLevelType | None  # type: ignore[valid-type]
    score: float | None
    shown_level: RiskLevelType | None  # type: ignore[valid-type]
    raised: bool
    raised_causes: list[str]
    assessment_version: int
    next_review_due: datetime | None
    retired: bool

    @classmethod
    def from_model(cls, p: RiskPoint) -> RiskPointType:
        return cls(model=p, id=_id(p.id), code=p.code, name=p.name, description=p.description,
                   subject_kind=p.subject_kind, activity=p.activity,
                   device_id=_id(p.device_id) if p.device_id else None, level=p.level, score=p.score,
                   shown_level=p.shown_level, raised=p.raised, raised_causes=list(p.raised_causes or []),
                   assessment_version=p.assessment_version, next_review_due=p.next_review_due,
                   retired=p.retired_at is not None)

    @strawberry.field(description="OK, DUE_SOON (within 30 days) or OVERDUE: the next review (复评).")
    def review_state(self) -> str:
        return rules.review_state(self.model.next_review_due, utcnow())

    @strawberry.field(description="The control level the assessed level demands (red: MINE … blue: POST).")
    def required_control_level(self) -> ControlLevelType | None:  # type: ignore[valid-type]
        return rules.required_control(self.model.level) if self.model.level else None

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType:
        return AreaType.from_model(await loaders.areas(info.context).load(self.model.area_id))

    @strawberry.field
    async def hazard_sources(self, info: Info[Context, None]) -> list[HazardSourceType]:
        return [HazardSourceType.from_model(s) for s in await loaders.sources(info.context).load(self.model.id)]

    @strawberry.field
    async def measures(self, info: Info[Context, None]) -> list[ControlMeasureType]:
        return [ControlMeasureType.from_model(m) for m in await loaders.measures(info.context).load(self.model.id)]

    @strawberry.field(description="Every assessment version, newest first.")
    async def assessments(self, info: Info[Context, None]) -> list[RiskAssessmentType]:
        return [RiskAssessmentType.from_model(a) for a in await loaders.assessments(info.context).load(self.model.id)]

    @strawberry.field(description="Open hazards at the point: linked to it, or in its area and linked to no point.")
    async def open_hazards(self, info: Info[Context, None]) -> list[HazardType]:
        async with _turn(info.context):
            (found,) = await service.open_hazards_by_point(info.context.session, [self.model])
        return [HazardType.from_model(h) for h in found]

    @strawberry.field(description="Library measures for its source categories that it does not have yet.")
    async def suggested_measures(self, info: Info[Context, None]) -> list[MeasureSuggestionType]:
        from backend.risks import flows

        async with _turn(info.context):
            found = await flows.suggest(info.context.session, point=self.model)
        return [MeasureSuggestionType.from_rule(s) for s in found]

    @strawberry.field(description="Posts that may answer for its measures: named by lists in force first, then "
                                  "nearest, each at or above the control level its risk level demands.")
    async def candidate_posts(self, info: Info[Context, None]) -> list[PostCandidateType]:
        from backend.risks import flows

        async with _turn(info.context):
            found = await flows.candidate_posts(info.context.session, point=self.model)
        return [PostCandidateType(post=PostType.from_model(c.post), control_level=c.level,
                                  named_by_list=c.named_by_list) for c in found]

    @strawberry.field(description="The people responsible: named by the responsibility lists in force, and the "
                                  "holders of its measures' posts.")
    async def responsible(self, info: Info[Context, None]) -> list[RiskResponsibleType]:
        from backend.risks import people

        async with _turn(info.context):
            return await people.responsible(info.context, self.model)


@strawberry.type(name="RiskMapArea", description="One unit on the four-colour map (四色图).")
class RiskMapAreaType:
    area: AreaType
    level: RiskLevelType | None  # type: ignore[valid-type]
    point_count: int
    raised_count: int


@strawberry.type(name="RiskMap")
class RiskMapType:
    areas: list[RiskMapAreaType]
    generated_at: datetime


@strawberry.type(name="LecBand")
class LecBandType:
    above: float
    level: RiskLevelType  # type: ignore[valid-type]
    label: str


@strawberry.type(name="RiskGradingScheme", description="LEC bands and the 5 × 5 matrix in force (defaults: "
                                                       "DOMAIN.md's, with id null).")
class RiskGradingSchemeType:
    id: strawberry.ID | None
    effective_from: datetime | None
    lec_bands: list[LecBandType]
    matrix: list[list[RiskLevelType]]  # type: ignore[valid-type]

    @classmethod
    def from_model(cls, scheme: GradingScheme | None) -> RiskGradingSchemeType:
        return cls(id=_id(scheme.id) if scheme else None, effective_from=scheme.effective_from if scheme else None,
                   lec_bands=[LecBandType(above=b.above, level=b.level, label=b.label)
                              for b in service.bands_of(scheme)],
                   matrix=[list(row) for row in service.matrix_of(scheme)])


@strawberry.type(name="RiskGrade", description="A grading result (a preview, or an assessment's).")
class RiskGradeType:
    score: float
    level: RiskLevelType  # type: ignore[valid-type]
    band: str
    required_control_level: ControlLevelType  # type: ignore[valid-type]


@strawberry.type(name="RiskAssessed")
class RiskAssessedType:
    risk_point: RiskPointType
    assessment: RiskAssessmentType
    suggested_measures: list[MeasureSuggestionType]


@strawberry.type(name="MeasureTemplate")
class MeasureTemplateType:
    id: strawberry.ID
    category: RiskCategoryType  # type: ignore[valid-type]
    kind: MeasureKindType  # type: ignore[valid-type]
    text: str


@strawberry.input
class RiskHazardSourceInput:
    category: RiskCategoryType  # type: ignore[valid-type]
    description: str


@strawberry.input
class CreateRiskPointInput:
    area_id: strawberry.ID
    subject_kind: RiskSubjectKindType  # type: ignore[valid-type]
    code: str
    name: str
    description: str | None = None
    device_id: strawberry.ID | None = None
    activity: str | None = None
    hazard_sources: list[RiskHazardSourceInput] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateRiskPointInput:
    risk_point_id: strawberry.ID
    name: str | None = None
    description: str | None = None
    activity: str | None = None


@strawberry.input(description="LEC: likelihood 0.1–10, exposure 0.5–10, consequence 1–100; MATRIX: likelihood "
                              "and severity 1–5.")
class GradeInput:
    method: AssessmentMethodType  # type: ignore[valid-type]
    likelihood: float | None = None
    exposure: float | None = None
    consequence: float | None = None
    severity: int | None = None


@strawberry.input
class AssessRiskPointInput:
    risk_point_id: strawberry.ID
    grade: GradeInput
    reason: AssessmentReasonType  # type: ignore[valid-type]
    note: str | None = None
    next_review_due: datetime | None = None


@strawberry.input
class LecBandInput:
    above: float
    level: RiskLevelType  # type: ignore[valid-type]
    label: str


@strawberry.input
class SetRiskGradingSchemeInput:
    effective_from: datetime
    lec_bands: list[LecBandInput]
    matrix: list[list[RiskLevelType]]  # type: ignore[valid-type]


@strawberry.input
class AddControlMeasureInput:
    risk_point_id: strawberry.ID
    kind: MeasureKindType  # type: ignore[valid-type]
    text: str
    responsible_post_id: strawberry.ID
    check_frequency: CheckFrequencyType | None = None  # type: ignore[valid-type]


@strawberry.input
class UpdateControlMeasureInput:
    measure_id: strawberry.ID
    text: str | None = None
    responsible_post_id: strawberry.ID | None = None
    check_frequency: CheckFrequencyType | None = None  # type: ignore[valid-type]
    retire: bool = False


RiskPointResult = Annotated[
    RiskPointType | NotAllowedType | NotFoundType | ValidationFailedType | InvalidTransitionType,
    strawberry.union("RiskPointResult")]
RiskAssessedResult = Annotated[
    RiskAssessedType | NotAllowedType | NotFoundType | ValidationFailedType | InvalidTransitionType,
    strawberry.union("RiskAssessedResult")]
ControlMeasureResult = Annotated[
    ControlMeasureType | NotAllowedType | NotFoundType | ValidationFailedType | InvalidTransitionType,
    strawberry.union("ControlMeasureResult")]
RiskGradingSchemeResult = Annotated[RiskGradingSchemeType | NotAllowedType | ValidationFailedType,
                                    strawberry.union("RiskGradingSchemeResult")]
RiskGradeResult = Annotated[RiskGradeType | ValidationFailedType, strawberry.union("RiskGradeResult")]
MeasureTemplateResult = Annotated[MeasureTemplateType | NotAllowedType | ValidationFailedType,
                                  strawberry.union("MeasureTemplateResult")]
