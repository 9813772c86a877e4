"""A concept team in municipality A, shared by the concept test modules."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from allin.enums import Role
from allin.extensions import db
from allin.models import Municipality, User
from tests.conftest import Person
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_enrolment,
    make_user,
)


@dataclass(frozen=True)
class Team:
    cohort_id: int
    other_cohort_id: int
    concept_id: int
    member: Person  # world.a["ambassador"], on the team
    teammate: Person  # on the team too
    reader: Person  # in the cohort, not on the team
    outsider: Person  # in another cohort of the same municipality
    member_enrolment_id: int
    teammate_enrolment_id: int
    reader_enrolment_id: int
    outsider_enrolment_id: int


def _person(user: User) -> Person:
    return Person(user.id, user.login, user.municipality_id)


@pytest.fixture
def team(app, world) -> Team:
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, status="active")
        other = make_cohort(municipality)
        member_user = db.session.get(User, world.a["ambassador"].id)
        people = {}
        enrolments = {}
        for name, cohort_of in (
            ("member", cohort),
            ("teammate", cohort),
            ("reader", cohort),
            ("outsider", other),
        ):
            user = member_user
            if name != "member":
                user = make_user(Role.AMBASSADOR, municipality, username=f"{name}{cohort.id}")
            ambassador = make_ambassador(
                municipality, user_id=user.id, name=f"{name.title()} Nordmann"
            )
            enrolments[name] = make_enrolment(cohort_of, ambassador)
            people[name] = _person(user)
        concept = make_concept(cohort, members=[enrolments["member"], enrolments["teammate"]])
        db.session.commit()
        return Team(
            cohort_id=cohort.id,
            other_cohort_id=other.id,
            concept_id=concept.id,
            member=people["member"],
            teammate=people["teammate"],
            reader=people["reader"],
            outsider=people["outsider"],
            member_enrolment_id=enrolments["member"].id,
            teammate_enrolment_id=enrolments["teammate"].id,
            reader_enrolment_id=enrolments["reader"].id,
            outsider_enrolment_id=enrolments["outsider"].id,
        )
