"""The alerts screens without a server: records from the agreed contract, order, who sees and may act,
retries that never act twice, the live list, the detail's snapshot cache and curve, the home badge."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from contracts.alerts import AlertEventKind, AlertSeverity, AlertSource, AlertState, AlertVerdict
from contracts.client import Refused, TransportError, Unavailable
from contracts.errors import ErrorCode
from contracts.roles import Role
from mobile.api.alerts import (
    ActionOutcome,
    ActionResult,
    Alert,
    AlertCounts,
    AlertEvent,
    AlertPage,
    Sensor,
    SensorPoint,
    Thresholds,
    parse_alert_event,
)
from mobile.api.models import Area, AuthSession, PersonRef, User
from mobile.screens.alert.controller import AlertController, prune
from mobile.screens.alert.model import AlertModel
from mobile.screens.alerts import logic
from mobile.screens.alerts.controller import AlertsController
from mobile.screens.alerts.model import AlertsModel
from mobile.screens.home.controller import HomeController
from mobile.screens.home.model import HomeModel
from mobile.ui.registry import load_specs
from tests.mobile.conftest import Phone, make_phone

NOW = datetime.now(UTC).replace(microsecond=0)
A0, A1 = Area(id="a0", name="Area 0"), Area(id="a1", name="Area 1")


def api_alert(**over: Any) -> dict[str, Any]:
    """An Alert exactly as the contract's GraphQL type spells it."""
    data = {"id": "al-1", "source": "SENSOR", "sourceRef": "CH4-01", "severity": "ALARM", "state": "RAISED",
            "title": "甲烷超限 CH4 1.32 %", "detail": "3101 working face", "area": {"id": "a0", "name": "Area 0"},
            "raiseCount": 3, "firstRaisedAt": (NOW - timedelta(minutes=20)).isoformat(),
            "lastRaisedAt": (NOW - timedelta(minutes=1)).isoformat(), "acknowledgedAt": None,
            "acknowledgedBy": None, "verdict": None, "note": None, "resolvedAt": None, "escalationLevel": 0,
            "snapshotUrl": None, "hazard": None}
    data.update(over)
    return data


def alert(alert_id: str = "al-1", *, severity: AlertSeverity = AlertSeverity.ALARM,
          state: AlertState = AlertState.RAISED, area: Area | None = A0, minutes_ago: int = 1,
          source: AlertSource = AlertSource.SENSOR, **over: Any) -> Alert:
    base = Alert.from_api(api_alert(id=alert_id))
    return replace(base, severity=severity, state=state, area=area, source=source,
                   last_raised_at=NOW - timedelta(minutes=minutes_ago), **over)


def user(*roles: Role, area_id: str = "a0") -> User:
    return User(id="u-" + "-".join(r.value for r in roles), username="u", display_name="Wang Wei",
                roles=frozenset(roles), area_id=area_id)


MINER, OFFICER = user(Role.MINER), user(Role.SAFETY_OFFICER)
AREA_MANAGER, MINE_MANAGER = user(Role.AREA_MANAGER), user(Role.MINE_MANAGER)


# -- records --------------------------------------------------------------------------------------

