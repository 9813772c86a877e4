"""Best cases (SECURITY decision 6): proposing one, and what the public page names and shows,
decided by the consents as they stand at every request."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from allin.clock import now
from allin.concepts import files
from allin.enums import ConceptStage, GuideKind, GuideStatus
from allin.extensions import db
from allin.models import Ambassador, Concept, Consent, GuideEntry, User
from tests.factories import make_consent

TEAM_NAMES = ("Member Nordmann", "Teammate Nordmann")


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 9), (10, 90, 200)).save(out, "PNG")
    return out.getvalue()


def launch(app, team, stage=ConceptStage.LAUNCHED):
    with app.app_context():
        db.session.get(Concept, team.concept_id).stage = stage
        db.session.commit()


def ambassador(name: str) -> Ambassador:
    return db.session.scalar(select(Ambassador).where(Ambassador.name == name))


@pytest.fixture
def best_case(app, client, world, team, login):
    """A published best case about the team's launched concept, with a photo of people."""
    launch(app, team)
    login(world.a["coordinator"])
    assert client.post(f"/concepts/{team.concept_id}/best-case").status_code == 302
    client.post("/logout")
    with app.app_context():
        entry = db.session.scalar(
            select(GuideEntry).where(GuideEntry.concept_id == team.concept_id)
        )
        entry.status, entry.published_at = GuideStatus.PUBLISHED, now()
        concept = db.session.get(Concept, team.concept_id)
        actor = db.session.get(User, team.member.id)
        photo = files.add_attachment(concept, actor=actor, data=png(), filename="us.png")
        db.session.commit()
        return {"slug": entry.slug, "photo_id": photo.id}


def test_staff_propose_a_launched_concept_as_a_draft_best_case(app, client, world, team, login):
    launch(app, team, ConceptStage.SUSTAINED)
    login(world.a["youth_worker"])
    assert client.post(f"/concepts/{team.concept_id}/best-case").status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            select(GuideEntry).where(GuideEntry.concept_id == team.concept_id)
        )
        assert entry.kind == GuideKind.BEST_CASE and entry.status == GuideStatus.DRAFT
        assert entry.municipality_id == world.municipality_a
        assert not any(name in entry.body + entry.summary for name in TEAM_NAMES)
    # A second proposal is refused; the draft stays the only one.
    client.post(f"/concepts/{team.concept_id}/best-case")
    with app.app_context():
        found = db.session.scalars(
            select(GuideEntry).where(GuideEntry.concept_id == team.concept_id)
        )
        assert len(found.all()) == 1


@pytest.mark.parametrize("stage", ["idea", "developing", "pitched", "stopped"])
def test_only_launched_or_sustained_concepts_become_best_cases(
    app, client, world, team, login, stage
):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        concept.stage = ConceptStage(stage)
        if stage == "stopped":
            concept.stopped_from, concept.stop_reason = ConceptStage.PITCHED, "x"
        db.session.commit()
    login(world.a["coordinator"])
    assert client.post(f"/concepts/{team.concept_id}/best-case").status_code == 403


def test_ambassadors_do_not_propose(app, client, world, team, login):
    launch(app, team)
    login(team.member)
    assert client.post(f"/concepts/{team.concept_id}/best-case").status_code == 403


def test_without_consent_the_team_is_anonymous_and_no_photo(app, client, best_case):
    page = client.get(f"/guide/{best_case['slug']}").data.decode()
    assert "2 ALL'IN ambassadors" in page
    assert not any(name in page for name in TEAM_NAMES)
    assert "/concepts/photos/" not in page
    assert client.get(f"/concepts/photos/{best_case['photo_id']}").status_code == 404


