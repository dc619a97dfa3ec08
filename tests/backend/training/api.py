"""GraphQL operations and set-up shared by the training tests (and the benchmark)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import gql

IMPORT = """mutation($format: QuestionBankFormat!, $content: String!) {
  importQuestions(format: $format, content: $content) {
    __typename ... on QuestionImport { importedCount errors { row message } } ... on NotAllowed { message } } }"""
BANK = """query($tag: String) { questionBank(tag: $tag) { __typename
  ... on QuestionBankList { questions { id text correctOptions tags difficulty } } ... on NotAllowed { message } } }"""
EXPORT = """query($format: QuestionBankFormat!) { exportQuestions(format: $format) { __typename
  ... on QuestionExport { count content } ... on NotAllowed { message } } }"""
CREATE_COURSE = """mutation($input: CreateCourseInput!) { createCourse(input: $input) { __typename
  ... on TrainingCourse { id title kind classHours skillTags lessons { id position title kind mediaUrl } }
  ... on NotAllowed { message } ... on ValidationFailed { message field } ... on NotFound { message } } }"""
COURSE = """query($id: ID!) { trainingCourse(id: $id) { id title lessons { id title kind body mediaUrl
  myProgress { secondsSpent completedAt } }
  myProgress { lessonsDone lessonCount secondsSpent hoursEarned completed } } }"""
PROGRESS = """mutation($lesson: ID!, $seconds: Int!, $completed: Boolean!) {
  recordLessonProgress(lessonId: $lesson, secondsSpent: $seconds, completed: $completed) { __typename
  ... on TrainingCourse { myProgress { lessonsDone lessonCount secondsSpent hoursEarned completed } }
  ... on ValidationFailed { message field } ... on NotAllowed { message } } }"""
CREATE_EXAM = """mutation($input: CreateExamInput!) { createExam(input: $input) { __typename
  ... on TrainingExam { id title questionCount maxAttempts isCompetition openToAll }
  ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""
ATTEMPT_BODY = """id number state deadlineAt serverNow secondsLeft
    questions { id position kind text options } answers { questionId chosen revision }
    outcome { score passed correctCount total practicalScore answersRevealed
              review { questionId chosen correctOptions isCorrect } }"""
ATTEMPT_FIELDS = """__typename
  ... on ExamAttempt { """ + ATTEMPT_BODY + """ }
  ... on InvalidTransition { message currentState } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field }"""
START = "mutation($exam: ID!) { startExamAttempt(examId: $exam) { " + ATTEMPT_FIELDS + " } }"
SUBMIT = "mutation($attempt: ID!) { submitExamAttempt(attemptId: $attempt) { " + ATTEMPT_FIELDS + " } }"
ATTEMPT = "query($id: ID!) { examAttempt(id: $id) { __typename " + ATTEMPT_BODY + " } }"
SAVE = """mutation($input: SaveAnswerInput!) { saveAnswer(input: $input) { __typename
  ... on SavedAnswer { questionId chosen revision savedAt }
  ... on InvalidTransition { message currentState } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field } } }"""
ASSIGN = """mutation($input: AssignTrainingInput!) { assignTraining(input: $input) { __typename
  ... on TrainingAssignment { id kind dueAt isOverdue completedAt reason assignee { id } course { id } exam { id } }
  ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field } } }"""
LINK = """mutation($mentor: ID!, $apprentice: ID!, $start: DateTime) {
  linkApprentice(mentorId: $mentor, apprenticeId: $apprentice, startedAt: $start) { """ + """__typename
  ... on Apprenticeship { id stage supervisedUntil secondAssessmentPassed mentor { id } apprentice { id } }
  ... on InvalidTransition { message currentState } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field } } }"""
ASSESS = """mutation($id: ID!, $passed: Boolean!, $note: String) {
  recordSecondAssessment(apprenticeshipId: $id, passed: $passed, note: $note) { __typename
  ... on Apprenticeship { id stage secondAssessmentPassed }
  ... on InvalidTransition { message currentState } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field } } }"""
RECORD_FIELDS = """person { id displayName }
  hours { induction inductionRequired inductionComplete retrainingLastYear retrainingRequired retrainingComplete }
  assignments { id kind isOverdue completedAt reason course { id title } exam { id title } }
  overdueCount retrainingFlag proficiencies { skill score dueAt flag }
  apprenticeship { id stage mentor { id } }"""
MY_TRAINING = "query { myTraining { " + RECORD_FIELDS + " } }"
RECORD = ("query($id: ID!) { trainingRecord(personId: $id) { __typename ... on TrainingRecord { " + RECORD_FIELDS
          + " } ... on NotAllowed { message } ... on NotFound { message } } }")
APPRENTICES = "query { myApprentices { id stage apprentice { id displayName } record { overdueCount } } }"
OVERDUE = "query { overdueTraining { id assignee { id } dueAt } }"
LEADERBOARD = "query($exam: ID!) { leaderboard(examId: $exam) { rank score seconds person { id displayName } } }"
VIOLATION = """mutation($input: ConfirmViolationInput!) { confirmViolation(input: $input) { __typename
  ... on TrainingAssignment { id reason course { id title } dueAt }
  ... on NoRemedialCourse { message } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field } } }"""
PRACTICAL = ("mutation($attempt: ID!, $score: Float!) { recordPracticalScore(attemptId: $attempt, score: $score) { "
             + ATTEMPT_FIELDS + " } }")


def bank_json(tag: str, n: int, *, difficulty: int = 2, prefix: str = "") -> list[dict[str, Any]]:
    """n single-choice questions whose right answer is always option B (index 1)."""
    return [{"kind": "SINGLE", "text": f"{prefix}{tag} question {i}", "options": ["w", "right", "x", "y"],
             "correct": [1], "tags": [tag], "difficulty": difficulty, "explanation": "B is right"} for i in range(n)]


async def import_bank(http: httpx.AsyncClient, token: str, questions: list[dict[str, Any]]) -> dict[str, Any]:
    data = await gql(http, IMPORT, {"format": "JSON", "content": json.dumps(questions)}, token=token)
    return data["importQuestions"]


async def text_course(http: httpx.AsyncClient, token: str, *, kind: str = "INDUCTION", hours: float = 8,
                      lessons: int = 2, tags: list[str] | None = None, title: str = "Gas safety") -> dict[str, Any]:
    lesson_list = [{"title": f"Lesson {i + 1}", "kind": "TEXT", "body": f"Read this {i + 1}.", "minutes": 20}
                   for i in range(lessons)]
    data = await gql(http, CREATE_COURSE, {"input": {"title": title, "kind": kind, "classHours": hours,
                                                     "skillTags": tags or ["gas"], "lessons": lesson_list}},
                     token=token)
    return data["createCourse"]


async def exam(http: httpx.AsyncClient, token: str, *, tag: str = "gas", count: int = 5, minutes: int = 30,
               **extra: Any) -> dict[str, Any]:
    data = await gql(http, CREATE_EXAM, {"input": {"title": f"{tag} exam", "timeLimitMinutes": minutes, "skill": tag,
                                                   "rules": [{"count": count, "tag": tag}], **extra}}, token=token)
    return data["createExam"]


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def answer_all(http: httpx.AsyncClient, token: str, attempt: dict[str, Any], *, right: int) -> None:
    """Answer `right` questions correctly (option 1) and the rest wrongly (option 0)."""
    for i, question in enumerate(attempt["questions"]):
        result = await gql(http, SAVE, {"input": {"attemptId": attempt["id"], "questionId": question["id"],
                                                  "chosen": [1 if i < right else 0]}}, token=token)
        assert result["saveAnswer"]["__typename"] == "SavedAnswer", result


async def upload_video(http: httpx.AsyncClient, token: str, data: bytes) -> str:
    """requestUpload(kind VIDEO) then PUT the bytes to the folder store; returns the key."""
    from tests.backend.api import request_upload

    ticket = await request_upload(http, token, size=len(data), content_type="video/mp4", kind="VIDEO")
    assert ticket["__typename"] == "UploadTicket", ticket
    headers = {h["name"]: h["value"] for h in ticket["headers"]}
    response = await http.put(ticket["url"], content=data, headers=headers)
    assert response.status_code == 200, response.text
    return str(ticket["key"])
