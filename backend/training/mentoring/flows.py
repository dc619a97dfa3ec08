"""Mentoring changes: checks, the change and its audit entry in one transaction (the caller commits).

`assign_remedial` is the entry point for other domains: a confirmed violation (a vision event, a
hazard a person caused) assigns the matching remedial micro-course, once per violation.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal, Role
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import sqlite_write_lock
from backend.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from backend.training.courses import service as course_service
from backend.training.courses.flows import assignment_snapshot, training_text
from backend.training.courses.models import Assignment, AssignmentKind, AssignmentReason
from backend.training.exams import flows as exam_flows
from backend.training.exams import rules as exam_rules
from backend.training.exams import service as exam_service
from backend.training.exams.models import Attempt, AttemptState
from backend.training.mentoring import rules, service
from backend.training.mentoring.models import Apprenticeship
from backend.training.mentoring.permissions import CanAssessApprentice, CanAssignTraining, CanReportViolation
from backend.training.permissions import TRAINING_MANAGERS, CanManageTraining

logger = logging.getLogger(__name__)
REMEDIAL_DUE_DAYS = 7


def link_snapshot(link: Apprenticeship) -> dict[str, Any]:
    return {"mentor_id": link.mentor_id, "apprentice_id": link.apprentice_id, "started_at": link.started_at,
            "second_assessment_passed": link.second_assessment_passed, "released_at": link.released_at,
            "ended_at": link.ended_at}


async def record_practical_score(session: AsyncSession, *, actor: Principal, attempt_id: uuid.UUID,
                                 score: float) -> Attempt:
    """Special operations: the practical part, scored by a mentor or manager; both parts must reach the mark."""
    await sqlite_write_lock(session, actor.mine_id)
    attempt = await exam_service.attempt_or_raise(session=session, attempt_id=attempt_id, mine_id=actor.mine_id,
                                             for_update=True)
    exam = await exam_service.exam_or_raise(session=session, exam_id=attempt.exam_id, mine_id=actor.mine_id)
    is_mentor = await service.is_mentor_of(session=session, mentor_id=actor.id, apprentice_id=attempt.user_id)
    if not (actor.roles & TRAINING_MANAGERS or (Role.MENTOR in actor.roles and is_mentor)):
        raise NotAllowed("the practical part is scored by the person's mentor or a training manager")
    if actor.id == attempt.user_id:
        raise NotAllowed("nobody scores their own practical")
    if not exam.requires_practical:
        raise InvalidTransition("this exam has no practical part", current_state=attempt.state.value)
    if attempt.state is not AttemptState.SUBMITTED:
        raise InvalidTransition("the theory part is not submitted yet", current_state=attempt.state.value)
    if attempt.practical_score is not None:
        raise InvalidTransition("the practical part is already scored", current_state=attempt.state.value)
    if not 0 <= score <= 100:
        raise ValidationFailed("a score is 0 to 100", field="score")
    before = exam_flows.attempt_snapshot(attempt)
    attempt.practical_score = score
    attempt.passed = exam_rules.special_operation_passed(attempt.score, score, exam.pass_mark)
    await session.flush()
    await record_audit(session, actor=actor, action="training.practical_scored", subject_type="training_attempt",
                       subject_id=attempt.id, before=before, after=exam_flows.attempt_snapshot(attempt))
    if attempt.passed:
        await exam_flows.on_passed(session, actor=actor, exam=exam, attempt=attempt, person_id=attempt.user_id)
    return attempt


async def link_apprentice(session: AsyncSession, *, actor: Principal, mentor_id: uuid.UUID, apprentice_id: uuid.UUID,
                          started_at: datetime | None) -> Apprenticeship:
    """Put an apprentice under a mentor for the supervised period (one current mentor per apprentice)."""
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    mentor = await course_service.person_in_mine_or_raise(session=session, user_id=mentor_id, mine_id=actor.mine_id)
    await course_service.person_in_mine_or_raise(session=session, user_id=apprentice_id, mine_id=actor.mine_id)
    if Role.MENTOR.value not in mentor.roles:
        raise ValidationFailed("the mentor must hold the mentor role", field="mentorId")
    if mentor_id == apprentice_id:
        raise ValidationFailed("a mentor cannot be their own apprentice", field="apprenticeId")
    if await service.active_apprenticeship(session=session, apprentice_id=apprentice_id) is not None:
        raise InvalidTransition("this apprentice already has a mentor", current_state="SUPERVISED")
    now = utcnow()
    start = started_at or now
    if start > now + timedelta(days=31):
        raise ValidationFailed("the supervised period starts within a month", field="startedAt")
    link = Apprenticeship(mine_id=actor.mine_id, mentor_id=mentor_id, apprentice_id=apprentice_id, started_at=start,
                          supervised_months=rules.SUPERVISED_MONTHS)
    session.add(link)
    await session.flush()
    await record_audit(session, actor=actor, action="training.apprentice_linked", subject_type="apprenticeship",
                       subject_id=link.id, before={}, after=link_snapshot(link))
    return link


async def record_second_assessment(session: AsyncSession, *, actor: Principal, link_id: uuid.UUID, passed: bool,
                                   note: str | None) -> Apprenticeship:
    """After the supervised period: pass releases the apprentice to work alone; fail keeps them supervised."""
    await sqlite_write_lock(session, actor.mine_id)
    link = await session.get(Apprenticeship, link_id, with_for_update=True)
    if link is None or link.mine_id != actor.mine_id:
        raise NotFound("no such apprenticeship")
    CanAssessApprentice.check(actor, mentor_id=link.mentor_id)
    now = utcnow()
    stage = rules.apprenticeship_stage(started_at=link.started_at, now=now, ended_at=link.ended_at,
                                       second_assessment_passed_at=link.released_at,
                                       months=link.supervised_months)
    if stage is not rules.ApprenticeshipStage.AWAITING_ASSESSMENT:
        raise InvalidTransition(
            f"the second assessment comes after the supervised period (until "
            f"{rules.supervised_until(link.started_at, link.supervised_months).date().isoformat()})"
            if stage is rules.ApprenticeshipStage.SUPERVISED else "this apprenticeship is finished",
            current_state=stage.value)
    text = training_text(note, "note", required=not passed, limit=2000)
    before = link_snapshot(link)
    link.second_assessment_at = now
    link.second_assessment_passed = passed
    link.second_assessment_note = text or None
    if passed:
        link.released_at = now
        link.ended_at = now
    await session.flush()
    await record_audit(session, actor=actor, action="training.second_assessment", subject_type="apprenticeship",
                       subject_id=link.id, before=before, after=link_snapshot(link), reason=text or None)
    return link


async def assign(session: AsyncSession, *, actor: Principal, assignee_id: uuid.UUID, course_id: uuid.UUID | None,
                 exam_id: uuid.UUID | None, due_at: datetime, note: str | None) -> Assignment:
    """A mentor assigns to their own apprentices, a training manager to anyone of the mine."""
    await sqlite_write_lock(session, actor.mine_id)
    if (course_id is None) == (exam_id is None):
        raise ValidationFailed("name exactly one of a course or an exam", field="courseId")
    await course_service.person_in_mine_or_raise(session=session, user_id=assignee_id, mine_id=actor.mine_id)
    mentor = await service.is_mentor_of(session=session, mentor_id=actor.id, apprentice_id=assignee_id)
    CanAssignTraining.check(actor, is_their_apprentice=mentor)
    if due_at <= utcnow():
        raise ValidationFailed("the due date must be in the future", field="dueAt")
    if course_id is not None:
        course = await course_service.course_or_raise(session=session, course_id=course_id, mine_id=actor.mine_id)
        if not course.is_active:
            raise ValidationFailed("this course is archived", field="courseId")
    else:
        assert exam_id is not None
        await exam_service.exam_or_raise(session=session, exam_id=exam_id, mine_id=actor.mine_id)
    assignment = Assignment(mine_id=actor.mine_id, assignee_id=assignee_id, assigned_by=actor.id,
                            kind=AssignmentKind.COURSE if course_id else AssignmentKind.EXAM, course_id=course_id,
                            exam_id=exam_id, due_at=due_at,
                            note=training_text(note, "note", required=False, limit=2000) or None)
    session.add(assignment)
    await session.flush()
    await record_audit(session, actor=actor, action="training.assigned", subject_type="training_assignment",
                       subject_id=assignment.id, before={}, after=assignment_snapshot(assignment))
    return assignment


async def assign_remedial(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID,
                          person_id: uuid.UUID, violation: str, source_ref: str, skill: str | None = None,
                          due_days: int = REMEDIAL_DUE_DAYS) -> Assignment | None:
    """After a confirmed violation: assign the remedial micro-course for the skill, once per source_ref.

    For other domains (vision events, hazards a person caused); actor None means the system.
    Returns None when the mine has no remedial course (logged).
    """
    if actor is not None and actor.mine_id != mine_id:
        raise NotAllowed("a violation is recorded in your own mine")
    await sqlite_write_lock(session, mine_id)
    ref = training_text(source_ref, "sourceRef", limit=120)
    existing = await course_service.assignment_by_source(session=session, mine_id=mine_id, assignee_id=person_id,
                                                  source_ref=ref)
    if existing is not None:
        return existing
    await course_service.person_in_mine_or_raise(session=session, user_id=person_id, mine_id=mine_id)
    course = await course_service.remedial_course_for(session=session, mine_id=mine_id,
                                               skill=skill.strip().lower() if skill else None)
    if course is None:
        logger.warning("no remedial course in mine %s for %s (violation %s)", mine_id, skill, ref)
        return None
    assignment = Assignment(mine_id=mine_id, assignee_id=person_id, assigned_by=actor.id if actor else None,
                            kind=AssignmentKind.COURSE, course_id=course.id, reason=AssignmentReason.REMEDIAL,
                            note=training_text(violation, "violation", limit=2000), source_ref=ref,
                            due_at=utcnow() + timedelta(days=due_days))
    session.add(assignment)
    await session.flush()
    await record_audit(session, actor=actor, mine_id=mine_id, action="training.remedial_assigned",
                       subject_type="training_assignment", subject_id=assignment.id, before={},
                       after=assignment_snapshot(assignment), reason=assignment.note)
    return assignment


async def confirm_violation(session: AsyncSession, *, actor: Principal, person_id: uuid.UUID, violation: str,
                            source_ref: str, skill: str | None) -> Assignment | None:
    """A safety officer or manager confirms a person's violation; the remedial course follows."""
    CanReportViolation.check(actor)
    return await assign_remedial(session, actor=actor, mine_id=actor.mine_id, person_id=person_id,
                                 violation=violation, source_ref=source_ref, skill=skill)
