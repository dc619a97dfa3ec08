"""Responsibility lists for the app tests, made over the backend's GraphQL API (the admin's client): a district
over area 0, posts, the mine's people given employee numbers and posts by an import, the gas inspector's post
list in versions 1 and 2, a personal list for the miner and the district's safety post."""

from __future__ import annotations

import base64
from typing import Any

from tests.backend.org.api import CREATE_POST, CREATE_UNIT, DRAFT, EDIT, IMPORT_INLINE, MOVE_UNIT, PUBLISH
from tests.backend.risks.api import CREATE_POINT
from tests.conftest import MineFixture
from tests.mobile.training_setup import gql


def publish(server: str, token: str, kind: str, holder: str, duties: str, areas: list[str], levels: list[str],
            risk_points: list[str] = ()) -> str:  # type: ignore[assignment]
    draft = gql(server, DRAFT, {"kind": kind, "id": holder}, token)["draftResponsibilityList"]
    edited = gql(server, EDIT, {"input": {"listId": draft["id"], "duties": duties, "areaIds": areas,
                                          "hazardLevels": levels, "riskPointIds": list(risk_points)}},
                 token)["editResponsibilityList"]
    assert edited["__typename"] == "ResponsibilityList", edited
    published = gql(server, PUBLISH, {"id": draft["id"]}, token)["publishResponsibilityList"]
    assert published["state"] == "PUBLISHED", published
    return str(published["id"])


def set_up(server: str, mine: MineFixture) -> dict[str, Any]:
    admin, manager = mine.token("admin"), mine.token("mine_manager")
    area0, area1 = str(mine.areas[0]), str(mine.areas[1])
    district = gql(server, CREATE_UNIT, {"input": {"code": "D1", "name": "一采区 District 1", "kind": "DISTRICT"}},
                   admin)["createUnit"]["id"]
    for area in (area0, area1):
        gql(server, MOVE_UNIT, {"id": area, "parent": district}, admin)
    posts = {code: gql(server, CREATE_POST, {"input": {"code": code, "name": name, "unitId": unit}},
                       admin)["createPost"]["id"]
             for code, name, unit in (("GAS", "瓦检员 Gas inspector", district),
                                      ("SAFETY", "安全员 Safety man", district))}
    people = ("employee_no,username,name,post,team,roles\n"
              f"E1,{mine.users['miner'].username},miner,GAS,Team 0,miner\n"
              f"E2,{mine.users['safety_officer'].username},safety officer,SAFETY,Team 1,safety_officer\n")
    imported = gql(server, IMPORT_INLINE, {"content": base64.b64encode(people.encode()).decode(), "format": "CSV",
                                           "dry": False}, admin)["importPeopleInline"]
    assert imported["ok"], imported
    gas_point = gql(server, CREATE_POINT, {"input": {
        "areaId": area0, "subjectKind": "AREA", "code": "RP-3101-GAS", "name": "3101 工作面瓦斯 Face methane",
        "hazardSources": [{"category": "GAS", "description": "Methane from the goaf"}]}},
        mine.token("safety_officer"))["createRiskPoint"]["id"]
    publish(server, manager, "POST", posts["GAS"], "每班检查工作面瓦斯三次。\nCheck methane at the face three times "
            "a shift.", [area0], ["C"])
    publish(server, manager, "POST", posts["GAS"], "每班检查工作面及回风巷瓦斯三次，超限立即停工撤人。\nCheck methane "
            "at the face and the return three times a shift; stop work and withdraw people on any excess.",
            [area0, area1], ["B", "C"], [gas_point])
    publish(server, manager, "PERSON", mine.user_id("miner"), "本人为 3101 工作面兼职安全监督员。\nPart-time safety "
            "monitor at the 3101 face.", [area0], ["MAJOR", "A", "B", "C"])
    publish(server, manager, "POST", posts["SAFETY"], "一采区安全巡查。\nSafety rounds in district 1.", [district], [])
    return {"district": district, "posts": posts}
