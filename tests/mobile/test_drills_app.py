"""My drills: cards (pure formatting), the app's documents against the schema, the controller against a live
backend, then the whole app headless with screenshots (zh and en)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mobile.api.drills import DrillResponse, MyDrill
from mobile.i18n import Translator
from mobile.screens.drills.controller import DrillsController
from mobile.screens.drills.logic import card
from mobile.screens.drills.model import DrillsModel
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.conftest import Phone
from tests.mobile.drills_setup import set_up
from tests.mobile.test_app_headless import run_driver

SHOTS = ARTIFACTS / "screenshots" / "mobile-drills"


def test_cards_read_in_both_languages() -> None:
    drill = MyDrill(id="1", name="瓦斯超限", state="FINISHED", task="断电 cut", started_at=None, finished_at=None,
                    score=66.7, responses=(
                        DrillResponse(kind="ALARM", after="gas", within_s=60, seconds=12.4, who="sensor bridge",
                                      met=True, note=""),
                        DrillResponse(kind="POWER_CUT", after="gas", within_s=30, seconds=45, who="sensor bridge",
                                      met=False, note="late by 15 s"),
                        DrillResponse(kind="HAZARD_OPENED", after="gas", within_s=60, seconds=None, who=None,
                                      met=False, note="missed")))
    en = card(drill, Translator("en"))
    assert en["title"] == "瓦斯超限 · finished · score 67" and en["task"] == "Your task: 断电 cut"
    assert en["result"].splitlines() == ["✓ Alarm (after gas): 12 s (limit 60 s) · sensor bridge",
                                         "× Power cut (after gas): 45 s (limit 30 s) · sensor bridge · too late",
                                         "× Hazard opened (after gas): missed"]
    zh = card(drill, Translator("zh"))
    assert zh["result"].splitlines()[0] == "✓ 报警 (针对 gas): 用时 12 秒（时限 60 秒） · sensor bridge"
    running = card(MyDrill(id="2", name="x", state="RUNNING", task="t", started_at=None, finished_at=None,
                           score=None, responses=()), Translator("en"))
    assert running["title"] == "x · running now" and "DRILL" in running["result"]


def test_controller_against_the_live_backend(live_server: Any, mine: MineFixture, phone: Phone) -> None:
    set_up(live_server.url, mine)
    phone.login(mine, "miner")
    drills = DrillsController(model=DrillsModel(), ctx=phone.ctx)
    drills.on_enter()
    titles = [c["title"] for c in drills.model.cards]
    assert titles[0].endswith("running now") and titles[1].endswith("finished · score 67")
    assert drills.model.cards[1]["result"].splitlines()[0].startswith("✓ Alarm (after gas): 0 s")
    phone.login(mine, "miner2")  # takes part in nothing
    drills.on_enter()
    assert drills.model.cards == [] and drills.model.empty_text == "You take part in no drill yet."


@pytest.mark.slow
def test_drills_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    set_up(live_server.url, mine)
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"),
            "people": {"miner": {"username": mine.users["miner"].username, "password": PASSWORD,
                                 "id": mine.user_id("miner")}}}
    run_driver("tests.mobile.drills_driver", plan, tmp_path, SHOTS, at_least=3)
