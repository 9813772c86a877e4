"""The report (issue 20): who sees which figures, what each figure counts, small numbers
suppressed, the downloads equal the page, bad input answered, constant queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from allin.clock import now
from allin.enums import Role
from allin.extensions import db
from allin.models import AuditEvent, Municipality
from tests.conftest import Person
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_enrolment,
    make_timeline_entry,
    make_user,
)
from tests.training_factories import make_attendance, make_session

YEAR = now().year
THIS_YEAR = f"starts={YEAR}-01-01&ends={YEAR}-12-31"


def person(user) -> Person:
    return Person(user.id, user.login, user.municipality_id)


@pytest.fixture
def viewer(app, world):
    with app.app_context():
        user = make_user(Role.NETWORK_VIEWER, name="Funder Person")
        db.session.commit()
        return person(user)


def enrol_people(municipality_id, count, *, cohort=None, status="active", age=15, **fields):
    """`count` ambassadors in a cohort of this year (a new active one unless given), each at
    one past session, present."""
    municipality = db.session.get(Municipality, municipality_id)
    cohort = cohort or make_cohort(municipality, status="active")
    session = make_session(cohort, days=-1)
    enrolments = []
    for n in range(count):
        ambassador = make_ambassador(municipality, age=age, name=f"Secret Name {municipality_id}-{n}")
        enrolment = make_enrolment(cohort, ambassador, status=status, **fields)
        make_attendance(session, enrolment, "present")
        enrolments.append(enrolment)
    return cohort, enrolments


def cells(html: str, row: str) -> list[str]:
    """The cells of every table row headed `row`, in page order."""
    found = []
    for match in re.finditer(r"<tr[^>]*><th scope=\"row\">(.*?)</th>(.*?)</tr>", html, re.S):
        if match.group(1).strip() == row:
            found += [c.strip() for c in re.findall(r"<td>(.*?)</td>", match.group(2), re.S)]
    return found


def test_a_coordinator_sees_their_municipality_only(app, client, world, login):
    with app.app_context():
        enrol_people(world.municipality_a, 7)
        enrol_people(world.municipality_b, 9)
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get(f"/reports/?{THIS_YEAR}")
    assert page.status_code == 200
    html = page.data.decode()
    assert "Larvik" in html and "Kristiansand" not in html
    assert "Network total" not in html and "Nettverket totalt" not in html
    assert client.get(f"/reports/?municipality={world.municipality_b}").status_code == 404
    assert client.get(f"/reports/?municipality={world.municipality_a}").status_code == 200
    assert client.get("/reports/?municipality=999999").status_code == 404
    assert client.get("/reports/?municipality=x").status_code == 404


@pytest.mark.parametrize("who", ["youth_worker", "ambassador"])
def test_others_at_municipal_level_get_no_report(client, world, login, who):
    login(world.a[who])
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/report.csv").status_code == 403
