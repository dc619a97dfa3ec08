"""My inspection checklists (排查清单): done offline, sent through the outbox."""

from mobile.screens.checklist.controller import ChecklistController
from mobile.screens.checklist.model import ChecklistModel
from mobile.screens.checklist.view import ChecklistScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="checklist", view=ChecklistScreen, controller=ChecklistController, model=ChecklistModel,
                    title="checklist.title", menu_title="checklist.menu", menu=True, menu_order=75)
