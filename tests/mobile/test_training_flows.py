"""The training screen's controller against a live backend: lessons, an exam through a lost connection
and an app restart, results, and a mentor assigning (InlineRunner; no window)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mobile.screens.training import logic
from mobile.screens.training.controller import TrainingController
from mobile.screens.training.model import TrainingModel
from tests.conftest import MineFixture
from tests.mobile.conftest import Phone, make_phone
from tests.mobile.training_setup import QUESTIONS, set_up

RIGHT = {text: correct for _, text, _, correct in QUESTIONS}


def controller(phone: Phone) -> TrainingController:
    return TrainingController(model=TrainingModel(), ctx=phone.ctx)


def answer_right(c: TrainingController) -> None:
    assert c.attempt is not None
    for index, question in enumerate(c.attempt["questions"]):
        c.index = index
        current = set(c.shown[question["id"]].chosen) if question["id"] in c.shown else set()
        for option in sorted(current ^ set(RIGHT[question["text"]])):   # a tap toggles a multiple-choice option
            c.choose(option)


def test_lessons_count_toward_hours_and_the_assigned_course_completes(live_server: Any, mine: MineFixture,
                                                                       phone: Phone, monkeypatch: Any) -> None:
    ids = set_up(live_server.url, mine)
    phone.login(mine, "miner")
    c = controller(phone)
    c.on_enter()
    assert c.model.mode == "list" and not c.model.error
    titles = [r["line1"] for r in c.model.rows]
    assert titles[:2] == ["入井安全须知 Going underground", "瓦斯防治考试 Gas exam"]
    assert "Induction 0/72 h" in c.model.summary and "Apprentice of mentor, supervised until" in c.model.summary
    c.select(f"course:{ids['course']}")
    assert c.model.mode == "course" and len(c.model.rows) == 3
    rows = list(c.model.rows)
    c.select(rows[0]["item_id"])                 # opening a lesson starts the server's clock for it
    assert c.model.mode == "lesson" and "after 20 min" in c.model.lesson_rule
    c.finish_lesson()                            # at once: the server refuses, the app says how long to go
    assert c.model.mode == "lesson" and "about 20 more min" in c.model.error
    for row in rows[1:]:
        c.select(row["item_id"])
        c.back()
    # an hour later on the server's clock (the live server runs in this process)
    from backend.training.courses import flows as training_flows

    real = training_flows.utcnow
    monkeypatch.setattr(training_flows, "utcnow", lambda: real() + timedelta(hours=1))
    for row in rows:
        c.select(row["item_id"])
        assert c.model.mode == "lesson"
        c.error = ""
        c.finish_lesson()
    assert c.model.mode == "course" and all(r["line3"] == "Done" for r in c.model.rows)
    assert "6 of 6 class hours" in c.model.summary
    c.back()
    assert "Induction 6/72 h" in c.model.summary
    assert [r["line1"] for r in c.model.rows if r["item_id"] == f"course:{ids['course']}"] == [
        "入井安全须知 Going underground"]      # no longer assigned, still in the catalogue


def test_an_exam_survives_a_lost_connection_and_a_restart_then_grades_once(flaky: Any, mine: MineFixture,
                                                                           flaky_phone: Phone,
                                                                           tmp_path: Path) -> None:
    ids = set_up(flaky.direct_url, mine)
    flaky_phone.login(mine, "miner")
    c = controller(flaky_phone)
    c.start_exam(ids["exam"])
    assert c.model.mode == "exam" and len(c.attempt["questions"]) == 5
    minutes, seconds = (int(part) for part in c.model.countdown.split(":"))
    assert 15 <= minutes <= 20 and 0 <= seconds < 60 and not c.model.urgent     # a 20-minute exam just begun
    c.index = 0
    c.choose(RIGHT[c.attempt["questions"][0]["text"]][0])
    assert c.pending == {} and "All answers saved" in c.model.sync

    flaky.proxy.down = True                      # underground, out of coverage
    for index in (1, 2):
        c.index = index
        for option in RIGHT[c.attempt["questions"][index]["text"]]:
            c.choose(option)
    assert c.model.offline and len(c.pending) == 2 and "No connection" in c.model.sync
    attempt_id = c.attempt["id"]
    # the phone restarts while still offline: the waiting answers are on disk
    kept = logic.load_pending(flaky_phone.ctx.store.get(f"training.pending.{attempt_id}"))
    assert set(kept) == {c.attempt["questions"][1]["id"], c.attempt["questions"][2]["id"]}

    flaky.proxy.down = False                     # back in coverage, a fresh controller resumes
    again = controller(flaky_phone)
    again.start_exam(ids["exam"])
    assert again.attempt["id"] == attempt_id and again.pending == {}
    assert len(again.shown) == 3 and "All answers saved" in again.model.sync
    answer_right(again)
    again.submit()
    assert again.model.mode == "result" and "100" in again.model.body and "PASSED" in again.model.body
    assert all(not r["alert"] for r in again.model.rows) and len(again.model.rows) == 5
    third = controller(flaky_phone)
    third.start_exam(ids["exam"])                # passed: no retake
    assert "already passed" in third.model.error


def test_a_mentor_follows_and_assigns_to_apprentices(live_server: Any, mine: MineFixture, tmp_path: Path) -> None:
    set_up(live_server.url, mine)
    mentor_phone = make_phone(tmp_path / "mentor", live_server.url)
    mentor_phone.login(mine, "mentor")
    mentor_phone.ctx.tr.language = "en"
    c = controller(mentor_phone)
    c.on_enter(mode="mentor")
    assert c.model.mode == "mentor" and [r["line1"] for r in c.model.rows] == ["miner"]
    assert "2 open · 0 overdue" in c.model.rows[0]["line3"]
    c.select(c.model.rows[0]["item_id"])
    assert c.model.mode == "assign" and c.model.body == "miner"
    c.assign(person_name="miner", course_title="入井安全须知 Going underground", days_text="0")
    assert "1 to 365" in c.model.error
    c.assign(person_name="miner", course_title="Course: 入井安全须知 Going underground", days_text="3")
    assert c.model.mode == "mentor" and "assigned to miner" in c.model.notice
    assert "3 open" in c.model.rows[0]["line3"]
    c.select(c.model.rows[0]["item_id"])
    assert "Exam: 瓦斯防治考试 Gas exam" in c.model.courses           # exams as well as courses
    c.assign(person_name="miner", course_title="Exam: 瓦斯防治考试 Gas exam", days_text="2")
    assert "瓦斯防治考试 Gas exam assigned to miner" in c.model.notice and "4 open" in c.model.rows[0]["line3"]
    mentor_phone.ctx.client.close()
    mentor_phone.ctx.store.close()


def test_the_countdown_reaching_zero_hands_the_exam_in(live_server: Any, mine: MineFixture, phone: Phone) -> None:
    ids = set_up(live_server.url, mine)
    phone.login(mine, "miner")
    c = controller(phone)
    c.start_exam(ids["exam"])
    c.index = 0
    for option in RIGHT[c.attempt["questions"][0]["text"]]:
        c.choose(option)
    c.tick()
    assert c.model.mode == "exam" and not c.model.urgent
    c.attempt["deadlineAt"] = c.attempt["serverNow"]       # as if the phone had waited the whole time
    c.tick()
    assert c.model.countdown == "00:00" and c.model.mode == "result"
    assert "20" in c.model.body and c.model.rows[0]["alert"] is False     # one of five right: 20 points


def test_an_exam_opens_on_its_intro_and_asks_before_handing_in_with_questions_unanswered(
        live_server: Any, mine: MineFixture, phone: Phone) -> None:
    ids = set_up(live_server.url, mine)
    phone.login(mine, "miner")
    phone.ctx.tr.language = "en"
    c = controller(phone)
    c.on_enter()
    c.select(f"exam:{ids['exam']}")
    assert c.model.mode == "intro" and c.attempt is None            # the clock has not started
    assert "Pass mark: 80 of 100" in c.model.body and "Time limit: 20 minutes" in c.model.body
    assert "Attempts left: 3 of 3" in c.model.body and c.model.intro_action == "Start the exam"
    c.begin()
    assert c.model.mode == "exam"
    first = c.attempt["questions"][0]
    c.index = 0
    c.choose(RIGHT[first["text"]][0])
    picked = [o for o in c.model.options if o["picked"]]
    assert picked and all(o["text"].startswith("✓ ") for o in picked)  # marked, and (view.kv) blue, not green
    c.request_submit()
    assert c.model.mode == "confirm" and "4 question(s) not answered (2, 3, 4, 5)" in c.model.body
    c.keep_answering()
    assert c.model.mode == "exam" and c.index == 1                   # the first unanswered question
    c.request_submit()
    c.confirm_submit()
    assert c.model.mode == "result" and "NOT PASSED" in c.model.body
    c.on_enter()
    c.select(f"exam:{ids['exam']}")
    assert "Attempts left: 2 of 3" in c.model.body


def test_a_mentor_sees_results_and_records_the_second_assessment(live_server: Any, mine: MineFixture,
                                                                  tmp_path: Path, phone: Phone) -> None:
    five_months_ago = (datetime.now(UTC) - timedelta(days=150)).isoformat()
    ids = set_up(live_server.url, mine, link_started=five_months_ago)
    phone.login(mine, "miner")
    exam_taker = controller(phone)
    exam_taker.start_exam(ids["exam"])
    answer_right(exam_taker)
    exam_taker.submit()
    mentor_phone = make_phone(tmp_path / "mentor", live_server.url)
    mentor_phone.login(mine, "mentor")
    mentor_phone.ctx.tr.language = "en"
    c = controller(mentor_phone)
    c.on_enter(mode="mentor")
    assert "瓦斯防治考试 Gas exam best 100 (PASSED, 1 tries)" in c.model.rows[0]["line3"]
    assert c.model.rows[0]["alert"]                                   # the second assessment is due
    c.select(c.model.rows[0]["item_id"])
    assert c.model.may_assess and "record the second assessment" in c.model.assess_text
    c.assess(passed=False, note="  ")
    assert "Say why" in c.model.error
    c.assess(passed=True, note="独立操作熟练 works safely alone")
    assert c.model.mode == "mentor" and "passed the second assessment" in c.model.notice
    assert c.model.rows == []          # released: no longer under the mentor
    mentor_phone.ctx.client.close()
    mentor_phone.ctx.store.close()
