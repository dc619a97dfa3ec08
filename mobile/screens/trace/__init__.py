"""Managers: the traceability timeline of one hazard (who did what, when, why)."""

from mobile.screens.trace.controller import TraceController
from mobile.screens.trace.model import TraceModel
from mobile.screens.trace.view import TraceScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="trace", view=TraceScreen, controller=TraceController, model=TraceModel,
                    title="trace.title")
