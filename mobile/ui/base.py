"""Base model, controller and screen of style rule 9 (model / view / controller per screen)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from contracts.client import ProtocolError, TransportError, Unauthenticated, Unavailable
from mobile.api.models import HazardEvent
from mobile.context import AppContext

logger = logging.getLogger(__name__)

T = TypeVar("T")


class BaseModel(EventDispatcher):
    """The state a screen shows; only controllers write it, and only on the UI thread."""

    busy = BooleanProperty(False)
    error = StringProperty("")
    notice = StringProperty("")


class BaseController:
    """Screen logic without widgets: calls the API through the runner, writes the model."""

    def __init__(self, *, model: BaseModel, ctx: AppContext) -> None:
        self.model = model
        self.ctx = ctx

    def t(self, key: str, **fmt: Any) -> str:
        return self.ctx.tr(key, **fmt)

    def on_enter(self, **params: Any) -> None:
        """The screen is shown (params come from navigate())."""

    def on_leave(self) -> None:
        """The screen is hidden."""

    def on_hazard_event(self, event: HazardEvent) -> None:
        """A live hazard event arrived (UI thread)."""

    def on_outbox_changed(self) -> None:
        """The outbox worker touched an item (UI thread)."""

    def on_alert_event(self, event: Any) -> None:
        """A live alert event (mobile.api.alerts.AlertEvent) arrived (UI thread)."""

    def on_alert_status(self, connected: bool) -> None:
        """The alerts subscription connected (True) or is reconnecting (False) (UI thread)."""

    def call(self, work: Callable[[], T], on_done: Callable[[T], None],
             on_error: Callable[[Exception], None] | None = None) -> None:
        """Run `work` off the UI thread with busy/error handling; `on_done` runs on the UI thread."""
        self.model.busy = True
        self.model.error = ""

        def done(value: T) -> None:
            self.model.busy = False
            on_done(value)

        def failed(error: Exception) -> None:
            self.model.busy = False
            if isinstance(error, Unauthenticated):
                self.ctx.navigate("login")
                return
            if on_error is not None:
                on_error(error)
            else:
                self.model.error = self.describe(error)

        self.ctx.runner.submit(work, done, failed)

    def describe(self, error: Exception) -> str:
        """A sentence for the user, in their language."""
        if isinstance(error, TransportError):
            return self.t("error.network")
        if isinstance(error, Unavailable | ProtocolError):
            return self.t("error.server")
        logger.warning("%s: %s", type(self).__name__, error)
        return self.t("error.generic", detail=str(error))


class BaseScreen(Screen):
    """The Python half of a view; its .kv rule lays it out and binds to `model`."""

    model = ObjectProperty(None, rebind=True)
    controller = ObjectProperty(None)

    def __init__(self, **kwargs: Any) -> None:
        self.params: dict[str, Any] = {}
        super().__init__(**kwargs)

    def on_pre_enter(self, *args: Any) -> None:
        if self.controller is not None:
            self.controller.on_enter(**self.params)

    def on_leave(self, *args: Any) -> None:
        if self.controller is not None:
            self.controller.on_leave()
