"""Sign in: the session is saved on the device and survives a restart."""

from __future__ import annotations

from typing import Any

from mobile.api.models import AuthSession
from mobile.api.service import LoginRefused
from mobile.screens.login.model import LoginModel
from mobile.ui.base import BaseController


class LoginController(BaseController):
    model: LoginModel

    def on_enter(self, **params: Any) -> None:
        self.model.server = self.t("login.server", url=self.ctx.settings.server_url or "")
        self.model.error = ""

    def submit(self, username: str, password: str) -> None:
        username = username.strip()
        if not username or not password:
            self.model.error = self.t("login.missing")
            return
        self.model.username = username

        def signed_in(session: AuthSession) -> None:
            self.ctx.signed_in_changed()
            self.ctx.navigate("home", reset=True)

        def failed(error: Exception) -> None:
            if isinstance(error, LoginRefused):
                self.model.error = self.t("login.failed", message=str(error))
            else:
                self.model.error = self.describe(error)

        self.call(lambda: self.ctx.api.login(username=username, password=password), signed_in, failed)
