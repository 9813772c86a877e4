"""`flask --app allin backup DEST`: a copy of the embedded instance that can be trusted.

A plain copy of the live database file is not a backup: what is still in the `-wal` file is
missing, and pages copied while they change give a broken file (in a drill such a copy lost a
quarter of the acknowledged writes). The database is copied with `VACUUM INTO`: one read
transaction that sees one moment, while the site goes on writing. Then the uploads - after the
database, because a file is written before its row commits, so every file a copied row names
is already there (files nobody names are what `sweep-files` removes after a restore). Then the
secret key, without which sessions and two-factor secrets cannot be read, and the instance's
`config.py` if there is one.

DEST becomes a complete instance folder (`ALLIN_INSTANCE_PATH=DEST` runs it): folders 0700,
files 0600. On PostgreSQL this refuses; use `pg_dump -Fc` (README, "Backup and restore").
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from . import files
from .config import SECRET_KEY_FILE, is_embedded

DATABASE_FILE = "allin.sqlite"  # the default database of an instance folder


class BackupRefused(Exception):
    """Nothing (more) is written; the message says why, for the operator."""


@dataclass
class Backup:
    folder: Path
    files: int
    secret_key: bool


def make_backup(dest: Path) -> Backup:
    """Copy the database, then the uploads, then the secret key into the new folder `dest`."""
    if not is_embedded(current_app):
        raise BackupRefused(
            "backup copies the embedded SQLite database only. On PostgreSQL use "
            "pg_dump -Fc, then copy the uploads (README: “Backup and restore”)."
        )
    instance = Path(current_app.instance_path).resolve()
    source = database_path()
    dest = _new_folder(dest, instance)
    _vacuum_into(source, dest / DATABASE_FILE)
    copied = _copy_tree(files.root(), dest / current_app.config["UPLOAD_FOLDER_NAME"])
    key = _copy_file(instance / SECRET_KEY_FILE, dest / SECRET_KEY_FILE)
    _copy_file(instance / "config.py", dest / "config.py")
    return Backup(dest, copied, key)


def database_path() -> Path:
    """The SQLite database file (a relative path lives in the instance folder)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        raise BackupRefused("backup needs a database file, not an in-memory database.")
    path = Path(url.database)
    return path if path.is_absolute() else Path(current_app.instance_path) / path


def _new_folder(dest: Path, instance: Path) -> Path:
    dest = dest.resolve()
    if dest == instance or instance in dest.parents or dest in instance.parents:
        raise BackupRefused(f"{dest} must be a folder outside the instance folder {instance}.")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupRefused(f"{dest} exists and is not an empty folder; nothing was written.")
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(dest, 0o700)
    return dest


def _vacuum_into(source: Path, target: Path) -> None:
    """One consistent copy of the live database, checked before it counts as a backup."""
    if not source.is_file():
        raise BackupRefused(f"there is no database at {source}.")
    connection = sqlite3.connect(source, timeout=30)
    try:
        connection.execute("VACUUM INTO ?", (str(target),))
    finally:
        connection.close()
    os.chmod(target, 0o600)
    copy = sqlite3.connect(target)
    try:
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
    _sync(target)
    if verdict != "ok":
        raise BackupRefused(f"the copy at {target} fails its integrity check: {verdict}")


def _copy_tree(source: Path, target: Path) -> int:
    """Copy the folders and plain files under `source` (links are skipped); returns the count."""
    target.mkdir(mode=0o700)
    os.chmod(target, 0o700)
    if not source.is_dir():
        return 0
    copied = 0
    for path in sorted(source.iterdir()):
        if path.is_symlink():
            continue
        if path.is_dir():
            copied += _copy_tree(path, target / path.name)
        elif path.is_file() and _copy_file(path, target / path.name):
            copied += 1
    return copied


def _copy_file(source: Path, target: Path) -> bool:
    """Copy one file, mode 0600; False when it is not there (a deleted upload, no key file)."""
    try:
        reader = source.open("rb")
    except (FileNotFoundError, IsADirectoryError):
        return False
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with reader, os.fdopen(descriptor, "wb") as out:
        shutil.copyfileobj(reader, out)
        out.flush()
        os.fsync(out.fileno())
    return True


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
