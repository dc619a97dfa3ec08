"""The training calls the app makes (GraphQL over the app's ApiClient; no backend code)."""

from __future__ import annotations

from typing import Any

from mobile.api.client import ApiClient

RECORD = """query { myTraining {
  hours { induction inductionRequired retrainingLastYear retrainingRequired }
  retrainingFlag overdueCount proficiencies { skill score flag }
  apprenticeship { stage supervisedUntil mentor { displayName } }
  assignments { id kind dueAt isOverdue completedAt reason note
    course { id title classHours } exam { id title timeLimitMinutes } } } }"""
CATALOGUE = """query { trainingCourses { id title kind classHours myProgress { lessonsDone lessonCount } }
  trainingExams { id title timeLimitMinutes questionCount isCompetition closesAt } }"""
COURSE = """query($id: ID!) { trainingCourse(id: $id) { id title description classHours
  myProgress { lessonsDone lessonCount hoursEarned completed }
  lessons { id position title kind body minutes mediaUrl myProgress { secondsSpent completedAt } } } }"""
PROGRESS = """mutation($lesson: ID!, $seconds: Int!, $completed: Boolean!) {
  recordLessonProgress(lessonId: $lesson, secondsSpent: $seconds, completed: $completed) { __typename
  ... on ValidationFailed { message } ... on NotAllowed { message } } }"""
ATTEMPT = """id number state deadlineAt serverNow secondsLeft exam { id title passMark }
  questions { id position kind text options } answers { questionId chosen revision }
  outcome { score passed correctCount total answersRevealed
            review { questionId text options chosen correctOptions isCorrect explanation } }"""
START = ("mutation($exam: ID!) { startExamAttempt(examId: $exam) { __typename ... on ExamAttempt { " + ATTEMPT
         + " } ... on InvalidTransition { message } ... on NotAllowed { message } ... on NotFound { message }"
         " ... on ValidationFailed { message } } }")
SAVE = """mutation($input: SaveAnswerInput!) { saveAnswer(input: $input) { __typename
  ... on SavedAnswer { questionId chosen revision } ... on InvalidTransition { message currentState }
  ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message } } }"""
SUBMIT = ("mutation($attempt: ID!) { submitExamAttempt(attemptId: $attempt) { __typename ... on ExamAttempt { "
          + ATTEMPT + " } ... on InvalidTransition { message } ... on NotAllowed { message }"
          " ... on NotFound { message } ... on ValidationFailed { message } } }")
APPRENTICES = """query { myApprentices { id stage supervisedUntil apprentice { id displayName }
  record { overdueCount retrainingFlag hours { induction retrainingLastYear }
           assignments { id dueAt isOverdue completedAt course { title } exam { title } } } } }"""
ASSIGN = """mutation($input: AssignTrainingInput!) { assignTraining(input: $input) { __typename
  ... on TrainingAssignment { id } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message } } }"""


class Refused(Exception):
    """The server answered with a union member other than the success type; the message is its."""

    def __init__(self, typename: str, message: str) -> None:
        super().__init__(message)
        self.typename = typename


def _ok(result: dict[str, Any], typename: str) -> dict[str, Any]:
    if result.get("__typename") != typename:
        raise Refused(result.get("__typename", "?"), result.get("message") or "refused")
    return result


class TrainingApi:
    """Blocking calls; run them through the controller's runner."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def record(self) -> dict[str, Any]:
        return dict(self.client.execute(RECORD)["myTraining"])

    def catalogue(self) -> dict[str, Any]:
        return dict(self.client.execute(CATALOGUE))

    def course(self, course_id: str) -> dict[str, Any] | None:
        return self.client.execute(COURSE, {"id": course_id})["trainingCourse"]

    def lesson_done(self, lesson_id: str, seconds: int) -> None:
        _ok(self.client.execute(PROGRESS, {"lesson": lesson_id, "seconds": seconds, "completed": True})[
            "recordLessonProgress"], "TrainingCourse")

    def start(self, exam_id: str) -> dict[str, Any]:
        return _ok(self.client.execute(START, {"exam": exam_id})["startExamAttempt"], "ExamAttempt")

    def save(self, attempt_id: str, question_id: str, chosen: list[int], revision: int) -> dict[str, Any]:
        return _ok(self.client.execute(SAVE, {"input": {"attemptId": attempt_id, "questionId": question_id,
                                                        "chosen": chosen, "revision": revision}})["saveAnswer"],
                   "SavedAnswer")

    def submit(self, attempt_id: str) -> dict[str, Any]:
        return _ok(self.client.execute(SUBMIT, {"attempt": attempt_id})["submitExamAttempt"], "ExamAttempt")

    def apprentices(self) -> list[dict[str, Any]]:
        return list(self.client.execute(APPRENTICES)["myApprentices"])

    def assign(self, *, assignee_id: str, course_id: str, due_at: str) -> None:
        _ok(self.client.execute(ASSIGN, {"input": {"assigneeId": assignee_id, "courseId": course_id,
                                                   "dueAt": due_at}})["assignTraining"], "TrainingAssignment")
