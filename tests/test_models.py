"""The database keeps the invariants: role and municipality agree; times are aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from allin.access import Role
from allin.extensions import db
from allin.models import User
from tests.factories import make_municipality, make_user


def test_coordinator_needs_a_municipality(ctx):
    db.session.add(User(role=Role.COORDINATOR, name="A", email="a@example.com"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_network_admin_has_no_municipality(ctx):
    municipality = make_municipality()
    db.session.add(
        User(role=Role.NETWORK_ADMIN, municipality=municipality, name="A", email="a@example.com")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_unknown_role_is_refused(ctx):
    db.session.add(User(role="superuser", name="A", email="a@example.com"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_user_needs_email_or_username(ctx):
    db.session.add(User(role=Role.NETWORK_ADMIN, name="A"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_datetimes_come_back_aware_utc(ctx):
    oslo = timezone(timedelta(hours=1))
    user = make_user(last_login_at=datetime(2026, 11, 22, 14, 5, tzinfo=oslo))
    db.session.commit()
    user_id = user.id
    db.session.expunge_all()
    loaded = db.session.get(User, user_id)
    assert loaded.last_login_at == datetime(2026, 11, 22, 13, 5, tzinfo=UTC)
    assert loaded.last_login_at.tzinfo is not None
    assert loaded.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(ctx):
    user = make_user()
    user.last_login_at = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive"):
        db.session.flush()


def test_password_hash_is_scrypt(ctx):
    user = make_user(password="æøå med mellomrom")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("æøå med mellomrom")
    assert not user.check_password("æøå med mellomrom ")