def test_records_follow_the_agreed_graphql_contract() -> None:
    acked = Alert.from_api(api_alert(state="ACKNOWLEDGED", verdict="FALSE_ALARM", note="dust on the head",
                                     acknowledgedAt=NOW.isoformat(), acknowledgedBy={"id": "u1", "displayName": "Li"},
                                     hazard={"id": "h1", "state": "REPORTED"}, area=None, escalationLevel=2))
    assert acked.state is AlertState.ACKNOWLEDGED and acked.verdict is AlertVerdict.FALSE_ALARM
    assert acked.acknowledged_by == PersonRef(id="u1", display_name="Li") and acked.area is None
    assert acked.hazard is not None and acked.hazard.id == "h1" and acked.escalation_level == 2
    event = parse_alert_event({"data": {"alerts": {"kind": "REPEATED", "alert": api_alert(raiseCount=4)}}})
    assert event.kind is AlertEventKind.REPEATED and event.alert is not None and event.alert.raise_count == 4
    with pytest.raises(Refused):
        parse_alert_event({"errors": [{"message": "not allowed"}]})
    assert ActionResult.from_union({"__typename": "Alert", **api_alert()}).outcome is ActionOutcome.OK
    assert ActionResult.from_union({"__typename": "Hazard", "id": "h9", "state": "REPORTED"}).hazard_id == "h9"
    late = ActionResult.from_union({"__typename": "InvalidTransition", "message": "already acknowledged"})
    assert late.outcome is ActionOutcome.INVALID_TRANSITION and late.message == "already acknowledged"
    assert ActionResult.from_union({"__typename": "NotAllowed", "message": "no"}).outcome is ActionOutcome.REFUSED
    sensor = Sensor.from_api({"id": "s1", "code": "CH4-01", "kind": "METHANE", "unit": "%", "area": None,
                              "thresholds": {"alarm": 1.0, "powerCut": 1.5, "restore": 1.0}, "lastValue": 0.4,
                              "lastReadingAt": NOW.isoformat(), "online": True})
    assert sensor.thresholds.alarm == 1.0 and sensor.thresholds.power_cut == 1.5 and sensor.last_value == 0.4
    point = SensorPoint.from_api({"at": NOW.isoformat(), "value": 0.5, "min": 0.4, "max": 0.7})
    assert (point.low, point.high) == (0.4, 0.7)


# -- order, visibility, permissions -------------------------------------------------------------------

def test_unacknowledged_first_then_most_severe_then_newest() -> None:
    items = [
        alert("old-critical", severity=AlertSeverity.CRITICAL, minutes_ago=50),
        alert("new-warning", severity=AlertSeverity.WARNING, minutes_ago=1),
        alert("newer-critical", severity=AlertSeverity.CRITICAL, minutes_ago=5),
        alert("acked-critical", severity=AlertSeverity.CRITICAL, state=AlertState.ACKNOWLEDGED),
        alert("resolved", severity=AlertSeverity.CRITICAL, state=AlertState.RESOLVED, minutes_ago=0),
        alert("info", severity=AlertSeverity.INFO, minutes_ago=0),
    ]
    assert [a.id for a in logic.ordered(items)] == ["newer-critical", "old-critical", "new-warning", "info",
                                                    "acked-critical", "resolved"]


def test_a_miner_sees_their_own_area_and_mine_wide_alerts_officers_see_all() -> None:
    own, other, wide = alert("own"), alert("other", area=A1), alert("wide", area=None)
    assert [a.id for a in (own, other, wide) if logic.visible_to(a, MINER)] == ["own", "wide"]
    assert all(logic.visible_to(a, OFFICER) for a in (own, other, wide))
    assert not logic.visible_to(own, None)
    assert [a.id for a in (own, other, wide) if logic.in_area(a, "a1")] == ["other", "wide"]


def test_who_may_acknowledge_resolve_and_open_a_hazard() -> None:
    raised = alert()
    assert logic.available_actions(raised, MINER) == []
    assert logic.available_actions(raised, user(Role.TEAM_LEADER, Role.MINER)) == []
    assert logic.available_actions(raised, OFFICER) == ["confirm", "false_alarm", "resolve", "open_hazard"]
    assert logic.available_actions(raised, MINE_MANAGER) == ["confirm", "false_alarm", "resolve", "open_hazard"]
    assert logic.available_actions(raised, AREA_MANAGER) == ["confirm", "false_alarm", "resolve", "open_hazard"]
    assert logic.available_actions(alert(area=A1), AREA_MANAGER) == []
    acked = alert(state=AlertState.ACKNOWLEDGED)
    assert logic.available_actions(acked, OFFICER) == ["resolve", "open_hazard"]
    linked = replace(acked, hazard=Alert.from_api(api_alert(hazard={"id": "h1", "state": "REPORTED"})).hazard)
    assert logic.available_actions(linked, OFFICER) == ["resolve", "view_hazard"]
    assert logic.available_actions(alert(state=AlertState.RESOLVED), OFFICER) == ["open_hazard"]
    assert logic.available_actions(alert(area=None), OFFICER) == ["confirm", "false_alarm", "resolve"]
    assert logic.available_actions(alert(area=None), AREA_MANAGER) == []
    assert logic.suggested_grade(alert(severity=AlertSeverity.CRITICAL)) == "MAJOR"
    assert logic.suggested_grade(alert()) == "GENERAL"


