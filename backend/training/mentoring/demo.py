"""Demo training data for the demo mine (a DEMO_EXTENSIONS hook of backend/seed.py), made through the flows."""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.service import principal_for
from backend.database.base import utcnow
from backend.platform import Platform
from backend.training.bank import flows as bank_flows
from backend.training.bank.formats import BankFormat
from backend.training.bank.rules import DrawRule
from backend.training.courses import flows as course_flows
from backend.training.courses.models import LessonKind
from backend.training.courses.rules import CourseKind
from backend.training.exams import flows as exam_flows
from backend.training.exams.models import Attempt
from backend.training.mentoring import flows

BANK: list[tuple[str, str, list[str], list[int], str, int]] = [
    ("SINGLE", "采煤工作面瓦斯浓度达到多少时报警？Methane alarm at a coal face?", ["0.5%", "1.0%", "1.5%", "2.5%"],
     [1], "gas", 1),
    ("SINGLE", "采煤工作面瓦斯浓度达到多少时断电？Power cut at a coal face?", ["1.0%", "1.5%", "2.0%", "2.5%"],
     [1], "gas", 2),
    ("SINGLE", "回风巷瓦斯断电浓度？Power cut in the return airway?", ["0.5%", "1.0%", "1.5%", "2.0%"], [1], "gas", 2),
    ("TRUE_FALSE", "瓦斯浓度降到 1.0% 以下方可恢复送电。Power is restored only below 1.0 %.",
     ["正确 True", "错误 False"], [0], "gas", 1),
    ("SINGLE", "CO 报警浓度？CO alarm level?", ["6 ppm", "12 ppm", "24 ppm", "50 ppm"], [2], "gas", 3),
    ("SINGLE", "工作面进风流中氧气浓度不得低于？Minimum O2 in the intake?", ["18%", "19%", "20%", "21%"], [2],
     "gas", 2),
    ("MULTIPLE", "重大隐患治理方案“五落实”包括？The five musts of a treatment plan include?",
     ["措施 measures", "资金 funds", "午餐 lunch", "时限 deadline"], [0, 1, 3], "hazard", 3),
    ("TRUE_FALSE", "复查人可以是整改人。The re-inspector may be the rectifier.", ["正确 True", "错误 False"], [1],
     "hazard", 1),
    ("SINGLE", "离层仪红色报警值（本矿）？Roof separation red level (this mine)?", ["10 mm", "25 mm", "50 mm",
                                                                           "100 mm"], [1], "roof", 3),
    ("MULTIPLE", "敲帮问顶时应当？When sounding the roof you should?",
     ["站在支护完好处 stand under support", "由外向里 from outside in", "独自一人 alone", "用长柄工具 use a long bar"],
     [0, 1, 3], "roof", 4),
    ("TRUE_FALSE", "入井必须随身携带自救器。A self-rescuer is carried at all times underground.",
     ["正确 True", "错误 False"], [0], "ppe", 1),
    ("SINGLE", "矿灯应在什么时候检查？When is the cap lamp checked?", ["入井前 before going down", "升井后 after",
                                                                     "每周 weekly", "不用 never"], [0], "ppe", 1),
]


