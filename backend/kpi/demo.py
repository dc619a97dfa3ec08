"""Demo KPI data for the demo mine (a DEMO_EXTENSIONS hook of backend/seed.py): a maintenance plan for every
sensor, camera and robot (one kept overdue), the assessment scheme, this and last month's assessment, and this
month's safety report (PDF) in the object store. Made through the flows, so each step is audited."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.service import principal_for
from backend.database.base import utcnow
from backend.kpi import flows
from backend.kpi import service as kpi_service
from backend.kpi.rules import DeviceKind, PeriodKind, period_containing
from backend.kpi.scoring import DEFAULT_SCHEME
from backend.platform import Platform
from backend.reports import flows as report_flows
from backend.reports.models import ReportFormat
from backend.sensors.models import Sensor
from backend.vision.models import Camera
from backend.vision.rules import CameraKind

logger = logging.getLogger(__name__)
INTERVAL_DAYS = {DeviceKind.SENSOR: 7.0, DeviceKind.CAMERA: 30.0, DeviceKind.ROBOT: 14.0}


async def seed_kpi(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    mine_id, users = demo["mine"].id, demo["users"]
    admin, manager = principal_for(users["admin"]), principal_for(users["kuangzhang"])
    officer = principal_for(users["anjianyuan"])
    now = utcnow()
    devices: list[tuple[DeviceKind, uuid.UUID]] = [
        (DeviceKind.SENSOR, s) for s in await session.scalars(select(Sensor.id).where(Sensor.mine_id == mine_id)
                                                              .order_by(Sensor.code))]
    for camera_id, kind in await session.execute(select(Camera.id, Camera.kind).where(Camera.mine_id == mine_id)
                                                 .order_by(Camera.code)):
        devices.append((DeviceKind.ROBOT if kind is CameraKind.ROBOT else DeviceKind.CAMERA, camera_id))
    for index, (kind, device_id) in enumerate(devices):
        plan = await flows.create_plan(session, actor=admin, device_kind=kind, device_id=device_id,
                                       interval_days=INTERVAL_DAYS[kind], responsible_id=users["banzuzhang"].id,
                                       starts_at=now - timedelta(days=60))
        if index == 1:
            continue  # this one was never maintained: overdue on the dashboard and in the report
        await flows.record_maintenance(session, actor=officer, record_id=uuid.uuid4(), plan_id=plan.id,
                                       performed_at=now - timedelta(days=1 + index % 3), note="校验 calibrated")
    await flows.define_scheme(session, actor=manager, mine_id=mine_id, name="2026 年度安全考核 Safety assessment",
                              rules=DEFAULT_SCHEME)
    timezone = await kpi_service.mine_timezone(session=session, mine_id=mine_id)
    this_month = period_containing(PeriodKind.MONTH, now, timezone)
    last_month = period_containing(PeriodKind.MONTH, this_month.start - timedelta(seconds=1), timezone)
    for month in (last_month.label, this_month.label):
        await flows.compute_assessment(session, actor=manager, mine_id=mine_id, month=month, now=now)
    report = await report_flows.generate(session, store=platform.store, actor=manager, mine_id=mine_id,
                                         month=this_month.label, format=ReportFormat.PDF, now=now)
    logger.info("demo: %s maintenance plans, the assessment of %s and %s, report %s", len(devices),
                last_month.label, this_month.label, report.key)
