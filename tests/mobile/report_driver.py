"""Drives the real app headless through reporting in a few taps and the officers' evidence, with screenshots.

Run by test_report_app.py in a subprocess: python -m tests.mobile.report_driver <plan.json>
A miner reports by category and quick phrase with two photos picked in one go, marks one up, is taken home
with what happened, follows the report under My reports and sees it move live (zh); a team leader is offered
only level C; the officer triages with the photos full screen, reporter, place and time and a responsible
picker of the area, re-inspects with labelled before/after photos and the note, reads a major hazard's plan in
words, filters and searches the hazard list; the admin is offered neither queue (en).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kivy.core.window import Window
from kivy.uix.popup import Popup

from contracts.hazards import HazardGrade, HazardLevel
from mobile.api.client import ApiClient
from mobile.api.service import MineSafeApi
from mobile.api.session import SessionStore
from mobile.outbox.store import ItemState
from mobile.storage import LocalStore
from mobile.ui.markup import Mark
from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive


class ReportDriver(Driver):
    def other_session(self, who: str) -> MineSafeApi:
        plan = self.plan
        store = LocalStore(Path(plan["data"]).parent / f"{who}.db")
        api = MineSafeApi(ApiClient(server_url=lambda: plan["server"], sessions=SessionStore(store)))
        api.login(username=plan["people"][who]["username"], password=plan["people"][who]["password"])
        return api

    def scroll_to(self, kind: str, index: int = 0) -> None:
        """Scroll the screen's form so that its `index`-th widget of class `kind` shows."""
        from kivy.uix.scrollview import ScrollView

        found = [w for w in self.screen.walk() if type(w).__name__ == kind]
        views = [w for w in self.screen.walk() if isinstance(w, ScrollView) and type(w).__name__ != "ThumbStrip"]
        if found and views:
            views[0].scroll_to(found[index if index < 0 else min(index, len(found) - 1)], padding=20, animate=False)

    def in_chinese(self, name: str, ready: Wait) -> Iterator[Wait]:
        """The same screen in Chinese (a screenshot), then back to English."""
        self.app.set_language("zh")
        yield lambda: not getattr(self.screen.model, "busy", False) and ready()
        self.shot(name)
        self.app.set_language("en")
        yield lambda: not getattr(self.screen.model, "busy", False)

    def popups(self) -> list[Any]:
        return [w for w in Window.children if isinstance(w, Popup)]

    def close_popups(self) -> None:
        for popup in self.popups():
            popup.dismiss()

    def sign_in_as(self, who: str) -> Iterator[Wait]:
        """Sign out, then in as `who` (`yield from` it)."""
        if self.app.ctx.sessions.user is not None:
            self.logout()
        yield self.on("login")
        person = self.plan["people"][who]
        self.login(person["username"], person["password"])

    def run(self) -> Iterator[Wait]:
        plan = self.plan
        app = self.app

        self.steps.append("miner signs in (zh)")
        yield from self.first_sign_in(plan["people"]["miner"])
        yield self.on("home")
        self.shot("home_miner_zh")

        self.steps.append("report by category and quick phrase")
        self.press(self.t("report.menu"))
        yield lambda: self.on("report")() and bool(self.screen.model.categories) and bool(self.screen.model.area_names)
        self.shot("report_categories_zh")
        self.press("顶板")
        yield lambda: bool(self.screen.model.phrases)
        self.press("顶板掉渣")
        yield lambda: self.screen.ids.description.text == "顶板掉渣"
        self.shot("report_category_phrase_zh")

        self.steps.append("two photos in one go, previewed, one marked up")
        chooser = self.screen.pick_photo()
        yield lambda: bool(chooser.chooser.files)
        chooser.chooser.selection = list(plan["photos"][:2])
        yield lambda: True
        self.shot("report_chooser_multiselect_zh")
        self.press(self.t("picker.choose"), root=chooser)
        yield lambda: len(self.screen.model.photos) == 2
        self.scroll_to("ThumbStrip")
        yield lambda: True
        self.shot("report_two_photos_preview_zh")
        editor = self.screen.mark_photo(0)
        yield lambda: bool(self.popups())
        editor.add_mark(Mark("circle", 0.5, 0.5, 0.7, 0.5))
        editor.add_mark(Mark("arrow", 0.1, 0.9, 0.4, 0.6))
        yield lambda: True
        self.shot("report_markup_zh")
        editor.save()
        yield lambda: "marked-" in self.screen.model.photos[0] and not self.popups()
        self.scroll_to("ThumbStrip")
        yield lambda: True
        self.shot("report_marked_photo_zh")

        self.steps.append("send: home says what happened")
        self.press(self.t("report.submit"))
        yield lambda: self.on("home")() and bool(self.screen.model.notice)
        self.shot("home_after_report_zh")
        yield lambda: self.outbox_states() == {ItemState.SENT}

        self.steps.append("my reports, and a live move")
        self.press(self.t("myreports.menu"))
        yield lambda: self.on("myreports")() and len(self.screen.model.rows) >= 2
        self.shot("myreports_zh")
        yield lambda: app.live_connected
        mine_report = next(r for r in self.screen.model.rows if r["line1"] == "顶板掉渣")
        officer = self.other_session("safety_officer")
        done = officer.triage(hazard_id=mine_report["item_id"], grade=HazardGrade.GENERAL, level=HazardLevel.C,
                              responsible_id=plan["people"]["team_leader"]["id"], deadline=None,
                              control_measures="停止作业，敲帮问顶，补打锚杆", treatment_plan=None)
        if done.hazard is None:
            raise StepFailed(f"triage refused: {done.message}")
        yield lambda: bool(self.screen.model.notice) and any(
            r["item_id"] == mine_report["item_id"] and "team leader" in r["line2"] for r in self.screen.model.rows)
        self.shot("myreports_moved_live_zh")
        self.screen.controller.select(plan["closed_hazard_id"])
        yield lambda: self.on("hazard")() and bool(self.screen.model.thumbs)
        self.shot("myreports_closed_with_closing_photo_zh")

        self.steps.append("the same in English: categories and phrases in the mine's English names")
        app.set_language("en")
        app.navigate("report")
        yield lambda: self.on("report")() and any(c["text"] == "Roof and support" for c in self.screen.model.categories)
        self.press("Roof and support")
        yield lambda: any(p["text"] == "Loose coal falling from the roof" for p in self.screen.model.phrases)
        self.shot("report_categories_phrases_en")
        app.navigate("myreports")
        yield lambda: self.on("myreports")() and len(self.screen.model.rows) >= 2
        self.shot("myreports_en")

        self.steps.append("English; the team leader is offered only level C")
        yield from self.sign_in_as("team_leader")
        yield self.on("home")
        yield lambda: bool(self.screen.model.queues_text)
        self.shot("home_team_leader_queues_en")
        self.press(self.t("triage.menu"))
        yield lambda: self.on("triage")() and bool(self.screen.model.rows)
        self.shot("triage_queue_team_leader_en")
        self.screen.controller.select(plan["reported_hazard_id"])
        yield lambda: self.on("triage")() and bool(self.screen.model.people) and self.screen.model.levels == ["C"]
        self.shot("triage_team_leader_level_c_only_en")

        self.steps.append("officer: triage with the evidence")
        yield from self.sign_in_as("safety_officer")
        yield lambda: self.on("home")() and bool(self.screen.model.queues_text)
        self.shot("home_officer_queues_en")
        self.press(self.t("triage.menu"))
        yield lambda: self.on("triage")() and bool(self.screen.model.rows)
        self.screen.controller.select(plan["reported_hazard_id"])
        yield lambda: self.on("triage")() and bool(self.screen.model.people) and bool(self.screen.model.thumbs)
        self.shot("triage_form_evidence_en")
        yield from self.in_chinese("triage_form_evidence_zh", lambda: bool(self.screen.model.facts))
        strip = next(w for w in self.screen.walk() if type(w).__name__ == "ThumbStrip" and w.urls)
        strip._tapped(next(w for w in strip.walk() if type(w).__name__ == "TapImage"))
        yield lambda: bool(self.popups())
        self.settle = 10
        yield lambda: True
        self.shot("triage_photo_full_screen_en")
        self.close_popups()
        yield lambda: not self.popups()

        self.steps.append("officer: re-inspection with before / after and the note")
        app.navigate("reinspect")
        yield lambda: self.on("reinspect")() and bool(self.screen.model.rows)
        self.screen.controller.select(plan["pending_hazard_id"])
        yield lambda: self.on("reinspect")() and len(self.screen.model.photo_labels) >= 2
        self.shot("reinspect_before_after_en")
        yield from self.in_chinese("reinspect_before_after_zh", lambda: "整改说明" in self.screen.model.facts)

        self.steps.append("a major hazard's plan in words")
        app.navigate("hazard", hazard_id=plan["major_hazard_id"])
        yield lambda: self.on("hazard")() and "Contingency plan" in self.screen.model.facts
        self.shot("hazard_major_plan_in_words_en")
        yield from self.in_chinese("hazard_major_plan_in_words_zh", lambda: "应急预案" in self.screen.model.facts)

        self.steps.append("the hazard list filtered and searched")
        app.navigate("hazards")
        yield lambda: self.on("hazards")() and len(self.screen.model.rows) >= 4
        self.shot("hazards_all_en")
        self.screen.ids.search.text = "bolt"
        self.screen.apply()
        yield lambda: not self.screen.model.busy and len(self.screen.model.rows) == 1
        self.shot("hazards_search_en")
        self.screen.ids.search.text = ""
        self.screen.ids.state.text = self.t("state.PENDING_REVIEW")
        yield lambda: not self.screen.model.busy and len(self.screen.model.rows) == 1
        self.shot("hazards_filter_state_en")
        yield from self.in_chinese("hazards_filter_zh", lambda: not self.screen.model.busy)

        self.steps.append("the admin is offered neither queue")
        yield from self.sign_in_as("admin")
        yield self.on("home")
        names = [e["name"] for e in self.screen.model.entries]
        if "triage" in names or "reinspect" in names:
            raise StepFailed(f"admin offered {names}")
        self.shot("home_admin_en")
        app.navigate("hazard", hazard_id=plan["reported_hazard_id"])
        yield lambda: self.on("hazard")() and bool(self.screen.model.facts)
        actions = [a["action"] for a in self.screen.model.actions]
        if actions != ["trace"]:
            raise StepFailed(f"admin offered {actions}")
        self.shot("hazard_admin_no_steps_en")
        self.result = {"ok": True}


def main() -> int:
    return drive(ReportDriver)


if __name__ == "__main__":
    sys.exit(main())
