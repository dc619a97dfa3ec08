"""The training calls the app makes (GraphQL over the app's ApiClient; no backend code); a refusal is
contracts.client's Refused with its code."""

from __future__ import annotations

from typing import Any

from contracts.client import union_result
from mobile.api.client import ApiClient

RECORD = """query { myTraining {
  hours { induction inductionRequired retrainingLastYear retrainingRequired }
  retrainingFlag overdueCount proficiencies { skill score flag }
  apprenticeship { stage supervisedUntil mentor { displayName } }
  assignments { id kind dueAt isOverdue completedAt reason note
    course { id title classHours } exam { id title timeLimitMinutes } } } }"""
CATALOGUE = """query { trainingCourses { id title kind classHours myProgress { lessonsDone lessonCount } }
  trainingExams { id title timeLimitMinutes questionCount isCompetition closesAt passMark maxAttempts } }"""
MY_ATTEMPTS = """query($exam: ID!) { myExamAttempts(examId: $exam) { id state outcome { score passed } } }"""
COURSE = """query($id: ID!) { trainingCourse(id: $id) { id title description classHours
  myProgress { lessonsDone lessonCount hoursEarned completed }
  lessons { id position title kind body minutes minimumSeconds mediaUrl
            myProgress { secondsSpent completedAt startedAt } } } }"""
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
ASSIGNABLE = """query { assignableExams { id title timeLimitMinutes questionCount isCompetition passMark
  maxAttempts } }"""
APPRENTICES = """query { myApprentices { id stage supervisedUntil secondAssessmentPassed apprentice { id displayName }
  record { overdueCount retrainingFlag hours { induction retrainingLastYear }
           assignments { id dueAt isOverdue completedAt course { title } exam { title } }
           examResults { exam { id title passMark } attempts bestScore lastScore passed } } } }"""
ASSESS = """mutation($id: ID!, $passed: Boolean!, $note: String) {
  recordSecondAssessment(apprenticeshipId: $id, passed: $passed, note: $note) { __typename
  ... on Apprenticeship { id stage } ... on InvalidTransition { message } ... on NotAllowed { message }
  ... on NotFound { message } ... on ValidationFailed { message } } }"""
ASSIGN = """mutation($input: AssignTrainingInput!) { assignTraining(input: $input) { __typename
  ... on TrainingAssignment { id } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message } } }"""


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

    def lesson_start(self, lesson_id: str) -> None:
        """Open a lesson: the server starts its clock (the first progress on it); nothing is finished."""
        variables = {"lesson": lesson_id, "seconds": 0, "completed": False}
        union_result(self.client.execute(PROGRESS, variables), "recordLessonProgress", "TrainingCourse")

    def attempts(self, exam_id: str) -> list[dict[str, Any]]:
        return list(self.client.execute(MY_ATTEMPTS, {"exam": exam_id})["myExamAttempts"])

    def assess(self, *, apprenticeship_id: str, passed: bool, note: str | None) -> dict[str, Any]:
        variables = {"id": apprenticeship_id, "passed": passed, "note": note}
        return union_result(self.client.execute(ASSESS, variables), "recordSecondAssessment", "Apprenticeship")

    def lesson_done(self, lesson_id: str, seconds: int) -> None:
        variables = {"lesson": lesson_id, "seconds": seconds, "completed": True}
        union_result(self.client.execute(PROGRESS, variables), "recordLessonProgress", "TrainingCourse")

    def start(self, exam_id: str) -> dict[str, Any]:
        return union_result(self.client.execute(START, {"exam": exam_id}), "startExamAttempt", "ExamAttempt")

    def save(self, attempt_id: str, question_id: str, chosen: list[int], revision: int) -> dict[str, Any]:
        answer = {"attemptId": attempt_id, "questionId": question_id, "chosen": chosen, "revision": revision}
        return union_result(self.client.execute(SAVE, {"input": answer}), "saveAnswer", "SavedAnswer")

    def submit(self, attempt_id: str) -> dict[str, Any]:
        return union_result(self.client.execute(SUBMIT, {"attempt": attempt_id}), "submitExamAttempt", "ExamAttempt")

    def assignable_exams(self) -> list[dict[str, Any]]:
        return list(self.client.execute(ASSIGNABLE)["assignableExams"])

    def apprentices(self) -> list[dict[str, Any]]:
        return list(self.client.execute(APPRENTICES)["myApprentices"])

    def assign(self, *, assignee_id: str, due_at: str, course_id: str | None = None,
               exam_id: str | None = None) -> None:
        """Assign a course or an exam (exactly one of them)."""
        target = {"courseId": course_id} if course_id else {"examId": exam_id}
        variables = {"input": {"assigneeId": assignee_id, "dueAt": due_at, **target}}
        union_result(self.client.execute(ASSIGN, variables), "assignTraining", "TrainingAssignment")
