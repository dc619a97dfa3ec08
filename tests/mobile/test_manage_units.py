"""Reassign, the manual-alert outbox kind and the alerts state line, without a server: who may reassign,
a retry that never reassigns twice, the form's checks, the queued alert (made here, kept across a restart,
sent, refused, retried), "connecting" before the first connection."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from contracts.alerts import AlertSeverity
from contracts.client import Refused, TransportError, Unavailable
from contracts.errors import ErrorCode
from contracts.hazards import HazardState
from contracts.roles import Role
from mobile.api.alerts import ActionResult
from mobile.api.live import LiveEvents
from mobile.api.models import Area, AuthSession, Hazard, HazardEvent, MutationResult, PersonRef, User
from mobile.outbox import sender as sender_module
from mobile.outbox.store import ItemKind, ItemState
from mobile.screens.alerts import logic as alerts_logic
from mobile.screens.alerts.controller import AlertsController
from mobile.screens.alerts.model import AlertsModel
from mobile.screens.hazard.controller import HazardController, available_actions
from mobile.screens.hazard.model import HazardModel
from mobile.screens.outbox.controller import OutboxController
from mobile.screens.outbox.model import OutboxModel
from mobile.screens.raise_alert.controller import RaiseAlertController
from mobile.screens.raise_alert.model import RaiseAlertModel
from mobile.screens.reassign.controller import ReassignController
from mobile.screens.reassign.logic import reassign_once
from mobile.screens.reassign.model import ReassignModel
from mobile.ui.areas import AREAS_CACHE_KEY
from tests.mobile.conftest import Phone, make_phone
from tests.mobile.test_alerts_units import api_alert

NOW = datetime.now(UTC).replace(microsecond=0)
A0, A1 = Area(id="a0", name="Area 0"), Area(id="a1", name="Area 1")
TEAM_LEADER = PersonRef(id="tl", display_name="team leader")
MINER2 = PersonRef(id="m2", display_name="miner two")


def user(*roles: Role, area_id: str = "a0", uid: str | None = None) -> User:
    return User(id=uid or "u-" + "-".join(r.value for r in roles), username="u", display_name="Wang Wei",
                roles=frozenset(roles), area_id=area_id)


def hazard(state: HazardState = HazardState.ASSIGNED, *, responsible: PersonRef | None = TEAM_LEADER,
           area: Area | None = A0) -> Hazard:
    return Hazard(id="h1", state=state, grade=None, suggested_grade=None, level=None, description="皮带护罩缺失",
                  location="", area=area, reporter=None, responsible=responsible, deadline=NOW + timedelta(days=3),
                  is_overdue=False, photos=(), rectification_photos=(), created_at=NOW)


@pytest.fixture
def phone_ctx(tmp_path: Path) -> Phone:
    phone = make_phone(tmp_path / "phone", "http://127.0.0.1:9")
    phone.ctx.tr.language = "en"
    return phone


def sign_in(phone: Phone, who: User) -> None:
    phone.ctx.sessions.save(AuthSession(access_token="a", refresh_token="r",
                                        access_expires_at=NOW + timedelta(hours=1), user=who))


# -- who may reassign: the server's allowedSteps (backend CanReassignHazard) -------------------------

def test_reassign_is_offered_exactly_when_the_server_allows_it() -> None:
    from dataclasses import replace

    from mobile.api.models import HazardStep

    officer = user(Role.SAFETY_OFFICER)
    allowed = replace(hazard(), allowed_steps=frozenset({HazardStep.REASSIGN}))
    assert available_actions(allowed, officer) == ["reassign", "trace"]
    for who in (officer, user(Role.MINE_MANAGER), user(Role.AREA_MANAGER), user(Role.MINER)):
        assert "reassign" not in available_actions(hazard(), who)


# -- a retry never reassigns twice ------------------------------------------------------------------

class FakeHazards:
    """The server's hazard and a reassignHazard that reassigns again when sent again (a server before bb6eef0)."""

    def __init__(self, current: Hazard, *, failures: list[str] | None = None,
                 answer: MutationResult | None = None) -> None:
        self.current = current
        self.failures = list(failures or [])   # per send: "before" (never reached the server), "after" (reply lost)
        self.answer = answer
        self.sends: list[str] = []
        self.reads = 0
        self.people_list = [TEAM_LEADER, MINER2, PersonRef(id="so", display_name="safety officer")]

    def hazard(self, hazard_id: str) -> Hazard | None:
        self.reads += 1
        return self.current

    def people(self, **_: Any) -> list[PersonRef]:
        return list(self.people_list)

    def reassign(self, *, hazard_id: str, responsible_id: str, reason: str) -> MutationResult:
        failure = self.failures.pop(0) if self.failures else None
        if failure == "before":
            raise TransportError("connection refused")
        if self.answer is not None:
            return self.answer
        self.sends.append(responsible_id)           # applied (again, if sent again)
        person = next(p for p in self.people_list if p.id == responsible_id)
        self.current = replace(self.current, responsible=person, state=HazardState.ASSIGNED)
        if failure == "after":
            raise TransportError("connection reset before the reply")
        return MutationResult.from_union({"__typename": "Hazard", "id": hazard_id, "state": "ASSIGNED",
                                          "description": self.current.description,
                                          "responsible": {"id": person.id, "displayName": person.display_name}})


