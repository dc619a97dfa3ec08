"""Safety officer: the triage queue and the triage form (grade, level, responsible, deadline)."""

from mobile.api.models import Role
from mobile.screens.triage.controller import TriageController
from mobile.screens.triage.model import TriageModel
from mobile.screens.triage.view import TriageScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="triage", view=TriageScreen, controller=TriageController, model=TriageModel,
                    title="triage.title", menu_title="triage.menu", menu=True, menu_order=30,
                    roles=frozenset({Role.SAFETY_OFFICER, Role.ADMIN}))
