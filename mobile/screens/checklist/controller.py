"""My inspection checklists (排查清单): pick a check, mark each item pass or fail (a photo on each fail), and
submit — through the outbox, so it is done offline and sent once (the item's client id makes retries safe)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mobile.api.risks import Check, RisksApi
from mobile.outbox.store import InvalidPhoto, ItemKind
from mobile.screens.checklist.model import ChecklistModel
from mobile.ui.base import BaseController
from mobile.ui.format import local_time


class ChecklistController(BaseController):
    model: ChecklistModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = RisksApi(self.ctx.client)
        self.checks: list[Check] = []
        self.queued: set[str] = set()

    def on_enter(self, **params: Any) -> None:
        self.reload()

    def reload(self) -> None:
        self.call(self.api.my_inspections, self.show)

    def show(self, checks: list[Check]) -> None:
        self.checks = [c for c in checks if c.id not in self.queued]
        self.model.checks = [{"item_id": c.id, "title": c.title, "overdue": c.overdue,
                              "line2": self.t("checklist.due_overdue" if c.overdue else "checklist.due",
                                              when=local_time(c.due_at) if c.due_at else "-", area=c.area_name,
                                              n=len(c.items))} for c in self.checks]
        self.model.empty_text = "" if self.checks else self.t("checklist.empty")
        if self.model.check_id and not any(c.id == self.model.check_id for c in self.checks):
            self.model.check_id, self.model.rows = "", []

    def open(self, check_id: str) -> None:
        check = next((c for c in self.checks if c.id == check_id), None)
        if check is None:
            return
        self.model.check_id, self.model.check_title = check.id, check.title
        self.model.rows = [{"item_id": i.id, "text": i.text, "point": f"{i.point_code} · {i.point_name}",
                            "level": i.point_level or "", "result": "", "photo": ""} for i in check.items]
        self._summarise()

    def set_result(self, item_id: str, passed: bool) -> None:
        self.model.rows = [{**r, "result": "PASS" if passed else "FAIL"} if r["item_id"] == item_id else r
                           for r in self.model.rows]
        self._summarise()

    def add_photo(self, item_id: str, path: str) -> None:
        self.model.rows = [{**r, "photo": path} if r["item_id"] == item_id else r for r in self.model.rows]
        self._summarise()

    def _summarise(self) -> None:
        rows = self.model.rows
        done = sum(1 for r in rows if r["result"])
        failed = sum(1 for r in rows if r["result"] == "FAIL")
        self.model.summary = self.t("checklist.summary", done=done, n=len(rows), failed=failed)

    def submit(self) -> bool:
        """Queue the results in the outbox; True when queued."""
        user = self.ctx.sessions.user
        if user is None:
            self.ctx.navigate("login")
            return False
        rows = self.model.rows
        if not rows or any(not r["result"] for r in rows):
            self.model.error = self.t("checklist.need_all")
            return False
        if any(r["result"] == "FAIL" and not r["photo"] for r in rows):
            self.model.error = self.t("checklist.need_photo")
            return False
        photos, results = [], []
        for r in rows:
            positions = []
            if r["result"] == "FAIL":
                positions.append(len(photos))
                photos.append(Path(r["photo"]))
            results.append({"itemId": r["item_id"], "passed": r["result"] == "PASS", "photos": positions})
        try:
            self.ctx.outbox.add(kind=ItemKind.SUBMIT_INSPECTION, owner_id=user.id,
                                title=f"{self.model.check_title}", photos=photos,
                                payload={"checkId": self.model.check_id, "results": results})
        except InvalidPhoto as error:
            self.model.error = self.t("error.generic", detail=str(error))
            return False
        if self.ctx.worker is not None:
            self.ctx.worker.wake()
        self.queued.add(self.model.check_id)
        self.model.error = ""
        self.model.notice = self.t("checklist.queued")
        self.model.check_id, self.model.rows = "", []
        self.show(self.checks)
        return True
