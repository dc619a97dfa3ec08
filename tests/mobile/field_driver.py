"""Drives the real app headless through issue 11 items 1 and 2, against the live backend behind the proxy that
drops the connection: the open alerts first behind more than a page of resolved ones (folded), one count on
home and list, a new alarm that rings (recorded notifier over the real one) and repeats until acknowledged,
readings over a limit marked, the offline banner (never on a login screen that reaches the server), a report
queued offline and sent the moment the server is back, whatever its backoff said. Chinese, then English.

Run by test_field_app.py in a subprocess: python -m tests.mobile.field_driver <plan.json>
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config

Config.set("graphics", "width", "540")
Config.set("graphics", "height", "960")
Config.set("kivy", "exit_on_escape", "0")

from contracts.alerts import AlertSeverity, AlertState, AlertVerdict  # noqa: E402
from mobile.alarms import rules  # noqa: E402
from mobile.alarms.notifier import RecordingNotifier  # noqa: E402
from mobile.api.alerts import AlertsApi  # noqa: E402
from mobile.outbox.store import ItemKind, ItemState  # noqa: E402
from mobile.ui.areas import PEOPLE_CACHE_KEY, cached_areas, cached_people  # noqa: E402
from mobile.ui.photos import open_file_chooser  # noqa: E402
from tests.mobile.alerts_setup import raise_sensor_alarm  # noqa: E402
from tests.mobile.netfault import FlakyProxy  # noqa: E402
from tests.mobile.ui_driver import Driver, StepFailed, Wait, drive  # noqa: E402

BACKOFF_S = 600.0      # what the outbox's backoff would make the report wait; the returning server must not


class FieldDriver(Driver):
    def __init__(self, app: Any, plan: dict[str, Any]) -> None:
        super().__init__(app, plan)
        self.proxy = FlakyProxy("127.0.0.1", plan["server_port"])      # this run's own cut-able link
        self.plan["server"] = self.proxy.url
        for severity in (AlertSeverity.CRITICAL, AlertSeverity.ALARM):   # repeats within the test's patience
            rules.REPEAT_S[severity] = 1.5

    def recorder(self) -> RecordingNotifier:
        alarms = self.app.ctx.alarms
        if not isinstance(alarms.notifier, RecordingNotifier):
            alarms.notifier = RecordingNotifier(inner=alarms.notifier)
        return alarms.notifier

    def counts(self) -> int:
        return AlertsApi(self.app.ctx.client).counts().unacknowledged

    def wait_shot(self, name: str) -> Iterator[Wait]:
        yield lambda: True
        self.shot(name)

    def run(self) -> Iterator[Wait]:
        plan, app = self.plan, self.app
        officer = plan["people"]["safety_officer"]
        recorder = self.recorder()

        self.steps.append("first run: the login screen reaches the server, so it never says offline")
        yield self.on("server")
        self.screen.ids.address.text = plan["server"]
        self.press(self.t("server.continue"))
        yield lambda: self.on("login")() and app.online and app.ctx.connectivity.online is True
        self.shot("login_reaches_server_zh")

        self.steps.append("sign in: areas and people are cached at once; home counts what the server counts")
        self.login(officer["username"], officer["password"])
        yield lambda: (self.on("home")() and app.alerts_connected and bool(cached_people(app.ctx.store))
                       and bool(cached_areas(app.ctx.store)) and self.screen.model.alerts_unacked > 0)
        server_count = self.counts()
        if self.screen.model.alerts_unacked != server_count:
            raise StepFailed(f"home badge {self.screen.model.alerts_unacked} != server {server_count}")
        # the unacknowledged ones from before the sign-in ring too (read from the server once connected)
        raised = AlertsApi(app.ctx.client).alerts(state=AlertState.RAISED, first=100).alerts
        calling = {a.id for a in raised if rules.calls(a, app.ctx.sessions.user)}   # not those I raised myself
        if not calling or len(calling) == len(raised):
            raise StepFailed(f"expected some alerts to ring and the officer's own not: {len(calling)}/{len(raised)}")
        yield lambda: {a.id for a in app.ctx.alarms.current()} == calling and bool(app.alarm_text)
        self.shot("home_badge_and_the_alarms_waiting_zh")
        for alert in app.ctx.alarms.current():
            app.ctx.alarms.silence(alert.id)          # "got it" on each
        yield lambda: not app.alarm_text
        self.shot("home_badge_is_the_server_count_zh")

        yield from self.demo_photos("zh")

        self.steps.append("the list: open alerts first behind more than a page of history, repeats folded")
        app.navigate("alerts")
        yield lambda: self.on("alerts")() and bool(self.screen.model.rows) and self.screen.controller.counts
        rows = self.screen.model.rows
        unacked = [r["unacked"] for r in rows]
        if unacked[:server_count] != [True] * server_count or any(unacked[server_count:]):
            raise StepFailed(f"the unacknowledged alerts are not first: {unacked}")
        if self.screen.model.unacked != server_count:
            raise StepFailed(f"header {self.screen.model.unacked} != server {server_count}")
        if not any(self.t("alerts.folded", n=plan["cycles"] - 1) in r["line3"] for r in rows):
            raise StepFailed(f"the simulator's cycles are not folded: {[r['line3'] for r in rows][-6:]}")
        self.shot("alerts_open_first_zh")
        self._scroll_to_end()
        yield from self.wait_shot("alerts_history_folded_zh")

        self.steps.append("a new methane alarm and power cut in my mine: notified, loud, repeated until handled")
        before = len(recorder.calls)
        raise_sensor_alarm(plan["direct"], plan["bridge_token"], 5000)
        yield lambda: bool(app.alarm_text) and len(recorder.calls) >= before + 2
        if not all(c["loud"] for c in recorder.calls[before:]):
            raise StepFailed(f"the alarm was not loud: {recorder.calls[before:]}")
        yield lambda: len(recorder.calls) >= before + 4            # it repeats while unacknowledged
        rings_before_ack = len(recorder.calls) - before
        self.shot("alarm_banner_rings_zh")

        self.steps.append("open it from the banner: the reading is marked over its limit, in words")
        app.open_alarm()
        yield lambda: self.on("alert")() and bool(self.screen.model.sensors) and "[color=" in self.screen.model.sensors
        for words in (self.t("reading.cut", limit="1.5 %"), self.t("reading.below", limit="20 %")):
            if words not in self.screen.model.sensors:
                raise StepFailed(f"no {words!r}: {self.screen.model.sensors!r}")
        self.shot("alarm_detail_power_cut_zh")
        self.screen.ids.scroll.scroll_y = 0
        yield from self.wait_shot("alarm_detail_sensors_over_limit_zh")

        self.steps.append("acknowledged: that one stops ringing")
        self.screen.ids.scroll.scroll_y = 1
        ringing_id = app.alarm_id
        self.press(self.t("alert.confirm"))
        yield lambda: ringing_id not in {a.id for a in app.ctx.alarms.current()}
        pair = [ringing_id, *(a.id for a in app.ctx.alarms.current())]
        for alert in app.ctx.alarms.current():                  # the other one of the pair: confirmed too
            AlertsApi(app.ctx.client).acknowledge(alert_id=alert.id, verdict=AlertVerdict.CONFIRMED)
        yield lambda: not app.alarm_text
        calls = len(recorder.calls)
        stop_at = time.monotonic() + 4
        yield lambda: time.monotonic() > stop_at
        if len(recorder.calls) != calls:
            raise StepFailed("it rang again after it was acknowledged")
        self.shot("alarm_acknowledged_quiet_zh")
        for alert_id in pair:                 # power restored, ventilation back: resolved (the next raise is new)
            AlertsApi(app.ctx.client).resolve(alert_id=alert_id, note="restored")

        self.steps.append("out of coverage: the banner says so on every screen; a report is still queued")
        self.proxy.down = True
        self.proxy.reset()
        app.navigate("home", reset=True)
        yield lambda: not app.online
        self.shot("offline_banner_home_zh")
        app.navigate("raise_alert")
        yield self.on("raise_alert")
        yield from self.offline_report("井下通风机异响 fan noise")
        self.shot("offline_report_queued_zh")

        self.steps.append("back in coverage: sent at once, not after its backoff")
        yield from self.back_in_coverage()
        self.shot("back_online_sent_zh")

        self.steps.append("English: login reaches the server, list, alarm, offline")
        app.set_language("en")
        app.navigate("alerts")
        yield lambda: self.on("alerts")() and bool(self.screen.model.rows) and self.screen.model.live
        self.shot("alerts_open_first_en")
        before = len(recorder.calls)
        raise_sensor_alarm(plan["direct"], plan["bridge_token"], 6000)
        yield lambda: bool(app.alarm_text) and len(recorder.calls) >= before + 2
        rings_en = len(recorder.calls) - before
        self.shot("alarm_banner_rings_en")
        app.open_alarm()
        yield lambda: self.on("alert")() and "[color=" in self.screen.model.sensors
        self.screen.ids.scroll.scroll_y = 0
        yield from self.wait_shot("alarm_detail_sensors_over_limit_en")
        for alert in app.ctx.alarms.current():
            app.ctx.alarms.silence(alert.id)
        self.proxy.down = True
        self.proxy.reset()
        app.navigate("raise_alert")
        yield lambda: self.on("raise_alert")() and not app.online
        yield from self.offline_report("Water on the belt road")
        self.shot("offline_report_queued_en")
        yield from self.back_in_coverage()
        self.shot("back_online_sent_en")
        app.navigate("home", reset=True)
        yield self.on("home")
        yield from self.demo_photos("en")
        self.logout()
        yield lambda: self.on("login")() and app.online
        self.shot("login_reaches_server_en")
        self.result = {"ok": True, "notifications": len(recorder.calls), "rings_before_ack": rings_before_ack,
                       "rings_en": rings_en}

    def demo_photos(self, lang: str) -> Iterator[Wait]:
        """The photo chooser offers the demo photos (a first run on a desktop has none of a mine)."""
        self.steps.append(f"the photo chooser's demo photos ({lang})")
        picked: list[str] = []
        popup = open_file_chooser(self.app.tr, picked.append, start=str(Path.home()))
        if not popup.demo:
            raise StepFailed("no demo photos offered")
        yield lambda: True
        self.press(self.t("photos.demo"), root=popup)
        yield lambda: popup.chooser.path == popup.demo and len(popup.chooser.files) >= 4
        self.shot(f"chooser_demo_photos_{lang}")
        popup.chooser.selection = [str(Path(popup.demo) / "roof-spalling.jpg")]
        self.press(self.t("picker.choose"), root=popup)
        yield lambda: bool(picked)
        if not picked[0].endswith("roof-spalling.jpg"):
            raise StepFailed(f"picked {picked}")

    def _scroll_to_end(self) -> None:
        view = next((w for w in self.screen.walk() if type(w).__name__ == "RecycleView"), None)
        if view is None:
            raise StepFailed("no list to scroll")
        view.scroll_y = 0

    def offline_report(self, title: str) -> Iterator[Wait]:
        controller = self.screen.controller
        names = [name for name, _ in controller.choices()]
        if not names:
            raise StepFailed("no areas to raise an alert for offline (the cache is empty)")
        ok = controller.submit(area_name=names[-1], title=title, detail="offline")
        if not ok:
            raise StepFailed(f"the report was not queued: {self.screen.model.error}")
        yield lambda: self.on("outbox")()
        item = self.latest()
        yield lambda: self.latest().attempts >= 1 or not self.app.online    # tried, and failed
        # the outbox's backoff would wait this long now (several failures out of coverage)
        self.app.ctx.outbox.mark_retry(item.client_id, error="TransportError: out of coverage", delay_s=BACKOFF_S)
        self.queued_id = item.client_id
        yield lambda: self.latest().state is ItemState.QUEUED and not self.app.online

    def latest(self) -> Any:
        user = self.app.ctx.sessions.user
        items = [i for i in self.app.ctx.outbox.items(owner_id=user.id) if i.kind is ItemKind.RAISE_ALERT]
        return items[0]

    def back_in_coverage(self) -> Iterator[Wait]:
        store = self.app.ctx.store
        store.delete(PEOPLE_CACHE_KEY)            # so that the refresh on the connection's return shows
        self.proxy.down = False
        started = time.monotonic()
        yield lambda: self.app.online and self.app.ctx.outbox.get(self.queued_id).state is ItemState.SENT
        yield lambda: bool(cached_people(store))
        took = time.monotonic() - started
        if took > 20:
            raise StepFailed(f"sent only after {took:.0f} s")
        self.steps.append(f"sent {took:.1f} s after the server came back (backoff said {BACKOFF_S:.0f} s)")
        self.screen.controller.on_enter()
        yield self.on("outbox")


def main() -> int:
    return drive(FieldDriver)


if __name__ == "__main__":
    sys.exit(main())
