"""The training pages send as many SQL queries for 5 ambassadors as for 50, and for 3
sessions as for 30: everything is aggregated in SQL, never per row."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from allin.clock import now
from allin.enums import AttendanceValue
from allin.extensions import db
from allin.models import Ambassador, CalendarFeed, Cohort, Enrolment, Municipality, TrainingSession
from allin.training import services
from tests.factories import make_ambassador, make_cohort, make_enrolment
from tests.training_factories import make_attendance, make_session

VALUES = itertools.cycle(list(AttendanceValue))


@pytest.fixture
def grow(app, world):
    """grow(ambassadors=n, sessions=m) adds to the first cohort of municipality A, with a
    roll call for every past session; returns the cohort's id."""

    def _grow(ambassadors=0, sessions=0, cohorts=0, me=None):
        with app.app_context():
            municipality = db.session.get(Municipality, world.municipality_a)
            cohort = db.session.scalar(select(Cohort).order_by(Cohort.id)) or make_cohort(
                municipality, status="active"
            )
            services.ensure_feed(cohort)
            for _ in range(ambassadors):
                make_enrolment(
                    cohort,
                    make_ambassador(municipality),
                    enrolled_at=now() - timedelta(days=400),
                )
            mine = select(Enrolment.id).join(Enrolment.ambassador)
            mine = mine.where(Enrolment.cohort_id == cohort.id, Ambassador.user_id == me)
            if me is not None and not db.session.scalar(mine):
                make_enrolment(cohort, make_ambassador(municipality, user_id=me))
            enrolments = db.session.scalars(
                select(Enrolment).where(Enrolment.cohort_id == cohort.id)
            ).all()
            for n in range(sessions):
                past = make_session(cohort, days=-(n + 1) * 3, title=f"Økt {n}")
                make_session(cohort, days=n + 1, title=f"Neste {n}")
                for enrolment in enrolments:
                    make_attendance(past, enrolment, next(VALUES))
            for _ in range(cohorts):
                other = make_cohort(municipality)
                make_session(other, days=-2)
            db.session.commit()
            return cohort.id

    return _grow


def _today_session(app, cohort_id):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        session = make_session(cohort, starts_at=now() - timedelta(minutes=5))
        db.session.commit()
        return session.id


@pytest.mark.parametrize("role", ["coordinator", "youth_worker"])
def test_cohort_dashboard(world, login, assert_constant_queries, grow, role):
    cohort_id = grow(ambassadors=5, sessions=3)
    login(world.a[role])
    queries = assert_constant_queries(
        f"/cohorts/{cohort_id}", lambda: grow(ambassadors=45, sessions=27)
    )
    print(f"cohort dashboard: {queries} queries at 5/3 and 50/30")
    assert queries <= 14


def test_roll_call(app, world, login, assert_constant_queries, grow):
    cohort_id = grow(ambassadors=5, sessions=3)
    session_id = _today_session(app, cohort_id)
    login(world.a["youth_worker"])
    queries = assert_constant_queries(
        f"/sessions/{session_id}/roll-call", lambda: grow(ambassadors=45, sessions=27)
    )
    print(f"roll call: {queries} queries at 5 and 50")
    assert queries <= 8


def test_municipality_overview(world, login, assert_constant_queries, grow):
    grow(ambassadors=5, sessions=3, cohorts=2)
    login(world.a["coordinator"])
    queries = assert_constant_queries(
        "/cohorts/overview", lambda: grow(ambassadors=45, sessions=27, cohorts=17)
    )
    print(f"municipality overview: {queries} queries at 3 and 20 cohorts")
    assert queries <= 10


def test_session_list_and_detail(app, world, login, assert_constant_queries, grow):
    cohort_id = grow(ambassadors=5, sessions=3)
    login(world.a["coordinator"])
    queries = assert_constant_queries(
        f"/cohorts/{cohort_id}/sessions", lambda: grow(ambassadors=5, sessions=27)
    )
    print(f"session list: {queries} queries at 3 and 30 sessions")
    assert queries <= 8
    with app.app_context():
        session_id = db.session.scalar(select(TrainingSession.id))
    assert assert_constant_queries(f"/sessions/{session_id}", lambda: grow(ambassadors=45)) <= 8


def test_ambassador_home_and_cohort_page(world, login, assert_constant_queries, grow):
    me = world.a["ambassador"].id
    cohort_id = grow(ambassadors=5, sessions=3, me=me)
    login(world.a["ambassador"])
    assert assert_constant_queries("/", lambda: grow(ambassadors=45, sessions=27)) <= 10
    assert (
        assert_constant_queries(f"/cohorts/{cohort_id}", lambda: grow(ambassadors=5, sessions=5))
        <= 10
    )


def test_calendar_feed(app, client, count_queries, grow):
    grow(ambassadors=2, sessions=3)
    with app.app_context():
        token = db.session.scalar(select(CalendarFeed.token))
    url = f"/calendar/{token}.ics"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    grow(sessions=27)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert few.count == many.count <= 4
    assert client.get(url).data.count(b"BEGIN:VEVENT") == 60
