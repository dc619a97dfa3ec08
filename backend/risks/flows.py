"""Every change to risk points: checks, the change, its audit entry (and the shown level) in one transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device
from backend.accounts.roles import Principal
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine
from backend.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from backend.hazards.models import Hazard
from backend.org import rules as org_rules
from backend.org import service as org_service
from backend.org.models import Area, AreaKind, Post
from backend.responsibility import service as responsibility_service
from backend.responsibility.models import HolderKind, SubjectKind
from backend.risks import dynamic, rules, service
from backend.risks.models import (
    ControlMeasure,
    GradingScheme,
    MeasureTemplate,
    RiskAssessment,
    RiskHazardSource,
    RiskPoint,
    RiskPointHazard,
)
from backend.risks.permissions import RISK_OFFICERS, CanManageRisks, CanSetGradingScheme
from backend.validation import clean_text

logger = logging.getLogger(__name__)
MAX_TEXT = 4000


def _text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_TEXT,
          multiline: bool = True) -> str | None:
    return clean_text(value, field, required=required, limit=limit, multiline=multiline)


def point_snapshot(point: RiskPoint) -> dict[str, Any]:
    return {"code": point.code, "name": point.name, "area_id": point.area_id, "subject_kind": point.subject_kind,
            "device_id": point.device_id, "activity": point.activity, "description": point.description,
            "level": point.level, "score": point.score, "shown_level": point.shown_level,
            "assessment_version": point.assessment_version, "next_review_due": point.next_review_due,
            "retired_at": point.retired_at}


def measure_snapshot(measure: ControlMeasure) -> dict[str, Any]:
    return {"risk_point_id": measure.risk_point_id, "kind": measure.kind, "text": measure.text,
            "responsible_post_id": measure.responsible_post_id, "control_level": measure.control_level,
            "check_frequency": measure.check_frequency, "retired_at": measure.retired_at}


async def _area(session: AsyncSession, actor: Principal, area_id: uuid.UUID) -> Area:
    area = await org_service.get_area(session=session, area_id=area_id)
    if area is None or area.mine_id != actor.mine_id:
        raise ValidationFailed("no such area in your mine", field="areaId")
    if area.retired_at is not None:
        raise ValidationFailed("the area is retired", field="areaId")
    return area


async def _managed_point(session: AsyncSession, actor: Principal, point_id: uuid.UUID) -> RiskPoint:
    await lock_mine(session, actor.mine_id)
    point = await service.get_point_in_mine_or_raise(session=session, point_id=point_id, mine_id=actor.mine_id,
                                                     for_update=True)
    parents = await org_service.unit_parents(session=session, mine_id=actor.mine_id)
    CanManageRisks.check(actor, parents, point.area_id)
    return point


def _live(point: RiskPoint) -> None:
    if point.retired_at is not None:
        raise InvalidTransition("the risk point is retired", current_state="RETIRED")


@dataclass(frozen=True, slots=True)
class SourceData:
    category: rules.RiskCategory
    description: str


def _sources(sources: Sequence[SourceData]) -> list[tuple[rules.RiskCategory, str]]:
    out = []
    for index, source in enumerate(sources):
        out.append((rules.RiskCategory(source.category),
                    _text(source.description, f"hazardSources[{index}].description", required=True, limit=1000)
                    or ""))
    return out


async def create_point(session: AsyncSession, *, actor: Principal, area_id: uuid.UUID,
                       subject_kind: rules.RiskSubjectKind, code: str, name: str, description: str | None = None,
                       device_id: uuid.UUID | None = None, activity: str | None = None,
                       sources: Sequence[SourceData] = ()) -> RiskPoint:
    """A new risk point on an area, an activity in it or a device in it, with its hazard sources."""
    await lock_mine(session, actor.mine_id)
    area = await _area(session, actor, area_id)
    parents = await org_service.unit_parents(session=session, mine_id=actor.mine_id)
    CanManageRisks.check(actor, parents, area.id)
    code_text = _text(code, "code", required=True, limit=32, multiline=False) or ""
    if not org_rules.CODE.fullmatch(code_text):
        raise ValidationFailed("a code is letters, digits, '_', '.' or '-' (at most 32)", field="code")
    if await service.get_by_code(session=session, mine_id=actor.mine_id, code=code_text) is not None:
        raise ValidationFailed(f"the code {code_text} is already used in your mine", field="code")
    kind = rules.RiskSubjectKind(subject_kind)
    activity_text = _text(activity, "activity", limit=200, multiline=False)
    if kind is rules.RiskSubjectKind.DEVICE:
        if device_id is None:
            raise ValidationFailed("a device risk point names its device", field="deviceId")
        device = await session.get(Device, device_id)
        if device is None or device.mine_id != actor.mine_id:
            raise ValidationFailed("no such device in your mine", field="deviceId")
    elif device_id is not None:
        raise ValidationFailed("only a DEVICE risk point names a device", field="deviceId")
    if kind is rules.RiskSubjectKind.ACTIVITY and not activity_text:
        raise ValidationFailed("an activity risk point names its activity", field="activity")
    point = RiskPoint(mine_id=actor.mine_id, area_id=area.id, subject_kind=kind, device_id=device_id,
                      activity=activity_text, code=code_text,
                      name=_text(name, "name", required=True, limit=200, multiline=False) or "",
                      description=_text(description, "description") or "", raised_causes=[])
    session.add(point)
    await session.flush()
    cleaned = _sources(sources)
    session.add_all(RiskHazardSource(risk_point_id=point.id, category=c, description=d) for c, d in cleaned)
    await session.flush()
    after = point_snapshot(point) | {"hazard_sources": [{"category": c, "description": d} for c, d in cleaned]}
    await record_audit(session, actor=actor, action="risk_point.created", subject_type="risk_point",
                       subject_id=point.id, before={}, after=after)
    return point


async def update_point(session: AsyncSession, *, actor: Principal, point_id: uuid.UUID, name: str | None = None,
                       description: str | None = None, activity: str | None = None) -> RiskPoint:
    point = await _managed_point(session, actor, point_id)
    _live(point)
    before = point_snapshot(point)
    if name is not None:
        point.name = _text(name, "name", required=True, limit=200, multiline=False) or ""
    if description is not None:
        point.description = _text(description, "description") or ""
    if activity is not None:
        point.activity = _text(activity, "activity", limit=200, multiline=False)
    after = point_snapshot(point)
    if after != before:
        point.updated_at = utcnow()
        await record_audit(session, actor=actor, action="risk_point.updated", subject_type="risk_point",
                           subject_id=point.id, before=before, after=after)
    return point


async def retire_point(session: AsyncSession, *, actor: Principal, point_id: uuid.UUID, reason: str) -> RiskPoint:
    point = await _managed_point(session, actor, point_id)
    _live(point)
    text = _text(reason, "reason", required=True)
    before = point_snapshot(point)
    point.retired_at = utcnow()
    await record_audit(session, actor=actor, action="risk_point.retired", subject_type="risk_point",
                       subject_id=point.id, before=before, after=point_snapshot(point), reason=text)
    return point


async def add_source(session: AsyncSession, *, actor: Principal, point_id: uuid.UUID, source: SourceData
                     ) -> RiskHazardSource:
    point = await _managed_point(session, actor, point_id)
    _live(point)
    ((category, description),) = _sources([source])
    row = RiskHazardSource(risk_point_id=point.id, category=category, description=description)
    session.add(row)
    await session.flush()
    await record_audit(session, actor=actor, action="risk_point.source_added", subject_type="risk_point",
                       subject_id=point.id, before={}, after={"source_id": row.id, "category": category,
                                                                "description": description})
    return row


# --- grading -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GradeInputs:
    """LEC: likelihood, exposure, consequence; MATRIX: likelihood (whole 1–5) and severity."""

    likelihood: float | None = None
    exposure: float | None = None
    consequence: float | None = None
    severity: int | None = None


def _required(value: float | int | None, field: str) -> float | int:
    if value is None:
        raise ValidationFailed(f"{field} is required for this method", field=field)
    return value


def grade(method: rules.AssessmentMethod, inputs: GradeInputs, scheme: GradingScheme | None) -> rules.Grade:
    """Grade by the method under a scheme (None: the defaults); out-of-range inputs name their field."""
    try:
        if rules.AssessmentMethod(method) is rules.AssessmentMethod.LEC:
            return rules.grade_lec(float(_required(inputs.likelihood, "likelihood")),
                                   float(_required(inputs.exposure, "exposure")),
                                   float(_required(inputs.consequence, "consequence")), service.bands_of(scheme))
        likelihood = _required(inputs.likelihood, "likelihood")
        if isinstance(likelihood, float):
            if not likelihood.is_integer():
                raise rules.GradingError("likelihood must be a whole number from 1 to 5", field="likelihood")
            likelihood = int(likelihood)
        return rules.grade_matrix(int(likelihood), int(_required(inputs.severity, "severity")),
                                  service.matrix_of(scheme))
    except rules.GradingError as error:
        raise ValidationFailed(str(error), field=error.field) from error


def _inputs_of(method: rules.AssessmentMethod, inputs: GradeInputs) -> dict[str, Any]:
    if method is rules.AssessmentMethod.LEC:
        return {"likelihood": inputs.likelihood, "exposure": inputs.exposure, "consequence": inputs.consequence}
    return {"likelihood": int(inputs.likelihood or 0), "severity": inputs.severity}


@dataclass(frozen=True, slots=True)
class Assessed:
    point: RiskPoint
    assessment: RiskAssessment
    suggestions: list[rules.MeasureSuggestion]


async def assess(session: AsyncSession, *, actor: Principal, point_id: uuid.UUID, method: rules.AssessmentMethod,
                 inputs: GradeInputs, reason: rules.AssessmentReason, note: str | None = None,
                 next_review_due: datetime | None = None) -> Assessed:
    """A new assessment version: graded by the scheme in force now; the point's level and review date follow,
    its shown level is recomputed, and measures for its source categories are suggested."""
    point = await _managed_point(session, actor, point_id)
    _live(point)
    method, reason = rules.AssessmentMethod(method), rules.AssessmentReason(reason)
    now = utcnow()
    scheme = await service.scheme_in_force(session=session, mine_id=actor.mine_id, at=now)
    result = grade(method, inputs, scheme)
    if next_review_due is not None and next_review_due <= now:
        raise ValidationFailed("the next review must be in the future", field="nextReviewDue")
    if reason is rules.AssessmentReason.SPECIAL and not (note or "").strip():
        raise ValidationFailed("a special identification (专项辨识) says what changed", field="note")
    before = point_snapshot(point)
    due = next_review_due or rules.default_review_due(result.level, now)
    assessment = RiskAssessment(
        mine_id=actor.mine_id, risk_point_id=point.id, version=point.assessment_version + 1, method=method,
        reason=reason, inputs=_inputs_of(method, inputs), score=result.score, level=result.level, band=result.band,
        scheme_id=scheme.id if scheme else None, assessor_id=actor.id, assessor_name=actor.name,
        note=_text(note, "note"), assessed_at=now, next_review_due=due)
    session.add(assessment)
    point.assessment_version = assessment.version
    point.level, point.score, point.next_review_due = result.level, result.score, due
    if point.shown_level is None:
        point.shown_level, point.shown_rank = result.level, result.level.rank
    point.updated_at = now
    await session.flush()
    await record_audit(session, actor=actor, action="risk_point.assessed", subject_type="risk_point",
                       subject_id=point.id, before=before,
                       after=point_snapshot(point) | {"assessment": {"version": assessment.version,
                                                                     "method": method, "inputs": assessment.inputs,
                                                                     "band": result.band, "reason": reason}},
                       reason=assessment.note)
    # the shown level follows the new base and what is live at the point (audited there when it changes)
    await dynamic.refresh_points(session, actor=actor, points=[point], cause=f"assessment v{assessment.version}")
    return Assessed(point=point, assessment=assessment,
                    suggestions=await suggest(session, point=point))


async def suggest(session: AsyncSession, *, point: RiskPoint) -> list[rules.MeasureSuggestion]:
    """Library measures for the point's source categories that it does not have yet."""
    (sources,) = await service.sources_by_point(session, [point.id])
    (measures,) = await service.measures_by_point(session, [point.id])
    categories = [s.category for s in sources] or [rules.RiskCategory.OTHER]
    return rules.suggestions(categories, await service.mine_library(session=session, mine_id=point.mine_id),
                             [m.text for m in measures])


