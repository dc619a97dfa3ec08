"""The outbox: every queued report and its state (queued, sending, sent, rejected with reason)."""

from mobile.screens.outbox.controller import OutboxController
from mobile.screens.outbox.model import OutboxModel
from mobile.screens.outbox.view import OutboxScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="outbox", view=OutboxScreen, controller=OutboxController, model=OutboxModel,
                    title="outbox.title", menu_title="outbox.menu", menu=True, menu_order=90,
                    menu_group=MenuGroup.PHONE)
