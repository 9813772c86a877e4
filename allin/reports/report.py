"""The report as it is shown and downloaded: figures of each municipality (and the network's
totals) for the period and each of its terms, with small numbers suppressed once over the
whole table, so that every view of it (the page, the charts, the CSV, the workbook) shows the
same cells."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l

from .figures import AGE_BANDS, CHANNELS, LEFT, STAGES, counts
from .periods import Period
from .suppression import Sum, suppress

TOTAL = "total"  # the network's row


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


@dataclass
class Report:
    period: Period
    terms: list
    entities: list[tuple[object, str]]  # (municipality id or TOTAL, name), in order
    cells: dict[tuple[object, int, str], Shown] = field(default_factory=dict)

    def cell(self, entity, bucket: int, key: str) -> Shown:
        return self.cells[(entity, bucket, key)]

    def row(self, entity, bucket: int = 0) -> list[Shown]:
        return [self.cells[(entity, bucket, key)] for key in COLUMNS]


def min_cell() -> int:
    return current_app.config["REPORT_MIN_CELL"]


def build(actor, period: Period, municipalities: list[tuple[int, str]], network: bool) -> Report:
    """The whole report for `actor`: their municipalities' rows, and with `network` the
    network's totals (which also hold the network's own guide entries)."""
    terms = period.terms()
    buckets = range(len(terms) + 1)
    entities = list(municipalities) + ([(TOTAL, "")] if network else [])
    raw = _added_up(counts(actor, period), municipalities, buckets, network)
    values = {
        (entity, bucket, key): figures[key]
        for (entity, bucket), figures in raw.items()
        for key in (*COLUMNS, "attended", "marked", "finished")
    }
    people = [key for key in values if key[2] in COLUMNS and COLUMNS[key[2]].people]
    limit = min_cell()
    primary, secondary = suppress(values, people, _sums(entities, buckets, network), limit)
    report = Report(period, terms, entities)
    hidden = primary | secondary
    for key in values:
        column = COLUMNS.get(key[2])
        if column is None:
            continue
        if column.rate:
            report.cells[key] = _share(values, key, column, hidden, limit)
        elif key in primary:
            report.cells[key] = Shown(None, f"<{limit}")
        elif key in secondary:
            report.cells[key] = Shown(None, ":")
        else:
            report.cells[key] = Shown(values[key])
    return report


def _added_up(found, municipalities, buckets, network: bool) -> dict[tuple, Counter]:
    """Each municipality's counts per bucket, the network's totals, and the reach summed."""
    raw: dict[tuple[object, int], Counter] = {}
    for bucket in buckets:
        total = Counter()
        for municipality_id, _name in municipalities:
            figures = found.get((municipality_id, bucket), Counter())
            raw[(municipality_id, bucket)] = figures
            total.update(figures)
        if network:
            total.update(found.get((None, bucket), Counter()))  # the network's guide entries
            raw[(TOTAL, bucket)] = total
    for figures in raw.values():
        figures["reach_people"] = sum(figures[key] for key in CHANNELS)
    return raw


def _share(values, key, column, hidden, limit) -> Shown:
    """A share is shown when at least `limit` are counted and the part is not hidden."""
    entity, bucket, _key = key
    part_key, whole_key = column.rate
    part, whole = values[(entity, bucket, part_key)], values[(entity, bucket, whole_key)]
    if whole == 0:
        return Shown(None, "–")  # nothing to count
    if whole < limit or 0 < part < limit or (entity, bucket, part_key) in hidden:
        return Shown(None, ":")
    return Shown(part / whole)


def _sums(entities, buckets, network: bool) -> list[Sum]:
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


HEADLINE = ("enrolled", "active", "cohorts_started", "sessions_held", "attendance", "launched")


def headline(
    actor, municipalities: list[tuple[int, str]], period: Period
) -> list[tuple[object, Shown]]:
    """The network's figures of `period` for the home of those who work for the network."""
    report = build(actor, period, municipalities, network=True)
    return [(COLUMNS[key].label, report.cell(TOTAL, 0, key)) for key in HEADLINE]
