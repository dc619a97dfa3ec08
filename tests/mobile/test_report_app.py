"""Reporting in a few taps and the officers' evidence in the whole app, headless, against a live backend,
with screenshots (zh and en) in artifacts/screenshots/mobile-report."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from backend.hazards.demo import categories_for
from contracts.hazards import HazardGrade, HazardLevel
from mobile.api.models import Outcome
from mobile.outbox.store import ItemKind, ItemState
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.conftest import Phone, jpeg_bytes, make_phone
from tests.mobile.test_app_headless import run_driver

SHOTS = ARTIFACTS / "screenshots" / "mobile-report"
PLAN = {"measures": "抽放瓦斯 drain the gas", "responsible_people": ["area manager"], "funds": "80000 元",
        "deadline": "2030-01-01T00:00:00+00:00", "contingency_plan": "撤人断电 withdraw and cut power"}

pytestmark = pytest.mark.slow


def reported(phone: Phone, mine: MineFixture, photo: Path, text: str, area: int = 0) -> str:
    item = phone.outbox.add(kind=ItemKind.REPORT_HAZARD, owner_id=phone.ctx.sessions.user.id, title=text,
                            payload={"areaId": str(mine.areas[area]), "description": text, "location": "30 m",
                                     "suggestedGrade": "GENERAL"}, photos=[photo])
    assert phone.sender.send(item) is ItemState.SENT
    return phone.outbox.get(item.client_id).server_id


def rectified(worker: Phone, officer: Phone, mine: MineFixture, hazard_id: str, photo: Path, note: str) -> None:
    triaged = officer.api.triage(hazard_id=hazard_id, grade=HazardGrade.GENERAL, level=HazardLevel.B,
                                 responsible_id=mine.user_id("team_leader"), deadline=None,
                                 control_measures="Replace the plates.", treatment_plan=None)
    assert triaged.outcome is Outcome.OK
    assert worker.api.accept(hazard_id=hazard_id).outcome is Outcome.OK
    item = worker.outbox.add(kind=ItemKind.SUBMIT_RECTIFICATION, owner_id=worker.ctx.sessions.user.id,
                             title="fix", payload={"hazardId": hazard_id, "note": note}, photos=[photo])
    assert worker.sender.send(item) is ItemState.SENT


async def test_report_in_a_few_taps_and_the_officers_evidence_headless(tmp_path: Path, live_server: Any,
                                                                        mine: MineFixture, platform: Any) -> None:
    async with platform.session_factory() as session:
        session.add_all(categories_for(mine.mine_id))
        await session.commit()
    summary = await asyncio.to_thread(_drive, tmp_path, live_server, mine)
    assert summary["ok"]


def _drive(tmp_path: Path, live_server: Any, mine: MineFixture) -> dict[str, Any]:
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    photos = []
    for i in range(3):
        path = pictures / f"hazard-{i}.jpg"
        path.write_bytes(jpeg_bytes(seed=i + 30, side=480))
        photos.append(path)
    phones = {who: make_phone(tmp_path / who, live_server.url)
              for who in ("miner", "miner2", "safety_officer", "team_leader", "mine_manager")}
    for who, phone in phones.items():
        phone.login(mine, who)
    officer, leader = phones["safety_officer"], phones["team_leader"]
    reported_id = reported(phones["miner2"], mine, photos[0], "Loose rock bolt plates near the heading face")
    pending_id = reported(phones["miner2"], mine, photos[1], "回风巷风门关闭不严 air door does not close")
    rectified(leader, officer, mine, pending_id, photos[2], "更换风门密封条，已试验关闭严密 seals replaced")
    closed_id = reported(phones["miner"], mine, photos[0], "皮带机托辊卡死发热 seized hot idler")
    rectified(leader, officer, mine, closed_id, photos[2], "更换托辊 idler replaced")
    officer2 = make_phone(tmp_path / "officer2", live_server.url)
    officer2.login(mine, "safety_officer2")
    assert officer2.api.reinspect(hazard_id=closed_id, passed=True, reason=None).outcome is Outcome.OK
    major_id = reported(phones["miner2"], mine, photos[1], "工作面上隅角瓦斯积聚 methane at the upper corner")
    major = officer.api.triage(hazard_id=major_id, grade=HazardGrade.MAJOR, level=None,
                               responsible_id=mine.user_id("area_manager"), deadline=None,
                               control_measures="加强通风，专人检查 more air, a gas inspector on watch",
                               treatment_plan=PLAN)
    assert major.outcome is Outcome.OK, major.message

    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), "photos": [str(p) for p in photos],
            "reported_hazard_id": reported_id, "pending_hazard_id": pending_id, "closed_hazard_id": closed_id,
            "major_hazard_id": major_id, "run": str(uuid.uuid4()),
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("miner", "safety_officer", "team_leader", "admin")}}
    return run_driver("tests.mobile.report_driver", plan, tmp_path, SHOTS, at_least=24)
