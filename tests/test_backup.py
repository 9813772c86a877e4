"""`flask --app allin backup DEST` (issue 19, point 14): a consistent copy of the embedded
database taken while the site writes, then the uploads, then the secret key; the copy runs as
an instance of its own and people sign in to it."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from allin import files
from allin.extensions import db
from allin.models import Municipality
from tests.conftest import is_postgres
from tests.factories import PASSWORD, make_municipality

pytestmark = pytest.mark.xdist_group("serial")  # a writer thread during the backup

sqlite_only = pytest.mark.skipif(is_postgres(), reason="the backup command is for SQLite")


@pytest.fixture
def config_overrides() -> dict:
    """On SQLite the key comes from the instance folder's secret_key file, as in production."""
    return {} if is_postgres() else {"SECRET_KEY": None}


class Writer(threading.Thread):
    """Commits one municipality after another until stopped; remembers the acknowledged ids."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.acknowledged, self.stop = app, [], threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with self.app.app_context():
                while not self.stop.is_set():
                    made = make_municipality(f"Skrivekommune {len(self.acknowledged)}")
                    db.session.commit()
                    self.acknowledged.append(made.id)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def wait_for(self, count: int) -> None:
        for _ in range(3000):
            if len(self.acknowledged) >= count or self.error or not self.is_alive():
                return
            threading.Event().wait(0.01)


def modes(folder: Path) -> dict[str, int]:
    return {
        str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode)
        for path in [folder, *folder.rglob("*")]
    }


@sqlite_only
def test_a_backup_taken_during_writes_restores_and_signs_in(app, world, make_app, tmp_path):
    with app.app_context():
        top = files.root()
        top.mkdir(mode=0o700, parents=True, exist_ok=True)
        (top / ("a" * 32 + ".jpg")).write_bytes(b"a concept photo")
        (files.folder("guide") / ("b" * 32 + ".png")).write_bytes(b"a guide picture")
    writer = Writer(app)
    writer.start()
    writer.wait_for(30)
    before = list(writer.acknowledged)
    dest = tmp_path / "backups" / "monday"

    result = app.test_cli_runner().invoke(args=["backup", str(dest)])

    during = len(writer.acknowledged)
    writer.wait_for(during + 10)  # the writer kept going through the backup and after it
    writer.stop.set()
    writer.join(30)
    assert writer.error is None and len(before) >= 30
    assert result.exit_code == 0, result.output
    assert f"database: {dest / 'allin.sqlite'}" in result.output

    # Consistent: every write acknowledged before the backup began is in it, and what it holds
    # is the writes up to one moment, with none missing before a later one.
    with sqlite3.connect(dest / "allin.sqlite") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [i for (i,) in copy.execute("SELECT id FROM municipality WHERE name LIKE 'Skrive%'")]
    copy.close()
    assert set(before) <= set(ids)
    assert sorted(ids) == sorted(writer.acknowledged[: len(ids)])

    # The uploads and the secret key, private.
    assert (dest / "uploads" / ("a" * 32 + ".jpg")).read_bytes() == b"a concept photo"
    assert (dest / "uploads" / "guide" / ("b" * 32 + ".png")).read_bytes() == b"a guide picture"
    found = modes(dest)
    assert {"secret_key", "allin.sqlite", "uploads", "uploads/guide"} <= set(found)
    for name, mode in found.items():
        expected = 0o700 if (dest / name).is_dir() else 0o600
        assert mode == expected, (name, oct(mode))

    # Restored: the backup is an instance folder of its own, with the same key; sign in to it.
    restored = make_app(f"sqlite:///{dest / 'allin.sqlite'}", INSTANCE_PATH=dest, SECRET_KEY=None)
    assert restored.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    client = restored.test_client()
    response = client.post(
        "/login", data={"login": world.a["coordinator"].login, "password": PASSWORD}
    )
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    assert client.get("/account").status_code == 200
    with restored.app_context():
        assert db.session.scalar(select(Municipality.name).where(Municipality.id == before[-1]))
    sweep = restored.test_cli_runner().invoke(args=["sweep-files", "--grace-minutes", "0"])
    assert sweep.exit_code == 0 and "removed: 2" in sweep.output  # no row names the two files


@sqlite_only
def test_a_backup_never_writes_into_a_folder_in_use(app, tmp_path):
    runner = app.test_cli_runner()
    inside = Path(app.instance_path) / "backup"
    result = runner.invoke(args=["backup", str(inside)])
    assert result.exit_code == 1 and "outside the instance folder" in result.output
    assert not inside.exists()
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    result = runner.invoke(args=["backup", str(used)])
    assert result.exit_code == 1 and "not an empty folder" in result.output
    assert [p.name for p in used.iterdir()] == ["notes.txt"]


@pytest.mark.skipif(not is_postgres(), reason="the refusal on PostgreSQL")
def test_on_postgresql_the_backup_points_to_pg_dump(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "pg_dump -Fc" in result.output
    assert not (tmp_path / "b").exists()
