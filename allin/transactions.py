"""Transactions, on both engines: one decision per request, one statement classifier.

**The decision.** When a request starts, it is decided once whether its transactions read or
may write: a GET, HEAD or OPTIONS request reads, any other writes, unless the view says
otherwise with its mark, `@runs_as("reader")` or `@runs_as("writer")`:

- `@runs_as("writer")`: a view whose GET writes from the start (it trades a link in the
  address bar for a claim of this browser, say); its transactions are a POST's.
- `@runs_as("reader")`: a view that does slow work before it writes (decoding an uploaded
  photo); its POST reads like a GET and writes in `write_apart()`, so that nobody waits for the
  write lock while the slow part runs.

Put the mark directly above the `def`. Outside a request (commands, migrations, tests'
app contexts) every transaction may write.

`write_apart()` is the one way a reading request writes: a small write of its own (a
session's last activity, a concept's feedback marked read, an export's audit event) in a
short transaction that is committed at once.

**The classifier.** `reads(statement)` says whether a statement is a plain read: a SELECT
(or WITH ... SELECT) that writes nothing, locks nothing and takes nothing from a sequence, or
SQLite's description of a table (PRAGMA table_info and its kin, which SQLAlchemy's inspector
sends). Everything else - INSERT, UPDATE, DELETE, REPLACE, a WITH whose body writes,
SELECT ... FOR UPDATE / SHARE, advisory locks, nextval, SAVEPOINT, any other PRAGMA, DDL - is
not. Both engines ask only this question:

- **SQLite** (the embedded database, SECURITY 33). Python's sqlite3 driver sends BEGIN itself,
  late (before the first INSERT, UPDATE or DELETE) and deferred. A deferred transaction that
  has read and then writes must upgrade its lock; when another connection wrote in between,
  SQLite cannot wait for that (the snapshot is stale) and answers "database is locked" at
  once, mid-transaction, whatever the busy timeout. So the driver's transaction handling is
  switched off and we send BEGIN ourselves: BEGIN IMMEDIATE for a transaction that may write
  (it takes the write lock first, waiting up to WRITE_WAIT_SECONDS, so concurrent writers
  queue instead of failing), a plain deferred BEGIN while a request reads (WAL lets any number
  of readers run beside the one writer, so pages do not queue behind each other or behind
  writes). In a read transaction a statement that is not a read is refused at once
  (`ReadOnlyWrite`) instead of failing now and then under load.
- **PostgreSQL**. Connections leave the pool in autocommit, and plain reads run on their own:
  a page that only reads is spared a BEGIN and the pool's ROLLBACK (which also makes psycopg
  forget its prepared statements). Under READ COMMITTED (PostgreSQL's default, and ours)
  every statement reads its own snapshot inside a transaction too, so they see the same rows
  either way; Django runs reads like this by default. The first statement that is not a read
  switches autocommit off before it runs: it and everything after it, until the commit or
  rollback, are one transaction.

`init_app` puts these listeners on the app's own engines only; another engine in the process
(a test's, a tool's) is left as SQLAlchemy made it. tests/test_transactions.py,
tests/test_sqlite_concurrency.py and tests/test_postgres.py show each part.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Literal, TypeVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection

from .extensions import db
from .sqlite import BUSY_TIMEOUT_MS

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_WAIT_SECONDS = 5.0  # how long a SQLite writer waits for the write lock

Kind = Literal["reader", "writer"]
View = TypeVar("View", bound=Callable)

# ---- the classifier -------------------------------------------------------------------------

# A read begins with SELECT or WITH, after any spaces, comments and opening brackets; or it
# asks SQLite for a table's description (SQLAlchemy's inspector: the schema gate's check).
_READ_START = re.compile(
    r"""(?:\s+ | --[^\n]* | /\*.*?\*/ | \( )*
        (?: SELECT | WITH
          | PRAGMA\s+(?:\w+\.)?(?:table_x?info|index_x?info|index_list|foreign_key_list) )\b""",
    re.I | re.S | re.X,
)
# What makes a statement that begins like a read more than one. String literals, quoted names
# and comments are matched first and passed over, so that 'update' or "delete" in them counts
# for nothing. REPLACE alone is the string function; REPLACE INTO is caught by INTO.
_MORE_THAN_A_READ = re.compile(
    r"""
      '(?:[^']|'')*' | "(?:[^"]|"")*" | --[^\n]* | /\*.*?\*/
    | (?P<found>
          \b(?:INSERT|UPDATE|DELETE|MERGE|INTO|TRUNCATE)\b    # writes, SELECT INTO, FOR UPDATE
        | \bFOR\s+(?:KEY\s+)?SHARE\b                           # row locks
        | \b(?:nextval|setval|set_config|pg_\w*lock\w*)\s*\(   # sequences, settings, locks
        | ;\s*\S                                               # a second statement
      )
    """,
    re.I | re.S | re.X,
)


@lru_cache(maxsize=1024)
def reads(statement: str) -> bool:
    """True for a plain read (see the module's docstring); anything else is not.

    Kept per statement text: the app's statements repeat (SQLAlchemy caches what it
    compiles), and a long one costs a tenth of a millisecond to scan, its answer a lookup."""
    start = _READ_START.match(statement)
    if start is None:
        return False
    for found in _MORE_THAN_A_READ.finditer(statement, start.end()):
        if found["found"]:
            return False
    return True


# ---- the decision and the mark --------------------------------------------------------------

_READS = "allin.transactions.reads"  # request.environ: whether this request's transactions read


class ReadOnlyWrite(RuntimeError):
    """A statement other than a read inside a read transaction (a GET request's, on SQLite)."""


def runs_as(kind: Kind) -> Callable[[View], View]:
    """Mark a view whose transactions are not what its method says (see the module's
    docstring): "writer" for a GET that writes, "reader" for a POST that reads first and
    writes in `write_apart()`."""
    if kind not in ("reader", "writer"):
        raise ValueError(f"runs_as takes 'reader' or 'writer', not {kind!r}")

    def mark(view: View) -> View:
        view.runs_as = kind  # functools.wraps carries it to the decorators above
        return view

    return mark


def _decide() -> None:
    """Once per request, before anything else reads the database: reads or writes.

    Kept in the request's environ rather than in `g`: a test's app context shares its `g`
    with every request made inside it."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    kind = getattr(view, "runs_as", None)
    if kind is None:
        request.environ[_READS] = request.method in READING_METHODS
    else:
        request.environ[_READS] = kind == "reader"


def _request_reads() -> bool:
    """True while a request whose transactions read is running, outside `write_apart()`."""
    if not has_request_context():
        return False
    if _READS not in request.environ:  # a test's request context, never dispatched
        _decide()
    return request.environ[_READS]


@contextmanager
def write_apart() -> Iterator[None]:
    """A small write while a request reads: what was read ends (nothing to commit), the
    write gets a transaction of its own that may write (on SQLite it takes the write lock
    first; on PostgreSQL it is one transaction), and is committed. Not for a request that
    has written already: it would commit that. What was read stays loaded (ending a read
    changes nothing), so the write does not wait on the lock while the signed-in user and the
    page's objects are read again."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    environ = request.environ if has_request_context() else {}  # outside one, all may write
    before, environ[_READS] = _request_reads(), False
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        environ[_READS] = before


# ---- SQLite ---------------------------------------------------------------------------------

_READER = "allin_reader"  # connection.info: this transaction began as a reader


def _we_send_begin(dbapi_connection, connection_record) -> None:
    dbapi_connection.isolation_level = None  # the driver no longer sends BEGIN itself


def _sqlite_begin(connection: Connection) -> None:
    """A transaction that may write takes the write lock at its start; a reader does not."""
    connection.info[_READER] = False  # BEGIN itself is not a read
    if _request_reads():
        connection.exec_driver_sql("BEGIN")
        connection.info[_READER] = True
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


def _only_reads_in_a_reader(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.info.get(_READER) and not reads(statement):
        raise ReadOnlyWrite(
            "a request writes inside its read transaction; use transactions.write_apart() "
            f"or @transactions.runs_as('writer'): {statement[:60]}"
        )


# ---- PostgreSQL -----------------------------------------------------------------------------

_AUTOCOMMIT = "allin_autocommit"  # connection.info: still reading outside a transaction


def _out_of_the_pool(dbapi_connection, connection_record, connection_proxy) -> None:
    dbapi_connection.autocommit = True
    connection_record.info[_AUTOCOMMIT] = True


def _begin_unless_read(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.info.get(_AUTOCOMMIT) and not reads(statement):
        conn.info[_AUTOCOMMIT] = False
        conn.connection.dbapi_connection.autocommit = False  # the driver sends BEGIN first


def init_app(app: Flask) -> None:
    """The listeners on this app's engines (call after db.init_app, before any connection),
    and the decision at the start of each of its requests."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _we_send_begin)
            event.listen(engine, "begin", _sqlite_begin)
            event.listen(engine, "before_cursor_execute", _only_reads_in_a_reader)
        elif engine.dialect.name == "postgresql":
            event.listen(engine, "checkout", _out_of_the_pool)
            event.listen(engine, "before_cursor_execute", _begin_unless_read)
    app.before_request_funcs.setdefault(None, []).insert(0, _decide)
