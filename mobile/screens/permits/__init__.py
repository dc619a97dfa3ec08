"""Work permits (作业许可): the permits a person applies for, approves, leads, guards or works on."""

from mobile.screens.permits.controller import PermitsController
from mobile.screens.permits.model import PermitsModel
from mobile.screens.permits.view import PermitsScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="permits", view=PermitsScreen, controller=PermitsController, model=PermitsModel,
                    title="permits.title", menu_title="permits.menu", menu=True, menu_order=78)
