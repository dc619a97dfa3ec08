"""A risk point's drill-down (opened from the four-colour map)."""

from mobile.screens.risk_point.controller import RiskPointController
from mobile.screens.risk_point.model import RiskPointModel
from mobile.screens.risk_point.view import RiskPointScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="risk_point", view=RiskPointScreen, controller=RiskPointController, model=RiskPointModel,
                    title="risk_point.title")
