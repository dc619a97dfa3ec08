"""GraphQL types of courses and lessons."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.graphql.context import Context
from backend.graphql.errors import NotAllowedType, NotFoundType, ValidationFailedType
from backend.storage.service import download_url
from backend.training.courses import loaders, rules, service
from backend.training.courses.models import Course, Lesson, LessonKind, LessonProgress
from backend.training.courses.rules import CourseKind

CourseKindType = strawberry.enum(CourseKind, name="CourseKind")
LessonKindType = strawberry.enum(LessonKind, name="LessonKind")


@strawberry.type
class LessonProgressInfo:
    seconds_spent: int
    completed_at: datetime | None
    started_at: datetime | None = strawberry.field(default=None, description="When the server started the lesson's "
                                                   "clock (the caller's first progress on it).")


@strawberry.type(name="TrainingLesson")
class LessonType:
    model: strawberry.Private[Lesson]
    id: strawberry.ID
    position: int
    title: str
    kind: LessonKindType  # type: ignore[valid-type]
    body: str
    minutes: int

    @classmethod
    def from_model(cls, lesson: Lesson) -> LessonType:
        return cls(model=lesson, id=strawberry.ID(str(lesson.id)), position=lesson.position, title=lesson.title,
                   kind=lesson.kind, body=lesson.body, minutes=lesson.minutes)

    @strawberry.field(description="A signed URL to the lesson's image or video (null for text), valid an hour.")
    async def media_url(self, info: Info[Context, None]) -> str | None:
        if not self.model.media_key:
            return None
        ctx = info.context
        return await download_url(store=ctx.store, settings=ctx.settings, key=self.model.media_key)

    @strawberry.field(description="The caller's own progress through this lesson.")
    async def my_progress(self, info: Info[Context, None]) -> LessonProgressInfo | None:
        principal = info.context.authenticated()
        rows = await loaders.progress(info.context).load((principal.id, self.model.course_id))
        found = next((r for r in rows if r.lesson_id == self.model.id), None)
        if found is None:
            return None
        return LessonProgressInfo(seconds_spent=found.seconds_spent, completed_at=found.completed_at,
                                  started_at=found.started_at)

    @strawberry.field(description="Seconds from the lesson's start (server time) before it may be finished: its "
                                  "minutes × the mine's lesson_minimum_share.")
    async def minimum_seconds(self, info: Info[Context, None]) -> int:
        principal = info.context.authenticated()
        share = await service.lesson_minimum_share(session=info.context.session, mine_id=principal.mine_id)
        return rules.lesson_minimum_seconds(self.model.minutes, share)


@strawberry.type
class CourseProgress:
    lessons_done: int
    lesson_count: int
    seconds_spent: int
    hours_earned: float
    completed: bool


def course_progress(course: Course, lessons: list[Lesson], rows: list[LessonProgress]) -> CourseProgress:
    done = sum(1 for r in rows if r.completed_at is not None)
    share = rules.lesson_hours(course.class_hours, len(lessons))
    return CourseProgress(lessons_done=done, lesson_count=len(lessons),
                          seconds_spent=sum(r.seconds_spent for r in rows),
                          hours_earned=round(done * share, 2), completed=bool(lessons) and done >= len(lessons))


@strawberry.type(name="TrainingCourse")
class CourseType:
    model: strawberry.Private[Course]
    id: strawberry.ID
    title: str
    description: str
    kind: CourseKindType  # type: ignore[valid-type]
    skill_tags: list[str]
    class_hours: float

    @classmethod
    def from_model(cls, course: Course) -> CourseType:
        return cls(model=course, id=strawberry.ID(str(course.id)), title=course.title, description=course.description,
                   kind=course.kind, skill_tags=list(course.skill_tags), class_hours=course.class_hours)

    @strawberry.field
    async def lessons(self, info: Info[Context, None]) -> list[LessonType]:
        return [LessonType.from_model(lesson) for lesson in await loaders.lessons(info.context).load(self.model.id)]

    @strawberry.field(description="The caller's progress through the course.")
    async def my_progress(self, info: Info[Context, None]) -> CourseProgress:
        principal = info.context.authenticated()
        lessons = await loaders.lessons(info.context).load(self.model.id)
        rows = await loaders.progress(info.context).load((principal.id, self.model.id))
        return course_progress(self.model, lessons, rows)


@strawberry.input
class LessonInput:
    title: str
    kind: LessonKindType  # type: ignore[valid-type]
    body: str = ""
    media_key: str | None = strawberry.field(default=None, description="an uploaded PHOTO, DOCUMENT or VIDEO key")
    minutes: int = 0


@strawberry.input
class CreateCourseInput:
    title: str
    kind: CourseKindType  # type: ignore[valid-type]
    class_hours: float
    lessons: list[LessonInput]
    skill_tags: list[str] = strawberry.field(default_factory=list)
    description: str = ""


CourseResult = Annotated[
    CourseType | NotAllowedType | NotFoundType | ValidationFailedType, strawberry.union("CourseResult")]
LessonProgressResult = Annotated[
    CourseType | NotAllowedType | ValidationFailedType, strawberry.union("LessonProgressResult")]
