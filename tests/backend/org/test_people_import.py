"""People import over GraphQL (SQLite and PostgreSQL): all or nothing, idempotent, updated by employee number,
hostile files refused, personal data never logged, exports formula-safe and read back unchanged."""

from __future__ import annotations

import base64
import csv
import io
import logging

from sqlalchemy import func, select

from backend.accounts.models import User
from backend.audit import service as audit_service
from backend.audit.models import AuditEntry
from backend.org.models import PersonRecord, PostHolding
from tests.backend.api import request_upload
from tests.backend.org.api import CREATE_POST, CREATE_TEAM, EXPORT, IMPORT, IMPORT_INLINE, import_csv
from tests.conftest import gql

HEADER = "employee_no,name,post,team,roles,phone,mentor\n"


async def _setup(client, mine) -> str:  # type: ignore[no-untyped-def]
    admin = mine.token("admin")
    suffix = str(mine.mine_id)[:6]
    for code, name in (("GAS", "瓦检员"), ("SHEARER", "采煤机司机")):
        got = await gql(client, CREATE_POST, {"input": {"code": code, "name": name, "unitId": str(mine.areas[0])}},
                        token=admin)
        assert got["createPost"]["__typename"] == "Post"
    got = await gql(client, CREATE_TEAM, {"input": {"code": f"FM{suffix}", "name": f"综采一队 {suffix}",
                                                    "unitId": str(mine.areas[0])}}, token=admin)
    assert got["createTeam"]["__typename"] == "Team"
    return f"FM{suffix}"


async def _count(platform, model, mine_id) -> int:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(model).where(model.mine_id == mine_id))


def _people(team: str, prefix: str, phone: str = "13800000001") -> str:
    return (HEADER + f"{prefix}001,张三,GAS,{team},miner|mentor,{phone},\n"
            f"{prefix}002,李四,SHEARER,{team},miner,,{prefix}001\n"
            f"{prefix}003,=HYPERLINK(\"http://evil\"),,,team_leader,,\n")


async def test_import_reimport_and_update_by_employee_number(client, platform, make_mine) -> None:
    mine = await make_mine()
    team = await _setup(client, mine)
    prefix = team[2:]
    admin = mine.token("admin")
    users_before = await _count(platform, User, mine.mine_id)

    dry = await import_csv(client, admin, _people(team, prefix), dry_run=True)
    assert (dry["ok"], dry["created"]) == (True, 3)
    assert await _count(platform, PersonRecord, mine.mine_id) == 0  # a dry run writes nothing

    first = await import_csv(client, admin, _people(team, prefix))
    assert (first["ok"], first["created"], first["updated"], first["unchanged"]) == (True, 3, 0, 0), first
    assert await _count(platform, User, mine.mine_id) == users_before + 3
    again = await import_csv(client, admin, _people(team, prefix))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)

    edited = _people(team, prefix, phone="13900000009").replace("李四,SHEARER", "李四,GAS")
    updated = await import_csv(client, admin, edited)
    assert (updated["created"], updated["updated"], updated["unchanged"]) == (0, 2, 1), updated
    async with platform.session_factory() as session:
        records = {r.employee_no: r for r in await session.scalars(
            select(PersonRecord).where(PersonRecord.mine_id == mine.mine_id))}
        assert records[f"{prefix}002"].mentor_id == records[f"{prefix}001"].user_id
        holdings = (await session.scalars(select(PostHolding).where(
            PostHolding.user_id == records[f"{prefix}002"].user_id).order_by(PostHolding.started_at))).all()
        assert len(holdings) == 2 and holdings[0].ended_at is not None and holdings[1].ended_at is None
        entries = (await session.scalars(select(AuditEntry).where(
            AuditEntry.mine_id == mine.mine_id, AuditEntry.action.like("person.%")))).all()
        assert sorted(e.action for e in entries) == ["person.imported"] * 3 + ["person.updated"] * 2
        assert all("1380000" not in str(e.after) and "1390000" not in str(e.after) for e in entries)
        verdict = await audit_service.verify_chain(session=session, mine_id=mine.mine_id)
        assert verdict.ok and verdict.checked >= 8  # the bulk append keeps the chain whole


