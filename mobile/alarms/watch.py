"""The phone's alarm: follows the alerts subscription, rings for a new alert that calls me (my area, mine-wide,
escalated to me, or every alert for a safety officer) and rings again until it is acknowledged or resolved.

Runs on its own daemon thread (it keeps ringing while the app is in the background: the Kivy clock does
not run then). Repeats of an alert that already rings fold into it (the simulator's, a flapping sensor's):
they never ring twice at once. A person who cannot acknowledge silences it on this phone ("got it").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from contracts.alerts import AlertEventKind
from mobile.alarms import rules
from mobile.alarms.notifier import Notifier
from mobile.api.alerts import Alert, AlertEvent
from mobile.api.models import User

logger = logging.getLogger(__name__)


@dataclass
class Ring:
    alert: Alert
    next_at: float | None      # monotonic time of the next repeat (None: no repeats)
    times: int                 # how often it has rung


class AlarmWatch:
    """`on_change(ringing)` is called (from any thread) with the ringing alerts, most severe first."""

    def __init__(self, *, notifier: Notifier, user: Callable[[], User | None],
                 text: Callable[[Alert, bool], tuple[str, str]],
                 on_change: Callable[[list[Alert]], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.notifier = notifier
        self.user = user
        self.text = text                       # (title, message) of a notification; True: escalated to me
        self.on_change = on_change
        self.clock = clock
        self.ringing: dict[str, Ring] = {}
        self.silenced: set[str] = set()
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what the subscription and the server say ----------------------------------------------------
    def on_event(self, event: AlertEvent) -> None:
        alert = event.alert
        if alert is None:
            return
        escalated = event.kind is AlertEventKind.ESCALATED
        self._consider(alert, escalated=escalated)

    def sync(self, raised: Iterable[Alert], *, complete: bool) -> None:
        """The unacknowledged alerts the server has now (read after every (re)connection): ring for those raised
        while the phone was away; when the list is `complete`, stop those acknowledged or resolved meanwhile."""
        seen: set[str] = set()
        for alert in raised:
            seen.add(alert.id)
            self._consider(alert, escalated=False)
        if complete:
            with self._lock:
                gone = [i for i in self.ringing if i not in seen]
                for alert_id in gone:
                    del self.ringing[alert_id]
            if gone:
                self._changed()

    def _consider(self, alert: Alert, *, escalated: bool) -> None:
        user = self.user()
        ring_now = False
        with self._lock:
            known = self.ringing.get(alert.id)
            if not rules.calls(alert, user):
                if known is not None:
                    del self.ringing[alert.id]
                    self._changed()
                return
            if alert.id in self.silenced and not escalated:
                return
            if known is None or escalated:
                self.silenced.discard(alert.id)
                repeat = rules.repeat_after(alert)
                self.ringing[alert.id] = Ring(alert, None if repeat is None else self.clock() + repeat,
                                              (known.times if known else 0) + 1)
                ring_now = True
            else:
                known.alert = alert              # a repeat folds into the ring that is already going
        if ring_now:
            self._notify(alert, escalated=escalated and user is not None and user.id in alert.escalated_to)
        self._changed()
        self._wake.set()

    def silence(self, alert_id: str) -> None:
        """Stop ringing for this alert on this phone (it still shows in the list until it is handled)."""
        with self._lock:
            self.silenced.add(alert_id)
            self.ringing.pop(alert_id, None)
        self._changed()

    def clear(self) -> None:
        """Signed out: nothing rings for nobody."""
        with self._lock:
            self.ringing.clear()
            self.silenced.clear()
        self._changed()

    def current(self) -> list[Alert]:
        with self._lock:
            return rules.ringing_order([r.alert for r in self.ringing.values()])

    # -- repeats --------------------------------------------------------------------------------------
    def tick(self) -> float | None:
        """Ring again what is due; returns the seconds until the next repeat (None: nothing to repeat)."""
        now = self.clock()
        due: list[Alert] = []
        with self._lock:
            for ring in self.ringing.values():
                repeat = rules.repeat_after(ring.alert)
                if ring.next_at is None or repeat is None:
                    continue
                if ring.next_at <= now:
                    ring.times += 1
                    ring.next_at = now + repeat
                    due.append(ring.alert)
            upcoming = [r.next_at for r in self.ringing.values() if r.next_at is not None]
        for alert in rules.ringing_order(due)[:1]:      # one tone at a time, the most severe
            self._notify(alert, escalated=False)
        return max(0.0, min(upcoming) - now) if upcoming else None

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="alarm-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.tick()
            except Exception:
                logger.exception("alarm repeat failed")
                wait = 5.0
            self._wake.wait(60.0 if wait is None else max(0.2, wait))
            self._wake.clear()

    # -- telling ----------------------------------------------------------------------------------------
    def _notify(self, alert: Alert, *, escalated: bool) -> None:
        title, message = self.text(alert, escalated)
        try:
            self.notifier.notify(title=title, message=message, loud=rules.loud(alert))
        except Exception:
            logger.exception("notification failed")

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change(self.current())
            except Exception:
                logger.exception("alarm change callback failed")
