"""Set-up and GraphQL operations shared by the positioning tests (and the benchmark)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import update

from backend.org.models import Area, AreaKind
from backend.platform import Platform
from backend.positioning import flows
from tests.conftest import MineFixture, gql

INGEST = """mutation($input: SightingBatchInput!) { ingestSightingBatch(input: $input) { __typename
  ... on SightingBatchAccepted { batchId bridgeSeq duplicate stored rejected flagged moves rejectedByReason }
  ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""
PEOPLE_IN_AREA = """query($area: ID) { peopleInArea(areaId: $area) { count limit overLimit area { id name }
  people { person { id displayName } since lastSeenAt tagCode area { id } } } }"""
OCCUPANCY = "{ areaOccupancy { count limit overLimit area { id name } } }"
HISTORY = """query($user: ID, $area: ID) { positionHistory(userId: $user, areaId: $area) {
  enteredAt leftAt person { id } area { id } } }"""
FLAGGED = "{ flaggedSightings { tagCode readerCode reason detail person { id } fromArea { id } toArea { id } } }"
EVACUATION_FIELDS = """id alertId startedAt total safe remaining areas { id }
  people { person { id displayName } startArea { id } lastArea { id name } safe safeAt lastSeenAt }"""
ALERT_EVACUATION = "query($id: ID!) { alert(id: $id) { id evacuation { " + EVACUATION_FIELDS + " } } }"
ISSUE_TAG = """mutation($input: IssueTagInput!) { issueTag(input: $input) { __typename
  ... on TagIssue { tagCode person { id } issuedAt returnedAt }
  ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field } } }"""
RETURN_TAG = """mutation($code: String!) { returnTag(tagCode: $code) { __typename
  ... on TagIssue { tagCode returnedAt } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field } } }"""
SAVE_READER = """mutation($input: SaveReaderInput!) { savePositionReader(input: $input) { __typename
  ... on PositionReader { id code area { id } } ... on NotAllowed { message }
  ... on ValidationFailed { message field } } }"""
SET_AREA = """mutation($input: SetAreaPositioningInput!) { setAreaPositioning(input: $input) { __typename
  ... on Area { id personLimit restricted safe } ... on NotAllowed { message }
  ... on ValidationFailed { message field } } }"""
SETTINGS = """mutation($input: PositioningSettingsInput!) { updatePositioningSettings(input: $input) { __typename
  ... on PositioningSettings { shiftHours silenceMinutes maxSpeedMS metresPerMapUnit }
  ... on NotAllowed { message } ... on ValidationFailed { message field } } }"""
ALERTS = """{ alerts(filter: {source: POSITIONING}, first: 50) {
  edges { node { id source sourceRef severity state title area { id } } } } }"""

PEOPLE = ("miner", "miner2", "team_leader", "mentor", "safety_officer")


@dataclass
class Layout:
    """A district (D) holding areas 0 and 1 (face, roadway); area 2 (chamber) on its own; a surface lamp room;
    a reader per area (R0, R1, R2, RS) and a tag per person (T-<who>)."""

    district: uuid.UUID
    surface: uuid.UUID
    readers: dict[str, uuid.UUID]

    def tag(self, who: str) -> str:
        return f"T-{who}"


async def lay_out(platform: Platform, mine: MineFixture) -> Layout:
    async with platform.session_factory() as session:
        district = Area(mine_id=mine.mine_id, name="District D", kind=AreaKind.DISTRICT, map_x=0.0, map_y=0.0)
        surface = Area(mine_id=mine.mine_id, name="Lamp room", kind=AreaKind.SURFACE, map_x=0.0, map_y=20.0)
        session.add_all([district, surface])
        await session.flush()
        places = {0: (0.0, 0.0), 1: (10.0, 0.0), 2: (900.0, 900.0)}  # 10 m per unit: 100 m apart, ~12.7 km away
        for index, (x, y) in places.items():
            await session.execute(update(Area).where(Area.id == mine.areas[index]).values(
                map_x=x, map_y=y, parent_id=district.id if index < 2 else None))
        admin = mine.principal("admin")
        readers = {}
        for code, area_id in (("R0", mine.areas[0]), ("R1", mine.areas[1]), ("R2", mine.areas[2]),
                              ("RS", surface.id)):
            readers[code] = (await flows.save_reader(session, actor=admin, code=code, area_id=area_id)).area_id
        for who in PEOPLE:
            await flows.issue_tag(session, actor=admin, tag_code=f"T-{who}", user_id=mine.users[who].id)
        await session.commit()
        return Layout(district=district.id, surface=surface.id, readers=readers)


def sighting(tag: str, reader: str, ts: datetime) -> dict[str, Any]:
    return {"tagCode": tag, "readerCode": reader, "ts": ts.isoformat()}


async def ingest(http: httpx.AsyncClient, token: str | None, sightings: list[dict[str, Any]], *, seq: int = 1,
                 batch_id: str | None = None, expect_errors: bool = False) -> dict[str, Any]:
    variables = {"input": {"batchId": batch_id or str(uuid.uuid4()), "bridgeSeq": seq, "sightings": sightings}}
    body = await gql(http, INGEST, variables, token=token, expect_errors=expect_errors)
    return body if expect_errors else body["ingestSightingBatch"]
