"""SQLite write path (SECURITY 33): concurrent read-then-write transactions from several
processes queue for the write lock instead of failing with "database is locked"; pages that
only read do not queue at all, and never write inside their read transaction."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from PIL import Image
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from allin import audit, images, schema, transactions
from allin.concepts import files as concept_files
from allin.extensions import db
from allin.guide import pictures
from allin.models import Attachment, AuditEvent, GuideImage
from allin.transactions import runs_as, write_apart
from tests.concept_fixtures import team as _team  # noqa: F401 (the fixture `team`)
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_user

pytestmark = [
    pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the SQLite write path"),
    pytest.mark.xdist_group("serial"),  # processes and threads racing for the write lock
]

WORKERS, WRITES, READS = 4, 50, 50

# One worker process: wait for the common start, then WRITES transactions that each read the
# counter, pause (so that other writers would slip in between), write it back plus one and
# add an audit event through the app's own code. Prints its figures as JSON.
WRITER = """
import json, sys, time
from sqlalchemy import Column, Integer, MetaData, Table, select, update
from sqlalchemy.exc import OperationalError
from allin import audit, create_app
from allin.extensions import db

url, instance, start_at, worker, writes = sys.argv[1:]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True,
                  "INSTANCE_PATH": instance, "AUTO_MIGRATE": False})
counter = Table("counter", MetaData(), Column("id", Integer, primary_key=True),
                Column("n", Integer))
errors, waits = [], []
with app.app_context():
    while time.time() < float(start_at):
        time.sleep(0.002)
    for _ in range(int(writes)):
        began = time.perf_counter()
        try:
            seen = db.session.scalar(select(counter.c.n).where(counter.c.id == 1))
            time.sleep(0.002)
            db.session.execute(update(counter).where(counter.c.id == 1).values(n=seen + 1))
            audit.record("test.write", worker=int(worker), seen=seen)
            db.session.commit()
        except OperationalError as exc:
            db.session.rollback()
            errors.append(str(exc.orig))
        waits.append(time.perf_counter() - began)
print(json.dumps({"errors": errors, "slowest": max(waits), "took": time.time() - float(start_at)}))
"""

# A reader meanwhile: the public start page, over and over, through the whole app.
READER = """
import json, sys, time
from allin import create_app

url, instance, start_at, reads = sys.argv[1:]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True,
                  "INSTANCE_PATH": instance, "AUTO_MIGRATE": False})
client = app.test_client()
statuses, times = [], []
while time.time() < float(start_at):
    time.sleep(0.002)
for _ in range(int(reads)):
    began = time.perf_counter()
    statuses.append(client.get("/").status_code)
    times.append(time.perf_counter() - began)
