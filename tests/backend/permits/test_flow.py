"""Work permits over GraphQL on SQLite and PostgreSQL: apply → gas test → approvals → start → suspend / resume →
close; wrong roles and mines, the applicant approving, stale gas tests, the guardian's position, expiry."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from backend.audit.models import AuditEntry
from backend.org.models import Post, PostHolding
from backend.permits import interlock
from backend.permits.models import Permit
from tests.backend.api import jpeg_bytes, upload
from tests.backend.permits.api import (
    APPROVE,
    CANCEL,
    CLOSE,
    PERMIT,
    PERMITS,
    REJECT,
    RESUME,
    START,
    SUSPEND,
    apply,
    approve_all,
    hand_test,
    kinds,
    live_permit,
    now,
    place,
    step,
)
from tests.conftest import gql


async def test_kinds_are_seeded_per_mine_with_grades_approvers_and_validity(client, make_mine) -> None:
    mine = await make_mine()
    found = await kinds(client, mine)
    assert set(found) == {"HOT_WORK", "ELECTRICAL_ISOLATION", "ROOF_SUPPORT", "BLASTING", "CONFINED_SPACE",
                          "WORK_AT_HEIGHT"}
    hot = found["HOT_WORK"]
    assert hot["ch4Limit"] == 0.5 and hot["undergroundApprover"] == "mine_manager"
    assert {g["grade"]: g["validityHours"] for g in hot["grades"]} == {"SPECIAL": 8, "FIRST": 8, "SECOND": 72}
    assert "NO_GAS_20M" in {m["code"] for m in hot["measures"]} and hot["name"] == "动火作业"
    assert found["BLASTING"]["blasting"] and found["ELECTRICAL_ISOLATION"]["isolation"]
    other = await make_mine()
    assert {k["id"] for k in (await kinds(client, other)).values()}.isdisjoint({k["id"] for k in found.values()})


async def test_the_whole_flow_with_photos_and_audit(client, make_mine, platform) -> None:
    mine = await make_mine()
    permit = await apply(client, mine, measuresConfirmed=["WATER_SPRAY", "EXTINGUISHERS"])
    assert permit["__typename"] == "Permit" and permit["state"] == "APPLIED"
    # underground hot work: the grade's approvers and the mine manager
    assert permit["requiredRoles"] == ["area_manager", "safety_officer", "mine_manager"]
    assert permit["underground"] is True
    approved = await approve_all(client, mine, permit)
    assert approved["state"] == "APPROVED" and approved["missingApprovals"] == []
    assert (await hand_test(client, mine, permit["id"], 0.3))["latestGasTest"]["passed"] is True
    for who in ("mentor", "team_leader", "miner", "miner2"):
        await place(platform, mine, who, 0, notify=False)
    view = await step(client, mine, START, "mentor", id=permit["id"])
    assert view["state"] == "ACTIVE" and view["guardianInArea"] is True
    assert {c["displayName"] for c in view["crew"]} == {"miner", "miner2"}
    assert "CLOSE" in view["allowedSteps"] and "SUSPEND" in view["allowedSteps"]
    key = await upload(client, mine.token("team_leader"), jpeg_bytes())
    closed = await step(client, mine, CLOSE, "team_leader", input={"permitId": permit["id"], "photoKeys": [key],
                                                                   "note": "sprayed and checked"})
    assert closed["__typename"] == "Permit" and closed["state"] == "CLOSED", closed
    async with platform.session_factory() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == permit["id"])
                                         .order_by(AuditEntry.seq))).all()
    assert actions == ["permit.applied", "permit.approved", "permit.approved", "permit.approved",
                       "permit.gas_tested", "permit.started", "permit.closed"]
    mine_list = (await gql(client, PERMITS, {"mine": True}, token=mine.token("miner")))["permits"]
    assert [p["id"] for p in mine_list] == [permit["id"]]
    assert (await gql(client, PERMITS, {"mine": True}, token=mine.token("admin")))["permits"] == []


async def test_the_applicant_never_approves_and_roles_are_checked(client, make_mine) -> None:
    mine = await make_mine()
    permit = await apply(client, mine, who="safety_officer")  # a safety officer applies
    own = await step(client, mine, APPROVE, "safety_officer", input={"permitId": permit["id"],
                                                                     "role": "safety_officer"})
    assert own["__typename"] == "NotAllowed" and "applicant" in own["message"]
    for who, role in (("miner", "safety_officer"), ("team_leader", "area_manager"), ("mentor", "mine_manager"),
                      ("admin", "area_manager"), ("area_manager", "mine_manager")):
        refused = await step(client, mine, APPROVE, who, input={"permitId": permit["id"], "role": role})
        assert refused["__typename"] == "NotAllowed", (who, role, refused)
    ok = await step(client, mine, APPROVE, "safety_officer2", input={"permitId": permit["id"],
                                                                     "role": "safety_officer"})
    assert ok["__typename"] == "Permit" and ok["missingApprovals"] == ["area_manager", "mine_manager"]
    twice = await step(client, mine, APPROVE, "safety_officer2", input={"permitId": permit["id"],
                                                                        "role": "safety_officer"})
    assert twice["__typename"] == "NotAllowed"
    # the work leader cannot start an unapproved permit; a miner cannot reject or cancel it
    assert (await step(client, mine, START, "team_leader", id=permit["id"]))["__typename"] == "InvalidTransition"
    assert (await step(client, mine, REJECT, "miner", id=permit["id"], r="no"))["__typename"] == "NotAllowed"
    assert (await step(client, mine, CANCEL, "miner", id=permit["id"], r="no"))["__typename"] == "NotAllowed"
    rejected = await step(client, mine, REJECT, "area_manager", id=permit["id"], r="no water line")
    assert rejected["state"] == "REJECTED"


async def test_surface_hot_work_needs_no_mine_manager_and_the_grade_limits_validity(client, make_mine,
                                                                                   platform) -> None:
    from backend.org.models import Area, AreaKind

    mine = await make_mine()
    async with platform.session_factory() as session:
        area = await session.get(Area, mine.areas[2])
        area.kind = AreaKind.SURFACE
        await session.commit()
    second = await apply(client, mine, grade="SECOND", area=2, hours=48)
    assert second["__typename"] == "Permit" and second["requiredRoles"] == ["area_manager"]
    assert second["underground"] is False
    too_long = await apply(client, mine, grade="FIRST", area=2, hours=9)
    assert too_long["__typename"] == "ValidationFailed" and "8 h" in too_long["message"]
    assert (await apply(client, mine, grade="SECOND", area=2, hours=73))["__typename"] == "ValidationFailed"


async def test_other_mines_and_devices_see_nothing(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    permit = await apply(client, mine)
    for who in ("safety_officer", "mine_manager", "admin", "team_leader"):
        assert (await gql(client, PERMIT, {"id": permit["id"]}, token=other.token(who)))["permit"] is None
        refused = await step(client, other, APPROVE, who, input={"permitId": permit["id"], "role": "safety_officer"})
        assert refused["__typename"] == "NotFound"
    # another mine's people as crew, another mine's kind
    foreign = await apply(client, mine, crewIds=[other.user_id("miner")])
    assert foreign["__typename"] == "ValidationFailed" and foreign["field"] == "crewIds"
    foreign_kind = (await kinds(client, other))["HOT_WORK"]["id"]
    assert (await apply(client, mine, kindId=foreign_kind))["__typename"] == "ValidationFailed"
    from backend.accounts.models import DeviceKind

    body = await gql(client, PERMIT, {"id": permit["id"]}, token=mine.device_tokens[DeviceKind.SENSOR_BRIDGE],
                     expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_stale_gas_test_31_minutes_old_does_not_allow_a_start(client, make_mine, platform) -> None:
    mine = await make_mine()
    permit = await apply(client, mine)
    await approve_all(client, mine, permit)
    for who in ("mentor", "team_leader"):
        await place(platform, mine, who, 0, notify=False)
    stale = await hand_test(client, mine, permit["id"], minutes_ago=31)
    assert stale["__typename"] == "ValidationFailed" and stale["field"] == "measuredAt"
    await hand_test(client, mine, permit["id"], minutes_ago=29.9)
    async with platform.session_factory() as session:  # the clock moves on: the test is now 31 minutes old
        from backend.permits.models import PermitGasTest

        test = await session.scalar(select(PermitGasTest).where(PermitGasTest.permit_id == uuid.UUID(permit["id"])))
        test.measured_at = now() - timedelta(minutes=31)
        await session.commit()
    refused = await step(client, mine, START, "team_leader", id=permit["id"])
    assert refused["__typename"] == "InvalidTransition" and "31 min old" in refused["message"]
    over = await hand_test(client, mine, permit["id"], 0.6)  # over hot work's 0.5 %
    assert over["latestGasTest"]["passed"] is False
    refused = await step(client, mine, START, "team_leader", id=permit["id"])
    assert "CH4 0.6 %" in refused["message"]
    await hand_test(client, mine, permit["id"], 0.4)
    assert (await step(client, mine, START, "team_leader", id=permit["id"]))["state"] == "ACTIVE"


async def test_hand_values_only_from_a_gas_inspector_post_or_role(client, make_mine, platform) -> None:
    mine = await make_mine()
    permit = await apply(client, mine)
    refused = await hand_test(client, mine, permit["id"], who="miner2")
    assert refused["__typename"] == "NotAllowed"
    async with platform.session_factory() as session:
        post = Post(mine_id=mine.mine_id, code="GAS_INSPECTOR", name="瓦检员")
        session.add(post)
        await session.flush()
        session.add(PostHolding(mine_id=mine.mine_id, post_id=post.id, user_id=mine.users["miner2"].id))
        await session.commit()
    assert (await hand_test(client, mine, permit["id"], who="miner2"))["__typename"] == "Permit"


async def test_start_needs_the_guardian_in_the_area_and_leaving_suspends(client, make_mine, platform) -> None:
    mine = await make_mine()
    permit = await apply(client, mine)
    await approve_all(client, mine, permit)
    await hand_test(client, mine, permit["id"])
    await place(platform, mine, "mentor", 1, notify=False)  # the guardian is elsewhere
    refused = await step(client, mine, START, "team_leader", id=permit["id"])
    assert refused["__typename"] == "InvalidTransition" and "guardian" in refused["message"]
    assert (await step(client, mine, START, "miner", id=permit["id"]))["__typename"] == "NotAllowed"
    await place(platform, mine, "mentor", 0, notify=False)
    assert (await step(client, mine, START, "team_leader", id=permit["id"]))["state"] == "ACTIVE"
    assert await place(platform, mine, "mentor", 1) == 1  # the guardian leaves
    view = (await gql(client, PERMIT, {"id": permit["id"]}, token=mine.token("mentor")))["permit"]
    assert view["state"] == "SUSPENDED" and [r["cause"] for r in view["suspendReasons"]] == ["GUARDIAN_LEFT"]
    assert view["guardianInArea"] is False
    await place(platform, mine, "mentor", 0)
    refused = await step(client, mine, RESUME, "mentor", id=permit["id"])
    assert "fresh gas test" in refused["message"]
    await hand_test(client, mine, permit["id"], minutes_ago=0)
    assert (await step(client, mine, RESUME, "mentor", id=permit["id"]))["state"] == "ACTIVE"


async def test_someone_not_on_the_crew_entering_suspends(client, make_mine, platform) -> None:
    mine = await make_mine()
    permit = await live_permit(client, platform, mine)
    assert await place(platform, mine, "miner", 0) == 0  # crew
    assert await place(platform, mine, "admin", 0) == 1  # not on the crew list
    view = (await gql(client, PERMIT, {"id": permit["id"]}, token=mine.token("mentor")))["permit"]
    assert [r["cause"] for r in view["suspendReasons"]] == ["STRANGER_ENTERED"]
    await place(platform, mine, "admin", 1)
    await hand_test(client, mine, permit["id"], minutes_ago=0)
    assert (await step(client, mine, RESUME, "team_leader", id=permit["id"]))["state"] == "ACTIVE"


async def test_presence_events_on_the_bus_reach_the_interlock(client, make_mine, platform) -> None:
    import asyncio

    from backend.positioning.events import PresenceChanged
    from backend.positioning.events import channel_for as positioning_channel

    mine = await make_mine()
    permit = await live_permit(client, platform, mine)
    watcher = asyncio.create_task(interlock.watch_presence(platform, mine.mine_id))
    await asyncio.sleep(0.05)
    try:
        await place(platform, mine, "mentor", 2, notify=False)
        event = PresenceChanged(mine_id=mine.mine_id, user_id=mine.users["mentor"].id, from_area_id=mine.areas[0],
                                to_area_id=mine.areas[2], at=now())
        await platform.bus.publish(positioning_channel(mine.mine_id), event.model_dump_json())
        for _ in range(100):
            await asyncio.sleep(0.05)
            async with platform.session_factory() as session:
                state = (await session.get(Permit, uuid.UUID(permit["id"]))).state.value
            if state == "SUSPENDED":
                break
        assert state == "SUSPENDED"
    finally:
        watcher.cancel()


async def test_manual_suspend_and_who_may(client, make_mine, platform) -> None:
    mine = await make_mine()
    permit = await live_permit(client, platform, mine)
    assert (await step(client, mine, SUSPEND, "miner2", id=permit["id"], r="tea"))["__typename"] == "NotAllowed"
    stopped = await step(client, mine, SUSPEND, "area_manager", id=permit["id"], r="ventilation check")
    assert stopped["state"] == "SUSPENDED" and stopped["suspendReasons"][0]["cause"] == "MANUAL"
    assert (await step(client, mine, RESUME, "area_manager", id=permit["id"]))["__typename"] == "NotAllowed"


async def test_expired_permits_stop_on_their_own(client, make_mine, platform) -> None:
    mine = await make_mine()
    live = await live_permit(client, platform, mine)
    waiting = await apply(client, mine, "ROOF_SUPPORT", area=1)
    async with platform.session_factory() as session:
        for permit_id in (live["id"], waiting["id"]):
            permit = await session.get(Permit, uuid.UUID(permit_id))
            permit.ends_at = now() - timedelta(seconds=1)
        await session.commit()
    async with platform.session_factory() as session:
        expired, _ = await interlock.sweep(session)
        await session.commit()
    assert expired >= 2
    for permit_id in (live["id"], waiting["id"]):
        view = (await gql(client, PERMIT, {"id": permit_id}, token=mine.token("mentor")))["permit"]
        assert view["state"] == "EXPIRED"
    assert (await step(client, mine, RESUME, "mentor", id=live["id"]))["__typename"] == "InvalidTransition"


async def test_a_retried_application_returns_the_first(client, make_mine) -> None:
    mine = await make_mine()
    found = await kinds(client, mine)
    start = now()
    variables = {"input": {
        "clientId": str(uuid.uuid4()), "kindId": found["WORK_AT_HEIGHT"]["id"], "grade": "SECOND",
        "areaId": str(mine.areas[1]), "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(hours=2)).isoformat(), "description": "cable tray",
        "workLeaderId": mine.user_id("team_leader"), "guardianId": mine.user_id("mentor"),
        "crewIds": [mine.user_id("miner")]}}
    from tests.backend.permits.api import APPLY

    first = (await gql(client, APPLY, variables, token=mine.token("team_leader")))["applyPermit"]
    again = (await gql(client, APPLY, variables, token=mine.token("team_leader")))["applyPermit"]
    assert first["id"] == again["id"]
    other = (await gql(client, APPLY, variables, token=mine.token("miner")))["applyPermit"]
    assert other["__typename"] == "ValidationFailed" and other["field"] == "clientId"
    variables["input"]["clientId"] = str(uuid.uuid4())
    variables["input"]["guardianId"] = mine.user_id("miner")  # the guardian is not crew
    assert (await gql(client, APPLY, variables, token=mine.token("team_leader")))["applyPermit"]["field"] == \
        "guardianId"


async def test_wrong_people_for_the_remaining_steps(client, make_mine, platform) -> None:
    from tests.backend.permits.api import FIRE, PASS_TOKEN

    mine = await make_mine()
    permit = await live_permit(client, platform, mine)
    key = await upload(client, mine.token("miner"), jpeg_bytes())
    crew_close = await step(client, mine, CLOSE, "miner", input={"permitId": permit["id"], "photoKeys": [key]})
    assert crew_close["__typename"] == "NotAllowed"  # crew work; the leader or the guardian closes
    for who in ("safety_officer", "mine_manager", "admin"):
        assert (await step(client, mine, START, who, id=permit["id"]))["__typename"] in ("NotAllowed",
                                                                                      "InvalidTransition")
    assert (await step(client, mine, PASS_TOKEN, "team_leader", id=permit["id"]))["__typename"] == \
        "InvalidTransition"  # not blasting
    assert (await step(client, mine, FIRE, "team_leader", id=permit["id"]))["__typename"] == "InvalidTransition"
    no_photo = await step(client, mine, CLOSE, "team_leader", input={"permitId": permit["id"], "photoKeys": []})
    assert no_photo["__typename"] == "ValidationFailed"
    # another person's upload is not evidence of this close
    foreign = await step(client, mine, CLOSE, "team_leader", input={"permitId": permit["id"], "photoKeys": [key]})
    assert foreign["__typename"] == "ValidationFailed"
    assert (await step(client, mine, CANCEL, "team_leader", id=permit["id"], r="x"))["__typename"] == \
        "InvalidTransition"  # started work is closed, not cancelled
