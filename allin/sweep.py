"""Uploaded files that no record refers to are removed (SECURITY 35).

A request writes its file before it commits the row; when the process dies in between (a
kill -9, a power cut) the file stays behind with nothing pointing at it. Such a file may hold
a photo of a child, so it must not linger: `flask --app allin sweep-files` (run it daily, like
send-mail) deletes every file in the upload folders that no row names - once it is older than
the grace period, so that an upload still on its way is never touched.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Select, select

from . import files
from .concepts.files import upload_folder
from .extensions import db
from .guide.pictures import FOLDER as GUIDE_FOLDER
from .models import Attachment, GuideImage

GRACE_SECONDS = 3600


def _places() -> list[tuple[Path, Select]]:
    """Each upload folder with the names its rows give (concept files sit at the top)."""
    return [
        (upload_folder(), select(Attachment.stored_name)),
        (files.folder(GUIDE_FOLDER), select(GuideImage.name)),
    ]


def orphans(grace_seconds: int = GRACE_SECONDS) -> list[Path]:
    """The files no row names, older than `grace_seconds`."""
    cutoff = time.time() - grace_seconds
    found = []
    for folder, names in _places():
        referenced = set(db.session.scalars(names))
        for path in folder.iterdir():
            if path.is_file() and path.name not in referenced and path.stat().st_mtime < cutoff:
                found.append(path)
    return sorted(found)


def sweep(grace_seconds: int = GRACE_SECONDS) -> int:
    """Delete the orphans; returns how many went."""
    gone = orphans(grace_seconds)
    for path in gone:
        path.unlink(missing_ok=True)
    return len(gone)
