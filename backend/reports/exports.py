"""Tables as CSV and XLSX. A text cell that a spreadsheet would run as a formula (= + - @, or a tab or carriage
return first) is written with a leading apostrophe, so an exported description can never become a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter

from backend.reports.figures import ColumnKind, Table

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: str) -> str:
    """A text cell a spreadsheet will show, never run (OWASP's CSV-injection advice)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return round(value, 6) if isinstance(value, float) else value
    return neutralise(str(value))


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads the Chinese right); rates as fractions (0.95)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.columns])
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def sheet_title(name: str, taken: set[str]) -> str:
    title = _SHEET_BAD.sub(" ", name)[:31] or "Sheet"
    base, n = title, 2
    while title in taken:
        suffix = f" {n}"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _put(cell: Cell, value: Any, kind: ColumnKind) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        cell.value = value.astimezone(UTC).replace(tzinfo=None)
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        if kind is ColumnKind.RATE:
            cell.number_format = "0.0%"
        elif isinstance(value, float):
            cell.number_format = "0.00"
    else:
        cell.value = neutralise(str(value))
        cell.data_type = "s"  # openpyxl would otherwise take a string starting with '=' as a formula


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table; times in UTC; rates as percentages."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(sheet_title(table.en, taken))
        for column, spec in enumerate(table.columns, start=1):
            cell = sheet.cell(row=1, column=column)
            _put(cell, spec.header + (" (UTC)" if spec.kind is ColumnKind.TIME else ""), ColumnKind.TEXT)
            sheet.column_dimensions[get_column_letter(column)].width = max(10, min(40, len(spec.header) * 1.6))
        for r, row in enumerate(table.rows):
            for c, value in enumerate(row):
                _put(sheet.cell(row=r + 2, column=c + 1), value, table.kind_of(r, c))
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
