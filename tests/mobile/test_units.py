"""Pure parts of the app: addresses, texts, the screen registry, backoff, which actions a hazard offers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.client import graphql_endpoint
from contracts.hazards import HazardGrade, HazardState
from contracts.roles import Role
from mobile.api.live import reconnect_delay
from mobile.api.models import Hazard, PersonRef, User
from mobile.i18n import STRINGS, Translator
from mobile.outbox.sender import retry_delay
from mobile.screens import SCREENS
from mobile.screens.hazard.controller import available_actions
from mobile.screens.triage.controller import treatment_plan_for
from mobile.settings import InvalidServerAddress, graphql_ws_url, normalize_server_url
from mobile.ui.registry import load_specs, menu_for

MOBILE = Path(__file__).resolve().parents[2] / "mobile"


@pytest.mark.parametrize(("typed", "expected"), [
    ("10.0.0.5:8000", "http://10.0.0.5:8000"),
    (" http://10.0.0.5:8000/ ", "http://10.0.0.5:8000"),
    ("https://minesafe.example.cn/graphql", "https://minesafe.example.cn"),
    ("https://example.cn/ms/graphql/", "https://example.cn/ms"),
])
def test_server_addresses_are_normalized(typed: str, expected: str) -> None:
    assert normalize_server_url(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "ftp://x", "http://", "host:notaport", "http://h:99999"])
def test_bad_server_addresses_are_refused(typed: str) -> None:
    with pytest.raises(InvalidServerAddress):
        normalize_server_url(typed)


def test_graphql_urls() -> None:
    assert graphql_endpoint("https://a.cn/ms") == graphql_endpoint("https://a.cn/ms/graphql/") == "https://a.cn/ms/graphql"
    assert graphql_ws_url("https://a.cn/ms") == "wss://a.cn/ms/graphql"
    assert graphql_ws_url("http://10.0.0.5:8000") == "ws://10.0.0.5:8000/graphql"


def test_every_text_has_chinese_and_english_and_every_used_key_exists() -> None:
    for key, entry in STRINGS.items():
        assert entry.get("en") and entry.get("zh"), key
        assert set(re.findall(r"{(\w+)}", entry["en"])) == set(re.findall(r"{(\w+)}", entry["zh"])), key
    used: set[str] = set()
    for path in MOBILE.rglob("*"):
        if path.suffix in (".kv", ".py"):
            text = path.read_text(encoding="utf-8")
            used |= set(re.findall(r"""(?:app\.t|self\.t|tr|self\.app\.tr)\(\s*['"]([a-z_]+\.[\w.]+)['"]""", text))
            used |= set(re.findall(r"""(?:title|menu_title)=['"]([a-z_]+\.[a-z_]+)['"]""", text))
    missing = sorted(k for k in used if k not in STRINGS)
    assert not missing and len(used) > 60


def test_a_missing_key_shows_itself_and_formatting_works() -> None:
    tr = Translator("zh")
    assert tr("no.such.key") == "no.such.key"
    assert tr("home.outbox_badge", n=3) == "3 条待发送"
    assert Translator("xx").language == "zh"


def test_the_registry_loads_every_screen_and_filters_the_menu_by_role() -> None:
    specs = load_specs(SCREENS)
    assert [s.name for s in specs] == list(SCREENS)
    assert all(s.kv_file is not None and s.kv_file.is_file() for s in specs)
    miner = User(id="1", username="m", display_name="m", roles=frozenset({Role.MINER}))
    officer = User(id="2", username="o", display_name="o", roles=frozenset({Role.SAFETY_OFFICER}))
    manager = User(id="3", username="k", display_name="k", roles=frozenset({Role.MINE_MANAGER}))
    assert [s.name for s in menu_for(specs, miner)] == ["report", "alerts", "raise_alert",            # urgent
                                                        "myreports", "mywork", "duties", "checklist", "people",
                                                        "permits",                                     # work
                                                        "training", "drills", "outbox"]                # learn, phone
    assert [s.name for s in menu_for(specs, officer)] == ["report", "alerts", "raise_alert",
                                                          "myreports", "mywork", "triage", "reinspect", "hazards",
                                                          "duties", "checklist", "people", "permits",
                                                          "dashboard", "reports", "duty_lists", "risk_map",
                                                          "training", "drills",
                                                          "outbox"]
    assert {"hazards", "dashboard"} <= {s.name for s in menu_for(specs, manager)}
    assert menu_for(specs, None) == []


