"""Controllers (no window) against a live backend: sign-in, report, triage, accept, rectify, re-inspect, trace;
token refresh and live events."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.hazards import HazardState
from mobile.api.live import LiveEvents
from mobile.api.models import HazardEvent
from mobile.outbox.store import ItemState
from mobile.screens.hazard.controller import HazardController, available_actions
from mobile.screens.hazard.model import HazardModel
from mobile.screens.hazards.controller import HazardsController
from mobile.screens.hazards.model import HazardsModel
from mobile.screens.login.controller import LoginController
from mobile.screens.login.model import LoginModel
from mobile.screens.mywork.controller import MyWorkController
from mobile.screens.rectify.controller import RectifyController
from mobile.screens.rectify.model import RectifyModel
from mobile.screens.reinspect.controller import ReinspectController
from mobile.screens.reinspect.model import ReinspectModel
from mobile.screens.report.controller import ReportController
from mobile.screens.report.model import ReportModel
from mobile.screens.trace.controller import TraceController
from mobile.screens.trace.model import TraceModel
from mobile.screens.triage.controller import TriageController, parse_days
from mobile.screens.triage.model import TriageModel
from mobile.ui.hazard_list import HazardListModel
from tests.conftest import PASSWORD, MineFixture
from tests.mobile.conftest import Phone, make_phone


def as_(phone: Phone, mine: MineFixture, who: str) -> Phone:
    phone.ctx.sessions.clear()
    phone.login(mine, who)
    return phone


def test_login_controller_signs_in_and_refuses_a_wrong_password(phone: Phone, mine: MineFixture) -> None:
    controller = LoginController(model=LoginModel(), ctx=phone.ctx)
    controller.on_enter()
    controller.submit(mine.users["miner"].username, "wrong")
    assert "Sign-in refused" in controller.model.error and phone.ctx.sessions.current is None
    controller.submit("", "")
    assert controller.model.error == "Enter your user name and password."
    controller.submit(mine.users["miner"].username, PASSWORD)
    assert phone.ctx.sessions.user.username == mine.users["miner"].username
    assert phone.navigations[-1] == ("home", {"reset": True})


def test_access_token_is_refreshed_transparently_and_logout_revokes(phone: Phone, mine: MineFixture) -> None:
    phone.login(mine, "miner")
    session = phone.ctx.sessions.current
    phone.ctx.sessions.save(replace(session, access_expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    assert phone.api.me().username == mine.users["miner"].username
    fresh = phone.ctx.sessions.current
    assert fresh.refresh_token != session.refresh_token and fresh.access_expires_at > datetime.now(UTC)

    refresh_token = fresh.refresh_token
    phone.api.logout()
    assert phone.ctx.sessions.current is None
    result = phone.ctx.client.execute("mutation($t: String!) { refreshSession(refreshToken: $t) { __typename } }",
                                      {"t": refresh_token}, auth=False)
    assert result["refreshSession"]["__typename"] == "LoginFailed"


def open_in_triage(phone: Phone, mine: MineFixture, description: str) -> tuple[TriageController, str]:
    """The safety officer's triage form on the reported hazard with that description."""
    as_(phone, mine, "safety_officer")
    triage = TriageController(model=TriageModel(), ctx=phone.ctx)
    triage.on_enter()
    hazard_id = next(r["item_id"] for r in triage.model.rows if r["line1"] == description)
    triage.on_enter(hazard_id=hazard_id)
    return triage, hazard_id


