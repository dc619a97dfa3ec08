"""The alerts screens against a live backend: the controllers with the app's real API client and
subscription (a flaky network included), then the whole app headless with screenshots."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from contracts.alerts import AlertEventKind, AlertState, AlertVerdict
from contracts.client import TransportError
from mobile.api.alerts import ALERT_EVENTS, ActionOutcome, AlertEvent, AlertsApi, parse_alert_event
from mobile.api.live import LiveEvents
from mobile.screens.alert.controller import AlertController
from mobile.screens.alert.model import AlertModel
from mobile.screens.alerts.controller import AlertsController
from mobile.screens.alerts.model import AlertsModel
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.alerts_setup import SENSOR_CODE, raise_manual_alert, raise_sensor_alarm, set_up_sync
from tests.mobile.conftest import FlakyServer, Phone, make_phone
from tests.mobile.test_app_headless import run_driver

SHOTS = ARTIFACTS / "screenshots" / "mobile-alerts"


def screen(phone: Phone, kind: type, model: type) -> Any:
    controller = kind(model=model(), ctx=phone.ctx)
    return controller


def test_controllers_live_actions_and_a_flaky_network(tmp_path: Path, live_server: Any, mine: MineFixture,
                                                           phone: Phone, flaky: FlakyServer) -> None:
    ids = set_up_sync(live_server.url, mine)
    phone.ctx.cache_dir = tmp_path / "cache"
    phone.login(mine, "safety_officer")

    # the subscription: a manual alert raised by a miner arrives as a typed event
    events: list[AlertEvent] = []
    arrived = threading.Event()
    statuses: list[bool] = []
    live = LiveEvents(client=phone.ctx.client, on_event=lambda e: (events.append(e), arrived.set()),
                      on_status=statuses.append, document=ALERT_EVENTS, parse=parse_alert_event, name="alert-events",
                      base_delay_s=0.2)
    live.start(areaId=None)
    try:
        deadline = time.monotonic() + 10
        while not live.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live.connected
        manual = raise_manual_alert(live_server.url, ids["miner_token"], ids["area0"], "顶板掉渣 Roof spalling")
        assert arrived.wait(10)
    finally:
        live.stop()
    assert events[0].kind is AlertEventKind.RAISED and events[0].alert is not None and events[0].alert.id == manual
    assert statuses[0] is True

    # the list, as the officer sees it: everything, unacknowledged and most severe first
    listing = screen(phone, AlertsController, AlertsModel)
    listing.on_enter()
    ids_shown = [r["item_id"] for r in listing.model.rows]
    assert {ids["vision_alert"], ids["wide_alert"], ids["other_area_alert"], manual} <= set(ids_shown)
    assert ids_shown.index(manual) < ids_shown.index(ids["other_area_alert"]) < ids_shown.index(ids["wide_alert"])

    # a sensor alarm: the detail shows the curve of that sensor with its alarm threshold and the area's sensors
    raise_sensor_alarm(live_server.url, ids["bridge_token"], 3)
    listing.refresh()
    cut = [r for r in listing.model.rows if SENSOR_CODE in r["title"]]
    assert [r["severity_text"] for r in cut] == ["CRITICAL", "ALARM"] and listing.model.rows[0] == cut[0]
    sensor_alert = cut[1]["item_id"]
    detail = screen(phone, AlertController, AlertModel)
    detail.on_enter(alert_id=sensor_alert)
    model = detail.model
    assert model.has_chart and model.chart_threshold == 1.0 and len(model.chart_points) >= 60
    assert max(p.value for p in model.chart_points) == pytest.approx(1.56)
    assert model.sensors.count("\n") == 1 and "CO-3101" in model.sensors and f"▶ {SENSOR_CODE}" in model.sensors

    # a second officer has the same alert open on another phone
    other = make_phone(tmp_path / "phone2", live_server.url)
    other.login(mine, "safety_officer2")
    stale = screen(other, AlertController, AlertModel)
    stale.on_enter(alert_id=sensor_alert)
    assert [a["action"] for a in stale.model.actions][:2] == ["confirm", "false_alarm"]
    # confirmed, with a note; the second officer's tap then gets "already acknowledged", not an error
    detail.set_note("便携仪复测 1.30 % handheld check")
    detail.act("confirm")
    assert model.error == "" and detail.alert is not None and detail.alert.state is AlertState.ACKNOWLEDGED
    assert detail.alert.verdict is AlertVerdict.CONFIRMED and detail.alert.note == "便携仪复测 1.30 % handheld check"
    stale.act("false_alarm")
    assert stale.model.error == "" and stale.model.notice == "Already acknowledged by safety officer."
    assert AlertsApi(phone.ctx.client).alert(sensor_alert).verdict is AlertVerdict.CONFIRMED

    # the vision alert: its snapshot comes down once into the cache
    detail.on_enter(alert_id=ids["vision_alert"])
    snapshot = Path(model.snapshot)
    assert snapshot.is_file() and snapshot.read_bytes()[:2] == b"\xff\xd8" and not model.has_chart
    # open a hazard from it: once, a retry gets the same hazard
    detail.act("open_hazard")
    name, params = phone.navigations[-1]
    assert name == "hazard"
    again = AlertsApi(phone.ctx.client).open_hazard(alert_id=ids["vision_alert"], description="x",
                                                    suggested_grade="GENERAL")
    assert again.outcome is ActionOutcome.OK and again.hazard_id == params["hazard_id"]

    # through a proxy that goes down: the action is retried, then reported; once the network is back it works
    flaky_phone = make_phone(tmp_path / "phone3", flaky.url)
    flaky_phone.login(mine, "mine_manager")
    flaky_detail = screen(flaky_phone, AlertController, AlertModel)
    flaky_detail.on_enter(alert_id=manual)
    flaky.proxy.down = True
    flaky.proxy.reset()
    flaky_detail.act("false_alarm")
    assert flaky_detail.model.error == flaky_phone.ctx.tr("error.network")
    flaky.proxy.down = False
    flaky_detail.act("false_alarm")
    assert flaky_detail.model.error == "" and flaky_detail.alert.verdict is AlertVerdict.FALSE_ALARM
    flaky_detail.act("resolve")
    assert flaky_detail.alert.state is AlertState.RESOLVED

    # a miner: own area and mine-wide alerts only, and no buttons
    miner = make_phone(tmp_path / "phone4", live_server.url)
    miner.login(mine, "miner")
    miner_list = screen(miner, AlertsController, AlertsModel)
    miner_list.on_enter()
    shown = {r["item_id"] for r in miner_list.model.rows}
    assert ids["other_area_alert"] not in shown and {ids["wide_alert"], ids["vision_alert"]} <= shown
    miner_detail = screen(miner, AlertController, AlertModel)
    miner_detail.on_enter(alert_id=ids["vision_alert"])
    assert miner_detail.model.actions == [] and miner_detail.model.headline
    with pytest.raises(TransportError):
        AlertsApi(make_phone(tmp_path / "phone5", "http://127.0.0.1:9").ctx.client).snapshot("http://127.0.0.1:9/x")


@pytest.mark.slow
def test_alerts_screens_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    ids = set_up_sync(live_server.url, mine)
    plan = {"server": live_server.url, "data": str(tmp_path / "app-data"), **ids,
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD}
                       for who in ("miner", "safety_officer")}}
    run_driver("tests.mobile.alerts_driver", plan, tmp_path, SHOTS, at_least=15)
