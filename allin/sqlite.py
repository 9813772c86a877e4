"""Settings every SQLite connection gets (SECURITY 33): WAL, foreign keys, a busy timeout."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url


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
