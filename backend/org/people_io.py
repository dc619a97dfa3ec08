"""People import and export as CSV and XLSX (pure: bytes in, checked rows or row errors out).

Columns (English or Chinese headers, any order; only employee_no and name are required):
  employee_no 工号 · name 姓名 · post 岗位 (a post code) · team 班组 (a team code or name) ·
  roles 角色 (separated by | , ; or spaces; miner when blank) · phone 电话 · mentor 师傅 (an employee number) ·
  username 账号 (the employee number, lower-cased, when blank)
Rows are numbered as a spreadsheet shows them: the header is row 1. Hostile files are refused before
they are parsed: over MAX_FILE_BYTES, an XLSX that is not a zip, or one that inflates past
MAX_INFLATED_BYTES (a zip bomb), or with more than MAX_ROWS rows.
"""

from __future__ import annotations

import csv
import enum
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from backend.accounts.roles import Role
from backend.org.rules import neutralise_cell

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_INFLATED_BYTES = 40 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_RATIO = 200
MAX_ROWS = 20_000
MAX_CELL = 200
COLUMNS = ("employee_no", "name", "post", "team", "roles", "phone", "mentor", "username")
REQUIRED = ("employee_no", "name")
ALIASES = {"工号": "employee_no", "员工编号": "employee_no", "姓名": "name", "岗位": "post", "班组": "team",
           "区队": "team", "角色": "roles", "电话": "phone", "手机": "phone", "师傅": "mentor", "账号": "username",
           "employee number": "employee_no", "employee no": "employee_no"}
EMPLOYEE_NO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,31}")
PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,30}")
USERNAME = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,63}")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
ROLE_SPLIT = re.compile(r"[|,;\s]+")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PeopleFormat(enum.StrEnum):
    CSV = "CSV"
    XLSX = "XLSX"


@dataclass(frozen=True, slots=True)
class PersonRow:
    row: int
    employee_no: str
    name: str
    post: str | None
    team: str | None
    roles: tuple[Role, ...]
    phone: str | None
    mentor: str | None
    username: str


@dataclass(frozen=True, slots=True)
class RowError:
    row: int            # as a spreadsheet numbers it: the header is row 1 (0: the file as a whole)
    column: str | None  # the column's name (employee_no, team…), None for the whole row or file
    message: str


class FileRefused(ValueError):
    """The file as a whole cannot be read (too large, a zip bomb, not CSV / XLSX, no header)."""


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")  # what Excel on a Chinese Windows saves as "CSV"
        except UnicodeDecodeError as error:
            raise FileRefused("the CSV is neither UTF-8 nor GB18030 text") from error
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise FileRefused(f"the CSV cannot be read: {error}") from error