def test_transient_failures_are_retried_with_the_same_request_and_others_are_not() -> None:
    calls: list[str] = []
    sleeps: list[float] = []

    def flaky() -> str:
        calls.append("ack al-1 CONFIRMED")
        if len(calls) < 3:
            raise TransportError("connection reset") if len(calls) == 1 else Unavailable("HTTP 502")
        return "done"

    assert logic.retrying(flaky, sleep=sleeps.append) == "done"
    assert calls == ["ack al-1 CONFIRMED"] * 3 and sleeps == [0.5, 1.0]

    def refused() -> str:
        calls.append("refused")
        raise Refused(ErrorCode.BAD_USER_INPUT, "Unknown argument")

    with pytest.raises(Refused):
        logic.retrying(refused, sleep=sleeps.append)
    assert calls.count("refused") == 1

    def down() -> str:
        raise TransportError("no route")

    with pytest.raises(TransportError):
        logic.retrying(down, attempts=3, sleep=sleeps.append)


def test_the_sensor_of_a_sensor_alert_is_found_by_id_or_code() -> None:
    sensors = [Sensor(id="s1", code="CH4-01", kind="METHANE", unit="%", area=A0, thresholds=Thresholds(alarm=1.0),
                      last_value=0.4, last_reading_at=NOW, online=True),
               Sensor(id="s2", code="CO-02", kind="CO", unit="ppm", area=A0, thresholds=Thresholds(low_alarm=None),
                      last_value=3, last_reading_at=NOW, online=False)]
    assert logic.sensor_for(alert(), sensors) is sensors[0]
    assert logic.sensor_for(replace(alert(), source_ref="s2"), sensors) is sensors[1]
    assert logic.sensor_for(replace(alert(), source_ref="CO-02:LEVEL_CHANGED"), sensors) is sensors[1]
    assert logic.sensor_for(replace(alert(), source_ref="nope"), sensors) is None
    assert logic.sensor_for(alert(source=AlertSource.VISION), sensors) is None
    assert logic.alarm_threshold(sensors[0]) == 1.0 and logic.alarm_threshold(sensors[1]) is None


def test_the_curve_and_its_threshold_fit_the_box() -> None:
    points = [SensorPoint(at=NOW + timedelta(minutes=i), value=v) for i, v in enumerate([0.2, 0.6, 1.3, 0.9])]
    g = logic.chart_geometry(points, 1.0, 400, 200)
    xs, ys = g.line[0::2], g.line[1::2]
    assert xs[0] == 0 and xs[-1] == 400 and all(0 <= y <= 200 for y in ys)
    assert ys[2] == max(ys) and g.threshold_y is not None and ys[1] < g.threshold_y < ys[2]
    assert g.lo == 0.0 and g.hi > 1.3 and g.band_low == [] and g.start == points[0].at
    # a threshold far above every reading stays in view
    assert logic.chart_geometry(points, 5.0, 400, 200).threshold_y <= 200
    with_cut = logic.chart_geometry(points, 1.0, 400, 200, cut=1.5)
    assert with_cut.threshold_y < with_cut.cut_y <= 200 and with_cut.hi >= 1.5
    band = [SensorPoint(at=NOW + timedelta(minutes=i), value=0.5, low=0.3, high=0.9) for i in range(3)]
    banded = logic.chart_geometry(band, None, 300, 100)
    assert len(banded.band_low) == 6 and banded.band_high[1] > banded.line[1] > banded.band_low[1]
    assert logic.chart_geometry([], 1.0, 300, 100).line == []
    assert logic.number(1.0) == "1" and logic.number(0.125) == "0.125" and logic.number(None) == "—"


