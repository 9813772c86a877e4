"""Migrations: empty -> head -> base -> head; models match; two workers do not race."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from allin import schema
from allin.extensions import db
from allin.guide import search as guide_search
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.xdist_group("serial")  # processes migrating one database at once


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database on the engine under test."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    # Named after the test database, so that runs side by side keep to their own prefix.
    name = f"{make_url(TEST_DATABASE_URL).database}_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_downgrade_upgrade(empty_database_url, make_app):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR)
        tables = set(inspect(db.engine).get_table_names())
        assert {"municipality", "user", "audit_event", "alembic_version"} <= tables
        assert schema.current_revisions() == schema.head_revisions()

        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": guide_search.include_object}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], "models and migrations disagree; run flask db migrate"

        downgrade(directory=schema.MIGRATIONS_DIR, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade(directory=schema.MIGRATIONS_DIR)
        assert schema.current_revisions() == schema.head_revisions()


def test_single_head():
    assert len(schema.head_revisions()) == 1


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="start-up migration is for embedded SQLite")
def test_two_workers_starting_together_both_migrate_safely(tmp_path):
    code = "from allin import create_app; create_app(); print('started')"
    env = {"ALLIN_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], results
    assert all(out.strip() == "started" for out, _ in results)
    engine = create_engine(f"sqlite:///{tmp_path / 'allin.sqlite'}")
    with engine.connect() as connection:
        assert set(MigrationContext.configure(connection).get_current_heads()) == (
            schema.head_revisions()
        )
    engine.dispose()


def cohort_rows(people) -> list[str]:
    """SQL for a municipality (1), a cohort (1) and ambassadors `people`, written as a
    migration would (parameters :at and :day), for tests of a revision's data step."""
    return [
        "INSERT INTO municipality (id, name, slug, country, digital_consent_age, "
        "photo_consent_age, created_at, updated_at) VALUES (1, 'Larvik', 'larvik', 'NO', 13, 15, "
        ":at, :at)",
        "INSERT INTO cohort (id, municipality_id, name, starts_on, ends_on, status, description, "
        "created_at, updated_at) VALUES (1, 1, 'Kull', :day, :day, 'active', '', :at, :at)",
        *(
            f"INSERT INTO ambassador (id, municipality_id, name, name_key, birth_year, "
            f"created_at, updated_at) VALUES ({n}, 1, 'A{n}', 'a{n}', 2010, :at, :at)"
            for n in people
        ),
    ]


def test_0012_gives_every_enrolment_there_is_its_own_calendar_address(empty_database_url, make_app):
    rows = [
        *cohort_rows(people=(1, 2)),
        *(
            f"INSERT INTO enrolment (id, municipality_id, cohort_id, ambassador_id, status, role, "
            f"enrolled_at) VALUES ({n}, 1, 1, {n}, 'active', 'ambassador', :at)"
            for n in (1, 2)
        ),
    ]
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR, revision="0011")
        with db.engine.begin() as connection:
            for row in rows:
                connection.execute(text(row), {"at": "2026-01-01 00:00:00", "day": "2026-01-01"})
        upgrade(directory=schema.MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            tokens = connection.execute(text("SELECT feed_token FROM enrolment")).scalars().all()
            assert connection.execute(text("SELECT number FROM guide_edition")).scalar() == 0
    assert len(set(tokens)) == 2 and all(len(token) == 43 for token in tokens)


def test_0014_an_old_photo_of_people_needs_everyone_in_the_cohort(empty_database_url, make_app):
    """Before 0014 a teammate taken off the team was deleted: who is in an old photo is no
    longer known, so the photo records everyone of the cohort (never public by mistake)."""
    at = {"at": "2026-01-01 00:00:00", "day": "2026-01-01"}
    rows = [
        *cohort_rows(people=(1, 2, 3)),
        *(
            f"INSERT INTO enrolment (id, municipality_id, cohort_id, ambassador_id, status, role, "
            f"enrolled_at, feed_token) VALUES ({n}, 1, 1, {n}, 'active', 'ambassador', :at, "
            f"'t{n}')"
            for n in (1, 2, 3)
        ),
        "INSERT INTO concept (id, municipality_id, cohort_id, title, challenge, target_group, "
        "idea, format, stage, created_at, updated_at) VALUES (1, 1, 1, 'K', '', '', '', "
        "'online', 'idea', :at, :at)",
        "INSERT INTO concept_member (id, concept_id, enrolment_id) VALUES (1, 1, 1)",
        *(
            f"INSERT INTO attachment (id, municipality_id, concept_id, stored_name, "
            f"original_name, content_type, size, shows_people, created_at) VALUES ({n}, 1, 1, "
            f"'s{n}', 'p.jpg', 'image/jpeg', 10, {people}, :at)"
            for n, people in ((1, "true"), (2, "false"))
        ),
    ]
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR, revision="0013")
        with db.engine.begin() as connection:
            for row in rows:
                connection.execute(text(row), at)
        upgrade(directory=schema.MIGRATIONS_DIR, revision="0014")
        with db.engine.connect() as connection:
            subjects = connection.execute(
                text("SELECT attachment_id, ambassador_id FROM attachment_subject")
            ).all()
        db.engine.dispose()
    assert sorted(subjects) == [(1, 1), (1, 2), (1, 3), (2, 1)]


def test_rebuilding_a_table_on_sqlite_keeps_the_rows_that_refer_to_it(empty_database_url, make_app):
    """SQLite rebuilds a table to change it (0019 the user table, 0023 ambassador and
    municipality); with foreign keys on, dropping the old copy deleted every row referring to
    it ON DELETE CASCADE and emptied the SET NULL ones. env.py turns them off meanwhile."""
    at = {"at": "2026-01-01 00:00:00", "day": "2026-01-01"}
    rows = [
        cohort_rows(people=())[0],
        'INSERT INTO "user" (id, role, municipality_id, name, username, active, created_at, '
        "updated_at) VALUES (1, 'ambassador', 1, 'A1', 'a1', true, :at, :at)",
        cohort_rows(people=())[1],
        "INSERT INTO ambassador (id, municipality_id, name, name_key, birth_year, user_id, "
        "created_at, updated_at) VALUES (1, 1, 'A1', 'a1', 2010, 1, :at, :at)",
        "INSERT INTO enrolment (id, municipality_id, cohort_id, ambassador_id, status, role, "
        "enrolled_at, feed_token) VALUES (1, 1, 1, 1, 'active', 'ambassador', :at, 'f')",
        "INSERT INTO consent (id, municipality_id, ambassador_id, purpose, given_by, method, "
        "given_on, recorded_at) VALUES (1, 1, 1, 'participation', 'ambassador', 'paper', :day, "
        ":at)",
        "INSERT INTO login_session (id, user_id, token_hash, created_at, last_seen_at, "
        "user_agent) VALUES (1, 1, 'h', :at, :at, '')",
    ]
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR, revision="0018")
        with db.engine.begin() as connection:
            for row in rows:
                connection.execute(text(row), at)
        upgrade(directory=schema.MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            counted = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("login_session", "enrolment", "consent")
            }
            linked = connection.execute(text("SELECT user_id FROM ambassador")).scalar()
            kept = connection.execute(text("SELECT retention_years FROM municipality")).scalar()
    assert counted == {"login_session": 1, "enrolment": 1, "consent": 1}
    assert (linked, kept) == (1, 3)