@dataclass(frozen=True, slots=True)
class SchemeData:
    effective_from: datetime
    lec_bands: Sequence[rules.LecBand]
    matrix: Sequence[Sequence[rules.RiskLevel]]


async def set_scheme(session: AsyncSession, *, actor: Principal, data: SchemeData) -> GradingScheme:
    """A new grading scheme, in force from its effective date (earlier assessments keep the one they used)."""
    CanSetGradingScheme.check(actor)
    await lock_mine(session, actor.mine_id)
    try:
        bands = rules.check_lec_bands(data.lec_bands)
        matrix = rules.check_matrix(data.matrix)
    except rules.GradingError as error:
        raise ValidationFailed(str(error), field=error.field) from error
    for index, band in enumerate(bands):
        _text(band.label, f"lecBands[{index}].label", required=True, limit=64, multiline=False)
        if band.above < 0:
            raise ValidationFailed("a band bound is never negative", field="lecBands")
    before_scheme = await service.scheme_in_force(session=session, mine_id=actor.mine_id, at=data.effective_from)
    scheme = GradingScheme(mine_id=actor.mine_id, effective_from=data.effective_from,
                           lec_bands=[{"above": b.above, "level": b.level.value, "label": b.label.strip()}
                                      for b in bands],
                           matrix=[[cell.value for cell in row] for row in matrix], created_by_id=actor.id)
    session.add(scheme)
    await session.flush()
    await record_audit(session, actor=actor, action="risk.scheme_set", subject_type="risk_grading_scheme",
                       subject_id=scheme.id,
                       before={"scheme_id": before_scheme.id} if before_scheme else {},
                       after={"effective_from": scheme.effective_from, "lec_bands": scheme.lec_bands,
                              "matrix": scheme.matrix})
    return scheme


