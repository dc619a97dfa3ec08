"""Drives the real app headless through the training screens, saving a screenshot of each.

Run by test_training_app.py in a subprocess: python -m tests.mobile.training_driver <plan.json>
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config

Config.set("graphics", "width", "540")
Config.set("graphics", "height", "960")
Config.set("kivy", "exit_on_escape", "0")


from tests.mobile.training_setup import QUESTIONS  # noqa: E402
from tests.mobile.ui_driver import Driver, Wait, drive  # noqa: E402

RIGHT = {text: correct for _, text, _, correct in QUESTIONS}
DEAD_SERVER = "http://127.0.0.1:9"


class TrainingDriver(Driver):
    def training(self) -> Wait:
        return lambda: self.on("training")() and not self.screen.model.busy

    def mode(self, name: str) -> Wait:
        return lambda: self.training()() and self.screen.model.mode == name

    def run(self) -> Iterator[Wait]:
        plan = self.plan
        people = plan["people"]
        app = self.app

        self.steps.append("sign in as the apprentice")
        yield self.on("server")
        self.screen.ids.address.text = plan["server"]
        self.press(self.t("server.continue"))
        yield self.on("login")
        self.login(people["miner"]["username"], people["miner"]["password"])
        yield self.on("home")
        self.shot("home_with_training_zh")

        self.steps.append("my training: hours, assignments, catalogue")
        self.press(self.t("training.menu"))
        yield lambda: self.mode("list")() and len(self.screen.model.rows) >= 2
        self.shot("training_list_zh")
        controller = self.screen.controller

        self.steps.append("a course and its lessons")
        controller.select(f"course:{plan['course']}")
        yield lambda: self.mode("course")() and len(self.screen.model.rows) == 3
        self.shot("course_lessons_zh")
        controller.select(self.screen.model.rows[0]["item_id"])
        yield lambda: self.mode("lesson")() and bool(self.screen.model.lesson_rule)
        self.shot("lesson_text_minimum_time_zh")
        self.press(self.t("training.mark_done"))        # at once: too early for the server
        yield lambda: bool(self.screen.model.error)
        self.shot("lesson_finished_too_early_zh")
        yield from self.finish_when_counted(0)
        controller.select(self.screen.model.rows[1]["item_id"])
        yield self.mode("lesson")
        yield lambda: any(w.__class__.__name__ == "AsyncImage" and w.texture is not None
                          and w.texture.size[0] > 100 for w in self.screen.walk())
        self.shot("lesson_picture_zh")
        yield from self.finish_when_counted(1)
        self.shot("course_progress_zh")

        self.steps.append("the exam: countdown from the server, answers saved as they go")
        controller.back()
        yield self.mode("list")
        controller.select(f"exam:{plan['exam']}")
        yield lambda: self.mode("intro")() and bool(self.screen.model.intro_action)
        self.shot("exam_intro_zh")
        self.press(self.t("training.start_exam"))
        yield lambda: self.mode("exam")() and bool(self.screen.model.countdown)
        self.shot("exam_first_question_zh")
        self.answer_current(right=True)
        yield lambda: not controller.pending and not controller.sending
        controller.move(1)
        yield lambda: True
        self.shot("exam_answered_one_zh")

        self.steps.append("the connection drops: answers wait on the phone")
        app.ctx.settings.server_url = DEAD_SERVER
        for _ in range(2):
            self.answer_current(right=True)
            controller.move(1)
        yield lambda: self.screen.model.offline and len(controller.pending) == 2
        self.shot("exam_offline_answers_kept_zh")

        self.steps.append("the connection is back: leave and come back, the attempt resumes")
        app.ctx.settings.server_url = plan["server"]
        controller.back()
        yield self.mode("list")
        controller.select(f"exam:{plan['exam']}")
        yield lambda: self.mode("intro")() and self.screen.model.intro_action == self.t("training.continue_exam")
        self.shot("exam_intro_continue_zh")
        self.press(self.t("training.continue_exam"))
        yield lambda: self.mode("exam")() and not controller.pending and not controller.sending \
            and len(controller.shown) == 3
        self.shot("exam_resumed_all_saved_zh")
        self.press(self.t("training.submit"))           # two questions left: it asks first
        yield self.mode("confirm")
        self.shot("exam_confirm_unanswered_zh")
        self.press(self.t("training.keep_answering"))
        yield self.mode("exam")
        while len(controller.shown) < len(controller.attempt["questions"]):
            controller.index = next(i for i, q in enumerate(controller.attempt["questions"])
                                    if q["id"] not in controller.shown)
            self.answer_current(right=controller.index != 4)
        yield lambda: not controller.pending and not controller.sending
        self.shot("exam_last_question_zh")

        self.steps.append("hand in: the result with the review")
        self.press(self.t("training.submit"))
        yield lambda: self.mode("result")()
        self.shot("exam_result_zh")

        self.steps.append("switch to English, sign in as the mentor")
        app.navigate("home", reset=True)
        yield self.on("home")
        self.press(self.t("settings.title"))
        yield self.on("settings")
        self.press(self.t("lang.toggle"))
        yield lambda: app.lang == "en"
        self.logout()
        yield self.on("login")
        self.login(people["mentor"]["username"], people["mentor"]["password"])
        yield self.on("home")
        self.press(self.t("training.menu"))
        yield self.mode("list")
        self.shot("mentor_training_list_en")
        self.press(self.t("training.mentor_button"))
        yield lambda: self.mode("mentor")() and len(self.screen.model.rows) == 1
        self.shot("mentor_apprentices_en")
        self.screen.controller.select(self.screen.model.rows[0]["item_id"])
        yield self.mode("assign")
        self.screen.ids.days.text = "3"
        exam_label = next(c for c in self.screen.model.courses if c.startswith("Exam: "))
        self.screen.ids.course.text = exam_label
        yield lambda: True
        self.shot("mentor_assign_exam_with_results_en")
        self.press(self.t("training.assign"))
        yield lambda: self.mode("mentor")() and bool(self.screen.model.notice)
        self.shot("mentor_assigned_exam_en")

        self.steps.append("the second assessment after the supervised months")
        self.screen.controller.select(self.screen.model.rows[0]["item_id"])
        yield lambda: self.mode("assign")() and self.screen.model.may_assess
        self.screen.ids.assess_note.text = "独立操作规范 works safely alone"
        yield lambda: True
        self.shot("mentor_second_assessment_en")
        self.press(self.t("training.assess_pass"))
        yield lambda: self.mode("mentor")() and "second assessment" in self.screen.model.notice
        self.shot("mentor_assessed_en")
        self.result = {"ok": True}

    def finish_when_counted(self, row: int) -> Iterator[Wait]:
        """Press "finished" until the server counts the lesson (its minimum time has passed)."""
        while True:
            self.screen.model.error = ""
            self.press(self.t("training.mark_done"))
            yield lambda: self.mode("course")() or bool(self.screen.model.error)
            if self.mode("course")():
                break
            until = time.monotonic() + 1.0
            yield lambda until=until: time.monotonic() > until
        yield lambda: self.screen.model.rows[row]["line3"] == self.t("training.lesson_done")

    def answer_current(self, *, right: bool) -> None:
        controller = self.screen.controller
        question = controller.attempt["questions"][controller.index]
        correct = RIGHT[question["text"]]
        picks = correct if right else [next(i for i in range(len(question["options"])) if i not in correct)]
        for option in picks:
            controller.choose(option)


def main() -> int:
    return drive(TrainingDriver)


if __name__ == "__main__":
    sys.exit(main())