def test_rows_say_the_severity_in_words_and_mark_the_unacknowledged(phone_ctx: Phone) -> None:
    tr = phone_ctx.ctx.tr
    row = logic.alert_row(alert(severity=AlertSeverity.CRITICAL), tr, None, NOW)
    assert row["severity_text"] == "CRITICAL" and row["unacked"] and row["colour"] == logic.SEVERITY_COLOURS[
        AlertSeverity.CRITICAL]
    assert row["line2"] == "Area 0 · Sensor · ×3" and row["line3"].startswith("Unacknowledged · ")
    acked = replace(alert(state=AlertState.ACKNOWLEDGED), verdict=AlertVerdict.FALSE_ALARM,
                    acknowledged_by=PersonRef(id="u", display_name="Li"), acknowledged_at=NOW)
    row = logic.alert_row(acked, tr, None, NOW)
    assert row["line3"].startswith("False alarm · Li · ") and not row["unacked"]
    assert logic.alert_row(alert(state=AlertState.RESOLVED, area=None), tr, None, NOW)["colour"] == \
        logic.RESOLVED_COLOUR
    tr.language = "zh"
    assert logic.alert_row(alert(area=None), tr, None, NOW)["line2"].startswith("全矿 · 传感器")


# -- controllers against a fake server -----------------------------------------------------------------

class FakeServer:
    """The alerts part of the server as the contract describes it, with a switch that loses replies."""

    def __init__(self, alerts: list[Alert]) -> None:
        self.store = {a.id: a for a in alerts}
        self.applied: list[tuple[str, ...]] = []
        self.lose_next_reply = 0
        self.hazards: dict[str, str] = {}
        self.sensor_list: list[Sensor] = []
        self.series: list[SensorPoint] = []
        self.downloads: list[str] = []
        self.asked: list[dict[str, Any]] = []

    def _reply(self, value: Any) -> Any:
        if self.lose_next_reply:
            self.lose_next_reply -= 1
            raise TransportError("the reply was lost on the way back")
        return value

    # AlertsApi's methods
    viewer: User | None = None          # whose visibility the server applies (None: everything)

    def _visible(self, area_id: str | None, state: AlertState | None) -> list[Alert]:
        return [a for a in self.store.values() if (area_id is None or (a.area and a.area.id == area_id))
                and (state is None or a.state is state) and (self.viewer is None or logic.visible_to(a, self.viewer))]

    def alerts(self, *, area_id: str | None = None, state: AlertState | None = None, first: int = 50,
               after: str | None = None, open_first: bool = False) -> AlertPage:
        self.asked.append({"area_id": area_id, "state": state, "open_first": open_first})
        found = self._visible(area_id, state)
        if open_first:
            found = logic.ordered(found)
        return AlertPage(alerts=tuple(found[:first]), has_next_page=len(found) > first, end_cursor=None)

    def counts(self, *, area_id: str | None = None) -> AlertCounts:
        found = self._visible(area_id, None)
        return AlertCounts(unacknowledged=sum(a.state is AlertState.RAISED for a in found),
                           acknowledged=sum(a.state is AlertState.ACKNOWLEDGED for a in found))

    def alert(self, alert_id: str) -> Alert | None:
        return self.store.get(alert_id)

    def acknowledge(self, *, alert_id: str, verdict: AlertVerdict, note: str | None = None) -> ActionResult:
        current = self.store[alert_id]
        if current.state is not AlertState.RAISED:
            return self._reply(ActionResult(ActionOutcome.INVALID_TRANSITION, typename="InvalidTransition",
                                            message="already acknowledged"))
        self.applied.append(("acknowledge", alert_id, verdict.value, note or ""))
        done = replace(current, state=AlertState.ACKNOWLEDGED, verdict=verdict, note=note, acknowledged_at=NOW,
                       acknowledged_by=PersonRef(id="o", display_name="safety officer"))
        self.store[alert_id] = done
        return self._reply(ActionResult(ActionOutcome.OK, alert=done, typename="Alert"))

    def resolve(self, *, alert_id: str, note: str | None = None) -> ActionResult:
        current = self.store[alert_id]
        if current.state is AlertState.RESOLVED:
            return self._reply(ActionResult(ActionOutcome.INVALID_TRANSITION, message="already resolved"))
        self.applied.append(("resolve", alert_id))
        done = replace(current, state=AlertState.RESOLVED, resolved_at=NOW)
        self.store[alert_id] = done
        return self._reply(ActionResult(ActionOutcome.OK, alert=done, typename="Alert"))

    def open_hazard(self, *, alert_id: str, description: str, suggested_grade: str) -> ActionResult:
        if alert_id not in self.hazards:          # once per alert: a repeat returns the same hazard
            self.applied.append(("open_hazard", alert_id, suggested_grade, description))
            self.hazards[alert_id] = f"hz-{len(self.hazards) + 1}"
        return self._reply(ActionResult(ActionOutcome.OK, hazard_id=self.hazards[alert_id], typename="Hazard"))

    def sensors(self, *, area_id: str | None) -> list[Sensor]:
        return list(self.sensor_list)

    def sensor_series(self, *, sensor_id: str, since: datetime, max_points: int = 120) -> list[SensorPoint]:
        self.asked.append({"sensor_id": sensor_id, "since": since, "max_points": max_points})
        return list(self.series)

    def snapshot(self, url: str) -> bytes:
        self.downloads.append(url)
        return b"\xff\xd8\xff\xe0fake-jpeg"