def test_what_a_major_hazards_plan_must_name_is_the_servers_rule(phone: Phone, mine: MineFixture,
                                                                   photo: Path) -> None:
    as_(phone, mine, "miner")
    report = ReportController(model=ReportModel(), ctx=phone.ctx)
    report.on_enter()
    report.add_photo(str(photo))
    assert report.submit(area_name="Area 0", description="roof bolts sheared over 20 m", location="face 3")
    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id)[ItemState.SENT] == 1
    triage, hazard_id = open_in_triage(phone, mine, "roof bolts sheared over 20 m")
    triage.set_grade("MAJOR")
    # no deadline and no funds: the app sends what was typed and the server says the plan is incomplete
    triage.submit(responsible_name="team leader", days_text="", measures="stop work on face 3", plan="re-bolt",
                  contingency="withdraw the crew")
    assert triage.model.error == "A major hazard's plan needs treatment measures, funds, a deadline in days and a " \
                                 "contingency plan."
    assert phone.api.hazard(hazard_id).state is HazardState.REPORTED
    triage.submit(responsible_name="team leader", days_text="10", measures="stop work on face 3", plan="re-bolt",
                  funds="80000", contingency="withdraw the crew")
    assert triage.model.error == "" and triage.model.notice == "Assigned to team leader."
    assert phone.api.hazard(hazard_id).state is HazardState.ASSIGNED


def test_the_whole_loop_through_the_controllers(phone: Phone, mine: MineFixture, photo: Path,
                                                tmp_path: Path) -> None:
    # a miner reports (through the outbox)
    as_(phone, mine, "miner")
    report = ReportController(model=ReportModel(), ctx=phone.ctx)
    report.on_enter()
    assert "Area 0" in report.model.area_names
    assert not report.submit(area_name="Area 0", description="gas drainage pipe leaks", location="")
    assert report.model.error == "Add at least one photo."
    report.add_photo(str(photo))
    assert report.submit(area_name="Area 0", description="gas drainage pipe leaks", location="face 2")
    assert phone.navigations[-1][0] == "home"                 # home says what happened
    assert "Report saved with 1 photo(s) for Area 0" in phone.navigations[-1][1]["notice"]
    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id)[ItemState.SENT] == 1

    # the safety officer triages it to the team leader
    triage, hazard_id = open_in_triage(phone, mine, "gas drainage pipe leaks")
    assert triage.model.grade == "GENERAL" and "team leader" in triage.model.people
    assert triage.model.levels == ["A", "B", "C"] and triage.model.may_major        # the server's triageLevels
    assert triage.model.teams == ["Team 0"]                  # the teams of the hazard's area only
    triage.set_team("Team 0")
    assert triage.model.responsible == "team leader"          # the team's leader is proposed
    triage.set_level("A")
    assert triage.model.days == ""                  # the server's (the mine's) default unless typed
    triage.submit(responsible_name="team leader", days_text="5", measures="", plan="")
    assert triage.model.error == "Enter the control measures."
    triage.submit(responsible_name="team leader", days_text="5", measures="close valve, replace gasket", plan="")
    assert triage.model.error == "" and triage.model.notice == "Assigned to team leader."

    # the team leader sees it in My work, accepts, and rectifies with an after-photo
    as_(phone, mine, "team_leader")
    mywork = MyWorkController(model=HazardListModel(), ctx=phone.ctx)
    mywork.on_enter()
    assert [r["item_id"] for r in mywork.model.rows] == [hazard_id]
    assert "Deadline" in mywork.model.rows[0]["line3"]
    detail = HazardController(model=HazardModel(), ctx=phone.ctx)
    detail.on_enter(hazard_id=hazard_id)
    assert [a["action"] for a in detail.model.actions] == ["accept"]
    detail.act("accept")
    assert detail.model.notice == "Accepted." and [a["action"] for a in detail.model.actions] == ["rectify"]
    rectify = RectifyController(model=RectifyModel(), ctx=phone.ctx)
    rectify.on_enter(hazard_id=hazard_id)
    after = tmp_path / "after.jpg"
    after.write_bytes(photo.read_bytes()[:-2] + b"\xff\xd9")
    rectify.add_photo(str(after))
    assert rectify.submit("gasket replaced")
    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id)[ItemState.SENT] == 1
    assert phone.api.hazard(hazard_id).state is HazardState.PENDING_REVIEW

    # another safety officer re-inspects: fail needs a reason; then the manager reads the timeline
    as_(phone, mine, "safety_officer2")
    reinspect = ReinspectController(model=ReinspectModel(), ctx=phone.ctx)
    reinspect.on_enter()
    assert hazard_id in [r["item_id"] for r in reinspect.model.rows]
    reinspect.on_enter(hazard_id=hazard_id)
    reinspect.decide(passed=False, reason="")
    assert reinspect.model.error
    reinspect.decide(passed=True, reason="")
    assert reinspect.model.notice == "Closed."
    assert phone.api.hazard(hazard_id).state is HazardState.CLOSED

    as_(phone, mine, "mine_manager")
    trace = TraceController(model=TraceModel(), ctx=phone.ctx)
    trace.on_enter(hazard_id=hazard_id)
    actions = " ".join(e["what"] for e in trace.model.entries)
    assert len(trace.model.entries) >= 5 and "safety officer" in actions and "team leader" in actions


