"""Shared set-up of the drill tests: a mine whose unit tree has the demo model's areas, its sensors registered,
the model imported; GraphQL documents."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from backend.org import service as org_service
from backend.org.models import AreaKind
from tests.backend.sensors.api import SAVE_ZONE, add_sensor
from tests.backend.vision.api import WHOLE, define_zone, register_camera
from tests.conftest import MineFixture, gql

EXAMPLES = Path(__file__).parents[2] / "backend" / "drills" / "examples"
DEMO_MODEL = (EXAMPLES / "demo_mine.yaml").read_text()
AREA_CODES = ["SHAFT", "INT1", "WF1", "WF1-RET", "HEAD1", "REFUGE", "J1", "RET", "UPCAST"]
#: (code, kind, area code, location type, power zone)
SENSORS = [("WF1-CH4-01", "CH4", "WF1", "WORKING_FACE", "wf1"),
           ("WF1-CH4-02", "CH4", "WF1-RET", "WORKING_FACE_RETURN", "wf1"),
           ("HEAD1-CH4-01", "CH4", "HEAD1", "HEADING_FACE", None),
           ("J1-CH4-01", "CH4", "J1", "ROADWAY", None),
           ("J1-CO-01", "CO", "J1", "ROADWAY", None),
           ("WF1-RS-01", "ROOF_SEPARATION", "WF1", "WORKING_FACE", None)]

NETWORK_RESULT = """__typename ... on MineNetwork { version areas { id safe downstream } roadways { fromArea toArea
  flowM3S delayS } devices { id kind area } document }
  ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }"""
IMPORT = "mutation($d: String!) { importMineNetwork(document: $d) { " + NETWORK_RESULT + " } }"
SET_ROADWAY = "mutation($i: RoadwayInput!) { setRoadway(input: $i) { " + NETWORK_RESULT + " } }"
DRILL_FIELDS = """id code name state speed startedAt finishedAt score readingsTopic reportUrl
  results { kind after withinS seconds who met note points earned }"""
DRILL_RESULT = "__typename ... on Drill { " + DRILL_FIELDS + """ }
  ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }
  ... on InvalidTransition { message currentState }"""
PLAN = "mutation($i: PlanDrillInput!) { planDrill(input: $i) { " + DRILL_RESULT + " } }"
START = "mutation($id: ID!) { startDrill(id: $id) { " + DRILL_RESULT + " } }"
FINISH = "mutation($id: ID!) { finishDrill(id: $id) { " + DRILL_RESULT + " } }"
RESPOND = """mutation($d: ID!, $k: DrillEventKind!) { reportDrillResponse(drillId: $d, kind: $k) { __typename
  ... on DrillEventRecorded { kind at } ... on NotAllowed { message } ... on InvalidTransition { message }
  ... on NotFound { message } ... on ValidationFailed { message } } }"""
DRILLS = "{ drills { " + DRILL_FIELDS + " } }"
DRILL = """query($id: ID!) { drill(id: $id) { id code network scenarioDocument
  positions { tagCode startArea area lastSeenAt safeAt } } }"""
MY_DRILLS = "{ myDrills { task drill { " + DRILL_FIELDS + " } } }"
ACK = """mutation($i: AcknowledgeAlertInput!) { acknowledgeAlert(input: $i) {
  __typename ... on Alert { id isDrill } } }"""


async def mine_with_model(http: httpx.AsyncClient, make_mine, platform, *, sensors: bool = True  # type: ignore[no-untyped-def]
                          ) -> tuple[MineFixture, dict[str, uuid.UUID]]:
    """A fresh mine with the demo model's areas (by code), its sensors registered, the model imported."""
    mine = await make_mine()
    async with platform.session_factory() as session:
        areas = {}
        for code in AREA_CODES:
            area = await org_service.create_area(session=session, mine_id=mine.mine_id, name=f"{code} area",
                                                 kind=AreaKind.WORKING_FACE if code == "WF1" else AreaKind.ROADWAY)
            area.code = code
            areas[code] = area.id
        await session.commit()
    base = len(mine.areas)
    mine.areas.extend(areas.values())
    if sensors:
        zone = (await gql(http, SAVE_ZONE, {"input": {"name": "wf1"}}, token=mine.token("admin")))["savePowerZone"]
        for code, kind, area, location, power in SENSORS:
            await add_sensor(http, mine, code, kind, area=base + AREA_CODES.index(area), location=location,
                             zone_id=zone["id"] if power else None)
    result = (await gql(http, IMPORT, {"d": DEMO_MODEL}, token=mine.token("admin")))["importMineNetwork"]
    assert result["__typename"] == "MineNetwork", result
    return mine, areas


async def plan(http: httpx.AsyncClient, mine: MineFixture, scenario: str, *, speed: float = 1.0,
               participants: list[dict[str, Any]] | None = None, who: str = "safety_officer") -> dict[str, Any]:
    variables = {"i": {"scenario": scenario, "speed": speed, "participants": participants or []}}
    return (await gql(http, PLAN, variables, token=mine.token(who)))["planDrill"]


async def register_drill_camera(http: httpx.AsyncClient, mine: MineFixture, area_id: uuid.UUID,
                                code: str = "CAM-WF1") -> None:
    """One of the mine's cameras, watching its whole view for a person lying (NO_LYING)."""
    camera = await register_camera(http, mine.token("admin"), area_id, kind="CAMERA", code=code)
    assert camera["__typename"] == "Camera", camera
    zone = await define_zone(http, mine.token("admin"), camera["id"], rule="NO_LYING", points=WHOLE, name="walkway")
    assert zone["__typename"] == "DangerZone", zone
