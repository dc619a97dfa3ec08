"""A drill's sightings: through the bridge's real sighting decoder on the drill topic and the real
``ingestSightingBatch``, into the drill's positioning only — refused by reason when hostile, never a real position."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.positioning import flows as positioning_flows
from backend.positioning.models import PersonPosition
from sensors.bridge import SensorBridge
from sensors.buffer import BridgeStore
from sensors.demo import demo_config
from tests.backend.positioning.api import OCCUPANCY, ingest, sighting
from tests.conftest import gql
from tests.drills.setup import DRILL, FINISH, START, mine_with_model, plan

SCENARIO = """name: positions
duration_s: 600
people:
  - {area: WF1, count: 2}
events:
  - {id: gas, at_s: 0, kind: METHANE_RISE, area: WF1, rate_m3_s: 0.4}
responses:
  - {kind: EVACUATE, after: gas, within_s: 600}
"""


def drill_sighting(tag: str, reader: str, ts: datetime, drill: str) -> dict[str, object]:
    return {**sighting(tag, reader, ts), "drillId": drill}


async def test_drill_sightings_locate_the_drill_people_and_refuse_the_rest(client: httpx.AsyncClient, make_mine,
                                                                          platform) -> None:
    mine, areas = await mine_with_model(client, make_mine, platform, sensors=False)
    other, _ = await mine_with_model(client, make_mine, platform, sensors=False)
    async with platform.session_factory() as session:  # a real reader and a real tag with the drill's codes
        admin = mine.principal("admin")
        await positioning_flows.save_reader(session, actor=admin, code="R-WF1", area_id=areas["WF1"])
        await positioning_flows.issue_tag(session, actor=admin, tag_code="WF1-1", user_id=mine.users["miner"].id)
        await session.commit()
    drill = await plan(client, mine, SCENARIO)
    code = drill["code"]
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    now = datetime.now(UTC) - timedelta(seconds=30)
    before = await ingest(client, token, [drill_sighting("WF1-1", "R-WF1", now, code)], seq=1)
    assert before["rejectedByReason"] == ["DRILL_NOT_RUNNING=1"]  # planned, not running
    await gql(client, START, {"id": drill["id"]}, token=mine.token("safety_officer"))
    start = datetime.now(UTC)
    good = [drill_sighting("WF1-1", "R-WF1", start, code), drill_sighting("WF1-2", "R-WF1", start, code)]
    hostile = [drill_sighting("WF1-1", "R-WF1", start, code),                            # repeated in the batch
               drill_sighting("WF1-9", "R-WF1", start, code),                            # not a person of the drill
               drill_sighting("WF1-2", "R-NOPE", start, code),                           # not a reader of the model
               drill_sighting("WF1-2", "R-WF1", start + timedelta(hours=1), code),       # too far ahead
               drill_sighting("WF1-2", "R-WF1", start, "d" + "x" * 300),                 # no such drill
               drill_sighting("WF1-2", "R-WF1", start, "' OR 1=1 --")]
    result = await ingest(client, token, good + hostile, seq=2)
    assert (result["stored"], result["moves"], result["rejected"]) == (2, 2, 6)
    assert result["rejectedByReason"] == ["DRILL_NOT_RUNNING=2", "IN_THE_FUTURE=1", "REPEATED=1",
                                          "UNKNOWN_READER=1", "UNKNOWN_TAG=1"]
    # out of order, then the way out: WF1-1 sighted at the refuge
    later = start + timedelta(seconds=5)
    moved = await ingest(client, token, [drill_sighting("WF1-1", "R-WF1", start - timedelta(seconds=5), code),
                                         drill_sighting("WF1-1", "R-REFUGE", later, code)], seq=3)
    assert moved["rejectedByReason"] == ["OUT_OF_ORDER=1"] and moved["moves"] == 1
    # the other mine's bridge naming this drill: not a drill of its mine
    foreign = await ingest(client, other.device_tokens[DeviceKind.SENSOR_BRIDGE],
                           [drill_sighting("WF1-2", "R-WF1", later, code)], seq=1)
    assert foreign["rejectedByReason"] == ["DRILL_NOT_RUNNING=1"]

    shown = (await gql(client, DRILL, {"id": drill["id"]}, token=mine.token("safety_officer")))["drill"]
    positions = {p["tagCode"]: p for p in shown["positions"]}
    assert {t: (p["startArea"], p["area"], p["safeAt"] is not None) for t, p in positions.items()} == {
        "WF1-1": ("WF1", "REFUGE", True), "WF1-2": ("WF1", "WF1", False)}
    # never a real position nor a real headcount, though a real tag and reader have the same codes
    async with platform.session_factory() as session:
        assert (await session.scalars(select(PersonPosition).where(PersonPosition.mine_id == mine.mine_id))
                ).all() == []
    occupancy = (await gql(client, OCCUPANCY, token=mine.token("admin")))["areaOccupancy"]
    assert all(row["count"] == 0 for row in occupancy)
    finished = (await gql(client, FINISH, {"id": drill["id"]}, token=mine.token("safety_officer")))["finishDrill"]
    [evacuate] = finished["results"]
    assert not evacuate["met"] and evacuate["note"] == "1 of 2 people of J1, RET, UPCAST, WF1, WF1-RET never sighted " \
                                                       "in a safe area"


def test_the_bridge_judges_drill_sightings_on_the_drill_tags(tmp_path: Path) -> None:
    """The drill topic through the real decoder: the same per-tag rules on the drill's own tags, forwarded marked
    with the drill; malformed messages counted, nothing of them forwarded."""
    bridge = SensorBridge(config=demo_config(), store=BridgeStore(tmp_path / "b.sqlite"), backend=None)
    now = datetime.now(UTC)
    topic = "minesafe/demo/drills/d123/sighting"

    def send(payload: object, to: str = topic) -> None:
        bridge._handle(to, json.dumps(payload).encode())

    bridge._handle("minesafe/demo/position/R1/sighting",
                   json.dumps({"sightings": [{"tag": "T1", "ts": now.isoformat()}]}).encode())
    send({"reader": "R-WF1", "sightings": [{"tag": "T1", "ts": (now - timedelta(seconds=9)).isoformat()}]})
    send({"reader": "R-WF1", "sightings": [{"tag": "T1", "ts": (now - timedelta(seconds=9)).isoformat()}]})
    send({"reader": "R-WF1", "sightings": [{"tag": "T1", "ts": (now - timedelta(seconds=20)).isoformat()}]})
    send({"reader": "R-WF1", "sightings": [{"tag": "T2", "ts": (now + timedelta(hours=1)).isoformat()}]})
    # the real T1 is newer than the drill's: the drill's own tags decide (not dropped as out of order)
    assert [(s.tag, s.drill_id) for s in bridge._pending.sightings] == [("T1", None), ("T1", "d123")]
    assert bridge.stats["drill_sightings_replayed"] == 1 and bridge.stats["drill_sightings_out_of_order"] == 1
    assert bridge.stats["drill_sightings_ahead"] == 1 and bridge.stats["sightings_in"] == 1
    for bad in ({"sightings": [{"tag": "T1", "ts": now.isoformat()}]},                       # no reader
                {"reader": "R 1", "sightings": [{"tag": "T1", "ts": now.isoformat()}]},      # bad reader id
                {"reader": "R1", "sightings": []},                                          # nothing seen
                {"reader": "R1", "sightings": [{"tag": "T1", "ts": "2026-12-04T10:00:00"}]},  # no timezone
                {"reader": "R1", "extra": 1, "sightings": [{"tag": "T1", "ts": now.isoformat()}]},
                ["not", "a", "mapping"]):
        send(bad)
    send({"reader": "R1", "sightings": [{"tag": "T9", "ts": now.isoformat()}]}, "minesafe/demo/drills/bad!/sighting")
    assert bridge.stats["malformed"] == 7 and len(bridge._pending.sightings) == 2
