"""Report a hazard: photos, area, description, suggested grade → the outbox."""

from mobile.screens.report.controller import ReportController
from mobile.screens.report.model import ReportModel
from mobile.screens.report.view import ReportScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="report", view=ReportScreen, controller=ReportController, model=ReportModel,
                    title="report.title", menu_title="report.menu", menu=True, menu_order=10,
                    menu_group=MenuGroup.URGENT)
