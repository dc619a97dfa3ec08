"""The alarm in the background: the alerts subscription and the ringing without the app's window.

Android: a python-for-android foreground service (buildozer.spec `services = Alarms:…:foreground:sticky`),
started by the app at sign-in with its data folder as the argument; it keeps the subscription and the repeats
going when Android has paused or even stopped the app, and rings with plyer's notification and vibrator. A
desktop (and the tests): `python -m mobile.alarms.service DATA_DIR [--seconds N]`.

It reads the server address, the language and the session from the app's own SQLite file, follows sign-in and
sign-out made in the app (checked every few seconds), and refreshes the access token like the app does.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import threading
import time
from pathlib import Path

from contracts.alerts import AlertState
from mobile.alarms import text
from mobile.alarms.notifier import Notifier, SystemNotifier
from mobile.alarms.watch import AlarmWatch
from mobile.api.alerts import ALERT_EVENTS, AlertsApi, parse_alert_event
from mobile.api.client import ApiClient
from mobile.api.live import LiveEvents
from mobile.api.session import SessionStore
from mobile.i18n import DEFAULT_LANGUAGE, Translator
from mobile.settings import AppSettings
from mobile.storage import LocalStore

logger = logging.getLogger(__name__)

CHECK_S = 3.0


class LoggedNotifier:
    """Logs every alarm it passes on (the service's log says what rang and when)."""

    def __init__(self, inner: Notifier) -> None:
        self.inner = inner

    def notify(self, *, title: str, message: str, loud: bool) -> None:
        logger.info("alarm%s: %s · %s", "" if loud else " (quiet)", title, message)
        self.inner.notify(title=title, message=message, loud=loud)


def run(data_dir: Path, *, stop: threading.Event, notifier: Notifier | None = None) -> None:
    """Ring for the signed-in person's alerts until `stop` is set."""
    store = LocalStore(data_dir / "minesafe.db")
    settings = AppSettings(store)
    sessions = SessionStore(store)
    client = ApiClient(server_url=lambda: settings.server_url, sessions=sessions)
    tr = Translator(settings.language or os.environ.get("MINESAFE_LANGUAGE") or DEFAULT_LANGUAGE)
    ringer = notifier or SystemNotifier(tone_path=data_dir / "cache" / "alarm.wav")
    watch = AlarmWatch(notifier=LoggedNotifier(ringer), user=lambda: sessions.user,
                       text=lambda alert, escalated: text.notification(alert, escalated, tr))

    def synced(connected: bool) -> None:
        if not connected:
            return
        try:
            page = AlertsApi(client).alerts(state=AlertState.RAISED, first=100, open_first=True)
        except Exception as error:
            logger.info("alarm sync: %s", error)
            return
        watch.sync(page.alerts, complete=not page.has_next_page)

    live = LiveEvents(client=client, on_event=watch.on_event, on_status=synced, document=ALERT_EVENTS,
                      parse=parse_alert_event, name="alarm-service")
    watch.start()
    signed_in: str | None = None
    try:
        while not stop.is_set():
            sessions.reload()
            tr.language = settings.language or tr.language
            user = sessions.user
            who = user.id if user else None
            if who != signed_in:
                signed_in = who
                watch.clear()
                if user is None:
                    live.stop()
                    logger.info("alarm service: nobody signed in")
                else:
                    live.start(areaId=None)
                    logger.info("alarm service: watching for %s", user.username)
            stop.wait(CHECK_S)
    finally:
        live.stop(timeout=2)
        watch.stop()
        client.close()
        store.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("websockets", "asyncio", "kivy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=os.environ.get("PYTHON_SERVICE_ARGUMENT") or "")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long (tests)")
    args = parser.parse_args()
    if not args.data_dir:
        parser.error("the app's data folder is needed (argument or PYTHON_SERVICE_ARGUMENT)")
    stop = threading.Event()
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")   # SDL's audio would turn SIGTERM into a quit event
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.seconds:
        timer = threading.Timer(args.seconds, stop.set)
        timer.daemon = True
        timer.start()
    started = time.monotonic()
    with contextlib.suppress(KeyboardInterrupt):
        run(Path(args.data_dir), stop=stop)
    logger.info("alarm service stopped after %.0f s", time.monotonic() - started)


if __name__ == "__main__":
    main()
