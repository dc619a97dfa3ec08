"""Question-bank changes: checks, the change and its audit entry in one transaction (the caller commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal
from backend.audit.flows import record_audit
from backend.database.tenancy import sqlite_write_lock
from backend.errors import ValidationFailed
from backend.training.bank import rules, service
from backend.training.bank.formats import BankFormat, QuestionData, RowError, check_question, export_bank, parse_bank
from backend.training.bank.models import Question
from backend.training.permissions import CanManageTraining


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    imported: list[Question] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _question_from(data: QuestionData, mine_id: uuid.UUID) -> Question:
    return Question(mine_id=mine_id, kind=data.kind, text=data.text, options=data.options, correct=data.correct,
                    tags=data.tags, difficulty=data.difficulty, explanation=data.explanation)


async def create_question(session: AsyncSession, *, actor: Principal, raw: dict[str, Any]) -> Question:
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    try:
        data = check_question(raw)
    except ValueError as error:
        raise ValidationFailed(str(error), field="question") from error
    question = _question_from(data, actor.mine_id)
    session.add(question)
    await session.flush()
    await record_audit(session, actor=actor, action="training.question_added", subject_type="training_question",
                       subject_id=question.id, before={}, after={"kind": data.kind, "tags": data.tags,
                                                             "difficulty": data.difficulty})
    return question


async def import_questions(session: AsyncSession, *, actor: Principal, content: str, fmt: BankFormat
                           ) -> ImportOutcome:
    """All rows or none: any bad row (or a text already in the bank) refuses the whole file."""
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    parsed, errors = parse_bank(content, fmt)
    if not errors:
        existing = {q.text for q in await service.questions(session=session, mine_id=actor.mine_id,
                                                            active_only=False)}
        errors = [RowError(row=i, message="this question is already in the bank")
                  for i, q in enumerate(parsed, start=1) if q.text in existing]
    if errors:
        return ImportOutcome(errors=errors)
    questions = [_question_from(data, actor.mine_id) for data in parsed]
    session.add_all(questions)
    await session.flush()
    await record_audit(session, actor=actor, action="training.questions_imported", subject_type="question_bank",
                       subject_id=actor.mine_id, before={},
                       after={"format": fmt, "count": len(questions), "ids": [q.id for q in questions]})
    return ImportOutcome(imported=questions)


async def export_questions(session: AsyncSession, *, actor: Principal, fmt: BankFormat, tag: str | None) -> str:
    CanManageTraining.check(actor)
    bank = await service.questions(session=session, mine_id=actor.mine_id, tag=tag)
    return export_bank([QuestionData(kind=q.kind, text=q.text, options=list(q.options), correct=list(q.correct),
                                     tags=list(q.tags), difficulty=q.difficulty, explanation=q.explanation)
                        for q in bank], fmt)


def bank_entries(bank: Sequence[Question]) -> list[rules.BankEntry]:
    return [rules.BankEntry(id=q.id, tags=frozenset(q.tags), difficulty=q.difficulty) for q in bank]
