"""One work permit: the guardian's view of live work (state, gas test age, crew, why it stopped) and the steps
the person may take (approve by role, start, stop, resume)."""

from mobile.screens.permit.controller import PermitController
from mobile.screens.permit.model import PermitModel
from mobile.screens.permit.view import PermitScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="permit", view=PermitScreen, controller=PermitController, model=PermitModel,
                    title="permits.detail_title")
