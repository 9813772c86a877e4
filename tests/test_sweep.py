"""Orphan uploads - a file whose row never committed (the process died in between) - are
swept by `flask sweep-files`, and nothing that a row names, nor anything still young."""

from __future__ import annotations

import os
import time

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
