"""Courses and progress, mentors and apprentices, the question bank and remedial courses over GraphQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.audit import service as audit_service
from backend.audit.models import AuditEntry
from backend.database.base import utcnow
from backend.training.courses.models import Assignment
from backend.training.mentoring import flows
from tests.backend.api import jpeg_bytes, upload
from tests.backend.training.api import (
    APPRENTICES,
    ASSESS,
    ASSIGN,
    BANK,
    COURSE,
    CREATE_COURSE,
    EXPORT,
    IMPORT,
    LINK,
    MY_TRAINING,
    OVERDUE,
    PROGRESS,
    RECORD,
    START,
    SUBMIT,
    VIOLATION,
    bank_json,
    import_bank,
    later,
    text_course,
    upload_video,
)
from tests.conftest import gql


async def backdate_lessons(platform, user_id, *, hours: float) -> None:  # type: ignore[no-untyped-def]
    """As if the person had opened their lessons `hours` ago (the server's clock is what counts)."""
    from datetime import timedelta

    from sqlalchemy import update

    from backend.database.base import utcnow
    from backend.training.courses.models import LessonProgress

    async with platform.session_factory() as session:
        await session.execute(update(LessonProgress).where(LessonProgress.user_id == user_id)
                              .values(started_at=utcnow() - timedelta(hours=hours)))
        await session.commit()


async def test_course_lessons_progress_and_hours(client, make_mine, platform) -> None:
    mine = await make_mine()
    officer = mine.token("safety_officer")
    photo = await upload(client, officer, jpeg_bytes())
    video = await upload_video(client, officer, b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)
    course = (await gql(client, CREATE_COURSE, {"input": {
        "title": "入井须知 Going underground", "kind": "INDUCTION", "classHours": 9, "skillTags": ["Induction"],
        "lessons": [{"title": "Rules", "kind": "TEXT", "body": "Never alone.", "minutes": 30},
                    {"title": "The cage", "kind": "IMAGE", "mediaKey": photo, "minutes": 10},
                    {"title": "Self-rescuer", "kind": "VIDEO", "mediaKey": video, "minutes": 15}]}},
        token=officer))["createCourse"]
    assert course["__typename"] == "TrainingCourse" and course["skillTags"] == ["induction"]
    assert [lesson["position"] for lesson in course["lessons"]] == [0, 1, 2]
    assert course["lessons"][0]["mediaUrl"] is None
    fetched = await client.get(course["lessons"][1]["mediaUrl"])
    assert fetched.status_code == 200 and fetched.content == jpeg_bytes()

    reused = await gql(client, CREATE_COURSE, {"input": {"title": "Again", "kind": "SKILL", "classHours": 1,
                                                         "lessons": [{"title": "x", "kind": "IMAGE",
                                                                      "mediaKey": photo}]}}, token=officer)
    assert reused["createCourse"]["__typename"] == "ValidationFailed"
    by_miner = await text_course(client, mine.token("miner"))
    assert by_miner["__typename"] == "NotAllowed"

    token = mine.token("miner")
    lessons = course["lessons"]
    for lesson in lessons:          # open each lesson (the server starts its clock), then an hour passes
        started = await gql(client, PROGRESS, {"lesson": lesson["id"], "seconds": 0, "completed": False},
                            token=token)
        assert started["recordLessonProgress"]["__typename"] == "TrainingCourse", started
    await backdate_lessons(platform, mine.users["miner"].id, hours=1)
    step = await gql(client, PROGRESS, {"lesson": lessons[0]["id"], "seconds": 600, "completed": True}, token=token)
    assert step["recordLessonProgress"]["myProgress"] == {"lessonsDone": 1, "lessonCount": 3, "secondsSpent": 600,
                                                          "hoursEarned": 3.0, "completed": False}
    again = await gql(client, PROGRESS, {"lesson": lessons[0]["id"], "seconds": 300, "completed": False}, token=token)
    assert again["recordLessonProgress"]["myProgress"] == step["recordLessonProgress"]["myProgress"]
    await gql(client, PROGRESS, {"lesson": lessons[1]["id"], "seconds": 200, "completed": False}, token=token)
    view = (await gql(client, COURSE, {"id": course["id"]}, token=token))["trainingCourse"]
    assert view["lessons"][1]["myProgress"] == {"secondsSpent": 200, "completedAt": None}
    for lesson in lessons[1:]:
        await gql(client, PROGRESS, {"lesson": lesson["id"], "seconds": 900, "completed": True}, token=token)
    done = (await gql(client, COURSE, {"id": course["id"]}, token=token))["trainingCourse"]["myProgress"]
    assert done == {"lessonsDone": 3, "lessonCount": 3, "secondsSpent": 2400, "hoursEarned": 9.0, "completed": True}
    hours = (await gql(client, MY_TRAINING, token=token))["myTraining"]["hours"]
    assert hours["induction"] == 9.0 and hours["inductionRequired"] == 72 and not hours["inductionComplete"]
    assert hours["retrainingLastYear"] == 0 and hours["retrainingRequired"] == 20
    other = await make_mine()
    foreign = await gql(client, PROGRESS, {"lesson": lessons[0]["id"], "seconds": 1, "completed": True},
                        token=other.token("miner"))
    assert foreign["recordLessonProgress"]["__typename"] == "ValidationFailed"


async def test_mentor_assigns_only_to_own_apprentices_and_follows_them(client, make_mine, platform) -> None:
    mine = await make_mine()
    officer, mentor = mine.token("safety_officer"), mine.token("mentor")
    course = await text_course(client, officer, kind="RETRAINING", hours=4, lessons=1)
    by_mentor = await gql(client, LINK, {"mentor": mine.user_id("mentor"), "apprentice": mine.user_id("miner")},
                          token=mentor)
    assert by_mentor["linkApprentice"]["__typename"] == "NotAllowed"
    not_a_mentor = await gql(client, LINK, {"mentor": mine.user_id("miner2"), "apprentice": mine.user_id("miner")},
                             token=mine.token("admin"))
    assert not_a_mentor["linkApprentice"]["__typename"] == "ValidationFailed"
    link = (await gql(client, LINK, {"mentor": mine.user_id("mentor"), "apprentice": mine.user_id("miner")},
                      token=mine.token("admin")))["linkApprentice"]
    assert link["stage"] == "SUPERVISED" and link["mentor"]["id"] == mine.user_id("mentor")
    twice = await gql(client, LINK, {"mentor": mine.user_id("mentor"), "apprentice": mine.user_id("miner")},
                      token=mine.token("admin"))
    assert twice["linkApprentice"]["__typename"] == "InvalidTransition"

    def assign(who: str, due: str) -> dict:
        return {"input": {"assigneeId": mine.user_id(who), "courseId": course["id"], "dueAt": due}}

    ok = (await gql(client, ASSIGN, assign("miner", later(days=3)), token=mentor))["assignTraining"]
    assert ok["__typename"] == "TrainingAssignment" and ok["kind"] == "COURSE" and not ok["isOverdue"]
    refused = (await gql(client, ASSIGN, assign("miner2", later(days=3)), token=mentor))["assignTraining"]
    assert refused["__typename"] == "NotAllowed" and "own apprentices" in refused["message"]
    by_miner = (await gql(client, ASSIGN, assign("miner2", later(days=3)), token=mine.token("miner")))
    assert by_miner["assignTraining"]["__typename"] == "NotAllowed"
    past = (await gql(client, ASSIGN, assign("miner", later(days=-1)), token=mentor))["assignTraining"]
    assert past["__typename"] == "ValidationFailed" and past["field"] == "dueAt"
    other = await make_mine()
    foreign = await gql(client, ASSIGN, {"input": {"assigneeId": other.user_id("miner"), "courseId": course["id"],
                                                   "dueAt": later(days=3)}}, token=officer)
    assert foreign["assignTraining"]["__typename"] == "NotFound"
    by_officer = (await gql(client, ASSIGN, assign("miner2", later(days=3)), token=officer))["assignTraining"]
    assert by_officer["__typename"] == "TrainingAssignment"

    async with platform.session_factory() as session:  # a week later: the mentor's assignment is overdue
        row = await session.get(Assignment, uuid.UUID(ok["id"]))
        assert row is not None
        row.due_at = utcnow() - timedelta(hours=1)
        await session.commit()
    overdue = (await gql(client, OVERDUE, token=mentor))["overdueTraining"]
    assert [o["id"] for o in overdue] == [ok["id"]]
    apprentices = (await gql(client, APPRENTICES, token=mentor))["myApprentices"]
    assert [(a["apprentice"]["id"], a["record"]["overdueCount"]) for a in apprentices] == [(mine.user_id("miner"), 1)]
    record = (await gql(client, RECORD, {"id": mine.user_id("miner")}, token=mentor))["trainingRecord"]
    assert record["overdueCount"] == 1 and record["apprenticeship"]["stage"] == "SUPERVISED"
    assert record["retrainingFlag"] == "LAPSING"     # no retraining hours this year
    nosy = await gql(client, RECORD, {"id": mine.user_id("miner")}, token=mine.token("miner2"))
    assert nosy["trainingRecord"]["__typename"] == "NotAllowed"
    not_theirs = await gql(client, RECORD, {"id": mine.user_id("miner2")}, token=mentor)
    assert not_theirs["trainingRecord"]["__typename"] == "NotAllowed"


async def test_second_assessment_after_four_months_releases_the_apprentice(client, make_mine) -> None:
    mine = await make_mine()
    admin, mentor = mine.token("admin"), mine.token("mentor")
    fresh = (await gql(client, LINK, {"mentor": mine.user_id("mentor"), "apprentice": mine.user_id("miner2")},
                       token=admin))["linkApprentice"]
    early = (await gql(client, ASSESS, {"id": fresh["id"], "passed": True}, token=mentor))["recordSecondAssessment"]
    assert early["__typename"] == "InvalidTransition" and early["currentState"] == "SUPERVISED"
    started = (datetime.now(UTC) - timedelta(days=130)).isoformat()
    link = (await gql(client, LINK, {"mentor": mine.user_id("mentor"), "apprentice": mine.user_id("miner"),
                                     "start": started}, token=admin))["linkApprentice"]
    assert link["stage"] == "AWAITING_ASSESSMENT"
    stranger = await gql(client, ASSESS, {"id": link["id"], "passed": True}, token=mine.token("team_leader"))
    assert stranger["recordSecondAssessment"]["__typename"] == "NotAllowed"
    failed_no_note = await gql(client, ASSESS, {"id": link["id"], "passed": False}, token=mentor)
    assert failed_no_note["recordSecondAssessment"]["__typename"] == "ValidationFailed"
    failed = await gql(client, ASSESS, {"id": link["id"], "passed": False, "note": "roof bolting not yet safe"},
                       token=mentor)
    assert failed["recordSecondAssessment"]["stage"] == "AWAITING_ASSESSMENT"
    passed = (await gql(client, ASSESS, {"id": link["id"], "passed": True, "note": "competent"},
                        token=mentor))["recordSecondAssessment"]
    assert passed["stage"] == "MAY_WORK_ALONE" and passed["secondAssessmentPassed"] is True
    after = await gql(client, ASSESS, {"id": link["id"], "passed": True}, token=mentor)
    assert after["recordSecondAssessment"]["__typename"] == "InvalidTransition"
    assert [a["apprentice"]["id"] for a in (await gql(client, APPRENTICES, token=mentor))["myApprentices"]] == [
        mine.user_id("miner2")]


async def test_import_is_all_or_nothing_and_export_round_trips(client, make_mine, platform) -> None:
    mine = await make_mine()
    officer = mine.token("safety_officer")
    rows = bank_json("gas", 3)
    rows.append({"kind": "MULTIPLE", "text": "bad", "options": ["a", "b"], "correct": [0], "tags": ["gas"],
                 "difficulty": 2})
    rows.append({"kind": "SINGLE", "text": "worse", "options": ["a", "b"], "correct": [0], "tags": [],
                 "difficulty": 2})
    refused = await import_bank(client, officer, rows)
    assert refused["importedCount"] == 0 and [e["row"] for e in refused["errors"]] == [4, 5]
    bank = (await gql(client, BANK, {}, token=officer))["questionBank"]["questions"]
    assert bank == []
    csv_text = "kind,text,options,correct,tags,difficulty,explanation\n" + "\n".join(
        f"SINGLE,Q{i},a|b|c,C,roof,{i % 5 + 1}," for i in range(6)) + "\nTRUE_FALSE,Stop at 1.5% CH4,,true,gas,1,\n"
    ok = (await gql(client, IMPORT, {"format": "CSV", "content": csv_text}, token=officer))["importQuestions"]
    assert ok == {"__typename": "QuestionImport", "importedCount": 7, "errors": []}
    duplicate = (await gql(client, IMPORT, {"format": "CSV", "content": csv_text}, token=officer))["importQuestions"]
    assert duplicate["importedCount"] == 0 and len(duplicate["errors"]) == 7
    roof = (await gql(client, BANK, {"tag": "roof"}, token=officer))["questionBank"]["questions"]
    assert len(roof) == 6 and all(q["correctOptions"] == [2] for q in roof)
    by_miner = await gql(client, IMPORT, {"format": "CSV", "content": csv_text}, token=mine.token("miner"))
    assert by_miner["importQuestions"]["__typename"] == "NotAllowed"

    exported = (await gql(client, EXPORT, {"format": "JSON"}, token=officer))["exportQuestions"]
    assert exported["count"] == 7 and len(json.loads(exported["content"])) == 7
    other = await make_mine()
    moved = (await gql(client, IMPORT, {"format": "JSON", "content": exported["content"]},
                       token=other.token("safety_officer")))["importQuestions"]
    assert moved["importedCount"] == 7
    async with platform.session_factory() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.mine_id == mine.mine_id))).all()
        assert actions.count("training.questions_imported") == 1


