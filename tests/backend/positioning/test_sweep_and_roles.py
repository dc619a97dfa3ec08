"""超时 and lost contact through the sweep; every positioning mutation and query under the wrong role and the
wrong mine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.accounts.models import DeviceKind
from backend.positioning.tasks import sweep_once
from tests.backend.positioning.api import (
    ALERTS,
    FLAGGED,
    HISTORY,
    ISSUE_TAG,
    OCCUPANCY,
    PEOPLE_IN_AREA,
    RETURN_TAG,
    SAVE_READER,
    SET_AREA,
    SETTINGS,
    ingest,
    lay_out,
    sighting,
)
from tests.conftest import gql


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def _alerts(client, mine) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    edges = (await gql(client, ALERTS, token=mine.token("safety_officer")))["alerts"]["edges"]
    return {e["node"]["sourceRef"].split(":")[0]: e["node"] for e in edges}


async def test_overtime_and_lost_contact_raise_once_and_resolve(client, make_mine, platform) -> None:
    mine = await make_mine()
    await lay_out(platform, mine)
    bridge = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    changed = await gql(client, SETTINGS, {"input": {"shiftHours": 2, "silenceMinutes": 10}},
                        token=mine.token("admin"))
    assert changed["updatePositioningSettings"]["shiftHours"] == 2.0
    t0 = now() - timedelta(hours=3)
    await ingest(client, bridge, [sighting("T-miner", "R0", t0),
                                  sighting("T-miner", "R0", now() - timedelta(minutes=30))], seq=1)
    await ingest(client, bridge, [sighting("T-miner2", "R1", now() - timedelta(minutes=1))], seq=2)
    assert await sweep_once(platform, mine_id=mine.mine_id) == (1, 1)
    assert await sweep_once(platform, mine_id=mine.mine_id) == (0, 0)  # once: the flags remember
    alerts = await _alerts(client, mine)
    assert set(alerts) == {"overtime", "silent"}
    assert alerts["overtime"]["severity"] == "WARNING" and alerts["silent"]["severity"] == "ALARM"
    assert alerts["silent"]["area"]["id"] == str(mine.areas[0])
    # seen again: the lost contact resolves; up at the surface: the overtime resolves on the next sweep
    await ingest(client, bridge, [sighting("T-miner", "RS", now() - timedelta(seconds=5))], seq=3)
    await sweep_once(platform, mine_id=mine.mine_id)
    alerts = await _alerts(client, mine)
    assert alerts["silent"]["state"] == alerts["overtime"]["state"] == "RESOLVED"


async def test_wrong_roles_are_refused(client, make_mine, platform) -> None:
    mine = await make_mine()
    layout = await lay_out(platform, mine)
    bridge = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await ingest(client, bridge, [sighting("T-miner", "R0", now() - timedelta(minutes=1))])
    for who in ("miner", "safety_officer", "area_manager", "mine_manager"):
        token = mine.token(who)
        tag = (await gql(client, ISSUE_TAG, {"input": {"tagCode": "T-new", "userId": mine.user_id("admin")}},
                         token=token))["issueTag"]
        assert tag["__typename"] == "NotAllowed", (who, tag)
        assert (await gql(client, RETURN_TAG, {"code": "T-miner"}, token=token))["returnTag"]["__typename"] \
            == "NotAllowed"
        reader = await gql(client, SAVE_READER, {"input": {"code": "R9", "areaId": str(mine.areas[0])}}, token=token)
        assert reader["savePositionReader"]["__typename"] == "NotAllowed"
        area = await gql(client, SET_AREA, {"input": {"areaId": str(mine.areas[0]), "personLimit": 3}}, token=token)
        assert area["setAreaPositioning"]["__typename"] == "NotAllowed"
        settings = await gql(client, SETTINGS, {"input": {"shiftHours": 9}}, token=token)
        assert settings["updatePositioningSettings"]["__typename"] == "NotAllowed"
        for query in ("{ tagIssues { tagCode } }", "{ positionReaders { code } }"):
            body = await gql(client, query, token=token, expect_errors=True)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (who, body)
    # a person (even the admin) cannot send sightings; a bridge cannot use the registry or read whereabouts
    person = await ingest(client, mine.token("admin"), [sighting("T-miner", "R0", now())])
    assert person["__typename"] == "NotAllowed"
    camera = await ingest(client, mine.device_tokens[DeviceKind.CAMERA], [sighting("T-miner", "R0", now())])
    assert camera["__typename"] == "NotAllowed"
    body = await gql(client, PEOPLE_IN_AREA, {"area": str(mine.areas[0])}, token=bridge, expect_errors=True)
    assert body["errors"]
    # a miner sees their own area, not another one, nor the mine's occupancy, flags or others' history
    own = (await gql(client, PEOPLE_IN_AREA, token=mine.token("miner")))["peopleInArea"]
    assert own["count"] == 1
    for query, variables in ((PEOPLE_IN_AREA, {"area": str(mine.areas[2])}), (OCCUPANCY, {}), (FLAGGED, {}),
                             (HISTORY, {"user": mine.user_id("miner2")}), (HISTORY, {"area": str(layout.surface)})):
        body = await gql(client, query, variables, token=mine.token("miner"), expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (query, body)
    others = (("query($u: ID!) { personPosition(userId: $u) { since } }", {"u": mine.user_id("miner2")}),
              ("{ positioningSettings { shiftHours } }", {}))
    for query, variables in others:
        body = await gql(client, query, variables, token=mine.token("miner"), expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (query, body)
    own = await gql(client, "query($u: ID!) { personPosition(userId: $u) { area { id } } }",
                    {"u": mine.user_id("miner")}, token=mine.token("miner"))
    assert own["personPosition"]["area"]["id"] == str(mine.areas[0])
    occupancy = (await gql(client, OCCUPANCY, token=mine.token("area_manager")))["areaOccupancy"]
    assert occupancy[0]["count"] == 1 and occupancy[0]["area"]["id"] == str(mine.areas[0])


async def test_another_mine_is_out_of_reach(client, make_mine, platform) -> None:
    mine, other = await make_mine(), await make_mine()
    await lay_out(platform, mine)
    await lay_out(platform, other)
    admin = other.token("admin")
    tag = (await gql(client, ISSUE_TAG, {"input": {"tagCode": "T-x", "userId": mine.user_id("miner")}},
                     token=admin))["issueTag"]
    assert tag["__typename"] == "ValidationFailed" and tag["field"] == "userId"
    reader = await gql(client, SAVE_READER, {"input": {"code": "R9", "areaId": str(mine.areas[0])}}, token=admin)
    assert reader["savePositionReader"]["__typename"] == "ValidationFailed"
    area = await gql(client, SET_AREA, {"input": {"areaId": str(mine.areas[0]), "personLimit": 3}}, token=admin)
    assert area["setAreaPositioning"]["__typename"] == "ValidationFailed"
    # the other mine's bridge sighting this mine's tags and readers: they are unknown there
    foreign = await ingest(client, other.device_tokens[DeviceKind.SENSOR_BRIDGE],
                           [sighting("T-zzz", "R-none", now() - timedelta(seconds=5))])
    assert foreign["rejectedByReason"] == ["UNKNOWN_READER=1"]
    await ingest(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE],
                 [sighting("T-miner", "R0", now() - timedelta(seconds=5))])
    looked = (await gql(client, PEOPLE_IN_AREA, {"area": str(mine.areas[0])},
                        token=other.token("mine_manager")))["peopleInArea"]
    assert looked is None
    history = (await gql(client, HISTORY, {"user": mine.user_id("miner")},
                         token=other.token("mine_manager")))["positionHistory"]
    assert history == []
    position = await gql(client, "query($u: ID!) { personPosition(userId: $u) { since } }",
                         {"u": mine.user_id("miner")}, token=other.token("mine_manager"))
    assert position["personPosition"] is None
    tags = (await gql(client, "{ tagIssues { tagCode person { id } } }", token=admin))["tagIssues"]
    assert {t["person"]["id"] for t in tags}.isdisjoint({mine.user_id(w) for w in ("miner", "miner2")})
    assert (await gql(client, RETURN_TAG, {"code": "T-miner"}, token=admin))["returnTag"]["__typename"] == "TagIssue"
    # returning their own T-miner leaves this mine's T-miner issued
    still = (await gql(client, "{ tagIssues { tagCode } }", token=mine.token("admin")))["tagIssues"]
    assert "T-miner" in {t["tagCode"] for t in still}
