"""Exam queries and mutations."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.types import Info

from backend.accounts import service as accounts_service
from backend.accounts.roles import Role
from backend.accounts.types import PersonType
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id
from backend.training.bank.rules import DrawRule
from backend.training.exams import flows, rules, service
from backend.training.exams.models import Attempt, Exam
from backend.training.exams.types import (
    AttemptResult,
    AttemptType,
    CreateExamInput,
    ExamResult,
    ExamType,
    LeaderboardEntry,
    SaveAnswerInput,
    SaveAnswerResult,
    SavedAnswer,
)
from backend.training.permissions import TRAINING_MANAGERS


@strawberry.type
class Query:
    @strawberry.field(description="Exams the caller may take (training managers: every exam of the mine).")
    async def training_exams(self, info: Info[Context, None]) -> list[ExamType]:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            exams = await service.exams_for(session=ctx.session, mine_id=principal.mine_id, user_id=principal.id,
                                            everything=bool(principal.roles & TRAINING_MANAGERS))
            return [ExamType.from_model(e) for e in exams]

    @strawberry.field(description="Exams the caller may assign: every exam of the mine for mentors and training "
                                  "managers, none for others.")
    async def assignable_exams(self, info: Info[Context, None]) -> list[ExamType]:
        ctx = info.context
        principal = ctx.person()
        if not principal.roles & (TRAINING_MANAGERS | {Role.MENTOR}):
            return []
        async with ctx.session_lock:
            exams = await service.exams_for(session=ctx.session, mine_id=principal.mine_id, user_id=principal.id,
                                            everything=True)
            return [ExamType.from_model(e) for e in exams]

    @strawberry.field(description="One of the caller's own attempts (nobody else's).")
    async def exam_attempt(self, info: Info[Context, None], id: strawberry.ID) -> AttemptType | None:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            attempt = await ctx.session.get(Attempt, parse_id(id, "id"))
            if attempt is None or attempt.user_id != principal.id:
                return None
            return AttemptType.from_model(attempt)

    @strawberry.field(description="The caller's attempts at an exam, first to last.")
    async def my_exam_attempts(self, info: Info[Context, None], exam_id: strawberry.ID) -> list[AttemptType]:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            attempts = await service.attempts_of(session=ctx.session, exam_id=parse_id(exam_id, "examId"),
                                                 user_id=principal.id)
            return [AttemptType.from_model(a) for a in attempts if a.mine_id == principal.mine_id]


@strawberry.type
class LeaderboardQuery:
    """The leaderboard comes last among the training fields of the schema (after the question bank's)."""

    @strawberry.field(description="Ranked results of a competition (or any exam): best score, then fastest.")
    async def leaderboard(self, info: Info[Context, None], exam_id: strawberry.ID) -> list[LeaderboardEntry]:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            exam = await ctx.session.get(Exam, parse_id(exam_id, "examId"))
            if exam is None or exam.mine_id != principal.mine_id:
                return []
            best: dict[uuid.UUID, rules.Finisher] = {}
            for attempt in await service.submitted_attempts(session=ctx.session, exam_id=exam.id):
                assert attempt.submitted_at is not None
                finisher = rules.Finisher(person_id=attempt.user_id, score=attempt.score or 0.0,
                                          seconds=(attempt.submitted_at - attempt.started_at).total_seconds())
                current = best.get(attempt.user_id)
                if current is None or (finisher.score, -finisher.seconds) > (current.score, -current.seconds):
                    best[attempt.user_id] = finisher
            ranked = rules.rank(best.values())
            people = await accounts_service.get_many(session=ctx.session,
                                                     user_ids=[r.finisher.person_id for r in ranked])
            return [LeaderboardEntry(rank=r.rank, person=PersonType.from_model(p) if p else None,
                                     score=r.finisher.score, seconds=int(r.finisher.seconds))
                    for r, p in zip(ranked, people, strict=True)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="An exam or a skill competition drawn from the bank by rules.")
    @returns_domain_errors
    async def create_exam(self, info: Info[Context, None], input: CreateExamInput) -> ExamResult:
        ctx = info.context
        actor = ctx.person()
        exam = await flows.create_exam(ctx.session, actor=actor, data=flows.ExamData(
            title=input.title, time_limit_minutes=input.time_limit_minutes, skill=input.skill,
            rules=[DrawRule(count=r.count, tag=r.tag, min_difficulty=r.min_difficulty, max_difficulty=r.max_difficulty)
                   for r in input.rules],
            pass_mark=input.pass_mark, max_attempts=input.max_attempts, retake_wait_minutes=input.retake_wait_minutes,
            requires_practical=input.requires_practical, open_to_all=input.open_to_all,
            is_competition=input.is_competition, opens_at=input.opens_at, closes_at=input.closes_at))
        await ctx.commit()
        return ExamType.from_model(exam)

    @strawberry.mutation(description="Start an exam, or resume the caller's running attempt at it.")
    @returns_domain_errors
    async def start_exam_attempt(self, info: Info[Context, None], exam_id: strawberry.ID) -> AttemptResult:
        ctx = info.context
        actor = ctx.person()
        attempt = await flows.start_attempt(ctx.session, actor=actor, exam_id=parse_id(exam_id, "examId"))
        await ctx.commit()
        return AttemptType.from_model(attempt)

    @strawberry.mutation(description="Save one answer; retries are harmless, late answers are refused.")
    @returns_domain_errors
    async def save_answer(self, info: Info[Context, None], input: SaveAnswerInput) -> SaveAnswerResult:
        ctx = info.context
        actor = ctx.person()
        attempt_id, question_id = parse_id(input.attempt_id, "attemptId"), parse_id(input.question_id, "questionId")
        async with ctx.platform.engine.begin() as connection:  # its own transaction, committed here (no events)
            saved = await flows.save_answer(connection, actor=actor, attempt_id=attempt_id, question_id=question_id,
                                            chosen=input.chosen, revision=input.revision)
        return SavedAnswer.from_model(saved)

    @strawberry.mutation(description="Submit and grade; submitting again returns the same result.")
    @returns_domain_errors
    async def submit_exam_attempt(self, info: Info[Context, None], attempt_id: strawberry.ID) -> AttemptResult:
        ctx = info.context
        actor = ctx.person()
        attempt = await flows.submit_attempt(ctx.session, actor=actor, attempt_id=parse_id(attempt_id, "attemptId"))
        await ctx.commit()
        return AttemptType.from_model(attempt)
