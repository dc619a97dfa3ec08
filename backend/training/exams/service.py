"""Exam queries (never commits)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Insert, Integer, String, Uuid, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database.base import UTCDateTime
from backend.training.bank.models import Question
from backend.training.bank.rules import QuestionKind
from backend.training.courses.models import Assignment
from backend.training.courses.service import in_mine_or_raise
from backend.training.exams.models import Attempt, AttemptAnswer, AttemptState, Exam, Proficiency


async def exam_or_raise(*, session: AsyncSession, exam_id: uuid.UUID, mine_id: uuid.UUID) -> Exam:
    return await in_mine_or_raise(session, Exam, exam_id, mine_id, "exam")  # type: ignore[no-any-return]


async def attempt_or_raise(*, session: AsyncSession, attempt_id: uuid.UUID, mine_id: uuid.UUID,
                           for_update: bool = False) -> Attempt:
    return await in_mine_or_raise(session, Attempt, attempt_id, mine_id, "attempt",  # type: ignore[no-any-return]
                                   for_update)


async def exams_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Exam | None]:
    found = {e.id: e for e in await session.scalars(select(Exam).where(Exam.id.in_(set(ids))))}
    return [found.get(i) for i in ids]


async def proficiencies_of(*, session: AsyncSession, user_id: uuid.UUID) -> Sequence[Proficiency]:
    return (await session.scalars(select(Proficiency).where(Proficiency.user_id == user_id)
                                  .order_by(Proficiency.skill))).all()


async def attempts_of(*, session: AsyncSession, exam_id: uuid.UUID, user_id: uuid.UUID) -> Sequence[Attempt]:
    return (await session.scalars(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.user_id == user_id)
                                  .order_by(Attempt.number))).all()


async def open_attempt(*, session: AsyncSession, exam_id: uuid.UUID, user_id: uuid.UUID) -> Attempt | None:
    return await session.scalar(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.user_id == user_id,
                                                      Attempt.state == AttemptState.IN_PROGRESS))


async def answers_of(*, session: AsyncSession, attempt_id: uuid.UUID) -> dict[uuid.UUID, AttemptAnswer]:
    rows = await session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))
    return {a.question_id: a for a in rows}


async def submitted_attempts(*, session: AsyncSession, exam_id: uuid.UUID) -> Sequence[Attempt]:
    return (await session.scalars(select(Attempt).where(Attempt.exam_id == exam_id,
                                                        Attempt.state == AttemptState.SUBMITTED))).all()


async def submitted_attempts_of(*, session: AsyncSession, user_id: uuid.UUID) -> Sequence[Attempt]:
    """A person's handed-in attempts at every exam, first to last."""
    return (await session.scalars(select(Attempt).where(Attempt.user_id == user_id,
                                                        Attempt.submitted_at.is_not(None))
                                  .order_by(Attempt.submitted_at))).all()


async def exams_for(*, session: AsyncSession, mine_id: uuid.UUID, user_id: uuid.UUID, everything: bool
                    ) -> Sequence[Exam]:
    """Exams a person may take (open to all, or assigned to them); managers see every exam."""
    query = select(Exam).where(Exam.mine_id == mine_id)
    if not everything:
        assigned = select(Assignment.exam_id).where(Assignment.assignee_id == user_id,
                                                    Assignment.exam_id.is_not(None))
        query = query.where(Exam.open_to_all | Exam.id.in_(assigned))
    return (await session.scalars(query.order_by(Exam.created_at.desc()))).all()


async def answers_batch(session: AsyncSession, attempt_ids: Sequence[uuid.UUID]
                        ) -> list[dict[uuid.UUID, AttemptAnswer]]:
    """Saved answers by attempt id (a DataLoader batch)."""
    rows = await session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(set(attempt_ids))))
    grouped: dict[uuid.UUID, dict[uuid.UUID, AttemptAnswer]] = defaultdict(dict)
    for answer in rows:
        grouped[answer.attempt_id][answer.question_id] = answer
    return [grouped.get(attempt_id, {}) for attempt_id in attempt_ids]


# one statement per dialect and answer shape, built once: building and keying a statement per save cost
# more CPU than running it
_SAVE_STATEMENTS: dict[tuple[str, bool, bool], Insert] = {}


def _build_save_statement(dialect: str, any_picked: bool, several: bool) -> Insert:
    checks = [Attempt.id == bindparam("p_attempt_id", type_=Uuid()),
              Attempt.mine_id == bindparam("p_mine_id", type_=Uuid()),
              Attempt.user_id == bindparam("p_user_id", type_=Uuid()), Attempt.state == AttemptState.IN_PROGRESS,
              Attempt.deadline_at > bindparam("p_now", type_=UTCDateTime()),
              # the ids are UUID strings (hex and '-', nothing LIKE treats specially): the quoted id is in the
              # array's JSON text exactly when the array holds it
              cast(Attempt.question_ids, String).like(bindparam("p_quoted_question_id", type_=String()))]
    if any_picked:
        checks.append(func.json_array_length(Question.options) > bindparam("p_highest_option", type_=Integer()))
    if several:
        checks.append(Question.kind == QuestionKind.MULTIPLE)
    source = (select(bindparam("p_answer_id", type_=Uuid()), Attempt.id, Question.id,
                     bindparam("p_chosen", type_=JSON()), bindparam("p_revision", type_=Integer()),
                     bindparam("p_saved_at", type_=UTCDateTime()))
              .join_from(Attempt, Question, Question.id == bindparam("p_question_id", type_=Uuid())).where(*checks))
    if dialect == "postgresql":
        source = source.with_for_update(read=True, of=Attempt)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(AttemptAnswer.__table__).from_select(
        ["id", "attempt_id", "question_id", "chosen", "revision", "saved_at"], source)
    statement = statement.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={"chosen": statement.excluded.chosen, "revision": statement.excluded.revision,
              "saved_at": statement.excluded.saved_at},
        where=AttemptAnswer.revision <= statement.excluded.revision)
    return statement.returning(AttemptAnswer.id, AttemptAnswer.saved_at)


def save_answer_statement(dialect: str, *, mine_id: uuid.UUID, user_id: uuid.UUID, attempt_id: uuid.UUID,
                          question_id: uuid.UUID, picked: Sequence[int], revision: int, now: datetime
                          ) -> tuple[Insert, dict[str, Any]]:
    """One statement for a good answer save, and its parameters: `INSERT … SELECT` from the attempt and the
    question with every check in its WHERE (the caller's own attempt in their mine, in progress, before its
    server-clock deadline, the question drawn for it, the options in range, one option unless multiple
    choice), `ON CONFLICT` replacing only an equal or older revision, `RETURNING` the row. No row back:
    refused or older (the caller explains).

    `picked` is sorted, unique and not negative. On PostgreSQL the attempt row is share-locked (FOR SHARE):
    answers of one attempt go in side by side, and a submit (FOR UPDATE) waits for those in flight.
    """
    key = (dialect, bool(picked), len(picked) > 1)
    statement = _SAVE_STATEMENTS.get(key)
    if statement is None:
        statement = _SAVE_STATEMENTS[key] = _build_save_statement(*key)
    params: dict[str, Any] = {
        "p_attempt_id": attempt_id, "p_mine_id": mine_id, "p_user_id": user_id, "p_now": now, "p_saved_at": now,
        "p_quoted_question_id": f'%"{question_id}"%', "p_question_id": question_id, "p_answer_id": uuid.uuid4(),
        "p_chosen": list(picked), "p_revision": revision}
    if picked:
        params["p_highest_option"] = picked[-1]
    return statement, params
