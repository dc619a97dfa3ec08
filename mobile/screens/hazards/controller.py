"""Every hazard of my mine (the server limits what a role may see)."""

from __future__ import annotations

from mobile.api.models import HazardPage
from mobile.ui.hazard_list import HazardListController


class HazardsController(HazardListController):
    def load(self, after: str | None = None) -> HazardPage:
        return self.ctx.api.hazards(first=self.page_size, after=after)