def test_a_reply_lost_after_the_server_reassigned_is_a_success_without_a_second_reassignment() -> None:
    server = FakeHazards(hazard(), failures=["after"])
    sleeps: list[float] = []
    result = reassign_once(server, hazard_id="h1", person_id="m2", reason="on leave", sleep=sleeps.append)
    assert result.ok and result.already and result.sends == 1 and server.sends == ["m2"] and sleeps == [0.5]
    assert result.hazard is not None and result.hazard.responsible == MINER2
    # pressing the button again later: the hazard already names the person, nothing is sent
    again = reassign_once(server, hazard_id="h1", person_id="m2", reason="on leave", sleep=sleeps.append)
    assert again.ok and again.already and again.sends == 0 and server.sends == ["m2"]


def test_a_send_that_never_reached_the_server_is_sent_again_once() -> None:
    server = FakeHazards(hazard(), failures=["before", "before"])
    result = reassign_once(server, hazard_id="h1", person_id="m2", reason="on leave", sleep=lambda _s: None)
    assert result.ok and not result.already and result.sends == 3 and server.sends == ["m2"]
    plain = FakeHazards(hazard())
    assert reassign_once(plain, hazard_id="h1", person_id="m2", reason="x").sends == 1 and plain.reads == 1


def test_invalid_transition_is_a_success_only_when_the_hazard_names_the_person_chosen() -> None:
    refused = MutationResult.from_union({"__typename": "InvalidTransition", "message": "already assigned"})

    class DoneMeanwhile(FakeHazards):
        """Our earlier request lands between the read and the send: the send gets InvalidTransition."""

        def hazard(self, hazard_id: str) -> Hazard | None:
            self.reads += 1
            return hazard() if self.reads == 1 else hazard(responsible=MINER2)

    result = reassign_once(DoneMeanwhile(hazard(), answer=refused), hazard_id="h1", person_id="m2", reason="x")
    assert result.ok and result.already
    closed = FakeHazards(hazard(), answer=MutationResult.from_union(
        {"__typename": "InvalidTransition", "message": "the hazard is closed"}))
    result = reassign_once(closed, hazard_id="h1", person_id="m2", reason="x")
    assert not result.ok and result.message == "the hazard is closed"
    not_allowed = FakeHazards(hazard(), answer=MutationResult.from_union(
        {"__typename": "NotAllowed", "message": "reassigning needs a safety officer or the area manager"}))
    assert reassign_once(not_allowed, hazard_id="h1", person_id="m2", reason="x").message.startswith("reassigning")


def test_errors_that_are_not_transient_are_raised_and_a_network_that_stays_down_is_reported() -> None:
    class Broken(FakeHazards):
        def reassign(self, **_: Any) -> MutationResult:
            raise Refused(ErrorCode.BAD_USER_INPUT, "Unknown argument")

    with pytest.raises(Refused):
        reassign_once(Broken(hazard()), hazard_id="h1", person_id="m2", reason="x", sleep=lambda _s: None)
    down = FakeHazards(hazard(), failures=["before"] * 9)
    with pytest.raises(TransportError):
        reassign_once(down, hazard_id="h1", person_id="m2", reason="x", attempts=3, sleep=lambda _s: None)


class Deferred:
    """A runner whose network calls have not come back yet."""

    def submit(self, work: Any, on_done: Any, on_error: Any) -> None:
        pass


