"""DataLoaders of courses (no N+1 queries)."""

from __future__ import annotations

import uuid

from strawberry.dataloader import DataLoader

from backend.graphql.context import Context
from backend.training.courses import service
from backend.training.courses.models import Course, Lesson, LessonProgress


def lessons(ctx: Context) -> DataLoader[uuid.UUID, list[Lesson]]:
    return ctx.loader("training_lessons", service.lessons_by_course)


def progress(ctx: Context) -> DataLoader[tuple[uuid.UUID, uuid.UUID], list[LessonProgress]]:
    return ctx.loader("training_progress", service.progress_by_user_course)


def courses(ctx: Context) -> DataLoader[uuid.UUID, Course | None]:
    return ctx.loader("training_courses", service.courses_by_ids)