async def seed_training(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    """Courses, a bank, exams, a competition, an apprenticeship, assignments (one overdue) and results."""
    from backend.seed import upload_demo_photo

    users = demo["users"]
    p = {name: principal_for(user) for name, user in users.items()}
    officer, mentor = p["anjianyuan"], p["shifu"]
    bank = [{"kind": k, "text": t, "options": o, "correct": c, "tags": [tag], "difficulty": d,
             "explanation": None} for k, t, o, c, tag, d in BANK]
    outcome = await bank_flows.import_questions(session, actor=officer, content=json.dumps(bank), fmt=BankFormat.JSON)
    assert not outcome.errors, outcome.errors
    picture = await upload_demo_photo(session, platform, officer, "self-rescuer 自救器", 200)
    induction = await course_flows.create_course(
        session, store=platform.store, actor=officer, title="入井安全须知 Going underground safely",
        description="新工人岗前安全培训 Induction for new underground workers", kind=CourseKind.INDUCTION,
        skill_tags=["gas", "ppe"], class_hours=24, lessons=[
            course_flows.LessonData(title="瓦斯的危害 Methane", kind=LessonKind.TEXT, minutes=40,
                             body="瓦斯浓度达到 1.0% 报警，1.5% 断电撤人。\nMethane: alarm at 1.0 %, cut at 1.5 %."),
            course_flows.LessonData(title="自救器 The self-rescuer", kind=LessonKind.IMAGE, media_key=picture,
                                    minutes=20, body="随身携带，30 秒内戴好。Carry it always; put it on within 30 s."),
            course_flows.LessonData(title="避灾路线 Escape routes", kind=LessonKind.TEXT, minutes=30,
                             body="沿进风巷撤离，听从班组长指挥。Escape through the intake airway.")])
    roof = await course_flows.create_course(
        session, store=platform.store, actor=officer, title="顶板管理复训 Roof control refresher",
        description="年度复训 Yearly retraining", kind=CourseKind.RETRAINING, skill_tags=["roof"], class_hours=8,
        lessons=[course_flows.LessonData(title="敲帮问顶 Sounding the roof", kind=LessonKind.TEXT, minutes=45,
                                  body="站在支护完好处，由外向里，用长柄工具。"),
                 course_flows.LessonData(title="离层监测 Separation monitoring", kind=LessonKind.TEXT, minutes=45,
                                  body="黄色 10 mm，红色 25 mm，或一小时上升 2 mm。")])
    await course_flows.create_course(
        session, store=platform.store, actor=officer, title="劳保用品补课 PPE refresher", kind=CourseKind.REMEDIAL,
        description="违章后补课 After a violation", skill_tags=["ppe"], class_hours=1,
        lessons=[course_flows.LessonData(title="自救器与矿灯 Self-rescuer and cap lamp", kind=LessonKind.TEXT,
                                         minutes=30, body="入井前检查矿灯，随身携带自救器。")])
    gas_exam = await exam_flows.create_exam(session, actor=officer, data=exam_flows.ExamData(
        title="瓦斯防治考试 Gas exam", skill="gas", time_limit_minutes=20,
        rules=[DrawRule(count=4, tag="gas"), DrawRule(count=1, tag="ppe")]))
    now = utcnow()
    await exam_flows.create_exam(session, actor=officer, data=exam_flows.ExamData(
        title="2026 安全技能竞赛 Safety skills contest", skill="contest", time_limit_minutes=15,
        rules=[DrawRule(count=8)], is_competition=True, opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7)))
    await flows.link_apprentice(session, actor=p["admin"], mentor_id=users["shifu"].id,
                                apprentice_id=users["tudi"].id, started_at=now - timedelta(days=40))
    await flows.assign(session, actor=mentor, assignee_id=users["tudi"].id, course_id=induction.id, exam_id=None,
                       due_at=now + timedelta(days=10), note="先学完岗前课程 Finish the induction first")
    await flows.assign(session, actor=mentor, assignee_id=users["tudi"].id, course_id=None, exam_id=gas_exam.id,
                       due_at=now + timedelta(days=14), note=None)
    late = await flows.assign(session, actor=officer, assignee_id=users["kuanggong2"].id, course_id=roof.id,
                              exam_id=None, due_at=now + timedelta(days=1), note="年度复训 yearly")
    late.due_at = now - timedelta(days=2)   # demo data only: as if assigned a week ago
    # a miner who took the gas exam and passed (answers the right options)
    await flows.assign(session, actor=officer, assignee_id=users["kuanggong1"].id, course_id=None,
                       exam_id=gas_exam.id, due_at=now + timedelta(days=5), note=None)
    attempt: Attempt = await exam_flows.start_attempt(session, actor=p["kuanggong1"], exam_id=gas_exam.id,
                                                 rng=random.Random(6))
    right = {q.id: q.correct for q in outcome.imported}
    for question_id in attempt.question_ids:
        await exam_flows.save_answer(await session.connection(), actor=p["kuanggong1"], attempt_id=attempt.id,
                                question_id=uuid.UUID(question_id), chosen=right[uuid.UUID(question_id)])
    await exam_flows.submit_attempt(session, actor=p["kuanggong1"], attempt_id=attempt.id)
    await flows.confirm_violation(session, actor=officer, person_id=users["kuanggong2"].id,
                                  violation="未携带自救器入井 went underground without a self-rescuer",
                                  source_ref="demo:violation-1", skill="ppe")
