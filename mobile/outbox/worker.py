"""The background thread that drains the outbox whenever the network allows."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mobile.api.session import SessionStore
from mobile.outbox.sender import OutboxSender

logger = logging.getLogger(__name__)


class OutboxWorker:
    """Sends due items of the signed-in user; sleeps until the next one is due or `wake()` is called.

    `on_change` is called from this thread after every item it touched; the app hands it to the
    UI thread (`@mainthread`).
    """

    def __init__(self, *, sender: OutboxSender, sessions: SessionStore,
                 on_change: Callable[[], None] | None = None, idle_s: float = 30.0) -> None:
        self.sender = sender
        self.sessions = sessions
        self.on_change = on_change
        self.idle_s = idle_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.busy = False

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Look at the outbox now (a new report, a sign-in, the user pressed retry)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            user = self.sessions.user
            timeout = self.idle_s
            if user is not None:
                try:
                    for item in self.sender.outbox.due(owner_id=user.id):
                        if self._stop.is_set() or self.sessions.user is None:
                            break
                        self.busy = True
                        self._notify()
                        self.sender.send(item)
                        self._notify()
                except Exception:
                    logger.exception("outbox worker pass failed")
                finally:
                    self.busy = False
                next_due = self.sender.outbox.next_due_at(owner_id=user.id)
                if next_due is not None:
                    timeout = max(0.05, min(self.idle_s, next_due - time.time()))
            self._wake.wait(timeout)
            self._wake.clear()

    def _notify(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change()
            except Exception:
                logger.exception("outbox change callback failed")
