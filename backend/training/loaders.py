"""DataLoaders for the nested fields of training types (no N+1 queries)."""

from __future__ import annotations

import uuid

from strawberry.dataloader import DataLoader

from backend.graphql.context import Context
from backend.hazards import loaders as hazard_loaders
from backend.training import service
from backend.training.models import AttemptAnswer, Course, Exam, Lesson, LessonProgress, Question

users = hazard_loaders.users


def lessons(ctx: Context) -> DataLoader[uuid.UUID, list[Lesson]]:
    return ctx.loader("training_lessons", service.lessons_by_course)


def progress(ctx: Context) -> DataLoader[tuple[uuid.UUID, uuid.UUID], list[LessonProgress]]:
    return ctx.loader("training_progress", service.progress_by_user_course)


def courses(ctx: Context) -> DataLoader[uuid.UUID, Course | None]:
    return ctx.loader("training_courses", service.courses_by_ids)


def exams(ctx: Context) -> DataLoader[uuid.UUID, Exam | None]:
    return ctx.loader("training_exams", service.exams_by_ids)


def questions(ctx: Context) -> DataLoader[uuid.UUID, Question | None]:
    return ctx.loader("training_questions", service.questions_batch)


def answers(ctx: Context) -> DataLoader[uuid.UUID, dict[uuid.UUID, AttemptAnswer]]:
    return ctx.loader("training_answers", service.answers_batch)