def test_triage_rules() -> None:
    assert parse_days("0") is None and parse_days("12") == 12 and parse_days("x") is None
    assert parse_days("366") is None


def test_live_events_reach_the_app_when_a_hazard_changes_elsewhere(live_server: Any, mine: MineFixture,
                                                                   tmp_path: Path, photo: Path) -> None:
    watcher = make_phone(tmp_path / "watcher", live_server.url)
    reporter = make_phone(tmp_path / "reporter", live_server.url)
    watcher.login(mine, "safety_officer")
    reporter.login(mine, "miner")
    received: list[HazardEvent] = []
    got = threading.Event()
    connected = threading.Event()

    def on_event(event: HazardEvent) -> None:
        received.append(event)
        got.set()

    live = LiveEvents(client=watcher.ctx.client, on_event=on_event,
                      on_status=lambda up: connected.set() if up else None)
    live.start()
    try:
        assert connected.wait(20)
        report = ReportController(model=ReportModel(), ctx=reporter.ctx)
        report.on_enter()
        report.add_photo(str(photo))
        assert report.submit(area_name="Area 1", description="live event please", location="")
        assert reporter.sender.drain(owner_id=reporter.ctx.sessions.user.id)[ItemState.SENT] == 1
        assert got.wait(20)
        assert received[0].kind == "REPORTED" and received[0].hazard.description == "live event please"

        # a visible list reloads itself on the event (no manual refresh)
        screen = HazardsController(model=HazardsModel(), ctx=watcher.ctx)
        screen.visible = True
        screen.on_hazard_event(received[0])
        assert "live event please" in [r["line1"] for r in screen.model.rows]
        assert available_actions(received[0].hazard, watcher.ctx.sessions.user) == ["triage", "trace"]
    finally:
        live.stop()
        for p in (watcher, reporter):
            p.ctx.client.close()
            p.ctx.store.close()


def test_live_events_reconnect_after_the_network_drops(flaky: Any, mine: MineFixture, tmp_path: Path,
                                                       photo: Path) -> None:
    watcher = make_phone(tmp_path / "watcher", flaky.url)
    reporter = make_phone(tmp_path / "reporter", flaky.direct_url)
    watcher.login(mine, "safety_officer")
    reporter.login(mine, "miner")
    statuses: list[bool] = []
    up = threading.Event()
    got = threading.Event()
    received: list[HazardEvent] = []

    def on_status(connected: bool) -> None:
        statuses.append(connected)
        if connected:
            up.set()

    live = LiveEvents(client=watcher.ctx.client, on_event=lambda e: (received.append(e), got.set()),
                      on_status=on_status, base_delay_s=0.05)
    live.start()
    try:
        assert up.wait(20)
        up.clear()
        flaky.proxy.reset()                 # coverage lost: the websocket drops
        assert up.wait(20)                  # … and comes back by itself
        assert statuses[:3] == [True, False, True]
        report = ReportController(model=ReportModel(), ctx=reporter.ctx)
        report.on_enter()
        report.add_photo(str(photo))
        assert report.submit(area_name="Area 2", description="after the reconnect", location="")
        assert reporter.sender.drain(owner_id=reporter.ctx.sessions.user.id)[ItemState.SENT] == 1
        assert got.wait(20) and received[-1].hazard.description == "after the reconnect"
    finally:
        live.stop()
        for p in (watcher, reporter):
            p.ctx.client.close()
            p.ctx.store.close()


