"""Exams over GraphQL: drawing, saving as you go, resuming, grading once, retakes, competitions, cheating."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from backend.audit import service as audit_service
from backend.audit.models import AuditEntry
from backend.database.base import utcnow
from backend.training.exams.models import Attempt, AttemptAnswer, Proficiency
from tests.backend.training.api import (
    ASSIGN,
    ATTEMPT,
    BANK,
    EXPORT,
    LEADERBOARD,
    MY_TRAINING,
    PRACTICAL,
    SAVE,
    START,
    SUBMIT,
    answer_all,
    bank_json,
    exam,
    import_bank,
    later,
)
from tests.conftest import gql

INTROSPECT = """{ __schema { types { name fields { name type { name kind ofType { name kind ofType { name kind
  ofType { name } } } } } } queryType { name } } }"""


async def assigned_exam(client, mine, **extra):  # type: ignore[no-untyped-def]
    officer = mine.token("safety_officer")
    assert (await import_bank(client, officer, bank_json("gas", 10)))["importedCount"] == 10
    created = await exam(client, officer, **extra)
    assert created["__typename"] == "TrainingExam", created
    assigned = await gql(client, ASSIGN, {"input": {"assigneeId": mine.user_id("miner"), "examId": created["id"],
                                                    "dueAt": later(days=7)}}, token=officer)
    assert assigned["assignTraining"]["__typename"] == "TrainingAssignment"
    return created


async def test_take_resume_submit_twice_and_proficiency(client, make_mine, platform) -> None:
    mine = await make_mine()
    created = await assigned_exam(client, mine)
    token = mine.token("miner")
    attempt = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    assert attempt["__typename"] == "ExamAttempt" and attempt["state"] == "IN_PROGRESS"
    assert len(attempt["questions"]) == 5 and 1700 < attempt["secondsLeft"] <= 1800
    assert attempt["outcome"] is None
    await answer_all(client, token, attempt, right=4)
    first = attempt["questions"][0]["id"]
    # a retry of the same save is harmless; an older revision never overwrites a newer one
    newer = await gql(client, SAVE, {"input": {"attemptId": attempt["id"], "questionId": first, "chosen": [1],
                                               "revision": 3}}, token=token)
    stale = await gql(client, SAVE, {"input": {"attemptId": attempt["id"], "questionId": first, "chosen": [2],
                                               "revision": 2}}, token=token)
    assert newer["saveAnswer"]["chosen"] == [1] and stale["saveAnswer"] == newer["saveAnswer"]
    bad = await gql(client, SAVE, {"input": {"attemptId": attempt["id"], "questionId": first, "chosen": [0, 1]}},
                    token=token)
    assert bad["saveAnswer"]["__typename"] == "ValidationFailed"

    # lost connection: starting again resumes the same attempt with every saved answer
    resumed = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    assert resumed["id"] == attempt["id"] and resumed["questions"] == attempt["questions"]
    assert [a["chosen"] for a in resumed["answers"]] == [[1], [1], [1], [1], [0]]

    submitted = (await gql(client, SUBMIT, {"attempt": attempt["id"]}, token=token))["submitExamAttempt"]
    outcome = submitted["outcome"]
    assert (outcome["score"], outcome["passed"], outcome["correctCount"], outcome["total"]) == (80.0, True, 4, 5)
    assert outcome["answersRevealed"] and all(r["correctOptions"] == [1] for r in outcome["review"])
    again = (await gql(client, SUBMIT, {"attempt": attempt["id"]}, token=token))["submitExamAttempt"]
    assert again["outcome"] == outcome
    late = await gql(client, SAVE, {"input": {"attemptId": attempt["id"], "questionId": first, "chosen": [0],
                                              "revision": 9}}, token=token)
    assert late["saveAnswer"]["__typename"] == "InvalidTransition"
    retake = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    assert retake["__typename"] == "InvalidTransition" and "already passed" in retake["message"]

    record = (await gql(client, MY_TRAINING, token=token))["myTraining"]
    assert [(p["skill"], p["score"], p["flag"]) for p in record["proficiencies"]] == [("gas", 80.0, "OK")]
    results = (await gql(client, "query { myTraining { examResults { exam { id passMark } attempts bestScore "
                                 "lastScore passed lastSubmittedAt } } }", token=token))["myTraining"]["examResults"]
    assert [(r["exam"]["id"], r["attempts"], r["bestScore"], r["lastScore"], r["passed"]) for r in results] == [
        (created["id"], 1, 80.0, 80.0, True)] and results[0]["lastSubmittedAt"]
    assert record["assignments"][0]["completedAt"] is not None
    async with platform.session_factory() as session:
        submits = await session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.subject_id == attempt["id"], AuditEntry.action == "training.attempt_submitted"))
        assert submits == 1
        assert (await audit_service.verify_chain(session=session, mine_id=mine.mine_id)).ok
        # a year on: the skill's retraining has lapsed
        skill = await session.scalar(select(Proficiency).where(Proficiency.user_id == mine.users["miner"].id))
        assert skill is not None
        skill.due_at = utcnow() - timedelta(days=1)
        await session.commit()
    lapsed = (await gql(client, MY_TRAINING, token=token))["myTraining"]
    assert lapsed["retrainingFlag"] == "LAPSED" and lapsed["proficiencies"][0]["flag"] == "LAPSED"


async def test_answers_after_the_deadline_are_refused_and_late_submits_grade_what_came_in_time(
        client, make_mine, platform) -> None:
    mine = await make_mine()
    created = await assigned_exam(client, mine, minutes=5)
    token = mine.token("miner")
    attempt = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    await answer_all(client, token, {**attempt, "questions": attempt["questions"][:2]}, right=2)
    async with platform.session_factory() as session:  # the server's clock moves past the deadline
        row = await session.get(Attempt, uuid.UUID(attempt["id"]))
        assert row is not None
        row.deadline_at = utcnow()
        await session.commit()
    refused = await gql(client, SAVE, {"input": {"attemptId": attempt["id"],
                                                 "questionId": attempt["questions"][3]["id"], "chosen": [1]}},
                        token=token)
    assert refused["saveAnswer"]["__typename"] == "InvalidTransition"
    assert refused["saveAnswer"]["currentState"] == "TIME_UP"
    view = (await gql(client, ATTEMPT, {"id": attempt["id"]}, token=token))["examAttempt"]
    assert view["secondsLeft"] == 0 and len(view["answers"]) == 2
    graded = (await gql(client, SUBMIT, {"attempt": attempt["id"]}, token=token))["submitExamAttempt"]
    assert graded["outcome"]["score"] == 40.0 and graded["outcome"]["passed"] is False


async def test_a_retried_save_never_makes_a_second_answer(client, make_mine, platform) -> None:
    mine = await make_mine()
    created = await assigned_exam(client, mine)
    token = mine.token("miner")
    attempt = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    first, second = attempt["questions"][0]["id"], attempt["questions"][1]["id"]
    save = {"input": {"attemptId": attempt["id"], "questionId": first, "chosen": [2], "revision": 4}}
    # the same save sent again and again, some at the same moment (a flaky network's retries)
    answers = [await gql(client, SAVE, save, token=token)]
    answers += await asyncio.gather(*(gql(client, SAVE, save, token=token) for _ in range(4)))
    assert {(a["saveAnswer"]["__typename"], a["saveAnswer"]["revision"]) for a in answers} == {("SavedAnswer", 4)}
    await gql(client, SAVE, {"input": {**save["input"], "questionId": second, "chosen": [0]}}, token=token)
    async with platform.session_factory() as session:
        rows = (await session.execute(select(AttemptAnswer.question_id, AttemptAnswer.chosen, AttemptAnswer.revision)
                                      .where(AttemptAnswer.attempt_id == uuid.UUID(attempt["id"])))).all()
    assert sorted((str(q), c, r) for q, c, r in rows) == sorted([(first, [2], 4), (second, [0], 4)])


async def test_a_save_after_the_exam_closed_is_refused_and_not_kept(client, make_mine, monkeypatch) -> None:
    from backend.training.exams import flows as exam_flows

    mine = await make_mine()
    officer = mine.token("safety_officer")
    await import_bank(client, officer, bank_json("gas", 6))
    closing = await exam(client, officer, count=3, minutes=120, openToAll=True, opensAt=later(minutes=-1),
                         closesAt=later(hours=1))
    token = mine.token("miner")
    attempt = (await gql(client, START, {"exam": closing["id"]}, token=token))["startExamAttempt"]
    in_time = {"attemptId": attempt["id"], "questionId": attempt["questions"][0]["id"], "chosen": [1]}
    assert (await gql(client, SAVE, {"input": in_time}, token=token))["saveAnswer"]["__typename"] == "SavedAnswer"
    real = exam_flows.utcnow  # the server's clock passes the exam's closing time (before the 2-hour limit)
    monkeypatch.setattr(exam_flows, "utcnow", lambda: real() + timedelta(hours=1, minutes=1))
    for question in attempt["questions"]:
        refused = await gql(client, SAVE, {"input": {"attemptId": attempt["id"], "questionId": question["id"],
                                                     "chosen": [0], "revision": 1}}, token=token)
        assert refused["saveAnswer"]["__typename"] == "InvalidTransition", refused
        assert refused["saveAnswer"]["currentState"] == "TIME_UP"
    monkeypatch.undo()
    view = (await gql(client, ATTEMPT, {"id": attempt["id"]}, token=token))["examAttempt"]
    assert [(a["questionId"], a["chosen"]) for a in view["answers"]] == [(in_time["questionId"], [1])]


async def test_nobody_reads_or_writes_someone_elses_attempt_or_another_mines_exam(client, make_mine) -> None:
    mine = await make_mine()
    other = await make_mine()
    created = await assigned_exam(client, mine)
    attempt = (await gql(client, START, {"exam": created["id"]}, token=mine.token("miner")))["startExamAttempt"]
    question = attempt["questions"][0]["id"]
    save = {"input": {"attemptId": attempt["id"], "questionId": question, "chosen": [1]}}
    for who in ("miner2", "mentor", "safety_officer"):
        answered = await gql(client, SAVE, save, token=mine.token(who))
        assert answered["saveAnswer"]["__typename"] == "NotAllowed", who
        submitted = await gql(client, SUBMIT, {"attempt": attempt["id"]}, token=mine.token(who))
        assert submitted["submitExamAttempt"]["__typename"] == "NotAllowed", who
        assert (await gql(client, ATTEMPT, {"id": attempt["id"]}, token=mine.token(who)))["examAttempt"] is None
    stranger = await gql(client, SAVE, save, token=other.token("miner"))
    assert stranger["saveAnswer"]["__typename"] == "NotFound"
    foreign = await gql(client, START, {"exam": created["id"]}, token=other.token("miner"))
    assert foreign["startExamAttempt"]["__typename"] == "NotFound"
    not_assigned = await gql(client, START, {"exam": created["id"]}, token=mine.token("miner2"))
    assert not_assigned["startExamAttempt"]["__typename"] == "NotAllowed"
    not_in_attempt = await gql(client, SAVE, {"input": {"attemptId": attempt["id"], "questionId": str(uuid.uuid4()),
                                                        "chosen": [1]}}, token=mine.token("miner"))
    assert not_in_attempt["saveAnswer"]["__typename"] == "ValidationFailed"


async def test_correct_answers_are_unreachable_before_submission(client, make_mine) -> None:
    mine = await make_mine()
    created = await assigned_exam(client, mine)
    token = mine.token("miner")
    # the bank and its export are for training managers only
    for who in ("miner", "mentor", "team_leader", "area_manager"):
        assert (await gql(client, BANK, {}, token=mine.token(who)))["questionBank"]["__typename"] == "NotAllowed"
        exported = await gql(client, EXPORT, {"format": "JSON"}, token=mine.token(who))
        assert exported["exportQuestions"]["__typename"] == "NotAllowed"
    attempt = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    # asking the attempt's question type for an answer field is a validation error, not data
    probe = await gql(client, "query($id: ID!) { examAttempt(id: $id) { questions { id correctOptions } } }",
                      {"id": attempt["id"]}, token=token, expect_errors=True)
    assert probe.get("data") is None and "correctOptions" in json.dumps(probe["errors"])
    view = (await gql(client, ATTEMPT, {"id": attempt["id"]}, token=token))["examAttempt"]
    assert view["outcome"] is None and set(view["questions"][0]) == {"id", "position", "kind", "text", "options"}
    # introspection: every type the trainee's exam view is built from has no answer-bearing field
    schema = (await gql(client, INTROSPECT, token=token))["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    for name in ("ExamAttempt", "AttemptQuestion", "SavedAnswer", "TrainingExam"):
        fields = {f["name"] for f in types[name]["fields"]}
        assert not {f for f in fields if "correct" in f.lower() or "explanation" in f.lower()}, (name, fields)
    # the only answer-bearing types: the bank (managers only) and the review of a submitted attempt
    bearing = {n for n, t in types.items() if not n.startswith("__") and any(
        "correctoptions" in f["name"].lower() for f in (t["fields"] or []))}
    assert bearing == {"BankQuestion", "ReviewedQuestion"}


async def test_retakes_draw_fresh_questions_and_stop_at_the_limit(client, make_mine) -> None:
    mine = await make_mine()
    created = await assigned_exam(client, mine, maxAttempts=2)
    token = mine.token("miner")
    first = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    await gql(client, SUBMIT, {"attempt": first["id"]}, token=token)
    waiting = await exam(client, mine.token("safety_officer"), retakeWaitMinutes=60)
    await gql(client, ASSIGN, {"input": {"assigneeId": mine.user_id("miner"), "examId": waiting["id"],
                                         "dueAt": later(days=7)}}, token=mine.token("safety_officer"))
    once = (await gql(client, START, {"exam": waiting["id"]}, token=token))["startExamAttempt"]
    await gql(client, SUBMIT, {"attempt": once["id"]}, token=token)
    too_soon = (await gql(client, START, {"exam": waiting["id"]}, token=token))["startExamAttempt"]
    assert too_soon["__typename"] == "InvalidTransition" and "retake is possible from" in too_soon["message"]
    second = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    assert second["number"] == 2
    assert not {q["id"] for q in first["questions"]} & {q["id"] for q in second["questions"]}
    await answer_all(client, token, second, right=3)
    assert (await gql(client, SUBMIT, {"attempt": second["id"]}, token=token))[
        "submitExamAttempt"]["outcome"]["score"] == 60.0
    third = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    assert third["__typename"] == "InvalidTransition" and "2 attempt" in third["message"]


async def test_competition_ranks_everyone_and_hides_answers_until_it_closes(client, make_mine) -> None:
    mine = await make_mine()
    officer = mine.token("safety_officer")
    await import_bank(client, officer, bank_json("roof", 8))
    no_window = await exam(client, officer, tag="roof", count=4, isCompetition=True)
    assert no_window["__typename"] == "ValidationFailed"
    contest = await exam(client, officer, tag="roof", count=4, isCompetition=True, opensAt=later(minutes=-1),
                         closesAt=later(hours=1))
    assert contest["isCompetition"] and contest["openToAll"] and contest["maxAttempts"] == 1
    later_contest = await exam(client, officer, tag="roof", count=4, isCompetition=True, opensAt=later(hours=1),
                               closesAt=later(hours=2))
    early = (await gql(client, START, {"exam": later_contest["id"]}, token=mine.token("miner")))["startExamAttempt"]
    assert early["__typename"] == "InvalidTransition" and early["currentState"] == "NOT_OPEN"
    scores = {"miner": 4, "miner2": 2, "team_leader": 4}
    for who, right in scores.items():
        attempt = (await gql(client, START, {"exam": contest["id"]}, token=mine.token(who)))["startExamAttempt"]
        await answer_all(client, mine.token(who), attempt, right=right)
        done = (await gql(client, SUBMIT, {"attempt": attempt["id"]}, token=mine.token(who)))["submitExamAttempt"]
        assert done["outcome"]["answersRevealed"] is False and done["outcome"]["review"] == []
    again = await gql(client, START, {"exam": contest["id"]}, token=mine.token("miner"))
    assert again["startExamAttempt"]["__typename"] == "InvalidTransition"
    board = (await gql(client, LEADERBOARD, {"exam": contest["id"]}, token=mine.token("miner2")))["leaderboard"]
    assert [e["score"] for e in board] == [100.0, 100.0, 50.0]
    assert board[2]["person"]["id"] == mine.user_id("miner2") and board[2]["rank"] == 3
    assert {e["person"]["id"] for e in board[:2]} == {mine.user_id("miner"), mine.user_id("team_leader")}
    other = await make_mine()
    assert (await gql(client, LEADERBOARD, {"exam": contest["id"]}, token=other.token("miner")))["leaderboard"] == []


async def test_special_operation_needs_theory_and_practice(client, make_mine) -> None:
    mine = await make_mine()
    created = await assigned_exam(client, mine, requiresPractical=True, skill="shearer")
    token = mine.token("miner")
    attempt = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    await answer_all(client, token, attempt, right=5)
    done = (await gql(client, SUBMIT, {"attempt": attempt["id"]}, token=token))["submitExamAttempt"]
    assert done["outcome"]["score"] == 100.0 and done["outcome"]["passed"] is None
    own = await gql(client, PRACTICAL, {"attempt": attempt["id"], "score": 95}, token=token)
    assert own["recordPracticalScore"]["__typename"] == "NotAllowed"
    mentor = await gql(client, PRACTICAL, {"attempt": attempt["id"], "score": 95}, token=mine.token("mentor"))
    assert mentor["recordPracticalScore"]["__typename"] == "NotAllowed"   # not this miner's mentor
    low = await gql(client, PRACTICAL, {"attempt": attempt["id"], "score": 75}, token=mine.token("safety_officer"))
    assert low["recordPracticalScore"]["__typename"] == "ExamAttempt"
    view = (await gql(client, ATTEMPT, {"id": attempt["id"]}, token=token))["examAttempt"]["outcome"]
    assert (view["practicalScore"], view["passed"]) == (75.0, False)
    twice = await gql(client, PRACTICAL, {"attempt": attempt["id"], "score": 90}, token=mine.token("safety_officer"))
    assert twice["recordPracticalScore"]["__typename"] == "InvalidTransition"
    assert (await gql(client, MY_TRAINING, token=token))["myTraining"]["proficiencies"] == []


async def test_two_submits_at_once_grade_once(client, make_mine, platform) -> None:
    mine = await make_mine()
    created = await assigned_exam(client, mine)
    token = mine.token("miner")
    attempt = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    await answer_all(client, token, attempt, right=5)
    first, second = await asyncio.gather(gql(client, SUBMIT, {"attempt": attempt["id"]}, token=token),
                                         gql(client, SUBMIT, {"attempt": attempt["id"]}, token=token))
    assert first["submitExamAttempt"]["outcome"] == second["submitExamAttempt"]["outcome"]
    assert first["submitExamAttempt"]["outcome"]["score"] == 100.0
    async with platform.session_factory() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.mine_id == mine.mine_id))).all()
    assert actions.count("training.attempt_submitted") == 1
    assert actions.count("training.proficiency_updated") == 1


async def test_two_starts_at_once_make_one_attempt(client, make_mine) -> None:
    mine = await make_mine()
    created = await assigned_exam(client, mine)
    token = mine.token("miner")
    first, second = await asyncio.gather(gql(client, START, {"exam": created["id"]}, token=token),
                                         gql(client, START, {"exam": created["id"]}, token=token))
    assert first["startExamAttempt"]["id"] == second["startExamAttempt"]["id"]
    assert first["startExamAttempt"]["number"] == 1


async def test_a_mentor_assigns_an_exam_and_sees_the_apprentices_results(client, make_mine) -> None:
    from tests.backend.training.api import ASSIGN, LINK, answer_all, exam, later

    mine = await make_mine()
    officer, mentor, token = mine.token("safety_officer"), mine.token("mentor"), mine.token("miner")
    assert (await import_bank(client, officer, bank_json("gas", 10)))["importedCount"] == 10
    created = await exam(client, officer)
    linked = await gql(client, LINK, {"mentor": mine.user_id("mentor"), "apprentice": mine.user_id("miner")},
                       token=officer)
    assert linked["linkApprentice"]["__typename"] == "Apprenticeship"
    assigned = await gql(client, ASSIGN, {"input": {"assigneeId": mine.user_id("miner"), "examId": created["id"],
                                                    "dueAt": later(days=7)}}, token=mentor)
    assert assigned["assignTraining"]["kind"] == "EXAM", assigned
    not_theirs = await gql(client, ASSIGN, {"input": {"assigneeId": mine.user_id("miner2"), "examId": created["id"],
                                                      "dueAt": later(days=7)}}, token=mentor)
    assert not_theirs["assignTraining"]["__typename"] == "NotAllowed"
    assignable = "{ assignableExams { id } }"
    assert (await gql(client, assignable, token=mentor))["assignableExams"] == [{"id": created["id"]}]
    assert (await gql(client, assignable, token=token))["assignableExams"] == []       # a miner assigns nothing
    attempt = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    await answer_all(client, token, attempt, right=3)
    await gql(client, SUBMIT, {"attempt": attempt["id"]}, token=token)
    seen = (await gql(client, "query { myApprentices { apprentice { id } record { examResults { exam { id title } "
                              "attempts bestScore passed } } } }", token=mentor))["myApprentices"]
    assert seen == [{"apprentice": {"id": mine.user_id("miner")}, "record": {"examResults": [
        {"exam": {"id": created["id"], "title": "gas exam"}, "attempts": 1, "bestScore": 60.0, "passed": False}]}}]
    # someone who is not the mentor (nor a training manager) does not see them
    other = await gql(client, "query($id: ID!) { trainingRecord(personId: $id) { __typename } }",
                      {"id": mine.user_id("miner")}, token=mine.token("miner2"))
    assert other["trainingRecord"]["__typename"] == "NotAllowed"


async def test_a_refused_save_says_why_and_changes_nothing(client, make_mine, platform) -> None:
    """The explaining path, check by check: someone else's attempt, another mine's, an attempt that does not
    exist, a question not drawn for it, options out of range, a negative revision."""
    mine, other_mine = await make_mine(), await make_mine()
    created = await assigned_exam(client, mine)
    token = mine.token("miner")
    attempt = (await gql(client, START, {"exam": created["id"]}, token=token))["startExamAttempt"]
    first = attempt["questions"][0]["id"]

    async def save(who: str, **changes: object) -> dict:
        answer = {"attemptId": attempt["id"], "questionId": first, "chosen": [1], **changes}
        return (await gql(client, SAVE, {"input": answer}, token=who))["saveAnswer"]

    assert (await save(mine.token("miner2")))["__typename"] == "NotAllowed"
    assert (await save(other_mine.token("miner")))["__typename"] == "NotFound"
    assert (await save(token, attemptId=str(uuid.uuid4())))["__typename"] == "NotFound"
    not_drawn = await save(token, questionId=str(uuid.uuid4()))
    assert (not_drawn["__typename"], not_drawn["field"]) == ("ValidationFailed", "questionId")
    out_of_range = await save(token, chosen=[7])
    assert (out_of_range["__typename"], out_of_range["field"]) == ("ValidationFailed", "chosen")
    negative = await save(token, revision=-1)
    assert (negative["__typename"], negative["field"]) == ("ValidationFailed", "revision")
    async with platform.session_factory() as session:
        saved = await session.scalar(select(func.count(AttemptAnswer.id)).where(
            AttemptAnswer.attempt_id == uuid.UUID(attempt["id"])))
    assert saved == 0
    good = await save(token, revision=1)
    assert (good["__typename"], good["chosen"], good["revision"]) == ("SavedAnswer", [1], 1)
