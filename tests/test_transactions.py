"""allin/transactions.py: which statements are reads."""

from __future__ import annotations

import pytest

from allin.transactions import reads

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
