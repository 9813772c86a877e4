"""A graduate's certificate: what it says, who sees it, its public verification address (first
name and initial only, not for search engines), and that erasure ends it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from sqlalchemy import func, select

from allin import erasure
from allin.clock import now
from allin.extensions import db
from allin.models import Ambassador, AuditEvent, Certificate, Cohort, Enrolment, Municipality, User
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_enrolment,
    make_timeline_entry,
)
from tests.test_fuzz import FUZZ, hostile
from tests.training_factories import make_attendance, make_session


@pytest.fixture
def graduate(app, world):
    """Liv graduated two cohorts (the second as peer mentor) and is in a third now; three
    sessions were held (one absent), one was cancelled and one is still to come. One of her
    concepts was launched and then stopped; the other is an idea."""
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        liv = make_ambassador(municipality, name="Liv Nordmann", user_id=world.a["ambassador"].id)
        first = make_cohort(
            municipality, name="Kull 2024", starts_on=date(2024, 8, 1), ends_on=date(2025, 6, 1)
        )
        second = make_cohort(
            municipality, name="Kull 2025", starts_on=date(2025, 8, 1), ends_on=date(2026, 6, 1)
        )
        current = make_cohort(municipality, name="Kull 2026", status="active")
        one = make_enrolment(first, liv, status="graduated")
        two = make_enrolment(second, liv, status="graduated", role="peer_mentor")
        make_enrolment(current, liv)
        for value in ("present", "late", "absent"):
            make_attendance(make_session(first, days=-300), one, value)
        make_session(second, days=-100, cancelled_at=now() - timedelta(days=101))
        make_session(second, days=30)
        launched = make_concept(
            first, members=[one], stage="stopped", stopped_from="developing", title="Fredagsgym"
        )
        make_timeline_entry(
            launched, kind="stage_change", from_stage="pitched", to_stage="launched"
        )
        make_concept(second, members=[two], stage="idea", title="Leksehjelp")
        db.session.commit()
        return liv.id


def url(ambassador_id, lang="en"):
    return f"/ambassadors/{ambassador_id}/certificate?lang={lang}"


def token_of(app, ambassador_id):
    with app.app_context():
        return db.session.scalar(
            select(Certificate.token).where(Certificate.ambassador_id == ambassador_id)
        )


def test_the_certificate_says_what_was_done(app, client, world, login, graduate):
    login(world.a["youth_worker"])
    response = client.get(url(graduate))
    assert response.status_code == 200
    page = response.data.decode()
    assert "Liv Nordmann" in page and "Larvik" in page
    assert "Kull 2024 (2024–2025) – Ambassador" in page
    assert "Kull 2025 (2025–2026) – Peer mentor" in page
    assert "Kull 2026" not in page  # not graduated (yet)
    assert "ambassador and peer mentor, 2024–2026" in page
    assert "Attended 2 of the 3 sessions held" in page
    assert "Fredagsgym – reached: Launched" in page
    assert "Leksehjelp – reached: Idea" in page
    with app.app_context():
        coordinator = db.session.get(User, world.a["coordinator"].id).name
    assert coordinator in page and "Coordinator, Larvik" in page
    token = token_of(app, graduate)
    assert len(token) == 43 and str(graduate) != token
    assert "<svg" in page and f"/certificates/{token}" in page
    # Norwegian on request, whatever the reader's own language.
    norsk = client.get(url(graduate, "nb")).data.decode()
    assert 'lang="nb"' in norsk and "Kull 2024" in norsk
    assert token_of(app, graduate) == token  # made once


def test_the_ambassador_opens_their_own_from_home(app, client, world, login, graduate):
    login(world.a["ambassador"])
    home = client.get("/").data.decode()
    assert f'href="/ambassadors/{graduate}/certificate"' in home
    assert client.get(url(graduate)).status_code == 200


def test_others_do_not_see_it(app, client, world, login, graduate):
    with app.app_context():
        other_user = make_ambassador(db.session.get(Municipality, world.municipality_a))
        db.session.commit()
        other = other_user.id
    login(world.a["ambassador"])
    assert client.get(url(other)).status_code == 404
    client.post("/logout")
    login(world.b["coordinator"])
    assert client.get(url(graduate)).status_code == 404
    assert token_of(app, graduate) is None


def test_the_lead_signs_when_the_municipality_has_no_coordinator(
    app, client, world, login, graduate
):
    with app.app_context():
        db.session.get(User, world.a["coordinator"].id).active = False
        lead = db.session.get(User, world.a["youth_worker"].id)
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Kull 2025"))
        cohort.leads.append(lead)
        db.session.commit()
        lead_name = lead.name
    login(world.a["youth_worker"])
    page = client.get(url(graduate)).data.decode()
    assert lead_name in page and "Cohort lead, Larvik" in page


@pytest.mark.parametrize("status", ["withdrawn", "active", "invited"])
def test_without_a_graduated_cohort_there_is_none(app, client, world, login, status):
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        person = make_ambassador(municipality, name="Ola Hansen")
        make_enrolment(
            make_cohort(municipality),
            person,
            status=status,
            withdrawn_at=now() if status == "withdrawn" else None,
        )
        db.session.commit()
        person_id = person.id
    login(world.a["youth_worker"])
    response = client.get(url(person_id))
    assert response.status_code == 404
    assert "har ikke fullført noe kull" in response.data.decode()
    assert token_of(app, person_id) is None


def test_the_verification_page_shows_first_name_and_initial_only(
    app, client, world, login, graduate
):
    login(world.a["youth_worker"])
    client.get(url(graduate))
    client.post("/logout")
    token = token_of(app, graduate)
    response = client.get(f"/certificates/{token}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.data.decode()
    main = page.split("<main")[1].split("</main>")[0]
    assert "Liv N." in main and "Nordmann" not in page
    assert "2024–2026" in main and "Genuine certificate" in page
    assert "Kull 2024" not in page and "Larvik" not in main and "Fredagsgym" not in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get(f"/certificates/{token[:-1]}x").status_code == 404
    assert client.get(f"/certificates/{graduate}").status_code == 404


def test_erasure_ends_the_verification(app, client, world, login, graduate):
    login(world.a["youth_worker"])
    client.get(url(graduate))
    token = token_of(app, graduate)
    assert client.get(f"/certificates/{token}").status_code == 200
    with app.app_context():
        erasure.erase_ambassador(
            db.session.get(Ambassador, graduate),
            actor=db.session.get(User, world.a["coordinator"].id),
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert client.get(f"/certificates/{token}").status_code == 404
    assert client.get(url(graduate)).status_code == 404


def test_a_graduation_undone_ends_the_verification(app, client, world, login, graduate):
    login(world.a["youth_worker"])
    client.get(url(graduate))
    token = token_of(app, graduate)
    with app.app_context():
        for enrolment in db.session.scalars(
            select(Enrolment).where(Enrolment.ambassador_id == graduate)
        ):
            enrolment.status = "active"
        db.session.commit()
    assert client.get(f"/certificates/{token}").status_code == 404


def test_the_certificate_pages_have_constant_queries(
    app, client, world, login, graduate, assert_constant_queries
):
    login(world.a["youth_worker"])

    def grow():
        with app.app_context():
            liv = db.session.get(Ambassador, graduate)
            for n in range(3):
                cohort = make_cohort(
                    liv.municipality,
                    name=f"Ekstra {n} {liv.id} {now().timestamp()}",
                    starts_on=date(2020 + n, 1, 1),
                    ends_on=date(2020 + n, 6, 1),
                )
                enrolment = make_enrolment(cohort, liv, status="graduated")
                make_attendance(make_session(cohort, days=-400), enrolment, "present")
                make_concept(cohort, members=[enrolment], stage="pitched")
            db.session.commit()

    shown = assert_constant_queries(url(graduate), grow)
    token = token_of(app, graduate)
    checked = assert_constant_queries(f"/certificates/{token}", grow)
    print("queries", shown, checked)
    assert shown <= 14 and checked <= 6, (shown, checked)


@FUZZ
@given(token=hostile)
def test_odd_verification_addresses_answer_404(app, world, token):
    client = app.test_client()
    response = client.get("/certificates/" + token.replace("/", "%2F").replace("?", "%3F"))
    assert response.status_code in (404, 400, 308)


def test_staff_opening_it_is_in_the_audit_trail_and_the_ambassador_is_not(
    app, client, world, login, graduate
):
    """Who of staff saw whose certificate (issue 25), written after the page is made."""

    def views():
        with app.app_context():
            stmt = select(AuditEvent.actor_id).where(
                AuditEvent.action == "ambassador.viewed", AuditEvent.object_id == graduate
            )
            return db.session.scalars(stmt).all()

    login(world.a["ambassador"])
    assert client.get(url(graduate)).status_code == 200
    assert views() == []
    client.post("/logout")
    login(world.a["youth_worker"])
    assert client.get(url(graduate)).status_code == 200
    assert client.get(url(graduate, "nb")).status_code == 200
    assert views() == [world.a["youth_worker"].id] * 2