# --- control measures --------------------------------------------------------------------------------
async def post_level(session: AsyncSession, post: Post) -> rules.ControlLevel:
    unit = await org_service.get_area(session=session, area_id=post.unit_id) if post.unit_id else None
    return rules.post_control_level(post.unit_id, unit is not None and unit.kind is AreaKind.DISTRICT)


async def _check_post(session: AsyncSession, actor: Principal, point: RiskPoint, post_id: uuid.UUID
                      ) -> rules.ControlLevel:
    post = await org_service.get_post(session=session, post_id=post_id)
    if post is None or post.mine_id != actor.mine_id:
        raise ValidationFailed("no such post in your mine", field="responsiblePostId")
    if post.retired_at is not None:
        raise ValidationFailed("the post is retired", field="responsiblePostId")
    parents = await org_service.unit_parents(session=session, mine_id=actor.mine_id)
    if post.unit_id is not None and post.unit_id != point.area_id \
            and post.unit_id not in org_rules.ancestors(parents, point.area_id):
        raise ValidationFailed("the post belongs to another part of the mine (not this area nor a district "
                                    "above it)", field="responsiblePostId")
    level = await post_level(session, post)
    if point.level is not None and not rules.post_fits(point.level, level):
        need = rules.required_control(point.level)
        raise ValidationFailed(f"a {point.level.value} risk is controlled at {need.value} level; the post "
                                    f"controls at {level.value} level", field="responsiblePostId")
    return level


