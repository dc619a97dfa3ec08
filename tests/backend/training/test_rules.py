"""Grading, drawing, hours, apprenticeship, retakes and ranking as pure functions."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from backend.training.bank import rules as bank_rules
from backend.training.bank.rules import BankEntry, DrawRule, QuestionKind
from backend.training.courses import rules as course_rules
from backend.training.courses.rules import CourseKind
from backend.training.exams import rules as exam_rules
from backend.training.exams.rules import GradingQuestion, RetrainingFlag
from backend.training.mentoring import rules as mentoring_rules
from backend.training.mentoring.rules import ApprenticeshipStage
from backend.training.record import rules as record_rules
from backend.training.record.rules import LessonCredit

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def q(kind: QuestionKind, correct: set[int], options: int = 4) -> GradingQuestion:
    return GradingQuestion(id=uuid.uuid4(), kind=kind, option_count=options, correct=frozenset(correct))


def test_score_is_out_of_100_and_80_passes() -> None:
    questions = [q(QuestionKind.SINGLE, {0}) for _ in range(5)]
    answers = {x.id: [0] for x in questions[:4]}
    result = exam_rules.grade(questions, answers)
    assert (result.score, result.passed, result.correct_count, result.total) == (80.0, True, 4, 5)
    three = exam_rules.grade(questions, {x.id: [0] for x in questions[:3]})
    assert (three.score, three.passed) == (60.0, False)
    assert exam_rules.grade(questions, answers, pass_mark=90).passed is False


def test_multiple_choice_needs_the_exact_set() -> None:
    multi = q(QuestionKind.MULTIPLE, {0, 2})
    assert exam_rules.is_correct(multi, [2, 0])
    assert not exam_rules.is_correct(multi, [0])            # a subset is wrong
    assert not exam_rules.is_correct(multi, [0, 1, 2])      # a superset is wrong
    assert not exam_rules.is_correct(multi, [])
    assert not exam_rules.is_correct(multi, None)


def test_single_and_true_false_take_one_answer() -> None:
    single = q(QuestionKind.SINGLE, {1})
    tf = q(QuestionKind.TRUE_FALSE, {0}, options=2)
    assert exam_rules.is_correct(single, [1]) and not exam_rules.is_correct(single, [1, 2])
    assert exam_rules.is_correct(tf, [0]) and not exam_rules.is_correct(tf, [1])
    with pytest.raises(ValueError, match="one answer"):
        bank_rules.check_answer_shape(QuestionKind.SINGLE, 4, [0, 1])
    with pytest.raises(ValueError, match="numbered 0 to 1"):
        bank_rules.check_answer_shape(QuestionKind.TRUE_FALSE, 2, [2])
    assert bank_rules.check_answer_shape(QuestionKind.MULTIPLE, 4, [3, 1, 3]) == [1, 3]


def test_unanswered_questions_count_as_wrong_and_an_empty_exam_is_refused() -> None:
    questions = [q(QuestionKind.SINGLE, {0}) for _ in range(3)]
    assert exam_rules.grade(questions, {}).score == 0.0
    assert exam_rules.grade(questions, {questions[0].id: [0]}).score == 33.3
    with pytest.raises(ValueError):
        exam_rules.grade([], {})


def test_special_operations_need_theory_and_practice_both_at_80() -> None:
    assert exam_rules.special_operation_passed(80, 80)
    assert not exam_rules.special_operation_passed(100, 79.5)
    assert not exam_rules.special_operation_passed(79, 100)
    assert not exam_rules.special_operation_passed(95, None)


def bank(tag: str, difficulty: int, n: int) -> list[BankEntry]:
    return [BankEntry(id=uuid.uuid4(), tags=frozenset({tag}), difficulty=difficulty) for _ in range(n)]


def test_drawing_follows_tag_and_difficulty_rules_and_is_seedable() -> None:
    entries = bank("gas", 1, 6) + bank("gas", 4, 6) + bank("roof", 2, 6)
    draw = [DrawRule(count=3, tag="gas", max_difficulty=2), DrawRule(count=2, tag="roof"),
            DrawRule(count=2, tag="gas", min_difficulty=4)]
    first = bank_rules.draw_questions(entries, draw, rng=random.Random(7))
    assert len(first) == len(set(first)) == 7
    by_id = {e.id: e for e in entries}
    assert all("gas" in by_id[i].tags and by_id[i].difficulty == 1 for i in first[:3])
    assert all("roof" in by_id[i].tags for i in first[3:5])
    assert all(by_id[i].difficulty == 4 for i in first[5:])
    assert bank_rules.draw_questions(list(reversed(entries)), draw, rng=random.Random(7)) == first
    assert bank_rules.draw_questions(entries, draw, rng=random.Random(8)) != first


def test_no_repeat_across_consecutive_attempts_where_the_bank_allows() -> None:
    entries = bank("gas", 3, 10)
    draw = [DrawRule(count=5, tag="gas")]
    rng = random.Random(1)
    first = bank_rules.draw_questions(entries, draw, rng=rng)
    second = bank_rules.draw_questions(entries, draw, previous=first, rng=rng)
    assert not set(first) & set(second)
    small = bank("roof", 3, 7)
    a = bank_rules.draw_questions(small, [DrawRule(count=5, tag="roof")], rng=rng)
    b = bank_rules.draw_questions(small, [DrawRule(count=5, tag="roof")], previous=a, rng=rng)
    assert len(set(b) - set(a)) == 2 and len(set(b)) == 5     # both fresh ones, then the fewest repeats


def test_drawing_refuses_a_rule_the_bank_cannot_fill() -> None:
    with pytest.raises(bank_rules.NotEnoughQuestions, match="has 2 question"):
        bank_rules.draw_questions(bank("gas", 3, 2), [DrawRule(count=3, tag="gas")], rng=random.Random(0))
    # two rules cannot draw the same question twice
    with pytest.raises(bank_rules.NotEnoughQuestions):
        bank_rules.draw_questions(bank("gas", 3, 4), [DrawRule(count=3, tag="gas"), DrawRule(count=2)],
                             rng=random.Random(0))


def test_hours_toward_induction_and_yearly_retraining() -> None:
    credits = [LessonCredit(CourseKind.INDUCTION, 36.0, NOW - timedelta(days=800)),
               LessonCredit(CourseKind.INDUCTION, 36.0, NOW - timedelta(days=1)),
               LessonCredit(CourseKind.RETRAINING, 12.0, NOW - timedelta(days=10)),
               LessonCredit(CourseKind.SKILL, 6.0, NOW - timedelta(days=364)),
               LessonCredit(CourseKind.REMEDIAL, 8.0, NOW - timedelta(days=366))]
    hours = record_rules.training_hours(credits, NOW)
    assert hours.induction == 72.0 and hours.induction_complete
    assert hours.retraining_last_year == 18.0 and not hours.retraining_complete
    assert course_rules.lesson_hours(20, 8) == 2.5 and course_rules.lesson_hours(20, 0) == 0


def test_apprenticeship_is_supervised_for_four_months_then_needs_the_second_assessment() -> None:
    start = datetime(2026, 10, 31, tzinfo=UTC)
    assert mentoring_rules.supervised_until(start) == datetime(2027, 2, 28, tzinfo=UTC)
    stage = mentoring_rules.apprenticeship_stage
    assert stage(started_at=start, now=start + timedelta(days=100), second_assessment_passed_at=None) \
        is ApprenticeshipStage.SUPERVISED
    assert stage(started_at=start, now=datetime(2027, 2, 28, tzinfo=UTC), second_assessment_passed_at=None) \
        is ApprenticeshipStage.AWAITING_ASSESSMENT
    assert stage(started_at=start, now=datetime(2027, 3, 5, tzinfo=UTC),
                 second_assessment_passed_at=datetime(2027, 3, 1, tzinfo=UTC)) is ApprenticeshipStage.MAY_WORK_ALONE


def test_retake_policy() -> None:
    policy = exam_rules.RetakePolicy(max_attempts=2, wait_minutes=30)
    failed = exam_rules.PastAttempt(started_at=NOW - timedelta(hours=1), submitted_at=NOW - timedelta(minutes=10),
                               passed=False)
    assert exam_rules.retake_refusal([], policy, NOW) is None
    assert "retake is possible" in (exam_rules.retake_refusal([failed], policy, NOW) or "")
    assert exam_rules.retake_refusal([failed], policy, NOW + timedelta(minutes=20)) is None
    assert "2 attempt" in (exam_rules.retake_refusal([failed, failed], policy, NOW + timedelta(days=1)) or "")
    passed = exam_rules.PastAttempt(started_at=NOW, submitted_at=NOW, passed=True)
    assert "already passed" in (exam_rules.retake_refusal([passed], exam_rules.RetakePolicy(max_attempts=0), NOW) or "")
    assert exam_rules.retake_refusal([failed] * 9, exam_rules.RetakePolicy(max_attempts=0), NOW) is None


def test_retraining_flags_and_deadlines() -> None:
    assert exam_rules.retraining_flag(NOW + timedelta(days=90), NOW) is RetrainingFlag.OK
    assert exam_rules.retraining_flag(NOW + timedelta(days=10), NOW) is RetrainingFlag.LAPSING
    assert exam_rules.retraining_flag(NOW - timedelta(seconds=1), NOW) is RetrainingFlag.LAPSED
    assert exam_rules.attempt_deadline(NOW, 30, None) == NOW + timedelta(minutes=30)
    assert exam_rules.attempt_deadline(NOW, 30, NOW + timedelta(minutes=5)) == NOW + timedelta(minutes=5)


def test_ranking_puts_higher_scores_first_then_faster_and_shares_ties() -> None:
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    finisher = exam_rules.Finisher
    ranked = exam_rules.rank([finisher(a, 90, 300), finisher(b, 95, 600), finisher(c, 90, 300), finisher(d, 90, 200)])
    assert [r.finisher.person_id for r in ranked][:2] == [b, d]
    assert [r.rank for r in ranked] == [1, 2, 3, 3]
