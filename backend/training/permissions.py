"""Who may do what in training: small classes named for what they allow."""

from __future__ import annotations

import uuid

from backend.accounts.roles import Principal, Role
from backend.graphql.errors import NotAllowedError

TRAINING_MANAGERS = frozenset({Role.SAFETY_OFFICER, Role.MINE_MANAGER, Role.ADMIN})


class CanManageTraining:
    """Courses, the question bank (with its answers), exams and mentor links."""

    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & TRAINING_MANAGERS:
            raise NotAllowedError("training is managed by safety officers, mine managers and admins")


class CanAssignTraining:
    """Managers assign to anyone of their mine; a mentor only to their own current apprentices."""

    @staticmethod
    def check(actor: Principal, *, is_their_apprentice: bool) -> None:
        if actor.roles & TRAINING_MANAGERS:
            return
        if Role.MENTOR in actor.roles and is_their_apprentice:
            return
        if Role.MENTOR in actor.roles:
            raise NotAllowedError("a mentor assigns training only to their own apprentices")
        raise NotAllowedError("assigning training needs a mentor or a training manager")


class CanFollowTrainee:
    """A person sees their own training; their mentor and training managers see it too."""

    @staticmethod
    def check(actor: Principal, person_id: uuid.UUID, *, is_their_apprentice: bool) -> None:
        if actor.id == person_id or actor.roles & TRAINING_MANAGERS or Role.AREA_MANAGER in actor.roles:
            return
        if Role.MENTOR in actor.roles and is_their_apprentice:
            return
        raise NotAllowedError("only the person, their mentor and training managers see this training record")


class CanAssessApprentice:
    """The second assessment is recorded by the apprentice's mentor or a training manager."""

    @staticmethod
    def check(actor: Principal, *, mentor_id: uuid.UUID) -> None:
        if actor.id == mentor_id or actor.roles & TRAINING_MANAGERS:
            return
        raise NotAllowedError("the second assessment is recorded by the mentor or a training manager")


class CanReportViolation:
    """A confirmed violation (and its remedial course) is recorded by a safety officer or manager."""

    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & (TRAINING_MANAGERS | {Role.AREA_MANAGER}):
            raise NotAllowedError("a violation is confirmed by a safety officer or a manager")
