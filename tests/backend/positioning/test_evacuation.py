"""Evacuation lists: an alarm or power cut in an area lists the people in the affected areas (the area and its
district's other areas) at that moment and follows them out; the list updates live on its subscription."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from backend.accounts.models import DeviceKind
from backend.org.models import AreaKind
from backend.positioning import flows, rules
from backend.positioning.rules import AreaBrief
from tests.backend.positioning.api import ALERT_EVACUATION, EVACUATION_FIELDS, SET_AREA, ingest, lay_out, sighting
from tests.backend.sensors.api import add_sensor, change
from tests.backend.sensors.api import ingest as ingest_readings
from tests.conftest import gql
from tests.ws_client import subscribe

LIVE = "subscription($id: ID!) { evacuation(alertId: $id) { " + EVACUATION_FIELDS + " } }"
SENSOR_ALERTS = "{ alerts(filter: {source: SENSOR}, first: 10) { edges { node { id title area { id } } } } }"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_affected_areas_are_the_area_and_its_district_siblings() -> None:
    import uuid

    district, other = uuid.uuid4(), uuid.uuid4()
    face, road, refuge, alone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    areas = {district: AreaBrief(district, AreaKind.DISTRICT, None), other: AreaBrief(other, AreaKind.DISTRICT, None),
             face: AreaBrief(face, AreaKind.WORKING_FACE, district), road: AreaBrief(road, AreaKind.ROADWAY, district),
             refuge: AreaBrief(refuge, AreaKind.CHAMBER, district, safe=True),
             alone: AreaBrief(alone, AreaKind.CHAMBER, None)}
    assert rules.area_and_district_siblings(face, areas) == {face, road}  # the refuge is safe: nobody leaves it
    assert rules.area_and_district_siblings(alone, areas) == {alone}
    assert flows.affected_areas is rules.area_and_district_siblings  # the replaceable hook


async def _alarm(http: httpx.AsyncClient, mine, seq: int, event: str = "LEVEL_CHANGED") -> str:  # type: ignore[no-untyped-def]
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    result = await ingest_readings(http, token, seq=seq, readings=[], changes=[
        change("CH4-1", event, "ALARM", 1.6, now() - timedelta(seconds=1))])
    assert result["alertsRaised"] == 1, result
    alerts = (await gql(http, SENSOR_ALERTS, token=token.replace("x", "x") and mine.token("safety_officer")))
    return alerts["alerts"]["edges"][0]["node"]["id"]


async def test_an_alarm_lists_the_affected_people_and_follows_them_out(live_server, make_mine, platform) -> None:
    mine = await make_mine()
    layout = await lay_out(platform, mine)
    bridge = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await add_sensor(http, mine, "CH4-1", area=0)
        t0 = now() - timedelta(minutes=10)
        await ingest(http, bridge, [sighting("T-miner", "R0", t0), sighting("T-miner2", "R1", t0),
                                    sighting("T-mentor", "R2", t0), sighting("T-team_leader", "RS", t0)], seq=1)
        alert_id = await _alarm(http, mine, seq=1)
        listed = (await gql(http, ALERT_EVACUATION, {"id": alert_id}, token=mine.token("miner")))["alert"]
        evacuation = listed["evacuation"]
        assert {a["id"] for a in evacuation["areas"]} == {str(mine.areas[0]), str(mine.areas[1])}
        people = {p["person"]["id"]: p for p in evacuation["people"]}
        assert set(people) == {mine.user_id("miner"), mine.user_id("miner2")}  # not area 2, not the surface
        assert (evacuation["total"], evacuation["safe"], evacuation["remaining"]) == (2, 0, 2)
        assert people[mine.user_id("miner2")]["startArea"]["id"] == str(mine.areas[1])

        async with subscribe(live_server.ws_url, LIVE, {"id": alert_id}, token=mine.token("safety_officer")) as feed:
            first = (await feed.next())["data"]["evacuation"]
            assert first["remaining"] == 2
            t1 = now() - timedelta(seconds=120)
            await ingest(http, bridge, [sighting("T-miner", "R1", t1)], seq=2)  # moving out, not safe yet
            moved = (await feed.next())["data"]["evacuation"]
            person = next(p for p in moved["people"] if p["person"]["id"] == mine.user_id("miner"))
            assert person["lastArea"]["id"] == str(mine.areas[1]) and person["safe"] is False
            await ingest(http, bridge, [sighting("T-miner", "RS", t1 + timedelta(seconds=60))], seq=3)
            safe = (await feed.next())["data"]["evacuation"]
            assert (safe["safe"], safe["remaining"]) == (1, 1)
            person = next(p for p in safe["people"] if p["person"]["id"] == mine.user_id("miner"))
            assert person["safe"] is True and person["lastArea"]["id"] == str(layout.surface)
            assert safe["people"][0]["person"]["id"] == mine.user_id("miner2")  # those not yet safe first
        # someone entering the area after the alarm is not on the list (the list is of that moment)
        await ingest(http, bridge, [sighting("T-mentor", "R0", now())], seq=4)
        again = (await gql(http, ALERT_EVACUATION, {"id": alert_id}, token=mine.token("safety_officer")))
        assert again["alert"]["evacuation"]["total"] == 2
        # once the alert is resolved the list is final: later moves no longer change it
        resolved = await gql(http, "mutation($id: ID!) { resolveAlert(input: {alertId: $id, note: \"clear\"}) "
                                   "{ __typename } }", {"id": alert_id}, token=mine.token("safety_officer"))
        assert resolved["resolveAlert"]["__typename"] == "Alert"
        await ingest(http, bridge, [sighting("T-miner2", "RS", now())], seq=5)
        final = (await gql(http, ALERT_EVACUATION, {"id": alert_id}, token=mine.token("safety_officer")))
        assert final["alert"]["evacuation"]["safe"] == 1


async def test_a_power_cut_lists_people_and_an_area_marked_safe_counts(live_server, make_mine, platform) -> None:
    mine = await make_mine()
    await lay_out(platform, mine)
    bridge = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        await add_sensor(http, mine, "CH4-1", area=1)
        await gql(http, SET_AREA, {"input": {"areaId": str(mine.areas[2]), "safe": True}}, token=mine.token("admin"))
        t0 = now() - timedelta(hours=3)
        await ingest(http, bridge, [sighting("T-miner", "R0", t0)], seq=1)
        alert_id = await _alarm(http, mine, seq=1, event="POWER_CUT")
        evacuation = (await gql(http, ALERT_EVACUATION, {"id": alert_id},
                                token=mine.token("mine_manager")))["alert"]["evacuation"]
        assert evacuation["total"] == 1 and evacuation["people"][0]["startArea"]["id"] == str(mine.areas[0])
        await ingest(http, bridge, [sighting("T-miner", "R2", now() - timedelta(seconds=2))], seq=2)  # refuge
        evacuation = (await gql(http, ALERT_EVACUATION, {"id": alert_id},
                                token=mine.token("mine_manager")))["alert"]["evacuation"]
        assert evacuation["safe"] == 1 and evacuation["people"][0]["safe"] is True
        # another mine cannot see it
        other = await make_mine()
        foreign = await gql(http, ALERT_EVACUATION, {"id": alert_id}, token=other.token("mine_manager"))
        assert foreign["alert"] is None
