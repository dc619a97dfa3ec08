"""DataLoaders for the nested fields of cameras, jobs and events (no N+1 queries); hazards: the alerts' loader."""

from __future__ import annotations

import uuid

from strawberry.dataloader import DataLoader

from backend.alerts.loaders import hazards
from backend.graphql.context import Context
from backend.vision import service
from backend.vision.models import Camera, DangerZone, VisionEventRecord

__all__ = ["cameras", "hazards", "job_events", "zone", "zones"]


def cameras(ctx: Context) -> DataLoader[uuid.UUID, Camera | None]:
    return ctx.loader("vision_cameras", service.cameras_by_ids)


def zones(ctx: Context) -> DataLoader[uuid.UUID, list[DangerZone]]:
    return ctx.loader("vision_zones_by_camera", service.zones_by_camera)


def zone(ctx: Context) -> DataLoader[uuid.UUID, DangerZone | None]:
    return ctx.loader("vision_zones", service.zones_by_ids)


def job_events(ctx: Context) -> DataLoader[uuid.UUID, list[VisionEventRecord]]:
    return ctx.loader("vision_events_by_job", service.events_by_job)
