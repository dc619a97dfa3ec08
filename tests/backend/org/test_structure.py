"""The unit tree, teams, posts and mine settings over GraphQL (SQLite and PostgreSQL): admins change anything,
area managers only within their district, everyone else and every other mine nothing; cycles are refused;
every change is in the audit chain and nothing is deleted."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.accounts.models import User
from backend.audit.models import AuditEntry
from tests.backend.api import report
from tests.backend.org.api import (
    CREATE_POST,
    CREATE_TEAM,
    MINE_SETTINGS,
    MOVE_POST,
    MOVE_TEAM,
    MOVE_UNIT,
    RENAME_POST,
    RETIRE_POST,
    RETIRE_TEAM,
    RETIRE_UNIT,
    UPDATE_SETTINGS,
    UPDATE_TEAM,
    UPDATE_UNIT,
    create_unit,
)
from tests.conftest import gql

WRONG_ROLES = ("miner", "team_leader", "safety_officer", "mentor", "mine_manager")


async def place(platform, mine, who: str, area_id: str) -> None:  # type: ignore[no-untyped-def]
    """Put a fixture person in an area (e.g. make the area manager manage a district) and renew their token."""
    async with platform.session_factory() as session:
        user = await session.get(User, mine.users[who].id)
        user.area_id = uuid.UUID(area_id)
        await session.commit()
    mine.users[who].area_id = uuid.UUID(area_id)
    mine.tokens.pop(who, None)


async def actions(platform, mine_id, subject_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        rows = await session.scalars(select(AuditEntry.action).where(
            AuditEntry.mine_id == mine_id, AuditEntry.subject_id == subject_id).order_by(AuditEntry.seq))
        return list(rows)


async def _district_tree(client, mine):  # type: ignore[no-untyped-def]
    admin = mine.token("admin")
    north = await create_unit(client, admin, code="N1", name="North district", kind="DISTRICT", mapX=10, mapY=20)
    assert north["__typename"] == "Area", north
    inner = await create_unit(client, admin, code="N1-S", name="North sub-district", kind="DISTRICT",
                              parentId=north["id"])
    face = await create_unit(client, admin, code="N1-F1", name="Face 1101", kind="WORKING_FACE", parentId=inner["id"])
    south = await create_unit(client, admin, code="S1", name="South district", kind="DISTRICT")
    return north, inner, face, south


async def test_admin_builds_moves_renames_and_retires_units_with_history(client, platform, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    north, inner, face, south = await _district_tree(client, mine)
    assert (north["mapX"], north["mapY"], face["parentId"]) == (10, 20, inner["id"])

    moved = (await gql(client, MOVE_UNIT, {"id": face["id"], "parent": south["id"]}, token=admin))["moveUnit"]
    assert moved["parentId"] == south["id"]
    renamed = (await gql(client, UPDATE_UNIT, {"input": {"unitId": face["id"], "name": "Face 1102", "mapX": 1.5,
                                                         "mapY": 2.5}}, token=admin))["updateUnit"]
    assert (renamed["name"], renamed["code"], renamed["mapX"]) == ("Face 1102", "N1-F1", 1.5)
    retired = (await gql(client, RETIRE_UNIT, {"id": face["id"]}, token=admin))["retireUnit"]
    assert retired["retired"] is True
    assert await actions(platform, mine.mine_id, face["id"]) == ["unit.created", "unit.moved", "unit.updated",
                                                                 "unit.retired"]
    listed = await gql(client, "{ areas { id } all: areas(includeRetired: true) { id retired } }", token=admin)
    assert face["id"] not in {a["id"] for a in listed["areas"]}
    assert face["id"] in {a["id"] for a in listed["all"]}  # kept, never deleted
    again = (await gql(client, UPDATE_UNIT, {"input": {"unitId": face["id"], "name": "x"}}, token=admin))["updateUnit"]
    assert again["__typename"] == "InvalidTransition"
    refused = await report(client, mine.token("miner"), uuid.UUID(face["id"]))
    assert (refused["__typename"], refused["field"]) == ("ValidationFailed", "areaId")  # no new hazards there


async def test_cycles_and_a_unit_under_itself_are_refused(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    north, inner, face, _ = await _district_tree(client, mine)
    under_self = (await gql(client, MOVE_UNIT, {"id": north["id"], "parent": north["id"]}, token=admin))["moveUnit"]
    assert under_self["__typename"] == "ValidationFailed" and under_self["field"] == "parentId"
    cycle = (await gql(client, MOVE_UNIT, {"id": north["id"], "parent": inner["id"]}, token=admin))["moveUnit"]
    assert cycle["__typename"] == "ValidationFailed" and "cycle" in cycle["message"]
    under_area = (await gql(client, MOVE_UNIT, {"id": inner["id"], "parent": face["id"]}, token=admin))["moveUnit"]
    assert under_area["__typename"] == "ValidationFailed"  # a face is not a district (and lies below it)
    leaf = await create_unit(client, admin, code="X", name="Leaf", kind="ROADWAY", parentId=north["id"])
    not_district = (await gql(client, MOVE_UNIT, {"id": face["id"], "parent": leaf["id"]}, token=admin))["moveUnit"]
    assert not_district["__typename"] == "ValidationFailed" and "district" in not_district["message"]
    held = (await gql(client, RETIRE_UNIT, {"id": north["id"]}, token=admin))["retireUnit"]
    assert held["__typename"] == "InvalidTransition"  # it still holds units


async def test_duplicate_codes_names_and_bad_input(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    await create_unit(client, admin, code="D1", name="District 1", kind="DISTRICT")
    for fields, field in (({"code": "D1", "name": "Other"}, "code"), ({"code": "D2", "name": "District 1"}, "name"),
                          ({"code": "bad code!", "name": "X"}, "code"), ({"code": "D3", "name": "a\x1bb"}, "name"),
                          ({"code": "D4", "name": "Y", "mapX": 1.0}, "mapX")):
        refused = await create_unit(client, admin, kind="DISTRICT", **fields)
        assert (refused["__typename"], refused["field"]) == ("ValidationFailed", field), fields


async def test_area_managers_change_only_within_their_district(client, platform, make_mine) -> None:
    mine = await make_mine()
    north, _inner, face, south = await _district_tree(client, mine)
    await place(platform, mine, "area_manager", north["id"])
    manager = mine.token("area_manager")
    inside = await create_unit(client, manager, code="N1-R", name="North roadway", kind="ROADWAY",
                               parentId=north["id"])
    assert inside["__typename"] == "Area"
    assert (await gql(client, MOVE_UNIT, {"id": face["id"], "parent": north["id"]}, token=manager)
            )["moveUnit"]["parentId"] == north["id"]
    for query, variables in ((MOVE_UNIT, {"id": face["id"], "parent": south["id"]}),  # out of their district
                             (MOVE_UNIT, {"id": face["id"], "parent": None}),
                             (UPDATE_UNIT, {"input": {"unitId": south["id"], "name": "Mine now"}}),
                             (UPDATE_UNIT, {"input": {"unitId": north["id"], "name": "Renamed own district"}}),
                             (RETIRE_UNIT, {"id": south["id"]})):
        refused = (await gql(client, query, variables, token=manager))
        assert next(iter(refused.values()))["__typename"] == "NotAllowed", variables
    outside = await create_unit(client, manager, code="S1-R", name="South roadway", kind="ROADWAY",
                                parentId=south["id"])
    top = await create_unit(client, manager, code="T", name="Top", kind="DISTRICT")
    assert outside["__typename"] == top["__typename"] == "NotAllowed"


async def test_every_org_mutation_refused_to_every_wrong_role_and_the_wrong_mine(client, make_mine) -> None:
    mine = await make_mine()
    other = await make_mine()
    admin = mine.token("admin")
    north, _, face, _ = await _district_tree(client, mine)
    team = (await gql(client, CREATE_TEAM, {"input": {"code": "T1", "name": "采煤一队", "unitId": north["id"]}},
                      token=admin))["createTeam"]
    post = (await gql(client, CREATE_POST, {"input": {"code": "GAS", "name": "瓦检员", "unitId": north["id"]}},
                      token=admin))["createPost"]
    assert team["__typename"] == "Team" and post["__typename"] == "Post"
    mutations = [
        ("createUnit", "mutation($input: CreateUnitInput!) { createUnit(input: $input) { __typename } }",
         {"input": {"code": "Z", "name": "Z", "kind": "DISTRICT", "parentId": north["id"]}}),
        ("updateUnit", UPDATE_UNIT, {"input": {"unitId": face["id"], "name": "Z"}}),
        ("moveUnit", MOVE_UNIT, {"id": face["id"], "parent": north["id"]}),
        ("retireUnit", RETIRE_UNIT, {"id": face["id"]}),
        ("createTeam", CREATE_TEAM, {"input": {"code": "T9", "name": "T9", "unitId": north["id"]}}),
        ("updateTeam", UPDATE_TEAM, {"input": {"teamId": team["id"], "name": "T8"}}),
        ("moveTeam", MOVE_TEAM, {"id": team["id"], "unit": face["id"]}),
        ("retireTeam", RETIRE_TEAM, {"id": team["id"]}),
        ("createPost", CREATE_POST, {"input": {"code": "P9", "name": "P9", "unitId": north["id"]}}),
        ("renamePost", RENAME_POST, {"id": post["id"], "name": "P8"}),
        ("movePost", MOVE_POST, {"id": post["id"], "unit": face["id"]}),
        ("retirePost", RETIRE_POST, {"id": post["id"]}),
        ("updateMineSettings", UPDATE_SETTINGS, {"input": {"examPassMark": 90}}),
    ]
    for name, query, variables in mutations:
        for who in WRONG_ROLES:
            got = (await gql(client, query, variables, token=mine.token(who)))[name]
            assert got["__typename"] == "NotAllowed", (name, who, got)
        foreign = (await gql(client, query, variables, token=other.token("admin")))[name]
        if name == "updateMineSettings":
            continue  # it acts on the caller's own mine
        assert foreign["__typename"] in ("NotFound", "ValidationFailed"), (name, foreign)
    for name, query, variables in mutations:  # a device is refused like a wrong role: one shape
        device = (await gql(client, query, variables, token=mine.device_tokens[next(iter(mine.device_tokens))]))
        assert device[name]["__typename"] == "NotAllowed", (name, device)
    listed = await gql(client, "{ areas(includeRetired: true) { id } }", token=other.token("admin"))
    assert north["id"] not in {a["id"] for a in listed["areas"]}


async def test_teams_and_posts_move_retire_and_keep_history(client, platform, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    north, _, face, south = await _district_tree(client, mine)
    team = (await gql(client, CREATE_TEAM, {"input": {"code": "T1", "name": "综采队", "unitId": north["id"],
                                                      "leaderId": mine.user_id("team_leader")}},
                      token=admin))["createTeam"]
    moved = (await gql(client, MOVE_TEAM, {"id": team["id"], "unit": south["id"]}, token=admin))["moveTeam"]
    assert moved["areaId"] == south["id"] and moved["leaderId"] == mine.user_id("team_leader")
    assert (await gql(client, RETIRE_TEAM, {"id": team["id"]}, token=admin))["retireTeam"]["retired"] is True
    busy = (await gql(client, RETIRE_TEAM, {"id": str(mine.teams[0])}, token=admin))["retireTeam"]
    assert busy["__typename"] == "InvalidTransition"  # it has members
    post = (await gql(client, CREATE_POST, {"input": {"code": "SHEARER", "name": "采煤机司机", "unitId": face["id"]}},
                      token=admin))["createPost"]
    dup = (await gql(client, CREATE_POST, {"input": {"code": "SHEARER", "name": "x"}}, token=admin))["createPost"]
    assert dup["__typename"] == "ValidationFailed"
    renamed = (await gql(client, RENAME_POST, {"id": post["id"], "name": "采煤机司机 (主)"}, token=admin))["renamePost"]
    assert renamed["name"] == "采煤机司机 (主)"
    assert (await gql(client, RETIRE_POST, {"id": post["id"]}, token=admin))["retirePost"]["retired"] is True
    assert await actions(platform, mine.mine_id, post["id"]) == ["post.created", "post.updated", "post.retired"]
    assert await actions(platform, mine.mine_id, team["id"]) == ["team.created", "team.moved", "team.retired"]
    posts = await gql(client, "{ posts { id } all: posts(includeRetired: true) { id } }", token=mine.token("miner"))
    assert post["id"] not in {p["id"] for p in posts["posts"]} and post["id"] in {p["id"] for p in posts["all"]}


async def test_mine_settings_read_changed_validated_and_audited(client, platform, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    before = (await gql(client, MINE_SETTINGS, token=mine.token("mine_manager")))["mineSettings"]
    assert before["hazardDeadlineHours"] == {"A": 168, "B": 72, "C": 24, "MAJOR_PLAN": 24}
    assert before["examPassMark"] == 80
    changed = (await gql(client, UPDATE_SETTINGS, {"input": {
        "name": "新名字 mine", "hazardDeadlineHours": {"A": 120, "B": 48}, "examPassMark": 85,
        "alertEscalationMinutes": [{"severity": "ALARM", "minutes": [3, 10]}],
        "roof": {"separationRedMm": 30}}}, token=admin))["updateMineSettings"]
    assert changed["__typename"] == "MineSettings", changed
    assert changed["hazardDeadlineHours"]["A"] == 120 and changed["examPassMark"] == 85
    assert {e["severity"]: e["minutes"] for e in changed["alertEscalationMinutes"]}["ALARM"] == [3, 10]
    assert changed["roof"]["separation_red_mm"] == 30 and changed["name"] == "新名字 mine"
    for bad, field in (({"hazardDeadlineHours": {"C": 1000}}, "hazardDeadlineHours"),
                       ({"examPassMark": 0}, "examPassMark"),
                       ({"alertEscalationMinutes": [{"severity": "ALARM", "minutes": [10, 2]}]},
                        "alertEscalationMinutes.ALARM"),
                       ({"roof": {"separationYellowMm": 50}}, "roof")):
        refused = (await gql(client, UPDATE_SETTINGS, {"input": bad}, token=admin))["updateMineSettings"]
        assert (refused["__typename"], refused["field"]) == ("ValidationFailed", field), bad
    assert await actions(platform, mine.mine_id, str(mine.mine_id)) == ["mine.settings_changed"]
    miner = await gql(client, MINE_SETTINGS, token=mine.token("miner"), expect_errors=True)
    assert miner["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("kind", ["DISTRICT", "ROADWAY"])
async def test_a_unit_of_another_mine_is_never_a_parent(client, make_mine, kind: str) -> None:
    mine, other = await make_mine(), await make_mine()
    foreign = await create_unit(client, other.token("admin"), code="F", name="Foreign", kind="DISTRICT")
    refused = await create_unit(client, mine.token("admin"), code="M", name="Mine's", kind=kind,
                                parentId=foreign["id"])
    assert (refused["__typename"], refused["field"]) == ("ValidationFailed", "parentId")


async def test_two_concurrent_moves_cannot_make_a_cycle(client, make_mine) -> None:
    """A under B and B under A at the same moment: the mine lock orders them, the second sees the first."""
    import asyncio

    mine = await make_mine()
    admin = mine.token("admin")
    a = await create_unit(client, admin, code="A", name="District A", kind="DISTRICT")
    b = await create_unit(client, admin, code="B", name="District B", kind="DISTRICT")
    moves = await asyncio.gather(gql(client, MOVE_UNIT, {"id": a["id"], "parent": b["id"]}, token=admin),
                                 gql(client, MOVE_UNIT, {"id": b["id"], "parent": a["id"]}, token=admin))
    kinds = sorted(m["moveUnit"]["__typename"] for m in moves)
    assert kinds == ["Area", "ValidationFailed"], moves
    units = {u["id"]: u["parentId"] for u in (await gql(client, "{ areas { id parentId } }", token=admin))["areas"]}
    assert not (units[a["id"]] == b["id"] and units[b["id"]] == a["id"])


async def test_changed_settings_are_what_triage_and_the_alert_sweep_read(client, platform, make_mine) -> None:
    from datetime import datetime, timedelta

    from backend.alerts.flows import _escalation_policy
    from contracts.alerts import AlertSeverity
    from tests.backend.api import TRIAGE

    mine = await make_mine()
    changed = (await gql(client, UPDATE_SETTINGS, {"input": {
        "hazardDeadlineHours": {"A": 100}, "alertEscalationMinutes": [{"severity": "ALARM", "minutes": [2, 9]}]}},
        token=mine.token("admin")))["updateMineSettings"]
    assert changed["__typename"] == "MineSettings"
    hazard = await report(client, mine.token("miner"), mine.areas[0])
    triaged = (await gql(client, TRIAGE, {"input": {"hazardId": hazard["id"], "grade": "GENERAL", "level": "A",
                                                    "responsibleId": mine.user_id("team_leader")}},
                         token=mine.token("safety_officer")))["triageHazard"]
    deadline = datetime.fromisoformat(triaged["deadline"])
    assert abs(deadline - (datetime.now(deadline.tzinfo) + timedelta(hours=100))) < timedelta(minutes=5)
    async with platform.session_factory() as session:
        policy = await _escalation_policy(session, mine.mine_id)
    assert policy[AlertSeverity.ALARM] == (2.0, 9.0)
