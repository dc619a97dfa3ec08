"""Drives the real app headless through every flow, saving a screenshot of every screen.

Run by test_app_headless.py in a subprocess (one Kivy window per process):
    python -m tests.mobile.ui_driver <plan.json>
The plan names the server, the data folder, the screenshot folder and the people to sign in as.
Exit status 0 when every step passed; the last line of stdout is a JSON summary.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config

Config.set("graphics", "width", "540")
Config.set("graphics", "height", "960")
Config.set("kivy", "exit_on_escape", "0")

from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.uix.button import Button  # noqa: E402

from contracts.hazards import HazardGrade, HazardLevel  # noqa: E402
from mobile.api.client import ApiClient  # noqa: E402
from mobile.api.service import MineSafeApi  # noqa: E402
from mobile.api.session import SessionStore  # noqa: E402
from mobile.app import MineSafeApp  # noqa: E402
from mobile.outbox.store import ItemState  # noqa: E402
from mobile.storage import LocalStore  # noqa: E402

Wait = Callable[[], bool]
STEP_TIMEOUT_S = 40.0


class StepFailed(AssertionError):
    pass


class Driver:
    def __init__(self, app: MineSafeApp, plan: dict[str, Any]) -> None:
        self.app = app
        self.plan = plan
        self.shots = Path(plan["shots"])
        self.shots.mkdir(parents=True, exist_ok=True)
        self.taken: list[str] = []
        self.steps: list[str] = []
        self.script = self.run()
        self.waiting: Wait | None = None
        self.deadline = 0.0
        self.settle = 0
        self.result: dict[str, Any] = {"ok": False}

    # -- helpers -----------------------------------------------------------------------------

    @property
    def screen(self) -> Any:
        return self.app.root.current_screen

    def press(self, text: str, root: Any = None) -> None:
        """Press the enabled button whose label is `text` (as a gloved thumb would)."""
        roots = [root] if root is not None else list(Window.children)
        for top in roots:
            for widget in top.walk(restrict=False):
                if isinstance(widget, Button) and widget.text == text and not widget.disabled:
                    widget.dispatch("on_press")
                    widget.dispatch("on_release")
                    return
        raise StepFailed(f"no enabled button {text!r} on {self.screen.name}")

    def t(self, key: str, **fmt: Any) -> str:
        return self.app.tr(key, **fmt)

    def shot(self, name: str) -> str:
        path = self.shots / f"{len(self.taken) + 1:02d}_{name}.png"
        written = Window.screenshot(name=str(path))
        os.replace(written, path)
        self.taken.append(path.name)
        return str(path)

    def on(self, name: str) -> Wait:
        return lambda: self.app.root.current == name and not getattr(self.screen.model, "busy", False)

    # -- the script (a generator: each yield waits for a condition) ------------------------

    def run(self) -> Iterator[Wait]:
        plan = self.plan
        people = plan["people"]
        app = self.app

        self.steps.append("first run: server address")
        yield self.on("server")
        self.shot("server_first_run_zh")
        self.screen.ids.address.text = "not a url ::"
        self.press(self.t("server.continue"))
        yield lambda: bool(self.screen.model.error)
        self.shot("server_invalid_zh")
        self.screen.ids.address.text = plan["server"]
        self.press(self.t("server.continue"))
        yield self.on("login")
        self.shot("login_zh")

        self.steps.append("wrong password, then sign in as miner")
        self.login(people["miner"]["username"], "wrong password")
        yield lambda: bool(self.screen.model.error) and not self.screen.model.busy
        self.shot("login_refused_zh")
        self.login(people["miner"]["username"], people["miner"]["password"])
        yield self.on("home")
        self.shot("home_miner_zh")

        self.steps.append("report a hazard with two photos")
        self.press(self.t("report.menu"))
        yield lambda: self.on("report")() and bool(self.screen.model.area_names)
        popup = self.screen.pick_photo()
        yield lambda: bool(popup.chooser.files)
        self.shot("photo_chooser_zh")
        popup.dismiss()
        for photo in plan["photos"]:
            self.screen.controller.add_photo(photo)
        self.screen.ids.area.text = plan["area"]
        self.screen.ids.description.text = "皮带机尾护罩缺失 / belt tail guard missing"
        self.screen.ids.location.text = "3号皮带机尾"
        self.screen.controller.set_grade("MAJOR")
        yield lambda: True
        self.shot("report_filled_zh")
        app.ctx.worker.stop()            # no network for a moment: the report waits in the outbox
        self.press(self.t("report.submit"))
        yield lambda: self.on("home")() and bool(self.screen.model.notice)     # home says what happened
        self.shot("home_report_saved_zh")
        app.navigate("outbox")
        yield self.on("outbox")
        self.shot("outbox_queued_zh")

        self.steps.append("a photo the server refuses")
        app.navigate("report")
        yield self.on("report")
        self.screen.controller.add_photo(plan["broken_photo"])
        self.screen.ids.area.text = plan["area"]
        self.screen.ids.description.text = "照片损坏的上报"
        self.press(self.t("report.submit"))
        yield self.on("home")
        app.navigate("outbox")
        yield self.on("outbox")
        app.ctx.worker.start()           # the network is back
        yield lambda: self.outbox_states() == {ItemState.SENT, ItemState.REJECTED}
        self.screen.controller.refresh()
        yield lambda: True
        self.shot("outbox_sent_and_rejected_zh")
        rejected = next(r for r in self.screen.model.rows if r["alert"])
        self.screen.controller.select(rejected["item_id"])
        yield lambda: "photo" in self.screen.model.detail
        self.shot("outbox_rejection_reason_zh")

        self.steps.append("language switch to English")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.press(self.t("settings.title"))
        yield self.on("settings")
        self.press(self.t("lang.toggle"))
        yield lambda: app.lang == "en"
        self.shot("settings_en")
        self.press("Sign out")
        yield self.on("login")
        self.shot("login_en")

        self.steps.append("safety officer triages")
        self.login(people["safety_officer"]["username"], people["safety_officer"]["password"])
        yield self.on("home")
        self.shot("home_safety_officer_en")
        self.press(self.t("triage.menu"))
        yield lambda: self.on("triage")() and bool(self.screen.model.rows)
        self.shot("triage_queue_en")
        self.screen.controller.select(self.screen.model.rows[0]["item_id"])
        yield lambda: self.on("triage")() and bool(self.screen.model.people)
        self.shot("triage_form_major_en")
        self.screen.controller.set_grade("GENERAL")
        self.screen.controller.set_level("B")
        self.screen.ids.responsible.text = "team leader"
        self.screen.ids.measures.text = "Fit the guard; stop the belt until fitted."
        yield lambda: True
        self.shot("triage_form_general_en")
        self.press(self.t("triage.submit"))
        yield lambda: self.on("triage")() and not self.screen.model.hazard_id
        self.shot("triage_done_en")
        self.logout()
        yield self.on("login")

        self.steps.append("team leader: my work, live update, accept, rectify")
        self.login(people["team_leader"]["username"], people["team_leader"]["password"])
        yield self.on("home")
        yield lambda: app.live_connected
        self.press(self.t("mywork.menu"))
        yield lambda: self.on("mywork")() and len(self.screen.model.rows) == 1
        self.shot("mywork_en")
        # a change made elsewhere: another officer triages a second hazard to the team leader
        self.elsewhere_triage()
        yield lambda: len(self.screen.model.rows) == 2
        self.shot("mywork_live_update_en")
        first = self.plan_hazard_id = self.screen.model.rows[-1]["item_id"]
        self.screen.controller.select(first)
        yield lambda: self.on("hazard")() and bool(self.screen.model.actions)
        self.shot("hazard_assigned_en")
        self.press(self.t("hazard.accept"))
        yield lambda: [a["action"] for a in self.screen.model.actions] == ["rectify"]
        self.shot("hazard_accepted_en")
        self.press(self.t("hazard.rectify"))
        yield self.on("rectify")
        self.screen.controller.add_photo(plan["photos"][0])
        self.screen.ids.note.text = "Guard fitted and bolted."
        yield lambda: True
        self.shot("rectify_en")
        self.press(self.t("rectify.submit"))
        yield lambda: self.on("outbox")() and self.outbox_states() == {ItemState.SENT}
        self.screen.controller.refresh()
        yield lambda: True
        self.shot("outbox_rectification_sent_en")
        self.logout()
        yield self.on("login")

        self.steps.append("second safety officer re-inspects (Chinese)")
        app.set_language("zh")
        self.login(people["safety_officer2"]["username"], people["safety_officer2"]["password"])
        yield self.on("home")
        self.press(self.t("reinspect.menu"))
        yield lambda: self.on("reinspect")() and bool(self.screen.model.rows)
        self.shot("reinspect_queue_zh")
        self.screen.controller.select(first)
        yield lambda: self.on("reinspect")() and bool(self.screen.model.facts)
        self.shot("reinspect_form_zh")
        self.press(self.t("reinspect.pass"))
        yield lambda: self.on("reinspect")() and not self.screen.model.hazard_id
        self.logout()
        yield self.on("login")

        self.steps.append("mine manager reads the traceability timeline")
        self.login(people["mine_manager"]["username"], people["mine_manager"]["password"])
        yield self.on("home")
        self.shot("home_mine_manager_zh")
        self.press(self.t("hazards.menu"))
        yield lambda: self.on("hazards")() and bool(self.screen.model.rows)
        self.shot("hazards_all_zh")
        self.screen.controller.select(first)
        yield lambda: self.on("hazard")() and bool(self.screen.model.actions)
        self.shot("hazard_closed_zh")
        self.press(self.t("hazard.trace"))
        yield lambda: self.on("trace")() and len(self.screen.model.entries) >= 5
        self.shot("trace_zh")
        self.result = {"ok": True, "hazard_id": first, "user": app.ctx.sessions.user.username}

    def first_sign_in(self, person: dict[str, str]) -> Iterator[Wait]:
        """First run: the server address from the plan, then sign in as `person` (`yield from` it)."""
        yield self.on("server")
        self.screen.ids.address.text = self.plan["server"]
        self.press(self.t("server.continue"))
        yield self.on("login")
        self.login(person["username"], person["password"])

    def login(self, username: str, password: str) -> None:
        self.screen.ids.username.text = username
        self.screen.ids.password.text = password
        self.press(self.t("login.submit"))

    def logout(self) -> None:
        self.app.navigate("settings")
        self.press(self.t("settings.logout"))

    def outbox_states(self) -> set[ItemState]:
        user = self.app.ctx.sessions.user
        return {i.state for i in self.app.ctx.outbox.items(owner_id=user.id)} if user else set()

    def elsewhere_triage(self) -> None:
        """Another officer's phone (own session) reports and triages a hazard to the team leader."""
        plan = self.plan
        store = LocalStore(Path(plan["data"]).parent / "elsewhere.db")
        api = MineSafeApi(ApiClient(server_url=lambda: plan["server"], sessions=SessionStore(store)))
        hazard_id = plan["second_hazard_id"]
        api.login(username=plan["people"]["safety_officer"]["username"],
                  password=plan["people"]["safety_officer"]["password"])
        result = api.triage(hazard_id=hazard_id, grade=HazardGrade.GENERAL, level=HazardLevel.C,
                            responsible_id=plan["people"]["team_leader"]["id"], deadline=None,
                            control_measures="Clear the spill.", treatment_plan=None)
        if result.hazard is None:
            raise StepFailed(f"elsewhere triage refused: {result.message}")

    # -- the pump ----------------------------------------------------------------------------

    def tick(self, _dt: float) -> None:
        try:
            if self.waiting is not None:
                if not self.waiting():
                    if time.monotonic() > self.deadline:
                        raise StepFailed(f"timed out on step {self.steps[-1]!r} (screen {self.screen.name}, "
                                         f"error {getattr(self.screen.model, 'error', '')!r})")
                    return
                self.waiting = None
                self.settle = 3
            if self.settle:
                self.settle -= 1   # let a few frames draw before the next action or screenshot
                return
            self.waiting = next(self.script)
            self.deadline = time.monotonic() + STEP_TIMEOUT_S
        except StopIteration:
            self.finish()
        except Exception as error:
            self.shot("failure")
            self.result = {"ok": False, "error": f"{type(error).__name__}: {error}",
                           "trace": traceback.format_exc()}
            self.finish()

    def finish(self) -> None:
        self.result.update(steps=self.steps, screenshots=self.taken)
        Clock.unschedule(self.tick)
        self.app.stop()


def drive(driver_class: type[Driver]) -> int:
    """Run the app with a driver over the plan named on the command line; the summary is stdout's last line."""
    for noisy in ("httpx", "httpcore", "PIL", "websockets", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    plan = json.loads(Path(sys.argv[1]).read_text())
    os.environ["MINESAFE_MOBILE_DATA"] = plan["data"]
    if plan.get("photos"):
        os.environ["MINESAFE_PICTURES"] = str(Path(plan["photos"][0]).parent)
    app = MineSafeApp()
    driver = driver_class(app, plan)
    Clock.schedule_interval(driver.tick, 0.05)
    app.run()
    print(json.dumps(driver.result, ensure_ascii=False))
    return 0 if driver.result.get("ok") else 1


def main() -> int:
    return drive(Driver)


if __name__ == "__main__":
    sys.exit(main())