def test_names_and_photo_follow_consent_and_its_withdrawal(app, client, best_case):
    with app.app_context():
        member = ambassador("Member Nordmann")
        teammate = ambassador("Teammate Nordmann")
        make_consent(member, "publish_name")
        make_consent(member, "photo")
        teammate_photo = make_consent(teammate, "photo")
        db.session.commit()
        teammate_photo_id = teammate_photo.id
    page = client.get(f"/guide/{best_case['slug']}").data.decode()
    assert "Member Nordmann" in page and "Teammate Nordmann" not in page
    assert "an ALL'IN ambassador" in page
    assert f"/concepts/photos/{best_case['photo_id']}" in page
    response = client.get(f"/concepts/photos/{best_case['photo_id']}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    # The teammate's photo consent is withdrawn: the photo goes at once.
    with app.app_context():
        db.session.get(Consent, teammate_photo_id).withdrawn_at = now()
        db.session.commit()
    page = client.get(f"/guide/{best_case['slug']}").data.decode()
    assert "/concepts/photos/" not in page
    assert client.get(f"/concepts/photos/{best_case['photo_id']}").status_code == 404
    assert "Member Nordmann" in page


def test_a_photo_without_people_needs_no_consent(app, client, world, team, best_case):
    with app.app_context():
        concept = db.session.get(Concept, team.concept_id)
        actor = db.session.get(User, team.member.id)
        poster = files.add_attachment(
            concept, actor=actor, data=png(), filename="poster.png", shows_people=False
        )
        db.session.commit()
        poster_id = poster.id
    page = client.get(f"/guide/{best_case['slug']}").data.decode()
    assert f"/concepts/photos/{poster_id}" in page
    assert f"/concepts/photos/{best_case['photo_id']}" not in page


def test_a_young_persons_own_consent_below_the_age_does_not_count(app, client, best_case):
    """Below the photo/publication age (15) a guardian must consent (SECURITY 24)."""
    with app.app_context():
        member = ambassador("Member Nordmann")
        member.birth_year = now().year - 15  # conservatively 14
        make_consent(member, "publish_name", given_by="ambassador")
        db.session.commit()
    page = client.get(f"/guide/{best_case['slug']}").data.decode()
    assert "Member Nordmann" not in page


def test_a_best_case_page_is_never_cached(app, client, best_case):
    response = client.get(f"/guide/{best_case['slug']}")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_draft_best_case_is_not_public(app, client, world, team, login):
    launch(app, team)
    login(world.a["coordinator"])
    client.post(f"/concepts/{team.concept_id}/best-case")
    client.post("/logout")
    with app.app_context():
        entry = db.session.scalar(
            select(GuideEntry).where(GuideEntry.concept_id == team.concept_id)
        )
        slug = entry.slug
    assert client.get(f"/guide/{slug}").status_code == 404


def test_a_member_who_left_still_counts_for_photos_and_names_the_file_neutrally(
    app, client, best_case
):
    """SECURITY 24: a young person who left the team may still be in its photos, so the
    photo needs their consent too; and the public photo never carries the uploaded name."""
    from allin.enums import EnrolmentStatus
    from allin.models import ConceptMember, Enrolment

    with app.app_context():
        for name in TEAM_NAMES:
            make_consent(ambassador(name), "photo")
        db.session.commit()
    response = client.get(f"/concepts/photos/{best_case['photo_id']}")
    assert response.status_code == 200
    assert "us.png" not in response.headers["Content-Disposition"]
    assert f"photo-{best_case['photo_id']}.png" in response.headers["Content-Disposition"]
    with app.app_context():
        concept_id = db.session.scalar(select(Concept.id))
        leaver = make_ambassador_in_team(concept_id)
        left = db.session.scalar(
            select(Enrolment).join(ConceptMember).where(Enrolment.ambassador_id == leaver)
        )
        left.status, left.withdrawn_at = EnrolmentStatus.WITHDRAWN, now()
        db.session.commit()
    assert client.get(f"/concepts/photos/{best_case['photo_id']}").status_code == 404


def make_ambassador_in_team(concept_id: int) -> int:
    """A third member without photo consent; returns the ambassador's id."""
    from allin.models import ConceptMember
    from tests.factories import make_ambassador, make_enrolment

    concept = db.session.get(Concept, concept_id)
    person = make_ambassador(concept.cohort.municipality, name="Leaver Nordmann")
    enrolment = make_enrolment(concept.cohort, person)
    db.session.add(ConceptMember(concept_id=concept.id, enrolment_id=enrolment.id))
    db.session.flush()
    return person.id
