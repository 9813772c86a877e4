"""A concept's team keeps its history, and a photo showing people stays private until everyone
who was on the team when it was uploaded, and everyone on it since, has a photo consent
(issue 19, point 2; SECURITY 24 and decision 6)."""

from __future__ import annotations

import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from allin import schema
from allin.clock import now
from allin.concepts import files, services
from allin.enums import EnrolmentStatus
from allin.extensions import db
from allin.models import (
    Ambassador,
    Attachment,
    AttachmentSubject,
    Concept,
    ConceptMember,
    Enrolment,
    Municipality,
    User,
)
from tests import test_concept_showcase, test_migrations
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_consent,
    make_enrolment,
)
from tests.test_concept_showcase import ambassador, png

best_case = test_concept_showcase.best_case  # fixtures shared with those modules
empty_database_url = test_migrations.empty_database_url


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def edit_form(concept_id: int, members: list[int]) -> dict:
    concept = db.session.get(Concept, concept_id)
    return {
        "title": concept.title,
        "challenge": concept.challenge,
        "target_group": concept.target_group,
        "idea": concept.idea,
        "format": concept.format.value,
        "members": members,
        "mentor": "",
        "action": "save",
    }


def photo_is_public(client, best_case) -> bool:
    status = client.get(f"/concepts/photos/{best_case['photo_id']}").status_code
    page = client.get(f"/guide/{best_case['slug']}").get_data(as_text=True)
    assert (status == 200) == (f"/concepts/photos/{best_case['photo_id']}" in page)
    return status == 200


def test_removing_a_member_without_consent_keeps_the_photo_private(
    app, client, world, team, login, best_case
):
    """The member consents, the teammate does not; staff take the teammate off the team."""
    with app.app_context():
        make_consent(ambassador("Member Nordmann"), "photo")
        db.session.commit()
        data = edit_form(team.concept_id, [team.member_enrolment_id])
    assert not photo_is_public(client, best_case)
    login(world.a["coordinator"])
    assert client.post(f"/concepts/{team.concept_id}/edit", data=data).status_code == 302
    client.post("/logout")
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        assert [m.enrolment_id for m in concept.members] == [team.member_enrolment_id]
        left = db.session.scalar(
            select(ConceptMember).where(ConceptMember.enrolment_id == team.teammate_enrolment_id)
        )
        assert left is not None and left.left_at is not None  # kept, marked as left
    assert not photo_is_public(client, best_case)
    # The teammate's consent arrives: now the photo may be shown.
    with app.app_context():
        make_consent(ambassador("Teammate Nordmann"), "photo")
        db.session.commit()
    assert photo_is_public(client, best_case)


def test_withdrawing_a_member_from_the_cohort_and_saving_keeps_the_photo_private(
    app, client, world, team, login, best_case
):
    with app.app_context():
        make_consent(ambassador("Member Nordmann"), "photo")
        teammate = db.session.get(Enrolment, team.teammate_enrolment_id)
        teammate.status, teammate.withdrawn_at = EnrolmentStatus.WITHDRAWN, now()
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get(f"/concepts/{team.concept_id}/edit").get_data(as_text=True)
    assert str(team.teammate_enrolment_id) not in re.findall(
        r'name="members"[^>]*value="(\d+)"', page
    )
    with app.app_context():
        data = edit_form(team.concept_id, [team.member_enrolment_id])
    assert client.post(f"/concepts/{team.concept_id}/edit", data=data).status_code == 302
    client.post("/logout")
    assert not photo_is_public(client, best_case)


def test_someone_added_after_the_upload_needs_to_consent_too(
    app, client, world, team, login, best_case
):
    with app.app_context():
        for name in ("Member Nordmann", "Teammate Nordmann"):
            make_consent(ambassador(name), "photo")
        db.session.commit()
    assert photo_is_public(client, best_case)
    login(world.a["coordinator"])
    with app.app_context():
        everyone = [team.member_enrolment_id, team.teammate_enrolment_id]
        data = edit_form(team.concept_id, [*everyone, team.reader_enrolment_id])
    assert client.post(f"/concepts/{team.concept_id}/edit", data=data).status_code == 302
    client.post("/logout")
    assert not photo_is_public(client, best_case)


