"""The report as it is shown and downloaded: figures of each municipality (and the network's
totals) for the period and each of its terms, with small numbers suppressed once over the
whole table, so that every view of it (the page, the charts, the CSV, the workbook) shows the
same cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..i18n import format_decimal
from ..training.display import format_percent
from .figures import AGE_BANDS, CHANNELS, INDEX, LEFT, NOTHING, STAGES, TOTAL, counts
from .periods import Period
from .suppression import Sum, suppress


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    people: bool = False  # counts young people: suppressed
    rate: tuple[str, str] | None = None  # (numerator, denominator) of a share


def _stage_label(key):
    return STAGES[key].label


SECTIONS = [
    (
        _l("Cohorts and sessions"),
        [
            Column("cohorts_started", _l("Cohorts started")),
            Column("cohorts_completed", _l("Cohorts completed")),
            Column("sessions_held", _l("Sessions held")),
            Column("attendance", _l("Attendance"), rate=("attended", "marked")),
        ],
    ),
    (
        _l("Ambassadors"),
        [
            Column("enrolled", _l("Enrolled"), people=True),
            Column("active", _l("Came to a session"), people=True),
            Column("graduated", _l("Graduated"), people=True),
            Column("withdrawn", _l("Left a cohort"), people=True),
            Column("retention", _l("Retention"), rate=("graduated", "finished")),
        ],
    ),
    (
        _l("Age of those enrolled"),
        [
            Column("age_13", _l("13 or younger"), people=True),
            Column("age_14_15", _l("14–15"), people=True),
            Column("age_16_17", _l("16–17"), people=True),
            Column("age_18", _l("18 or older"), people=True),
            Column("age_unknown", _l("Age not recorded"), people=True),
        ],
    ),
    (
        _l("Why they left"),
        [Column(key, reason.label, people=True) for key, reason in LEFT.items()],
    ),
    (
        _l("Concepts"),
        [Column(key, stage.label) for key, stage in STAGES.items()]
        + [
            Column("launched", _l("Launched in the period")),
            Column("running", _l("Of those, still running")),
        ],
    ),
    (
        _l("Reach"),
        [Column("reach_people", _l("People reached"))]
        + [Column(key, _l("of them %(channel)s", channel=c.label)) for key, c in CHANNELS.items()]
        + [Column("events", _l("Events held")), Column("users", _l("Users"))],
    ),
    (
        _l("The guide"),
        [
            Column("guide_entries", _l("Entries published")),
            Column("best_cases", _l("Best cases published")),
        ],
    ),
]
COLUMNS = {column.key: column for _title, columns in SECTIONS for column in columns}
# Figures where the terms add up to the period (a cohort ends, a person leaves, once).
ADDITIVE_PEOPLE = ("graduated", "withdrawn", *LEFT)
# The figures drawn per term.
TREND = (
    "enrolled",
    "active",
    "graduated",
    "withdrawn",
    "retention",
    "cohorts_started",
    "sessions_held",
    "attendance",
    "launched",
    "reach_people",
    "guide_entries",
)


class Shown(NamedTuple):
    """One cell as the reader gets it: a count, a share, "<5" or ":". (A tuple: a report
    since the start has some 16,000 cells, and a frozen dataclass took ~2 µs to make each.)"""

    value: int | float | None  # None when hidden
    mark: str = ""  # "<5" or ":" when hidden

    @property
    def hidden(self) -> bool:
        return self.value is None


def shown(cell: Shown) -> str:
    """A cell as the page writes it: its mark, a share as a percentage or a count in the
    reader's format. A function, not a macro: a report shows over a thousand cells, and a
    macro's call costs Jinja several times as much."""
    if cell.value is None:
        return cell.mark
    if isinstance(cell.value, float):
        return format_percent(cell.value)
    return format_decimal(cell.value)


class Report:
    """The figures of a report and which of them are hidden; each cell is made when it is
    first asked for (a report since the start has some 20,000 cells, and a page shows the
    period's row of each municipality and the terms of one)."""

    def __init__(self, period, terms, entities, rows, primary, secondary, limit):
        self.period = period
        self.terms: list = terms
        self.entities: list[tuple[object, str]] = entities  # (id or TOTAL, name), in order
        self.cells: dict[tuple[object, int, str], Shown] = {}
        self._rows = rows  # {(entity, bucket): figures.FIGURES}
        self._primary, self._hidden = primary, primary | secondary
        self._limit = limit

    def cell(self, entity, bucket: int, key: str) -> Shown:
        found = self.cells.get((entity, bucket, key))
        if found is None:
            found = self.cells[(entity, bucket, key)] = self._shown(entity, bucket, key)
        return found

    def row(self, entity, bucket: int = 0) -> list[Shown]:
        return [self.cell(entity, bucket, key) for key in COLUMNS]

    def _shown(self, entity, bucket: int, key: str) -> Shown:
        column = COLUMNS[key]
        figures = self._rows.get((entity, bucket), NOTHING)
        if column.rate:
            part_key, whole_key = column.rate
            part, whole = figures[INDEX[part_key]], figures[INDEX[whole_key]]
            return _share(part, whole, (entity, bucket, part_key) in self._hidden, self._limit)
        if (entity, bucket, key) in self._primary:
            return Shown(None, f"<{self._limit}")
        if (entity, bucket, key) in self._hidden:
            return Shown(None, ":")
        return Shown(figures[INDEX[key]])


