"""GraphQL types of the question bank (answers in them: training managers only)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.graphql.errors import NotAllowedType, ValidationFailedType
from backend.training.bank.formats import BankFormat
from backend.training.bank.models import Question
from backend.training.bank.rules import QuestionKind

QuestionKindType = strawberry.enum(QuestionKind, name="QuestionKind")
BankFormatType = strawberry.enum(BankFormat, name="QuestionBankFormat")


@strawberry.type(description="A bank question with its answer; only training managers can read these.")
class BankQuestion:
    id: strawberry.ID
    kind: QuestionKindType  # type: ignore[valid-type]
    text: str
    options: list[str]
    correct_options: list[int]
    tags: list[str]
    difficulty: int
    explanation: str | None

    @classmethod
    def from_model(cls, q: Question) -> BankQuestion:
        return cls(id=strawberry.ID(str(q.id)), kind=q.kind, text=q.text, options=list(q.options),
                   correct_options=list(q.correct), tags=list(q.tags), difficulty=q.difficulty,
                   explanation=q.explanation)


@strawberry.type
class ImportRowError:
    row: int = strawberry.field(description="1-based question number (0: the file as a whole)")
    message: str


@strawberry.type(description="How an import went: either every question or none was imported.")
class QuestionImport:
    imported_count: int
    errors: list[ImportRowError]


@strawberry.input
class QuestionInput:
    kind: QuestionKindType  # type: ignore[valid-type]
    text: str
    options: list[str]
    correct_options: list[int]
    tags: list[str]
    difficulty: int
    explanation: str | None = None


@strawberry.type
class QuestionBankList:
    questions: list[BankQuestion]


@strawberry.type
class QuestionExport:
    format: BankFormatType  # type: ignore[valid-type]
    count: int
    content: str


BankQuestionResult = Annotated[
    BankQuestion | NotAllowedType | ValidationFailedType, strawberry.union("BankQuestionResult")]
ImportQuestionsResult = Annotated[QuestionImport | NotAllowedType, strawberry.union("ImportQuestionsResult")]
QuestionBankResult = Annotated[QuestionBankList | NotAllowedType, strawberry.union("QuestionBankResult")]
QuestionExportResult = Annotated[QuestionExport | NotAllowedType, strawberry.union("QuestionExportResult")]
