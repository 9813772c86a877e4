"""The report's period (from and to, both days included) and the terms it is cut into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..clock import now
from ..training.times import OSLO

# The programme's grant from the foundation (the preset the network reports on).
GRANT_PERIOD = (date(2024, 1, 1), date(2026, 12, 31))
# Nothing the programme holds is older than this; a later "to" than next year is a typo.
EARLIEST = date(2010, 1, 1)

PRESETS = {
    "this_year": _l("This year"),
    "last_year": _l("Last year"),
    "this_term": _l("This term"),
    "last_term": _l("Last term"),
    "grant": _l("The grant period 2024–2026"),
    "since_start": _l("Since the start"),
}


def today() -> date:
    return now().astimezone(OSLO).date()


def latest_allowed() -> date:
    return date(today().year + 1, 12, 31)


@dataclass(frozen=True)
class Period:
    starts: date
    ends: date  # included

    @property
    def after(self) -> date:
        """The first day after the period."""
        return self.ends + timedelta(days=1)

    def terms(self) -> list[Term]:
        """The spring (January–June) and autumn (July–December) terms the period touches, each
        cut to the period, oldest first."""
        terms = []
        year, spring = self.starts.year, self.starts.month <= 6
        while True:
            start = date(year, 1 if spring else 7, 1)
            if start > self.ends:
                return terms
            after = date(year, 7, 1) if spring else date(year + 1, 1, 1)
            terms.append(Term(year, spring, max(start, self.starts), min(after, self.after)))
            year, spring = (year, False) if spring else (year + 1, True)


@dataclass(frozen=True)
class Term:
    year: int
    spring: bool
    starts: date
    after: date  # the first day after it

    @property
    def label(self) -> str:
        if self.spring:
            return _("Spring %(year)s", year=self.year)
        return _("Autumn %(year)s", year=self.year)


def preset(name: str, first_day: date | None) -> Period:
    """The period a preset names; "since the start" begins on the scope's first cohort."""
    day = today()
    if name == "last_year":
        return Period(date(day.year - 1, 1, 1), date(day.year - 1, 12, 31))
    if name == "this_term":
        return Period(date(day.year, 1 if day.month <= 6 else 7, 1), day)
    if name == "last_term":
        if day.month <= 6:
            return Period(date(day.year - 1, 7, 1), date(day.year - 1, 12, 31))
        return Period(date(day.year, 1, 1), date(day.year, 6, 30))
    if name == "grant":
        return Period(*GRANT_PERIOD)
    if name == "since_start":
        return Period(max(first_day or date(day.year, 1, 1), EARLIEST), day)
    return Period(date(day.year, 1, 1), day)  # this year


def midnight(day: date) -> datetime:
    """The moment a day begins in Norway, in UTC (what timestamps are compared with)."""
    return datetime.combine(day, datetime.min.time(), OSLO).astimezone(UTC)
