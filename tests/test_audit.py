"""The audit trail is append-only in the database itself (SECURITY 32), on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from allin import audit
from allin.enums import Role
from allin.extensions import db
from allin.models import AuditEvent, User
from tests.conftest import is_postgres
from tests.factories import make_user


@pytest.fixture
def event_id(ctx) -> int:
    event = audit.record("test.recorded", reason="kept")
    db.session.commit()
    return event.id


@pytest.mark.parametrize(
    "statement",
    [
        lambda: update(AuditEvent).values(action="test.rewritten"),
        lambda: update(AuditEvent).values(actor_id=None),
        lambda: delete(AuditEvent),
    ],
    ids=["rewrite", "null-the-actor", "delete"],
)
def test_rows_cannot_be_changed_or_deleted(event_id, statement):
    with pytest.raises(DBAPIError, match="audit_event is append-only"):
        db.session.execute(statement())
    db.session.rollback()
    assert db.session.get(AuditEvent, event_id).action == "test.recorded"


def test_orm_delete_is_refused_too(event_id):
    db.session.delete(db.session.get(AuditEvent, event_id))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


@pytest.mark.skipif(not is_postgres(), reason="TRUNCATE is PostgreSQL's")
def test_truncate_is_refused(event_id):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE audit_event"))
    db.session.rollback()
    assert db.session.get(AuditEvent, event_id) is not None


def test_deleting_a_person_leaves_their_history_untouched(ctx):
    """The actor id is a plain number, not a foreign key that would be set to NULL."""
    person = make_user(Role.COORDINATOR)
    audit.record("test.done", actor=person)
    db.session.commit()
    person_id, municipality_id = person.id, person.municipality_id
    db.session.delete(db.session.get(User, person_id))
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "test.done"))
    assert (event.actor_id, event.municipality_id) == (person_id, municipality_id)


def test_new_events_are_still_added(event_id):
    audit.record("test.second")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 2
