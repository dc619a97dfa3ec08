"""Who may edit the mine model and plan, run and score drills."""

from __future__ import annotations

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed

DRILL_DIRECTORS = frozenset({Role.SAFETY_OFFICER, Role.MINE_MANAGER, Role.ADMIN})


class CanEditMineModel:
    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & {Role.ADMIN, Role.MINE_MANAGER}:
            raise NotAllowed("the mine model is edited by admins and the mine manager")


class CanDirectDrills:
    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & DRILL_DIRECTORS:
            raise NotAllowed("drills are planned and run by safety officers, the mine manager and admins")


class CanReportDrillResponse:
    """A participant of the drill, or its directors, report what they did (permits suspended, hazard opened)."""

    @staticmethod
    def check(actor: Principal, *, participant: bool) -> None:
        if not participant and not actor.roles & DRILL_DIRECTORS:
            raise NotAllowed("only the drill's participants and directors report its responses")
