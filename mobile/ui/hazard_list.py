"""A list of hazards that refreshes itself on live events (base of My work, All hazards, the queues)."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.api.models import Hazard, HazardEvent, HazardPage
from mobile.ui.base import BaseController, BaseModel
from mobile.ui.format import hazard_row


class HazardListModel(BaseModel):
    rows = ListProperty([])
    empty_text = StringProperty("")


class HazardListPage(BoxLayout):
    """The shared view of a hazard list (rule in hazard_list.kv); `model` rebinds its rows."""

    model = ObjectProperty(None, rebind=True, allownone=True)
    title = StringProperty("")


class HazardListController(BaseController):
    """Subclasses say which hazards to load; a live event about any of them reloads the list."""

    model: HazardListModel
    open_screen = "hazard"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hazards: list[Hazard] = []
        self.visible = False

    def load(self) -> HazardPage:
        raise NotImplementedError

    def on_enter(self, **params: Any) -> None:
        self.visible = True
        self.refresh()

    def on_leave(self) -> None:
        self.visible = False

    def refresh(self) -> None:
        self.call(self.load, self._loaded)

    def _loaded(self, page: HazardPage) -> None:
        self.hazards = list(page.hazards)
        self.model.rows = [hazard_row(h, self.ctx.tr, self) for h in self.hazards]
        self.model.empty_text = "" if self.hazards else self.t("common.empty")

    def on_hazard_event(self, event: HazardEvent) -> None:
        if self.visible:
            self.refresh()

    def select(self, hazard_id: str) -> None:
        self.ctx.navigate(self.open_screen, hazard_id=hazard_id)
