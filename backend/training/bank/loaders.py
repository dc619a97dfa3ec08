"""DataLoaders of the question bank."""

from __future__ import annotations

import uuid

from strawberry.dataloader import DataLoader

from backend.graphql.context import Context
from backend.training.bank import service
from backend.training.bank.models import Question


def questions(ctx: Context) -> DataLoader[uuid.UUID, Question | None]:
    return ctx.loader("training_questions", service.questions_batch)
