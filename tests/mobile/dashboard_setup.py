"""Six months of a mine for the dashboard: hazards closed on time, late and left overdue in each month (written
into the audit trail at those times), a sensor, a maintained camera, and last month's assessment."""

from __future__ import annotations

import uuid
from datetime import timedelta

from backend.database.base import utcnow
from backend.kpi import flows as kpi_flows
from backend.kpi.models import MaintenancePlan, MaintenanceRecord
from backend.kpi.rules import DeviceKind, PeriodKind, trailing_periods
from backend.org.models import Area, Team
from backend.platform import Platform
from backend.sensors.models import Sensor, SensorHourStat
from backend.sensors.rules import SensorKind
from backend.vision.models import Camera
from backend.vision.rules import CameraKind
from contracts.hazards import HazardState as S
from tests.backend.kpi.trail import hazard_trail, triage
from tests.conftest import MineFixture

PLACES = ["15201 回风巷 30 m 顶板离层", "15201 综采面 支架 45#", "主运输大巷 皮带机尾", "中央变电所 配电柜"]


async def set_up(platform: Platform, mine: MineFixture) -> dict[str, str]:
    now = utcnow()
    months = trailing_periods(PeriodKind.MONTH, now, 6, "Asia/Shanghai")
    leader, miner2 = mine.users["team_leader"].id, mine.users["miner2"].id
    async with platform.session_factory() as session:
        for area, name in zip(mine.areas, ("15201 综采工作面", "主运输大巷", "中央变电所"), strict=True):
            (await session.get(Area, area)).name = name  # type: ignore[union-attr]
        for team, name in zip(mine.teams, ("综采一队", "运输队"), strict=True):
            (await session.get(Team, team)).name = name  # type: ignore[union-attr]
        for index, month in enumerate(months):
            span = min(month.end, now) - month.start
            count = 3 + index  # more hazards found (and more closed in time) as the months go on
            for n in range(count):
                at = month.start + span * (n + 1) / (count + 2)
                team, person, area = (mine.teams[0], leader, 0) if n % 2 == 0 else (mine.teams[1], miner2, 1)
                short = span / (count + 2) / 4
                steps = [(at, S.REPORTED, {}), (at + short / 4, S.ASSIGNED, triage(team, person, at + short * 2)),
                         (at + short / 2, S.RECTIFYING, {})]
                fate = (n + index) % 4
                if fate in (0, 1):     # closed on time
                    steps += [(at + short, S.PENDING_REVIEW, {}), (at + short * 1.5, S.CLOSED, {})]
                elif fate == 2 and index < 5:  # closed late
                    steps += [(at + short * 2.5, S.PENDING_REVIEW, {}), (at + short * 3, S.CLOSED, {})]
                await hazard_trail(session, mine, area=area, location=PLACES[n % len(PLACES)], steps=steps)
        sensor = Sensor(mine_id=mine.mine_id, code=f"T1-{uuid.uuid4().hex[:4]}", kind=SensorKind.CH4, unit="%",
                        area_id=mine.areas[0], polling_seconds=10.0, physical_min=0.0, physical_max=4.0,
                        created_at=months[0].start)
        session.add(sensor)
        await session.flush()
        hour = months[0].start
        while hour < now - timedelta(hours=1):
            if hour.hour % 10:  # one hour in ten silent
                session.add(SensorHourStat(sensor_id=sensor.id, hour=hour, min=0.1, max=0.4, sum=72.0, count=360))
            hour += timedelta(hours=1)
        camera = Camera(mine_id=mine.mine_id, area_id=mine.areas[0], code="cam-1", name="综采面摄像头 1",
                        kind=CameraKind.CAMERA)
        session.add(camera)
        await session.flush()
        plan = MaintenancePlan(mine_id=mine.mine_id, device_kind=DeviceKind.CAMERA, device_id=camera.id,
                               device_name=camera.name, area_id=mine.areas[0], interval_days=30,
                               responsible_id=leader, starts_at=months[0].start)
        session.add(plan)
        await session.flush()
        session.add(MaintenanceRecord(id=uuid.uuid4(), mine_id=mine.mine_id, plan_id=plan.id, performed_by_id=leader,
                                      performed_at=now - timedelta(days=3), note="镜头清洁"))
        await session.flush()
        await kpi_flows.compute_assessment(session, actor=None, mine_id=mine.mine_id, month=months[-2].label,
                                           now=now)
        await session.commit()
    return {"month": months[-1].label, "ranked": months[-2].label}