def officer_against(phone: Phone, server: FakeHazards) -> FakeHazards:
    """A safety officer's phone whose API is the fake server."""
    sign_in(phone, user(Role.SAFETY_OFFICER))
    phone.ctx.api = server  # type: ignore[assignment]
    return server


def test_the_reassign_form_leaves_out_the_current_person_checks_and_goes_back_with_a_notice(
        phone_ctx: Phone) -> None:
    server = officer_against(phone_ctx, FakeHazards(hazard()))
    controller = ReassignController(model=ReassignModel(), ctx=phone_ctx.ctx)
    controller.on_enter(hazard_id="h1")
    model = controller.model
    assert model.people == ["miner two", "safety officer"]
    assert model.current == "Responsible now: team leader (Assigned)" and model.headline == "皮带护罩缺失 · Area 0"
    assert not controller.submit(responsible_name="team leader", reason="x")
    assert model.error == "Choose the responsible person."
    assert not controller.submit(responsible_name="miner two", reason="  ")
    assert model.error == "Give the reason for the reassignment."
    assert server.sends == []
    assert controller.submit(responsible_name="miner two", reason=" 原责任人休假 on leave ")
    assert server.sends == ["m2"] and model.error == ""
    name, params = phone_ctx.navigations[-1]
    assert (name, params["hazard_id"], params["notice"]) == ("hazard", "h1", "Reassigned to miner two.")
    assert params["hazard"].responsible == MINER2          # shown at once: its live echo is not news
    backs: list[dict[str, Any]] = []
    phone_ctx.ctx.back = lambda **extra: backs.append(extra)
    server.current = hazard()
    controller.on_enter(hazard_id="h1")
    controller.model.busy = True          # a second tap while the first request is on its way does nothing
    assert not controller.submit(responsible_name="miner two", reason="x") and server.sends == ["m2"]
    controller.model.busy = False
    assert controller.submit(responsible_name="miner two", reason="x")
    assert [b["notice"] for b in backs] == ["Reassigned to miner two."]
    server.answer = MutationResult.from_union({"__typename": "NotAllowed", "message": "no"})
    server.current = hazard()
    controller.submit(responsible_name="miner two", reason="x")
    assert model.error == "Refused: no"


def test_the_hazard_view_announces_a_change_made_elsewhere_but_not_the_echo_of_what_it_shows(
        phone_ctx: Phone) -> None:
    server = officer_against(phone_ctx, FakeHazards(hazard()))
    view = HazardController(model=HazardModel(), ctx=phone_ctx.ctx)
    view.on_enter(hazard_id="h1", notice="Reassigned to miner two.")
    assert view.model.notice == "Reassigned to miner two." and "Responsible: team leader" in view.model.facts
    view.on_hazard_event(HazardEvent(kind="REASSIGNED", hazard=hazard()))       # the same facts: an echo
    assert view.model.notice == "Reassigned to miner two."
    view.on_hazard_event(HazardEvent(kind="REASSIGNED", hazard=hazard(responsible=MINER2)))
    assert view.model.notice == "Updated just now by someone else." and "Responsible: miner two" in view.model.facts
    # back from the reassign form before the server's read comes: the hazard it left is shown at once, so the
    # live echo of our own reassignment is not announced as someone else's
    server.current = hazard(responsible=PersonRef(id="so", display_name="safety officer"))
    view.hazard = hazard()
    view.ctx.runner = Deferred()  # type: ignore[assignment]
    view.on_enter(hazard_id="h1", notice="Reassigned to safety officer.", hazard=server.current)
    view.on_hazard_event(HazardEvent(kind="REASSIGNED", hazard=server.current))
    assert view.model.notice == "Reassigned to safety officer." and "Responsible: safety officer" in view.model.facts


# -- the manual alert: an outbox item kind ----------------------------------------------------------

def raise_form(phone: Phone, who: User) -> RaiseAlertController:
    sign_in(phone, who)
    phone.ctx.store.set(AREAS_CACHE_KEY, [{"id": "a0", "name": "Area 0"}, {"id": "a1", "name": "Area 1"}])
    controller = RaiseAlertController(model=RaiseAlertModel(), ctx=phone.ctx)
    controller.on_enter()             # the server is unreachable: the cached areas are used
    return controller


