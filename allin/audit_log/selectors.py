"""Reads for the audit page: the events in scope, filtered, newest first."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select

from ..access import visible
from ..extensions import db
from ..models import AuditEvent, User
from ..training.times import from_local

MAX_ROWS = 10_000  # a download holds at most this many events


def events(actor, *, who: str = "", what: str = "", since=None, until=None) -> Select:
    """The events `actor` may read, newest first; `who` is part of a name of someone the
    actor may see, `since` and `until` are days in Oslo (both included)."""
    stmt = visible(AuditEvent, actor)
    if who:
        names = visible(User, actor).where(User.name.icontains(who, autoescape=True))
        stmt = stmt.where(AuditEvent.actor_id.in_(names.with_only_columns(User.id)))
    if what:
        stmt = stmt.where(AuditEvent.action == what)
    if since:
        stmt = stmt.where(AuditEvent.created_at >= _start_of(since))
    if until:
        stmt = stmt.where(AuditEvent.created_at < _start_of(until + timedelta(days=1)))
    return stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def _start_of(day: date) -> datetime:
    return from_local(datetime.combine(day, time()))


def actor_names(actor, events) -> dict[int, str]:
    """The names of the people who did these events, of those `actor` may see (one query)."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    stmt = visible(User, actor).where(User.id.in_(ids)).with_only_columns(User.id, User.name)
    return dict(db.session.execute(stmt).all())
