"""Drives the real app headless through the four-colour map, a risk point and a checklist done offline.

Run by test_risks_app.py in a subprocess: python -m tests.mobile.risks_driver <plan.json>
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from mobile.outbox.store import ItemState
from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive


class RisksDriver(Driver):
    def run(self) -> Iterator[Wait]:
        people, plan = self.plan["people"], self.plan
        app = self.app

        self.steps.append("the mine manager's four-colour map, an area's points and a risk point (zh, en)")
        yield from self.first_sign_in(people["mine_manager"])
        yield self.on("home")
        self.press(self.t("risk_map.menu"))
        yield lambda: self.on("risk_map")() and len(self.screen.model.boxes) == 3
        levels = sorted(b.level or "" for b in self.screen.model.boxes)
        if levels != ["ORANGE", "RED", "YELLOW"]:
            raise StepFailed(f"the map's colours: {levels}")
        self.shot("risk_map_zh")
        self.screen.controller.select_area(plan["area"])
        yield lambda: self.on("risk_map")() and len(self.screen.model.points) == 2
        self.shot("risk_map_area_zh")
        self.screen.controller.open_point(plan["point"])
        yield lambda: self.on("risk_point")() and len(self.screen.model.sections) == 6
        self.shot("risk_point_zh")
        app.set_language("en")
        yield lambda: self.on("risk_point")() and self.screen.model.sections[0]["title"] == "Where and who controls"
        self.shot("risk_point_en")
        app.navigate("risk_map")
        yield lambda: self.on("risk_map")() and len(self.screen.model.boxes) == 3 and len(
            self.screen.model.points) == 2 and "Red · major" in self.screen.model.legend
        self.shot("risk_map_area_en")
        app.set_language("zh")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.logout()
        yield self.on("login")

        self.steps.append("the team leader's checklist: pass, fail with a photo, submitted through the outbox")
        self.login(people["team_leader"]["username"], people["team_leader"]["password"])
        yield self.on("home")
        self.press(self.t("checklist.menu"))
        yield lambda: self.on("checklist")() and len(self.screen.model.checks) == 1
        self.shot("checklists_zh")
        controller = self.screen.controller
        controller.open(self.screen.model.checks[0]["item_id"])
        yield lambda: self.on("checklist")() and len(self.screen.model.rows) == 2
        first, second = (r["item_id"] for r in self.screen.model.rows)
        controller.set_result(first, True)
        controller.set_result(second, False)
        controller.add_photo(second, plan["photo"])
        yield lambda: self.on("checklist")() and self.screen.model.rows[1]["photo"] == plan["photo"]
        self.shot("checklist_items_zh")
        app.set_language("en")
        controller.open(self.screen.model.check_id)
        controller.set_result(first, True)
        controller.set_result(second, False)
        controller.add_photo(second, plan["photo"])
        yield lambda: self.on("checklist")() and self.screen.model.summary == "2 of 2 checked · 1 failed"
        self.shot("checklist_items_en")
        if not controller.submit():
            raise StepFailed(f"not queued: {self.screen.model.error}")
        yield lambda: ItemState.SENT in self.outbox_states() and ItemState.QUEUED not in self.outbox_states()
        app.navigate("outbox")
        yield self.on("outbox")
        self.shot("outbox_sent_en")
        self.result = {"ok": True, "steps": self.steps, "screenshots": self.taken}


def main() -> int:
    return drive(RisksDriver)


if __name__ == "__main__":
    sys.exit(main())
