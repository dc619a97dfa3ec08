"""Who sees a person's training record."""

from __future__ import annotations

import uuid

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed
from backend.training.permissions import TRAINING_MANAGERS


class CanFollowTrainee:
    """A person sees their own training; their mentor and training managers see it too."""

    @staticmethod
    def check(actor: Principal, person_id: uuid.UUID, *, is_their_apprentice: bool) -> None:
        if actor.id == person_id or actor.roles & TRAINING_MANAGERS or Role.AREA_MANAGER in actor.roles:
            return
        if Role.MENTOR in actor.roles and is_their_apprentice:
            return
        raise NotAllowed("only the person, their mentor and training managers see this training record")