@pytest.fixture
def phone_ctx(tmp_path: Path) -> Phone:
    phone = make_phone(tmp_path / "phone", "http://127.0.0.1:9")
    phone.ctx.tr.language = "en"
    phone.ctx.cache_dir = tmp_path / "cache"
    phone.ctx.extras["screens"] = load_specs(["alerts", "mywork", "training"])
    return phone


def sign_in(phone: Phone, who: User) -> None:
    phone.ctx.sessions.save(AuthSession(access_token="a", refresh_token="r",
                                        access_expires_at=NOW + timedelta(hours=1), user=who))


def alerts_controller(phone: Phone, server: FakeServer) -> AlertsController:
    controller = AlertsController(model=AlertsModel(), ctx=phone.ctx)
    controller.api = server  # type: ignore[assignment]
    return controller


def alert_controller(phone: Phone, server: FakeServer) -> AlertController:
    controller = AlertController(model=AlertModel(), ctx=phone.ctx)
    controller.api = server  # type: ignore[assignment]
    return controller


def test_the_list_is_ordered_filtered_for_a_miner_and_follows_live_events(phone_ctx: Phone) -> None:
    sign_in(phone_ctx, MINER)
    server = FakeServer([alert("own", severity=AlertSeverity.WARNING), alert("other", area=A1),
                         alert("wide", area=None, severity=AlertSeverity.CRITICAL, minutes_ago=30)])
    server.viewer = MINER
    controller = alerts_controller(phone_ctx, server)
    controller.on_enter()
    model = controller.model
    assert [r["item_id"] for r in model.rows] == ["wide", "own"]
    assert not model.can_choose_area and model.scope_text and model.summary == "2 unacknowledged · 2 open"
    assert model.live_text == "○ Connecting…" and not model.live      # never connected yet: not "reconnecting"
    # live: a new critical alert in my area jumps to the top, with a notice
    fresh = alert("fresh", severity=AlertSeverity.CRITICAL, minutes_ago=0)
    server.store["fresh"] = fresh
    controller.on_alert_event(AlertEvent(kind=AlertEventKind.RAISED, alert=fresh))
    assert [r["item_id"] for r in model.rows] == ["fresh", "wide", "own"] and fresh.title in model.notice
    assert model.summary == "3 unacknowledged · 3 open"          # the server's count, read again
    # another area's alert never shows for a miner
    controller.on_alert_event(AlertEvent(kind=AlertEventKind.RAISED, alert=alert("far", area=A1, minutes_ago=0)))
    assert "far" not in [r["item_id"] for r in model.rows]
    # acknowledged elsewhere: it moves below the unacknowledged ones
    server.store["fresh"] = replace(fresh, state=AlertState.ACKNOWLEDGED)
    controller.on_alert_event(AlertEvent(kind=AlertEventKind.ACKNOWLEDGED,
                                         alert=replace(fresh, state=AlertState.ACKNOWLEDGED)))
    assert [r["item_id"] for r in model.rows] == ["wide", "own", "fresh"] and model.unacked == 2
    # the subscription comes back: the list is read again (what happened meanwhile is not lost)
    asked = len(server.asked)
    controller.on_alert_status(True)
    assert model.live and model.live_text == "● Live" and len(server.asked) == asked + 1
    controller.on_alert_status(False)
    assert model.live_text == "○ Reconnecting…"
    controller.select("own")
    assert phone_ctx.navigations[-1] == ("alert", {"alert_id": "own"})


