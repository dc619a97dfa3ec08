"""Training: my courses and lessons, taking an exam against the server's clock, results, mentoring.

Answers are kept on the phone (LocalStore) until the server has them, so a lost connection or an
app restart mid-exam loses nothing: starting the exam again resumes the same attempt and sends what
is still waiting. The countdown follows the server's clock (offset measured at each load).
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.client import Refused, TransportError
from contracts.errors import ErrorCode
from contracts.roles import Role
from mobile.screens.training import logic
from mobile.screens.training.api import TrainingApi
from mobile.screens.training.model import TrainingModel
from mobile.ui.base import BaseController

logger = logging.getLogger(__name__)
RETRY_EVERY_S = 5
PENDING_KEY = "training.pending.{attempt}"


def _due(text: str) -> str:
    return logic.parse_time(text).astimezone().strftime("%Y-%m-%d %H:%M")


class TrainingController(BaseController):
    model: TrainingModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = TrainingApi(self.ctx.client)
        self.course: dict[str, Any] | None = None
        self.lesson: dict[str, Any] | None = None
        self.lesson_opened = 0.0
        self.attempt: dict[str, Any] | None = None
        self.shown: dict[str, logic.Pending] = {}
        self.pending: dict[str, logic.Pending] = {}
        self.index = 0
        self.offset = 0.0
        self.sending = False
        self.submitting = False
        self.last_try = 0.0
        self.apprentices: list[dict[str, Any]] = []
        self.course_list: list[dict[str, Any]] = []
        self.exam_list: list[dict[str, Any]] = []
        self.intro_exam: dict[str, Any] | None = None
        self.assigning: dict[str, Any] | None = None

    # -- navigation inside the screen ----------------------------------------------------------
    def on_enter(self, **params: Any) -> None:
        user = self.ctx.sessions.user
        self.model.is_mentor = bool(user and user.has_any(Role.MENTOR, Role.SAFETY_OFFICER, Role.ADMIN,
                                                          Role.MINE_MANAGER))
        self.model.notice = ""
        if params.get("exam_id"):
            self.start_exam(params["exam_id"])
        elif params.get("mode") == "mentor":
            self.show_mentor()
        else:
            self.show_list()

    def back(self) -> None:
        mode = self.model.mode
        if mode == "lesson" and self.course:
            self.open_course(self.course["id"])
        elif mode == "confirm":
            self.model.mode = "exam"
        elif mode == "assign":
            self.show_mentor()
        else:
            self.show_list()

    def select(self, item_id: str) -> None:
        kind, _, ident = item_id.partition(":")
        if kind == "course":
            self.open_course(ident)
        elif kind == "lesson":
            self.open_lesson(ident)
        elif kind == "exam":
            self.show_intro(ident)
        elif kind == "person":
            self.show_assign(ident)

    # -- my training -------------------------------------------------------------------------
    def show_list(self) -> None:
        self.call(lambda: (self.api.record(), self.api.catalogue()), self._listed)

    def _listed(self, loaded: tuple[dict[str, Any], dict[str, Any]]) -> None:
        record, catalogue = loaded
        self.exam_list = catalogue["trainingExams"]
        hours = record["hours"]
        lines = [self.t("training.hours", induction=f"{hours['induction']:g}",
                        required=f"{hours['inductionRequired']:g}", retraining=f"{hours['retrainingLastYear']:g}",
                        yearly=f"{hours['retrainingRequired']:g}")]
        if record["retrainingFlag"] != "OK":
            lines.append(self.t(f"training.flag.{record['retrainingFlag']}"))
        if record["overdueCount"]:
            lines.append(self.t("training.overdue", n=record["overdueCount"]))
        link = record.get("apprenticeship")
        if link:
            lines.append(self.t(f"training.stage.{link['stage']}", mentor=link["mentor"]["displayName"],
                                until=_due(link["supervisedUntil"])[:10]))
        self.model.summary = "\n".join(lines)
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for a in record["assignments"]:
            if a["completedAt"]:
                continue
            target = a["course"] or a["exam"]
            item = f"{'course' if a['course'] else 'exam'}:{target['id']}"
            seen.add(item)
            kind = self.t("training.kind.course" if a["course"] else "training.kind.exam")
            if a["reason"] == "REMEDIAL":
                kind = self.t("training.kind.remedial")
            rows.append(self._row(item, target["title"], f"{kind} · {self.t('training.due', when=_due(a['dueAt']))}",
                                  self.t("training.is_overdue") if a["isOverdue"] else self.t("training.assigned"),
                                  alert=a["isOverdue"]))
        for course in catalogue["trainingCourses"]:
            item = f"course:{course['id']}"
            if item in seen:
                continue
            p = course["myProgress"]
            rows.append(self._row(item, course["title"],
                                  self.t("training.course_line", hours=f"{course['classHours']:g}"),
                                  self.t("training.progress", done=p["lessonsDone"], total=p["lessonCount"])))
        for exam in catalogue["trainingExams"]:
            item = f"exam:{exam['id']}"
            if item in seen:
                continue
            label = "training.kind.competition" if exam["isCompetition"] else "training.kind.exam"
            rows.append(self._row(item, exam["title"], self.t(label),
                                  self.t("training.exam_line", n=exam["questionCount"],
                                         minutes=exam["timeLimitMinutes"])))
        self.model.rows = rows
        self.model.title = self.t("training.title")
        self.model.mode = "list"

    def _row(self, item_id: str, line1: str, line2: str, line3: str, alert: bool = False) -> dict[str, Any]:
        return {"item_id": item_id, "line1": line1, "line2": line2, "line3": line3, "alert": alert,
                "controller": self}

    def open_course(self, course_id: str) -> None:
        self.call(lambda: self.api.course(course_id), self._course_loaded)

    def _course_loaded(self, course: dict[str, Any] | None) -> None:
        if course is None:
            self.model.error = self.t("common.empty")
            return
        self.course = course
        p = course["myProgress"]
        self.model.title = course["title"]
        self.model.summary = self.t("training.course_summary", done=p["lessonsDone"], total=p["lessonCount"],
                                    hours=f"{p['hoursEarned']:g}", of=f"{course['classHours']:g}")
        self.model.rows = [self._row(f"lesson:{lesson['id']}", f"{lesson['position'] + 1}. {lesson['title']}",
                                     self.t(f"training.lesson.{lesson['kind']}", minutes=lesson["minutes"]),
                                     self.t("training.lesson_done") if (lesson["myProgress"] or {}).get("completedAt")
                                     else self.t("training.lesson_todo"))
                           for lesson in course["lessons"]]
        self.model.mode = "course"

    def open_lesson(self, lesson_id: str) -> None:
        lessons = (self.course or {}).get("lessons", [])
        lesson = next((x for x in lessons if x["id"] == lesson_id), None)
        if lesson is None:
            return
        self.lesson = lesson
        self.lesson_opened = time.monotonic()
        self.model.title = lesson["title"]
        self.model.body = lesson["body"] or ""
        minimum = int(lesson.get("minimumSeconds") or 0)
        done = bool((lesson.get("myProgress") or {}).get("completedAt"))
        self.model.lesson_rule = (self.t("training.lesson_minimum", minutes=-(-minimum // 60))
                                  if minimum and not done else "")
        if not (lesson.get("myProgress") or {}).get("startedAt"):
            # the server's clock for this lesson starts now (quietly kept for later when offline)
            self.ctx.runner.submit(lambda: self.api.lesson_start(lesson["id"]), lambda _: None,
                                   lambda error: logger.info("lesson start: %s", error))
        self.model.image_url = lesson["mediaUrl"] if lesson["kind"] == "IMAGE" and lesson["mediaUrl"] else ""
        if lesson["kind"] == "VIDEO":
            self.model.body = (self.model.body + "\n\n" + self.t("training.video", url=lesson["mediaUrl"])).strip()
        self.model.mode = "lesson"

    def finish_lesson(self) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        before = (lesson["myProgress"] or {}).get("secondsSpent", 0)
        seconds = min(86400, int(before + time.monotonic() - self.lesson_opened))
        course_id = (self.course or {}).get("id", "")

        def refused(error: Exception) -> None:
            if isinstance(error, Refused) and error.code is ErrorCode.BAD_USER_INPUT:
                self.model.error = self.t("training.lesson_too_short", minutes=self.lesson_minutes_to_go())
            else:
                self.model.error = self.describe(error)

        self.call(lambda: self.api.lesson_done(lesson["id"], seconds), lambda _: self.open_course(course_id), refused)

    def lesson_minutes_to_go(self) -> int:
        """Whole minutes until the open lesson counts (from the server's start time where known)."""
        lesson = self.lesson or {}
        minimum = int(lesson.get("minimumSeconds") or 0)
        started = (lesson.get("myProgress") or {}).get("startedAt")
        elapsed = ((datetime.now(UTC) - logic.parse_time(started)).total_seconds() if started
                   else time.monotonic() - self.lesson_opened)
        return max(1, -(-int(minimum - elapsed) // 60))

    # -- the exam ----------------------------------------------------------------------------
    def show_intro(self, exam_id: str) -> None:
        """Before the clock starts: pass mark, time limit, questions and attempts left."""
        exam = next((e for e in self.exam_list if e["id"] == exam_id), None)
        if exam is None:
            self.start_exam(exam_id)
            return
        self.intro_exam = exam

        def shown(attempts: list[dict[str, Any]]) -> None:
            running = any(a["state"] == "IN_PROGRESS" for a in attempts)
            used = sum(1 for a in attempts if a["state"] == "SUBMITTED")
            limit = int(exam.get("maxAttempts") or 0)
            left = (self.t("training.attempts_unlimited") if not limit
                    else self.t("training.attempts_left", left=max(0, limit - used), of=limit))
            self.model.title = exam["title"]
            self.model.body = "\n".join([
                self.t("training.intro_pass", mark=f"{exam.get('passMark', 80):g}"),
                self.t("training.intro_time", minutes=exam["timeLimitMinutes"]),
                self.t("training.intro_questions", n=exam["questionCount"]),
                left, self.t("training.intro_clock")])
            self.model.intro_action = self.t("training.continue_exam" if running else "training.start_exam")
            self.model.intro_open = running or not limit or used < limit
            self.model.mode = "intro"

        self.call(lambda: self.api.attempts(exam_id), shown)

    def begin(self) -> None:
        """The intro's button: start (or resume) the attempt."""
        if self.intro_exam is not None:
            self.start_exam(self.intro_exam["id"])

    def start_exam(self, exam_id: str) -> None:
        def failed(error: Exception) -> None:
            self.model.error = (self.t("training.refused", message=str(error)) if isinstance(error, Refused)
                                else self.describe(error))
        self.call(lambda: self.api.start(exam_id), self._attempt_loaded, failed)

    def _store_key(self) -> str:
        return PENDING_KEY.format(attempt=(self.attempt or {}).get("id", ""))

    def _attempt_loaded(self, attempt: dict[str, Any]) -> None:
        self.attempt = attempt
        if attempt["state"] == "SUBMITTED":
            self.show_result(attempt)
            return
        self.offset = logic.clock_offset(attempt["serverNow"], datetime.now(UTC))
        saved = logic.load_pending(self.ctx.store.get(self._store_key()))
        self.shown, self.pending = logic.merge(attempt["answers"], saved)
        answered = [i for i, q in enumerate(attempt["questions"]) if q["id"] not in self.shown]
        self.index = answered[0] if answered else 0
        self.submitting = False
        self.model.title = attempt["exam"]["title"]
        self.model.mode = "exam"
        self.tick()
        self.render()
        self.flush()

    def render(self) -> None:
        attempt = self.attempt
        if attempt is None:
            return
        questions = attempt["questions"]
        q = questions[self.index]
        self.model.position = self.t("training.position", n=self.index + 1, total=len(questions),
                                     answered=len(self.shown))
        kind = self.t(f"training.question.{q['kind']}")
        self.model.question = f"[{kind}] {q['text']}"
        chosen = self.shown.get(q["id"], logic.Pending([], 0)).chosen
        # a picked option is marked (✓ and blue), never green: green would read as "right"
        self.model.options = [{"text": f"{'✓ ' if i in chosen else ''}{chr(65 + i)}. {text}", "index": i,
                               "picked": i in chosen, "controller": self} for i, text in enumerate(q["options"])]
        self._sync_text()

    def _sync_text(self) -> None:
        if self.pending:
            key = "training.waiting_offline" if self.model.offline else "training.waiting"
            self.model.sync = self.t(key, n=len(self.pending))
        else:
            self.model.sync = self.t("training.all_saved")

    def choose(self, index: int) -> None:
        if self.attempt is None or self.model.mode != "exam" or self.submitting:
            return
        q = self.attempt["questions"][self.index]
        current = self.shown.get(q["id"], logic.Pending([], 0))
        chosen = logic.toggle(current.chosen, index, q["kind"] == "MULTIPLE")
        answer = logic.Pending(chosen=chosen, revision=current.revision + 1)
        self.shown[q["id"]] = answer
        if chosen:
            self.pending[q["id"]] = answer
        self.ctx.store.set(self._store_key(), logic.dump_pending(self.pending))
        self.render()
        self.flush()

    def move(self, step: int) -> None:
        if self.attempt is not None:
            self.index = max(0, min(len(self.attempt["questions"]) - 1, self.index + step))
            self.render()

    def flush(self) -> None:
        """Send waiting answers in the background, oldest question first; keep what fails."""
        if self.sending or not self.pending or self.attempt is None:
            return
        self.sending = True
        self.last_try = time.monotonic()
        attempt_id = self.attempt["id"]
        batch = dict(self.pending)

        def work() -> tuple[list[tuple[str, int]], Exception | None]:
            sent: list[tuple[str, int]] = []
            for question_id, answer in batch.items():
                try:
                    saved = self.api.save(attempt_id, question_id, answer.chosen, answer.revision)
                except Exception as error:  # report what went through, then the first failure
                    return sent, error
                sent.append((question_id, int(saved["revision"])))
            return sent, None

        self.ctx.runner.submit(work, self._flushed, self._flush_failed)

    def _flushed(self, outcome: tuple[list[tuple[str, int]], Exception | None]) -> None:
        sent, error = outcome
        self.sending = False
        for question_id, revision in sent:
            waiting = self.pending.get(question_id)
            if waiting is not None and waiting.revision <= revision:
                del self.pending[question_id]
        if self.attempt is not None:
            self.ctx.store.set(self._store_key(), logic.dump_pending(self.pending))
        if error is None:
            self.model.offline = False
            self._sync_text()
            if self.pending:
                self.flush()
            return
        self._flush_failed(error)

    def _flush_failed(self, error: Exception) -> None:
        self.sending = False
        if isinstance(error, TransportError):
            self.model.offline = True
            self._sync_text()
            return
        if isinstance(error, Refused) and error.code is ErrorCode.INVALID_TRANSITION:
            self.pending.clear()     # time is up or already submitted: the server decides
            self.submit()
            return
        self.model.error = self.describe(error) if not isinstance(error, Refused) else self.t(
            "training.refused", message=str(error))

    def tick(self) -> None:
        attempt = self.attempt
        if self.model.mode not in ("exam", "confirm") or attempt is None:
            return
        left = logic.seconds_left(attempt["deadlineAt"], datetime.now(UTC), self.offset)
        self.model.countdown = logic.countdown(left)
        self.model.urgent = left < 60
        if left == 0 and not self.submitting:
            self.submit()
        elif self.pending and not self.sending and time.monotonic() - self.last_try >= RETRY_EVERY_S:
            self.flush()

    def request_submit(self) -> None:
        """The hand-in button: with questions unanswered it asks first (the clock running out never asks)."""
        attempt = self.attempt
        if attempt is None or self.submitting:
            return
        unanswered = [i + 1 for i, q in enumerate(attempt["questions"])
                      if not (self.shown.get(q["id"]) and self.shown[q["id"]].chosen)]
        if unanswered:
            self.model.body = self.t("training.confirm_unanswered", n=len(unanswered),
                                     which=", ".join(map(str, unanswered[:10])))
            self.model.mode = "confirm"
            return
        self.submit()

    def confirm_submit(self) -> None:
        self.model.mode = "exam"
        self.submit()

    def keep_answering(self) -> None:
        """Back to the first unanswered question."""
        attempt = self.attempt
        self.model.mode = "exam"
        if attempt is not None:
            missing = [i for i, q in enumerate(attempt["questions"])
                       if not (self.shown.get(q["id"]) and self.shown[q["id"]].chosen)]
            self.index = missing[0] if missing else self.index
            self.render()

    def submit(self) -> None:
        """Send what waits, then submit (a retry after a lost connection is safe: grading happens once)."""
        attempt = self.attempt
        if attempt is None or self.submitting:
            return
        self.submitting = True
        batch = dict(self.pending)

        def work() -> dict[str, Any]:
            for question_id, answer in batch.items():
                with contextlib.suppress(Refused):   # too late for this one; the server grades what it has
                    self.api.save(attempt["id"], question_id, answer.chosen, answer.revision)
            return self.api.submit(attempt["id"])

        def failed(error: Exception) -> None:
            self.submitting = False
            if isinstance(error, TransportError):
                self.model.offline = True
            self.model.error = self.describe(error) if not isinstance(error, Refused) else self.t(
                "training.refused", message=str(error))

        def done(result: dict[str, Any]) -> None:
            self.ctx.store.delete(self._store_key())
            self.pending.clear()
            self.submitting = False
            self.show_result(result)

        self.call(work, done, failed)

    def show_result(self, attempt: dict[str, Any]) -> None:
        self.attempt = attempt
        outcome = attempt["outcome"] or {}
        passed = outcome.get("passed")
        verdict = self.t("training.passed" if passed else ("training.pending_practical" if passed is None
                                                             else "training.failed"))
        self.model.title = attempt["exam"]["title"]
        self.model.body = self.t("training.score", score=f"{outcome.get('score', 0):g}",
                                 right=outcome.get("correctCount", 0), total=outcome.get("total", 0),
                                 verdict=verdict, mark=f"{attempt['exam']['passMark']:g}")
        rows = []
        for i, r in enumerate(outcome.get("review") or []):
            letters = ", ".join(chr(65 + x) for x in r["chosen"]) or "—"
            right = ", ".join(chr(65 + x) for x in r["correctOptions"])
            rows.append(self._row(f"review:{r['questionId']}", f"{i + 1}. {r['text']}",
                                  self.t("training.your_answer", mine=letters, right=right),
                                  " · ".join(filter(None, [self.t("training.right" if r["isCorrect"]
                                                                  else "training.wrong"), r["explanation"]])),
                                  alert=not r["isCorrect"]))
        if not outcome.get("answersRevealed"):
            self.model.body += "\n" + self.t("training.answers_later")
        self.model.rows = rows
        self.model.mode = "result"

    # -- mentors -----------------------------------------------------------------------------
    def show_mentor(self) -> None:
        def load() -> tuple[list[dict[str, Any]], dict[str, Any]]:
            catalogue = {**self.api.catalogue(), "trainingExams": self.api.assignable_exams()}
            return self.api.apprentices(), catalogue

        self.call(load, self._mentor_loaded)

    def _mentor_loaded(self, loaded: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
        self.apprentices, catalogue = loaded
        self.course_list = catalogue["trainingCourses"]
        self.exam_list = catalogue["trainingExams"]
        self.model.title = self.t("training.mentor_title")
        self.model.summary = self.t("training.apprentice_count", n=len(self.apprentices))
        rows = []
        for link in self.apprentices:
            record = link["record"]
            open_items = [a for a in record["assignments"] if not a["completedAt"]]
            rows.append(self._row(
                f"person:{link['apprentice']['id']}", link["apprentice"]["displayName"],
                self.t(f"training.stage_short.{link['stage']}", until=_due(link["supervisedUntil"])[:10]),
                self.t("training.apprentice_line", open=len(open_items), overdue=record["overdueCount"],
                       hours=f"{record['hours']['induction']:g}")
                + (" · " + self.results_line(record) if record.get("examResults") else ""),
                alert=record["overdueCount"] > 0 or link["stage"] == "AWAITING_ASSESSMENT"))
        self.model.rows = rows
        self.model.mode = "mentor"

    def results_line(self, record: dict[str, Any]) -> str:
        """An apprentice's exams in a few words: title, best score, verdict."""
        parts = []
        for r in record.get("examResults") or []:
            verdict = self.t("training.passed" if r["passed"] else ("training.pending_practical" if r["passed"] is None
                                                                     else "training.failed"))
            parts.append(self.t("training.result_short", title=r["exam"]["title"],
                                score=f"{r['bestScore'] or 0:g}", verdict=verdict, n=r["attempts"]))
        return "; ".join(parts)

    def targets(self) -> list[str]:
        """What a mentor may assign: the courses and the exams, labelled."""
        return ([self.t("training.target_course", title=c["title"]) for c in self.course_list]
                + [self.t("training.target_exam", title=e["title"]) for e in self.exam_list])

    def show_assign(self, person_id: str) -> None:
        link = next((a for a in self.apprentices if a["apprentice"]["id"] == person_id), None)
        self.assigning = link
        self.model.people = [a["apprentice"]["displayName"] for a in self.apprentices]
        self.model.courses = self.targets()
        self.model.title = self.t("training.assign_title")
        self.model.body = link["apprentice"]["displayName"] if link else ""
        record = link["record"] if link else {}
        self.model.summary = self.results_line(record) or self.t("training.no_results")
        self.model.may_assess = bool(link and link["stage"] == "AWAITING_ASSESSMENT")
        self.model.assess_text = (self.t("training.assess_due", until=_due(link["supervisedUntil"])[:10])
                                  if self.model.may_assess and link else "")
        self.model.mode = "assign"

    def assign(self, *, person_name: str, course_title: str, days_text: str) -> None:
        """Assign the picked course or exam (course_title is the picker's label) with a due date."""
        person = next((a["apprentice"] for a in self.apprentices if a["apprentice"]["displayName"] == person_name),
                      None)
        course = next((c for c in self.course_list if self.t("training.target_course", title=c["title"])
                       == course_title or c["title"] == course_title), None)
        exam = None if course else next((e for e in self.exam_list
                                         if self.t("training.target_exam", title=e["title"]) == course_title), None)
        try:
            days = int(days_text.strip())
        except ValueError:
            days = 0
        if person is None or (course is None and exam is None):
            self.model.error = self.t("training.pick_both")
            return
        if not 1 <= days <= 365:
            self.model.error = self.t("training.bad_days")
            return
        due = (datetime.now(UTC) + timedelta(days=days)).isoformat()
        title = (course or exam or {})["title"]

        def done(_: None) -> None:
            self.model.notice = self.t("training.assigned_to", course=title, name=person["displayName"])
            self.show_mentor()

        def failed(error: Exception) -> None:
            self.model.error = self.t("training.refused", message=str(error)) if isinstance(error, Refused) \
                else self.describe(error)

        self.call(lambda: self.api.assign(assignee_id=person["id"], due_at=due,
                                          course_id=course["id"] if course else None,
                                          exam_id=exam["id"] if exam else None), done, failed)

    def assess(self, *, passed: bool, note: str) -> None:
        """The second assessment (二次考核) after the supervised months; a fail needs a note."""
        link = self.assigning
        if link is None:
            return
        if not passed and not note.strip():
            self.model.error = self.t("training.assess_need_note")
            return
        name = link["apprentice"]["displayName"]

        def done(_: dict[str, Any]) -> None:
            self.model.notice = self.t("training.assessed_pass" if passed else "training.assessed_fail", name=name)
            self.show_mentor()

        def failed(error: Exception) -> None:
            self.model.error = self.t("training.refused", message=str(error)) if isinstance(error, Refused) \
                else self.describe(error)

        self.call(lambda: self.api.assess(apprenticeship_id=link["id"], passed=passed, note=note.strip() or None),
                  done, failed)
