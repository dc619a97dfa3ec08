"""Settings: sign out revokes the refresh token; queued reports stay and are sent after the next sign-in."""

from __future__ import annotations

from typing import Any

from mobile.outbox.store import ItemState
from mobile.screens.settings.model import SettingsModel
from mobile.ui.base import BaseController


class SettingsController(BaseController):
    model: SettingsModel

    def on_enter(self, **params: Any) -> None:
        self.model.server = self.t("settings.server", url=self.ctx.settings.server_url or "")
        user = self.ctx.sessions.user
        self.model.user = self.t("settings.user", name=user.display_name) if user else ""
        self.model.notice = ""
        if user is not None:
            counts = self.ctx.outbox.counts(owner_id=user.id)
            pending = counts[ItemState.QUEUED] + counts[ItemState.SENDING]
            if pending:
                self.model.notice = self.t("settings.pending_logout", n=pending)

    def logout(self) -> None:
        def finish(_: object = None) -> None:
            self.ctx.sessions.clear()
            self.ctx.signed_in_changed()
            self.ctx.navigate("login", reset=True)

        # revoking on the server is best effort: offline, the local session is dropped anyway
        self.call(self.ctx.api.logout, finish, finish)