def test_an_officer_sees_every_area_and_can_choose_one(phone_ctx: Phone) -> None:
    sign_in(phone_ctx, OFFICER)
    server = FakeServer([alert("own"), alert("other", area=A1), alert("wide", area=None)])
    controller = alerts_controller(phone_ctx, server)
    controller.on_enter()
    assert controller.model.can_choose_area and len(controller.model.rows) == 3
    controller._areas_loaded([A0, A1])
    assert controller.model.area_names == ["All areas", "Area 0", "Area 1"]
    controller.choose_area("Area 1")
    assert server.asked[-1]["area_id"] == "a1" and controller.model.area_text == "Area 1"
    assert {r["item_id"] for r in controller.model.rows} == {"other"}
    controller.choose_area("All areas")
    assert server.asked[-1]["area_id"] is None and len(controller.model.rows) == 3


def test_acknowledging_over_a_flaky_network_acts_once_and_says_already_acknowledged(phone_ctx: Phone,
                                                                                    monkeypatch: Any) -> None:
    monkeypatch.setattr("mobile.screens.alerts.logic.time.sleep", lambda _s: None)
    sign_in(phone_ctx, OFFICER)
    server = FakeServer([alert("al-1"), alert("al-2")])
    controller = alert_controller(phone_ctx, server)
    controller.on_enter(alert_id="al-1")
    model = controller.model
    assert [a["action"] for a in model.actions] == ["confirm", "false_alarm", "resolve", "open_hazard"]
    assert model.can_note and "Unacknowledged" in model.banner
    controller.set_note("checked with a handheld detector")
    server.lose_next_reply = 1            # the server acts, the reply is lost; the same request is sent again
    controller.act("confirm")
    assert server.applied == [("acknowledge", "al-1", "CONFIRMED", "checked with a handheld detector")]
    assert model.error == "" and model.notice == "Already acknowledged by safety officer."
    assert "Acknowledged" in model.banner and [a["action"] for a in model.actions] == ["resolve", "open_hazard"]
    assert model.note == "" and "checked with a handheld detector" in model.facts
    # a clean false alarm on the other alert
    controller.on_enter(alert_id="al-2")
    controller.act("false_alarm")
    assert server.applied[-1] == ("acknowledge", "al-2", "FALSE_ALARM", "")
    assert model.notice == "Marked as a false alarm." and "False alarm: safety officer" in model.facts
    # resolve, then a second tap (e.g. from another phone's stale screen) is answered gracefully
    controller.act("resolve")
    assert model.notice == "Resolved." and "Resolved" in model.banner
    server.store["al-2"] = replace(server.store["al-2"], state=AlertState.ACKNOWLEDGED)
    controller.alert = server.store["al-2"]
    server.store["al-2"] = replace(server.store["al-2"], state=AlertState.RESOLVED)
    controller.act("resolve")
    assert model.notice == "Already resolved." and model.error == ""
    assert [a for a in server.applied if a[0] == "resolve"] == [("resolve", "al-2")]


