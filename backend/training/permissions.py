"""Who manages training (every sub-package checks it); each sub-package keeps its own permissions."""

from __future__ import annotations

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed

TRAINING_MANAGERS = frozenset({Role.SAFETY_OFFICER, Role.MINE_MANAGER, Role.ADMIN})


class CanManageTraining:
    """Courses, the question bank (with its answers), exams and mentor links."""

    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & TRAINING_MANAGERS:
            raise NotAllowed("training is managed by safety officers, mine managers and admins")
