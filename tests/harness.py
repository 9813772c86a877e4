"""The test database and the test app: made once per pytest worker, put back before each test.

Each worker (pytest-xdist runs one per core) has a database of its own, migrated once. A test
starts from one of two states of it: "empty" (migrated, no rows but the guide's version) or
"world" (the two municipalities of `conftest.World`), chosen by whether the test asks for
`world`. Commits are real, so the app's transaction rules and the tests across connections see
what production does.

- SQLite: both states are kept as in-memory copies of the file and copied back with sqlite3's
  backup API (about a millisecond), whatever the test did to the file.
- PostgreSQL: a listener notes each table written by a statement that is not a read (the
  app's own classifier, allin/transactions.py, says which). Before the next test only those
  tables are emptied (the audit triggers and foreign keys off for that transaction) and, where
  it needs them, the state's rows are put back as they were first written.

The app is kept too, with its compiled templates, as long as the next test wants the same
settings. What is per test is made anew per test: the instance folder, the guide pages kept for
visitors, the rate limiter's counts, app.config; and what create_app sets for the whole process
(the rate limiter's switch and storage, Pillow's pixel limit, the log level), which another
test's own app may have changed, is set back to the kept app's.
"""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing, contextmanager

from PIL import Image
from sqlalchemy import create_engine, event, make_url, select, text
from sqlalchemy.engine import Engine

from allin import config, logs, transactions
from allin.extensions import db, limiter
from allin.guide import kept as guide_kept

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_WRITE = re.compile(
    r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+"?(\w+)', re.I
)


@contextmanager
def audit_triggers_off(connection):
    """Test resets only: let this transaction empty the append-only audit table.

    PostgreSQL: the tests connect as a superuser, who may skip triggers (the audit table's and
    the foreign keys') for one transaction (SET LOCAL session_replication_role); the app's own
    role never can. SQLite has no such switch: the triggers are dropped and created again from
    their own SQL in the same transaction, so no other connection ever sees the table without
    them.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    triggers = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": "audit_event"},
    ).all()
    for name, _sql in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        connection.execute(text(sql))


# Rows a migration writes for the app to find (the guide's version): a test starts with them,
# as a new database does.
SEEDED = frozenset({"guide_edition"})


def empty_every_table(connection) -> None:
    with audit_triggers_off(connection):
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in SEEDED:
                connection.execute(table.delete())


class SQLiteDatabase:
    """A file per worker; its states are in-memory copies, copied back before each test."""

    def __init__(self, folder):
        self.url = f"sqlite:///{folder / 'test.sqlite'}"
        self.path = folder / "test.sqlite"
        self.states: dict[str, sqlite3.Connection] = {}

    def keep(self, state: str) -> None:
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        with closing(sqlite3.connect(self.path)) as live:
            live.backup(copy)
        self.states[state] = copy

    def put_back(self, state: str) -> None:
        with closing(sqlite3.connect(self.path)) as live:
            self.states[state].backup(live)

    def close(self) -> None:
        for copy in self.states.values():
            copy.close()


class PostgresDatabase:
    """A database per worker beside TEST_DATABASE_URL's; put back by emptying what was written."""

    def __init__(self, server_url: str):
        server = make_url(server_url)
        self.name = f"{server.database}_{WORKER}"
        self.url = server.set(database=self.name).render_as_string(hide_password=False)
        self.server = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with self.server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.engine = create_engine(self.url)
        self.tables = {table.name: table for table in db.metadata.sorted_tables}
        self.written: set[str] = set()
        self.rows: dict[str, dict[str, list]] = {}  # state -> table -> rows
        self.state = ""
        self.listening = True
        event.listen(Engine, "before_cursor_execute", self._note)

    def _note(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.listening and not transactions.reads(statement):
            self.written.update(
                name for name in map(str.lower, _WRITE.findall(statement)) if name in self.tables
            )

    def keep(self, state: str) -> None:
        """Remember this state's rows (once per worker): the last state's, as the tables
        written since have them now."""
        rows = dict(self.rows.get(self.state, {}))
        with self.engine.connect() as connection:
            for name in self.written:
                found = connection.execute(select(self.tables[name])).mappings().all()
                rows[name] = [dict(row) for row in found]
        self.rows[state] = {name: kept for name, kept in rows.items() if kept}
        self.written, self.state = set(), state

    def put_back(self, state: str) -> None:
        wanted, there = set(self.rows[state]), set(self.rows.get(self.state, {}))
        # A state's rows are put back all together when any of them may have changed (a
        # cascade writes tables its statement does not name), so no reference dangles.
        touched = state != self.state or bool(self.written & there)
        empty = self.written | there if touched else set(self.written)
        missing = wanted if touched else set()
        self.listening = False
        try:
            with self.engine.begin() as connection, audit_triggers_off(connection):
                for name in empty | missing:
                    connection.execute(self.tables[name].delete())
                for name in missing:
                    if self.rows[state][name]:
                        connection.execute(self.tables[name].insert(), self.rows[state][name])
        finally:
            self.listening = True
        self.written, self.state = set(), state

    def close(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._note)
        self.engine.dispose()
        with self.server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.server.dispose()


class Apps:
    """The test app of the last test, kept for the next one when nothing makes it stale."""

    def __init__(self, build):
        self.build = build  # overrides -> a new app
        self.app = None
        self.key = None
        self.config: dict = {}

    def get(self, overrides: dict):
        key = repr(sorted(overrides.items(), key=lambda item: item[0]))
        if self.app is None or key != self.key:
            self.drop()
            self.app, self.key = self.build(overrides), key
            self.config = dict(self.app.config)
            # No SECRET_KEY: the app reads (or writes) the instance folder's key file.
            self.key_from_instance = "SECRET_KEY" in overrides and not overrides["SECRET_KEY"]
            self.limiter = (limiter.enabled, limiter._storage, limiter._limiter)
        return self.app

    def begin(self, app, instance_path) -> None:
        """What a new app would start with, on the kept one."""
        app.config.clear()
        app.config.update(self.config, INSTANCE_PATH=str(instance_path))
        app.instance_path = str(instance_path)
        config.ensure_instance_folder(instance_path)
        if self.key_from_instance:
            app.config["SECRET_KEY"] = config.shared_secret_key(instance_path)
        app.extensions["allin_set_up"] = False
        guide_kept.init_app(app)
        logs.init_app(app)
        Image.MAX_IMAGE_PIXELS = app.config["IMAGE_MAX_PIXELS"]
        limiter.enabled, limiter._storage, limiter._limiter = self.limiter
        if limiter._storage is not None:
            limiter.reset()

    def end(self, app) -> None:
        with app.app_context():
            db.session.remove()
            if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
                db.engine.dispose()  # the file is copied back before the next test

    def drop(self) -> None:
        if self.app is not None:
            with self.app.app_context():
                db.engine.dispose()
        self.app = self.key = None
