"""Course queries and mutations."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors, union_member
from backend.graphql.ids import parse_id
from backend.training.courses import flows, service
from backend.training.courses.models import Course
from backend.training.courses.types import CourseResult, CourseType, CreateCourseInput, LessonProgressResult


@strawberry.type
class Query:
    @strawberry.field(description="Active courses of the caller's mine.")
    async def training_courses(self, info: Info[Context, None]) -> list[CourseType]:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            return [CourseType.from_model(c) for c in await service.list_courses(session=ctx.session,
                                                                                  mine_id=principal.mine_id)]

    @strawberry.field
    async def training_course(self, info: Info[Context, None], id: strawberry.ID) -> CourseType | None:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            course = await ctx.session.get(Course, parse_id(id, "id"))
            return CourseType.from_model(course) if course and course.mine_id == principal.mine_id else None


def _lesson_data(input: CreateCourseInput) -> list[flows.LessonData]:
    return [flows.LessonData(title=lesson.title, kind=lesson.kind, body=lesson.body, media_key=lesson.media_key,
                             minutes=lesson.minutes) for lesson in input.lessons]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A course with ordered lessons (image and video lessons name upload keys).")
    @returns_domain_errors
    async def create_course(self, info: Info[Context, None], input: CreateCourseInput) -> CourseResult:
        ctx = info.context
        actor = ctx.person()
        course = await flows.create_course(ctx.session, store=ctx.store, actor=actor, title=input.title,
                                           description=input.description, kind=input.kind,
                                           skill_tags=input.skill_tags, class_hours=input.class_hours,
                                           lessons=_lesson_data(input))
        await ctx.commit()
        return CourseType.from_model(course)

    @strawberry.mutation(description="The caller's time on a lesson (a running total) and whether it is done.")
    @returns_domain_errors
    async def record_lesson_progress(self, info: Info[Context, None], lesson_id: strawberry.ID, seconds_spent: int,
                                     completed: bool = False) -> LessonProgressResult:
        ctx = info.context
        actor = ctx.person()
        try:
            progress = await flows.record_lesson_progress(ctx.session, actor=actor,
                                                          lesson_id=parse_id(lesson_id, "lessonId"),
                                                          seconds_spent=seconds_spent, completed=completed)
        except flows.LessonTooShortError as refusal:
            await ctx.commit()          # the lesson's start and time so far are kept; only finishing is refused
            return union_member(refusal)
        course = await ctx.session.get(Course, progress.course_id)
        await ctx.commit()
        assert course is not None
        return CourseType.from_model(course)
