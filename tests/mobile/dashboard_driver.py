"""Drives the real app headless through the manager's dashboard, saving a screenshot of each step (zh and en).

Run by test_dashboard_app.py in a subprocess: python -m tests.mobile.dashboard_driver <plan.json>
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config

Config.set("graphics", "width", "540")
Config.set("graphics", "height", "960")
Config.set("kivy", "exit_on_escape", "0")

from tests.mobile.ui_driver import Driver, Wait, drive  # noqa: E402


class DashboardDriver(Driver):
    def dashboard(self) -> Wait:
        return lambda: self.on("dashboard")() and len(self.screen.model.tiles) == 8

    def scroll(self, fraction: float) -> None:
        from kivy.uix.scrollview import ScrollView

        for widget in self.screen.walk():
            if isinstance(widget, ScrollView):
                widget.scroll_y = fraction
                return

    def run(self) -> Iterator[Wait]:
        plan = self.plan
        people = plan["people"]
        app = self.app

        self.steps.append("the mine manager opens the dashboard")
        yield from self.first_sign_in(people["mine_manager"])
        yield self.on("home")
        self.shot("home_mine_manager_zh")
        self.press(self.t("dashboard.menu"))
        yield self.dashboard()
        tiles = {t["code"]: t for t in self.screen.model.tiles}
        if len(tiles["close_out"]["values"]) != 6 or tiles["overdue"]["value"] in ("—", "0"):
            raise AssertionError(f"unexpected tiles: {tiles}")
        self.shot("dashboard_tiles_zh")
        self.scroll(0.0)
        yield lambda: True
        if not self.screen.model.ranking or not self.screen.model.overdue:
            raise AssertionError("no ranking or no overdue rows")
        self.shot("dashboard_ranking_overdue_zh")

        self.steps.append("drill down from the overdue tile to the hazards, then one hazard's traceability")
        self.scroll(1.0)
        self.screen.controller.open_tile("overdue")
        yield lambda: self.on("kpi_hazards")() and bool(self.screen.model.rows)
        self.shot("drill_overdue_zh")
        first = self.screen.model.rows[0]["item_id"]
        self.screen.controller.select(first)
        yield lambda: self.on("trace")() and len(self.screen.model.entries) >= 3
        self.shot("trace_from_dashboard_zh")
        app.back()
        yield self.on("kpi_hazards")
        app.back()
        yield self.dashboard()

        self.steps.append("a figure that is not about hazards says so")
        self.screen.controller.open_tile("sensor_online")
        yield lambda: bool(self.screen.model.notice)
        self.shot("dashboard_not_hazards_zh")

        self.steps.append("reports: make this month's PDF, open it (its signed URL)")
        opened: list[str] = []
        app.ctx.extras["open_url"] = opened.append
        app.navigate("reports")
        yield lambda: self.on("reports")() and bool(self.screen.model.empty_text)
        self.shot("reports_empty_zh")
        self.press(self.t("reports.generate"))
        yield lambda: self.on("reports")() and len(self.screen.model.rows) == 1
        self.shot("reports_generated_zh")
        self.screen.controller.select(self.screen.model.rows[0]["item_id"])
        yield lambda: bool(opened)
        import httpx

        pdf = httpx.get(opened[0], timeout=30)
        if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
            raise AssertionError(f"the report URL gave {pdf.status_code} {pdf.content[:20]!r}")
        self.shot("reports_opened_zh")
        app.back()
        yield self.dashboard()

        self.steps.append("English: the ranking drills into a team's hazards")
        app.set_language("en")
        self.screen.controller.refresh()
        yield lambda: self.dashboard()() and self.screen.model.ranking_title.startswith("Team ranking")
        self.shot("dashboard_tiles_en")
        self.scroll(0.0)
        yield lambda: True
        self.shot("dashboard_ranking_overdue_en")
        row = self.screen.model.ranking[0]
        self.screen.controller.open_team(row["unit_id"], row["name"])
        yield lambda: self.on("kpi_hazards")() and bool(self.screen.model.rows)
        self.shot("drill_team_en")
        app.back()
        yield self.dashboard()
        area = self.screen.model.overdue[0]
        self.screen.controller.open_area(area["unit_id"], area["name"])
        yield lambda: self.on("kpi_hazards")() and bool(self.screen.model.rows)
        self.shot("drill_area_overdue_en")
        self.logout()
        yield self.on("login")

        self.steps.append("the area manager sees their own area")
        self.login(people["area_manager"]["username"], people["area_manager"]["password"])
        yield self.on("home")
        self.press(self.t("dashboard.menu"))
        yield lambda: self.dashboard()() and plan["area_name"] in self.screen.model.scope
        self.shot("dashboard_area_manager_en")
        self.logout()
        yield self.on("login")

        self.steps.append("a miner has no dashboard")
        self.login(people["miner"]["username"], people["miner"]["password"])
        yield self.on("home")
        if any(e["name"] == "dashboard" for e in self.screen.model.entries):
            raise AssertionError("a miner was offered the dashboard")
        self.shot("home_miner_en")
        self.result = {"ok": True}


def main() -> int:
    return drive(DashboardDriver)


if __name__ == "__main__":
    sys.exit(main())