def test_a_screen_package_without_spec_is_refused() -> None:
    with pytest.raises(ModuleNotFoundError):
        load_specs(["no_such_screen"])
    with pytest.raises(TypeError):
        load_specs(["api"], package="mobile")


def test_backoff_grows_and_is_capped() -> None:
    assert retry_delay(0, jitter=lambda: 0) == 2
    assert retry_delay(3, jitter=lambda: 0) == 16
    assert retry_delay(30, jitter=lambda: 1) == 300 * 1.25
    assert reconnect_delay(0, jitter=lambda: 0) == 1 and reconnect_delay(10, jitter=lambda: 0) == 30


def hazard(state: HazardState, *, responsible: str | None = None, grade: HazardGrade | None = None) -> Hazard:
    return Hazard(id="h", state=state, grade=grade, suggested_grade=HazardGrade.GENERAL, level=None,
                  description="d", location="", area=None, reporter=None,
                  responsible=PersonRef(id=responsible, display_name="r") if responsible else None,
                  deadline=datetime.now(UTC), is_overdue=False, photos=(), rectification_photos=(), created_at=None)


def test_actions_are_the_steps_the_server_allows_not_a_copy_of_its_rules() -> None:
    from dataclasses import replace

    from mobile.api.models import HazardStep as Step

    miner = User(id="m", username="m", display_name="m", roles=frozenset({Role.MINER}))
    officer = User(id="o", username="o", display_name="o", roles=frozenset({Role.SAFETY_OFFICER}))
    admin = User(id="a", username="a", display_name="a", roles=frozenset({Role.ADMIN}))

    def offered(state: HazardState, steps: set[Step], who: User) -> list[str]:
        return available_actions(replace(hazard(state), allowed_steps=frozenset(steps)), who)

    assert offered(HazardState.ASSIGNED, {Step.ACCEPT}, miner) == ["accept"]
    assert offered(HazardState.ASSIGNED, set(), miner) == []
    assert offered(HazardState.RECTIFYING, {Step.SUBMIT_RECTIFICATION}, miner) == ["rectify"]
    assert offered(HazardState.REPORTED, {Step.TRIAGE, Step.DISMISS}, officer) == ["triage", "trace"]
    assert offered(HazardState.REPORTED, {Step.DISMISS}, officer) == ["triage", "trace"]   # the form dismisses
    assert offered(HazardState.PENDING_REVIEW, set(), officer) == ["trace"]
    assert offered(HazardState.PENDING_REVIEW, {Step.REINSPECT_FAIL, Step.REINSPECT_PASS}, officer) == [
        "reinspect", "trace"]
    assert offered(HazardState.RECTIFYING, {Step.REASSIGN, Step.SIGN_OFF}, officer) == [
        "reassign", "sign_off", "trace"]
    assert offered(HazardState.REPORTED, set(), admin) == ["trace"]      # the server refuses an admin triage
    # a step the app does not know (a newer server) is ignored, never a crash
    parsed = Hazard.from_api({"id": "h", "state": "REPORTED", "allowedSteps": ["TRIAGE", "TELEPORT"]})
    assert parsed.allowed_steps == {Step.TRIAGE}


