"""Demo risk data for the demo mine (a DEMO_EXTENSIONS hook of backend/seed.py, after the organisation's): risk
points on the demo areas, an activity and a device, each assessed (LEC or matrix) with suggested measures naming
posts at the level their risk demands, a checklist due today for the team leader and one overdue — all through the
flows, so every step is in the audit chain and the shown levels follow the demo's open hazards and alerts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device
from backend.accounts.service import principal_for
from backend.database.base import utcnow
from backend.inspections import flows as inspection_flows
from backend.org import flows as org_flows
from backend.platform import Platform
from backend.responsibility import flows as responsibility_flows
from backend.responsibility import service as responsibility_service
from backend.responsibility.models import HolderKind, SubjectKind
from backend.risks import flows
from backend.risks.models import RiskPoint
from backend.risks.rules import AssessmentMethod, AssessmentReason, MeasureKind, RiskCategory, RiskSubjectKind

# (area index, code, name, kind, activity, sources, method and inputs, measures: (kind, text, post code))
POINTS: list[tuple[Any, ...]] = [
    (0, "RP-15201-GAS", "15201 工作面瓦斯 Face methane", RiskSubjectKind.AREA, None,
     [(RiskCategory.GAS, "上隅角瓦斯积聚 Methane in the upper corner")],
     (AssessmentMethod.LEC, 3, 6, 15),  # D = 270: orange
     [(MeasureKind.ENGINEERING, "上隅角瓦斯传感器与断电正常 Upper-corner methane sensor and power cut work", "GAS"),
      (MeasureKind.MANAGEMENT, "瓦检员每班检查三次 Gas inspector checks three times a shift", "GAS")]),
    (0, "RP-15201-ROOF", "15201 工作面顶板 Face roof", RiskSubjectKind.AREA, None,
     [(RiskCategory.ROOF, "周期来压 Periodic weighting")],
     (AssessmentMethod.MATRIX, 4, 5),  # 20: red
     [(MeasureKind.ENGINEERING, "支架初撑力达标 Support set pressure to the rated value", "MINE-SAFETY"),
      (MeasureKind.EMERGENCY, "来压预兆时停工撤人 Stop and withdraw on weighting signs", "MINE-SAFETY")]),
    (1, "RP-15203-WATER", "15203 掘进探放水 Heading water", RiskSubjectKind.ACTIVITY, "探放水 Probe drilling",
     [(RiskCategory.WATER, "老空积水 Old workings water")],
     (AssessmentMethod.MATRIX, 2, 4),  # 8: yellow
     [(MeasureKind.MANAGEMENT, "有掘必探先探后掘 Probe ahead before driving", "SAFETY")]),
    (3, "RP-HAUL-TRANSPORT", "主运输大巷运输 Haulage", RiskSubjectKind.AREA, None,
     [(RiskCategory.TRANSPORT, "胶带运输 Belt conveyor")],
     (AssessmentMethod.LEC, 1, 6, 7),  # D = 42: blue
     [(MeasureKind.PPE, "行人穿反光背心 High-visibility vests", "MINE-SAFETY")]),
    (4, "RP-SUB-ELEC", "中央变电所 Substation equipment", RiskSubjectKind.DEVICE, None,
     [(RiskCategory.ELECTROMECHANICAL, "高压开关柜 HV switchgear")],
     (AssessmentMethod.LEC, 1, 6, 15),  # D = 90: yellow
     [(MeasureKind.MANAGEMENT, "停送电挂牌 Lock-out tag-out", "ELEC")]),
]


async def seed_risks(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    users, areas, posts = demo["users"], demo["areas"], demo["posts"]
    admin, officer = principal_for(users["admin"]), principal_for(users["anjianyuan"])
    posts["MINE-SAFETY"] = await org_flows.create_post(session, actor=admin, code="MINE-SAFETY",
                                                       name="安全副矿长 Deputy manager (safety)", unit_id=None)
    await org_flows.assign_post(session, actor=admin, user_id=users["anquan"].id, post_id=posts["MINE-SAFETY"].id)
    device = await session.scalar(select(Device).where(Device.mine_id == demo["mine"].id).limit(1))
    made = []
    for area_index, code, name, kind, activity, sources, grade, measures in POINTS:
        point = await flows.create_point(
            session, actor=officer, area_id=areas[area_index].id, subject_kind=kind, code=code, name=name,
            activity=activity, device_id=device.id if kind is RiskSubjectKind.DEVICE and device else None,
            sources=[flows.SourceData(c, d) for c, d in sources])
        method, *values = grade
        inputs = (flows.GradeInputs(likelihood=values[0], exposure=values[1], consequence=values[2])
                  if method is AssessmentMethod.LEC else flows.GradeInputs(likelihood=values[0], severity=values[1]))
        await flows.assess(session, actor=officer, point_id=point.id, method=method, inputs=inputs,
                           reason=AssessmentReason.ANNUAL, note="2026 年度辨识 annual identification")
        for measure_kind, text, post_code in measures:
            await flows.add_measure(session, actor=officer, point_id=point.id, kind=measure_kind, text=text,
                                    responsible_post_id=posts[post_code].id)
        made.append(point)
    now = utcnow()
    leader = users["banzuzhang"]
    await inspection_flows.schedule(session, actor=officer, area_id=areas[0].id, assignee_id=leader.id,
                                    due_at=now.replace(hour=22, minute=0, second=0, microsecond=0)
                                    if now.hour < 22 else now + timedelta(hours=2),
                                    title="今日排查 15201 工作面 Today's check, face 15201")
    await inspection_flows.schedule(session, actor=officer, area_id=areas[1].id, assignee_id=leader.id,
                                    due_at=now - timedelta(hours=6), title="15203 探放水排查 Probe-drilling check")
    demo["risk_points"] = made
    await _gas_post_names_its_risk_point(session, demo, next(p for p in made if p.code == "RP-15201-GAS"))


async def _gas_post_names_its_risk_point(session: AsyncSession, demo: dict[str, Any], point: RiskPoint) -> None:
    """The gas inspector's responsibility list (the org demo's version 2) gets a version 3 naming the face's
    methane risk point, which exists only now."""
    manager = principal_for(demo["users"]["kuangzhang"])
    draft = await responsibility_flows.create_draft(session, actor=manager, holder_kind=HolderKind.POST,
                                                    holder_id=demo["posts"]["GAS"].id)
    items = (await responsibility_service.items_of(session=session, list_ids=[draft.id]))[draft.id]

    def subjects(kind: SubjectKind) -> list[uuid.UUID]:
        return [uuid.UUID(i.subject_id) for i in items if i.subject_kind is kind]

    await responsibility_flows.update_draft(
        session, actor=manager, list_id=draft.id, duties=draft.duties, hazard_levels=list(draft.hazard_levels),
        area_ids=subjects(SubjectKind.AREA), device_ids=subjects(SubjectKind.DEVICE), risk_point_ids=[str(point.id)])
    await responsibility_flows.publish(session, actor=manager, list_id=draft.id)
