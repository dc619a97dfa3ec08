"""DataLoaders of exams and saved answers (no N+1 queries)."""

from __future__ import annotations

import uuid

from strawberry.dataloader import DataLoader

from backend.graphql.context import Context
from backend.training.exams import service
from backend.training.exams.models import AttemptAnswer, Exam


def exams(ctx: Context) -> DataLoader[uuid.UUID, Exam | None]:
    return ctx.loader("training_exams", service.exams_by_ids)


def answers(ctx: Context) -> DataLoader[uuid.UUID, dict[uuid.UUID, AttemptAnswer]]:
    return ctx.loader("training_answers", service.answers_batch)