def _safe_zip(content: bytes) -> bytes:
    """The XLSX re-packed after every member was inflated within bounds (declared sizes can lie, so reads are
    bounded too); raises FileRefused for a zip bomb or something that is not a zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise FileRefused("the XLSX is not a zip archive: is it really an .xlsx file?") from error
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise FileRefused(f"the XLSX holds {len(members)} parts (at most {MAX_ZIP_MEMBERS})")
    declared = sum(m.file_size for m in members)
    if declared > MAX_INFLATED_BYTES or declared > MAX_RATIO * max(len(content), 1):
        raise FileRefused("the XLSX inflates far beyond its size (a zip bomb?)")
    out = io.BytesIO()
    total = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as repacked:
        for member in members:
            try:
                with archive.open(member) as stream:
                    data = stream.read(MAX_INFLATED_BYTES - total + 1)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
                raise FileRefused(f"the XLSX part {member.filename!r} cannot be read") from error
            total += len(data)
            if total > MAX_INFLATED_BYTES:
                raise FileRefused("the XLSX inflates far beyond its size (a zip bomb?)")
            repacked.writestr(member.filename, data)
    return out.getvalue()


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    import openpyxl

    checked = _safe_zip(content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(checked), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise FileRefused("the XLSX cannot be opened as a workbook") from error
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                   for v in values]
    finally:
        book.close()


def _header(cells: Sequence[str]) -> tuple[dict[str, int], list[RowError]]:
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(cells):
        name = raw.strip().lower().lstrip("\ufeff")
        name = ALIASES.get(raw.strip(), ALIASES.get(name, name)).replace(" ", "_")
        if not name:
            continue
        if name not in COLUMNS:
            errors.append(RowError(1, raw.strip()[:40], f"unknown column {raw.strip()[:40]!r}; the columns are "
                                   + ", ".join(COLUMNS)))
        elif name in positions:
            errors.append(RowError(1, name, f"the column {name} appears twice"))
        else:
            positions[name] = index
    for name in REQUIRED:
        if name not in positions:
            errors.append(RowError(1, name, f"the required column {name} is missing"))
    return positions, errors


def _cell(cells: Sequence[str], positions: dict[str, int], column: str) -> str:
    """A cell's text; the ' our exports put before a formula-like value is taken off again (a round trip)."""
    index = positions.get(column)
    value = cells[index].strip() if index is not None and index < len(cells) else ""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        value = value[1:]
    return value


def _check_row(number: int, cells: Sequence[str], positions: dict[str, int]) -> tuple[PersonRow | None,
                                                                                        list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, str] = {}
    for column in positions:
        value = _cell(cells, positions, column)
        if CONTROL.search(value):
            errors.append(RowError(number, column, "holds a control character (a line break, NUL, escape or "
                                   "direction override), which is not allowed"))
        elif len(value) > MAX_CELL:
            errors.append(RowError(number, column, f"is longer than {MAX_CELL} characters"))
        values[column] = value
    if errors:
        return None, errors
    employee_no = values.get("employee_no", "")
    if not EMPLOYEE_NO.fullmatch(employee_no):
        errors.append(RowError(number, "employee_no", "an employee number is 1 to 32 letters, digits, '_' or '-'"))
    name = values.get("name", "")
    if not name:
        errors.append(RowError(number, "name", "the name is empty"))
    roles: list[Role] = []
    for token in ROLE_SPLIT.split(values.get("roles", "").lower()):
        if not token:
            continue
        try:
            role = Role(token)
        except ValueError:
            errors.append(RowError(number, "roles", f"unknown role {token[:40]!r}; use "
                                   + ", ".join(r.value for r in Role if r is not Role.DEVICE)))
            continue
        if role is Role.DEVICE:
            errors.append(RowError(number, "roles", "device is a role for devices, not people"))
        elif role not in roles:
            roles.append(role)
    phone = values.get("phone") or None
    if phone is not None and not PHONE.fullmatch(phone):
        errors.append(RowError(number, "phone", "a phone number is digits, spaces, '-' and an optional leading '+'"))
    mentor = values.get("mentor") or None
    if mentor is not None and not EMPLOYEE_NO.fullmatch(mentor):
        errors.append(RowError(number, "mentor", "the mentor is named by their employee number"))
    if mentor is not None and mentor == employee_no:
        errors.append(RowError(number, "mentor", "a person cannot be their own mentor"))
    username = (values.get("username") or employee_no).lower()
    if (values.get("username") or EMPLOYEE_NO.fullmatch(employee_no)) and not USERNAME.fullmatch(username):
        errors.append(RowError(number, "username", "a username is 1 to 64 lower-case letters, digits, '.', '_' "
                               "or '-'"))
    if errors:
        return None, errors
    return PersonRow(row=number, employee_no=employee_no, name=name, post=values.get("post") or None,
                     team=values.get("team") or None, roles=tuple(sorted(roles or [Role.MINER])), phone=phone,
                     mentor=mentor, username=username), []


def parse_people(content: bytes, fmt: PeopleFormat) -> tuple[list[PersonRow], list[RowError]]:
    """Every row checked on its own (format, control characters, roles) and duplicates within the file; the
    database checks (teams, posts, mentors that exist) are the import flow's."""
    if len(content) > MAX_FILE_BYTES:
        raise FileRefused(f"the file is {len(content)} bytes; at most {MAX_FILE_BYTES} are accepted")
    rows = _csv_rows(content) if fmt is PeopleFormat.CSV else _xlsx_rows(content)
    header = next(rows, None)
    if header is None:
        raise FileRefused("the file is empty: it needs a header row")
    positions, errors = _header(header)
    if errors:
        return [], errors
    people: list[PersonRow] = []
    seen_numbers: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise FileRefused(f"the file has more than {MAX_ROWS} rows; split it")
        if not any(c.strip() for c in cells):
            continue
        person, row_errors = _check_row(number, cells, positions)
        errors.extend(row_errors)
        if person is None:
            continue
        if person.employee_no in seen_numbers:
            errors.append(RowError(number, "employee_no", f"the employee number {person.employee_no} is also on "
                                   f"row {seen_numbers[person.employee_no]}"))
            continue
        if person.username in seen_usernames:
            errors.append(RowError(number, "username",
                                   f"the username is also on row {seen_usernames[person.username]}"))
            continue
        seen_numbers[person.employee_no] = number
        seen_usernames[person.username] = number
        people.append(person)
    return people, errors


EXPORT_COLUMNS = COLUMNS


def export_people(rows: Sequence[Sequence[object]], fmt: PeopleFormat) -> bytes:
    """Rows (in EXPORT_COLUMNS order) as CSV or XLSX, every cell neutralised against formula injection."""
    safe = [[neutralise_cell(v) for v in row] for row in rows]
    if fmt is PeopleFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(safe)
        return buffer.getvalue().encode("utf-8-sig")
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("people")
    sheet.append(list(EXPORT_COLUMNS))
    for row in safe:
        sheet.append(["" if v is None else ILLEGAL_CHARACTERS_RE.sub("", str(v)) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
