"""Drives the real app headless through reassigning a hazard and raising a manual alert, with screenshots.

Run by test_manage_app.py in a subprocess: python -m tests.mobile.manage_driver <plan.json>
The safety officer reassigns a hazard from the app; the area manager reassigns it again from another
session while the app shows it (the change arrives live); a manual alert is raised with the server
unreachable, waits in the outbox and is delivered once when the server is back; the alerts state line
says "connecting" before its first connection.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from mobile.api.alerts import AlertsApi
from mobile.api.client import ApiClient
from mobile.api.service import MineSafeApi
from mobile.api.session import SessionStore
from mobile.outbox.store import ItemKind, ItemState
from mobile.screens.reassign.logic import reassign_once
from mobile.storage import LocalStore
from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive

DEAD_SERVER = "http://127.0.0.1:9"
ALERT_TITLE = "3101 工作面顶板掉渣 Roof spalling at the 3101 face"
ALERT_DETAIL = "距机头 30 m，已设警戒，请派人支护。30 m from the head, cordoned off."


class ManageDriver(Driver):
    def other_session(self, who: str) -> MineSafeApi:
        """Another person's phone (own session, own store)."""
        plan = self.plan
        store = LocalStore(Path(plan["data"]).parent / f"{who}.db")
        api = MineSafeApi(ApiClient(server_url=lambda: plan["server"], sessions=SessionStore(store)))
        api.login(username=plan["people"][who]["username"], password=plan["people"][who]["password"])
        return api

    def responsible(self) -> str:
        hazard = self.screen.controller.hazard
        return hazard.responsible.display_name if hazard and hazard.responsible else ""

    def alert_items(self) -> list:
        user = self.app.ctx.sessions.user
        return [i for i in self.app.ctx.outbox.items(owner_id=user.id) if i.kind is ItemKind.RAISE_ALERT]

    def fill_alert_form(self) -> None:
        self.screen.ids.area.text = "Area 0"
        self.screen.controller.set_severity("CRITICAL")
        self.screen.ids.title.text = ALERT_TITLE
        self.screen.ids.detail.text = ALERT_DETAIL

    def run(self) -> Iterator[Wait]:
        plan = self.plan
        people = plan["people"]
        app = self.app
        hazard_id = plan["hazard_id"]

        self.steps.append("sign in as the safety officer")
        yield from self.first_sign_in(people["safety_officer"])
        yield lambda: self.on("home")() and app.live_connected and app.alerts_connected
        self.shot("home_officer_zh")

        self.steps.append("the assigned hazard offers reassign")
        app.navigate("hazard", hazard_id=hazard_id)
        yield lambda: self.on("hazard")() and "reassign" in [a["action"] for a in self.screen.model.actions]
        self.shot("hazard_assigned_zh")

        self.steps.append("the reassign form: the mine's people, a reason")
        self.press(self.t("hazard.reassign"))
        yield lambda: self.on("reassign")() and bool(self.screen.model.people)
        if "team leader" in self.screen.model.people:
            raise StepFailed("the current responsible person is offered")
        self.screen.ids.responsible.text = "miner2"
        self.screen.ids.reason.text = "班组长调往 3102 工作面，改由 miner2 负责整改"
        yield lambda: self.screen.model.responsible == "miner2"
        self.shot("reassign_form_zh")

        self.steps.append("reassigned: back on the hazard, the new responsible person and a notice")
        self.press(self.t("reassign.submit"))
        yield lambda: self.on("hazard")() and self.responsible() == "miner2" \
            and self.screen.model.notice == self.t("reassign.done", name="miner2")
        self.shot("hazard_reassigned_zh")

        self.steps.append("the area manager reassigns it from another phone: the change arrives live")
        manager = self.other_session("area_manager")
        result = reassign_once(manager, hazard_id=hazard_id, person_id=people["team_leader"]["id"],
                               reason="区队长：仍由班组长负责")
        if not result.ok:
            raise StepFailed(f"the area manager's reassignment was refused: {result.message}")
        yield lambda: self.responsible() == "team leader" and self.screen.model.notice == self.t("hazard.changed")
        self.shot("hazard_reassigned_elsewhere_zh")
        self.press(self.t("hazard.trace"))
        yield lambda: self.on("trace")() and len(self.screen.model.entries) >= 4
        self.shot("trace_reassigned_zh")

        self.steps.append("a manual alert, raised out of coverage")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.press(self.t("raise_alert.menu"))
        yield lambda: self.on("raise_alert")() and "Area 0" in self.screen.model.area_names
        self.fill_alert_form()
        yield lambda: self.screen.model.severity == "CRITICAL"
        self.shot("raise_alert_form_zh")
        app.ctx.settings.server_url = DEAD_SERVER        # the network is gone when the button is pressed
        self.press(self.t("raise_alert.submit"))
        yield lambda: self.on("outbox")() and any(i.state is ItemState.QUEUED and i.attempts >= 1
                                                  for i in self.alert_items())
        self.screen.controller.refresh()
        yield lambda: True
        self.shot("outbox_alert_queued_zh")

        self.steps.append("back in coverage: delivered once")
        app.ctx.settings.server_url = plan["server"]
        self.press(self.t("outbox.retry"))
        yield lambda: [i.state for i in self.alert_items()] == [ItemState.SENT]
        self.screen.controller.refresh()
        yield lambda: True
        self.shot("outbox_alert_sent_zh")
        alerts = AlertsApi(manager.client).alerts(first=100).alerts
        if [a.id for a in alerts if a.title == ALERT_TITLE] != [self.alert_items()[0].server_id]:
            raise StepFailed(f"not exactly one alert: {[a.title for a in alerts]}")

        self.steps.append("the alerts list shows it")
        app.ctx.alert_live.restart()
        app.navigate("alerts")
        yield lambda: self.on("alerts")() and self.screen.model.live and any(
            ALERT_TITLE in r["title"] for r in self.screen.model.rows)
        self.shot("alerts_manual_alert_zh")

        self.steps.append("English: the forms and the list")
        app.set_language("en")
        yield lambda: self.screen.model.live_text == self.t("alerts.live")
        self.shot("alerts_manual_alert_en")
        app.navigate("raise_alert")
        yield lambda: self.on("raise_alert")() and "Area 0" in self.screen.model.area_names
        self.fill_alert_form()
        yield lambda: True
        self.shot("raise_alert_form_en")
        self.screen.ids.title.text = ""
        self.press(self.t("raise_alert.submit"))
        yield lambda: self.screen.model.error == self.t("raise_alert.need_title")
        self.shot("raise_alert_needs_title_en")
        app.navigate("hazard", hazard_id=hazard_id)
        yield lambda: self.on("hazard")() and self.responsible() == "team leader"
        self.shot("hazard_assigned_en")
        self.press(self.t("hazard.reassign"))
        yield lambda: self.on("reassign")() and bool(self.screen.model.people)
        self.screen.ids.responsible.text = "miner2"
        self.press(self.t("reassign.submit"))
        yield lambda: self.screen.model.error == self.t("reassign.need_reason")
        self.shot("reassign_form_needs_reason_en")

        self.steps.append("the alerts state line before its first connection: connecting, not reconnecting")
        app.ctx.alert_live.stop(timeout=2)
        app.ctx.settings.server_url = DEAD_SERVER
        app.ctx.alert_live.start(areaId=None)
        app.navigate("alerts")
        yield lambda: self.on("alerts")() and self.screen.model.live_text == self.t("alerts.connecting")
        self.shot("alerts_connecting_en")
        app.ctx.settings.server_url = plan["server"]
        app.ctx.alert_live.restart()
        yield lambda: self.screen.model.live and self.screen.model.live_text == self.t("alerts.live")

        self.steps.append("a miner raises alerts for their own area only, and sees no reassign")
        app.set_language("zh")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.logout()
        yield self.on("login")
        self.login(people["miner"]["username"], people["miner"]["password"])
        yield self.on("home")
        self.press(self.t("raise_alert.menu"))
        yield lambda: self.on("raise_alert")() and self.screen.model.area_names == ["Area 0"]
        self.screen.ids.title.text = "运输巷有人员违章扒车"
        self.screen.controller.set_severity("ALARM")
        yield lambda: True
        self.shot("raise_alert_miner_zh")
        app.navigate("hazard", hazard_id=hazard_id)
        yield lambda: self.on("hazard")() and bool(self.screen.model.facts)
        if "reassign" in [a["action"] for a in self.screen.model.actions]:
            raise StepFailed("a miner was offered reassign")
        self.result = {"ok": True}


def main() -> int:
    return drive(ManageDriver)


if __name__ == "__main__":
    sys.exit(main())
