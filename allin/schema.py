"""The database schema at run time: SQLite connection settings, migrate-on-start, the 503 gate.

On the embedded SQLite database pending migrations are applied when the app starts, under a
file lock so that two workers starting together take turns. On any other database migrations
are the operator's job (`flask --app allin db upgrade`); until they are applied every page
answers 503 with that instruction.
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .errors import render_error
from .extensions import db

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")
UPGRADE_COMMAND = "flask --app allin db upgrade"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, enforced foreign keys and a busy timeout on every SQLite connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def head_revisions() -> set[str]:
    """The revisions the code expects, read from the migration scripts."""
    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return set(ScriptDirectory.from_config(config).get_heads())


def current_revisions() -> set[str]:
    """The revisions the database is at (empty for an empty database)."""
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_current(app: Flask) -> bool:
    """True once the database has been seen at head; cached per process after that."""
    state = app.extensions["allin_schema"]
    if not state["current"]:
        state["current"] = current_revisions() == state["heads"]
    return state["current"]


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def init_app(app: Flask) -> None:
    """Migrate the embedded database if allowed; otherwise guard requests until it is current."""
    app.extensions["allin_schema"] = {"heads": head_revisions(), "current": False}
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if embedded and app.config["AUTO_MIGRATE"]:
        with app.app_context(), _file_lock(Path(app.instance_path) / "migrate.lock"):
            if current_revisions() != app.extensions["allin_schema"]["heads"]:
                upgrade(directory=MIGRATIONS_DIR)
    app.before_request(_require_current_schema)


def _require_current_schema():
    if request.endpoint in ("static", "home.healthz"):
        return None
    try:
        if is_current(current_app):
            return None
    except SQLAlchemyError:
        current_app.logger.exception("database check failed")
        message = _("The database is not answering. Please try again in a few minutes.")
        return render_error(503, message)
    message = _(
        "The database schema is behind the code. An operator must run: %(command)s",
        command=UPGRADE_COMMAND,
    )
    return render_error(503, message)
