"""Sessions are entered and shown in Europe/Oslo and stored as aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ..clock import now
from ..errors import DomainError

OSLO = ZoneInfo("Europe/Oslo")


def from_local(wall: datetime) -> datetime:
    """UTC for a wall-clock time in Oslo. In the autumn's repeated hour the first (summer
    time) reading is meant; a time the spring change skips is refused."""
    aware = wall.replace(tzinfo=OSLO, fold=0)
    if aware.astimezone(UTC).astimezone(OSLO).replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise DomainError(
            _l("That time does not exist in Norway: the clocks skip an hour then. Choose another.")
        )
    return aware.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """The Oslo wall-clock reading of an aware moment (for forms)."""
    return moment.astimezone(OSLO)


def local_date(moment: datetime) -> date:
    return moment.astimezone(OSLO).date()


def today() -> date:
    """Today in Oslo (a session's roll call opens on this day)."""
    return local_date(now())
