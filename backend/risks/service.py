"""Reading risk points, their sources, assessments, measures, grading schemes and linked hazards."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import NotFound
from backend.hazards.models import Hazard
from backend.hazards.rules import OPEN_STATES as OPEN_HAZARD_STATES
from backend.risks import rules
from backend.risks.models import (
    ControlMeasure,
    GradingScheme,
    MeasureTemplate,
    RiskAssessment,
    RiskHazardSource,
    RiskPoint,
    RiskPointHazard,
)


async def get_point(*, session: AsyncSession, point_id: uuid.UUID) -> RiskPoint | None:
    return await session.get(RiskPoint, point_id)


async def get_point_in_mine_or_raise(*, session: AsyncSession, point_id: uuid.UUID, mine_id: uuid.UUID,
                                     for_update: bool = False) -> RiskPoint:
    point = await session.get(RiskPoint, point_id, with_for_update=for_update, populate_existing=for_update)
    if point is None or point.mine_id != mine_id:
        raise NotFound("no such risk point in your mine")
    return point


async def get_by_code(*, session: AsyncSession, mine_id: uuid.UUID, code: str) -> RiskPoint | None:
    return await session.scalar(select(RiskPoint).where(RiskPoint.mine_id == mine_id, RiskPoint.code == code))


async def list_points(*, session: AsyncSession, mine_id: uuid.UUID, area_ids: Sequence[uuid.UUID] | None = None,
                      include_retired: bool = False) -> Sequence[RiskPoint]:
    query = select(RiskPoint).where(RiskPoint.mine_id == mine_id)
    if area_ids is not None:
        query = query.where(RiskPoint.area_id.in_(set(area_ids)))
    if not include_retired:
        query = query.where(RiskPoint.retired_at.is_(None))
    return (await session.scalars(query.order_by(RiskPoint.shown_rank.desc(), RiskPoint.code))).all()


async def points_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[RiskPoint | None]:
    rows = await session.scalars(select(RiskPoint).where(RiskPoint.id.in_(set(ids))))
    by_id = {p.id: p for p in rows}
    return [by_id.get(i) for i in ids]


async def sources_by_point(session: AsyncSession, point_ids: Sequence[uuid.UUID]) -> list[list[RiskHazardSource]]:
    rows = await session.scalars(select(RiskHazardSource).where(
        RiskHazardSource.risk_point_id.in_(set(point_ids)), RiskHazardSource.retired_at.is_(None))
        .order_by(RiskHazardSource.created_at, RiskHazardSource.id))
    grouped: dict[uuid.UUID, list[RiskHazardSource]] = {}
    for row in rows:
        grouped.setdefault(row.risk_point_id, []).append(row)
    return [grouped.get(i, []) for i in point_ids]


async def measures_by_point(session: AsyncSession, point_ids: Sequence[uuid.UUID]) -> list[list[ControlMeasure]]:
    rows = await session.scalars(select(ControlMeasure).where(
        ControlMeasure.risk_point_id.in_(set(point_ids)), ControlMeasure.retired_at.is_(None))
        .order_by(ControlMeasure.created_at, ControlMeasure.id))
    grouped: dict[uuid.UUID, list[ControlMeasure]] = {}
    for row in rows:
        grouped.setdefault(row.risk_point_id, []).append(row)
    return [grouped.get(i, []) for i in point_ids]


async def assessments_by_point(session: AsyncSession, point_ids: Sequence[uuid.UUID]) -> list[list[RiskAssessment]]:
    rows = await session.scalars(select(RiskAssessment).where(RiskAssessment.risk_point_id.in_(set(point_ids)))
                                 .order_by(RiskAssessment.version.desc()))
    grouped: dict[uuid.UUID, list[RiskAssessment]] = {}
    for row in rows:
        grouped.setdefault(row.risk_point_id, []).append(row)
    return [grouped.get(i, []) for i in point_ids]


async def get_measure_in_mine_or_raise(*, session: AsyncSession, measure_id: uuid.UUID, mine_id: uuid.UUID,
                                       field: str = "measureId") -> ControlMeasure:
    measure = await session.get(ControlMeasure, measure_id)
    if measure is None or measure.mine_id != mine_id:
        raise NotFound("no such control measure in your mine")
    return measure


async def scheme_in_force(*, session: AsyncSession, mine_id: uuid.UUID, at: datetime) -> GradingScheme | None:
    """The mine's grading scheme in force at a moment (None: DOMAIN.md's defaults)."""
    return await session.scalar(select(GradingScheme).where(
        GradingScheme.mine_id == mine_id, GradingScheme.effective_from <= at)
        .order_by(GradingScheme.effective_from.desc(), GradingScheme.created_at.desc()).limit(1))


def bands_of(scheme: GradingScheme | None) -> tuple[rules.LecBand, ...]:
    if scheme is None:
        return rules.DEFAULT_LEC_BANDS
    return tuple(rules.LecBand(float(b["above"]), rules.RiskLevel(b["level"]), str(b["label"]))
                 for b in scheme.lec_bands)


def matrix_of(scheme: GradingScheme | None) -> tuple[tuple[rules.RiskLevel, ...], ...]:
    if scheme is None:
        return rules.DEFAULT_MATRIX
    return tuple(tuple(rules.RiskLevel(cell) for cell in row) for row in scheme.matrix)


async def mine_library(*, session: AsyncSession, mine_id: uuid.UUID) -> list[rules.MeasureSuggestion]:
    rows = await session.scalars(select(MeasureTemplate).where(
        MeasureTemplate.mine_id == mine_id, MeasureTemplate.retired_at.is_(None)).order_by(MeasureTemplate.created_at))
    return [rules.MeasureSuggestion(r.category, r.kind, r.text) for r in rows]


async def open_hazards_by_point(session: AsyncSession, points: Sequence[RiskPoint]) -> list[list[Hazard]]:
    """Open hazards at each point: those linked to it, and those of its area linked to no point."""
    if not points:
        return []
    area_ids = {p.area_id for p in points}
    point_ids = [p.id for p in points]
    in_areas = (await session.scalars(select(Hazard).where(
        Hazard.area_id.in_(area_ids), Hazard.state.in_(list(OPEN_HAZARD_STATES)), Hazard.drill_id.is_(None)))).all()
    linked_rows = (await session.execute(
        select(RiskPointHazard.risk_point_id, Hazard).join(Hazard, Hazard.id == RiskPointHazard.hazard_id)
        .where(RiskPointHazard.risk_point_id.in_(point_ids), Hazard.state.in_(list(OPEN_HAZARD_STATES))))).all()
    candidate_ids = [h.id for h in in_areas]
    any_link = set((await session.scalars(select(RiskPointHazard.hazard_id).where(
        RiskPointHazard.hazard_id.in_(candidate_ids)))).all()) if candidate_ids else set()
    by_point: dict[uuid.UUID, dict[uuid.UUID, Hazard]] = {p.id: {} for p in points}
    for point_id, hazard in linked_rows:
        by_point[point_id][hazard.id] = hazard
    for point in points:
        for hazard in in_areas:
            if hazard.area_id == point.area_id and hazard.id not in any_link:
                by_point[point.id][hazard.id] = hazard
    return [sorted(by_point[p.id].values(), key=lambda h: h.created_at) for p in points]
