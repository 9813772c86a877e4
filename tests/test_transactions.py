"""allin/transactions.py: which statements are reads, the one decision per request and its
mark, and listeners on the app's own engines only. What each engine does with them:
tests/test_sqlite_concurrency.py and tests/test_postgres.py."""

from __future__ import annotations

import pytest
from flask import jsonify
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from allin import sqlite, transactions
from allin.extensions import db
from allin.transactions import reads, runs_as, write_apart

READS = [
    "SELECT 1",
    '  select "user".id FROM "user"',
    "SELECT a FROM t WHERE a = %(a)s",
    "\n\tSELECT a FROM t WHERE a = ?",
    "-- who is here\nSELECT 1",
    "/* a hint */ SELECT 1",
    "(SELECT a FROM t LIMIT 1) UNION (SELECT b FROM u LIMIT 1)",
    "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "WITH RECURSIVE x(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM x) SELECT n FROM x",
    "SELECT updated_at, deleted_by, inserted FROM t",  # names that only contain a keyword
    "SELECT replace(name, 'a', 'b') FROM t",  # the string function, not REPLACE INTO
    """SELECT 'update' AS u, "delete" FROM t -- insert""",  # literals, quoted names, comments
    "SELECT 'it''s; DELETE FROM t' FROM t",
    "SELECT * FROM pg_locks",  # a view, not a lock function
    "SELECT currval('t_id_seq')",
    "SELECT 1;",
    'PRAGMA main.table_info("alembic_version")',  # SQLAlchemy's inspector on SQLite
    "PRAGMA index_list(t)",
]

NOT_READS = [
    "INSERT INTO t VALUES (1)",
    "insert into t values (1)",
    "UPDATE t SET a = 1",
    "DELETE FROM t",
    "REPLACE INTO t VALUES (1)",  # SQLite's
    "INSERT OR REPLACE INTO t VALUES (1)",
    "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE",
    "TRUNCATE t",
    "WITH x AS (SELECT 1 AS a) UPDATE t SET a = (SELECT a FROM x)",
    "WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM x",
    "WITH x AS (SELECT 1 AS a) DELETE FROM t WHERE a IN (SELECT a FROM x)",
    "WITH x AS (SELECT 1 AS a) REPLACE INTO t SELECT a FROM x",
    "WITH x AS (DELETE FROM t RETURNING a) SELECT a FROM x",
    "SELECT a FROM t FOR UPDATE",
    "SELECT a FROM t FOR NO KEY UPDATE SKIP LOCKED",
    "SELECT a FROM t\nFOR SHARE",
    "SELECT a FROM t FOR KEY SHARE NOWAIT",
    "SELECT pg_advisory_xact_lock(1)",
    "SELECT pg_try_advisory_lock(1)",
    "SELECT nextval('s')",
    "SELECT setval('s', 3)",
    "SELECT set_config('app.x', '1', true)",
    "SELECT * INTO t2 FROM t",  # PostgreSQL creates t2
    "SELECT 1; DELETE FROM t",
    "-- SELECT\nDELETE FROM t",  # a comment that looks like a read
    "/* SELECT */ UPDATE t SET a = 1",
    "SAVEPOINT sa_savepoint_1",
    "RELEASE SAVEPOINT sa_savepoint_1",
    "PRAGMA foreign_keys",
    "PRAGMA user_version = 3",
    "SET LOCAL session_replication_role = replica",
    "BEGIN",
    "BEGIN IMMEDIATE",
    "CREATE TABLE t (a int)",
    "EXPLAIN ANALYZE SELECT 1",
    "SELECTION",
    "",
]


@pytest.mark.parametrize("statement", READS)
def test_plain_reads(statement):
    assert reads(statement)


@pytest.mark.parametrize("statement", NOT_READS)
def test_everything_else_is_not_a_read(statement):
    assert not reads(statement)


# ---- the decision and the mark --------------------------------------------------------------


@pytest.fixture
def decided(make_app, world):
    """An app whose views answer whether their request's transactions read."""
    app = make_app()

    @app.route("/_plain", methods=["GET", "POST"])
    def plain():
        return jsonify(transactions._request_reads())

    @app.route("/_writer", methods=["GET", "POST"])
    @runs_as("writer")
    def writer():
        return jsonify(transactions._request_reads())

    @app.route("/_reader", methods=["GET", "POST"])
    @runs_as("reader")
    def reader():
        reads_before = transactions._request_reads()
        with write_apart():
            apart = transactions._request_reads()
        return jsonify([reads_before, apart, transactions._request_reads()])

    return app


def test_the_method_decides_unless_the_view_is_marked(decided):
    client = decided.test_client()
    assert client.get("/_plain").json is True
    assert client.head("/_plain").status_code == 200
    assert client.post("/_plain").json is False
    assert client.get("/_writer").json is False
    assert client.post("/_writer").json is False
    # A reader writes apart only; afterwards it reads again.
    assert client.post("/_reader").json == [True, False, True]
    assert client.get("/_reader").json == [True, False, True]


def test_each_request_decides_for_itself_in_one_app_context(decided):
    """A test's app context shares its `g` with the requests made in it: the decision is
    the request's own."""
    client = decided.test_client()
    with decided.app_context():
        assert client.post("/_plain").json is False
        assert client.get("/_plain").json is True
        with decided.test_request_context("/_plain"):
            assert transactions._request_reads()
        with decided.test_request_context("/_plain", method="POST"):
            assert not transactions._request_reads()


def test_outside_a_request_everything_may_write(app):
    with app.app_context():
        assert not transactions._request_reads()


def test_the_mark_is_reader_or_writer():
    with pytest.raises(ValueError):
        runs_as("reads")


# ---- the app's own engines only -------------------------------------------------------------

LISTENERS = [
    ("connect", sqlite._settings),
    ("connect", transactions._we_send_begin),
    ("begin", transactions._sqlite_begin),
    ("before_cursor_execute", transactions._only_reads_in_a_reader),
    ("checkout", transactions._out_of_the_pool),
    ("before_cursor_execute", transactions._begin_unless_read),
]


def test_the_listeners_are_on_the_apps_engine_and_no_other(app, database_url):
    with app.app_context():
        engine = db.engine
    mine = [name for name, fn in LISTENERS if event.contains(engine, name, fn)]
    assert len(mine) == (4 if engine.dialect.name == "sqlite" else 2)
    other = create_engine(database_url)
    try:
        assert not [n for n, fn in LISTENERS if event.contains(other, n, fn)]
        assert not [n for n, fn in LISTENERS if event.contains(Engine, n, fn)]
    finally:
        other.dispose()


def test_another_sqlite_engine_is_left_as_sqlalchemy_made_it(app, tmp_path):
    """Inside a GET request of the app, an engine of someone else's writes as it pleases,
    with SQLite's own settings."""
    other = create_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    try:
        with app.test_request_context("/"):
            assert transactions._request_reads()
            with other.begin() as connection:
                connection.execute(text("CREATE TABLE t (a INTEGER)"))
                connection.execute(text("INSERT INTO t VALUES (1)"))  # no ReadOnlyWrite
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 0
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "delete"
                driver = connection.connection.driver_connection
                assert driver.isolation_level is not None  # the driver still sends BEGIN
                with pytest.raises(Exception, match="no such collation"):
                    connection.execute(text("SELECT a FROM t ORDER BY a COLLATE nb"))
    finally:
        other.dispose()
