"""Uploaded files that no record refers to are removed (SECURITY 35).

A request writes its file before it commits the row; when the process dies in between (a
kill -9, a power cut) the file stays behind with nothing pointing at it. Such a file may hold
a photo of a child, so it must not linger: `flask --app allin sweep-files` (run it daily, like
send-mail) deletes every file in the upload folders that no row names - once it is older than
the grace period, so that an upload still on its way is never touched.

It deletes nothing else: only names this app makes (`files.NAME`), only plain files directly in
an upload folder, and only when the upload folder is a folder of its own inside the instance
folder - checked again here, whatever the settings say, because with the upload folder set to
"." a sweep once deleted the database and the secret key (issue 19).
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, select

from . import files
from .concepts.files import upload_folder
from .config import upload_folder_problem
from .extensions import db
from .guide.pictures import FOLDER as GUIDE_FOLDER
from .models import Attachment, GuideImage

GRACE_SECONDS = 3600


class SweepRefused(Exception):
    """The upload folder is not a folder of its own inside the instance folder."""


def _root() -> Path:
    """The upload folder, resolved; refused unless it is a folder apart from the instance
    folder (a symlink to another disk is fine, one to a folder above the instance is not)."""
    instance = Path(current_app.instance_path).resolve()
    name = current_app.config["UPLOAD_FOLDER_NAME"]
    problem = upload_folder_problem(name)
    root = (instance / str(name)).resolve()
    if problem or root == instance or root in instance.parents:
        raise SweepRefused(
            f"the upload folder {root} is not a folder of its own inside the instance folder "
            f"{instance}; nothing was deleted. {problem or ''}".strip()
        )
    return root


def _inside(path: Path, root: Path) -> bool:
    resolved = path.resolve()
    return resolved == root or root in resolved.parents


def _places() -> list[tuple[Path, Select]]:
    """Each upload folder with the names its rows give (concept files sit at the top)."""
    return [
        (upload_folder(), select(Attachment.stored_name)),
        (files.folder(GUIDE_FOLDER), select(GuideImage.name)),
    ]


def orphans(grace_seconds: int = GRACE_SECONDS) -> list[Path]:
    """The files no row names, older than `grace_seconds`."""
    root = _root()
    cutoff = time.time() - grace_seconds
    found = []
    for folder, names in _places():
        if not _inside(folder, root):
            raise SweepRefused(f"{folder} is outside the upload folder {root}; nothing deleted.")
        referenced = set(db.session.scalars(names))
        found.extend(
            path
            for path in folder.iterdir()
            if _deletable(path, referenced, cutoff) and path.resolve().parent == folder.resolve()
        )
    return sorted(found)


def _deletable(path: Path, referenced: set[str], cutoff: float) -> bool:
    """A file this app could have made (not a link), that no row names, older than `cutoff`."""
    if not files.NAME.match(path.name) or path.name in referenced or path.is_symlink():
        return False
    return path.is_file() and path.stat().st_mtime < cutoff


def sweep(grace_seconds: int = GRACE_SECONDS) -> int:
    """Delete the orphans; returns how many went."""
    gone = orphans(grace_seconds)
    for path in gone:
        path.unlink(missing_ok=True)
    return len(gone)
