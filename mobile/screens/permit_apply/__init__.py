"""Apply for a work permit: kind, grade, area, work leader, guardian, crew, how long, what work."""

from mobile.screens.permit_apply.controller import PermitApplyController
from mobile.screens.permit_apply.model import PermitApplyModel
from mobile.screens.permit_apply.view import PermitApplyScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="permit_apply", view=PermitApplyScreen, controller=PermitApplyController,
                    model=PermitApplyModel, title="permits.apply")
