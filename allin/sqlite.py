"""SQLite's engine settings (SECURITY 33): WAL, enforced foreign keys, a busy timeout,
synchronous=NORMAL and the Norwegian collation on every connection of the app's engines, and a
database file readable by its owner only.

How transactions begin (BEGIN IMMEDIATE for a writer, a deferred BEGIN for a reader) is
allin/transactions.py's.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from . import collation
from .extensions import db

BUSY_TIMEOUT_MS = 5000  # any wait for a lock but BEGIN IMMEDIATE's (allin/transactions.py)


def _settings(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    collation.register(dbapi_connection)  # ORDER BY name COLLATE nb: Æ, Ø, Å after Z


def init_app(app: Flask) -> None:
    """The settings on every new connection of this app's SQLite engines (call after
    db.init_app, before any connection); other engines in the process keep SQLite's own."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _settings)


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