def test_a_recorded_subject_counts_even_when_no_team_row_is_left(app, client, team, best_case):
    """The upload's own record decides too: a subject without consent keeps the photo private
    even without a team row (e.g. an enrolment deleted with its cohort)."""
    with app.app_context():
        for name in ("Member Nordmann", "Teammate Nordmann"):
            make_consent(ambassador(name), "photo")
        municipality_id = db.session.get(Concept, team.concept_id).municipality_id
        outsider = make_ambassador(db.session.get(Municipality, municipality_id))
        db.session.add(
            AttachmentSubject(attachment_id=best_case["photo_id"], ambassador_id=outsider.id)
        )
        db.session.commit()
        outsider_id = outsider.id
    assert not photo_is_public(client, best_case)
    with app.app_context():
        make_consent(db.session.get(Ambassador, outsider_id), "photo")
        db.session.commit()
    assert photo_is_public(client, best_case)


def test_an_upload_records_the_team_of_that_moment(app, team):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        actor = db.session.get(User, team.member.id)
        photo = files.add_attachment(concept, actor=actor, data=png(), filename="a.png")
        db.session.commit()
        subjects = set(
            db.session.scalars(
                select(AttachmentSubject.ambassador_id).where(
                    AttachmentSubject.attachment_id == photo.id
                )
            )
        )
        team_now = {
            db.session.get(Enrolment, e).ambassador_id
            for e in (team.member_enrolment_id, team.teammate_enrolment_id)
        }
        assert subjects == team_now


def test_a_member_who_left_loses_the_team_and_can_come_back(app, world, team):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        coordinator = db.session.get(User, world.a["coordinator"].id)
        data = services.ConceptData(
            title=concept.title, member_ids=[team.member_enrolment_id], mentor_id=None
        )
        services.save_concept(actor=coordinator, cohort=concept.cohort, data=data, concept=concept)
        db.session.commit()
        from allin.concepts.rules import is_team_member

        teammate = db.session.get(User, team.teammate.id)
        assert not is_team_member(teammate, concept)
        data.member_ids = [team.member_enrolment_id, team.teammate_enrolment_id]
        services.save_concept(actor=coordinator, cohort=concept.cohort, data=data, concept=concept)
        db.session.commit()
        assert is_team_member(teammate, concept)
        rows = db.session.scalar(select(func.count()).where(ConceptMember.concept_id == concept.id))
        assert rows == 2  # the same row came back


def test_the_migration_records_the_whole_cohort_on_existing_photos(empty_database_url, make_app):
    """Revision 0014's downgrade drops the rows of those who left (before 0014 leaving deleted
    the row), so who is in an existing photo of people is not known: its upgrade records
    everyone of the cohort, the one who left too (tests/test_migrations.py: any other file
    records today's team)."""
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR)
        municipality = Municipality(name="Larvik", slug="larvik")
        db.session.add(municipality)
        cohort = make_cohort(municipality)
        people = [make_ambassador(municipality) for _ in range(3)]
        enrolments = [make_enrolment(cohort, person) for person in people]
        concept = make_concept(cohort, members=enrolments)
        attachment = Attachment(
            municipality_id=municipality.id,
            concept_id=concept.id,
            stored_name="0" * 32 + ".png",
            original_name="x.png",
            content_type="image/png",
            size=1,
        )
        db.session.add(attachment)
        db.session.flush()
        left = db.session.scalar(
            select(ConceptMember).where(ConceptMember.enrolment_id == enrolments[2].id)
        )
        left.left_at = now()
        db.session.commit()
        attachment_id = attachment.id
        expected = {(attachment_id, p.id) for p in people}
        db.session.remove()

        downgrade(directory=schema.MIGRATIONS_DIR, revision="0013")
        upgrade(directory=schema.MIGRATIONS_DIR)
        subject = select(AttachmentSubject.attachment_id, AttachmentSubject.ambassador_id)
        assert set(db.session.execute(subject).all()) == expected
        left_rows = select(func.count()).where(ConceptMember.left_at.is_not(None))
        assert db.session.scalar(left_rows) == 0  # the downgrade dropped the leaver's row
        db.session.remove()
