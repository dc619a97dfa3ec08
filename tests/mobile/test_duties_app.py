"""My duties and the managers' lists by unit: units (pure formatting), the app's documents against the
schema, the controllers against a live backend, then the whole app headless with screenshots (zh and en)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mobile.api.duties import DutyList, ListDiff, SubjectChange
from mobile.i18n import Translator
from mobile.screens.duties.controller import DutiesController
from mobile.screens.duties.logic import card, diff_text
from mobile.screens.duties.model import DutiesModel
from mobile.screens.duty_lists.controller import DutyListsController
from mobile.screens.duty_lists.model import DutyListsModel
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.conftest import Phone
from tests.mobile.duties_setup import set_up
from tests.mobile.test_app_headless import run_driver

SHOTS = ARTIFACTS / "screenshots" / "mobile-duties"


def test_cards_and_diffs_read_in_both_languages() -> None:
    duty = DutyList(id="1", holder_kind="POST", holder_name="瓦检员", holder_id="p", state="PUBLISHED", version=2,
                    duties="检查瓦斯", hazard_levels=("MAJOR", "B"), area_names=("3101 工作面",), area_ids=("a",),
                    risk_points=("RP-1",), risk_point_codes={"rp1": "RP-1"}, devices=2, published_at=None)
    zh = card(duty, Translator("zh"))
    assert zh["title"] == "瓦检员 · 岗位清单 · 第 2 版"
    assert zh["facts"].splitlines() == ["负责区域：3101 工作面", "隐患等级：重大, B", "风险点：RP-1", "设备：2 台"]
    reordered = card(replace(duty, hazard_levels=("A", "C", "MAJOR")), Translator("en"))
    assert "Hazard levels: major, A, C" in reordered["facts"]
    assert card(duty, Translator("en"))["title"] == "瓦检员 · post list · version 2"
    draft = card(replace(duty, state="DRAFT", version=None, holder_kind="PERSON", hazard_levels=()), Translator("en"))
    assert draft["title"] == "瓦检员 · personal list · draft · not yet in force"
    assert "Hazard levels: all" in draft["facts"]
    diff = ListDiff(from_version=1, to_version=2, duties_changed=True, duties_before="a", duties_after="b",
                    changes=(SubjectChange(kind="hazard_levels", added=("MAJOR",), removed=()),
                             SubjectChange(kind="areas", added=("x",), removed=("y",)),
                             SubjectChange(kind="risk_points", added=("rp-7-id",), removed=())))
    text = diff_text(diff, Translator("en"), {"x": "Face 1", "y": "Roadway 2", "rp-7-id": "RP-7"})
    assert text.splitlines() == ["Changes from version 1 to 2:", "Duties:", "− was: a", "+ now: b", "+ area: Face 1",
                                 "− area: Roadway 2", "+ hazard level: major", "+ risk point: RP-7"]
    same = ListDiff(from_version=1, to_version=2, duties_changed=False, duties_before="", duties_after="", changes=())
    assert diff_text(same, Translator("zh"), {}).splitlines()[-1] == "无变化。"


def test_controllers_against_the_live_backend(live_server: Any, mine: MineFixture, phone: Phone) -> None:
    set_up(live_server.url, mine)
    phone.login(mine, "miner")
    duties = DutiesController(model=DutiesModel(), ctx=phone.ctx)
    duties.on_enter()
    titles = [c["title"].split(" · ")[1:] for c in duties.model.cards]
    assert titles == [["personal list", "version 1"], ["post list", "version 2"]]  # the phone speaks English
    phone.login(mine, "mine_manager")
    lists = DutyListsController(model=DutyListsModel(), ctx=phone.ctx)
    lists.on_enter()
    assert lists.model.unit_names[0] == "Whole mine" and len(lists.model.cards) == 3
    district = next(n for n in lists.model.unit_names if n.startswith("一采区"))
    lists.pick_unit(district)
    assert len(lists.model.cards) == 3  # the district's two posts, and the miner's own list (area 0 is below it)
    gas = next(c for c in lists.model.cards if c["title"].startswith("瓦检员"))
    lists.select(gas["item_id"])
    assert "+ area: Area 1" in lists.model.diff_text and "+ risk point: RP-3101-GAS" in lists.model.diff_text
    safety = next(c for c in lists.model.cards if c["title"].startswith("安全员"))
    lists.select(safety["item_id"])
    assert lists.model.diff_text.endswith("This is the first version.")
    lists.pick_unit("Area 2")  # outside the district: no lists
    assert lists.model.cards == [] and lists.model.empty_text == "No lists in this unit."


@pytest.mark.slow
def test_duties_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    set_up(live_server.url, mine)
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"),
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("miner", "mine_manager")}}
    run_driver("tests.mobile.duties_driver", plan, tmp_path, SHOTS, at_least=6)
