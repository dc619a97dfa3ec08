"""Alarms that reach people and the offline state, as pure units: whom an alert calls, the ring and its
repeats (folded, silenced, stopped when handled), sensor titles in the reader's language (parsed from what
the backend writes), resolved repeats folded into one row, readings against their limits, connectivity."""

from __future__ import annotations

import time
import wave
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from backend.sensors.rules import AlarmEvent, SensorKind, SensorLevel, alert_title
from contracts.alerts import AlertEventKind, AlertSeverity, AlertSource, AlertState
from contracts.roles import Role
from contracts.vision import ZoneRule
from mobile.alarms import rules
from mobile.alarms.notifier import RecordingNotifier, SystemNotifier, write_alarm_tone
from mobile.alarms.watch import AlarmWatch
from mobile.api.alerts import AlertEvent, Sensor, Thresholds
from mobile.connectivity import Connectivity
from mobile.i18n import STRINGS, Translator
from mobile.screens.alerts import logic
from tests.mobile.test_alerts_units import A0, A1, MINER, NOW, OFFICER, alert, user

EN, ZH = Translator("en"), Translator("zh")


def test_whom_an_alert_calls() -> None:
    own, other, wide = alert("own"), alert("other", area=A1), alert("wide", area=None)
    assert rules.calls(own, MINER) and rules.calls(wide, MINER) and not rules.calls(other, MINER)
    assert rules.calls(other, OFFICER)                      # the first responders: every alert of the mine
    far_manager = user(Role.MINE_MANAGER, area_id="elsewhere")
    assert not rules.calls(other, far_manager)
    assert rules.calls(replace(other, escalated_to=(far_manager.id,), escalation_level=2), far_manager)
    assert not rules.calls(replace(own, state=AlertState.ACKNOWLEDGED), MINER)
    mine = replace(own, raised_by=OFFICER.id)               # what I raised myself does not ring for me …
    assert not rules.calls(mine, OFFICER) and rules.calls(mine, MINER)
    assert rules.calls(replace(mine, escalated_to=(OFFICER.id,)), OFFICER)      # … unless it comes back to me
    assert not rules.calls(own, None)
    assert rules.loud(own) and not rules.loud(replace(own, severity=AlertSeverity.INFO))
    assert rules.repeat_after(replace(own, severity=AlertSeverity.CRITICAL)) < rules.repeat_after(own)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def watch_for(who, clock: Clock) -> tuple[AlarmWatch, RecordingNotifier, list[list]]:  # type: ignore[no-untyped-def]
    notifier, changes = RecordingNotifier(), []
    watch = AlarmWatch(notifier=notifier, user=lambda: who, text=lambda a, esc: (a.severity.value, a.title),
                       on_change=changes.append, clock=clock)
    return watch, notifier, changes


def test_a_new_alarm_rings_repeats_until_handled_and_its_repeats_fold() -> None:
    clock = Clock()
    watch, notifier, changes = watch_for(MINER, clock)
    critical = alert("c1", severity=AlertSeverity.CRITICAL)
    watch.on_event(AlertEvent(kind=AlertEventKind.RAISED, alert=critical))
    assert notifier.calls == [{"title": "CRITICAL", "message": critical.title, "loud": True}]
    assert [a.id for a in changes[-1]] == ["c1"]
    # the sensor raises it again and again: folded into the ring, no second notification
    for n in range(2, 6):
        watch.on_event(AlertEvent(kind=AlertEventKind.REPEATED, alert=replace(critical, raise_count=n)))
    assert len(notifier.calls) == 1 and watch.current()[0].raise_count == 5
    # another area's alarm does not call a miner
    watch.on_event(AlertEvent(kind=AlertEventKind.RAISED, alert=alert("far", area=A1)))
    assert len(notifier.calls) == 1
    # unacknowledged: it rings again after its interval, and again
    assert watch.tick() == pytest.approx(30.0)
    clock.now += 30
    watch.tick()
    clock.now += 30
    watch.tick()
    assert len(notifier.calls) == 3 and all(c["loud"] for c in notifier.calls)
    # acknowledged: it stops
    watch.on_event(AlertEvent(kind=AlertEventKind.ACKNOWLEDGED, alert=replace(critical, state=AlertState.ACKNOWLEDGED)))
    assert watch.current() == [] and changes[-1] == []
    clock.now += 300
    assert watch.tick() is None and len(notifier.calls) == 3