async def test_a_confirmed_violation_assigns_the_remedial_course_once(client, make_mine, platform) -> None:
    mine = await make_mine()
    officer = mine.token("safety_officer")
    violation = {"input": {"personId": mine.user_id("miner"), "violation": "no self-rescuer at the face",
                           "sourceRef": "vision:evt-1", "skill": "ppe"}}
    none_yet = (await gql(client, VIOLATION, violation, token=officer))["confirmViolation"]
    assert none_yet["__typename"] == "NoRemedialCourse"
    remedial = await text_course(client, officer, kind="REMEDIAL", hours=1, lessons=1, tags=["ppe"],
                                 title="PPE refresher")
    first = (await gql(client, VIOLATION, violation, token=officer))["confirmViolation"]
    assert first["__typename"] == "TrainingAssignment" and first["reason"] == "REMEDIAL"
    assert first["course"]["id"] == remedial["id"]
    again = (await gql(client, VIOLATION, violation, token=officer))["confirmViolation"]
    assert again["id"] == first["id"]
    by_miner = await gql(client, VIOLATION, violation, token=mine.token("miner2"))
    assert by_miner["confirmViolation"]["__typename"] == "NotAllowed"
    # another domain (say the vision worker's event handler) calls the flow with the system as actor
    async with platform.session_factory() as session:
        made = await flows.assign_remedial(session, actor=None, mine_id=mine.mine_id,
                                           person_id=uuid.UUID(mine.user_id("miner2")),
                                           violation="smoking underground", source_ref="hazard:42", skill="ppe")
        await session.commit()
        assert made is not None and made.assigned_by is None
        assert (await audit_service.verify_chain(session=session, mine_id=mine.mine_id)).ok
    record = (await gql(client, MY_TRAINING, token=mine.token("miner2")))["myTraining"]
    assert [(a["reason"], a["course"]["title"]) for a in record["assignments"]] == [("REMEDIAL", "PPE refresher")]


