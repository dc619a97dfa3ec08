"""People in my area (本区域人员): who is in the area now by positioning, against its limit (定员) — everyone."""

from mobile.screens.people.controller import PeopleController
from mobile.screens.people.model import PeopleModel
from mobile.screens.people.view import PeopleScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="people", view=PeopleScreen, controller=PeopleController, model=PeopleModel,
                    title="people.title", menu_title="people.menu", menu=True, menu_order=75)
