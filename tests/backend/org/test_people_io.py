"""People files, pure: header and row checks naming row and column, hostile files refused before parsing, and
exports that a spreadsheet never evaluates."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from backend.accounts.roles import Role
from backend.org.people_io import (
    MAX_FILE_BYTES,
    FileRefused,
    PeopleFormat,
    export_people,
    parse_people,
)
from backend.org.rules import neutralise_cell

HEADER = "employee_no,name,post,team,roles,phone,mentor\n"


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode()


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_good_rows_with_chinese_headers_and_roles() -> None:
    content = "工号,姓名,岗位,班组,角色,电话,师傅\nE001,张三,GAS,T1,miner|mentor,138 0000 0000,\nE002,李四,,,,,E001\n"
    rows, errors = parse_people(content.encode("utf-8-sig"), PeopleFormat.CSV)
    assert errors == []
    assert [(r.row, r.employee_no, r.roles, r.mentor, r.username) for r in rows] == [
        (2, "E001", (Role.MENTOR, Role.MINER), None, "e001"), (3, "E002", (Role.MINER,), "E001", "e002")]


def test_gb18030_csv_as_excel_saves_it() -> None:
    rows, errors = parse_people("工号,姓名\nE9,王五\n".encode("gb18030"), PeopleFormat.CSV)
    assert errors == [] and rows[0].name == "王五"


def test_missing_and_unknown_columns_are_named_on_row_1() -> None:
    rows, errors = parse_people(b"name,team,colour\nA,T1,red\n", PeopleFormat.CSV)
    assert rows == []
    assert {(e.row, e.column) for e in errors} == {(1, "colour"), (1, "employee_no")}


def test_every_bad_cell_names_its_row_and_column() -> None:
    content = _csv("E1,Good,,,,,", "bad no!,X,,,,,", "E3,,,,,,", "E4,Y,,,pilot,,", "E5,Z,,,device,,",
                   "E6,W,,,,call me,", "E7,V,,,,,E7", "E8,Tab\there,,,,,", "E9,Nul\x00x,,,,,",
                   "E10,RTL\u202eevil,,,,,")
    rows, errors = parse_people(content, PeopleFormat.CSV)
    assert [r.employee_no for r in rows] == ["E1"]
    assert [(e.row, e.column) for e in errors] == [
        (3, "employee_no"), (4, "name"), (5, "roles"), (6, "roles"), (7, "phone"), (8, "mentor"), (9, "name"),
        (10, "name"), (11, "name")]


def test_a_duplicate_employee_number_names_the_first_row() -> None:
    rows, errors = parse_people(_csv("E1,A,,,,,", "E2,B,,,,,", "E1,C,,,,,"), PeopleFormat.CSV)
    assert [r.employee_no for r in rows] == ["E1", "E2"]
    assert len(errors) == 1
    assert (errors[0].row, errors[0].column) == (4, "employee_no") and "row 2" in errors[0].message


def test_a_50_mb_file_is_refused_unread() -> None:
    big = HEADER.encode() + b"E1,A,,,,,\n" * (50 * 1024 * 1024 // 10)
    assert len(big) > MAX_FILE_BYTES
    with pytest.raises(FileRefused, match="at most"):
        parse_people(big, PeopleFormat.CSV)
    with pytest.raises(FileRefused):
        parse_people(big, PeopleFormat.XLSX)


def test_a_zip_bomb_named_xlsx_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))  # 200 MB of zeros, ~200 KB packed
    bomb = out.getvalue()
    assert len(bomb) < MAX_FILE_BYTES
    with pytest.raises(FileRefused, match="zip bomb"):
        parse_people(bomb, PeopleFormat.XLSX)


def test_a_bomb_that_lies_about_its_size_is_stopped_while_inflating() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b"\0" * (60 * 1024 * 1024))
    data = bytearray(out.getvalue())
    # rewrite the declared uncompressed size (local header and central directory) to 1 KB
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset:at + offset + 4] = (1024).to_bytes(4, "little")
    with pytest.raises(FileRefused):
        parse_people(bytes(data), PeopleFormat.XLSX)


def test_not_a_zip_named_xlsx_and_garbage_csv() -> None:
    with pytest.raises(FileRefused, match="not a zip"):
        parse_people(b"employee_no,name\nE1,A\n", PeopleFormat.XLSX)
    with pytest.raises(FileRefused):
        parse_people(b"\xff\xfe\x00\x00garbage\x00", PeopleFormat.CSV)
    with pytest.raises(FileRefused, match="empty"):
        parse_people(b"", PeopleFormat.CSV)


def test_xlsx_rows_read_like_csv_rows() -> None:
    content = _xlsx([["employee_no", "name", "team", "phone"], [1001, "张三", "T1", 13800000000], [None, None],
                     ["E2", "Bad\nline", None, None], ["E3", "C1\x85x", None, None]])
    rows, errors = parse_people(content, PeopleFormat.XLSX)
    assert [(r.row, r.employee_no, r.phone) for r in rows] == [(2, "1001", "13800000000")]
    assert [(e.row, e.column) for e in errors] == [(4, "name"), (5, "name")]


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_neutralised_in_every_export(value: str) -> None:
    assert neutralise_cell(value) == "'" + value
    row = ["E1", value, "", "", "miner", "", "", "e1"]
    text = export_people([row], PeopleFormat.CSV).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][1] == "'" + value
    book = openpyxl.load_workbook(io.BytesIO(export_people([row], PeopleFormat.XLSX)))
    cell = book.active.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value.replace("\n", "\r") == ("'" + value).replace("\n", "\r")


def test_plain_values_are_left_alone() -> None:
    assert neutralise_cell("张三") == "张三" and neutralise_cell(5) == 5 and neutralise_cell("") == ""
