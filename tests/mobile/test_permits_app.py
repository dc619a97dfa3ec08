"""Work permits in the app: pure formatting in both languages, the documents against the schema, the controllers
against a live backend (apply, approve by role, the guardian's view of a stopped permit), then the whole app
headless with screenshots (zh and en)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mobile.api.permits import GasTest, Permit, SuspendReason
from mobile.i18n import Translator
from mobile.screens.permit.controller import PermitController
from mobile.screens.permit.model import PermitModel
from mobile.screens.permit_apply.controller import PermitApplyController
from mobile.screens.permit_apply.model import PermitApplyModel
from mobile.screens.permits.controller import PermitsController
from mobile.screens.permits.logic import actions, card, gas_text
from mobile.screens.permits.model import PermitsModel
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.conftest import Phone
from tests.mobile.permits_setup import alarm, apply, live
from tests.mobile.test_app_headless import run_driver

SHOTS = ARTIFACTS / "screenshots" / "mobile-permits"


def _permit(**changes: Any) -> Permit:
    base = dict(id="p1", state="SUSPENDED", kind_code="HOT_WORK", kind_name="动火作业", grade="FIRST", description="",
                starts_at=None, ends_at=None, area_id="a", area_name="Area 1", applicant_id="u0", work_leader="Wu",
                work_leader_id="u1", guardian="Zheng", guardian_id="u2", crew=("Chen", "He"), crew_ids=("u3", "u4"),
                required_roles=("area_manager", "safety_officer"), missing_approvals=("safety_officer",),
                approvals=(("area_manager", "Zhao"),), allowed_steps=("approve", "resume", "suspend"),
                guardian_in_area=True, gas_test=GasTest(ch4=0.2, stage="START", source="HAND", passed=True,
                                                          age_seconds=31 * 60),
                suspend_reasons=(SuspendReason(cause="GAS_OVER_LIMIT", detail="CH4-1 reads 0.7 %", at=None),),
                underground=True)
    return Permit(**{**base, **changes})


def test_cards_gas_age_and_buttons_in_both_languages() -> None:
    zh, en = Translator("zh"), Translator("en")
    permit = _permit()
    assert card(permit, zh, "u2")["title"] == "动火作业 · 一级 · 已暂停"
    assert card(permit, en, "u2")["line3"] == "methane over the permit's limit · you guard it"
    assert "31 分钟前" in gas_text(permit, zh) and "已超过30分钟" in gas_text(permit, zh)
    assert gas_text(_permit(gas_test=None), en) == "Gas test: none yet"
    assert "over 30 min" not in gas_text(_permit(gas_test=GasTest(0.2, "START", "SENSOR", True, 60)), en)
    buttons = actions(permit, {"safety_officer"}, en)
    assert [b["text"] for b in buttons] == ["Approve as safety officer", "Resume the work"]
    assert [b["step"] for b in actions(_permit(state="ACTIVE"), {"miner"}, en)] == ["resume", "suspend"]


def test_controllers_against_the_live_backend(live_server: Any, mine: MineFixture, phone: Phone) -> None:
    phone.login(mine, "team_leader")
    form = PermitApplyController(model=PermitApplyModel(), ctx=phone.ctx)
    form.on_enter()
    assert "Hot work" in form.model.kind_names and form.model.grade_names == ["grade 1"]  # blasting first
    form.pick_kind("Hot work")
    assert form.model.grade_names == ["special grade", "grade 1", "grade 2"] and form.model.max_hours == 72
    form.pick_grade("grade 1")
    assert form.model.max_hours == 8
    form.add_crew("miner")
    form.submit(area="Area 0", leader="team leader", guardian="mentor", hours="9", description="weld")
    assert "at most 8 h" in form.model.error  # over the grade's validity: refused on the phone
    form.submit(area="Area 0", leader="team leader", guardian="mentor", hours="4", description="weld a bracket")
    name, params = phone.navigations[-1]
    assert name == "permit", form.model.error
    phone.login(mine, "safety_officer")
    view = PermitController(model=PermitModel(), ctx=phone.ctx)
    view.on_enter(permit_id=params["permit_id"])
    assert [a["text"] for a in view.model.actions] == ["Approve as safety officer"]
    view.take("approve", "safety_officer")
    assert view.model.notice == "Approval recorded." and view.model.actions == []
    phone.login(mine, "team_leader")  # the applicant: no approval button, and the server says no anyway
    view.on_enter(permit_id=params["permit_id"])
    assert all(a["step"] != "approve" for a in view.model.actions)
    view.take("approve", "area_manager")
    assert view.model.error.startswith("Refused:")
    # the guardian's view of a live permit stopped by methane over its limit
    started = live(live_server.url, live_server.settings, mine)
    alarm(live_server.url, mine)
    phone.login(mine, "mentor")
    view.on_enter(permit_id=started["id"])
    assert view.model.state == "SUSPENDED" and "methane over the permit's limit" in view.model.reasons
    assert "Guardian: mentor (in the area)" in view.model.facts
    assert [a["step"] for a in view.model.actions] == ["resume"]
    view.take("resume")
    assert "Refused:" in view.model.error and "fresh gas test" in view.model.error
    listing = PermitsController(model=PermitsModel(), ctx=phone.ctx)
    listing.on_enter()
    assert listing.model.cards[0]["item_id"] == started["id"] and listing.model.cards[0]["alert"]


@pytest.mark.slow
def test_permits_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    waiting = apply(live_server.url, mine, "中央变电所电缆支架焊接 Welding a cable bracket", area=2)
    started = live(live_server.url, live_server.settings, mine)
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), "waiting": waiting["id"],
            "live": started["id"], "database_url": live_server.settings.database_url, "mine": str(mine.mine_id),
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("team_leader", "safety_officer", "mentor")}}
    import threading

    stop = threading.Event()

    def trip_when_asked() -> None:  # the driver writes a flag file when the guardian watches the live permit
        flag = tmp_path / "trip"
        while not stop.wait(0.2):
            if flag.exists():
                alarm(live_server.url, mine)
                flag.unlink()
                (tmp_path / "tripped").write_text("1")

    watcher = threading.Thread(target=trip_when_asked, daemon=True)
    watcher.start()
    plan["flag_dir"] = str(tmp_path)
    try:
        run_driver("tests.mobile.permits_driver", plan, tmp_path, SHOTS, at_least=8)
    finally:
        stop.set()
        watcher.join(5)
