"""Reassign and the manual alert through the controllers against a live backend: the reassignment seen live
by another person's session and never applied twice; a manual alert queued while the server is down,
kept across a restart and delivered once when the server is back."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

from contracts.alerts import AlertSource
from contracts.hazards import HazardGrade, HazardLevel, HazardState
from mobile.api.alerts import AlertsApi
from mobile.api.live import LiveEvents
from mobile.api.models import HazardEvent, Outcome
from mobile.outbox.store import ItemKind, ItemState
from mobile.screens.hazard.controller import HazardController
from mobile.screens.hazard.model import HazardModel
from mobile.screens.raise_alert.controller import RaiseAlertController
from mobile.screens.raise_alert.model import RaiseAlertModel
from mobile.screens.reassign.controller import ReassignController
from mobile.screens.reassign.logic import reassign_once
from mobile.screens.reassign.model import ReassignModel
from mobile.screens.report.controller import ReportController
from mobile.screens.report.model import ReportModel
from tests.conftest import MineFixture
from tests.mobile.conftest import FlakyServer, Phone, make_phone

LATER = 10**10  # a `now` after every backoff


def assigned_hazard(reporter: Phone, officer: Phone, mine: MineFixture, photo: Path, text: str) -> str:
    """A miner reports (outbox), the safety officer triages it to the team leader: an ASSIGNED hazard."""
    report = ReportController(model=ReportModel(), ctx=reporter.ctx)
    report.on_enter()
    report.add_photo(str(photo))
    assert report.submit(area_name="Area 0", description=text, location="belt 3")
    [item] = [i for i in reporter.outbox.items() if i.title.endswith(text)]
    assert reporter.sender.send(item) is ItemState.SENT
    hazard_id = reporter.outbox.get(item.client_id).server_id
    triaged = officer.api.triage(hazard_id=hazard_id, grade=HazardGrade.GENERAL, level=HazardLevel.B,
                                 responsible_id=mine.user_id("team_leader"), deadline=None,
                                 control_measures="Fit the guard.", treatment_plan=None)
    assert triaged.outcome is Outcome.OK and triaged.hazard.state is HazardState.ASSIGNED
    return hazard_id


def reassignments(phone: Phone, hazard_id: str) -> list[str]:
    return [e.reason or "" for e in phone.api.traceability(hazard_id) if e.action == "hazard.reassigned"]


def test_a_reassignment_is_seen_live_elsewhere_and_a_retry_never_applies_twice(
        live_server: Any, mine: MineFixture, tmp_path: Path, photo: Path) -> None:
    phones = {who: make_phone(tmp_path / who, live_server.url)
              for who in ("miner", "safety_officer", "team_leader", "area_manager")}
    for who, p in phones.items():
        p.login(mine, who)
    officer, leader = phones["safety_officer"], phones["team_leader"]
    hazard_id = assigned_hazard(phones["miner"], officer, mine, photo, "皮带机尾护罩缺失 guard missing")

    # the team leader has the hazard open on their own phone, with the live subscription running
    watching = HazardController(model=HazardModel(), ctx=leader.ctx)
    watching.on_enter(hazard_id=hazard_id)
    assert "Responsible: team leader" in watching.model.facts and "reassign" not in [
        a["action"] for a in watching.model.actions]
    events: list[HazardEvent] = []
    got, up = threading.Event(), threading.Event()
    live = LiveEvents(client=leader.ctx.client, on_event=lambda e: (events.append(e), got.set()),
                      on_status=lambda connected: up.set() if connected else None)
    live.start()
    try:
        assert up.wait(20)
        # the safety officer reassigns it from the form: the people list, a reason
        form = ReassignController(model=ReassignModel(), ctx=officer.ctx)
        form.on_enter(hazard_id=hazard_id)
        assert "miner2" in form.model.people and "team leader" not in form.model.people
        assert form.submit(responsible_name="miner2", reason="班组长调岗 team leader moved to another face")
        assert form.model.error == ""
        assert officer.navigations[-1][0] == "hazard" and officer.navigations[-1][1]["notice"] == \
            "Reassigned to miner2."
        assert got.wait(20)
    finally:
        live.stop()
    [event] = [e for e in events if e.hazard is not None and e.hazard.id == hazard_id]
    assert event.kind == "REASSIGNED" and event.hazard.responsible.display_name == "miner2"
    watching.on_hazard_event(event)                 # (the app hands it over on the UI thread)
    assert "Responsible: miner2" in watching.model.facts
    assert watching.model.notice == "Updated just now by someone else."

    # the officer's hazard view shows the new responsible person and the notice
    view = HazardController(model=HazardModel(), ctx=officer.ctx)
    view.on_enter(**officer.navigations[-1][1])
    assert "Responsible: miner2" in view.model.facts and view.model.notice == "Reassigned to miner2."

    # a retry of the same reassignment (a reply lost on a flaky network) is a success and sends nothing
    again = reassign_once(officer.api, hazard_id=hazard_id, person_id=mine.user_id("miner2"),
                          reason="班组长调岗 team leader moved to another face")
    assert again.ok and again.already and again.sends == 0
    assert reassignments(officer, hazard_id) == ["班组长调岗 team leader moved to another face"]

    # the area's manager may reassign too; a miner is refused by the server with its reason
    manager = ReassignController(model=ReassignModel(), ctx=phones["area_manager"].ctx)
    manager.on_enter(hazard_id=hazard_id)
    assert manager.submit(responsible_name="team leader", reason="back to the team")
    assert manager.model.error == "" and phones["area_manager"].api.hazard(hazard_id).responsible.display_name == \
        "team leader"
    refused = reassign_once(phones["miner"].api, hazard_id=hazard_id, person_id=mine.user_id("miner"), reason="me")
    assert not refused.ok and refused.message == "reassigning needs a safety officer or the area manager"
    assert len(reassignments(officer, hazard_id)) == 2
    for p in phones.values():
        p.ctx.client.close()
        p.ctx.store.close()


def test_a_manual_alert_queued_while_the_server_is_down_is_delivered_once_when_it_is_back(
        tmp_path: Path, flaky: FlakyServer, live_server: Any, mine: MineFixture) -> None:
    folder = tmp_path / "phone"
    phone = make_phone(folder, flaky.url)
    phone.login(mine, "miner")
    form = RaiseAlertController(model=RaiseAlertModel(), ctx=phone.ctx)
    form.on_enter()                                   # the areas come down once and are kept on the phone
    assert form.model.area_names == ["Area 0"]

    flaky.proxy.down = True                           # underground, out of coverage
    form.on_enter()
    assert form.model.area_names == ["Area 0"] and form.model.error == ""
    form.set_severity("ALARM")
    title = f"顶板掉渣 Roof spalling {uuid.uuid4().hex[:6]}"
    assert form.submit(area_name="Area 0", title=title, detail="3101 工作面 30 m")
    [item] = phone.outbox.items()
    owner = phone.ctx.sessions.user.id
    assert item.kind is ItemKind.RAISE_ALERT and phone.sender.drain(owner_id=owner)[ItemState.QUEUED] == 1
    assert phone.outbox.get(item.client_id).attempts == 1

    # the app is closed and started again, still without a network: the alert waits
    phone.ctx.client.close()
    phone.ctx.store.close()
    phone = make_phone(folder, flaky.url)
    assert phone.ctx.sessions.user.id == owner and phone.outbox.get(item.client_id).state is ItemState.QUEUED
    assert phone.sender.drain(owner_id=owner, now=LATER)[ItemState.QUEUED] == 1

    flaky.proxy.down = False                          # back in coverage
    assert phone.sender.drain(owner_id=owner, now=LATER)[ItemState.SENT] == 1
    sent = phone.outbox.get(item.client_id)
    assert sent.state is ItemState.SENT and sent.server_id and sent.attempts == 2
    # the acknowledgement is lost (the app dies before writing "sent"): sent again, the same alert
    phone.outbox.mark_retry(item.client_id, error="simulated", delay_s=0)
    assert phone.sender.drain(owner_id=owner, now=LATER)[ItemState.SENT] == 1
    assert phone.outbox.get(item.client_id).server_id == sent.server_id

    officer = make_phone(tmp_path / "officer", live_server.url)
    officer.login(mine, "safety_officer")
    matching = [a for a in AlertsApi(officer.ctx.client).alerts(first=100).alerts if a.title == title]
    assert len(matching) == 1
    [alert] = matching
    assert alert.id == sent.server_id and alert.source is AlertSource.MANUAL and alert.raise_count == 1
    assert alert.area is not None and alert.area.name == "Area 0" and alert.detail == "3101 工作面 30 m"

    # a miner asking for another area is refused by the server: the item is kept as rejected with the reason
    item2 = phone.outbox.add(kind=ItemKind.RAISE_ALERT, owner_id=owner, title="elsewhere", photos=[],
                             payload={"areaId": str(mine.areas[1]), "severity": "INFO", "title": "x", "detail": ""})
    assert phone.sender.send(item2) is ItemState.REJECTED
    assert phone.outbox.get(item2.client_id).reject_reason == "you can raise an alert for your own area only"
    for p in (phone, officer):
        p.ctx.client.close()
        p.ctx.store.close()


def test_a_reply_lost_after_the_server_reassigned_shows_success_and_nothing_is_reassigned_twice(
        live_server: Any, flaky: FlakyServer, mine: MineFixture, tmp_path: Path, photo: Path) -> None:
    reporter, officer = make_phone(tmp_path / "miner", live_server.url), make_phone(tmp_path / "officer", flaky.url)
    reporter.login(mine, "miner")
    officer.login(mine, "safety_officer")
    hazard_id = assigned_hazard(reporter, officer, mine, photo, "lost reply of a reassignment")
    form = ReassignController(model=ReassignModel(), ctx=officer.ctx)
    form.on_enter(hazard_id=hazard_id)
    lost = flaky.proxy.replies_lost
    flaky.proxy.lose_marker, flaky.proxy.lose_replies = b"reassignHazard", 1  # committed, never heard
    assert form.submit(responsible_name="miner2", reason="人员调整 staffing change")
    assert flaky.proxy.replies_lost == lost + 1
    assert form.model.error == "" and officer.navigations[-1][1]["notice"] == "Reassigned to miner2."
    assert officer.navigations[-1][1]["hazard"].responsible.display_name == "miner2"
    assert reassignments(officer, hazard_id) == ["人员调整 staffing change"]       # once, not twice
    for p in (reporter, officer):
        p.ctx.client.close()
        p.ctx.store.close()


def test_a_lost_acknowledgement_of_a_manual_alert_still_raises_it_once(
        flaky_phone: Phone, flaky: FlakyServer, mine: MineFixture) -> None:
    phone = flaky_phone
    phone.login(mine, "safety_officer")
    owner = phone.ctx.sessions.user.id
    title = f"主扇停风 Main fan stopped {uuid.uuid4().hex[:6]}"
    item = phone.outbox.add(kind=ItemKind.RAISE_ALERT, owner_id=owner, title=title, photos=[],
                            payload={"areaId": None, "severity": "CRITICAL", "title": title, "detail": "全矿撤人"})
    flaky.proxy.lose_marker, flaky.proxy.lose_replies = b"raiseManualAlert", 1
    assert phone.sender.drain(owner_id=owner)[ItemState.QUEUED] == 1        # raised, but the reply was lost
    assert phone.sender.drain(owner_id=owner, now=LATER)[ItemState.SENT] == 1
    sent = phone.outbox.get(item.client_id)
    matching = [a for a in AlertsApi(phone.ctx.client).alerts(first=100).alerts if a.title == title]
    assert [a.id for a in matching] == [sent.server_id] and matching[0].raise_count == 1
    assert matching[0].area is None
