"""Rectification evidence goes through the same outbox as reports (own client id, retried safely)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mobile.outbox.store import InvalidPhoto, ItemKind
from mobile.screens.rectify.model import RectifyModel
from mobile.ui.base import BaseController


class RectifyController(BaseController):
    model: RectifyModel

    def on_enter(self, **params: Any) -> None:
        if params.get("hazard_id") and params["hazard_id"] != self.model.hazard_id:
            self.model.hazard_id = params["hazard_id"]
            self.model.photos = []
            self.model.headline = params.get("headline", "")
        self.model.error = ""
        self._show_photos()

    def add_photo(self, path: str) -> None:
        if not Path(path).is_file():
            self.model.error = self.t("error.generic", detail=path)
            return
        self.model.photos = [*self.model.photos, path]
        self._show_photos()

    def clear_photos(self) -> None:
        self.model.photos = []
        self._show_photos()

    def _show_photos(self) -> None:
        n = len(self.model.photos)
        self.model.photos_text = self.t("report.photos", n=n) if n else self.t("report.no_photos")

    def submit(self, note: str) -> bool:
        user = self.ctx.sessions.user
        if user is None:
            self.ctx.navigate("login")
            return False
        if not self.model.photos:
            self.model.error = self.t("rectify.need_photo")
            return False
        if not note.strip():
            self.model.error = self.t("rectify.need_note")
            return False
        try:
            self.ctx.outbox.add(kind=ItemKind.SUBMIT_RECTIFICATION, owner_id=user.id,
                                title=f"{self.t('rectify.title')}: {note.strip()[:60]}",
                                payload={"hazardId": self.model.hazard_id, "note": note.strip()},
                                photos=[Path(p) for p in self.model.photos])
        except InvalidPhoto as error:
            self.model.error = self.t("error.generic", detail=str(error))
            return False
        if self.ctx.worker is not None:
            self.ctx.worker.wake()
        self.model.photos = []
        self._show_photos()
        self.model.notice = self.t("rectify.queued")
        self.ctx.navigate("outbox")
        return True
