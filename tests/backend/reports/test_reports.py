"""Reports: the monthly PDF rendered to PNG with pdftoppm, lists opened with openpyxl and csv, formula injection
neutralised, the same digest when a past month is generated again, scheduled and listed, scope by role."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import update

from backend.database.base import utcnow
from backend.org.models import Mine, Team
from backend.reports import tasks
from backend.reports.exports import neutralise, to_csv, to_xlsx
from backend.reports.figures import Column, ColumnKind, Table
from tests.backend.kpi.trail import S, add_step, write_october
from tests.conftest import ARTIFACTS, gql

GENERATE = """mutation($input: GenerateReportInput!) { generateReport(input: $input) { __typename
  ... on Report { id kind list format label size sha256 figuresDigest trigger downloadUrl }
  ... on ValidationFailed { message field } ... on NotAllowed { message } } }"""
REPORTS = "{ reports { id kind format label trigger figuresDigest downloadUrl } reportLists }"
SHOTS = ARTIFACTS / "reports"


def render_pages(pdf: bytes, folder: Path) -> list[tuple[tuple[int, int], int]]:
    """pdftoppm each page to PNG (kept in artifacts/reports to look at); each page's size and dark pixels."""
    (folder / "report.pdf").write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(folder / "report.pdf")], capture_output=True, text=True, check=True)
    assert "WenQuanYi" in fonts.stdout  # the Chinese font is embedded
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(folder / "report.pdf"), str(folder / "page")],
                   check=True, timeout=60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = []
    for page in sorted(folder.glob("page-*.png")):
        with Image.open(page) as image:
            found.append((image.size, sum(image.convert("L").histogram()[:128])))
            image.save(SHOTS / f"monthly-{page.name}")
    return found


async def _download(client, url: str) -> bytes:  # type: ignore[no-untyped-def]
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response.content


def test_text_that_a_spreadsheet_would_run_is_neutralised() -> None:
    table = Table("t", "表", "table", [Column("name", "名称", "name"), Column("n", "数", "n", ColumnKind.INT),
                                      Column("rate", "率", "rate", ColumnKind.RATE)],
                  rows=[["=HYPERLINK(\"http://x\",\"y\")", -3, 0.5], ["+1", 2, None], ["@SUM(A1)", 0, 1.0],
                        ["-2+3", 1, 0.25], ["\tx", 5, 0.0], ["plain 中文", 7, 0.75]])
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows[0] == ["名称 name", "数 n", "率 rate"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'@SUM(A1)", "'-2+3", "'\tx",
                                        "plain 中文"]
    assert rows[1][1] == "-3"  # numbers stay numbers
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([table]))).active
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\",\"y\")" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -3 and sheet["C2"].number_format == "0.0%"
    assert neutralise("ok") == "ok"