times.sort()
print(json.dumps({"statuses": sorted(set(statuses)), "count": len(times),
                  "took": time.time() - float(start_at),
                  "median": times[len(times) // 2], "slowest": times[-1]}))
"""


def _spawn(code: str, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_concurrent_writers_queue_instead_of_failing(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'concurrency.sqlite'}"
    app = make_app(url)
    counter = Table(
        "counter", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer)
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=schema.MIGRATIONS_DIR)
        counter.create(db.engine)
        db.session.execute(insert(counter).values(id=1, n=0))
        make_user()  # an account exists, so "/" is the start page rather than /setup
        db.session.commit()
        db.engine.dispose()

    start_at = time.time() + 6  # time for every process to import and build its app
    writers = [_spawn(WRITER, url, tmp_path / f"w{n}", start_at, n, WRITES) for n in range(WORKERS)]
    reader = _spawn(READER, url, tmp_path / "r", start_at, READS)
    results = [_result(w) for w in writers]
    reads = _result(reader)
    print(f"\nwriters {results}\nreader {reads}")

    assert [r["errors"] for r in results] == [[]] * WORKERS
    with app.app_context():
        assert db.session.scalar(select(counter.c.n)) == WORKERS * WRITES  # no lost update
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == WORKERS * WRITES
        db.session.remove()
        db.engine.dispose()
    assert reads["statuses"] == [200] and reads["count"] > 0


def test_a_write_transaction_takes_the_lock_when_it_begins(make_app, tmp_path, monkeypatch):
    """While one transaction is open, another cannot begin at all (it waits, then gives up),
    rather than beginning, reading, and failing later at its first write."""
    monkeypatch.setattr(transactions, "WRITE_WAIT_SECONDS", 0.2)
    url = f"sqlite:///{tmp_path / 'lock.sqlite'}"
    app = make_app(url)
    with app.app_context():
        with db.engine.connect() as first, db.engine.connect() as second:
            first.exec_driver_sql("SELECT 1")  # begins first's transaction
            began = time.perf_counter()
            with pytest.raises(OperationalError) as refused:
                second.exec_driver_sql("SELECT 1")
            assert 0.2 <= time.perf_counter() - began < 2  # it waited, then gave up
            assert "BEGIN IMMEDIATE" in str(refused.value)
            first.rollback()
            second.exec_driver_sql("SELECT 1")  # free again
        db.engine.dispose()


def test_a_waiting_writer_begins_as_soon_as_the_lock_is_free(make_app, tmp_path):
    """No sleeping in SQLite's growing steps: a writer queued behind a short transaction
    begins within milliseconds of its end."""
    url = f"sqlite:///{tmp_path / 'handover.sqlite'}"
    app = make_app(url)
    with app.app_context():
        with db.engine.connect() as first, db.engine.connect() as second:
            first.exec_driver_sql("SELECT 1")  # holds the write lock
            released = []
            timer = threading.Timer(0.25, lambda: (first.rollback(), released.append(time.time())))
            timer.start()
            second.exec_driver_sql("SELECT 1")  # waits for first
            began = time.time()
            timer.join()
            assert began - released[0] < 0.02
            second.rollback()
        db.engine.dispose()


def _migrated(make_app, tmp_path, name):
    url = f"sqlite:///{tmp_path / name}"
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=schema.MIGRATIONS_DIR)
        make_user()  # an account exists, so "/" is the start page rather than /setup
        db.session.commit()
    return app, tmp_path / name


def test_a_page_that_only_reads_does_not_queue_behind_a_writer(make_app, tmp_path):
    app, path = _migrated(make_app, tmp_path, "readers.sqlite")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # someone holds the write lock (a long import, say)
    try:
        began = time.perf_counter()
        assert app.test_client().get("/").status_code == 200
        assert time.perf_counter() - began < 2  # the busy timeout is 5 s: it never waited
    finally:
        writer.rollback()
        writer.close()


def test_a_get_writes_only_in_a_transaction_of_its_own(make_app, tmp_path):
    app, _path = _migrated(make_app, tmp_path, "get-writes.sqlite")

    def add_event(kind):
        audit.record(kind)
        db.session.flush()

    @app.get("/_writes_inside_its_reads")
    def inside():
        db.session.scalar(select(func.count()).select_from(AuditEvent))
        add_event("test.inside")
        db.session.commit()
        return "written"

    @app.get("/_writes_apart")
    def apart():
        seen = db.session.scalar(select(func.count()).select_from(AuditEvent))
        with write_apart():
            add_event("test.apart")
        return str(seen)

    @app.get("/_declared_writer")
    @runs_as("writer")
    def declared():
        add_event("test.declared")
        db.session.commit()
        return "written"

    client = app.test_client()
    assert client.get("/_writes_inside_its_reads").status_code == 500  # ReadOnlyWrite, logged
    assert client.get("/_writes_apart").status_code == 200
    assert client.get("/_declared_writer").status_code == 200
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.action)).all()
        db.session.remove()
    assert sorted(k for k in kinds if k.startswith("test.")) == ["test.apart", "test.declared"]


@pytest.fixture
def lock_probe(app, monkeypatch):
    """Wraps the real picture decoder: while it runs, another connection tries to take the
    write lock without waiting. Returns what each try found."""
    path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    found = []
    real = images.clean_image

    def decode_and_probe(data, **limits):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            found.append("free")
        except sqlite3.OperationalError as exc:
            found.append(str(exc))
        finally:
            other.close()
        return real(data, **limits)

    monkeypatch.setattr(pictures, "clean_image", decode_and_probe)
    monkeypatch.setattr(concept_files, "clean_image", decode_and_probe)
    return found


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def test_nobody_waits_for_the_database_while_a_photo_is_decoded(
    app, client, world, team, login, lock_probe
):
    login(world.a["coordinator"])
    picture = {"picture": (io.BytesIO(_jpeg()), "bilde.jpg"), "consent": "y"}
    response = client.post("/guide/manage/images/", data=picture)
    assert response.status_code == 302
    login(team.member)
    photo = {"file": (io.BytesIO(_jpeg()), "oss.jpg"), "shows_people": "y"}
    assert client.post(f"/concepts/{team.concept_id}/files", data=photo).status_code == 302
    assert lock_probe == ["free", "free"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GuideImage)) == 1
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
