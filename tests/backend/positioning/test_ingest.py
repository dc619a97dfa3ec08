"""ingestSightingBatch: positions and stays move; malformed, replayed, out-of-order and future-dated sightings
are refused (counted, never failing the batch); an impossible jump is flagged, not trusted; presence changes are
published; the exceptions (超员, 限制区域) go through the shared alerting."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from backend.accounts.models import DeviceKind
from backend.positioning import service
from backend.positioning.events import PresenceChanged, channel_for
from backend.positioning.models import Stay
from tests.backend.positioning.api import (
    ALERTS,
    FLAGGED,
    HISTORY,
    PEOPLE_IN_AREA,
    SET_AREA,
    ingest,
    lay_out,
    sighting,
)
from tests.conftest import gql


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def test_sightings_move_people_and_the_permit_api_answers(client, make_mine, platform) -> None:
    mine = await make_mine()
    layout = await lay_out(platform, mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    t0 = now() - timedelta(minutes=5)
    result = await ingest(client, token, [sighting("T-miner", "RS", t0), sighting("T-miner2", "R0", t0),
                                          sighting("T-miner", "R0", t0 + timedelta(seconds=60)),
                                          sighting("T-miner", "R0", t0 + timedelta(seconds=62))])
    assert result["__typename"] == "SightingBatchAccepted", result
    assert (result["stored"], result["rejected"], result["moves"], result["duplicate"]) == (4, 0, 3, False)
    async with platform.session_factory() as session:
        area = await service.current_area(session=session, mine_id=mine.mine_id, user_id=mine.users["miner"].id)
        assert area == mine.areas[0]
        people = await service.people_in_area(session=session, mine_id=mine.mine_id, area_id=mine.areas[0])
        assert people == [mine.users["miner2"].id, mine.users["miner"].id]  # longest there first
        assert await service.current_area(session=session, mine_id=uuid.uuid4(), user_id=mine.users["miner"].id) \
            is None  # another mine's question answers nothing
        assert await service.people_in_area(session=session, mine_id=mine.mine_id, area_id=layout.surface) == []
    occupancy = (await gql(client, PEOPLE_IN_AREA, token=mine.token("miner")))["peopleInArea"]
    assert occupancy["area"]["id"] == str(mine.areas[0]) and occupancy["count"] == 2
    assert {p["person"]["id"] for p in occupancy["people"]} == {mine.user_id("miner"), mine.user_id("miner2")}
    history = (await gql(client, HISTORY, {"user": mine.user_id("miner")}, token=mine.token("miner")))
    stays = history["positionHistory"]
    assert [s["area"]["id"] for s in stays] == [str(mine.areas[0]), str(layout.surface)]
    assert stays[0]["leftAt"] is None and stays[1]["leftAt"] is not None
    by_area = await gql(client, HISTORY, {"area": str(mine.areas[0])}, token=mine.token("safety_officer"))
    assert len(by_area["positionHistory"]) == 2


async def test_refused_sightings_are_counted_by_reason(client, make_mine, platform) -> None:
    mine = await make_mine()
    await lay_out(platform, mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    t0 = now() - timedelta(minutes=2)
    first = await ingest(client, token, [sighting("T-miner", "R0", t0 + timedelta(seconds=30))], seq=1)
    assert first["stored"] == 1
    batch = [
        sighting("T-miner", "R1", t0),  # older than the position: out of order
        sighting("T-miner2", "R0", now() + timedelta(minutes=10)),  # future beyond the allowance
        sighting("T-nobody", "R0", t0),  # a tag issued to nobody
        sighting("T-mentor", "R-unknown", t0),  # an unknown reader
        sighting("T-team_leader", "R0", t0), sighting("T-team_leader", "R0", t0),  # the same twice
    ]
    result = await ingest(client, token, batch, seq=2)
    assert (result["stored"], result["rejected"]) == (1, 5), result
    assert result["rejectedByReason"] == ["IN_THE_FUTURE=1", "OUT_OF_ORDER=1", "REPEATED=1", "UNKNOWN_READER=1",
                                          "UNKNOWN_TAG=1"]
    async with platform.session_factory() as session:
        assert await service.current_area(session=session, mine_id=mine.mine_id,
                                          user_id=mine.users["miner"].id) == mine.areas[0]
        assert await service.current_area(session=session, mine_id=mine.mine_id,
                                          user_id=mine.users["miner2"].id) is None
    # malformed: a time without a zone, a blank batch id, too many sightings
    body = await ingest(client, token, [{"tagCode": "T-miner", "readerCode": "R0", "ts": "2026-01-01T00:00:00"}],
                        expect_errors=True)
    assert body["errors"] and "time zone" in body["errors"][0]["message"]
    blank = await ingest(client, token, [], batch_id=" ")
    assert blank["__typename"] == "ValidationFailed" and blank["field"] == "batchId"
    many = await ingest(client, token, [sighting("T-miner", "R0", t0)] * 10_001)
    assert many["__typename"] == "ValidationFailed" and many["field"] == "sightings"


async def test_a_replayed_batch_applies_nothing_twice(client, make_mine, platform) -> None:
    mine = await make_mine()
    await lay_out(platform, mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    t0 = now() - timedelta(minutes=2)
    batch = [sighting("T-miner", "R0", t0), sighting("T-miner", "R1", t0 + timedelta(seconds=40))]
    batch_id = str(uuid.uuid4())
    first = await ingest(client, token, batch, batch_id=batch_id)
    again = await ingest(client, token, batch, batch_id=batch_id)
    assert first["duplicate"] is False and again["duplicate"] is True
    assert (again["stored"], again["moves"]) == (first["stored"], first["moves"]) == (2, 2)
    racers = await asyncio.gather(*[ingest(client, token, batch, batch_id=str(uuid.UUID(int=7)), seq=2)
                                    for _ in range(3)])
    assert sorted(r["duplicate"] for r in racers) == [False, True, True]
    async with platform.session_factory() as session:
        stays = await session.scalar(select(func.count()).select_from(Stay)
                                     .where(Stay.user_id == mine.users["miner"].id))
    assert stays == 2  # a new batch id with the same sightings: older than (or as old as) the position


async def test_a_jump_between_distant_areas_is_flagged_not_trusted(client, make_mine, platform) -> None:
    mine = await make_mine()
    await lay_out(platform, mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    t0 = now() - timedelta(hours=2)
    await ingest(client, token, [sighting("T-miner", "R0", t0)], seq=1)
    # area 2 is ~12.7 km away: 10 s later is impossible; the neighbour 100 m away 30 s later is fine
    jump = await ingest(client, token, [sighting("T-miner", "R2", t0 + timedelta(seconds=10))], seq=2)
    assert (jump["flagged"], jump["moves"], jump["stored"]) == (1, 0, 0)
    async with platform.session_factory() as session:
        assert await service.current_area(session=session, mine_id=mine.mine_id,
                                          user_id=mine.users["miner"].id) == mine.areas[0]
    flags = (await gql(client, FLAGGED, token=mine.token("safety_officer")))["flaggedSightings"]
    assert len(flags) == 1 and flags[0]["reason"] == "IMPOSSIBLE_JUMP"
    assert flags[0]["fromArea"]["id"] == str(mine.areas[0]) and flags[0]["toArea"]["id"] == str(mine.areas[2])
    near = await ingest(client, token, [sighting("T-miner", "R1", t0 + timedelta(seconds=40))], seq=3)
    assert (near["flagged"], near["moves"]) == (0, 1)
    # an hour later the far area is reachable
    far = await ingest(client, token, [sighting("T-miner", "R2", t0 + timedelta(hours=1))], seq=4)
    assert (far["flagged"], far["moves"]) == (0, 1)


async def test_presence_changes_are_published_after_commit(client, make_mine, platform) -> None:
    mine = await make_mine()
    await lay_out(platform, mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    received: list[PresenceChanged] = []

    async def listen() -> None:
        async for raw in platform.bus.subscribe(channel_for(mine.mine_id)):
            received.append(PresenceChanged.model_validate_json(raw))
            if len(received) == 2:
                return

    task = asyncio.create_task(listen())
    await asyncio.sleep(0.05)
    t0 = now() - timedelta(minutes=1)
    await ingest(client, token, [sighting("T-miner", "R0", t0), sighting("T-miner", "R0", t0 + timedelta(seconds=2)),
                                 sighting("T-miner", "R1", t0 + timedelta(seconds=30))])
    await asyncio.wait_for(task, 5)
    assert [(e.type, e.from_area_id, e.to_area_id) for e in received] == [
        ("positioning.presence_changed", None, mine.areas[0]),
        ("positioning.presence_changed", mine.areas[0], mine.areas[1])]
    assert all(e.mine_id == mine.mine_id and e.user_id == mine.users["miner"].id for e in received)


async def test_overcrowding_and_a_restricted_area_raise_shared_alerts(client, make_mine, platform) -> None:
    mine = await make_mine()
    await lay_out(platform, mine)
    admin, token = mine.token("admin"), mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    limited = await gql(client, SET_AREA, {"input": {"areaId": str(mine.areas[0]), "personLimit": 1}}, token=admin)
    assert limited["setAreaPositioning"]["personLimit"] == 1
    await gql(client, SET_AREA, {"input": {"areaId": str(mine.areas[1]), "restricted": True}}, token=admin)
    t0 = now() - timedelta(minutes=3)
    await ingest(client, token, [sighting("T-miner", "R0", t0), sighting("T-miner2", "R0", t0),
                                 sighting("T-mentor", "R1", t0)], seq=1)
    alerts = [e["node"] for e in (await gql(client, ALERTS, token=mine.token("safety_officer")))["alerts"]["edges"]]
    kinds = sorted(a["sourceRef"].split(":")[0] for a in alerts if a["state"] == "RAISED")
    assert kinds == ["overcrowded", "restricted"], alerts
    crowded = next(a for a in alerts if a["sourceRef"].startswith("overcrowded"))
    assert crowded["area"]["id"] == str(mine.areas[0]) and "2/1" in crowded["title"]
    # one leaves the crowded area, the mentor leaves the restricted one: both alerts resolve
    await ingest(client, token, [sighting("T-miner2", "RS", t0 + timedelta(minutes=1)),
                                 sighting("T-mentor", "R0", t0 + timedelta(minutes=1)),
                                 sighting("T-miner", "RS", t0 + timedelta(minutes=1))], seq=2)
    alerts = [e["node"] for e in (await gql(client, ALERTS, token=mine.token("safety_officer")))["alerts"]["edges"]]
    assert {a["state"] for a in alerts} == {"RESOLVED"}, alerts