def test_silenced_escalated_synced_and_info() -> None:
    clock = Clock()
    manager = user(Role.MINE_MANAGER, area_id="elsewhere")
    watch, notifier, _ = watch_for(manager, clock)
    other = alert("o1", area=A1)
    watch.on_event(AlertEvent(kind=AlertEventKind.RAISED, alert=other))
    assert notifier.calls == []                                   # not my area, not escalated to me yet
    escalated = replace(other, escalation_level=2, escalated_to=(manager.id,))
    watch.on_event(AlertEvent(kind=AlertEventKind.ESCALATED, alert=escalated))
    assert len(notifier.calls) == 1
    watch.silence("o1")                                          # "got it": no more repeats on this phone
    clock.now += 600
    watch.tick()
    watch.on_event(AlertEvent(kind=AlertEventKind.REPEATED, alert=escalated))
    assert len(notifier.calls) == 1 and watch.current() == []
    # after a reconnection: what was raised meanwhile rings; what was handled meanwhile stops
    officer_watch, officer_calls, _ = watch_for(OFFICER, clock)
    officer_watch.on_event(AlertEvent(kind=AlertEventKind.RAISED, alert=alert("gone")))
    officer_watch.sync([alert("new1"), replace(alert("info"), severity=AlertSeverity.INFO)], complete=True)
    assert [a.id for a in officer_watch.current()] == ["new1", "info"]
    assert [c["loud"] for c in officer_calls.calls] == [True, True, False]   # INFO: one quiet notification


def test_the_alarm_tone_is_a_real_wav_and_a_missing_desktop_service_is_not_an_error(tmp_path: Path) -> None:
    tone = write_alarm_tone(tmp_path / "alarm.wav")
    with wave.open(str(tone)) as wav:
        assert wav.getnchannels() == 1 and wav.getframerate() == 16000 and wav.getnframes() > 16000
    notifier = SystemNotifier(tone_path=tone, platform="linux")
    notifier.notify(title="报警", message="CH4", loud=True)       # no notification daemon here: logged, not raised
    notifier.notify(title="报警", message="CH4", loud=True)


def titled(title: str):  # type: ignore[no-untyped-def]
    return replace(alert(), title=title, source=AlertSource.SENSOR)


def test_sensor_titles_in_the_readers_language_from_what_the_backend_writes() -> None:
    cut = alert_title("CH4-3101", SensorKind.CH4, AlarmEvent.POWER_CUT, SensorLevel.ALARM, 1.56, "%")
    assert logic.title_text(titled(cut), ZH) == "CH4-3101 甲烷断电：1.56 %"
    assert logic.title_text(titled(cut), EN) == "CH4-3101 methane power cut: 1.56 %"
    low = alert_title("WF1-O2-01", SensorKind.O2, AlarmEvent.LEVEL_CHANGED, SensorLevel.ALARM, 18.2, "%")
    assert logic.title_text(titled(low), ZH) == "WF1-O2-01 氧气报警：18.2 %"
    fault = alert_title("WF1-T-01", SensorKind.TEMPERATURE, AlarmEvent.FAULT_RAISED, SensorLevel.NORMAL, None, "°C")
    assert logic.title_text(titled(fault), ZH) == "WF1-T-01 温度传感器故障"
    rate = alert_title("WF1-ROOF-01", SensorKind.ROOF_SEPARATION, AlarmEvent.RATE_RAISED, SensorLevel.NORMAL, 12.0,
                       "mm")
    assert logic.title_text(titled(rate), EN) == "WF1-ROOF-01 roof separation rising fast: 12 mm"
    overdue = replace(alert(), title="Hazard overdue: 锚杆托盘松动", source=AlertSource.HAZARD_OVERDUE)
    assert logic.title_text(overdue, ZH) == "隐患超期：锚杆托盘松动"
    assert logic.title_text(overdue, EN) == "Hazard overdue: 锚杆托盘松动"
    camera = replace(alert(), title="no entry: belt head (CAM-BELT-01)", source=AlertSource.VISION)
    assert logic.title_text(camera, ZH) == "人员闯入禁入区：belt head（CAM-BELT-01）"
    assert logic.title_text(camera, EN) == "Person in a no-entry zone: belt head (CAM-BELT-01)"
    for rule in ZoneRule:  # every rule of the contract, the app can say
        said = logic.title_text(replace(camera, title=f"{rule.replace('_', ' ').lower()}: belt head (C1)"), EN)
        assert said != f"{rule.replace('_', ' ').lower()}: belt head (C1)" and f"vision.rule.{rule}" in STRINGS
    # anything else is shown as written
    assert logic.title_text(replace(alert(), title="顶板掉渣", source=AlertSource.MANUAL), EN) == "顶板掉渣"
    assert logic.title_text(titled("something new at X"), ZH) == "something new at X"


