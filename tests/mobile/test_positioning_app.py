"""People in my area and the evacuation list on an alert: the app's documents against the schema, the pure
formatting in both languages, the controllers against a live backend, then the whole app headless with
screenshots (zh and en), the list updating live."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend.accounts.models import DeviceKind
from mobile.api.positioning import Evacuation, Evacuee, Occupancy, Present
from mobile.i18n import Translator
from mobile.screens.people import logic
from mobile.screens.people.controller import PeopleController
from mobile.screens.people.model import PeopleModel
from tests.backend.positioning.api import INGEST
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.conftest import Phone
from tests.mobile.positioning_setup import raise_alarm, set_up, sight
from tests.mobile.test_app_headless import run_driver

SHOTS = ARTIFACTS / "screenshots" / "mobile-positioning"


def test_occupancy_and_evacuation_read_in_both_languages() -> None:
    at = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
    over = Occupancy(area_id="a", area_name="3101 工作面", count=3, limit=2, over_limit=True,
                     people=(Present(name="陈矿工", since=at),))
    assert logic.occupancy_count(over, Translator("zh")) == "3 / 2 人 · 超员"
    assert logic.occupancy_count(over, Translator("en")) == "3 / 2 people · OVER THE LIMIT"
    free = Occupancy(area_id="a", area_name="x", count=1, limit=None, over_limit=False, people=())
    assert logic.occupancy_count(free, Translator("en")) == "1 people (no limit set)"
    assert logic.occupancy_names(free, Translator("zh")) == "当前无人。"
    assert logic.occupancy_colour(over) == logic.OVER_COLOUR
    evacuation = Evacuation(alert_id="x", started_at=at, total=2, safe=1, remaining=1, areas=("A",), people=(
        Evacuee(name="刘矿工", safe=False, start_area="A", last_area="B", last_seen_at=at),
        Evacuee(name="陈矿工", safe=True, start_area="A", last_area="灯房", last_seen_at=at)))
    assert logic.evacuation_summary(evacuation, Translator("en")) == "2 people · 1 safe · 1 not yet out"
    assert logic.evacuation_lines(evacuation, Translator("zh")).splitlines() == [
        "× 刘矿工 — 未撤出，最后位置：B", "√ 陈矿工 — 已安全，最后位置：灯房"]


def test_controllers_against_the_live_backend(live_server: Any, mine: MineFixture, phone: Phone) -> None:
    set_up(live_server.url, mine)
    phone.login(mine, "miner")
    people = PeopleController(model=PeopleModel(), ctx=phone.ctx)
    people.on_enter()
    assert people.model.area == "Area 0" and people.model.count == "3 / 2 people · OVER THE LIMIT"
    assert len(people.model.names.splitlines()) == 3
    phone.login(mine, "mentor")  # in area 1 by positioning (their assigned area is 0)
    people.on_enter()
    assert people.model.area == "Area 1" and people.model.count == "1 people (no limit set)"


@pytest.mark.slow
def test_positioning_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    set_up(live_server.url, mine)
    alert_id = raise_alarm(live_server.url, mine)
    move_out = {"token": mine.device_tokens[DeviceKind.SENSOR_BRIDGE], "body": {"query": INGEST, "variables": {
        "input": {"batchId": str(uuid.uuid4()), "bridgeSeq": 999, "sightings": [
            {"tagCode": "T-miner", "readerCode": "RS", "ts": datetime.now(UTC).isoformat()}]}}}}
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), "alert_id": alert_id,
            "move_out": move_out,
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD, "id": mine.user_id(who)}
                       for who in ("miner", "safety_officer")}}
    run_driver("tests.mobile.positioning_driver", plan, tmp_path, SHOTS, at_least=5)
    assert sight  # the set-up's sightings went through the bridge's mutation