async def add_measure(session: AsyncSession, *, actor: Principal, point_id: uuid.UUID, kind: rules.MeasureKind,
                      text: str, responsible_post_id: uuid.UUID,
                      check_frequency: rules.CheckFrequency | None = None) -> ControlMeasure:
    """A control measure naming a post at (or above) the control level the point's risk level demands."""
    point = await _managed_point(session, actor, point_id)
    _live(point)
    level = await _check_post(session, actor, point, responsible_post_id)
    frequency = rules.CheckFrequency(check_frequency) if check_frequency else \
        rules.DEFAULT_FREQUENCY[point.level or rules.RiskLevel.BLUE]
    measure = ControlMeasure(mine_id=actor.mine_id, risk_point_id=point.id, kind=rules.MeasureKind(kind),
                             text=_text(text, "text", required=True, limit=1000) or "",
                             responsible_post_id=responsible_post_id, control_level=level,
                             check_frequency=frequency)
    session.add(measure)
    await session.flush()
    await record_audit(session, actor=actor, action="risk_measure.added", subject_type="risk_point",
                       subject_id=point.id, before={}, after={"measure_id": measure.id} | measure_snapshot(measure))
    return measure


async def update_measure(session: AsyncSession, *, actor: Principal, measure_id: uuid.UUID,
                         text: str | None = None, responsible_post_id: uuid.UUID | None = None,
                         check_frequency: rules.CheckFrequency | None = None, retire: bool = False
                         ) -> ControlMeasure:
    measure = await service.get_measure_in_mine_or_raise(session=session, measure_id=measure_id,
                                                         mine_id=actor.mine_id)
    point = await _managed_point(session, actor, measure.risk_point_id)
    if measure.retired_at is not None:
        raise NotFound("the measure is retired")
    before = measure_snapshot(measure)
    if text is not None:
        measure.text = _text(text, "text", required=True, limit=1000) or ""
    if responsible_post_id is not None:
        measure.control_level = await _check_post(session, actor, point, responsible_post_id)
        measure.responsible_post_id = responsible_post_id
    if check_frequency is not None:
        measure.check_frequency = rules.CheckFrequency(check_frequency)
    if retire:
        measure.retired_at = utcnow()
    after = measure_snapshot(measure)
    if after != before:
        measure.updated_at = utcnow()
        await record_audit(session, actor=actor, action="risk_measure.retired" if retire else "risk_measure.updated",
                           subject_type="risk_point", subject_id=point.id,
                           before={"measure_id": measure.id} | before, after={"measure_id": measure.id} | after)
    return measure


