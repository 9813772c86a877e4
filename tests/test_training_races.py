"""Two youth workers marking the same ambassador at the same moment: the last one wins, no
error and no second row (PostgreSQL: SQLite serialises writers, BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from allin.clock import now
from allin.extensions import db
from allin.models import Attendance, Municipality, TrainingSession
from tests.conftest import is_postgres
from tests.factories import PASSWORD, make_ambassador, make_cohort, make_enrolment
from tests.training_factories import make_session

pytestmark = pytest.mark.xdist_group("serial")  # threads racing on purpose


def _setup(app, world):
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), status="active")
        enrolment = make_enrolment(cohort, make_ambassador(cohort.municipality))
        session = make_session(cohort, starts_at=now() - timedelta(minutes=5))
        db.session.commit()
        return session.id, enrolment.id


def _race(app, world, session_id, enrolment_id, rounds=4):
    barrier = threading.Barrier(2)
    people = [(world.a["youth_worker"].login, "present"), (world.a["coordinator"].login, "late")]

    def mark(pair):
        who, value = pair
        browser = app.test_client()
        browser.post("/login", data={"login": who, "password": PASSWORD})
        barrier.wait()
        response = browser.post(
            f"/sessions/{session_id}/roll-call/{enrolment_id}",
            data={"value": value},
            headers={"Accept": "application/json"},
        )
        return response.status_code

    outcomes = []
    for _ in range(rounds):
        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(mark, people)) == [200, 200]
        with app.app_context():
            rows = db.session.execute(select(Attendance.value, Attendance.recorded_by_id)).all()
            assert len(rows) == 1, rows
            outcomes.append(str(rows[0][0]))
            db.session.execute(delete(Attendance))
            db.session.commit()
    assert set(outcomes) <= {"present", "late"}


@pytest.mark.skipif(
    not is_postgres(),
    reason="needs a server database: SQLite serialises writers (BEGIN IMMEDIATE is built apart)",
)
def test_two_youth_workers_marking_at_once_leave_one_row(make_app, world):
    app = make_app()
    session_id, enrolment_id = _setup(app, world)
    _race(app, world, session_id, enrolment_id)


def test_marking_at_once_on_sqlite_queues_and_leaves_one_row(make_app, world):
    """On SQLite the same race queues behind the write lock: still one row, no error."""
    app = make_app()
    session_id, enrolment_id = _setup(app, world)
    _race(app, world, session_id, enrolment_id, rounds=2)


def test_applying_the_programme_twice_at_once_makes_each_session_once(make_app, world):
    app = make_app()
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a))
        db.session.commit()
        cohort_id = cohort.id
    barrier = threading.Barrier(2)

    def apply(who):
        browser = app.test_client()
        browser.post("/login", data={"login": who, "password": PASSWORD})
        barrier.wait()
        return browser.post(f"/cohorts/{cohort_id}/sessions/from-programme").status_code

    logins = [world.a["youth_worker"].login, world.a["coordinator"].login]
    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(apply, logins)) == [302, 302]
    with app.app_context():
        made = db.session.scalar(select(func.count()).select_from(TrainingSession))
        keys = db.session.scalar(select(func.count(func.distinct(TrainingSession.template_key))))
        assert made == keys == 12