def min_cell() -> int:
    return current_app.config["REPORT_MIN_CELL"]


# The columns that count young people, with where each is in a row of figures.
PEOPLE = [(key, INDEX[key]) for key, column in COLUMNS.items() if column.people]


def build(actor, period: Period, municipalities: list[tuple[int, str]], network: bool) -> Report:
    """The whole report for `actor`: their municipalities' rows, and with `network` the
    network's totals (which also hold the network's own guide entries).

    Suppression looks at every cell that counts young people, of every municipality and
    bucket (the terms add up to the period, the municipalities to the network), so it grows
    with municipalities x terms, never with the people, sessions or answers counted."""
    terms = period.terms()
    buckets = range(len(terms) + 1)
    entities = list(municipalities) + ([(TOTAL, "")] if network else [])
    rows = counts(actor, period)
    limit = min_cell()
    # The small counts, period and terms, each municipality then the network, column by
    # column: the order suppression takes them in (suppression.py, on why an order).
    small = [
        (entity, bucket, key)
        for bucket in buckets
        for entity, _name in entities
        if (entity, bucket) in rows
        for key, index in PEOPLE
        if 0 < rows[(entity, bucket)][index] < limit
    ]
    primary, secondary = suppress(_Values(rows), small, _sums_of(entities, buckets, network), limit)
    return Report(period, terms, entities, rows, primary, secondary, limit)


class _Values:
    """values[(entity, bucket, key)] of the rows, for suppression (which reads few)."""

    def __init__(self, rows):
        self._rows = rows

    def __getitem__(self, key) -> int:
        entity, bucket, name = key
        return self._rows.get((entity, bucket), NOTHING)[INDEX[name]]


def _share(part: int, whole: int, part_hidden: bool, limit: int) -> Shown:
    """A share is shown when at least `limit` are counted and the part is not hidden."""
    if whole == 0:
        return Shown(None, "–")  # nothing to count
    if whole < limit or 0 < part < limit or part_hidden:
        return Shown(None, ":")
    return Shown(part / whole)


def _sums(entities, buckets, network: bool) -> list[Sum]:
    """Every sum of the table whose members may be shown; _sums_of gives a cell's own, in
    this order (tests/test_report_suppression.py holds that they agree)."""
    sums = []
    municipalities = [entity for entity, _name in entities if entity != TOTAL]
    people = [column.key for column in COLUMNS.values() if column.people]
    terms = [bucket for bucket in buckets if bucket]
    for bucket in buckets:
        for entity, _name in entities:
            sums.append(
                Sum(tuple((entity, bucket, k) for k in AGE_BANDS), (entity, bucket, "enrolled"))
            )
            sums.append(
                Sum(tuple((entity, bucket, k) for k in LEFT), (entity, bucket, "withdrawn"))
            )
        if network:
            for key in people:
                sums.append(
                    Sum(tuple((m, bucket, key) for m in municipalities), (TOTAL, bucket, key))
                )
    if terms:
        for entity, _name in entities:
            for key in ADDITIVE_PEOPLE:
                sums.append(Sum(tuple((entity, t, key) for t in terms), (entity, 0, key)))
    return sums


def _sums_of(entities, buckets, network: bool):
    """The sums a cell is a member of, made when suppression asks, in the order of _sums:
    its place's bands or reasons, the municipalities to the network, the terms to the
    period."""
    municipalities = tuple(entity for entity, _name in entities if entity != TOTAL)
    terms = tuple(bucket for bucket in buckets if bucket)

    def sums_of(key) -> list[Sum]:
        entity, bucket, column = key
        found = []
        if column in AGES:
            found.append(
                Sum(tuple((entity, bucket, k) for k in AGE_BANDS), (entity, bucket, "enrolled"))
            )
        elif column in REASONS:
            found.append(
                Sum(tuple((entity, bucket, k) for k in LEFT), (entity, bucket, "withdrawn"))
            )
        if network and COLUMNS[column].people:
            found.append(
                Sum(tuple((m, bucket, column) for m in municipalities), (TOTAL, bucket, column))
            )
        if terms and column in ADDITIVE_PEOPLE:
            found.append(Sum(tuple((entity, t, column) for t in terms), (entity, 0, column)))
        return found

    return sums_of


AGES = {*AGE_BANDS, "enrolled"}
REASONS = {*LEFT, "withdrawn"}


HEADLINE = ("enrolled", "active", "cohorts_started", "sessions_held", "attendance", "launched")


def headline(
    actor, municipalities: list[tuple[int, str]], period: Period
) -> list[tuple[object, Shown]]:
    """The network's figures of `period` for the home of those who work for the network."""
    report = build(actor, period, municipalities, network=True)
    return [(COLUMNS[key].label, report.cell(TOTAL, 0, key)) for key in HEADLINE]
