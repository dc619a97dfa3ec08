"""Responsibility lists (SQLite and PostgreSQL): drafted, published as numbered versions, superseded; the version
in force drives triage's proposal, alert escalation and traceability — a hazard triaged under version 3 and
closed under version 4 names, at each step, whom the list then in force made responsible."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend.accounts.models import User
from backend.accounts.security import issue_access_token
from backend.accounts.service import principal_for
from backend.alerts.flows import escalation_recipients
from backend.audit import service as audit_service
from backend.org.models import PersonRecord
from tests.backend.alerts.api import raise_sensor_alert
from tests.backend.api import ACCEPT, RECTIFY, REINSPECT, TRIAGE, jpeg_bytes, report, upload
from tests.backend.org.api import (
    CREATE_POST,
    DIFF,
    DRAFT,
    EDIT,
    LISTS,
    MOVE_UNIT,
    MY_DUTIES,
    PROPOSED,
    PUBLISH,
    TRACE,
    WITHDRAW,
    create_unit,
    import_csv,
)
from tests.backend.org.test_structure import place
from tests.backend.risks.api import create_point
from tests.conftest import gql


class Org:
    """A mine with district D holding area 0, posts GAS (area 0) and SAFETY (district), held by P1 and P2."""

    def __init__(self, mine, district: str, gas: str, safety: str, people: dict[str, User]) -> None:  # type: ignore[no-untyped-def]
        self.mine, self.district, self.gas, self.safety, self.people = mine, district, gas, safety, people

    def token(self, who: str) -> str:
        if who in self.people:
            return issue_access_token(principal_for(self.people[who]), secret=self.mine.secret, minutes=15)
        return self.mine.token(who)

    def id(self, who: str) -> str:
        return str(self.people[who].id)


async def make_org(client, platform, make_mine) -> Org:  # type: ignore[no-untyped-def]
    mine = await make_mine()
    admin = mine.token("admin")
    district = await create_unit(client, admin, code="D", name="一采区", kind="DISTRICT")
    moved = await gql(client, MOVE_UNIT, {"id": str(mine.areas[0]), "parent": district["id"]}, token=admin)
    assert moved["moveUnit"]["parentId"] == district["id"]
    posts = {}
    for code, name, unit in (("GAS", "瓦检员", str(mine.areas[0])), ("SAFETY", "安全员", district["id"])):
        posts[code] = (await gql(client, CREATE_POST, {"input": {"code": code, "name": name, "unitId": unit}},
                                 token=admin))["createPost"]["id"]
    tag = str(mine.mine_id)[:8]
    imported = await import_csv(client, admin, f"employee_no,name,post\nP1{tag},王瓦检,GAS\nP2{tag},赵安全,SAFETY\n")
    assert imported["created"] == 2, imported
    async with platform.session_factory() as session:
        rows = (await session.execute(select(PersonRecord.employee_no, User).join(
            User, User.id == PersonRecord.user_id).where(PersonRecord.mine_id == mine.mine_id))).all()
    people = {number[:2]: user for number, user in rows}
    return Org(mine, district["id"], posts["GAS"], posts["SAFETY"], people)


async def publish_list(client, token: str, kind: str, holder: str, *, duties: str,  # type: ignore[no-untyped-def]
                       areas: list[str], levels: list[str] | None = None, risk_points: list[str] | None = None
                       ) -> dict:  # type: ignore[type-arg]
    draft = (await gql(client, DRAFT, {"kind": kind, "id": holder}, token=token))["draftResponsibilityList"]
    assert draft["__typename"] == "ResponsibilityList", draft
    edited = (await gql(client, EDIT, {"input": {"listId": draft["id"], "duties": duties, "areaIds": areas,
                                                 "hazardLevels": levels or [], "riskPointIds": risk_points or []}},
                        token=token))["editResponsibilityList"]
    assert edited["__typename"] == "ResponsibilityList", edited
    published = (await gql(client, PUBLISH, {"id": draft["id"]}, token=token))["publishResponsibilityList"]
    assert published["state"] == "PUBLISHED", published
    return published


async def test_versions_are_numbered_superseded_and_diffed(client, platform, make_mine) -> None:
    org = await make_org(client, platform, make_mine)
    admin = org.mine.token("admin")
    area0, area1 = str(org.mine.areas[0]), str(org.mine.areas[1])
    v1 = await publish_list(client, admin, "POST", org.gas, duties="检查瓦斯", areas=[area0], levels=["C"])
    point = (await create_point(client, org.mine.token("safety_officer"), area0, "RP-7"))["id"]
    v2 = await publish_list(client, admin, "POST", org.gas, duties="检查瓦斯，每班三次", areas=[area0, area1],
                            levels=["B", "C"], risk_points=[point])
    assert (v1["version"], v2["version"]) == (1, 2)
    history = (await gql(client, LISTS, {"unit": org.district, "history": True}, token=admin))["responsibilityLists"]
    states = {h["id"]: (h["state"], h["version"]) for h in history}
    assert states[v1["id"]] == ("SUPERSEDED", 1) and states[v2["id"]] == ("PUBLISHED", 2)
    current = (await gql(client, LISTS, {"unit": org.district, "history": False}, token=admin))["responsibilityLists"]
    assert v1["id"] not in {c["id"] for c in current}

    diff = (await gql(client, DIFF, {"a": v1["id"], "b": v2["id"]}, token=org.mine.token("area_manager"))
            )["responsibilityListDiff"]
    assert (diff["fromVersion"], diff["toVersion"], diff["dutiesChanged"]) == (1, 2, True)
    assert {c["kind"]: (c["added"], c["removed"]) for c in diff["changes"]} == {
        "areas": ([area1], []), "risk_points": ([point], []), "hazard_levels": (["B"], [])}

    draft = (await gql(client, DRAFT, {"kind": "POST", "id": org.gas}, token=admin))["draftResponsibilityList"]
    assert (draft["duties"], draft["riskPointIds"]) == (v2["duties"], [point])  # starts from the version in force
    second = (await gql(client, DRAFT, {"kind": "POST", "id": org.gas}, token=admin))["draftResponsibilityList"]
    assert second["__typename"] == "InvalidTransition"
    frozen = (await gql(client, EDIT, {"input": {"listId": v2["id"], "duties": "x"}}, token=admin)
              )["editResponsibilityList"]
    assert frozen["__typename"] == "InvalidTransition" and frozen["currentState"] == "PUBLISHED"
    withdrawn = (await gql(client, WITHDRAW, {"id": draft["id"]}, token=admin))["withdrawResponsibilityList"]
    assert withdrawn["state"] == "WITHDRAWN"
    empty = (await gql(client, DRAFT, {"kind": "PERSON", "id": org.id("P1")}, token=admin))["draftResponsibilityList"]
    unpublishable = (await gql(client, PUBLISH, {"id": empty["id"]}, token=admin))["publishResponsibilityList"]
    assert (unpublishable["__typename"], unpublishable["field"]) == ("ValidationFailed", "duties")
    bad = (await gql(client, EDIT, {"input": {"listId": empty["id"], "duties": "d", "hazardLevels": ["Z"]}},
                     token=admin))["editResponsibilityList"]
    assert bad["__typename"] == "ValidationFailed"
    async with platform.session_factory() as session:
        verdict = await audit_service.verify_chain(session=session, mine_id=org.mine.mine_id)
    assert verdict.ok


async def test_my_duties_are_my_own_and_my_posts_published_lists(client, platform, make_mine) -> None:
    org = await make_org(client, platform, make_mine)
    admin = org.mine.token("admin")
    area0 = str(org.mine.areas[0])
    await publish_list(client, admin, "POST", org.gas, duties="岗位职责：瓦斯检查", areas=[area0])
    await publish_list(client, admin, "PERSON", org.id("P1"), duties="个人职责：带班", areas=[area0], levels=["A"])
    mine_duties = (await gql(client, MY_DUTIES, token=org.token("P1")))["myDuties"]
    assert sorted(d["duties"] for d in mine_duties) == ["个人职责：带班", "岗位职责：瓦斯检查"]
    assert {d["holderName"] for d in mine_duties} == {"瓦检员", "王瓦检"}
    assert mine_duties[0]["areas"][0]["name"] == "Area 0"
    assert (await gql(client, MY_DUTIES, token=org.token("P2")))["myDuties"] == []


async def test_list_mutations_refused_to_wrong_roles_other_districts_and_mines(client, platform, make_mine) -> None:
    org = await make_org(client, platform, make_mine)
    admin = org.mine.token("admin")
    other = await make_mine()
    area0 = str(org.mine.areas[0])
    for who in ("miner", "team_leader", "safety_officer", "mentor"):
        got = (await gql(client, DRAFT, {"kind": "POST", "id": org.gas}, token=org.mine.token(who))
               )["draftResponsibilityList"]
        assert got["__typename"] == "NotAllowed", who
    draft = (await gql(client, DRAFT, {"kind": "POST", "id": org.gas}, token=org.mine.token("mine_manager"))
             )["draftResponsibilityList"]
    for who in ("miner", "team_leader", "safety_officer", "mentor"):
        for query, variables, name in ((EDIT, {"input": {"listId": draft["id"], "duties": "x"}},
                                        "editResponsibilityList"),
                                       (PUBLISH, {"id": draft["id"]}, "publishResponsibilityList"),
                                       (WITHDRAW, {"id": draft["id"]}, "withdrawResponsibilityList")):
            assert (await gql(client, query, variables, token=org.mine.token(who)))[name]["__typename"] == \
                "NotAllowed", (who, name)
            foreign = (await gql(client, query, variables, token=other.token("admin")))[name]
            assert foreign["__typename"] == "NotFound", name
    # the area manager of area 1 (not in district D) may not touch the GAS post of area 0; moved into D, may
    await place(platform, org.mine, "area_manager", str(org.mine.areas[1]))
    refused = (await gql(client, PUBLISH, {"id": draft["id"]}, token=org.mine.token("area_manager"))
               )["publishResponsibilityList"]
    assert refused["__typename"] == "NotAllowed"
    await place(platform, org.mine, "area_manager", org.district)
    await gql(client, EDIT, {"input": {"listId": draft["id"], "duties": "区队长写的", "areaIds": [area0]}},
              token=org.mine.token("area_manager"))
    assert (await gql(client, PUBLISH, {"id": draft["id"]}, token=org.mine.token("area_manager"))
            )["publishResponsibilityList"]["version"] == 1
    foreign_area = (await gql(client, EDIT, {"input": {"listId": draft["id"], "duties": "x",
                                                       "areaIds": [str(other.areas[0])]}}, token=admin)
                    )["editResponsibilityList"]
    assert foreign_area["__typename"] == "InvalidTransition"  # published: frozen (and the area is foreign anyway)
    fresh = (await gql(client, DRAFT, {"kind": "POST", "id": org.gas}, token=org.mine.token("admin"))
             )["draftResponsibilityList"]
    foreign_area = (await gql(client, EDIT, {"input": {"listId": fresh["id"], "duties": "x",
                                                       "areaIds": [str(other.areas[0])]}}, token=admin)
                    )["editResponsibilityList"]
    assert (foreign_area["__typename"], foreign_area["field"]) == ("ValidationFailed", "areaIds")
    browse = await gql(client, LISTS, {"unit": None, "history": False}, token=org.mine.token("miner"),
                       expect_errors=True)
    assert browse["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_traceability_names_the_list_in_force_at_each_step(client, platform, make_mine) -> None:
    org = await make_org(client, platform, make_mine)
    mine, admin = org.mine, org.mine.token("admin")
    area0, area1 = str(mine.areas[0]), str(mine.areas[1])
    hazard = await report(client, mine.token("miner"), mine.areas[0])  # before any list: nobody by list
    for n, levels in enumerate((["C"], ["B", "C"], []), start=1):
        gas = await publish_list(client, admin, "POST", org.gas, duties=f"瓦斯检查 v{n}", areas=[area0],
                                 levels=levels)
        assert gas["version"] == n
    safety = await publish_list(client, admin, "POST", org.safety, duties="全采区安全", areas=[org.district])

    proposed = (await gql(client, PROPOSED, {"id": hazard["id"]}, token=mine.token("safety_officer"))
                )["proposedResponsible"]
    assert [(p["person"]["id"], p["version"], p["step"], p["viaPost"]) for p in proposed] == [
        (org.id("P1"), 3, 0, True), (org.id("P2"), 1, 1, True)]
    miner = await gql(client, PROPOSED, {"id": hazard["id"]}, token=mine.token("miner"), expect_errors=True)
    assert miner["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    officer = mine.token("safety_officer")
    triaged = (await gql(client, TRIAGE, {"input": {"hazardId": hazard["id"], "grade": "GENERAL", "level": "B",
                                                    "responsibleId": proposed[0]["person"]["id"]}}, token=officer))
    assert triaged["triageHazard"]["state"] == "ASSIGNED"
    p1 = org.token("P1")
    assert (await gql(client, ACCEPT, {"id": hazard["id"]}, token=p1))["acceptHazard"]["state"] == "RECTIFYING"

    gas4 = await publish_list(client, admin, "POST", org.gas, duties="瓦斯检查 v4: 只管二号巷", areas=[area1])
    assert gas4["version"] == 4
    photo = await upload(client, p1, jpeg_bytes())
    await gql(client, RECTIFY, {"input": {"hazardId": hazard["id"], "clientId": str(uuid.uuid4()), "note": "done",
                                          "photoKeys": [photo]}}, token=p1)
    closed = await gql(client, REINSPECT, {"input": {"hazardId": hazard["id"], "passed": True}}, token=officer)
    assert closed["reinspectHazard"]["state"] == "CLOSED"

    trace = (await gql(client, TRACE, {"id": hazard["id"]}, token=mine.token("mine_manager")))["traceability"]
    steps = {t["action"]: [(r["person"]["id"], r["version"], r["step"]) for r in t["listResponsible"]]
             for t in trace}
    assert steps["hazard.reported"] == []
    under_v3 = [(org.id("P1"), 3, 0), (org.id("P2"), 1, 1)]
    assert steps["hazard.triaged"] == under_v3 and steps["hazard.accepted"] == under_v3
    under_v4 = [(org.id("P2"), 1, 0)]  # version 4 drops area 0: the district's list answers first
    assert steps["hazard.rectified"] == under_v4 and steps["hazard.closed"] == under_v4
    assert {t["responsible"]["id"] for t in trace[1:]} == {org.id("P1")}  # the named responsible stays
    assert safety["version"] == 1


async def test_alert_escalation_walks_the_lists_upward(client, platform, make_mine) -> None:
    org = await make_org(client, platform, make_mine)
    admin = org.mine.token("admin")
    alert = await raise_sensor_alert(platform, org.mine.mine_id, org.mine.areas[0])
    async with platform.session_factory() as session:
        assert await escalation_recipients(session, alert, 1) == [org.mine.users["area_manager"].id]  # no list yet
    await publish_list(client, admin, "POST", org.safety, duties="全采区安全", areas=[org.district])
    async with platform.session_factory() as session:
        assert await escalation_recipients(session, alert, 1) == [org.people["P2"].id]  # the district's list
    await publish_list(client, admin, "PERSON", org.id("P1"), duties="本工作面", areas=[str(org.mine.areas[0])])
    async with platform.session_factory() as session:
        assert await escalation_recipients(session, alert, 1) == [org.people["P1"].id]  # the area's own list
        managers = await escalation_recipients(session, alert, 2)
    assert managers == [org.mine.users["mine_manager"].id]


async def test_an_overdue_hazard_escalates_up_the_lists(client, platform, make_mine) -> None:
    from datetime import timedelta

    from backend.database.base import utcnow
    from backend.hazards.models import Hazard

    org = await make_org(client, platform, make_mine)
    mine, admin = org.mine, org.mine.token("admin")
    hazard = await report(client, mine.token("miner"), mine.areas[0])
    await gql(client, TRIAGE, {"input": {"hazardId": hazard["id"], "grade": "GENERAL", "level": "B",
                                         "responsibleId": mine.user_id("team_leader")}},
              token=mine.token("safety_officer"))
    query = "query($id: ID!) { hazard(id: $id) { escalationLevel escalatedTo { id } } }"

    async def overdue_by(steps: int) -> dict:  # type: ignore[type-arg]
        """Deadlines one hour long, `steps` of them elapsed (half an hour into the last)."""
        async with platform.session_factory() as session:
            row = await session.get(Hazard, uuid.UUID(hazard["id"]))
            row.deadline = utcnow() - timedelta(hours=steps - 1, minutes=30)
            row.assigned_at = row.deadline - timedelta(hours=1)
            await session.commit()
        return (await gql(client, query, {"id": hazard["id"]}, token=mine.token("mine_manager")))["hazard"]

    first = await overdue_by(1)
    assert first["escalationLevel"] == 1
    assert first["escalatedTo"]["id"] == mine.user_id("area_manager")  # no list yet: the area's manager
    await publish_list(client, admin, "POST", org.gas, duties="瓦斯", areas=[str(mine.areas[0])], levels=["B"])
    await publish_list(client, admin, "POST", org.safety, duties="采区", areas=[org.district])
    assert (await overdue_by(1))["escalatedTo"]["id"] == org.id("P1")  # the area's own list
    second = await overdue_by(2)
    assert second["escalationLevel"] == 2 and second["escalatedTo"]["id"] == org.id("P2")  # the district's list
    third = await overdue_by(3)
    assert third["escalationLevel"] == 3
    assert third["escalatedTo"]["id"] == mine.user_id("mine_manager")  # then the mine's managers


async def test_a_list_names_only_risk_points_of_its_own_mine(client, platform, make_mine) -> None:
    org = await make_org(client, platform, make_mine)
    other = await make_mine()
    admin, area0 = org.mine.token("admin"), str(org.mine.areas[0])
    own = (await create_point(client, org.mine.token("safety_officer"), area0, "RP-OWN"))["id"]
    foreign = (await create_point(client, other.token("safety_officer"), str(other.areas[0]), "RP-FOREIGN"))["id"]
    draft = (await gql(client, DRAFT, {"kind": "POST", "id": org.gas}, token=admin))["draftResponsibilityList"]
    for bad in ([foreign], [str(uuid.uuid4())], ["RP-OWN"], [own, "x" * 5000]):
        refused = (await gql(client, EDIT, {"input": {"listId": draft["id"], "duties": "d", "riskPointIds": bad}},
                             token=admin))["editResponsibilityList"]
        assert (refused["__typename"], refused["field"]) == ("ValidationFailed", "riskPointIds"), (bad, refused)
    kept = (await gql(client, EDIT, {"input": {"listId": draft["id"], "duties": "d", "riskPointIds": [own, own]}},
                      token=admin))["editResponsibilityList"]
    assert kept["riskPointIds"] == [own], kept
    named = await gql(client, "mutation($input: EditResponsibilityListInput!) { editResponsibilityList(input: "
                      "$input) { ... on ResponsibilityList { riskPoints { id code } } } }",
                      {"input": {"listId": draft["id"], "duties": "d", "riskPointIds": [own]}}, token=admin)
    assert named["editResponsibilityList"]["riskPoints"] == [{"id": own, "code": "RP-OWN"}]
