"""The demo drill (a DEMO_EXTENSIONS hook of backend/seed.py, after positioning's, which adds the lamp room and the
refuge): the demo colliery's roadway network imported and one scenario planned, ready for ``minesafe drills run``,
both through the real flows (checked, audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.service import principal_for
from backend.drills import flows
from backend.platform import Platform

EXAMPLES = Path(__file__).parent / "examples"
#: username → their task in the demo drill
PARTICIPANTS = {"anjianyuan": "确认报警并组织撤人 acknowledge the alarm, lead the withdrawal",
                "banzuzhang": "停止动火作业，带领班组撤离 stop the hot work, lead the team out"}


async def seed_drills(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    users = demo["users"]
    await flows.import_network(session, actor=principal_for(users["admin"]),
                               text=(EXAMPLES / "demo_colliery.yaml").read_text(encoding="utf-8"))
    await flows.plan_drill(session, actor=principal_for(users["anjianyuan"]), speed=10.0,
                           scenario_text=(EXAMPLES / "demo_face_methane.yaml").read_text(encoding="utf-8"),
                           participants=[flows.ParticipantIn(user_id=users[name].id, task=task)
                                         for name, task in PARTICIPANTS.items()])