def test_a_miner_raises_for_their_own_area_an_officer_for_any_area_or_the_whole_mine(phone_ctx: Phone) -> None:
    miner = raise_form(phone_ctx, user(Role.MINER))
    assert miner.model.area_names == ["Area 0"] and miner.model.area_name == "Area 0" and miner.model.error == ""
    assert miner.model.scope_text == "You can raise alerts for your own area."
    assert not miner.submit(area_name="Area 1", title="x", detail="")
    assert miner.model.error == "Choose the area."
    officer = raise_form(phone_ctx, user(Role.SAFETY_OFFICER, area_id="a1"))
    assert officer.model.area_names == ["Whole mine", "Area 0", "Area 1"] and officer.model.area_name == "Area 1"
    assert officer.model.scope_text == ""
    assert not officer.submit(area_name="Whole mine", title="  ", detail="")
    assert officer.model.error == "Say what is wrong."
    assert not officer.submit(area_name="Whole mine", title="t" * 201, detail="")
    assert "200" in officer.model.error
    assert phone_ctx.outbox.items() == []


def test_a_draft_is_not_shown_to_the_next_person_who_signs_in(phone_ctx: Phone) -> None:
    form = raise_form(phone_ctx, user(Role.SAFETY_OFFICER, uid="officer"))
    form.model.title, form.model.detail = "主扇停风", "全矿撤人"
    form.set_severity("CRITICAL")
    form.on_enter()                                          # the same person comes back: the draft is kept
    assert (form.model.title, form.model.severity) == ("主扇停风", "CRITICAL")
    sign_in(phone_ctx, user(Role.MINER, uid="miner"))
    form.on_enter()
    assert (form.model.title, form.model.detail, form.model.severity) == ("", "", "WARNING")
    phone_ctx.ctx.api = FakeHazards(hazard())  # type: ignore[assignment]
    reassign = ReassignController(model=ReassignModel(), ctx=phone_ctx.ctx)
    reassign.on_enter(hazard_id="h1")
    reassign.model.reason, reassign.model.responsible = "on leave", "miner two"
    reassign.on_enter(hazard_id="h1")
    assert reassign.model.reason == "on leave"
    reassign.on_enter(hazard_id="h2")
    assert (reassign.model.reason, reassign.model.responsible) == ("", "")


def test_a_manual_alert_is_queued_with_a_client_id_made_here_and_survives_a_restart(tmp_path: Path,
                                                                                    phone_ctx: Phone) -> None:
    officer = raise_form(phone_ctx, user(Role.SAFETY_OFFICER))
    officer.set_severity("CRITICAL")
    assert officer.submit(area_name="Whole mine", title=" 主扇停风 Main fan stopped ", detail="全矿撤人")
    assert phone_ctx.navigations[-1] == ("outbox", {})
    [item] = phone_ctx.outbox.items()
    assert item.kind is ItemKind.RAISE_ALERT and item.state is ItemState.QUEUED and item.photos == ()
    assert item.payload == {"areaId": None, "severity": "CRITICAL", "title": "主扇停风 Main fan stopped",
                            "detail": "全矿撤人"}
    assert item.title == "CRITICAL · Whole mine: 主扇停风 Main fan stopped"
    assert len(item.client_id) == 36
    phone_ctx.ctx.store.close()
    again = make_phone(tmp_path / "phone", "http://127.0.0.1:9")           # the app starts again
    [kept] = again.outbox.items()
    assert (kept.client_id, kept.kind, kept.state, kept.payload) == (item.client_id, item.kind, ItemState.QUEUED,
                                                                     item.payload)


class FakeAlerts:
    """raiseManualAlert, idempotent by client id (as the backend's is)."""

    def __init__(self, *, refuse: str | None = None, down: int = 0) -> None:
        self.refuse = refuse
        self.down = down
        self.raised: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def __call__(self, _client: Any) -> FakeAlerts:
        return self

    def raise_manual(self, *, client_id: str, area_id: str | None, severity: AlertSeverity, title: str,
                     detail: str) -> ActionResult:
        self.calls.append(client_id)
        if self.down:
            self.down -= 1
            raise Unavailable("HTTP 502")
        if self.refuse:
            return ActionResult.from_union({"__typename": "NotAllowed", "message": self.refuse})
        self.raised.setdefault(client_id, api_alert(id=f"al-{len(self.raised) + 1}", source="MANUAL", title=title,
                                                    severity=severity.value, area=None, detail=detail))
        return ActionResult.from_union({"__typename": "Alert", **self.raised[client_id]})