def test_the_server_address_can_be_changed_and_a_session_belongs_to_one_server(phone: Phone,
                                                                               mine: MineFixture) -> None:
    from mobile.screens.server.controller import ServerController
    from mobile.screens.server.model import ServerModel

    phone.login(mine, "miner")
    controller = ServerController(model=ServerModel(), ctx=phone.ctx)
    controller.on_enter()
    original = controller.model.address
    controller.submit("http://")
    assert controller.model.error == "That is not a server address." and phone.ctx.settings.server_url == original
    controller.submit(original + "/graphql")          # the same server, typed differently
    assert phone.ctx.sessions.current is not None and phone.navigations[-1][0] == "home"
    controller.submit("127.0.0.1:9")                  # another server (nothing listens there)
    assert phone.ctx.settings.server_url == "http://127.0.0.1:9"
    assert phone.ctx.sessions.current is None
    assert controller.model.notice == "Saved, but the server cannot be reached now."
    assert phone.navigations[-1][0] == "login"


def test_lists_load_the_next_page_on_demand(phone: Phone, mine: MineFixture, photo: Path) -> None:
    as_(phone, mine, "miner")
    for i in range(3):
        report = ReportController(model=ReportModel(), ctx=phone.ctx)
        report.on_enter()
        report.add_photo(str(photo))
        assert report.submit(area_name="Area 1", description=f"page test {i}", location="")
    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id)[ItemState.SENT] == 3
    as_(phone, mine, "safety_officer")
    queue = TriageController(model=TriageModel(), ctx=phone.ctx)
    queue.page_size = 2
    queue.on_enter()
    assert [r["line1"] for r in queue.model.rows] == ["page test 2", "page test 1"] and queue.model.has_more
    queue.load_more()
    assert [r["line1"] for r in queue.model.rows] == ["page test 2", "page test 1", "page test 0"]
    assert not queue.model.has_more


def test_the_hazard_list_filters_and_searches_on_the_server(phone: Phone, mine: MineFixture, photo: Path) -> None:
    as_(phone, mine, "miner")
    report = ReportController(model=ReportModel(), ctx=phone.ctx)
    report.on_enter()
    for area, text in (("Area 0", "loose bolt near the face"), ("Area 1", "cable sheath damaged")):
        report.add_photo(str(photo))
        assert report.submit(area_name=area, description=text, location="")
    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id)[ItemState.SENT] == 2
    as_(phone, mine, "safety_officer")
    phone.ctx.tr.language = "en"
    hazards = HazardsController(model=HazardsModel(), ctx=phone.ctx)
    hazards.on_enter()
    assert hazards.model.state_names[0] == "Any state" and "Area 1" in hazards.model.area_names
    assert {r["line1"] for r in hazards.model.rows} >= {"loose bolt near the face", "cable sheath damaged"}
    hazards.set_filters(text="bolt")
    assert [r["line1"] for r in hazards.model.rows] == ["loose bolt near the face"]
    hazards.set_filters(area="Area 1")
    assert [r["line1"] for r in hazards.model.rows] == ["cable sheath damaged"]
    hazards.set_filters(state=phone.ctx.tr("state.CLOSED"))
    assert hazards.model.rows == [] and hazards.model.empty_text
    hazards.set_filters(overdue=True)
    assert hazards.model.rows == []
    hazards.set_filters(grade=phone.ctx.tr("grade.MAJOR"))
    assert hazards.model.rows == []                          # not triaged yet: no grade
    hazards.set_filters(text="100%_")                        # wildcards are plain characters
    assert hazards.model.rows == []
