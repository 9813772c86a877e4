"""A class from a spreadsheet: parse and check a CSV, keep the preview, confirm it once.

Excel and Google Sheets export CSV with commas or semicolons (Norwegian Excel: semicolons,
Windows-1252); the header may be in bokmål or English, in any order. Nothing is written until
the person confirms the preview, and then every row is written or none (one transaction).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import TextIO

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from .. import audit
from ..access import visible
from ..ambassadors import rules
from ..ambassadors.forms import PHONE
from ..ambassadors.services import Person, person_problem
from ..clock import now
from ..enums import CohortRole, CohortStatus, EnrolmentStatus
from ..errors import DomainError
from ..extensions import db
from ..fields import CONTROL, clean
from ..models import Ambassador, Cohort, CohortImport, Enrolment, User
from ..models.ambassadors import name_key
from ..single_use import spend
from .rules import can_enrol_in

FIELDS = (
    "name",
    "birth_year",
    "school",
    "phone",
    "email",
    "guardian_name",
    "guardian_phone",
    "guardian_email",
)
REQUIRED = ("name", "birth_year")
# The template's headers, per language; any of them (and the aliases) are understood.
TEMPLATE_HEADERS = {
    "nb": (
        "Navn",
        "Fødselsår",
        "Skole",
        "Telefon",
        "E-post",
        "Foresatt",
        "Foresatt telefon",
        "Foresatt e-post",
    ),
    "en": (
        "Name",
        "Birth year",
        "School",
        "Phone",
        "Email",
        "Guardian",
        "Guardian phone",
        "Guardian email",
    ),
}
ALIASES = {
    "name": ("fullt navn", "full name", "elev", "student", "fornavn og etternavn"),
    "birth_year": ("fodt", "født", "year of birth", "born", "årskull"),
    "school": ("klasse", "class", "skole/klasse", "school/class", "school or class"),
    "phone": ("mobil", "mobile", "tlf", "mobilnummer", "phone number", "telefonnummer"),
    "email": ("epost", "e-mail", "mail", "e-postadresse", "email address"),
    "guardian_name": ("foresatte", "foresattes navn", "guardian name", "parent", "forelder"),
    "guardian_phone": ("foresattes telefon", "foresatt mobil", "parent phone", "foresatt tlf"),
    "guardian_email": ("foresattes e-post", "guardian e-mail", "parent email", "foresatt epost"),
}
LABELS = {
    "name": _l("name"),
    "birth_year": _l("birth year"),
    "school": _l("school"),
    "phone": _l("phone"),
    "email": _l("e-mail"),
    "guardian_name": _l("guardian"),
    "guardian_phone": _l("guardian phone"),
    "guardian_email": _l("guardian e-mail"),
}
# A spreadsheet of people has a handful of columns of short cells; a file with more is not
# one, and is refused before it costs a worker its time (issue 19).
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1000
LENGTHS = {"name": 120, "school": 120, "guardian_name": 120, "phone": 30, "guardian_phone": 30}


def _fold_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name_key(text))


HEADER_FIELDS = {
    _fold_header(alias): name
    for name in FIELDS
    for alias in (
        *ALIASES[name],
        *(headers[FIELDS.index(name)] for headers in TEMPLATE_HEADERS.values()),
    )
}


# CONTROL without tab, line feed and carriage return: characters no CSV file contains.
BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


class ImportProblem(DomainError):
    """The file as a whole cannot be read; nothing is stored."""


@dataclass
class Row:
    row: int  # as the spreadsheet shows it: the header is row 1
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # [column header, message]
    action: str = "create"  # create | enrol | skip | error
    ambassador_id: int | None = None
    # What a refused cell said (up to its column's length), to correct it on the page.
    typed: dict = field(default_factory=dict)


# ---- reading the file -----------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Norwegian Excel writes it."""
    if not data.strip():
        raise ImportProblem(_l("The file is empty."))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ImportProblem(
            _l("This is an Excel file, not CSV. In Excel choose File → Save as → CSV, then upload.")
        )
    if b"\x00" in data:
        raise ImportProblem(_l("This is not a CSV file (it contains binary data)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportProblem(
                _l("We cannot read the characters in this file. Save it again as “CSV UTF-8”.")
            ) from None
    if BINARY.search(text):
        raise ImportProblem(_l("This is not a CSV file (it contains binary data)."))
    return text


def delimiter(text: str) -> str:
    """Semicolon or comma, whichever the header line uses more (the csv Sniffer guesses
    wrong on short files)."""
    header, start = "", 0
    while not header.strip() and start < len(text):  # the first line with something on it
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        header, start = text[start:end], end + 1
    return ";" if header.count(";") > header.count(",") else ","


def _records(stream: TextIO, sep: str) -> Iterator[tuple[int, list[str]]]:
    """Each row as it is read, numbered as the spreadsheet shows it, with at most
    MAX_COLUMNS columns (empty ones at the end do not count) of at most MAX_CELL_CHARS."""
    reader = csv.reader(stream, delimiter=sep)
    for number in itertools.count(1):
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:  # the csv module's own limit: a cell of over 131,072 characters
            raise ImportProblem(_too_long(number)) from None
        while cells and not cells[-1].strip():
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise ImportProblem(
                _l(
                    "Row %(row)s has %(count)s columns; at most %(max)s can be read. "
                    "Is this the right file?",
                    row=number,
                    count=format_decimal(len(cells)),
                    max=MAX_COLUMNS,
                )
            )
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            raise ImportProblem(_too_long(number))
        yield number, cells


def _too_long(row: int):
    return _l(
        "Row %(row)s has a cell longer than %(max)s characters. Is this the right file?",
        row=row,
        max=format_decimal(MAX_CELL_CHARS),
    )


def read_table(
    stream: TextIO, sep: str, *, limit: int
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows with something in them, read lazily: reading stops at the
    first row over `limit`, so a file of millions of rows costs no more than a full one."""
    filled = ((n, cells) for n, cells in _records(stream, sep) if any(c.strip() for c in cells))
    header = next(filled, None)
    if header is None:
        raise ImportProblem(_l("The file is empty."))
    body = list(itertools.islice(filled, limit + 1))
    if not body:
        raise ImportProblem(_l("The file has headings but no people in it."))
    if len(body) > limit:
        raise ImportProblem(
            _l(
                "The file has more than %(limit)s rows; at most %(limit)s can be imported at "
                "a time. Split it into smaller files.",
                limit=format_decimal(limit),
            )
        )
    return header[1], body


def map_header(header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> field, and the headers we ignore."""
    columns, ignored = {}, []
    for index, title in enumerate(header):
        name = HEADER_FIELDS.get(_fold_header(title))
        if name is None or name in columns.values():
            if title.strip():
                ignored.append(clean(title))
            continue
        columns[index] = name
    missing = [n for n in REQUIRED if n not in columns.values()]
    if missing:
        raise ImportProblem(
            _l(
                "The first row must name the columns; we found no column for %(columns)s. "
                "Download the template to see the headings.",
                columns=", ".join(str(LABELS[n]) for n in missing),
            )
        )
    return columns, ignored


# ---- checking rows --------------------------------------------------------------------------


def _check_value(name: str, value: str) -> tuple[str | int | None, str | None]:
    """The cleaned value and a problem in plain words, or None."""
    value = clean(value) or ""
    if CONTROL.search(value):
        return None, _("remove the invisible control characters")
    if name in LENGTHS and len(value) > LENGTHS[name]:
        return None, _("at most %(max)s characters", max=LENGTHS[name])
    if not value:
        return None, None
    if name == "birth_year":
        return _birth_year(value)
    if name in ("phone", "guardian_phone") and not PHONE.match(value):
        return None, _("not a phone number (like +47 912 34 567)")
    if name in ("email", "guardian_email"):
        try:
            return validate_email(value, check_deliverability=False).normalized.lower(), None
        except EmailNotValidError:
            return None, _("not an e-mail address (like name@example.no)")
    return value, None


def _birth_year(value: str):
    earliest, latest = rules.plausible_birth_years()
    if not re.fullmatch(r"\d{4}", value):
        return None, _("write the year with four digits, e.g. 2011")
    year = int(value)
    if not earliest <= year <= latest:
        return None, _(
            "%(year)s is not plausible: from %(earliest)s to %(latest)s (10 to 25 years old)",
            year=year,
            earliest=earliest,
            latest=latest,
        )
    return year, None


def check_row(number: int, cells: list[str], columns: dict[int, str], titles: list[str]) -> Row:
    row = Row(row=number)
    for index, name in columns.items():
        cell = cells[index] if index < len(cells) else ""
        value, problem = _check_value(name, cell)
        if problem:
            row.errors.append([titles[index], problem])
            row.typed[name] = CONTROL.sub("", clean(cell) or "")[: LENGTHS.get(name, 254)]
        row.values[name] = value
    header_of = {name: titles[i] for i, name in columns.items()}
    if not row.values.get("name") and not _has_error(row, header_of["name"]):
        row.errors.append([header_of["name"], _("the name is missing")])
    if row.values.get("birth_year") is None and not _has_error(row, header_of["birth_year"]):
        row.errors.append([header_of["birth_year"], _("the birth year is missing")])
    if not row.errors:
        problem = person_problem(Person(**{n: row.values.get(n) for n in FIELDS}))
        if problem:
            row.errors.append([header_of.get("guardian_name", _("guardian")), str(problem)])
    return row


def _has_error(row: Row, column: str) -> bool:
    return any(c == column for c, _m in row.errors)


def _key(row: Row) -> tuple[str, int]:
    return name_key(row.values["name"]), row.values["birth_year"]


def match(rows: list[Row], *, actor: User, cohort: Cohort) -> None:
    """Mark rows of people the municipality already knows (enrol them instead), people already
    in the cohort (skip), and the same person twice in the file (an error)."""
    good = [r for r in rows if not r.errors]
    known: dict[tuple[str, int], list[int]] = {}
    keys = sorted({_key(r)[0] for r in good})
    for start in range(0, len(keys), 500):
        stmt = visible(Ambassador, actor).with_only_columns(
            Ambassador.id, Ambassador.name_key, Ambassador.birth_year
        )
        for id_, key, year in db.session.execute(
            stmt.where(Ambassador.name_key.in_(keys[start : start + 500]))
        ):
            known.setdefault((key, year), []).append(id_)
    enrolled = set(
        db.session.scalars(select(Enrolment.ambassador_id).where(Enrolment.cohort_id == cohort.id))
    )
    seen: dict[tuple[str, int], int] = {}
    for row in good:
        _classify(row, known.get(_key(row), []), enrolled, seen)
    for row in rows:
        if row.errors:
            row.action = "error"


def _classify(row: Row, ids: list[int], enrolled: set[int], seen: dict) -> None:
    key = _key(row)
    if key in seen:
        row.errors.append(["", _("the same person as in row %(row)s", row=seen[key])])
        return
    seen[key] = row.row
    if len(ids) > 1:
        row.errors.append(
            ["", _("several people with this name and birth year are known: enrol by hand")]
        )
    elif ids:
        row.ambassador_id = ids[0]
        row.action = "skip" if ids[0] in enrolled else "enrol"
    else:
        row.action = "create"


# ---- preview and confirmation ---------------------------------------------------------------


def preview(*, actor: User, cohort: Cohort, data: bytes, filename: str) -> CohortImport:
    """Read the file and keep what it would do, for the actor only, for an hour."""
    if not can_enrol_in(actor, cohort) or cohort.status == CohortStatus.COMPLETED:
        raise DomainError(_l("You cannot import into this cohort."))
    text = decode(data)
    header, body = read_table(
        io.StringIO(text, newline=""), delimiter(text), limit=current_app.config["IMPORT_MAX_ROWS"]
    )
    columns, ignored = map_header(header)
    titles = [clean(t) for t in header]
    rows = [check_row(n, cells, columns, titles) for n, cells in body]
    match(rows, actor=actor, cohort=cohort)
    stored = CohortImport(
        key=secrets.token_urlsafe(32),
        municipality_id=cohort.municipality_id,
        cohort_id=cohort.id,
        created_by_id=actor.id,
        expires_at=now() + timedelta(minutes=current_app.config["IMPORT_PREVIEW_MINUTES"]),
        filename=clean(filename or "")[:200],
        row_count=len(rows),
        error_count=sum(1 for r in rows if r.errors),
        payload={"rows": [asdict(r) for r in rows], "ignored": ignored},
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def _check_owner(stored: CohortImport, *, actor: User, cohort: Cohort) -> None:
    if not can_enrol_in(actor, cohort) or stored.created_by_id != actor.id:
        raise DomainError(_l("You cannot import into this cohort."))
    if stored.cohort_id != cohort.id or cohort.status == CohortStatus.COMPLETED:
        raise DomainError(_l("You cannot import into this cohort."))


def confirm(
    stored: CohortImport, *, actor: User, cohort: Cohort, skip_errors: bool = False
) -> dict:
    """Write the rows of a preview, once: of two confirmations exactly one writes. Rows with
    an error are written by no one: the preview must be clean, or `skip_errors` says to leave
    them out (their row numbers come back, never their contents)."""
    _check_owner(stored, actor=actor, cohort=cohort)
    if stored.error_count and not skip_errors:
        raise DomainError(
            _l("Correct the rows with errors in the spreadsheet and upload it again.")
        )
    if spend(CohortImport, stored.id, "confirmed_at", CohortImport.expires_at > now()) is None:
        raise DomainError(_l("This import is already done or has expired; nothing was written."))
    rows = [Row(**r) for r in stored.payload["rows"]]
    stored.payload = {"rows": [], "ignored": []}  # the people are saved: keep no copy of them
    _rematch(rows, actor=actor, cohort=cohort)  # again: someone may have enrolled since
    if any(r.errors for r in rows) and not skip_errors:
        raise DomainError(_l("The cohort changed since the preview. Upload the file again."))
    skipped = [r.row for r in rows if r.errors]
    rows = [r for r in rows if not r.errors]
    created = _create_people(rows, actor=actor)
    to_enrol = [r.ambassador_id for r in rows if r.action == "enrol"] + created
    _enrol_all(to_enrol, actor=actor, cohort=cohort)
    counts = {"created": len(created), "enrolled": len(to_enrol), "rows": len(rows)}
    audit.record("import.confirmed", actor=actor, target=cohort, skipped=len(skipped), **counts)
    return {**counts, "skipped": skipped}


def correct(
    stored: CohortImport, number: int, typed: dict[str, str], *, actor: User, cohort: Cohort
) -> Row:
    """Check one row of a preview again with what staff typed on the page, and match the whole
    file again (a corrected row may now be someone known, or the same as another row)."""
    _check_owner(stored, actor=actor, cohort=cohort)
    if stored.confirmed_at is not None or stored.expires_at <= now():
        raise DomainError(_l("This import is already done or has expired; nothing was written."))
    rows = [Row(**r) for r in stored.payload["rows"]]
    index = next((i for i, r in enumerate(rows) if r.row == number), None)
    if index is None:
        raise DomainError(_l("That row is not in this file."))
    names = [name for name in FIELDS if name in rows[index].values]
    titles = [str(LABELS[name]) for name in names]
    rows[index] = check_row(
        number, [typed.get(n, "") for n in names], dict(enumerate(names)), titles
    )
    _rematch(rows, actor=actor, cohort=cohort)
    stored.payload = {
        "rows": [asdict(r) for r in rows],
        "ignored": stored.payload.get("ignored", []),
    }
    stored.error_count = sum(1 for r in rows if r.errors)
    return rows[index]


def _rematch(rows: list[Row], *, actor: User, cohort: Cohort) -> None:
    """Match again: what the last match said (known, in the cohort, twice in the file) goes;
    a value's own problem stays until the row is corrected."""
    for row in rows:
        row.errors = [error for error in row.errors if error[0]]
        row.action, row.ambassador_id = ("error" if row.errors else "create"), None
    match(rows, actor=actor, cohort=cohort)


def _create_people(rows: list[Row], *, actor: User) -> list[int]:
    new = [r for r in rows if r.action == "create"]
    if not new:
        return []
    stamp = now()
    values = [
        {
            **{n: r.values.get(n) or None for n in FIELDS},
            "name_key": name_key(r.values["name"]),
            "municipality_id": actor.municipality_id,
            "created_by_id": actor.id,
            "created_at": stamp,
            "updated_at": stamp,
        }
        for r in new
    ]
    result = db.session.execute(
        insert(Ambassador).returning(Ambassador.id, sort_by_parameter_order=True), values
    )
    return list(result.scalars())


def _enrol_all(ambassador_ids: list[int], *, actor: User, cohort: Cohort) -> None:
    if not ambassador_ids:
        return
    stamp = now()
    db.session.execute(
        insert(Enrolment),
        [
            {
                "municipality_id": cohort.municipality_id,
                "cohort_id": cohort.id,
                "ambassador_id": ambassador_id,
                "status": EnrolmentStatus.ACTIVE,
                "role": CohortRole.AMBASSADOR,
                "enrolled_by_id": actor.id,
                "enrolled_at": stamp,
            }
            for ambassador_id in ambassador_ids
        ],
    )


def delete_expired_previews() -> int:
    """Delete the previews past their time: unconfirmed ones still hold the file's names and
    phone numbers. `flask --app allin sweep-files` runs this daily; returns how many went."""
    result = db.session.execute(delete(CohortImport).where(CohortImport.expires_at <= now()))
    return result.rowcount


def template_csv(language: str) -> bytes:
    """The headings in the user's language, as a spreadsheet opens them (BOM, semicolons in
    Norwegian like Excel there)."""
    headers = TEMPLATE_HEADERS.get(language, TEMPLATE_HEADERS["en"])
    out = io.StringIO()
    csv.writer(out, delimiter=";" if language == "nb" else ",", lineterminator="\r\n").writerow(
        headers
    )
    return out.getvalue().encode("utf-8-sig")


def find_preview(actor: User, cohort: Cohort, key: str) -> CohortImport | None:
    """The actor's own preview for this cohort (others' and foreign ones do not exist)."""
    stmt = visible(CohortImport, actor).where(
        CohortImport.key == key[:43], CohortImport.cohort_id == cohort.id
    )
    return db.session.scalar(stmt)
