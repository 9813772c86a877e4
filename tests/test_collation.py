"""Norwegian alphabetical order, Æ, Ø, Å after Z, wherever people are listed by name, on
both engines (issue 19, point 13)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from allin.admin import selectors as admin_selectors
from allin.cohorts import selectors as cohort_selectors
from allin.collation import nb_order, sort_key
from allin.concepts.selectors import team_choices
from allin.enums import EnrolmentStatus, Role
from allin.extensions import db
from allin.models import Ambassador
from allin.training.selectors import roll_call
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_enrolment,
    make_municipality,
    make_user,
)
from tests.training_factories import make_session

NAMES = ["Ærlend", "Øydis", "Åse", "Aksel", "Zara"]
NORWEGIAN = ["Aksel", "Zara", "Ærlend", "Øydis", "Åse"]


def _cohort_with(names, municipality=None):
    cohort = make_cohort(municipality, status="active", starts_on=datetime(2026, 9, 1).date())
    for name in names:
        ambassador = make_ambassador(cohort.municipality, name=name)
        make_enrolment(cohort, ambassador, status=EnrolmentStatus.ACTIVE)
    return cohort


def test_the_database_sorts_in_norwegian_order(app):
    with app.app_context():
        cohort = _cohort_with(NAMES)
        stmt = (
            select(Ambassador.name)
            .where(Ambassador.municipality_id == cohort.municipality_id)
            .order_by(nb_order(Ambassador.name), Ambassador.id)
        )
        assert list(db.session.scalars(stmt)) == NORWEGIAN


def test_case_and_accents_do_not_split_the_alphabet(app):
    names = ["åse", "Émile", "bo", "Elin", "Zoe", "Ada", "ølen", "Ærø", "äsa"]
    with app.app_context():
        cohort = _cohort_with(names)
        stmt = (
            select(Ambassador.name)
            .where(Ambassador.municipality_id == cohort.municipality_id)
            .order_by(nb_order(Ambassador.name), Ambassador.id)
        )
        in_database = list(db.session.scalars(stmt))
    assert in_database == ["Ada", "bo", "Elin", "Émile", "Zoe", "Ærø", "äsa", "ølen", "åse"]
    assert sorted(names, key=sort_key) == in_database


def test_roll_call_member_list_and_team_picker_are_in_norwegian_order(app):
    with app.app_context():
        cohort = _cohort_with(NAMES)
        worker = make_user(Role.YOUTH_WORKER, cohort.municipality)
        session = make_session(cohort)
        db.session.commit()

        called = [row.name for row in roll_call(worker, session)]
        listed = db.session.scalars(cohort_selectors.members(worker, cohort)).all()
        picker = [name for _id, name in team_choices(cohort)]
    assert called == NORWEGIAN
    assert [e.ambassador.name for e in listed] == NORWEGIAN
    assert picker == NORWEGIAN


def test_people_and_lead_lists_are_in_norwegian_order(app):
    with app.app_context():
        municipality = make_municipality()
        for name in NAMES[:-1]:
            make_user(Role.YOUTH_WORKER, municipality, name=name)
        coordinator = make_user(Role.COORDINATOR, municipality, name=NAMES[-1])
        db.session.commit()

        cohort = make_cohort(municipality)
        cohort.leads = list(db.session.scalars(admin_selectors.people(coordinator)))[::-1]
        db.session.commit()
        db.session.expire_all()

        people = [u.name for u in db.session.scalars(admin_selectors.people(coordinator))]
        choices = [u.name for u in cohort_selectors.lead_choices(coordinator)]
        leads = [u.name for u in cohort_selectors.cohort_page(coordinator, cohort.id).leads]
    assert people == NORWEGIAN
    assert choices == NORWEGIAN
    assert leads == NORWEGIAN
