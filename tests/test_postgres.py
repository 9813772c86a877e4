"""PostgreSQL (allin/transactions.py): plain reads run outside a transaction; the first statement
that is not a read begins one, and everything after it until the commit is one transaction.
Which statements are reads: tests/test_transactions.py."""

from __future__ import annotations

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.exc import OperationalError

from allin.extensions import db
from allin.models import Municipality
from tests.conftest import is_postgres

postgres_only = pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's transactions")


def _status(connection) -> TransactionStatus:
    return connection.connection.dbapi_connection.info.transaction_status


@pytest.fixture
def municipality_id(world) -> int:
    return world.municipality_a


@pytest.fixture
def other(database_url):
    """A second connection, as another worker's."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _name(connection, municipality_id) -> str:
    statement = select(Municipality.name).where(Municipality.id == municipality_id)
    name = connection.scalar(statement)
    connection.rollback()
    return name


@postgres_only
def test_a_read_leaves_no_transaction_open(app, municipality_id):
    with app.app_context():
        db.session.get(Municipality, municipality_id)
        assert _status(db.session.connection()) == TransactionStatus.IDLE


def _rename(municipality_id) -> None:
    db.session.execute(
        update(Municipality).where(Municipality.id == municipality_id).values(name="Ny")
    )


@postgres_only
def test_a_write_and_what_follows_it_are_one_transaction(app, municipality_id, other):
    with app.app_context():
        before = db.session.get(Municipality, municipality_id).name
        _rename(municipality_id)
        assert _status(db.session.connection()) == TransactionStatus.INTRANS
        mine = db.session.scalar(
            select(Municipality.name).where(Municipality.id == municipality_id)
        )
        assert mine == "Ny"  # read back from the server: the transaction sees its own write
        assert _name(other, municipality_id) == before  # not committed: nobody else sees it
        db.session.rollback()
        assert _name(other, municipality_id) == before  # and the rollback undid it
        _rename(municipality_id)
        db.session.commit()
    assert _name(other, municipality_id) == "Ny"


@postgres_only
def test_a_row_locked_for_update_stays_locked_until_the_commit(app, municipality_id, other):
    lock = text("SELECT id FROM municipality WHERE id = :id FOR UPDATE NOWAIT")
    with app.app_context():
        db.session.scalar(
            select(Municipality).where(Municipality.id == municipality_id).with_for_update()
        )
        with pytest.raises(OperationalError, match="could not obtain lock"):
            other.execute(lock, {"id": municipality_id})
        other.rollback()
        db.session.commit()
    assert other.scalar(lock, {"id": municipality_id}) == municipality_id


@postgres_only
def test_after_a_commit_the_next_read_is_outside_a_transaction_again(app, municipality_id):
    with app.app_context():
        _rename(municipality_id)
        db.session.commit()
        db.session.get(Municipality, municipality_id)
        assert _status(db.session.connection()) == TransactionStatus.IDLE
