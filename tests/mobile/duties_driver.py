"""Drives the real app headless through "My duties" and the managers' lists by unit with a version diff.

Run by test_duties_app.py in a subprocess: python -m tests.mobile.duties_driver <plan.json>
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive


class DutiesDriver(Driver):
    def run(self) -> Iterator[Wait]:
        people = self.plan["people"]
        app = self.app

        self.steps.append("the miner's duties: personal and post lists (zh)")
        yield from self.first_sign_in(people["miner"])
        yield self.on("home")
        self.shot("home_miner_zh")
        self.press(self.t("duties.menu"))
        yield lambda: self.on("duties")() and len(self.screen.model.cards) == 2
        titles = [c["title"] for c in self.screen.model.cards]
        if "第 2 版" not in " ".join(titles):
            raise StepFailed(f"the post list in force is not version 2: {titles}")
        self.shot("my_duties_miner_zh")
        app.set_language("en")
        app.navigate("duties")
        yield lambda: self.on("duties")() and "version 2" in " ".join(c["title"] for c in self.screen.model.cards)
        self.shot("my_duties_miner_en")
        if app.ctx.sessions.user and "duty_lists" in [e["name"] for e in self.menu_entries()]:
            raise StepFailed("a miner is offered the managers' lists")
        app.set_language("zh")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.logout()
        yield self.on("login")

        self.steps.append("the mine manager browses the district's lists and compares versions")
        self.login(people["mine_manager"]["username"], people["mine_manager"]["password"])
        yield self.on("home")
        self.press(self.t("duty_lists.menu"))
        yield lambda: self.on("duty_lists")() and len(self.screen.model.unit_names) > 1
        district = next(n for n in self.screen.model.unit_names if n.startswith("一采区"))
        self.screen.ids.unit.text = district
        yield lambda: self.on("duty_lists")() and self.screen.model.unit == district and len(
            self.screen.model.cards) == 3
        self.shot("lists_by_unit_zh")
        gas = next(c for c in self.screen.model.cards if c["title"].startswith("瓦检员"))
        self.screen.controller.select(gas["item_id"])
        yield lambda: self.on("duty_lists")() and "第 1 版 → 第 2 版" in self.screen.model.diff_text
        if "+ 区域: Area 1" not in self.screen.model.diff_text:
            raise StepFailed(self.screen.model.diff_text)
        self.shot("lists_diff_zh")
        app.set_language("en")
        app.navigate("duty_lists")
        yield lambda: self.on("duty_lists")() and len(self.screen.model.cards) == 3
        gas = next(c for c in self.screen.model.cards if c["title"].startswith("瓦检员"))
        self.screen.controller.select(gas["item_id"])
        yield lambda: self.on("duty_lists")() and "Changes from version 1 to 2" in self.screen.model.diff_text
        self.shot("lists_diff_en")
        self.result = {"ok": True, "steps": self.steps, "screenshots": self.taken}

    def menu_entries(self) -> list[dict]:  # type: ignore[type-arg]
        from mobile.ui.registry import menu_for

        return [{"name": s.name} for s in menu_for(self.app.ctx.extras.get("screens", []), self.app.ctx.sessions.user)]


def main() -> int:
    return drive(DutiesDriver)


if __name__ == "__main__":
    sys.exit(main())
