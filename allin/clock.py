"""Time in one place: aware UTC everywhere, and a column type that keeps it aware on SQLite.

Tests freeze time by monkeypatching ``allin.clock.utcnow``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def now() -> datetime:
    """Indirection so that defaults and services pick up a frozen clock in tests."""
    return utcnow()


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on both engines.

    PostgreSQL keeps the offset (``timestamp with time zone``); SQLite stores text without one
    and hands back naive values. Values are converted to UTC on the way in and marked UTC on the
    way out, so comparisons never mix naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use allin.clock.now()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
