"""Downloads staff open in a spreadsheet: one table, as .xlsx or as CSV (issue 21).

Every download goes through `download()`: the same rows in either format, an audit event that
says who took what and how many rows (never the data itself), and cells that a spreadsheet
shows as text rather than runs (OWASP "CSV injection"). CSV is UTF-8 with a byte-order mark,
`;`-separated for Norwegian readers and `,` for English ones, so Excel opens it with æøå intact
in either locale.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import xlsxwriter
from flask import Response
from flask_babel import format_decimal, format_percent, get_locale

from . import audit
from .transactions import write_apart

KINDS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_NAME = re.compile(r"[^\w -]+")
_UNSAFE_IN_SHEET = re.compile(r"[\[\]:*?/\\]")

# A float is a share, shown as a percentage; a Decimal an average, shown with one decimal.
Cell = str | int | float | Decimal | date | None


@dataclass(frozen=True)
class Table:
    title: str  # the file's name and the sheet's, in the reader's language
    headings: list[str]
    rows: list[list[Cell]]
    notes: tuple[str, ...] = ()  # lines above the headings: what the table is, when made


def as_text(value: str) -> str:
    """A cell that would start a formula gets an apostrophe first, which spreadsheets show
    as text; everything else is left as it is."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_bytes(table: Table, language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if language == "nb" else ",", lineterminator="\r\n")
    for note in table.notes:
        writer.writerow([as_text(note)])
    if table.notes:
        writer.writerow([])
    writer.writerow([as_text(h) for h in table.headings])
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_percent(value)
    if isinstance(value, Decimal):
        return format_decimal(value, "0.0")
    return as_text(str(value))


def xlsx_bytes(tables: list[Table]) -> bytes:
    """A sheet per table: bold headings that stay in view, dates as dates, shares as
    percentages, text always as text."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    styles = {
        "bold": book.add_format({"bold": True}),
        "day": book.add_format({"num_format": "yyyy-mm-dd"}),
        "share": book.add_format({"num_format": "0%"}),
        "average": book.add_format({"num_format": "0.0"}),
    }
    for table in tables:
        _sheet(book, table, styles)
    book.close()
    return out.getvalue()


def _sheet(book, table: Table, styles: dict) -> None:
    sheet = book.add_worksheet(_UNSAFE_IN_SHEET.sub("-", table.title)[:31])  # Excel's limits
    widths = [len(h) for h in table.headings]
    for number, note in enumerate(table.notes):
        sheet.write_string(number, 0, note)
    top = len(table.notes) + 1 if table.notes else 0
    for column, heading in enumerate(table.headings):
        sheet.write_string(top, column, heading, styles["bold"])
    for number, row in enumerate(table.rows, start=top + 1):
        for column, value in enumerate(row):
            _write(sheet, number, column, value, styles)
            widths[column] = max(widths[column], len(str(value or "")))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, min(width + 2, 60))
    sheet.freeze_panes(top + 1, 0)


def _write(sheet, row: int, column: int, value: Cell, styles: dict) -> None:
    if isinstance(value, date):
        sheet.write_datetime(row, column, value, styles["day"])
    elif isinstance(value, float):
        sheet.write_number(row, column, value, styles["share"])
    elif isinstance(value, Decimal):
        sheet.write_number(row, column, float(value), styles["average"])
    elif isinstance(value, int):
        sheet.write_number(row, column, value)
    elif value:
        sheet.write_string(row, column, value)  # a string is never a formula here


def download(
    tables: list[Table], kind: str, *, name: str, actor, target, what: str, **detail
) -> Response:
    """The tables as a file called `name` (a CSV holds one table), with its audit event
    (written apart: a GET reads); `detail` goes into the event (never personal data)."""
    if kind == "csv":
        assert len(tables) == 1, "a CSV file holds one table"
        body = csv_bytes(tables[0], str(get_locale().language))
    else:
        body = xlsx_bytes(tables)
    with write_apart():
        audit.record(
            "export.downloaded",
            actor=actor,
            target=target,
            what=what,
            kind=kind,
            rows=sum(len(table.rows) for table in tables),
            **detail,
        )
    name = f"{_UNSAFE_IN_NAME.sub('-', name).strip(' -') or 'export'}.{kind}"
    return Response(
        body,
        mimetype=KINDS[kind],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",  # personal data: not kept by the browser or a proxy
        },
    )
