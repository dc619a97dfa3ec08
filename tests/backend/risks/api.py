"""GraphQL operations and set-up the risk and inspection tests share."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from backend.org.models import PersonRecord, PostHolding
from tests.backend.org.api import CREATE_POST, CREATE_UNIT, MOVE_UNIT
from tests.conftest import gql

ERRORS = """... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }
  ... on InvalidTransition { message currentState }"""
POINT_FIELDS = ("id code name subjectKind level score shownLevel raised raisedCauses assessmentVersion nextReviewDue "
                "reviewState requiredControlLevel area { id } hazardSources { category description }")
POINT = "__typename ... on RiskPoint { " + POINT_FIELDS + " } " + ERRORS
CREATE_POINT = "mutation($input: CreateRiskPointInput!) { createRiskPoint(input: $input) { " + POINT + " } }"
UPDATE_POINT = "mutation($input: UpdateRiskPointInput!) { updateRiskPoint(input: $input) { " + POINT + " } }"
RETIRE_POINT = ("mutation($id: ID!, $reason: String!) { retireRiskPoint(riskPointId: $id, reason: $reason) { "
                + POINT + " } }")
ADD_SOURCE = ("mutation($id: ID!, $source: RiskHazardSourceInput!) { addHazardSource(riskPointId: $id, source: $source)"
              " { " + POINT + " } }")
ASSESS = ("mutation($input: AssessRiskPointInput!) { assessRiskPoint(input: $input) { __typename "
          "... on RiskAssessed { riskPoint { " + POINT_FIELDS + " } assessment { version method reason score level "
          "band assessorName note nextReviewDue likelihood exposure consequence severity } "
          "suggestedMeasures { category kind text } } " + ERRORS + " } }")
MEASURE = ("__typename ... on ControlMeasure { id kind text controlLevel checkFrequency fitsLevel "
           "responsiblePost { id code } holders { id displayName } } " + ERRORS)
ADD_MEASURE = "mutation($input: AddControlMeasureInput!) { addControlMeasure(input: $input) { " + MEASURE + " } }"
UPDATE_MEASURE = ("mutation($input: UpdateControlMeasureInput!) { updateControlMeasure(input: $input) { "
                  + MEASURE + " } }")
SET_SCHEME = ("mutation($input: SetRiskGradingSchemeInput!) { setRiskGradingScheme(input: $input) { __typename "
              "... on RiskGradingScheme { id effectiveFrom lecBands { above level label } matrix } "
              "... on NotAllowed { message } ... on ValidationFailed { message field } } }")
ADD_TEMPLATE = ("mutation($c: RiskCategory!, $k: MeasureKind!, $t: String!) { addMeasureTemplate(category: $c, "
                "kind: $k, text: $t) { __typename ... on MeasureTemplate { id text } ... on NotAllowed { message } "
                "... on ValidationFailed { message field } } }")
LINK_HAZARD = ("mutation($p: ID!, $h: ID!) { linkHazardToRiskPoint(riskPointId: $p, hazardId: $h) { " + POINT
               + " } }")
GRADE = ("query($g: GradeInput!) { gradeRisk(grade: $g) { __typename ... on RiskGrade { score level band "
         "requiredControlLevel } ... on ValidationFailed { message field } } }")
MAP = ("{ riskMap { areas { area { id name kind mapX mapY parentId } level pointCount raisedCount } } }")
POINT_DETAIL = ("query($id: ID!) { riskPoint(id: $id) { " + POINT_FIELDS + " measures { id text controlLevel "
                "fitsLevel responsiblePost { code } holders { displayName } } openHazards { id state } "
                "responsible { person { id displayName } via postName listVersion } "
                "candidatePosts { post { code } controlLevel namedByList } assessments { version level } } }")


@dataclass
class RiskSetup:
    district: str
    area: str
    mine_post: str
    district_post: str
    team_post: str


async def org_setup(client, platform, mine) -> RiskSetup:  # type: ignore[no-untyped-def]
    """A district holding the mine's first area; a mine post (held by the safety officer), a district post (held by
    the area manager) and a team post of the area (held by the team leader)."""
    admin = mine.token("admin")
    code = uuid.uuid4().hex[:6]
    district = (await gql(client, CREATE_UNIT, {"input": {"code": f"D{code}", "name": f"District {code}",
                                                          "kind": "DISTRICT", "mapX": 0.5, "mapY": 0.5}},
                          token=admin))["createUnit"]
    area = str(mine.areas[0])
    moved = (await gql(client, MOVE_UNIT, {"id": area, "parent": district["id"]}, token=admin))["moveUnit"]
    assert moved["__typename"] == "Area", moved
    posts = []
    for post_code, unit in (("VP", None), ("DM", district["id"]), ("TL", area)):
        created = (await gql(client, CREATE_POST, {"input": {"code": f"{post_code}{code}", "name": post_code,
                                                             "unitId": unit}}, token=admin))["createPost"]
        assert created["__typename"] == "Post", created
        posts.append(created["id"])
    async with platform.session_factory() as session:
        for who, post in (("safety_officer", posts[0]), ("area_manager", posts[1]), ("team_leader", posts[2])):
            user_id = mine.users[who].id
            session.add(PersonRecord(user_id=user_id, mine_id=mine.mine_id, employee_no=f"E-{who}-{code}",
                                     post_id=uuid.UUID(post)))
            session.add(PostHolding(mine_id=mine.mine_id, post_id=uuid.UUID(post), user_id=user_id))
        await session.commit()
    return RiskSetup(district=district["id"], area=area, mine_post=posts[0], district_post=posts[1],
                     team_post=posts[2])


async def create_point(client, token: str, area: str, code: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    variables = {"input": {"areaId": area, "subjectKind": "AREA", "code": code, "name": f"Point {code}",
                           "hazardSources": [{"category": "GAS", "description": "Methane from the goaf"}], **extra}}
    return (await gql(client, CREATE_POINT, variables, token=token))["createRiskPoint"]


async def assess(client, token: str, point: str, **grade: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    method = "LEC" if "exposure" in grade else "MATRIX"
    variables = {"input": {"riskPointId": point, "grade": {"method": method, **grade}, "reason": "ANNUAL"}}
    return (await gql(client, ASSESS, variables, token=token))["assessRiskPoint"]
