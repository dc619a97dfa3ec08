"""My drills (我的演练): the drills a person takes part in — their task, and the result once scored."""

from mobile.screens.drills.controller import DrillsController
from mobile.screens.drills.model import DrillsModel
from mobile.screens.drills.view import DrillsScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="drills", view=DrillsScreen, controller=DrillsController, model=DrillsModel,
                    title="drills.title", menu_title="drills.menu", menu=True, menu_order=78,
                    menu_group=MenuGroup.LEARN)