async def test_the_monthly_report_pdf_xlsx_and_csv(client, make_mine, platform, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (scripts/_venv.sh lists it)")
    mine = await make_mine()
    october = await write_october(platform, mine)
    async with platform.session_factory() as session:  # a team name that a spreadsheet would run
        await session.execute(update(Team).where(Team.id == mine.teams[1]).values(name="=1+2 综采二队"))
        await session.commit()
    manager = mine.token("mine_manager")

    pdf = (await gql(client, GENERATE, {"input": {"month": "2026-10", "format": "PDF"}},
                     token=manager))["generateReport"]
    assert pdf["__typename"] == "Report" and (pdf["kind"], pdf["label"], pdf["trigger"]) == (
        "MONTHLY_SAFETY", "2026-10", "ON_DEMAND")
    data = await _download(client, pdf["downloadUrl"])
    assert data.startswith(b"%PDF") and len(data) == pdf["size"]
    pages = await asyncio.to_thread(render_pages, data, tmp_path)
    assert len(pages) == 4
    for size, dark in pages:
        assert size[0] > 400 and size[1] > 600 and dark > 2000  # a page, and not a blank one

    xlsx = (await gql(client, GENERATE, {"input": {"month": "2026-10", "format": "XLSX"}},
                      token=manager))["generateReport"]
    book = openpyxl.load_workbook(io.BytesIO(await _download(client, xlsx["downloadUrl"])))
    assert {"Indicators", "Overdue hazards", "Overdue by team", "Hazards reported in the period"} <= set(
        book.sheetnames)
    overdue = book["Overdue by team"]
    assert overdue["A2"].value == "'=1+2 综采二队" and overdue["A2"].data_type == "s" and overdue["B2"].value == 2
    summary = {row[1]: row[3] for row in book["Indicators"].iter_rows(min_row=2, values_only=True)}
    assert summary["HAZARDS_REPORTED"] == 3 and summary["OVERDUE"] == 2
    assert summary["CLOSE_OUT_RATE"] == pytest.approx(2 / 3) and summary["WARNING_ACCURACY"] == 0.5
    assert xlsx["figuresDigest"] == pdf["figuresDigest"]

    listed = (await gql(client, GENERATE, {"input": {"month": "2026-10", "format": "CSV", "list": "overdue"}},
                        token=manager))["generateReport"]
    assert (listed["kind"], listed["list"]) == ("LIST", "overdue")
    rows = list(csv.DictReader(io.StringIO((await _download(client, listed["downloadUrl"])).decode("utf-8-sig"))))
    assert sorted(r["隐患 hazard"] for r in rows) == sorted([october.hazards["h3"], october.hazards["h5"]])
    assert {r["班组 team"] for r in rows} == {"'=1+2 综采二队"}

    bad = (await gql(client, GENERATE, {"input": {"month": "2026-10", "format": "CSV"}}, token=manager))
    assert bad["generateReport"]["__typename"] == "ValidationFailed"
    unknown = (await gql(client, GENERATE, {"input": {"month": "2026-10", "format": "XLSX", "list": "nope"}},
                         token=manager))
    assert unknown["generateReport"]["field"] == "list"

    # a later change does not change October's figures: the same digest when generated again
    async with platform.session_factory() as session:
        await add_step(session, mine, october.hazards["h5"], utcnow(), S.CLOSED)
        await session.commit()
    again = (await gql(client, GENERATE, {"input": {"month": "2026-10", "format": "XLSX"}},
                       token=manager))["generateReport"]
    assert again["figuresDigest"] == pdf["figuresDigest"]

    listing = await gql(client, REPORTS, token=manager)
    assert len(listing["reports"]) == 4 and "overdue" in listing["reportLists"]
    refused = await gql(client, REPORTS, token=mine.token("area_manager"), expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    no = (await gql(client, GENERATE, {"input": {"month": "2026-10", "format": "PDF"}}, token=mine.token("miner")))
    assert no["generateReport"]["__typename"] == "NotAllowed"


async def test_an_empty_month_still_makes_a_report(client, make_mine) -> None:
    mine = await make_mine()
    pdf = (await gql(client, GENERATE, {"input": {"month": "2026-06", "format": "XLSX"}},
                     token=mine.token("safety_officer")))["generateReport"]
    book = openpyxl.load_workbook(io.BytesIO(await _download(client, pdf["downloadUrl"])))
    summary = {row[1]: row[3] for row in book["Indicators"].iter_rows(min_row=2, values_only=True)}
    assert summary["HAZARDS_REPORTED"] == 0 and summary["CLOSE_OUT_RATE"] is None
    assert book["Overdue hazards"].max_row == 1  # the header only


async def test_the_scheduled_sweep_makes_each_month_once(client, make_mine, platform) -> None:
    mine = await make_mine()
    await write_october(platform, mine)
    async with platform.session_factory() as session:
        code = (await session.get(Mine, mine.mine_id)).code  # type: ignore[union-attr]
    first = await tasks.sweep_once(platform, month="2026-10", mine_code=code)
    assert sorted(r.format.value for r in first) == ["PDF", "XLSX"]
    assert await tasks.sweep_once(platform, month="2026-10", mine_code=code) == []
    listing = (await gql(client, REPORTS, token=mine.token("mine_manager")))["reports"]
    assert {(r["format"], r["trigger"]) for r in listing} == {("PDF", "SCHEDULED"), ("XLSX", "SCHEDULED")}
    assert tasks.last_finished_month(datetime(2026, 11, 30, 17, tzinfo=UTC), "Asia/Shanghai") == "2026-11"


async def test_the_command_line_sweep(make_mine, platform) -> None:
    mine = await make_mine()
    async with platform.session_factory() as session:
        code = (await session.get(Mine, mine.mine_id)).code  # type: ignore[union-attr]
    made = await tasks.sweep_from_cli(platform.settings, month="2026-09", mine_code=code)
    assert sorted(r.format.value for r in made) == ["PDF", "XLSX"] and all(r.label == "2026-09" for r in made)
    assert await tasks.sweep_from_cli(platform.settings, month="2026-09", mine_code=code) == []
