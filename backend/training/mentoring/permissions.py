"""Who may assign, assess, score practicals and confirm violations."""

from __future__ import annotations

import uuid

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed
from backend.training.permissions import TRAINING_MANAGERS


class CanAssignTraining:
    """Managers assign to anyone of their mine; a mentor only to their own current apprentices."""

    @staticmethod
    def check(actor: Principal, *, is_their_apprentice: bool) -> None:
        if actor.roles & TRAINING_MANAGERS:
            return
        if Role.MENTOR in actor.roles and is_their_apprentice:
            return
        if Role.MENTOR in actor.roles:
            raise NotAllowed("a mentor assigns training only to their own apprentices")
        raise NotAllowed("assigning training needs a mentor or a training manager")


class CanAssessApprentice:
    """The second assessment is recorded by the apprentice's mentor or a training manager."""

    @staticmethod
    def check(actor: Principal, *, mentor_id: uuid.UUID) -> None:
        if actor.id == mentor_id or actor.roles & TRAINING_MANAGERS:
            return
        raise NotAllowed("the second assessment is recorded by the mentor or a training manager")


class CanReportViolation:
    """A confirmed violation (and its remedial course) is recorded by a safety officer or manager."""

    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & (TRAINING_MANAGERS | {Role.AREA_MANAGER}):
            raise NotAllowed("a violation is confirmed by a safety officer or a manager")
