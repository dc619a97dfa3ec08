"""Safety officer: hazards waiting for re-inspection; pass (close) or fail with a reason."""

from contracts.roles import Role
from mobile.screens.reinspect.controller import ReinspectController
from mobile.screens.reinspect.model import ReinspectModel
from mobile.screens.reinspect.view import ReinspectScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="reinspect", view=ReinspectScreen, controller=ReinspectController, model=ReinspectModel,
                    title="reinspect.title", menu_title="reinspect.menu", menu=True, menu_order=40,
                    roles=frozenset({Role.SAFETY_OFFICER}))   # CanReinspectHazard; allowedSteps per hazard
