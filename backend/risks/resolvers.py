"""Risk pre-control over GraphQL: risk points, grading, measures, the grading scheme and the four-colour map."""

from __future__ import annotations

from datetime import timedelta

import strawberry
from strawberry.types import Info

from backend.database.base import utcnow
from backend.errors import ValidationFailed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.org.types import AreaType
from backend.risks import flows, rules, service
from backend.risks.map import four_colour_map
from backend.risks.types import (
    AddControlMeasureInput,
    AssessRiskPointInput,
    ControlMeasureResult,
    ControlMeasureType,
    CreateRiskPointInput,
    GradeInput,
    MeasureKindType,
    MeasureSuggestionType,
    MeasureTemplateResult,
    MeasureTemplateType,
    RiskAssessedResult,
    RiskAssessedType,
    RiskAssessmentType,
    RiskCategoryType,
    RiskGradeResult,
    RiskGradeType,
    RiskGradingSchemeResult,
    RiskGradingSchemeType,
    RiskHazardSourceInput,
    RiskMapAreaType,
    RiskMapType,
    RiskPointResult,
    RiskPointType,
    SetRiskGradingSchemeInput,
    UpdateControlMeasureInput,
    UpdateRiskPointInput,
)

MAX_REVIEW_WINDOW_DAYS = 366


def _grade_inputs(grade: GradeInput) -> flows.GradeInputs:
    return flows.GradeInputs(likelihood=grade.likelihood, exposure=grade.exposure, consequence=grade.consequence,
                             severity=grade.severity)


