"""All hazards of the mine (officers and managers), newest first; filtered and searched by the server."""

from contracts.roles import Role
from mobile.screens.hazards.controller import HazardsController
from mobile.screens.hazards.model import HazardsModel
from mobile.ui.base import BaseScreen
from mobile.ui.registry import ScreenSpec


class HazardsScreen(BaseScreen):
    """The filter bar over the shared hazard list (view.kv)."""

    def apply(self) -> None:
        if self.controller is None or not self.model.state_names:
            return
        ids = self.ids
        self.controller.set_filters(state=ids.state.text, grade=ids.grade.text, area=ids.area.text,
                                    overdue=ids.overdue.state == "down", text=ids.search.text)


SCREEN = ScreenSpec(name="hazards", view=HazardsScreen, controller=HazardsController, model=HazardsModel,
                    title="hazards.title", menu_title="hazards.menu", menu=True, menu_order=50,
                    roles=frozenset({Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN}))
