"""Managers browse responsibility lists by unit and see what changed between two versions."""

from contracts.roles import Role
from mobile.screens.duty_lists.controller import DutyListsController
from mobile.screens.duty_lists.model import DutyListsModel
from mobile.screens.duty_lists.view import DutyListsScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="duty_lists", view=DutyListsScreen, controller=DutyListsController, model=DutyListsModel,
                    title="duty_lists.title", menu_title="duty_lists.menu", menu=True, menu_order=75,
                    menu_group=MenuGroup.MANAGE,
                    roles=frozenset({Role.ADMIN, Role.MINE_MANAGER, Role.AREA_MANAGER, Role.SAFETY_OFFICER,
                                     Role.TEAM_LEADER}))
