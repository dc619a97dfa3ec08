"""Is the server reachable? Every request says (the API client's `on_reachable`), the subscriptions say, and
while it is not, a background probe asks its health check every few seconds. When the connection comes back
the listeners run at once (the outbox sends, the caches refresh, the subscriptions reconnect) instead of
waiting out their backoff."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Connectivity:
    """`online` is None until something was tried, then True / False; `on_change(online)` on every flip
    (from whichever thread noticed: the app hands it to the UI thread)."""

    def __init__(self, *, probe: Callable[[], bool], on_change: Callable[[bool], None] | None = None,
                 probe_every_s: float = 5.0) -> None:
        self.probe = probe
        self.on_change = on_change
        self.probe_every_s = probe_every_s
        self.online: bool | None = None
        self.back_listeners: list[Callable[[], None]] = []     # run (on the noticing thread) when it comes back
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def report(self, reached: bool) -> None:
        """A request reached the server (True) or could not (False)."""
        with self._lock:
            before, self.online = self.online, reached
        if before == reached:
            return
        logger.info("server %s", "reachable" if reached else "unreachable")
        if self.on_change is not None:
            self.on_change(reached)
        if reached and before is False:
            for listener in list(self.back_listeners):
                try:
                    listener()
                except Exception:
                    logger.exception("connection-back listener failed")
        if not reached:
            self._wake.set()          # probe soon rather than wait for the next user action

    def check_now(self) -> None:
        """Ask the probe thread to check at once (the app came to the foreground, the server changed)."""
        self._wake.set()

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="connectivity", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            if first or self.online is not True:
                first = False
                try:
                    self.report(self.probe())
                except Exception as error:      # no server address yet, and the like: neither online nor offline
                    logger.debug("probe: %s", error)
            self._wake.wait(self.probe_every_s)
            self._wake.clear()
