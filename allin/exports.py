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
from urllib.parse import quote

import xlsxwriter
from flask import Response
from flask_babel import get_locale

from . import audit
from .sqlite import write_apart

KINDS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_NAME = re.compile(r"[^\w -]+")

Cell = str | int | date | None


@dataclass(frozen=True)
class Table:
    title: str  # the file's name and the sheet's, in the reader's language
    headings: list[str]
    rows: list[list[Cell]]


def as_text(value: str) -> str:
    """A cell that would start a formula gets an apostrophe first, which spreadsheets show
    as text; everything else is left as it is."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_bytes(table: Table, language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if language == "nb" else ",", lineterminator="\r\n")
    writer.writerow([as_text(h) for h in table.headings])
    for row in table.rows:
        writer.writerow(["" if v is None else as_text(str(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(table: Table) -> bytes:
    """One sheet: bold headings that stay in view, dates as dates, text always as text."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(table.title[:31])  # Excel's limit for a sheet name
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    widths = [len(h) for h in table.headings]
    for column, heading in enumerate(table.headings):
        sheet.write_string(0, column, heading, bold)
    for number, row in enumerate(table.rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(number, column, value, day)
            elif isinstance(value, int):
                sheet.write_number(number, column, value)
            elif value:
                sheet.write_string(number, column, value)
            widths[column] = max(widths[column], len(str(value or "")))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, min(width + 2, 60))
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def download(table: Table, kind: str, *, actor, target, what: str) -> Response:
    """The table as a file to save, with its audit event (written apart: a GET reads)."""
    language = str(get_locale().language)
    body = csv_bytes(table, language) if kind == "csv" else xlsx_bytes(table)
    with write_apart():
        audit.record(
            "export.downloaded",
            actor=actor,
            target=target,
            what=what,
            kind=kind,
            rows=len(table.rows),
        )
    name = f"{_UNSAFE_IN_NAME.sub('-', table.title).strip(' -') or 'export'}.{kind}"
    return Response(
        body,
        mimetype=KINDS[kind],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",  # personal data: not kept by the browser or a proxy
        },
    )