def test_a_refusal_is_shown_and_a_miner_has_no_buttons(phone_ctx: Phone) -> None:
    sign_in(phone_ctx, MINER)
    server = FakeServer([alert("al-1")])
    controller = alert_controller(phone_ctx, server)
    controller.on_enter(alert_id="al-1")
    assert controller.model.actions == [] and not controller.model.can_note
    sign_in(phone_ctx, OFFICER)
    server.acknowledge = lambda **_: ActionResult(ActionOutcome.REFUSED, typename="NotAllowed",  # type: ignore
                                                  message="not your area")
    controller.on_enter(alert_id="al-1")
    controller.act("confirm")
    assert controller.model.error == "Refused: not your area"


def test_opening_a_hazard_once_even_when_the_reply_is_lost(phone_ctx: Phone, monkeypatch: Any) -> None:
    monkeypatch.setattr("mobile.screens.alerts.logic.time.sleep", lambda _s: None)
    sign_in(phone_ctx, OFFICER)
    server = FakeServer([alert("al-1", severity=AlertSeverity.CRITICAL)])
    controller = alert_controller(phone_ctx, server)
    controller.on_enter(alert_id="al-1")
    server.lose_next_reply = 1
    controller.act("open_hazard")
    assert server.applied == [("open_hazard", "al-1", "MAJOR", "甲烷超限 CH4 1.32 %\n3101 working face")]
    assert phone_ctx.navigations[-1] == ("hazard", {"hazard_id": "hz-1"})


def test_a_vision_snapshot_is_downloaded_once_into_the_cache(phone_ctx: Phone) -> None:
    sign_in(phone_ctx, MINER)
    seen = alert("v-1", source=AlertSource.VISION, snapshot_url="http://x/objects/t1")
    server = FakeServer([seen])
    controller = alert_controller(phone_ctx, server)
    controller.on_enter(alert_id="v-1")
    path = Path(controller.model.snapshot)
    assert path.is_file() and path.parent == phone_ctx.ctx.cache_dir / "snapshots"
    assert path.read_bytes().startswith(b"\xff\xd8") and server.downloads == ["http://x/objects/t1"]
    assert controller.model.has_chart is False
    server.store["v-1"] = replace(seen, snapshot_url="http://x/objects/another-signature")
    controller.on_enter(alert_id="v-1")
    assert server.downloads == ["http://x/objects/t1"] and controller.model.snapshot == str(path)
    for i in range(5):
        (path.parent / f"old-{i}.jpg").write_bytes(b"x")
    prune(path.parent, keep=3)
    assert len(list(path.parent.glob("*.jpg"))) == 3
    without = alert("v-2", source=AlertSource.VISION)
    server.store["v-2"] = without
    controller.on_enter(alert_id="v-2")
    assert controller.model.snapshot == "" and controller.model.snapshot_text == "No picture with this alert."


