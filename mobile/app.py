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
import threading
import time
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock, mainthread
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.utils import platform

from contracts.alerts import AlertState
from mobile.alarms import text as alarm_text
from mobile.alarms.notifier import QuietNotifier, SystemNotifier
from mobile.alarms.watch import AlarmWatch
from mobile.api.alerts import ALERT_EVENTS, Alert, AlertEvent, AlertsApi, parse_alert_event
from mobile.api.client import ApiClient
from mobile.api.live import LiveEvents
from mobile.api.models import HazardEvent
from mobile.api.service import MineSafeApi
from mobile.api.session import SessionStore
from mobile.connectivity import Connectivity
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
    online = BooleanProperty(True)           # the server answers (False: the offline banner on every screen)
    alarm_text = StringProperty("")          # the ringing alert on top of every screen ("" when none)
    alarm_id = StringProperty("")
    alarm_colour = ListProperty([0.78, 0.08, 0.10, 1])

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
        if pictures.is_dir():
            return str(pictures)
        return self.demo_photos_dir or str(Path.home())

    @property
    def demo_photos_dir(self) -> str | None:
        """Demo photos for a first run on a desktop (offered in the chooser); None on a phone."""
        from kivy.utils import platform

        if platform in ("android", "ios"):
            return None
        from mobile.ui.demo_photos import ensure_demo_photos

        folder = ensure_demo_photos(self.data_dir / "demo-photos")
        return str(folder) if folder else None

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
        api = MineSafeApi(client, language=lambda: translator.language)
        outbox = Outbox(store, self.photo_dir / "outbox")
        recovered = outbox.recover()
        if recovered:
            logger.info("%s outbox items were mid-send when the app stopped; queued again", recovered)
        worker = OutboxWorker(sender=OutboxSender(outbox=outbox, api=api), sessions=sessions,
                              on_change=self._outbox_changed)
        live = LiveEvents(client=client, on_event=self._hazard_event, on_status=self._live_status)
        alert_live = LiveEvents(client=client, on_event=self._alert_arrived, on_status=self._alert_status_any,
                                document=ALERT_EVENTS, parse=parse_alert_event, name="alert-events")
        connectivity = Connectivity(probe=client.probe, on_change=self._online_changed)
        client.on_reachable = connectivity.report
        connectivity.back_listeners.append(self._connection_back)
        # on Android the alarm service rings (also when the app is paused or stopped); here only the banner
        ringer = QuietNotifier() if platform == "android" else SystemNotifier(
            tone_path=self.data_dir / "cache" / "alarm.wav")
        alarms = AlarmWatch(notifier=ringer, user=lambda: sessions.user, text=self._alarm_notification,
                            on_change=self._alarms_changed)
        return AppContext(store=store, settings=settings, sessions=sessions, client=client, api=api,
                          outbox=outbox, worker=worker, runner=KivyRunner(), tr=translator,
                          navigate=self.navigate, back=self.back, live=live, alert_live=alert_live,
                          cache_dir=self.data_dir / "cache", connectivity=connectivity, alarms=alarms,
                          background=self._alarm_service)

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
        self.ctx.connectivity.start()
        self.ctx.alarms.start()
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
        for part in (ctx.connectivity, ctx.alarms):
            if part is not None:
                part.stop()
        if ctx.live is not None:
            ctx.live.stop(timeout=2)
        if ctx.alert_live is not None:
            ctx.alert_live.stop(timeout=2)
        if isinstance(ctx.runner, KivyRunner):
            ctx.runner.shutdown()

    def on_pause(self) -> bool:
        """Android: keep running in the background (the subscription and the alarm's repeats go on)."""
        return True

    def on_resume(self) -> None:
        self.ctx.connectivity.check_now()
        current = self.root.current_screen if self.root else None
        if current is not None and current.controller is not None:
            current.controller.on_enter(**current.params)

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
        self._tell_reporter(event)

    def _tell_reporter(self, event: HazardEvent) -> None:
        """One of my reports moved: say so on whatever screen is shown (My reports and the hazard say it
        themselves)."""
        from mobile.screens.myreports.controller import moved_notice

        current = self.root.current_screen if self.root else None
        if current is None or current.name in ("myreports", "hazard") or current.model is None:
            return
        notice = moved_notice(event, self.ctx.sessions.user, self.ctx.tr)
        if notice:
            current.model.notice = notice

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

    # -- connectivity and alarms (issue 11 items 1 and 2) -----------------------------------

    @mainthread
    def _online_changed(self, online: bool) -> None:
        self.online = online

    def _connection_back(self) -> None:
        """The server answers again: send the outbox now (not after its backoff), reconnect the subscriptions
        at once and refresh what is cached for offline use (on a thread of its own: never in a request)."""
        def work() -> None:
            ctx = self.ctx
            ctx.outbox.wake_all()
            if ctx.worker is not None:
                ctx.worker.wake()
            if ctx.sessions.user is not None:
                for live in (ctx.live, ctx.alert_live):
                    if live is not None and not live.connected:
                        live.restart()
                ctx.refresh_reference_data()

        threading.Thread(target=work, name="connection-back", daemon=True).start()

    def _alert_arrived(self, event: AlertEvent) -> None:
        """From the subscription's thread: the alarm first (it rings in the background too), then the screen."""
        self.ctx.alarms.on_event(event)
        self._alert_event(event)

    def _alert_status_any(self, connected: bool) -> None:
        if connected:
            self.ctx.connectivity.report(True)
            self._sync_alarms()
        else:
            self.ctx.connectivity.check_now()
        self._alert_status(connected)

    def _sync_alarms(self) -> None:
        """After every (re)connection: what is unacknowledged now rings (raised while the phone was away)."""
        def read() -> None:
            try:
                page = AlertsApi(self.ctx.client).alerts(state=AlertState.RAISED, first=100, open_first=True)
            except Exception as error:
                logger.info("alarm sync: %s", error)
                return
            self.ctx.alarms.sync(page.alerts, complete=not page.has_next_page)

        threading.Thread(target=read, name="alarm-sync", daemon=True).start()

    def _alarm_notification(self, alert: Alert, escalated: bool) -> tuple[str, str]:
        return alarm_text.notification(alert, escalated, self.ctx.tr)

    @mainthread
    def _alarms_changed(self, ringing: list[Alert]) -> None:
        from mobile.screens.alerts import logic

        self.alarm_text = alarm_text.banner(ringing, self.ctx.tr)
        self.alarm_id = ringing[0].id if ringing else ""
        if ringing:
            self.alarm_colour = list(logic.SEVERITY_COLOURS[ringing[0].severity])

    def _alarm_service(self, signed_in: bool) -> None:
        """Android: the alarm service (buildozer.spec `services`) runs while someone is signed in."""
        if platform != "android":
            return
        try:
            from jnius import autoclass

            service = autoclass("cn.minesafe.minesafe.ServiceAlarms")
            activity = autoclass("org.kivy.android.PythonActivity").mActivity
            if signed_in:
                service.start(activity, str(self.data_dir))
            else:
                service.stop(activity)
        except Exception:
            logger.exception("the alarm service could not be %s", "started" if signed_in else "stopped")

    def open_alarm(self) -> None:
        if self.alarm_id:
            self.navigate("alert", alert_id=self.alarm_id)

    def silence_alarm(self) -> None:
        if self.alarm_id:
            self.ctx.alarms.silence(self.alarm_id)