def test_resolved_repeats_fold_into_one_row_and_open_alerts_never_fold() -> None:
    def cycle(i: int, state: AlertState = AlertState.RESOLVED):  # type: ignore[no-untyped-def]
        title = alert_title("WF1-CH4-01", SensorKind.CH4, AlarmEvent.LEVEL_CHANGED, SensorLevel.ALARM,
                            1.0 + i / 10, "%")
        return replace(alert(f"m{i}", state=state, minutes_ago=i * 4), title=title, source_ref="s-ch4")

    shown = logic.ordered([cycle(0, AlertState.RAISED), *[cycle(i) for i in range(1, 13)],
                           replace(alert("roof", state=AlertState.RESOLVED), source_ref="s-roof")])
    rows = logic.folded(shown)
    assert [(a.id, n) for a, n in rows] == [("m0", 0), ("roof", 0), ("m1", 11)]
    assert logic.alert_row(rows[2][0], EN, None, NOW, folded_count=11)["line3"].endswith("· +11 earlier, resolved")
    assert logic.alert_row(cycle(1), ZH, None, NOW, folded_count=3)["line3"].endswith("另有 3 次已解除")


def sensor(value: float | None, **limits: float) -> Sensor:
    return Sensor(id="s", code="X", kind="CH4", unit="%", area=A0, thresholds=Thresholds(**limits),
                  last_value=value, last_reading_at=NOW - timedelta(seconds=5), online=True)


def test_readings_against_their_limits() -> None:
    level = logic.ReadingLevel
    assert logic.reading_level(sensor(0.4, alarm=1.0, power_cut=1.5)) == (level.NORMAL, None)
    assert logic.reading_level(sensor(1.2, alarm=1.0, power_cut=1.5)) == (level.OVER, 1.0)
    assert logic.reading_level(sensor(1.6, alarm=1.0, power_cut=1.5)) == (level.CUT, 1.5)
    assert logic.reading_level(sensor(0.8, warning=0.75, alarm=1.0)) == (level.WARNING, 0.75)
    assert logic.reading_level(sensor(18.5, low_alarm=20.0)) == (level.BELOW, 20.0)       # O2: below
    assert logic.reading_level(sensor(None, alarm=1.0)) == (level.NORMAL, None)
    assert EN("reading.below", limit="20 %") == "(BELOW the limit 20 %)" and "低于" in ZH("reading.below", limit="20 %")


def test_connectivity_flips_once_and_runs_the_listeners_when_the_server_is_back() -> None:
    flips: list[bool] = []
    back: list[str] = []
    answers = iter([False, False, True])
    link = Connectivity(probe=lambda: next(answers), on_change=flips.append, probe_every_s=0.01)
    link.back_listeners.append(lambda: back.append("outbox"))
    link.report(True)
    link.report(True)
    assert flips == [True] and back == []              # first contact is not "back"
    link.report(False)
    link.report(False)
    assert flips == [True, False]
    link.start()
    try:
        for _ in range(200):
            if link.online:
                break
            time.sleep(0.01)
    finally:
        link.stop()
    assert flips == [True, False, True] and back == ["outbox"]
