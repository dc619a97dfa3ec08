"""Risk data for the app tests, made over the backend's GraphQL API: a district over the mine's areas (with map
positions), a team post of area 0 held by the team leader, risk points assessed red / orange / yellow / blue with
measures, an alarm raising area 1, and a checklist for the team leader due in eight hours."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.backend.org.api import CREATE_POST, CREATE_UNIT, IMPORT_INLINE, MOVE_UNIT, UPDATE_UNIT
from tests.backend.risks.api import ADD_MEASURE, ASSESS, CREATE_POINT
from tests.conftest import MineFixture
from tests.mobile.training_setup import gql

RAISE = ("mutation($input: RaiseManualAlertInput!) { raiseManualAlert(input: $input) { __typename } }")
SCHEDULE = ("mutation($input: ScheduleInspectionInput!) { scheduleInspection(input: $input) { __typename "
            "... on InspectionCheck { id items { id } } } }")
POINTS = [  # (area index, code, name, category, matrix likelihood × severity, measure)
    (0, "RP-3101-GAS", "3101 工作面瓦斯 Face methane", "GAS", (3, 4),
     "瓦斯传感器与断电正常 Methane sensor and cut-off work"),
    (0, "RP-3101-ROOF", "3101 工作面顶板 Face roof", "ROOF", (2, 2), "支架初撑力达标 Support set pressure to rating"),
    (1, "RP-R2-BELT", "2 号巷胶带运输 Belt haulage", "TRANSPORT", (1, 2), "行人穿反光背心 High-visibility vests"),
    (2, "RP-SUB-HV", "变电所高压 HV switchgear", "ELECTROMECHANICAL", (5, 5), "停送电挂牌 Lock-out tag-out"),
]


def set_up(server: str, mine: MineFixture) -> dict[str, Any]:
    admin, officer = mine.token("admin"), mine.token("safety_officer")
    areas = [str(a) for a in mine.areas]
    district = gql(server, CREATE_UNIT, {"input": {"code": "D1", "name": "一采区 District 1", "kind": "DISTRICT",
                                                   "mapX": 0, "mapY": 0}}, admin)["createUnit"]["id"]
    for index, (area, (x, y)) in enumerate(zip(areas, ((120, 260), (320, 200), (220, 90)), strict=True)):
        gql(server, UPDATE_UNIT, {"input": {"unitId": area, "code": f"A{index}", "mapX": x, "mapY": y}}, admin)
        gql(server, MOVE_UNIT, {"id": area, "parent": district}, admin)
    posts = {code: gql(server, CREATE_POST, {"input": {"code": code, "name": name, "unitId": unit}},
                       admin)["createPost"]["id"]
             for code, name, unit in (("TL0", "班组长 Team leader", areas[0]),
                                      ("DM", "区队长 District manager", district),
                                      ("VP", "安全副矿长 Deputy (safety)", None))}
    people = ("employee_no,username,name,post,team,roles\n"
              f"E1,{mine.users['team_leader'].username},team leader,TL0,Team 0,team_leader|miner\n"
              f"E2,{mine.users['area_manager'].username},area manager,DM,Team 1,area_manager\n"
              f"E3,{mine.users['mine_manager'].username},mine manager,VP,Team 1,mine_manager\n")
    imported = gql(server, IMPORT_INLINE, {"content": base64.b64encode(people.encode()).decode(), "format": "CSV",
                                           "dry": False}, admin)["importPeopleInline"]
    assert imported["ok"], imported
    points = {}
    for area, code, name, category, (likelihood, severity), text in POINTS:
        point = gql(server, CREATE_POINT, {"input": {"areaId": areas[area], "subjectKind": "AREA", "code": code,
                                                     "name": name, "hazardSources": [
                                                         {"category": category, "description": name}]}},
                    officer)["createRiskPoint"]
        done = gql(server, ASSESS, {"input": {"riskPointId": point["id"], "reason": "ANNUAL", "note": "年度辨识",
                                              "grade": {"method": "MATRIX", "likelihood": likelihood,
                                                        "severity": severity}}}, officer)["assessRiskPoint"]
        level = done["riskPoint"]["level"]
        post = {"RED": posts["VP"], "ORANGE": posts["DM"]}.get(level, posts["TL0"] if area == 0 else posts["DM"])
        added = gql(server, ADD_MEASURE, {"input": {"riskPointId": point["id"], "kind": "ENGINEERING", "text": text,
                                                    "responsiblePostId": post}}, officer)["addControlMeasure"]
        assert added["__typename"] == "ControlMeasure", added
        points[code] = point["id"]
    gql(server, RAISE, {"input": {"clientId": str(uuid.uuid4()), "severity": "ALARM", "areaId": areas[1],
                                  "title": "胶带跑偏 Belt off track"}}, officer)
    due = (datetime.now(UTC) + timedelta(hours=8)).isoformat()
    check = gql(server, SCHEDULE, {"input": {"areaId": areas[0], "assigneeId": mine.user_id("team_leader"),
                                             "dueAt": due, "title": "今日排查 3101 工作面 Face 3101 today"}},
                officer)["scheduleInspection"]
    assert check["__typename"] == "InspectionCheck", check
    return {"district": district, "posts": posts, "points": points, "check": check}
