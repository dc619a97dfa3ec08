"""Server address: validate, save, then check that a minesafe server answers there."""

from __future__ import annotations

from typing import Any

from contracts.client import ApiError
from mobile.screens.server.model import ServerModel
from mobile.settings import InvalidServerAddress, normalize_server_url
from mobile.ui.base import BaseController

PING = "query Ping { __typename }"  # any answer from a GraphQL server: the address is right


class ServerController(BaseController):
    model: ServerModel

    def on_enter(self, **params: Any) -> None:
        self.model.address = self.ctx.settings.server_url or ""
        self.model.error = ""
        self.model.notice = ""

    def submit(self, text: str) -> None:
        try:
            url = normalize_server_url(text)
        except InvalidServerAddress:
            self.model.error = self.t("server.invalid")
            return
        previous = self.ctx.settings.server_url
        self.ctx.settings.server_url = url
        self.model.address = url
        if previous and previous != url and self.ctx.sessions.current is not None:
            self.ctx.sessions.clear()  # a session belongs to one server
            self.ctx.signed_in_changed()
        self.model.notice = self.t("server.checking")

        def check() -> bool:
            try:
                self.ctx.client.execute(PING, auth=False)
            except ApiError:
                return False
            return True

        def checked(ok: bool) -> None:
            self.model.notice = "" if ok else self.t("server.unreachable")
            self.ctx.navigate("home" if self.ctx.sessions.current else "login")

        self.call(check, checked)
