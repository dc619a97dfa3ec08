"""Drives the real app headless through "people in my area" and an alert's live evacuation list.

Run by test_positioning_app.py in a subprocess: python -m tests.mobile.positioning_driver <plan.json>
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

from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive  # noqa: E402


class PositioningDriver(Driver):
    def run(self) -> Iterator[Wait]:
        people = self.plan["people"]
        app = self.app

        self.steps.append("the miner: people in my area, over its limit (zh, en)")
        yield from self.first_sign_in(people["miner"])
        yield self.on("home")
        self.press(self.t("people.menu"))
        yield lambda: self.on("people")() and bool(self.screen.model.names)
        if "3 / 2" not in self.screen.model.count or "超员" not in self.screen.model.count:
            raise StepFailed(f"the count against the limit: {self.screen.model.count!r}")
        self.shot("people_in_my_area_zh")
        app.set_language("en")
        app.navigate("people")
        yield lambda: self.on("people")() and "OVER THE LIMIT" in self.screen.model.count
        self.shot("people_in_my_area_en")
        app.set_language("zh")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.logout()
        yield self.on("login")

        self.steps.append("the safety officer: the alarm's evacuation list, live as a miner reaches the surface")
        self.login(people["safety_officer"]["username"], people["safety_officer"]["password"])
        yield self.on("home")
        app.navigate("alert", alert_id=self.plan["alert_id"])
        yield lambda: self.on("alert")() and "未撤出 4 人" in self.screen.model.evacuation_summary
        self.shot("alert_evacuation_zh")
        self.run_in_thread(self.plan["move_out"])
        yield lambda: self.on("alert")() and "已到安全地点 1 人" in self.screen.model.evacuation_summary
        if "√ miner —" not in self.screen.model.evacuation:
            raise StepFailed(self.screen.model.evacuation)
        self.shot("alert_evacuation_live_zh")
        app.set_language("en")
        app.navigate("alert", alert_id=self.plan["alert_id"])
        yield lambda: self.on("alert")() and "1 safe" in self.screen.model.evacuation_summary
        self.shot("alert_evacuation_en")
        self.result = {"ok": True, "steps": self.steps, "screenshots": self.taken}

    def run_in_thread(self, move: dict) -> None:  # type: ignore[type-arg]
        import threading

        import httpx

        def go() -> None:
            httpx.post(f"{self.plan['server']}/graphql", json=move["body"],
                       headers={"Authorization": f"Bearer {move['token']}"}, timeout=30)

        threading.Thread(target=go, daemon=True).start()


def main() -> int:
    return drive(PositioningDriver)


if __name__ == "__main__":
    sys.exit(main())
