"""The database keeps the invariants: role and municipality agree; times are aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import CheckConstraint, Enum, inspect, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.sql.elements import conv

from allin.enums import Role
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


def test_unknown_role_is_refused_by_the_model_and_the_database(ctx):
    db.session.add(User(role="superuser", name="A", email="a@example.com"))
    with pytest.raises(StatementError, match="superuser"):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):  # the CHECK generated from the enum
        db.session.execute(
            text(
                'INSERT INTO "user" (role, name, email, active, created_at, updated_at) '
                "VALUES ('superuser', 'A', 'a@example.com', true, :t, :t)"
            ),
            {"t": "2026-01-01 00:00:00+00:00"},
        )


def test_every_enum_value_fits_its_column():
    import allin.enums as enums

    for enum_cls in enums.LabelledEnum.__subclasses__():
        assert all(len(member.value) <= enums.ENUM_LENGTH for member in enum_cls), enum_cls


def test_enum_columns_load_as_their_enum(ctx):
    user = make_user(Role.YOUTH_WORKER)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(User, user.id)
    assert loaded.role is Role.YOUTH_WORKER
    assert str(loaded.role.label) == "Ungdomsarbeider"  # nb, the default


def test_migrated_check_constraints_are_the_models_own(ctx):
    """Autogenerate does not compare CHECK constraints, so compare their names here: each
    enum column's constraint exists in the migrated database under its convention name."""
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint) and c.name}
        declared |= {
            conv(f"ck_{table.name}_{column.type.name}")
            for column in table.columns
            if isinstance(column.type, Enum)
        }
        reflected = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert declared == reflected, table.name


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