def test_a_sensor_alert_shows_the_sensors_curve_threshold_and_the_areas_sensors(phone_ctx: Phone) -> None:
    sign_in(phone_ctx, MINER)
    server = FakeServer([alert("al-1")])
    server.sensor_list = [
        Sensor(id="s1", code="CH4-01", kind="METHANE", unit="%", area=A0,
               thresholds=Thresholds(alarm=1.0, power_cut=1.5), last_value=1.32, last_reading_at=NOW, online=True),
        Sensor(id="s2", code="CO-02", kind="CO", unit="ppm", area=A0, thresholds=Thresholds(alarm=24),
               last_value=3, last_reading_at=NOW, online=False)]
    server.series = [SensorPoint(at=NOW - timedelta(minutes=10 - i), value=0.3 + i * 0.1) for i in range(11)]
    controller = alert_controller(phone_ctx, server)
    controller.on_enter(alert_id="al-1")
    model = controller.model
    assert model.has_chart and len(model.chart_points) == 11 and model.chart_threshold == 1.0
    assert model.chart_threshold_label == "alarm 1 %" and model.chart_unit == "%"
    assert model.chart_cut == 1.5 and model.chart_cut_label == "power cut 1.5 %"
    assert model.chart_title == "CH4-01 METHANE · 11 readings"   # a kind the app has no words for: as spelt
    asked = server.asked[-1]
    assert asked["sensor_id"] == "s1" and asked["max_points"] == 120
    assert asked["since"] <= server.store["al-1"].first_raised_at - timedelta(minutes=30)
    # over its limit: in the level's colour and in words (the limit named); below it: the alarm limit as before
    assert model.sensors.splitlines() == [
        "▶ CH4-01 · METHANE · [color=ff7a30][b]1.32 % (OVER the alarm limit 1 %)[/b][/color] · online",
        "CO-02 · carbon monoxide · 3 ppm · OFFLINE · alarm 24 ppm"]
    # a repeat event updates the facts without loading the curve twice while nothing changed
    calls = len(server.asked)
    controller.on_alert_event(AlertEvent(kind=AlertEventKind.ACKNOWLEDGED,
                                         alert=replace(server.store["al-1"], state=AlertState.ACKNOWLEDGED)))
    assert model.notice == "Just now: acknowledged." and len(server.asked) == calls + 1
    controller.on_alert_event(AlertEvent(kind=AlertEventKind.ACKNOWLEDGED, alert=controller.alert))
    assert len(server.asked) == calls + 1


def test_home_shows_the_unacknowledged_count_on_the_alerts_entry(phone_ctx: Phone) -> None:
    sign_in(phone_ctx, OFFICER)
    server = FakeServer([alert("a"), alert("b"), alert("c", state=AlertState.ACKNOWLEDGED)])
    home = HomeController(model=HomeModel(), ctx=phone_ctx.ctx)
    home.alerts_api = server  # type: ignore[assignment]
    home.on_enter()
    entry = next(e for e in home.model.entries if e["name"] == "alerts")
    assert entry == {"name": "alerts", "text": "Alerts · 2 unacknowledged", "alert": True, "group": "urgent",
                     "group_title": "Report and alarms"}
    server.store["a"] = replace(server.store["a"], state=AlertState.RESOLVED)
    server.store["b"] = replace(server.store["b"], state=AlertState.RESOLVED)
    home.on_alert_event(AlertEvent(kind=AlertEventKind.RESOLVED, alert=server.store["b"]))
    entry = next(e for e in home.model.entries if e["name"] == "alerts")
    assert (entry["text"], entry["alert"]) == ("Alerts", False)
    # offline: the badge keeps what it knew, home still works
    home.alerts_api.counts = lambda **_: (_ for _ in ()).throw(TransportError("down"))  # type: ignore
    home.on_enter()
    assert [e["name"] for e in home.model.entries] == ["alerts", "mywork", "training"]


def test_axis_ends_are_round_numbers_and_ids_are_not_shown() -> None:
    assert logic.nice_ceiling(1.36) == 1.5 and logic.nice_ceiling(0.93) == 1.0 and logic.nice_ceiling(26) == 30
    assert logic.nice_ceiling(21.02, 20.0) == pytest.approx(21.2) and logic.nice_floor(20.46) == 20
    assert logic.readable_ref("8c46efa2-9ebe-4719-ad15-5208c4c578ff") == "" and logic.readable_ref("CH4-01") == "CH4-01"
    judged = replace(alert(state=AlertState.ACKNOWLEDGED), verdict=AlertVerdict.FALSE_ALARM)
    assert logic.colour(judged) == logic.RESOLVED_COLOUR
    assert logic.colour(replace(judged, verdict=AlertVerdict.CONFIRMED)) == logic.SEVERITY_COLOURS[AlertSeverity.ALARM]

