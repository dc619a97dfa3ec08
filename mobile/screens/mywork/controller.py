"""Hazards the signed-in user is responsible for and that are still open."""

from __future__ import annotations

from contracts.client import Unauthenticated
from contracts.hazards import HazardState
from mobile.api.models import HazardPage
from mobile.ui.hazard_list import HazardListController

OPEN_STATES = [HazardState.ASSIGNED, HazardState.RECTIFYING, HazardState.PENDING_REVIEW]


class MyWorkController(HazardListController):
    def load(self, after: str | None = None) -> HazardPage:
        user = self.ctx.sessions.user
        if user is None:
            raise Unauthenticated("not signed in")
        return self.ctx.api.hazards(states=OPEN_STATES, assigned_to_me=True, first=self.page_size,
                                    after=after)
