"""Settings every SQLite connection gets (SECURITY 33): WAL, foreign keys, a busy timeout, and
transactions that take the write lock when they begin - unless the request only reads.

Python's sqlite3 driver normally sends BEGIN itself, late (before the first INSERT, UPDATE or
DELETE) and deferred. A deferred transaction that has read and then writes must upgrade its
lock; when another connection wrote in between, SQLite cannot wait for that (the snapshot is
stale) and answers "database is locked" at once, mid-transaction, whatever the busy timeout.
So the driver's own transaction handling is switched off (isolation_level = None) and we send
BEGIN ourselves:

- BEGIN IMMEDIATE for every transaction that may write: it takes the write lock first,
  waiting up to WRITE_WAIT_SECONDS, so concurrent writers queue instead of failing;
- a plain (deferred) BEGIN while a GET or HEAD request reads: WAL lets any number of readers
  run beside the one writer, so pages do not queue behind each other or behind writes.

A read transaction never writes: a write statement in one is refused at once (`ReadOnlyWrite`)
instead of failing now and then under load. The few GETs that must write (a session's last
activity, a concept's feedback marked read) do it in `write_apart()`, or declare the whole
request a writer with `writes_on_get`. Uploads decode first and then write apart
(`reads_first`), so that no one waits for the write lock while a photo is decoded.
tests/test_sqlite_concurrency.py measures both paths.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

from . import collation
from .extensions import db

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_MS = 5000  # any other wait for a lock
WRITE_WAIT_SECONDS = 5.0  # how long a writer waits for the write lock
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class ReadOnlyWrite(RuntimeError):
    """A write statement inside a transaction that began as a reader (a GET request's)."""


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, enforced foreign keys, a busy timeout and the Norwegian collation on every SQLite
    connection; BEGIN is ours."""
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None  # the driver no longer sends BEGIN (see above)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        collation.register(dbapi_connection)  # ORDER BY name COLLATE nb: Æ, Ø, Å after Z


def _reads_only() -> bool:
    """True while a GET or HEAD request (or a `reads_first` view) reads, outside
    `write_apart()` and `writes_on_get`."""
    if not has_request_context() or g.get("sqlite_writes", False):
        return False
    return request.method in READING_METHODS or g.get("sqlite_reads_first", False)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    """A transaction that may write takes the write lock at its start; a reader does not."""
    if connection.dialect.name == "sqlite":
        reads_only = _reads_only()
        connection.info["reads_only"] = reads_only
        if reads_only:
            connection.exec_driver_sql("BEGIN")
        else:
            _begin_immediate(connection)


def _begin_immediate(connection: Connection) -> None:
    """BEGIN IMMEDIATE, waiting up to WRITE_WAIT_SECONDS for the lock.

    SQLite's own busy wait sleeps in growing steps (up to 100 ms each), so a writer queued
    behind a 3 ms transaction often sleeps far longer than it needed to: under a burst of
    roll-call taps p99 reached a second. Asking again every half millisecond takes the lock
    as soon as it is free. After the wait, the last refusal is raised like any statement's.
    """
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            time.sleep(0.0005)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


@event.listens_for(Engine, "before_cursor_execute")
def _no_write_in_a_reader(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.info.get("reads_only") and statement.lstrip()[:7].upper().startswith(_WRITES):
        raise ReadOnlyWrite(
            "a request writes inside its read transaction; "
            f"use sqlite.write_apart() or @writes_on_get: {statement[:60]}"
        )


@contextmanager
def write_apart() -> Iterator[None]:
    """A small write while a GET request (or a `reads_first` view) reads: what was read ends
    (nothing to commit), the write gets a transaction of its own that takes the write lock
    first, and is committed. Not for a POST that has written already: it would commit that.
    What was read stays loaded (ending a read changes nothing), so the write does not wait
    on the lock while the signed-in user and the page's objects are read again."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    before, g.sqlite_writes = g.get("sqlite_writes", False), True
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        g.sqlite_writes = before


def writes_on_get(view):
    """Mark a view whose GET writes (it trades a link for a claim, say): all its transactions
    take the write lock first, as a POST's do (set before the request's first query)."""
    view.writes_on_get = True
    return view


def reads_first(view):
    """Mark a view that does slow work before it writes (decoding an uploaded photo): its
    POST reads like a GET, and writes in `write_apart()`, so the write lock is not held while
    the slow part runs and the roll call next door is not kept waiting."""
    view.reads_first = True
    return view


def _note_writing_view() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "writes_on_get", False):
        g.sqlite_writes = True
    if getattr(view, "reads_first", False):
        g.sqlite_reads_first = True


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _note_writing_view)


def prepare_database_file(app: Flask) -> None:
    """Create the SQLite file readable by this user only (0600), or tighten an existing one.

    SQLite gives the -wal and -shm files the mode of the database file, so they follow.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return
    if url.database.startswith("file:") or url.query.get("mode") == "memory":
        return
    path = Path(url.database)
    if not path.is_absolute():  # Flask-SQLAlchemy puts relative paths in the instance folder
        path = Path(app.instance_path) / path
    if not path.parent.is_dir():  # a missing folder stays an unavailable database
        return
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            os.chmod(sidecar, 0o600)
