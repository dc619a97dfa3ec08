"""The four-colour map, risk points and checklists in the app: documents against the schema, pure layout and
texts, the controllers against a live backend — a checklist done offline and synced once, a failed item → a
hazard — then the whole app headless with screenshots (zh and en)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from mobile.api.risks import MapArea
from mobile.i18n import Translator
from mobile.outbox.store import ItemKind, ItemState
from mobile.screens.checklist.controller import ChecklistController
from mobile.screens.checklist.model import ChecklistModel
from mobile.screens.risk_map.controller import RiskMapController
from mobile.screens.risk_map.logic import boxes, counts
from mobile.screens.risk_map.model import RiskMapModel
from mobile.screens.risk_point.controller import RiskPointController
from mobile.screens.risk_point.model import RiskPointModel
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.conftest import Phone, jpeg_bytes
from tests.mobile.risks_setup import set_up
from tests.mobile.test_app_headless import run_driver

SHOTS = ARTIFACTS / "screenshots" / "mobile-risks"


def test_map_layout_scales_positions_and_skips_districts() -> None:
    areas = [MapArea("d", "District", "D", "DISTRICT", None, 0, 0, "RED", 3, 1),
             MapArea("a", "Face", "F", "WORKING_FACE", "d", 100, 200, "RED", 2, 1),
             MapArea("b", "Road", "R", "ROADWAY", "d", 300, 100, "BLUE", 1, 0),
             MapArea("c", "Shaft", "", "SHAFT", None, None, None, None, 0, 0)]
    placed = {b.area_id: b for b in boxes(areas)}
    assert set(placed) == {"a", "b", "c"}
    assert placed["a"].x < placed["b"].x and placed["a"].y > placed["b"].y
    assert 0 < placed["a"].x < 1 and placed["c"].y < 0.1 and placed["c"].label == "Shaft"
    assert placed["a"].label == "F\nFace"
    assert counts(areas) == {"RED": 1, "BLUE": 1, None: 1}
    assert Translator("zh")("risk.level.RED") == "红 · 重大风险"
    assert Translator("en")("risk.raised_line", shown="Red", base="Orange", causes="alarm") == \
        "Red (raised from Orange: alarm)"


def test_controllers_and_a_checklist_synced_once(live_server: Any, mine: MineFixture, phone: Phone,
                                                 tmp_path: Path) -> None:
    setup = set_up(live_server.url, mine)
    phone.login(mine, "mine_manager")
    risk_map = RiskMapController(model=RiskMapModel(), ctx=phone.ctx)
    risk_map.on_enter()
    levels = {b.label.split("\n")[0]: b.level for b in risk_map.model.boxes}
    assert levels == {"A0": "ORANGE", "A1": "YELLOW", "A2": "RED"}  # A1: blue raised one step by the alarm
    assert "Red · major 1" in risk_map.model.legend
    risk_map.select_area(str(mine.areas[1]))
    assert risk_map.model.points[0]["line2"] == "Yellow · moderate (raised from Blue · low: active alarm)"
    risk_map.open_point(risk_map.model.points[0]["item_id"])
    assert phone.navigations[-1] == ("risk_point", {"point_id": setup["points"]["RP-R2-BELT"]})
    point = RiskPointController(model=RiskPointModel(), ctx=phone.ctx)
    point.on_enter(point_id=setup["points"]["RP-3101-GAS"])
    titles = [s["title"] for s in point.model.sections]
    assert titles == ["Where and who controls", "Hazard sources", "Latest assessment", "Control measures (1)",
                      "Open hazards (0)", "People responsible"]
    people = point.model.sections[-1]["text"]
    assert "area manager — holds a measure's post (区队长 District manager)" in people

    phone.login(mine, "team_leader")
    checklist = ChecklistController(model=ChecklistModel(), ctx=phone.ctx)
    checklist.on_enter()
    assert [c["item_id"] for c in checklist.model.checks] == [setup["check"]["id"]]
    checklist.open(setup["check"]["id"])
    first, second = (r["item_id"] for r in checklist.model.rows)
    checklist.set_result(first, True)
    assert checklist.submit() is False and checklist.model.error == "Mark every item pass or fail first."
    checklist.set_result(second, False)
    assert checklist.submit() is False and checklist.model.error == "Each failed item needs a photo."
    photo = tmp_path / "fail.jpg"
    photo.write_bytes(jpeg_bytes(seed=3, side=480))
    checklist.add_photo(second, str(photo))
    assert checklist.submit() is True and checklist.model.checks == []  # queued: offline until sent
    (item,) = phone.outbox.items(owner_id=mine.user_id("team_leader"))
    assert item.kind is ItemKind.SUBMIT_INSPECTION and item.state is ItemState.QUEUED
    assert phone.sender.send(item) is ItemState.SENT
    again = phone.outbox.get(item.client_id)
    assert again is not None
    assert phone.sender.send(again) is ItemState.SENT  # a retry (the reply lost): the server returns the same check
    response = httpx.post(f"{live_server.url}/graphql", json={"query": "query($id: ID!) { inspection(id: $id) { "
                                                                       "state failedItems items { hazardId } } }",
                                                              "variables": {"id": setup["check"]["id"]}},
                          headers={"Authorization": f"Bearer {mine.token('safety_officer')}"}, timeout=30)
    check = response.json()["data"]["inspection"]
    assert check["state"] == "DONE" and check["failedItems"] == 1
    hazard_ids = [i["hazardId"] for i in check["items"] if i["hazardId"]]
    assert len(hazard_ids) == 1
    hazards = httpx.post(f"{live_server.url}/graphql", json={"query": "{ hazards(first: 50) { edges { node { id "
                                                                      "source } } } }"},
                         headers={"Authorization": f"Bearer {mine.token('safety_officer')}"}, timeout=30)
    nodes = [e["node"] for e in hazards.json()["data"]["hazards"]["edges"]]
    assert [n["id"] for n in nodes if n["source"] == "INSPECTION"] == hazard_ids  # one hazard, never two
    phone.login(mine, "mine_manager")
    point.on_enter(point_id=setup["points"]["RP-3101-ROOF"])
    assert point.model.level_text.startswith("Orange · high (raised from Yellow")


@pytest.mark.slow
def test_risks_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    setup = set_up(live_server.url, mine)
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    (pictures / "fail.jpg").write_bytes(jpeg_bytes(seed=5, side=480))
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), "photo": str(pictures / "fail.jpg"),
            "area": str(mine.areas[0]), "point": setup["points"]["RP-3101-GAS"],
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("mine_manager", "team_leader")}}
    run_driver("tests.mobile.risks_driver", plan, tmp_path, SHOTS, at_least=6)