async def add_template(session: AsyncSession, *, actor: Principal, category: rules.RiskCategory,
                       kind: rules.MeasureKind, text: str) -> MeasureTemplate:
    """A mine's own entry in the measure library (suggested before the defaults)."""
    if not actor.roles & RISK_OFFICERS:
        raise NotAllowed("the measure library is kept by safety officers, the mine manager or an admin")
    template = MeasureTemplate(mine_id=actor.mine_id, category=rules.RiskCategory(category),
                               kind=rules.MeasureKind(kind), text=_text(text, "text", required=True, limit=1000) or "")
    session.add(template)
    await session.flush()
    await record_audit(session, actor=actor, action="risk.library_added", subject_type="risk_measure_template",
                       subject_id=template.id, before={},
                       after={"category": template.category, "kind": template.kind, "text": template.text})
    return template


@dataclass(frozen=True, slots=True)
class PostCandidate:
    post: Post
    level: rules.ControlLevel
    named_by_list: bool


async def candidate_posts(session: AsyncSession, *, point: RiskPoint) -> list[PostCandidate]:
    """Posts that may answer for the point's measures: those the lists in force name for the point first, then
    the posts of its area and the districts above it (nearest first) and the mine's, each at or above the
    control level the point's level demands."""
    parents = await org_service.unit_parents(session=session, mine_id=point.mine_id)
    chain = [point.area_id, *org_rules.ancestors(parents, point.area_id)]
    posts = [p for p in await org_service.list_posts(session=session, mine_id=point.mine_id)
             if p.unit_id is None or p.unit_id in chain]
    named: set[uuid.UUID] = set()
    lists = await responsibility_service.in_force(session=session, mine_id=point.mine_id, at=utcnow())
    post_lists = [lst for lst in lists if lst.holder_kind is HolderKind.POST and lst.post_id]
    if post_lists:
        items = await responsibility_service.items_of(session=session, list_ids=[lst.id for lst in post_lists])
        for lst in post_lists:
            if any(i.subject_kind is SubjectKind.RISK_POINT and i.subject_id == str(point.id) for i in items[lst.id]):
                assert lst.post_id is not None
                named.add(lst.post_id)
    districts = {a.id for a in await org_service.list_areas(session=session, mine_id=point.mine_id)
                 if a.kind is AreaKind.DISTRICT}
    out = []
    for post in posts:
        level = rules.post_control_level(post.unit_id, post.unit_id in districts)
        if point.level is None or rules.post_fits(point.level, level):
            out.append(PostCandidate(post=post, level=level, named_by_list=post.id in named))
    depth = {unit: index for index, unit in enumerate(chain)}
    out.sort(key=lambda c: (not c.named_by_list, c.level.rank, depth.get(c.post.unit_id, len(chain)), c.post.code))
    return out