async def test_several_root_fields_in_one_request_share_the_session_safely(client, make_mine) -> None:
    mine = await make_mine()
    await text_course(client, mine.token("safety_officer"))
    await gql(client, LINK, {"mentor": mine.user_id("mentor"), "apprentice": mine.user_id("miner")},
              token=mine.token("admin"))
    data = await gql(client, """{ trainingCourses { id lessons { id } } trainingExams { id }
      myTraining { overdueCount } overdueTraining { id } myApprentices { id record { overdueCount } } }""",
                     token=mine.token("mentor"))
    assert len(data["trainingCourses"]) == 1 and data["myApprentices"][0]["record"]["overdueCount"] == 0


ADD_QUESTION = """mutation($input: QuestionInput!) { addQuestion(input: $input) { __typename
  ... on BankQuestion { id kind correctOptions tags } ... on NotAllowed { message }
  ... on ValidationFailed { message field } } }"""
MY_ATTEMPTS = "query($exam: ID!) { myExamAttempts(examId: $exam) { id number state } }"
CATALOGUE = "{ trainingCourses { id title } trainingExams { id title } }"


async def test_single_questions_catalogue_and_own_attempts(client, make_mine) -> None:
    mine = await make_mine()
    officer = mine.token("safety_officer")
    question = {"kind": "MULTIPLE", "text": "Which gases does a multi-gas detector read?",
                "options": ["CH4", "CO", "Ar", "O2"], "correctOptions": [0, 1, 3], "tags": ["Gas"], "difficulty": 2}
    added = (await gql(client, ADD_QUESTION, {"input": question}, token=officer))["addQuestion"]
    assert added["__typename"] == "BankQuestion" and added["tags"] == ["gas"] and added["correctOptions"] == [0, 1, 3]
    bad = await gql(client, ADD_QUESTION, {"input": {**question, "text": "x", "correctOptions": [7]}}, token=officer)
    assert bad["addQuestion"]["__typename"] == "ValidationFailed"
    by_miner = await gql(client, ADD_QUESTION, {"input": {**question, "text": "y"}}, token=mine.token("miner"))
    assert by_miner["addQuestion"]["__typename"] == "NotAllowed"
    csv_text = (await gql(client, EXPORT, {"format": "CSV"}, token=officer))["exportQuestions"]["content"]
    assert csv_text.splitlines()[1] == "MULTIPLE,Which gases does a multi-gas detector read?,CH4|CO|Ar|O2,A|B|D,gas,2,"

    await import_bank(client, officer, bank_json("gas", 6))
    course = await text_course(client, officer)
    created = (await gql(client, """mutation($input: CreateExamInput!) { createExam(input: $input) {
      ... on TrainingExam { id } } }""", {"input": {"title": "Open gas quiz", "timeLimitMinutes": 10, "openToAll": True,
                                                    "rules": [{"count": 3, "tag": "gas"}]}}, token=officer))
    exam_id = created["createExam"]["id"]
    catalogue = await gql(client, CATALOGUE, token=mine.token("miner"))
    assert [c["id"] for c in catalogue["trainingCourses"]] == [course["id"]]
    assert [e["id"] for e in catalogue["trainingExams"]] == [exam_id]
    attempt = (await gql(client, START, {"exam": exam_id}, token=mine.token("miner")))["startExamAttempt"]
    await gql(client, SUBMIT, {"attempt": attempt["id"]}, token=mine.token("miner"))
    mine_only = (await gql(client, MY_ATTEMPTS, {"exam": exam_id}, token=mine.token("miner")))["myExamAttempts"]
    assert [(a["number"], a["state"]) for a in mine_only] == [(1, "SUBMITTED")]
    assert (await gql(client, MY_ATTEMPTS, {"exam": exam_id}, token=mine.token("miner2")))["myExamAttempts"] == []