@strawberry.type
class Query:
    @strawberry.field(description="Risk points of the caller's mine (by area on request), highest shown level first.")
    async def risk_points(self, info: Info[Context, None], area_id: strawberry.ID | None = None,
                          include_retired: bool = False) -> list[RiskPointType]:
        ctx = info.context
        mine_id = ctx.authenticated().mine_id
        area = parse_optional_id(area_id, "areaId")
        points = await service.list_points(session=ctx.session, mine_id=mine_id,
                                           area_ids=[area] if area else None, include_retired=include_retired)
        return [RiskPointType.from_model(p) for p in points]

    @strawberry.field(description="One risk point of the caller's mine (null when there is none).")
    async def risk_point(self, info: Info[Context, None], id: strawberry.ID) -> RiskPointType | None:
        ctx = info.context
        point = await service.get_point(session=ctx.session, point_id=parse_id(id, "id"))
        if point is None or point.mine_id != ctx.authenticated().mine_id:
            return None
        return RiskPointType.from_model(point)

    @strawberry.field(description="The four-colour map (四色图): every unit coloured by its highest current risk "
                                  "(districts by the highest below them).")
    async def risk_map(self, info: Info[Context, None]) -> RiskMapType:
        ctx = info.context
        rows = await four_colour_map(session=ctx.session, mine_id=ctx.authenticated().mine_id)
        return RiskMapType(areas=[RiskMapAreaType(area=AreaType.from_model(r.area), level=r.level,
                                                  point_count=r.point_count, raised_count=r.raised_count)
                                  for r in rows], generated_at=utcnow())

    @strawberry.field(description="The LEC bands and matrix in force now.")
    async def risk_grading_scheme(self, info: Info[Context, None]) -> RiskGradingSchemeType:
        ctx = info.context
        scheme = await service.scheme_in_force(session=ctx.session, mine_id=ctx.authenticated().mine_id, at=utcnow())
        return RiskGradingSchemeType.from_model(scheme)

    @strawberry.field(description="Grade without saving (the scheme in force): a preview for the assessment form.")
    @returns_domain_errors
    async def grade_risk(self, info: Info[Context, None], grade: GradeInput) -> RiskGradeResult:
        ctx = info.context
        scheme = await service.scheme_in_force(session=ctx.session, mine_id=ctx.authenticated().mine_id, at=utcnow())
        result = flows.grade(rules.AssessmentMethod(grade.method), _grade_inputs(grade), scheme)
        return RiskGradeType(score=result.score, level=result.level, band=result.band,
                             required_control_level=rules.required_control(result.level))

    @strawberry.field(description="The measure library: the mine's own entries, then the defaults, by category.")
    async def measure_library(self, info: Info[Context, None],
                              category: RiskCategoryType | None = None  # type: ignore[valid-type]
                              ) -> list[MeasureSuggestionType]:
        ctx = info.context
        categories = [rules.RiskCategory(category)] if category else list(rules.RiskCategory)
        own = await service.mine_library(session=ctx.session, mine_id=ctx.authenticated().mine_id)
        return [MeasureSuggestionType.from_rule(s) for s in rules.suggestions(categories, own)]

    @strawberry.field(description="Risk points whose next review (复评) is due within the days given, or overdue.")
    async def risk_reviews_due(self, info: Info[Context, None], within_days: int = rules.REMINDER_DAYS
                               ) -> list[RiskPointType]:
        ctx = info.context
        if not 0 <= within_days <= MAX_REVIEW_WINDOW_DAYS:
            raise ValidationFailed(f"withinDays is 0 to {MAX_REVIEW_WINDOW_DAYS}", field="withinDays")
        limit = utcnow() + timedelta(days=within_days)
        points = await service.list_points(session=ctx.session, mine_id=ctx.authenticated().mine_id)
        due = [p for p in points if p.next_review_due is not None and p.next_review_due <= limit]
        return [RiskPointType.from_model(p) for p in sorted(due, key=lambda p: p.next_review_due)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a risk point on an area, an activity or a device, with its hazard "
                                     "sources (safety officers, the mine manager, admins; area managers in their "
                                     "area).")
    @returns_domain_errors
    async def create_risk_point(self, info: Info[Context, None], input: CreateRiskPointInput) -> RiskPointResult:
        ctx = info.context
        point = await flows.create_point(
            ctx.session, actor=ctx.person(), area_id=parse_id(input.area_id, "areaId"),
            subject_kind=rules.RiskSubjectKind(input.subject_kind), code=input.code, name=input.name,
            description=input.description, device_id=parse_optional_id(input.device_id, "deviceId"),
            activity=input.activity,
            sources=[flows.SourceData(rules.RiskCategory(s.category), s.description) for s in input.hazard_sources])
        await ctx.commit()
        return RiskPointType.from_model(point)

    @strawberry.mutation(description="Rename a risk point or change its description or activity.")
    @returns_domain_errors
    async def update_risk_point(self, info: Info[Context, None], input: UpdateRiskPointInput) -> RiskPointResult:
        ctx = info.context
        point = await flows.update_point(ctx.session, actor=ctx.person(),
                                         point_id=parse_id(input.risk_point_id, "riskPointId"), name=input.name,
                                         description=input.description, activity=input.activity)
        await ctx.commit()
        return RiskPointType.from_model(point)

    @strawberry.mutation(description="Retire a risk point (kept for history).")
    @returns_domain_errors
    async def retire_risk_point(self, info: Info[Context, None], risk_point_id: strawberry.ID,
                                reason: str) -> RiskPointResult:
        ctx = info.context
        point = await flows.retire_point(ctx.session, actor=ctx.person(),
                                         point_id=parse_id(risk_point_id, "riskPointId"), reason=reason)
        await ctx.commit()
        return RiskPointType.from_model(point)

    @strawberry.mutation(description="Add a hazard source (危险源) to a risk point.")
    @returns_domain_errors
    async def add_hazard_source(self, info: Info[Context, None], risk_point_id: strawberry.ID,
                                source: RiskHazardSourceInput) -> RiskPointResult:
        ctx = info.context
        point_id = parse_id(risk_point_id, "riskPointId")
        await flows.add_source(ctx.session, actor=ctx.person(), point_id=point_id,
                               source=flows.SourceData(rules.RiskCategory(source.category), source.description))
        await ctx.commit()
        return RiskPointType.from_model(await service.get_point_in_mine_or_raise(
            session=ctx.session, point_id=point_id, mine_id=ctx.person().mine_id))

    @strawberry.mutation(description="Assess a risk point (LEC or 5 × 5 matrix): a new version with the assessor, "
                                     "method and reason (ANNUAL 年度辨识 / SPECIAL 专项辨识); returns suggested "
                                     "measures.")
    @returns_domain_errors
    async def assess_risk_point(self, info: Info[Context, None], input: AssessRiskPointInput) -> RiskAssessedResult:
        ctx = info.context
        done = await flows.assess(ctx.session, actor=ctx.person(),
                                  point_id=parse_id(input.risk_point_id, "riskPointId"),
                                  method=rules.AssessmentMethod(input.grade.method), inputs=_grade_inputs(input.grade),
                                  reason=rules.AssessmentReason(input.reason), note=input.note,
                                  next_review_due=input.next_review_due)
        await ctx.commit()
        return RiskAssessedType(risk_point=RiskPointType.from_model(done.point),
                                assessment=RiskAssessmentType.from_model(done.assessment),
                                suggested_measures=[MeasureSuggestionType.from_rule(s) for s in done.suggestions])

    @strawberry.mutation(description="Set the mine's LEC bands and 5 × 5 matrix (cell by cell) from a date (admin, "
                                     "mine manager); earlier assessments keep the scheme they were graded by.")
    @returns_domain_errors
    async def set_risk_grading_scheme(self, info: Info[Context, None], input: SetRiskGradingSchemeInput
                                      ) -> RiskGradingSchemeResult:
        ctx = info.context
        scheme = await flows.set_scheme(ctx.session, actor=ctx.person(), data=flows.SchemeData(
            effective_from=input.effective_from,
            lec_bands=[rules.LecBand(b.above, rules.RiskLevel(b.level), b.label) for b in input.lec_bands],
            matrix=[[rules.RiskLevel(c) for c in row] for row in input.matrix]))
        await ctx.commit()
        return RiskGradingSchemeType.from_model(scheme)

    @strawberry.mutation(description="Add a control measure naming the responsible post, at or above the control "
                                     "level the point's risk level demands (red: mine … blue: post).")
    @returns_domain_errors
    async def add_control_measure(self, info: Info[Context, None], input: AddControlMeasureInput
                                  ) -> ControlMeasureResult:
        ctx = info.context
        measure = await flows.add_measure(
            ctx.session, actor=ctx.person(), point_id=parse_id(input.risk_point_id, "riskPointId"),
            kind=rules.MeasureKind(input.kind), text=input.text,
            responsible_post_id=parse_id(input.responsible_post_id, "responsiblePostId"),
            check_frequency=rules.CheckFrequency(input.check_frequency) if input.check_frequency else None)
        await ctx.commit()
        return ControlMeasureType.from_model(measure)

    @strawberry.mutation(description="Change a control measure's text, post or check frequency, or retire it.")
    @returns_domain_errors
    async def update_control_measure(self, info: Info[Context, None], input: UpdateControlMeasureInput
                                     ) -> ControlMeasureResult:
        ctx = info.context
        measure = await flows.update_measure(
            ctx.session, actor=ctx.person(), measure_id=parse_id(input.measure_id, "measureId"), text=input.text,
            responsible_post_id=parse_optional_id(input.responsible_post_id, "responsiblePostId"),
            check_frequency=rules.CheckFrequency(input.check_frequency) if input.check_frequency else None,
            retire=input.retire)
        await ctx.commit()
        return ControlMeasureType.from_model(measure)

    @strawberry.mutation(description="Add an entry to the mine's measure library.")
    @returns_domain_errors
    async def add_measure_template(self, info: Info[Context, None], category: RiskCategoryType,  # type: ignore[valid-type]
                                   kind: MeasureKindType, text: str) -> MeasureTemplateResult:  # type: ignore[valid-type]
        ctx = info.context
        template = await flows.add_template(ctx.session, actor=ctx.person(), category=rules.RiskCategory(category),
                                            kind=rules.MeasureKind(kind), text=text)
        await ctx.commit()
        return MeasureTemplateType(id=strawberry.ID(str(template.id)), category=template.category,
                                   kind=template.kind, text=template.text)

    @strawberry.mutation(description="Link a hazard to a risk point: the point's shown level follows it.")
    @returns_domain_errors
    async def link_hazard_to_risk_point(self, info: Info[Context, None], risk_point_id: strawberry.ID,
                                        hazard_id: strawberry.ID) -> RiskPointResult:
        ctx = info.context
        point = await flows.link_hazard_checked(ctx.session, actor=ctx.person(),
                                                point_id=parse_id(risk_point_id, "riskPointId"),
                                                hazard_id=parse_id(hazard_id, "hazardId"))
        await ctx.commit()
        return RiskPointType.from_model(point)