def test_the_sender_delivers_a_manual_alert_once_retries_a_failure_and_keeps_a_refusal(
        phone_ctx: Phone, monkeypatch: pytest.MonkeyPatch) -> None:
    officer = raise_form(phone_ctx, user(Role.SAFETY_OFFICER))
    officer.submit(area_name="Area 0", title="顶板掉渣 Roof spalling", detail="3101")
    [item] = phone_ctx.outbox.items()
    server = FakeAlerts(down=1)
    monkeypatch.setattr(sender_module, "AlertsApi", server)
    owner = item.owner_id
    assert phone_ctx.sender.drain(owner_id=owner)[ItemState.QUEUED] == 1
    queued = phone_ctx.outbox.get(item.client_id)
    assert queued.state is ItemState.QUEUED and queued.attempts == 1 and "502" in (queued.last_error or "")
    screen = OutboxController(model=OutboxModel(), ctx=phone_ctx.ctx)
    screen.on_enter()
    [row] = screen.model.rows
    assert row["line2"].startswith("Manual alert · ") and row["line3"] == (
        "Queued · 1 tries; last error: the server had a problem")
    screen.select(item.client_id)                            # the full text on tap
    assert "Unavailable: HTTP 502" in screen.model.detail
    assert phone_ctx.sender.drain(owner_id=owner, now=10**10)[ItemState.SENT] == 1
    sent = phone_ctx.outbox.get(item.client_id)
    assert sent.state is ItemState.SENT and sent.server_id == "al-1"
    # the acknowledgement was lost (the app died before writing "sent"): the same client id, the same alert
    phone_ctx.outbox.mark_retry(item.client_id, error="simulated", delay_s=0)
    phone_ctx.sender.drain(owner_id=owner, now=10**10)
    assert phone_ctx.outbox.get(item.client_id).server_id == "al-1" and list(server.raised) == [item.client_id]
    assert server.calls == [item.client_id] * 3
    # a refusal is kept, with the server's reason, and never sent again
    monkeypatch.setattr(sender_module, "AlertsApi", FakeAlerts(refuse="you can raise an alert for your own area only"))
    miner = raise_form(phone_ctx, user(Role.MINER))
    miner.submit(area_name="Area 0", title="x", detail="")
    rejected = phone_ctx.outbox.items()[0]
    assert phone_ctx.sender.send(rejected) is ItemState.REJECTED
    assert phone_ctx.outbox.get(rejected.client_id).reject_reason == "you can raise an alert for your own area only"


# -- the alerts state line --------------------------------------------------------------------------

def test_the_state_line_says_connecting_until_the_first_connection(phone_ctx: Phone) -> None:
    tr = phone_ctx.ctx.tr
    assert alerts_logic.live_text(False, ever=False, tr=tr) == "○ Connecting…"
    assert alerts_logic.live_text(False, ever=True, tr=tr) == "○ Reconnecting…"
    assert alerts_logic.live_text(True, ever=False, tr=tr) == "● Live"
    tr.language = "zh"
    assert alerts_logic.live_text(False, ever=False, tr=tr) == "○ 正在连接…"
    tr.language = "en"

    class Live:
        connected = False
        ever_connected = False

    live = Live()
    phone_ctx.ctx.alert_live = live  # type: ignore[assignment]
    sign_in(phone_ctx, user(Role.MINER))
    controller = AlertsController(model=AlertsModel(), ctx=phone_ctx.ctx)
    controller.on_alert_status(False)
    assert controller.model.live_text == "○ Connecting…"
    live.connected = live.ever_connected = True
    controller.on_alert_status(True)
    assert controller.model.live_text == "● Live"
    live.connected = False
    controller.on_alert_status(False)
    assert controller.model.live_text == "○ Reconnecting…"
    live.ever_connected = False             # signed out and in again: a fresh subscription is connecting
    controller.on_alert_status(False)
    assert controller.model.live_text == "○ Connecting…"


def test_live_events_remember_a_first_connection_until_started_again(phone_ctx: Phone) -> None:
    statuses: list[bool] = []
    live = LiveEvents(client=phone_ctx.ctx.client, on_event=lambda _e: None, on_status=statuses.append)
    assert not live.ever_connected
    live._set_connected(True)
    live._set_connected(False)
    assert live.ever_connected and not live.connected and statuses == [True, False]
    live.start()                            # a fresh subscription (e.g. after a sign-in): connecting again
    try:
        assert not live.ever_connected
    finally:
        live.stop(timeout=2)
