"""Orphan uploads - a file whose row never committed (the process died in between) - are
swept by `flask sweep-files`, and nothing that a row names, nor anything still young."""

from __future__ import annotations

import os
import time
from pathlib import Path

from allin import files as stored
from allin.concepts import files
from allin.extensions import db
from allin.guide import pictures
from allin.models import Concept, User
from tests.concept_fixtures import team as _team  # noqa: F401 (the fixture `team`)
from tests.test_concept_files import png


def _aged(path, hours: float):
    path.write_bytes(b"left behind")
    then = time.time() - hours * 3600
    os.utime(path, (then, then))
    return path


def test_orphan_files_are_swept_and_named_or_young_ones_kept(app, world, team):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        actor = db.session.get(User, world.a["ambassador"].id)
        attachment = files.add_attachment(concept, actor=actor, data=png(), filename="p.png")
        db.session.commit()
        named = files.file_path(attachment)
        os.utime(named, (0, 0))  # old, but its row names it
        concept_orphan = _aged(files.upload_folder() / ("a" * 32 + ".jpg"), hours=2)
        guide_orphan = _aged(stored.folder(pictures.FOLDER) / ("b" * 32 + ".png"), hours=2)
        young = _aged(files.upload_folder() / ("c" * 32 + ".jpg"), hours=0.1)

    result = app.test_cli_runner().invoke(args=["sweep-files"])

    assert result.exit_code == 0 and "removed: 2" in result.output
    assert named.exists() and young.exists()
    assert not concept_orphan.exists() and not guide_orphan.exists()
    again = app.test_cli_runner().invoke(args=["sweep-files", "--grace-minutes", "0"])
    assert "removed: 1" in again.output and not young.exists() and named.exists()


def test_the_sweep_never_touches_files_outside_the_upload_folder(app):
    """Even when the setting is bad (here changed after the start-up check), the database and
    the secret key next to the upload folder stay (issue 19, point 14)."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    kept = [_aged(instance / name, hours=48) for name in ("allin.sqlite", "secret_key")]
    kept.append(_aged(instance / ("d" * 32 + ".jpg"), hours=48))  # even a name like an upload's
    for bad in (".", "", "..", "uploads/.."):
        app.config["UPLOAD_FOLDER_NAME"] = bad
        result = app.test_cli_runner().invoke(args=["sweep-files"])
        assert result.exit_code != 0
        assert "upload folder" in result.output
        assert all(path.exists() for path in kept), bad


def test_the_sweep_deletes_only_names_the_app_makes(app):
    with app.app_context():
        folder = files.upload_folder()
        theirs = [_aged(folder / name, hours=48) for name in ("notes.txt", "allin.sqlite")]
        ours = _aged(folder / ("e" * 32 + ".pdf"), hours=48)
    result = app.test_cli_runner().invoke(args=["sweep-files"])
    assert result.exit_code == 0 and "removed: 1" in result.output
    assert not ours.exists() and all(path.exists() for path in theirs)