def test_a_major_hazard_gets_the_five_part_treatment_plan() -> None:
    person = PersonRef(id="p", display_name="Li")
    when = datetime(2026, 12, 1, tzinfo=UTC)
    plan = treatment_plan_for(grade=HazardGrade.MAJOR, measures="m", funds="5万", contingency="c",
                              responsible=person, deadline=when)
    assert plan is not None and set(plan) == {"measures", "responsible_people", "funds", "deadline",
                                              "contingency_plan"}
    assert treatment_plan_for(grade=HazardGrade.GENERAL, measures="m", funds="", contingency="",
                              responsible=person, deadline=when) is None


def test_a_font_with_chinese_glyphs_is_found() -> None:
    from PIL import ImageFont

    from mobile.fonts import find_cjk_font

    path = find_cjk_font()
    assert path is not None, "no CJK font: install fonts-wqy-microhei (Debian) or set MINESAFE_CJK_FONT"
    font = ImageFont.truetype(str(path), 32)
    # a real glyph for 隐 differs from the font's "missing glyph" box
    assert font.getmask("隐").getbbox() is not None
    assert bytes(font.getmask("隐")) != bytes(font.getmask("\U000f0000"))


def test_an_overdue_hazard_row_is_marked() -> None:
    from dataclasses import replace

    from mobile.ui.format import hazard_row

    tr = Translator("en")
    late = replace(hazard(HazardState.RECTIFYING, responsible="m"), is_overdue=True)
    row = hazard_row(late, tr, controller=None)
    assert row["alert"] is True and row["line3"].startswith("OVERDUE · Deadline ")
    on_time = hazard_row(hazard(HazardState.ASSIGNED, responsible="m"), Translator("zh"), controller=None)
    assert on_time["alert"] is False and on_time["line3"].startswith("期限 ")
    assert "已分派" in on_time["line2"] and "一般隐患" in on_time["line2"]


def test_a_new_screen_is_a_folder_and_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "extra_screens"
    (package / "alerts").mkdir(parents=True)
    (package / "__init__.py").write_text('SCREENS = ("alerts",)\n')
    (package / "alerts" / "__init__.py").write_text(
        "from mobile.ui.base import BaseController, BaseModel, BaseScreen\n"
        "from mobile.ui.registry import ScreenSpec\n"
        "class AlertsScreen(BaseScreen):\n    pass\n"
        "SCREEN = ScreenSpec(name='alerts', view=AlertsScreen, controller=BaseController, model=BaseModel,\n"
        "                    title='app.name', menu=True, menu_order=15)\n")
    (package / "alerts" / "view.kv").write_text("<AlertsScreen>:\n    Label:\n        text: 'alerts'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    specs = load_specs(["alerts"], package="extra_screens")
    assert specs[0].name == "alerts" and specs[0].kv_file == package / "alerts" / "view.kv"
    miner = User(id="1", username="m", display_name="m", roles=frozenset({Role.MINER}))
    menu = menu_for([*load_specs([n for n in SCREENS if n != "alerts"]), *specs], miner)
    assert [s.name for s in menu] == ["report", "raise_alert", "alerts", "myreports", "mywork", "duties",
                                        "checklist", "people", "permits", "training", "drills",
                                        "outbox"]  # the extra "alerts" names no group: it is work


def test_the_triage_and_reinspection_menus_offer_them_to_the_roles_the_server_allows() -> None:
    """The menu entries against the backend's own permission classes (the per-hazard decision is the server's
    allowedSteps; this only keeps the queues from being offered to an admin and hidden from a team leader)."""
    from backend.accounts.roles import Role as ServerRole
    from backend.hazards.permissions import CanReinspectHazard, CanTriageHazard

    specs = {s.name: s for s in load_specs(SCREENS)}
    triagers = {r.value for r in CanTriageHazard.roles} | {ServerRole.AREA_MANAGER.value, ServerRole.TEAM_LEADER.value}
    assert {r.value for r in specs["triage"].roles or ()} == triagers
    assert {r.value for r in specs["reinspect"].roles or ()} == {r.value for r in CanReinspectHazard.roles}
    assert Role.ADMIN not in (specs["triage"].roles or ()) and Role.ADMIN not in (specs["reinspect"].roles or ())
