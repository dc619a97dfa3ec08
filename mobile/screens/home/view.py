from itertools import groupby
from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp

from mobile.ui.base import BaseScreen
from mobile.ui.registry import MenuGroup
from mobile.ui.widgets import fill_buttons

FULL_WIDTH = frozenset({MenuGroup.URGENT.value})   # reporting and alarms: one big button a row


class HomeScreen(BaseScreen):
    """The menu in sections by task, each headed by its name; reporting and alarms first, full width, the
    rest two big buttons a row, so that a manager's 19 entries fit on about one screen (alerts waiting: red)."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(entries=self._rebuild)

    def _rebuild(self, _model: Any, entries: list[dict[str, Any]]) -> None:
        menu = self.ids.menu
        menu.clear_widgets()
        styles = {e["name"]: "DangerButton" for e in entries if e.get("alert")}
        for group, members in groupby(entries, key=lambda e: e["group"]):
            members = list(members)
            menu.add_widget(Factory.SectionTitle(text=members[0]["group_title"]))
            grid = Factory.GridLayout(cols=1 if group in FULL_WIDTH else 2, spacing=dp(10), size_hint_y=None)
            grid.bind(minimum_height=grid.setter("height"))
            fill_buttons(grid, members, self.controller.open, key="name", styles=styles)
            menu.add_widget(grid)