async def test_one_bad_row_imports_nothing_and_every_error_names_row_and_column(client, platform, make_mine) -> None:
    mine = await make_mine()
    team = await _setup(client, mine)
    text = (HEADER + f"A1,Good,GAS,{team},miner,,\n"
            "A2,Bad team,,NO-SUCH-TEAM,miner,,\n"
            "A3,Bad post,NOPE,,miner,,\n"
            "A1,Duplicate,,,miner,,\n"
            "A5,Unknown mentor,,,miner,,ZZ9\n"
            "A6,Ctl\x1b[31m,,,miner,,\n")
    report = await import_csv(client, mine.token("admin"), text)
    assert report["ok"] is False and report["created"] == 0
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (3, "team"), (4, "post"), (5, "employee_no"), (6, "mentor"), (7, "name")]
    assert await _count(platform, PersonRecord, mine.mine_id) == 0
    missing = await import_csv(client, mine.token("admin"), "name,team\nA,B\n")
    assert [(e["row"], e["column"]) for e in missing["errors"]] == [(1, "employee_no")]


async def test_a_username_of_another_mine_is_a_row_error(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    number = f"U{str(mine.mine_id)[:8]}"
    assert (await import_csv(client, other.token("admin"), f"employee_no,name\n{number},X\n"))["ok"]
    clash = await import_csv(client, mine.token("admin"), f"employee_no,name\n{number},Y\n")
    assert [(e["row"], e["column"]) for e in clash["errors"]] == [(2, "username")]


async def test_an_account_is_adopted_once_and_never_taken_over(client, platform, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    miner, mentor = mine.users["miner"].username, mine.users["mentor"].username
    adopted = await import_csv(client, admin, f"employee_no,username,name,roles\nK1,{miner},Miner One,miner\n")
    assert (adopted["ok"], adopted["created"], adopted["updated"]) == (True, 0, 1), adopted
    async with platform.session_factory() as session:
        record = await session.get(PersonRecord, mine.users["miner"].id)
        assert record is not None and record.employee_no == "K1"
    # K1 may not take the mentor's account (another person's username), though that account has no number yet
    grab = await import_csv(client, admin, f"employee_no,username,name,roles\nK1,{mentor},Miner One,miner\n")
    assert [(e["row"], e["column"]) for e in grab["errors"]] == [(2, "username")]


async def test_only_admins_import_and_devices_never(client, make_mine) -> None:
    mine = await make_mine()
    for who in ("miner", "team_leader", "safety_officer", "mentor", "area_manager", "mine_manager"):
        refused = await import_csv(client, mine.token(who), "employee_no,name\nX1,X\n")
        assert refused["__typename"] == "NotAllowed", who
        export = (await gql(client, EXPORT, {"format": "CSV"}, token=mine.token(who)))["exportPeople"]
        assert export["__typename"] == ("PeopleExport" if who == "mine_manager" else "NotAllowed"), who


async def test_hostile_files_through_the_upload_path(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")

    async def uploaded(data: bytes, content_type: str) -> str:
        ticket = await request_upload(client, admin, size=len(data), content_type=content_type, kind="DOCUMENT")
        assert ticket["__typename"] == "UploadTicket", ticket
        headers = {h["name"]: h["value"] for h in ticket["headers"]}
        assert (await client.put(ticket["url"], content=data, headers=headers)).status_code == 200
        return ticket["key"]

    big = HEADER.encode() + b"B1,A,,,,,\n" * (50 * 1024 * 1024 // 10)
    refused = (await gql(client, IMPORT, {"key": await uploaded(big, "text/csv"), "format": "CSV"},
                         token=admin))["importPeople"]
    assert refused["__typename"] == "ValidationFailed"
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (300 * 1024 * 1024))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    bomb = (await gql(client, IMPORT, {"key": await uploaded(out.getvalue(), xlsx), "format": "XLSX"},
                      token=admin))["importPeople"]
    assert bomb["ok"] is False and bomb["errors"][0]["row"] == 0 and "zip bomb" in bomb["errors"][0]["message"]
    fake = (await gql(client, IMPORT, {"key": await uploaded(b"employee_no,name\nF1,F\n", xlsx), "format": "XLSX"},
                      token=admin))["importPeople"]
    assert fake["ok"] is False and "not a zip" in fake["errors"][0]["message"]
    good = (await gql(client, IMPORT, {"key": await uploaded(b"employee_no,name\nG1,G\n", "text/csv"),
                                       "format": "CSV"}, token=admin))["importPeople"]
    assert (good["ok"], good["created"]) == (True, 1)
    too_big_inline = await gql(client, IMPORT_INLINE, {"content": base64.b64encode(big[:3_000_000]).decode(),
                                                       "format": "CSV", "dry": True}, token=admin)
    assert too_big_inline["importPeopleInline"]["__typename"] == "ValidationFailed"


async def test_personal_data_is_never_logged(client, make_mine, caplog) -> None:
    mine = await make_mine()
    team = await _setup(client, mine)
    with caplog.at_level(logging.DEBUG):
        await import_csv(client, mine.token("admin"), _people(team, team[2:], phone="13712345678"))
        await import_csv(client, mine.token("admin"), HEADER + "Q1,王秘密,,NO-TEAM,,13787654321,\n")
    # every minesafe log line at any level, and anything at INFO or above (database drivers' own DEBUG tracing of
    # SQL parameters is off outside debugging sessions)
    text = "\n".join(r.getMessage() for r in caplog.records
                     if r.name.startswith(("backend", "strawberry")) or r.levelno >= logging.INFO)
    assert "people import" in text
    for secret in ("张三", "李四", "王秘密", "13712345678", "13787654321"):
        assert secret not in text


async def test_export_is_formula_safe_and_reimports_unchanged(client, make_mine) -> None:
    mine = await make_mine()
    team = await _setup(client, mine)
    admin = mine.token("admin")
    assert (await import_csv(client, admin, _people(team, team[2:])))["created"] == 3
    for fmt in ("CSV", "XLSX"):
        export = (await gql(client, EXPORT, {"format": fmt}, token=admin))["exportPeople"]
        assert export["__typename"] == "PeopleExport" and export["rows"] == 3
        response = await client.get(export["url"])
        assert response.status_code == 200
        if fmt == "CSV":
            rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert any(r[1] == "'=HYPERLINK(\"http://evil\")" for r in rows)
        again = await import_csv(client, admin, response.content, fmt=fmt)
        assert (again["ok"], again["created"], again["updated"], again["unchanged"]) == (True, 0, 0, 3), again


ASSIGN = """mutation($user: ID!, $post: ID) { assignPost(userId: $user, postId: $post) { __typename
  ... on PostAssignment { employeeNo postId } ... on NotAllowed { message } ... on NotFound { message }
  ... on ValidationFailed { message field } } }"""


async def test_assign_post_keeps_the_holding_history(client, platform, make_mine) -> None:
    from tests.backend.org.test_structure import place

    mine, other = await make_mine(), await make_mine()
    team = await _setup(client, mine)
    admin = mine.token("admin")
    assert (await import_csv(client, admin, _people(team, team[2:])))["created"] == 3
    async with platform.session_factory() as session:
        record = await session.scalar(select(PersonRecord).where(PersonRecord.mine_id == mine.mine_id,
                                                                 PersonRecord.employee_no == f"{team[2:]}001"))
    posts = {p["code"]: p["id"] for p in (await gql(client, "{ posts { id code } }", token=admin))["posts"]}
    user = str(record.user_id)
    moved = (await gql(client, ASSIGN, {"user": user, "post": posts["SHEARER"]}, token=admin))["assignPost"]
    assert moved["postId"] == posts["SHEARER"]
    cleared = (await gql(client, ASSIGN, {"user": user, "post": None}, token=admin))["assignPost"]
    assert cleared["postId"] is None
    async with platform.session_factory() as session:
        held = (await session.scalars(select(PostHolding).where(PostHolding.user_id == record.user_id)
                                      .order_by(PostHolding.started_at))).all()
    assert [(h.post_id is not None, h.ended_at is not None) for h in held] == [(True, True), (True, True)]
    for who in ("miner", "team_leader", "safety_officer", "mentor", "mine_manager"):
        refused = (await gql(client, ASSIGN, {"user": user, "post": posts["GAS"]}, token=mine.token(who)))
        assert refused["assignPost"]["__typename"] == "NotAllowed", who
    foreign = (await gql(client, ASSIGN, {"user": user, "post": posts["GAS"]}, token=other.token("admin")))
    assert foreign["assignPost"]["__typename"] == "NotFound"
    unknown = (await gql(client, ASSIGN, {"user": mine.user_id("miner"), "post": posts["GAS"]}, token=admin))
    assert (unknown["assignPost"]["__typename"], unknown["assignPost"]["field"]) == ("ValidationFailed", "userId")
    # the area manager of area 0 (the posts' unit, the person's area) may
    await place(platform, mine, "area_manager", str(mine.areas[0]))
    ok = (await gql(client, ASSIGN, {"user": user, "post": posts["GAS"]}, token=mine.token("area_manager")))
    assert ok["assignPost"]["postId"] == posts["GAS"]
