"""The schema version: the revisions the code expects, the ones the database is at, and
migrate-on-start.

On the embedded SQLite database pending migrations are applied when the app starts, under a
file lock so that two workers starting together take turns. On any other database migrations
are the operator's job (`flask --app allin db upgrade`); until they are applied every page
answers 503 (schema_gate.py).
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade

from .extensions import db

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")
UPGRADE_COMMAND = "flask --app allin db upgrade"


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
    """Migrate the embedded database if allowed; remember the heads for the schema gate."""
    app.extensions["allin_schema"] = {"heads": head_revisions(), "current": False}
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if embedded and app.config["AUTO_MIGRATE"]:
        with app.app_context(), _file_lock(Path(app.instance_path) / "migrate.lock"):
            if current_revisions() != app.extensions["allin_schema"]["heads"]:
                upgrade(directory=MIGRATIONS_DIR)