async def test_a_lesson_counts_only_after_its_minimum_time_measured_by_the_server(client, make_mine,
                                                                                 platform) -> None:
    from backend.org.models import Mine

    mine = await make_mine()
    officer, token = mine.token("safety_officer"), mine.token("miner")
    course = (await gql(client, CREATE_COURSE, {"input": {
        "title": "Roof", "kind": "RETRAINING", "classHours": 2,
        "lessons": [{"title": "Bolting", "kind": "TEXT", "body": "Bolt every 1 m.", "minutes": 30}]}},
        token=officer))["createCourse"]
    lesson = course["lessons"][0]["id"]
    # finishing at once, even claiming an hour, is refused: the server's clock started just now
    rushed = (await gql(client, PROGRESS, {"lesson": lesson, "seconds": 3600, "completed": True},
                        token=token))["recordLessonProgress"]
    assert rushed["__typename"] == "ValidationFailed" and "30 min" in rushed["message"], rushed
    view = (await gql(client, COURSE, {"id": course["id"]}, token=token))["trainingCourse"]
    progress = view["lessons"][0]["myProgress"]
    assert progress["completedAt"] is None and progress["secondsSpent"] < 60    # not the hour claimed
    assert view["myProgress"]["hoursEarned"] == 0
    hours = (await gql(client, MY_TRAINING, token=token))["myTraining"]["hours"]
    assert hours["retrainingLastYear"] == 0
    # 20 minutes later: still refused, with the minutes to go
    await backdate_lessons(platform, mine.users["miner"].id, hours=20 / 60)
    early = (await gql(client, PROGRESS, {"lesson": lesson, "seconds": 1200, "completed": True},
                       token=token))["recordLessonProgress"]
    assert early["__typename"] == "ValidationFailed" and "10 min to go" in early["message"], early
    # 31 minutes after the start it counts, with the time the server measured
    await backdate_lessons(platform, mine.users["miner"].id, hours=31 / 60)
    done = (await gql(client, PROGRESS, {"lesson": lesson, "seconds": 99999 // 10, "completed": True},
                      token=token))["recordLessonProgress"]
    assert done["__typename"] == "TrainingCourse", done
    assert done["myProgress"]["hoursEarned"] == 2.0 and done["myProgress"]["completed"] is True
    assert 31 * 60 - 5 <= done["myProgress"]["secondsSpent"] <= 31 * 60 + 60
    hours = (await gql(client, MY_TRAINING, token=token))["myTraining"]["hours"]
    assert hours["retrainingLastYear"] == 2.0
    # hostile inputs: negative, huge, malformed id
    for seconds in (-1, 86401):
        bad = (await gql(client, PROGRESS, {"lesson": lesson, "seconds": seconds, "completed": True},
                         token=token))["recordLessonProgress"]
        assert bad["__typename"] == "ValidationFailed" and bad["field"] == "secondsSpent"
    bad_id = (await gql(client, PROGRESS, {"lesson": "nope", "seconds": 1, "completed": True},
                        token=token))["recordLessonProgress"]
    assert bad_id["__typename"] == "ValidationFailed"
    # a mine may lower the share: at 0 a lesson counts at once
    async with platform.session_factory() as session:
        row = await session.get(Mine, mine.mine_id)
        row.settings = {**(row.settings or {}), "lesson_minimum_share": 0}
        await session.commit()
    second = (await gql(client, CREATE_COURSE, {"input": {
        "title": "Gas", "kind": "RETRAINING", "classHours": 1,
        "lessons": [{"title": "CH4", "kind": "TEXT", "body": "1.0 %", "minutes": 45}]}}, token=officer))["createCourse"]
    quick = (await gql(client, PROGRESS, {"lesson": second["lessons"][0]["id"], "seconds": 5, "completed": True},
                       token=token))["recordLessonProgress"]
    assert quick["__typename"] == "TrainingCourse", quick
