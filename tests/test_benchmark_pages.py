"""Every page the benchmark measures (tests/benchmarks/pages.py) sends as many queries with a
few more people, sessions, concepts and guide entries as without them (issue 26): the speed
targets hold whatever the data size only if the query count does."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from allin.demo import create_demo_network
from allin.extensions import db
from allin.models import Ambassador, Cohort, Concept, Enrolment, TrainingSession
from tests.benchmarks.pages import PAGES
from tests.factories import (
    make_ambassador,
    make_concept,
    make_consent,
    make_enrolment,
    make_guide_entry,
)
from tests.training_factories import make_attendance, make_session

PASSWORD = "benchmark password 2026"


def offsets(app) -> dict[str, int]:
    """How far this database's ids are from a fresh one's (PostgreSQL's sequences go on after
    the harness empties a table): pages.py names the ids seed-demo gives a new database."""
    with app.app_context():
        first = {
            "cohorts": db.session.scalar(select(func.min(Cohort.id))),
            "sessions": db.session.scalar(select(func.min(TrainingSession.id))),
            "concepts": db.session.scalar(select(func.min(Concept.id))),
            "ambassadors": db.session.scalar(select(func.min(Ambassador.id))),
        }
    return {kind: id_ - 1 for kind, id_ in first.items()}


def actual(path: str, shift: dict[str, int]) -> str:
    return re.sub(
        r"/(cohorts|sessions|concepts|ambassadors)/(\d+)",
        lambda m: f"/{m[1]}/{int(m[2]) + shift[m[1]]}",
        path,
    )


@pytest.fixture
def demo(app) -> dict[str, str]:
    """The benchmark's data (seed-demo --scale 1) and one login per role, as it signs in."""
    with app.app_context():
        accounts = create_demo_network(password=PASSWORD)
        db.session.commit()
    logins: dict[str, str] = {}
    for account in accounts:
        logins.setdefault(str(account.role), account.login)
    return logins


def grow(app, shift: dict[str, int]) -> None:
    """More of everything the listed pages show, in the first municipality's active cohort
    (cohort 2) and its public guide."""
    with app.app_context():
        cohort = db.session.get(Cohort, 2 + shift["cohorts"])
        enrolments = []
        for _ in range(6):
            person = make_ambassador(cohort.municipality)
            make_consent(person, "participation")
            enrolments.append(make_enrolment(cohort, person, status="active"))
        session = make_session(cohort, days=-2)
        for enrolment in enrolments:
            make_attendance(session, enrolment, "present")
        make_concept(cohort, members=enrolments[:2], stage="developing")
        make_concept(cohort, members=enrolments[2:4], stage="pitched")
        for _ in range(3):
            make_guide_entry(status="published", body="Ungdom og trygghet i byen.")
        db.session.commit()
        assert db.session.query(Enrolment).filter_by(cohort_id=cohort.id).count() > 6


def queries_per_page(client, count_queries, logins, shift) -> dict[str, int]:
    """The queries each listed page sends, as its role, fetched once first (warm caches).
    Signs in once a role: signing in is slow on purpose."""
    counts = {}
    for role in dict.fromkeys(page.role for page in PAGES):
        client.post("/logout")
        if role:
            login = {"login": logins[role], "password": PASSWORD}
            assert client.post("/login", data=login).status_code == 302, role
        for page in (page for page in PAGES if page.role == role):
            path = actual(page.path, shift)
            client.get(path)
            with count_queries() as queries:
                assert client.get(path).status_code == 200, page.name
            assert queries.lazy_loads == [], (page.name, queries.lazy_loads)
            counts[page.name] = queries.count
    return counts


# Pages are rendered in full: the public guide's kept pages would answer from memory.
@pytest.mark.parametrize("config_overrides", [{"GUIDE_KEPT_PAGES": 0}])
def test_each_benchmarked_page_sends_a_constant_number_of_queries(app, client, demo, count_queries):
    shift = offsets(app)
    few = queries_per_page(client, count_queries, demo, shift)
    grow(app, shift)
    many = queries_per_page(client, count_queries, demo, shift)
    assert many == few
    assert all(few.values()), few
