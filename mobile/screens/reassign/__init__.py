"""Reassign a hazard to another responsible person, with a reason (safety officer, mine manager, the area's
manager); the server's reassignHazard, retried so that it never applies twice."""

from mobile.screens.reassign.controller import ReassignController
from mobile.screens.reassign.model import ReassignModel
from mobile.screens.reassign.view import ReassignScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="reassign", view=ReassignScreen, controller=ReassignController, model=ReassignModel,
                    title="reassign.title")
