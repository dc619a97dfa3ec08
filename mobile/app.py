"""The Kivy application: builds the context, the screens from the registry, and the background parts.

Run it with `python -m mobile` (see README). Environment:
  MINESAFE_MOBILE_DATA   folder for the on-device database and queued photos (default: user_data_dir)
  MINESAFE_SERVER        server address to preset on first run (optional)
  MINESAFE_LANGUAGE      zh | en to preset the language (optional)
  MINESAFE_CJK_FONT      a font file with Chinese glyphs (optional; found automatically otherwise)
  MINESAFE_WINDOW        desktop window size, e.g. 540x960
  MINESAFE_EXIT_WHEN_READY=1  print the start-up time and exit once the first screen is usable
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from mobile.api.alerts import ALERT_EVENTS, AlertEvent, parse_alert_event
from mobile.api.client import ApiClient
from mobile.api.live import LiveEvents
from mobile.api.models import HazardEvent
from mobile.api.service import MineSafeApi
from mobile.api.session import SessionStore
from mobile.context import AppContext
from mobile.fonts import install_default_font
from mobile.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator
from mobile.outbox.sender import OutboxSender
from mobile.outbox.store import Outbox
from mobile.outbox.worker import OutboxWorker
from mobile.runner import KivyRunner
from mobile.screens import SCREENS
from mobile.settings import AppSettings, InvalidServerAddress
from mobile.storage import LocalStore
from mobile.ui import widgets  # noqa: F401 - registers ThumbStrip for the .kv rules
from mobile.ui.registry import ScreenSpec, load_specs

logger = logging.getLogger(__name__)

UI_DIR = Path(__file__).parent / "ui"
PROCESS_T0 = float(os.environ.get("MINESAFE_T0", "0") or 0) or time.time()


class MineSafeApp(App):
    """minesafe field app."""

    title = "minesafe"
    lang = StringProperty(DEFAULT_LANGUAGE)
    live_connected = BooleanProperty(False)
    alerts_connected = BooleanProperty(False)
    can_go_back = BooleanProperty(False)

    def __init__(self, *, data_dir: Path | None = None, screens: tuple[str, ...] = SCREENS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._data_dir = data_dir
        self._screen_names = screens
        self.history: list[tuple[str, dict[str, Any]]] = []
        self.specs: list[ScreenSpec] = []
        self.ready_after_s: float | None = None
        self.ctx: AppContext

    # -- setup -----------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            env = os.environ.get("MINESAFE_MOBILE_DATA")
            self._data_dir = Path(env) if env else Path(self.user_data_dir)
        return self._data_dir

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def pictures_dir(self) -> str:
        env = os.environ.get("MINESAFE_PICTURES")
        if env:
            return env
        pictures = Path.home() / "Pictures"
        return str(pictures if pictures.is_dir() else Path.home())

    def tr(self, key: str, **fmt: Any) -> str:
        return self.ctx.tr(key, **fmt)

    def t(self, key: str, *_bindings: Any, **fmt: Any) -> str:
        """For .kv rules: `app.t('key', app.lang)` re-evaluates when the language changes."""
        return self.ctx.tr(key, **fmt)

    def build_context(self) -> AppContext:
        store = LocalStore(self.data_dir / "minesafe.db")
        settings = AppSettings(store)
        preset = os.environ.get("MINESAFE_SERVER")
        if preset and not settings.server_url:
            try:
                settings.server_url = preset
            except InvalidServerAddress:
                logger.warning("MINESAFE_SERVER=%s is not a server address", preset)
        language = settings.language or os.environ.get("MINESAFE_LANGUAGE") or DEFAULT_LANGUAGE
        translator = Translator(language)
        sessions = SessionStore(store)
        client = ApiClient(server_url=lambda: settings.server_url, sessions=sessions)
        api = MineSafeApi(client)
        outbox = Outbox(store, self.photo_dir / "outbox")
        recovered = outbox.recover()
        if recovered:
            logger.info("%s outbox items were mid-send when the app stopped; queued again", recovered)
        worker = OutboxWorker(sender=OutboxSender(outbox=outbox, api=api), sessions=sessions,
                              on_change=self._outbox_changed)
        live = LiveEvents(client=client, on_event=self._hazard_event, on_status=self._live_status)
        alert_live = LiveEvents(client=client, on_event=self._alert_event, on_status=self._alert_status,
                                document=ALERT_EVENTS, parse=parse_alert_event, name="alert-events")
        return AppContext(store=store, settings=settings, sessions=sessions, client=client, api=api,
                          outbox=outbox, worker=worker, runner=KivyRunner(), tr=translator,
                          navigate=self.navigate, back=self.back, live=live, alert_live=alert_live,
                          cache_dir=self.data_dir / "cache")

    def build(self) -> ScreenManager:
        self.ctx = self.build_context()
        self.lang = self.ctx.tr.language
        install_default_font()
        Builder.load_file(str(UI_DIR / "theme.kv"))
        Builder.load_file(str(UI_DIR / "hazard_list.kv"))
        self.specs = load_specs(self._screen_names)
        self.ctx.extras["screens"] = self.specs
        manager = ScreenManager(transition=NoTransition())
        for spec in self.specs:
            if spec.kv_file is not None:
                Builder.load_file(str(spec.kv_file))
            model = spec.model()
            screen = spec.view(name=spec.name)
            screen.controller = spec.controller(model=model, ctx=self.ctx)
            screen.model = model
            manager.add_widget(screen)
        return manager

    def first_screen(self) -> str:
        if not self.ctx.settings.server_url:
            return "server"
        if self.ctx.sessions.current is None:
            return "login"
        return "home"

    def _on_key(self, _window: Any, key: int, *_args: Any) -> bool:
        """Android's back button (Escape on desktop) goes back a screen instead of quitting."""
        if key == 27 and self.history:
            self.back()
            return True
        return False

    def on_start(self) -> None:
        from kivy.core.window import Window

        Window.bind(on_keyboard=self._on_key)
        Window.softinput_mode = "below_target"   # the on-screen keyboard never hides the field being typed in
        first = self.first_screen()
        self.navigate(first, reset=True)
        self.ctx.worker.start()
        if self.ctx.sessions.current is not None:
            self.ctx.signed_in_changed()
        Clock.schedule_once(lambda _dt: self._ready(first), 0)

    def _ready(self, first: str) -> None:
        self.ready_after_s = time.time() - PROCESS_T0
        logger.info("first screen %s usable after %.3f s", first, self.ready_after_s)
        if os.environ.get("MINESAFE_EXIT_WHEN_READY") == "1":
            print(f"MINESAFE_READY screen={first} seconds={self.ready_after_s:.3f}", flush=True)
            self.stop()

    def on_stop(self) -> None:
        ctx = getattr(self, "ctx", None)
        if ctx is None:
            return
        if ctx.worker is not None:
            ctx.worker.stop()
        if ctx.live is not None:
            ctx.live.stop(timeout=2)
        if ctx.alert_live is not None:
            ctx.alert_live.stop(timeout=2)
        if isinstance(ctx.runner, KivyRunner):
            ctx.runner.shutdown()

    # -- navigation and language ------------------------------------------------------------

    def screen(self, name: str) -> Any:
        return self.root.get_screen(name)

    def navigate(self, name: str, reset: bool = False, **params: Any) -> None:
        """Show a screen with params; `reset` clears the back history."""
        if reset:
            self.history.clear()
        elif self.root.current and self.root.current != name:
            current = self.root.current_screen
            self.history.append((current.name, dict(current.params)))
        target = self.screen(name)
        target.params = params
        self.can_go_back = bool(self.history)
        if self.root.current == name:
            target.on_pre_enter()
        else:
            self.root.current = name

    def back(self, **extra: Any) -> None:
        """Back a screen; `extra` params (e.g. a notice) are handed to it with its own."""
        if not self.history:
            return
        name, params = self.history.pop()
        target = self.screen(name)
        target.params = {**params, **extra}
        self.can_go_back = bool(self.history)
        self.root.current = name

    def toggle_language(self) -> None:
        language = LANGUAGES[(LANGUAGES.index(self.ctx.tr.language) + 1) % len(LANGUAGES)]
        self.set_language(language)

    def set_language(self, language: str) -> None:
        self.ctx.settings.language = language
        self.ctx.tr.language = language
        self.lang = language
        current = self.root.current_screen
        if current is not None and current.controller is not None:
            current.controller.on_enter(**current.params)

    # -- background events (called from other threads) -------------------------------------

    def _tell_screen(self, hook: str, *args: Any) -> None:
        """Call `hook` of the shown screen's controller (UI thread)."""
        current = self.root.current_screen if self.root else None
        if current is not None and current.controller is not None:
            getattr(current.controller, hook)(*args)

    @mainthread
    def _hazard_event(self, event: HazardEvent) -> None:
        self._tell_screen("on_hazard_event", event)

    @mainthread
    def _live_status(self, connected: bool) -> None:
        self.live_connected = connected

    @mainthread
    def _alert_event(self, event: AlertEvent) -> None:
        self._tell_screen("on_alert_event", event)

    @mainthread
    def _alert_status(self, connected: bool) -> None:
        self.alerts_connected = connected
        self._tell_screen("on_alert_status", connected)

    @mainthread
    def _outbox_changed(self) -> None:
        self._tell_screen("on_outbox_changed")
