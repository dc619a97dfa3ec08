"""DataLoaders for the nested fields of risk points (no N+1 queries)."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from backend.graphql.context import Context
from backend.org import service as org_service
from backend.risks import service


def points(ctx: Context) -> DataLoader:  # type: ignore[type-arg]
    return ctx.loader("risk_points", service.points_by_ids)


def sources(ctx: Context) -> DataLoader:  # type: ignore[type-arg]
    return ctx.loader("risk_sources", service.sources_by_point)


def measures(ctx: Context) -> DataLoader:  # type: ignore[type-arg]
    return ctx.loader("risk_measures", service.measures_by_point)


def assessments(ctx: Context) -> DataLoader:  # type: ignore[type-arg]
    return ctx.loader("risk_assessments", service.assessments_by_point)


async def _posts(session, ids):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from backend.org.models import Post

    rows = {p.id: p for p in await session.scalars(select(Post).where(Post.id.in_(set(ids))))}
    return [rows.get(i) for i in ids]


def posts(ctx: Context) -> DataLoader:  # type: ignore[type-arg]
    return ctx.loader("risk_posts", _posts)


def areas(ctx: Context) -> DataLoader:  # type: ignore[type-arg]
    return ctx.loader("areas", org_service.areas_by_ids)
