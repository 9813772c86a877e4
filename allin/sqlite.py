"""Settings every SQLite connection gets (SECURITY 33): WAL, foreign keys, a busy timeout, and
transactions that take the write lock when they begin.

Python's sqlite3 driver normally sends BEGIN itself, late (before the first INSERT, UPDATE or
DELETE) and deferred. A deferred transaction that has read and then writes must upgrade its
lock; when another connection wrote in between, SQLite cannot wait for that (the snapshot is
stale) and answers "database is locked" at once, mid-transaction, whatever the busy timeout.
So the driver's own transaction handling is switched off (isolation_level = None) and every
transaction starts with BEGIN IMMEDIATE: it takes the write lock first, waiting up to the busy
timeout, so concurrent writers queue instead of failing. The price is that transactions which
only read queue behind writers too; each request's transaction is short, WAL lets other
readers (backups, the sqlite3 shell) read meanwhile, and a server database is the answer for
more traffic than that (tests/test_sqlite_concurrency.py measures both).
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, enforced foreign keys and a busy timeout on every SQLite connection; BEGIN is ours."""
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None  # the driver no longer sends BEGIN (see above)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection: Connection) -> None:
    """Every SQLite transaction takes the write lock at its start."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
