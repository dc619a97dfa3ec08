"""People in my area: the area positioning places me in (else my assigned area), its count against the limit
and who is there."""

from __future__ import annotations

from typing import Any

from mobile.api.positioning import Occupancy, PositioningApi
from mobile.screens.people import logic
from mobile.screens.people.model import PeopleModel
from mobile.ui.base import BaseController


class PeopleController(BaseController):
    model: PeopleModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = PositioningApi(self.ctx.client)

    def on_enter(self, **params: Any) -> None:
        self.reload(params.get("area_id"))

    def reload(self, area_id: str | None = None) -> None:
        self.call(lambda: self.api.people_in_area(area_id), self.show)

    def show(self, occupancy: Occupancy | None) -> None:
        if occupancy is None:
            self.model.area = self.model.count = self.model.names = ""
            self.model.empty_text = self.t("people.no_area")
            return
        self.model.empty_text = ""
        self.model.area = occupancy.area_name
        self.model.count = logic.occupancy_count(occupancy, self.t)
        self.model.colour = list(logic.occupancy_colour(occupancy))
        self.model.names = logic.occupancy_names(occupancy, self.t)
