"""The reports list: open one (its signed URL, in the phone's browser or PDF viewer), or make this month's PDF."""

from __future__ import annotations

import webbrowser
from datetime import datetime
from typing import Any

from contracts.client import Refused
from mobile.api.models import parse_time
from mobile.screens.dashboard.api import ReportsApi
from mobile.screens.reports.model import ReportsModel
from mobile.ui.base import BaseController
from mobile.ui.format import local_time


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, round(size / 1024))} KB"


class ReportsController(BaseController):
    model: ReportsModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = ReportsApi(self.ctx.client)
        self.urls: dict[str, str] = {}

    def on_enter(self, **params: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.call(self.api.reports, self.show)

    def show(self, reports: list[dict[str, Any]]) -> None:
        self.urls = {r["id"]: r["downloadUrl"] for r in reports}
        self.model.rows = [{
            "item_id": r["id"], "controller": self,
            "line1": self.t("reports.line", month=r["label"],
                            what=self.t("reports.monthly") if r["list"] is None else r["list"], format=r["format"]),
            "line2": self.t(f"reports.trigger.{r['trigger']}") + " · " + size_text(int(r["size"])),
            "line3": local_time(parse_time(r["createdAt"])) if r.get("createdAt") else "",
            "alert": False,
        } for r in reports]
        self.model.empty_text = "" if reports else self.t("reports.empty")

    def select(self, item_id: str) -> None:
        url = self.urls.get(item_id)
        if url:
            opener = self.ctx.extras.get("open_url", webbrowser.open)
            opener(url)
            self.model.opened = url
            self.model.notice = self.t("reports.opened")

    def generate(self) -> None:
        month = datetime.now().astimezone().strftime("%Y-%m")
        self.call(lambda: self.api.generate(month=month, format="PDF"), lambda _r: self.refresh(), self.refused)

    def refused(self, error: Exception) -> None:
        self.model.error = str(error) if isinstance(error, Refused) else self.describe(error)
