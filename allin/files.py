"""Uploaded files on disk, in step with the database (SECURITY.md 22).

Files live in the instance folder, outside `static/`, under random names; only views that
check access serve them. A file written during a request is removed again when the request's
transaction does not commit, and a file deleted during a request goes only once the deletion
has committed — so a failure leaves neither an orphan file nor a row without its file.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")
_WRITTEN = "allin_files_written"  # keys of Session.info
_DOOMED = "allin_files_doomed"


def root() -> Path:
    """The upload folder: ALLIN_UPLOAD_FOLDER_NAME in the instance folder (config.py checks it
    is a plain folder name); concept files sit at its top, other kinds in folders of their own."""
    return Path(current_app.instance_path) / current_app.config["UPLOAD_FOLDER_NAME"]


def folder(kind: str) -> Path:
    path = root() / kind
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def path_of(kind: str, name: str) -> Path | None:
    """Where a stored file is; None for a name this module could not have made."""
    if not NAME.match(name):
        return None
    return folder(kind) / name


def save(kind: str, data: bytes, extension: str) -> str:
    """Write `data` under a new random name; returns the name."""
    name = f"{secrets.token_hex(16)}.{extension}"
    path = folder(kind) / name
    db.session.connection()  # the transaction this file belongs to has begun
    db.session.info.setdefault(_WRITTEN, []).append(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    return name


def delete_after_commit(kind: str, name: str) -> None:
    path = path_of(kind, name)
    if path is not None:
        db.session.info.setdefault(_DOOMED, []).append(path)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_WRITTEN, None)  # kept
    for path in session.info.pop(_DOOMED, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    for path in session.info.pop(_WRITTEN, []):  # not committed: nothing refers to it
        path.unlink(missing_ok=True)
    session.info.pop(_DOOMED, None)  # the rows are still there: so are their files
