"""Question-bank queries and mutations (training managers)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.training.bank import flows, service
from backend.training.bank.types import (
    BankFormatType,
    BankQuestion,
    BankQuestionResult,
    ImportQuestionsResult,
    ImportRowError,
    QuestionBankList,
    QuestionBankResult,
    QuestionExport,
    QuestionExportResult,
    QuestionImport,
    QuestionInput,
)
from backend.training.permissions import CanManageTraining


@strawberry.type
class Query:
    @strawberry.field(description="The question bank with answers (training managers only).")
    @returns_domain_errors
    async def question_bank(self, info: Info[Context, None], tag: str | None = None) -> QuestionBankResult:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            CanManageTraining.check(principal)
            bank = await service.questions(session=ctx.session, mine_id=principal.mine_id,
                                           tag=tag.strip().lower() if tag else None)
            return QuestionBankList(questions=[BankQuestion.from_model(q) for q in bank])

    @strawberry.field(description="The question bank as CSV or JSON text (training managers only).")
    @returns_domain_errors
    async def export_questions(self, info: Info[Context, None], format: BankFormatType,  # type: ignore[valid-type]
                               tag: str | None = None) -> QuestionExportResult:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            content = await flows.export_questions(ctx.session, actor=principal, fmt=format,
                                                   tag=tag.strip().lower() if tag else None)
            bank = await service.questions(session=ctx.session, mine_id=principal.mine_id,
                                           tag=tag.strip().lower() if tag else None)
            return QuestionExport(format=format, count=len(bank), content=content)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add one question to the bank (training managers).")
    @returns_domain_errors
    async def add_question(self, info: Info[Context, None], input: QuestionInput) -> BankQuestionResult:
        ctx = info.context
        actor = ctx.person()
        question = await flows.create_question(ctx.session, actor=actor, raw={
            "kind": input.kind.value, "text": input.text, "options": input.options, "correct": input.correct_options,
            "tags": input.tags, "difficulty": input.difficulty, "explanation": input.explanation})
        await ctx.commit()
        return BankQuestion.from_model(question)

    @strawberry.mutation(description="Import questions from CSV or JSON text: all of them, or none with an error per "
                                     "bad row.")
    @returns_domain_errors
    async def import_questions(self, info: Info[Context, None], format: BankFormatType,  # type: ignore[valid-type]
                               content: str) -> ImportQuestionsResult:
        ctx = info.context
        actor = ctx.person()
        outcome = await flows.import_questions(ctx.session, actor=actor, content=content, fmt=format)
        if outcome.errors:
            await ctx.rollback()
        else:
            await ctx.commit()
        return QuestionImport(imported_count=len(outcome.imported),
                              errors=[ImportRowError(row=e.row, message=e.message) for e in outcome.errors])