async def link_hazard(session: AsyncSession, *, actor: Principal | None, point: RiskPoint, hazard: Hazard,
                      measure_id: uuid.UUID | None = None) -> None:
    """Link a hazard to the risk point (and the measure that failed); the point's shown level follows."""
    if await session.get(RiskPointHazard, (point.id, hazard.id)) is None:
        session.add(RiskPointHazard(risk_point_id=point.id, hazard_id=hazard.id, measure_id=measure_id))
        await session.flush()
        await record_audit(session, actor=actor, mine_id=point.mine_id, action="risk_point.hazard_linked",
                           subject_type="risk_point", subject_id=point.id, before={},
                           after={"hazard_id": hazard.id, "measure_id": measure_id})
    await dynamic.on_hazard_changed(session, actor=actor, hazard=hazard)


async def link_hazard_checked(session: AsyncSession, *, actor: Principal, point_id: uuid.UUID,
                              hazard_id: uuid.UUID) -> RiskPoint:
    point = await _managed_point(session, actor, point_id)
    hazard = await session.get(Hazard, hazard_id)
    if hazard is None or hazard.mine_id != actor.mine_id:
        raise ValidationFailed("no such hazard in your mine", field="hazardId")
    await link_hazard(session, actor=actor, point=point, hazard=hazard)
    return point


async def check_point_ids(session: AsyncSession, *, mine_id: uuid.UUID, ids: Sequence[str], field: str) -> None:
    """Every id names a risk point of the mine (for responsibility lists that name risk points)."""
    parsed: list[uuid.UUID] = []
    for value in ids:
        try:
            parsed.append(uuid.UUID(value))
        except ValueError as error:
            raise ValidationFailed(f"{value!r} is not a risk point id", field=field) from error
    if not parsed:
        return
    found = set((await session.scalars(select(RiskPoint.id).where(
        RiskPoint.id.in_(set(parsed)), RiskPoint.mine_id == mine_id))).all())
    if found != set(parsed):
        raise ValidationFailed(f"some of the {field} are not risk points of your mine", field=field)


def bands_from(rows: Sequence[Mapping[str, Any]]) -> list[rules.LecBand]:
    return [rules.LecBand(float(r["above"]), rules.RiskLevel(r["level"]), str(r["label"])) for r in rows]
