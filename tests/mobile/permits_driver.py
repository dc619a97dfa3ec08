"""Drives the real app headless through work permits: the team leader applies, a safety officer approves, the
guardian watches a live permit that methane stops.

Run by test_permits_app.py in a subprocess: python -m tests.mobile.permits_driver <plan.json>
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive


class PermitsDriver(Driver):
    def run(self) -> Iterator[Wait]:
        people, plan, app = self.plan["people"], self.plan, self.app

        self.steps.append("the team leader applies for hot work (zh)")
        yield from self.first_sign_in(people["team_leader"])
        yield self.on("home")
        self.press(self.t("permits.menu"))
        yield lambda: self.on("permits")() and len(self.screen.model.cards) >= 2
        self.shot("permits_list_team_leader_zh")
        self.press(self.t("permits.apply"))
        yield lambda: self.on("permit_apply")() and bool(self.screen.model.kind_names)
        ids = self.screen.ids
        ids.kind.text = "动火作业"
        yield lambda: self.screen.model.kind == "动火作业"
        ids.grade.text = "一级"
        ids.area.text = "Area 0"
        ids.leader.text = "team leader"
        ids.guardian.text = "mentor"
        ids.crew.text = "miner"
        ids.crew.text = "miner2"
        ids.hours.text = "3"
        ids.description.text = "3101 工作面液压支架焊接 Welding a support canopy at the 3101 face"
        yield lambda: "miner2" in self.screen.model.crew_text
        self.shot("permit_apply_filled_zh")
        ids.hours.text = "12"
        self.screen.submit()
        yield lambda: "8" in self.screen.model.error
        self.shot("permit_apply_too_long_zh")
        ids.hours.text = "3"
        self.screen.submit()
        yield lambda: self.on("permit")() and bool(self.screen.model.state)
        if self.screen.model.state != "APPLIED":
            raise StepFailed(self.screen.model.state)
        self.shot("permit_applied_zh")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.logout()
        yield self.on("login")

        self.steps.append("a safety officer approves (en)")
        app.set_language("en")
        self.login(people["safety_officer"]["username"], people["safety_officer"]["password"])
        yield self.on("home")
        app.navigate("permit", permit_id=plan["waiting"])
        yield lambda: self.on("permit")() and bool(self.screen.model.actions)
        self.shot("permit_to_approve_en")
        self.press("Approve as safety officer")
        yield lambda: self.on("permit")() and self.screen.model.notice == "Approval recorded."
        self.shot("permit_approved_by_officer_en")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.logout()
        yield self.on("login")

        self.steps.append("the guardian's view of a live permit; methane stops it (en, zh)")
        self.login(people["mentor"]["username"], people["mentor"]["password"])
        yield self.on("home")
        app.navigate("permit", permit_id=plan["live"])
        yield lambda: self.on("permit")() and self.screen.model.state == "ACTIVE"
        self.shot("guardian_live_permit_en")
        (Path(plan["flag_dir"]) / "trip").write_text("1")
        yield lambda: (Path(plan["flag_dir"]) / "tripped").exists()
        self.screen.controller.reload()
        yield lambda: self.on("permit")() and self.screen.model.state == "SUSPENDED"
        self.shot("guardian_permit_suspended_en")
        self.press("Resume the work")
        yield lambda: self.on("permit")() and "fresh gas test" in self.screen.model.error
        self.shot("guardian_resume_refused_en")
        app.set_language("zh")
        app.navigate("permit", permit_id=plan["live"])
        yield lambda: self.on("permit")() and self.screen.model.state_text == "已暂停"
        self.shot("guardian_permit_suspended_zh")
        app.navigate("permits")
        yield lambda: self.on("permits")() and bool(self.screen.model.cards)
        self.shot("permits_list_guardian_zh")
        self.result = {"ok": True, "steps": self.steps, "screenshots": self.taken}


def main() -> int:
    return drive(PermitsDriver)


if __name__ == "__main__":
    sys.exit(main())
