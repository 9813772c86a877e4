"""Hypothesis over the cohort, ambassador, enrolment and consent forms: never a 5xx, and a
refused form writes nothing (SECURITY 15)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from allin.extensions import db
from allin.models import Ambassador, Cohort, Consent, Enrolment, Municipality
from tests.factories import count, make_ambassador, make_cohort, make_enrolment
from tests.test_fuzz import FUZZ, hostile

dates = st.one_of(hostile, st.dates().map(str), st.sampled_from(["2027-02-30", "31.12.2027"]))
statuses = st.one_of(hostile, st.sampled_from(["invited", "active", "graduated", "withdrawn"]))
years = st.one_of(hostile, st.integers(-(10**20), 10**20).map(str), st.sampled_from(["2011"]))


def signed_in(app, world, role="coordinator"):
    client = app.test_client()
    client.post("/login", data={"login": world.a[role].login, "password": "correct horse battery"})
    return client


@FUZZ
@given(name=hostile, starts=dates, ends=dates, description=hostile, leads=st.lists(hostile))
def test_cohort_form(app, world, name, starts, ends, description, leads):
    client = signed_in(app, world)
    with app.app_context():
        before = count(Cohort)
    response = client.post(
        "/cohorts/new",
        data={
            "name": name,
            "starts_on": starts,
            "ends_on": ends,
            "description": description,
            "leads": leads,
        },
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        assert count(Cohort) == before + (response.status_code == 302)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {
            k: hostile
            for k in (
                "name",
                "school",
                "phone",
                "email",
                "guardian_name",
                "guardian_phone",
                "guardian_email",
                "role",
                "create_anyway",
            )
        }
    ),
    birth_year=years,
)
def test_enrolment_form(app, world, fields, birth_year):
    with app.app_context():
        cohort = db.session.scalar(select(Cohort)) or make_cohort(
            db.session.get(Municipality, world.municipality_a)
        )
        db.session.commit()
        cohort_id, before = cohort.id, (count(Ambassador), count(Enrolment))
    client = signed_in(app, world, "youth_worker")
    response = client.post(f"/cohorts/{cohort_id}/enrol", data={**fields, "birth_year": birth_year})
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        grew = response.status_code == 302
        assert (count(Ambassador), count(Enrolment)) == (before[0] + grew, before[1] + grew)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {k: hostile for k in ("name", "school", "phone", "email", "guardian_name")}
    ),
    birth_year=years,
)
def test_ambassador_form(app, world, fields, birth_year):
    with app.app_context():
        ambassador = db.session.scalar(select(Ambassador)) or make_ambassador(
            db.session.get(Municipality, world.municipality_a)
        )
        db.session.commit()
        ambassador_id, before = ambassador.id, ambassador.name
    client = signed_in(app, world, "youth_worker")
    response = client.post(
        f"/ambassadors/{ambassador_id}/edit", data={**fields, "birth_year": birth_year}
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        name = db.session.get(Ambassador, ambassador_id).name
        assert (name != before) <= (response.status_code == 302)


@FUZZ
@given(
    purpose=hostile,
    given_by=st.one_of(hostile, st.sampled_from(["guardian", "ambassador"])),
    guardian=hostile,
    method=st.one_of(hostile, st.sampled_from(["paper", "email"])),
    given_on=dates,
)
def test_consent_form(app, world, purpose, given_by, guardian, method, given_on):
    with app.app_context():
        ambassador = db.session.scalar(select(Ambassador)) or make_ambassador(
            db.session.get(Municipality, world.municipality_a), age=12
        )
        db.session.commit()
        ambassador_id, before = ambassador.id, count(Consent)
    client = signed_in(app, world, "youth_worker")
    response = client.post(
        f"/ambassadors/{ambassador_id}/consents/new",
        data={
            "purpose": purpose,
            "given_by": given_by,
            "guardian_name": guardian,
            "method": method,
            "given_on": given_on,
        },
    )
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        assert count(Consent) == before + (response.status_code == 302)


@FUZZ
@given(data=st.binary(max_size=2000))
def test_import_upload(app, world, data):
    import io

    with app.app_context():
        cohort = db.session.scalar(select(Cohort)) or make_cohort(
            db.session.get(Municipality, world.municipality_a)
        )
        db.session.commit()
        cohort_id = cohort.id
    client = signed_in(app, world, "youth_worker")
    response = client.post(
        f"/cohorts/{cohort_id}/import",
        data={"spreadsheet": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 302)
    with app.app_context():
        assert count(Ambassador) == 0


@FUZZ
@given(status=statuses, seen=statuses, next_=st.one_of(hostile, st.sampled_from(["/x", "//evil"])))
def test_enrolment_status_form(app, world, status, seen, next_):
    """Any status, seen status and `next`: never a 5xx, never a redirect off the site, and the
    enrolment moves only for a real one-step move from the status it has."""
    from allin.enums import EnrolmentStatus

    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = db.session.scalar(select(Cohort)) or make_cohort(municipality, status="active")
        enrolment = db.session.scalar(select(Enrolment)) or make_enrolment(
            cohort, make_ambassador(municipality), status=EnrolmentStatus.INVITED
        )
        enrolment.status = EnrolmentStatus.INVITED
        db.session.commit()
        enrolment_id = enrolment.id
    client = signed_in(app, world, "youth_worker")
    response = client.post(
        f"/cohorts/enrolments/{enrolment_id}/status",
        data={"status": status, "seen": seen, "next": next_},
    )
    # A NUL in any field refuses the whole request (security.py): nothing moves then.
    refused = any("\x00" in value for value in (status, seen, next_))
    assert response.status_code == 400 if refused else response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/")
        assert not response.headers["Location"].startswith(("//", "/\\"))
    with app.app_context():
        moved = db.session.get(Enrolment, enrolment_id).status
    assert moved == (
        EnrolmentStatus.ACTIVE
        if (status, seen) == ("active", "invited") and not refused
        else EnrolmentStatus.INVITED
    )
