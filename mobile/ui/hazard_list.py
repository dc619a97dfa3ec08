"""A list of hazards that refreshes itself on live events (base of My work, All hazards, the queues)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.api.models import Hazard, HazardEvent, HazardPage
from mobile.ui.base import BaseController, BaseModel
from mobile.ui.format import hazard_row


class HazardListModel(BaseModel):
    rows = ListProperty([])
    empty_text = StringProperty("")
    has_more = BooleanProperty(False)


class HazardListPage(BoxLayout):
    """The shared view of a hazard list (rule in hazard_list.kv); `model` rebinds its rows."""

    model = ObjectProperty(None, rebind=True, allownone=True)
    title = StringProperty("")


class HazardListController(BaseController):
    """Subclasses say which hazards to load; a live event about any of them reloads the list."""

    model: HazardListModel
    open_screen = "hazard"
    page_size = 30

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hazards: list[Hazard] = []
        self.visible = False
        self.end_cursor: str | None = None

    def load(self, after: str | None = None) -> HazardPage:
        """One page of this list's hazards, newest first, after the cursor."""
        raise NotImplementedError

    def on_enter(self, **params: Any) -> None:
        self.visible = True
        self.refresh()

    def on_leave(self) -> None:
        self.visible = False

    def refresh(self) -> None:
        self.call(self.load, self._loaded)

    def _loaded(self, page: HazardPage, *, append: bool = False) -> None:
        self.hazards = [*self.hazards, *page.hazards] if append else list(page.hazards)
        self.end_cursor = page.end_cursor
        self.model.has_more = page.has_next_page
        self.model.rows = [hazard_row(h, self.ctx.tr, self) for h in self.hazards]
        self.model.empty_text = "" if self.hazards else self.t("common.empty")

    def load_more(self) -> None:
        """The next page, appended (the list's last button)."""
        if self.model.has_more and self.end_cursor:
            cursor = self.end_cursor
            self.call(lambda: self.load(after=cursor), lambda page: self._loaded(page, append=True))

    def on_hazard_event(self, event: HazardEvent) -> None:
        if self.visible:
            self.refresh()

    def select(self, hazard_id: str) -> None:
        self.ctx.navigate(self.open_screen, hazard_id=hazard_id)
