"""The triage queue and form (grade, level, responsible, deadline): officers, mine managers, area managers
and team leaders (level C) — the roles the server's CanTriageHazard allows; each hazard's allowedSteps
decides the rest (tests/mobile/test_units.py checks these sets against the backend's classes)."""

from contracts.roles import Role
from mobile.screens.triage.controller import TriageController
from mobile.screens.triage.model import TriageModel
from mobile.screens.triage.view import TriageScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="triage", view=TriageScreen, controller=TriageController, model=TriageModel,
                    title="triage.title", menu_title="triage.menu", menu=True, menu_order=30,
                    roles=frozenset({Role.SAFETY_OFFICER, Role.MINE_MANAGER, Role.AREA_MANAGER, Role.TEAM_LEADER}))
