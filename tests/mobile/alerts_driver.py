"""Drives the real app headless through the alerts screens, saving a screenshot of each.

Run by test_alerts_app.py in a subprocess: python -m tests.mobile.alerts_driver <plan.json>
Alerts are raised by the backend's own paths while the app watches (the sensor bridge's batch, a
miner's manual alert); the vision alert with its snapshot was raised before the app started.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config

Config.set("graphics", "width", "540")
Config.set("graphics", "height", "960")
Config.set("kivy", "exit_on_escape", "0")


from tests.mobile.alerts_setup import SENSOR_CODE, raise_manual_alert, raise_sensor_alarm  # noqa: E402
from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive  # noqa: E402

DEAD_SERVER = "http://127.0.0.1:9"
MANUAL_TITLE = "顶板掉渣 Roof spalling at 3101"


class AlertsDriver(Driver):
    def listing(self) -> Wait:
        return lambda: self.on("alerts")() and bool(self.screen.model.rows)

    def row(self, contains: str) -> dict[str, Any] | None:
        return next((r for r in self.screen.model.rows if contains in r["title"]), None)

    def open_row(self, contains: str) -> None:
        row = self.row(contains)
        if row is None:
            raise StepFailed(f"no alert row with {contains!r}")
        self.screen.controller.select(row["item_id"])

    def detail(self) -> Wait:
        return lambda: self.on("alert")() and bool(self.screen.model.headline)

    def image_loaded(self) -> bool:
        image = self.screen.ids.snapshot
        return bool(image.source) and image.texture is not None and image.texture.size[0] >= 320

    def press_alerts_entry(self) -> None:
        entry = next(e for e in self.screen.model.entries if e["name"] == "alerts")
        self.press(entry["text"])

    def run(self) -> Iterator[Wait]:
        plan = self.plan
        people = plan["people"]
        app = self.app

        self.steps.append("sign in as the safety officer: the home screen counts the unacknowledged alerts")
        yield self.on("server")
        self.screen.ids.address.text = plan["server"]
        self.press(self.t("server.continue"))
        yield self.on("login")
        self.login(people["safety_officer"]["username"], people["safety_officer"]["password"])
        yield lambda: self.on("home")() and self.screen.model.alerts_unacked >= 3 and app.alerts_connected
        self.shot("home_alert_badge_zh")

        self.steps.append("the alerts list, live")
        self.press_alerts_entry()
        yield lambda: self.listing()() and self.screen.model.live and len(self.screen.model.rows) >= 3
        self.shot("alerts_list_live_zh")

        self.steps.append("a methane alarm and power cut from the sensor bridge appear live, on top")
        raise_sensor_alarm(plan["server"], plan["bridge_token"], 3)
        yield lambda: sum(SENSOR_CODE in r["title"] for r in self.screen.model.rows) == 2 \
            and bool(self.screen.model.notice)
        if SENSOR_CODE not in self.screen.model.rows[0]["title"]:       # the power cut, CRITICAL
            raise StepFailed(f"the power cut is not on top: {[r['title'] for r in self.screen.model.rows]}")
        raise_manual_alert(plan["server"], plan["miner_token"], plan["area0"], MANUAL_TITLE)
        yield lambda: self.row(MANUAL_TITLE) is not None
        self.shot("alerts_new_alarms_live_zh")

        self.steps.append("the sensor alert: the curve with its alarm threshold, the area's sensors")
        self.open_row(SENSOR_CODE)
        yield lambda: self.detail()() and self.screen.model.has_chart and bool(self.screen.model.sensors)
        self.shot("alert_sensor_top_zh")
        self.screen.ids.scroll.scroll_y = 0
        yield lambda: True
        self.shot("alert_sensor_curve_zh")

        self.steps.append("confirmed, with a note")
        self.screen.ids.note.text = "便携仪复测 1.30%，已停电撤人"
        self.press(self.t("alert.confirm"))
        yield lambda: self.screen.model.notice == self.t("alert.done_confirm")
        self.screen.ids.scroll.scroll_y = 1
        yield lambda: True
        self.shot("alert_confirmed_zh")

        self.steps.append("the miner's manual alert: a false alarm")
        app.back()
        yield lambda: self.listing()() and self.row(MANUAL_TITLE) is not None
        self.open_row(MANUAL_TITLE)
        yield self.detail()
        self.press(self.t("alert.false_alarm"))
        yield lambda: self.screen.model.notice == self.t("alert.done_false_alarm")
        self.shot("alert_false_alarm_zh")

        self.steps.append("the vision alert: its snapshot, then a hazard opened from it")
        app.back()
        yield self.listing()
        self.screen.controller.select(plan["vision_alert"])
        yield lambda: self.detail()() and self.image_loaded()
        self.shot("alert_vision_snapshot_zh")
        self.press(self.t("alert.open_hazard"))
        yield lambda: self.on("hazard")() and bool(self.screen.model.headline)
        self.shot("hazard_opened_from_alert_zh")

        self.steps.append("the list after handling: the open ones first")
        app.navigate("alerts")
        yield lambda: self.listing()() and self.screen.model.rows[-1]["line3"] != ""
        self.shot("alerts_list_handled_zh")

        self.steps.append("out of coverage: the state line says reconnecting; back in: live again")
        app.ctx.settings.server_url = DEAD_SERVER
        app.ctx.alert_live.restart()
        yield lambda: not self.screen.model.live
        self.shot("alerts_reconnecting_zh")
        app.ctx.settings.server_url = plan["server"]
        app.ctx.alert_live.restart()
        yield lambda: self.screen.model.live and not self.screen.model.busy

        self.steps.append("English")
        app.set_language("en")
        yield lambda: self.listing()() and self.screen.model.live_text == self.t("alerts.live")
        self.shot("alerts_list_en")
        self.open_row(SENSOR_CODE)
        yield lambda: self.detail()() and self.screen.model.has_chart
        self.shot("alert_sensor_top_en")
        self.screen.ids.scroll.scroll_y = 0
        yield lambda: True
        self.shot("alert_sensor_curve_en")
        app.back()
        yield self.listing()
        self.screen.controller.select(plan["vision_alert"])
        yield lambda: self.detail()() and self.image_loaded()
        self.shot("alert_vision_snapshot_en")

        self.steps.append("a miner: own area and mine-wide alerts, no buttons")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.logout()
        yield self.on("login")
        self.login(people["miner"]["username"], people["miner"]["password"])
        yield lambda: self.on("home")() and app.alerts_connected
        self.press_alerts_entry()
        yield lambda: self.listing()() and self.row("Water in the haulage") is None
        self.shot("alerts_list_miner_en")
        self.screen.controller.select(plan["vision_alert"])
        yield lambda: self.detail()() and self.image_loaded()
        if self.screen.model.actions or self.screen.ids.actions.children:
            raise StepFailed("a miner was offered actions")
        self.shot("alert_miner_no_actions_en")
        self.result = {"ok": True}


def main() -> int:
    return drive(AlertsDriver)


if __name__ == "__main__":
    sys.exit(main())
