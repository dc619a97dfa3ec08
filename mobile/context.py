"""What a controller may use: the API, the outbox, the session, a runner, navigation and text."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobile.api.client import ApiClient
from mobile.api.live import LiveEvents
from mobile.api.service import MineSafeApi
from mobile.api.session import SessionStore
from mobile.i18n import Translator
from mobile.outbox.store import Outbox
from mobile.outbox.worker import OutboxWorker
from mobile.runner import Runner
from mobile.settings import AppSettings
from mobile.storage import LocalStore

logger = logging.getLogger(__name__)


@dataclass
class AppContext:
    """Built once by the app (or by a unit test with an InlineRunner)."""

    store: LocalStore
    settings: AppSettings
    sessions: SessionStore
    client: ApiClient
    api: MineSafeApi
    outbox: Outbox
    worker: OutboxWorker | None
    runner: Runner
    tr: Translator
    navigate: Callable[..., None]
    live: LiveEvents | None = None
    alert_live: LiveEvents | None = None     # the alerts(areaId) subscription (home badge, alerts screens)
    cache_dir: Path | None = None            # downloaded alert snapshots
    back: Callable[..., None] | None = None  # back a screen; keyword params are added to that screen's params
    extras: dict[str, Any] = field(default_factory=dict)
    connectivity: Any = None                 # mobile.connectivity.Connectivity: is the server reachable now
    alarms: Any = None                       # mobile.alarms.watch.AlarmWatch: rings for alerts that call me
    background: Callable[[bool], None] | None = None   # Android: start (True) / stop the alarm service

    def signed_in_changed(self) -> None:
        """Start or stop the background parts after a sign-in, sign-out or server change."""
        user = self.sessions.user
        if self.worker is not None:
            self.worker.wake()
        if self.alarms is not None and user is None:
            self.alarms.clear()
        if self.background is not None:
            self.background(user is not None)
        if user is not None:
            self.refresh_reference_data()
        if self.live is not None:
            if user is None:
                self.live.stop()
            else:
                self.live.start(areaId=None, assigneeId=None)
        if self.alert_live is not None:
            if user is None:
                self.alert_live.stop()
            else:
                self.alert_live.start(areaId=None)

    def refresh_reference_data(self) -> None:
        """Cache the mine's areas and people (and so my own area) for the forms that must work offline."""
        from mobile.ui.areas import refresh_reference_data

        self.runner.submit(lambda: refresh_reference_data(self.api, self.store),
                           lambda counted: logger.info("cached %s areas and %s people", *counted),
                           lambda error: logger.info("reference data not refreshed: %s", error))
