"""Cohorts: creating and editing, the list, a cohort's home, status moves, enrolment."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from allin.clock import now
from allin.cohorts import services
from allin.enums import CohortStatus, EnrolmentStatus, Role
from allin.errors import DomainError
from allin.extensions import db
from allin.models import Ambassador, AuditEvent, Cohort, Enrolment, Municipality, User
from allin.training import progress
from tests.factories import (
    count,
    make_ambassador,
    make_cohort,
    make_consent,
    make_enrolment,
    make_user,
)


def municipality_a(world):
    return db.session.get(Municipality, world.municipality_a)


@pytest.fixture
def cohort_a(app, world):
    with app.app_context():
        cohort = make_cohort(municipality_a(world), name="Vår 2027")
        db.session.commit()
        return cohort.id


def cohort_form(**overrides):
    data = {
        "name": "Høst 2027",
        "starts_on": "2027-08-20",
        "ends_on": "2027-12-15",
        "description": "Kick-off på Stavern",
    }
    data.update(overrides)
    return data


# ---- creating and editing -------------------------------------------------------------------


def test_coordinator_creates_a_cohort_with_leads(app, client, world, login):
    login(world.a["coordinator"])
    response = client.post(
        "/cohorts/new",
        data={**cohort_form(), "leads": [world.a["youth_worker"].id, world.a["coordinator"].id]},
    )
    assert response.status_code == 302
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        assert cohort.name == "Høst 2027" and cohort.status == CohortStatus.PLANNED
        assert cohort.municipality_id == world.municipality_a
        leads = {u.id for u in cohort.leads}
        assert leads == {world.a["youth_worker"].id, world.a["coordinator"].id}
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
            "cohort.created"
        )
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"
    assert "Høst 2027" in client.get(response.headers["Location"]).data.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_on": "2027-08-19"}, "ends_on", "on or after the start"),
        ({"name": ""}, "name", "Enter a name"),
        ({"starts_on": "2027-13-45"}, "starts_on", "date"),
        ({"name": "x" * 121}, "name", "at most 120"),
    ],
)
def test_bad_cohort_forms_come_back_with_the_message_and_what_was_typed(
    app, client, world, login, overrides, field, message
):
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    response = client.post("/cohorts/new", data=cohort_form(**overrides))
    page = response.data.decode()
    assert response.status_code == 200
    assert f'id="{field}-error"' in page and message in page
    assert "Kick-off på Stavern" in page
    with app.app_context():
        assert count(Cohort) == 0


def test_a_lead_from_another_municipality_is_refused(app, client, world, login):
    login(world.a["coordinator"])
    response = client.post(
        "/cohorts/new", data={**cohort_form(), "leads": [world.b["youth_worker"].id]}
    )
    assert response.status_code == 200
    with app.app_context():
        assert count(Cohort) == 0


def test_service_refuses_a_foreign_or_ambassador_lead(ctx, world):
    actor = db.session.get(User, world.a["coordinator"].id)
    for lead in (world.b["youth_worker"].id, world.a["ambassador"].id, 999_999):
        with pytest.raises(DomainError):
            services.save_cohort(
                actor=actor,
                cohort=None,
                name="X",
                starts_on=date(2027, 1, 1),
                ends_on=date(2027, 6, 1),
                lead_ids=[lead],
            )


def test_end_before_start_is_refused_by_the_service_and_the_database(ctx, world):
    actor = db.session.get(User, world.a["coordinator"].id)
    with pytest.raises(DomainError):
        services.save_cohort(
            actor=actor, cohort=None, name="X", starts_on=date(2027, 2, 1), ends_on=date(2027, 1, 1)
        )
    from sqlalchemy.exc import IntegrityError

    db.session.add(
        Cohort(
            municipality_id=world.municipality_a,
            name="Y",
            starts_on=date(2027, 2, 1),
            ends_on=date(2027, 1, 1),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_cohort_names_are_unique_per_municipality(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    response = client.post("/cohorts/new", data=cohort_form(name="Vår 2027"))
    assert response.status_code == 200
    with app.app_context():
        assert count(Cohort) == 1


def test_coordinator_edits_a_cohort(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    assert client.get(f"/cohorts/{cohort_a}/edit").status_code == 200
    response = client.post(f"/cohorts/{cohort_a}/edit", data=cohort_form(name="Vår 2027 B"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Cohort, cohort_a).name == "Vår 2027 B"


def test_youth_workers_do_not_create_or_edit_cohorts(client, world, login, cohort_a):
    login(world.a["youth_worker"])
    assert client.get("/cohorts/new").status_code == 403
    assert client.post(f"/cohorts/{cohort_a}/edit", data=cohort_form()).status_code == 403


def test_posted_municipality_is_ignored(app, client, world, login):
    login(world.a["coordinator"])
    client.post("/cohorts/new", data={**cohort_form(), "municipality_id": world.municipality_b})
    with app.app_context():
        assert db.session.scalar(select(Cohort.municipality_id)) == world.municipality_a


# ---- status ---------------------------------------------------------------------------------


def test_status_moves_forward_for_youth_workers_and_back_only_for_coordinators(
    app, client, world, login, cohort_a
):
    login(world.a["youth_worker"])
    client.post(f"/cohorts/{cohort_a}/status", data={"status": "completed"})  # two steps
    with app.app_context():
        assert db.session.get(Cohort, cohort_a).status == CohortStatus.PLANNED
    client.post(f"/cohorts/{cohort_a}/status", data={"status": "active"})
    client.post(f"/cohorts/{cohort_a}/status", data={"status": "planned"})  # back: refused
    with app.app_context():
        assert db.session.get(Cohort, cohort_a).status == CohortStatus.ACTIVE
    client.post("/logout")
    login(world.a["coordinator"])
    client.post(f"/cohorts/{cohort_a}/status", data={"status": "planned"})
    with app.app_context():
        assert db.session.get(Cohort, cohort_a).status == CohortStatus.PLANNED


def test_completing_a_cohort_asks_first(app, client, world, login, cohort_a):
    """Completing closes the cohort for good as far as a youth worker is concerned (only a
    coordinator reopens it): it asks first, like withdrawing a consent (issue 19, point 12)."""
    with app.app_context():
        db.session.get(Cohort, cohort_a).status = CohortStatus.ACTIVE
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    response = client.post(f"/cohorts/{cohort_a}/status", data={"status": "completed"})
    assert response.status_code == 200
    assert "Complete the cohort “Vår 2027”?" in response.text
    assert 'name="status" value="completed"' in response.text
    assert f'href="/cohorts/{cohort_a}"' in response.text  # the way back
    with app.app_context():
        assert db.session.get(Cohort, cohort_a).status == CohortStatus.ACTIVE

    client.post(f"/cohorts/{cohort_a}/status", data={"status": "completed", "confirmed": "yes"})
    with app.app_context():
        assert db.session.get(Cohort, cohort_a).status == CohortStatus.COMPLETED


# ---- list and detail ------------------------------------------------------------------------


def test_list_is_active_first_then_newest_and_filters(app, client, world, login):
    with app.app_context():
        a = municipality_a(world)
        lead = db.session.get(User, world.a["youth_worker"].id)
        make_cohort(a, name="Gammel", starts_on=date(2025, 1, 1), ends_on=date(2025, 6, 1))
        make_cohort(a, name="Ny", starts_on=date(2027, 1, 1), ends_on=date(2027, 6, 1))
        active = make_cohort(
            a, name="Løpende", starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 1), status="active"
        )
        active.leads = [lead]
        make_cohort(db.session.get(Municipality, world.municipality_b), name="Fremmed")
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get("/cohorts/").data.decode()
    assert re.findall(r'cohort-card__name"><a href="/cohorts/\d+">([^<]+)<', page) == [
        "Løpende",
        "Ny",
        "Gammel",
    ]
    planned = client.get("/cohorts/?status=planned").data.decode()
    assert "Ny" in planned and "Løpende" not in planned
    client.post("/logout")
    login(world.a["youth_worker"])
    mine = client.get("/cohorts/").data.decode()  # leads one: "cohorts I lead" by default
    assert "Løpende" in mine and "Gammel" not in mine
    everything = client.get("/cohorts/?mine=0").data.decode()
    assert "Gammel" in everything and "Fremmed" not in everything


def test_ambassadors_see_only_their_cohorts_and_not_the_people(app, client, world, login):
    with app.app_context():
        a = municipality_a(world)
        mine = make_cohort(a, name="Min")
        other = make_cohort(a, name="Annen")
        me = make_ambassador(a, user_id=world.a["ambassador"].id)
        classmate = make_ambassador(a, name="Klassekamerat Kari")
        make_enrolment(mine, me)
        make_enrolment(mine, classmate)
        db.session.commit()
        mine_id, other_id = mine.id, other.id
    login(world.a["ambassador"])
    listing = client.get("/cohorts/").data.decode()
    assert "Min" in listing and "Annen" not in listing
    detail = client.get(f"/cohorts/{mine_id}").data.decode()
    assert "Min" in detail and "Klassekamerat" not in detail
    assert client.get(f"/cohorts/{other_id}").status_code == 404


def test_network_admins_see_no_cohorts(client, world, login, cohort_a):
    login(world.admin)
    assert client.get("/cohorts/").status_code == 403
    page = client.get(f"/cohorts/{cohort_a}")
    assert page.status_code == 403
    # They have no coordinator to ask: the page says what their role sees instead.
    text = page.get_data(as_text=True)
    assert "nettverkets tall" in text and "koordinatoren din" not in text


def test_detail_shows_missing_consents_and_filters_on_them(app, client, world, login, cohort_a):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        a = municipality_a(world)
        complete = make_ambassador(a, name="Alle Samtykker", age=16)
        for purpose in ("participation", "photo", "publish_name"):
            make_consent(complete, purpose)
        partial = make_ambassador(a, name="Mangler Foto", age=16)
        make_consent(partial, "participation")
        make_enrolment(cohort, complete)
        make_enrolment(cohort, partial)
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/cohorts/{cohort_a}/people").data.decode()
    assert "Missing consent: Photos" in page and "All consents recorded" in page
    missing = client.get(f"/cohorts/{cohort_a}/people?missing=1").data.decode()
    missing = missing.split('id="people-heading"')[1]  # the member list, not the dashboard
    assert "Mangler Foto" in missing and "Alle Samtykker" not in missing


def test_each_cohort_shows_its_own_leads_in_name_order(app, client, world, login):
    """The list, the cohort's page and an ambassador's home name each cohort's leads, sorted
    the Norwegian way (Å last), and nobody else's: a cohort without leads names none, though
    its neighbour has some (the leads are read by cohort, not joined in one nested join)."""
    with app.app_context():
        a = municipality_a(world)
        leads = [make_user(Role.YOUTH_WORKER, a, name=name) for name in ("Åse Lund", "Bjørn Dahl")]
        led = make_cohort(a, name="Med ledere", status="active", starts_on=date(2026, 2, 1))
        led.leads = leads
        other = make_cohort(a, name="Uten ledere", status="active", starts_on=date(2026, 1, 1))
        young = make_ambassador(a, age=16, user_id=world.a["ambassador"].id)
        make_enrolment(led, young)
        make_enrolment(other, young)
        db.session.commit()
        led_id, other_id = led.id, other.id
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    listed = client.get("/cohorts/?mine=0").data.decode()
    cards = {
        name: card
        for card in listed.split('class="cohort-card"')[1:]
        for name in re.findall(r'cohort-card__name"><a href="/cohorts/\d+">([^<]+)<', card)
    }
    assert "Led by Bjørn Dahl, Åse Lund" in cards["Med ledere"]
    assert "Led by" not in cards["Uten ledere"]
    assert "<dd>Bjørn Dahl, Åse Lund</dd>" in client.get(f"/cohorts/{led_id}").data.decode()
    assert "<dd>–</dd>" in client.get(f"/cohorts/{other_id}").data.decode()
    client.post("/logout")
    login(world.a["ambassador"])
    client.post("/language", data={"lang": "en"})
    home = client.get("/").data.decode()
    assert home.count("Led by") == 1 and "Led by Bjørn Dahl, Åse Lund" in home


def test_the_headline_counts_whom_the_missing_consent_filter_lists(
    app, client, world, login, cohort_a
):
    """The cohort headline counts those lacking a consent in one grouped join
    (selectors.lacking_consent); the people list filters them with a count per person. Both
    must find the same people: two purposes of three covered (either two), a consent
    withdrawn, and a consent given by someone too young to give it alone (Larvik: 13 for
    taking part, 15 for photos) all lack one; a withdrawn enrolment is not counted."""
    all_three = ("participation", "photo", "publish_name")
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        a = municipality_a(world)
        people = {
            "Komplett Ku": (16, [(p, "guardian") for p in all_three]),
            "Selv Atten": (18, [(p, "ambassador") for p in all_three]),
            "To Av Tre": (16, [("participation", "guardian"), ("publish_name", "guardian")]),
            "Uten Navn": (16, [("participation", "guardian"), ("photo", "guardian")]),
            "Selv Fjorten": (14, [(p, "ambassador") for p in all_three]),
            "Trukket Tilbake": (16, [(p, "guardian") for p in all_three]),
            "Ingen Samtykker": (16, []),
        }
        for name, (age, consents) in people.items():
            person = make_ambassador(a, name=name, age=age)
            made = [make_consent(person, purpose, given_by) for purpose, given_by in consents]
            if name == "Trukket Tilbake":
                made[1].withdrawn_at = now()
            make_enrolment(cohort, person)
        left = make_ambassador(a, name="Sluttet Samtykkeløs", age=16)
        make_enrolment(cohort, left, status="withdrawn", withdrawn_at=now())
        db.session.commit()
        counted = progress.headlines([cohort_a])[cohort_a].missing_consent
    login(world.a["youth_worker"])
    listed = client.get(f"/cohorts/{cohort_a}/people?missing=1").text
    listed = listed.split('id="people-heading"')[1]
    names = {name for name in [*people, "Sluttet Samtykkeløs"] if name in listed}
    lacking = {"To Av Tre", "Uten Navn", "Selv Fjorten", "Trukket Tilbake"}
    assert names == lacking | {"Ingen Samtykker"}
    assert counted == len(names)


# ---- enrolment ------------------------------------------------------------------------------


def person_form(**overrides):
    data = {
        "name": "Åse Sæther",
        "birth_year": str(date.today().year - 15),
        "school": "Larvik ungdomsskole 9B",
        "phone": "",
        "email": "",
        "guardian_name": "Kari Sæther",
        "guardian_phone": "+47 912 34 567",
        "guardian_email": "",
        "role": "ambassador",
    }
    data.update(overrides)
    return data


def test_youth_worker_enrols_a_minor_with_a_guardian(app, client, world, login, cohort_a):
    login(world.a["youth_worker"])
    response = client.post(f"/cohorts/{cohort_a}/enrol", data=person_form())
    assert response.status_code == 302
    with app.app_context():
        ambassador = db.session.scalar(select(Ambassador))
        assert ambassador.municipality_id == world.municipality_a
        assert ambassador.name_key == "ase saether"
        enrolment = db.session.scalar(select(Enrolment))
        assert enrolment.status == EnrolmentStatus.ACTIVE
        assert enrolment.enrolled_by_id == world.a["youth_worker"].id
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["ambassador.created", "enrolment.created"]
        details = db.session.scalars(select(AuditEvent.detail)).all()
        assert "Sæther" not in repr(details)
    assert response.headers["Location"] == f"/ambassadors/{ambassador.id}"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"guardian_name": ""}, "guardian_name"),
        ({"guardian_phone": ""}, "guardian_phone"),
        ({"birth_year": "1900"}, "birth_year"),
        ({"birth_year": str(date.today().year - 5)}, "birth_year"),
        ({"birth_year": "abc"}, "birth_year"),
        ({"phone": "ring meg"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_enrolments_write_nothing(app, client, world, login, cohort_a, overrides, field):
    login(world.a["youth_worker"])
    response = client.post(f"/cohorts/{cohort_a}/enrol", data=person_form(**overrides))
    page = response.data.decode()
    assert response.status_code == 200
    assert f'id="{field}-error"' in page
    assert "Larvik ungdomsskole 9B" in page
    with app.app_context():
        assert count(Ambassador) == 0 and count(Enrolment) == 0


def test_adults_need_no_guardian(app, client, world, login, cohort_a):
    login(world.a["youth_worker"])
    adult = person_form(birth_year=str(date.today().year - 20), guardian_name="", guardian_phone="")
    assert client.post(f"/cohorts/{cohort_a}/enrol", data=adult).status_code == 302


def test_someone_already_known_is_offered_instead_of_a_duplicate(
    app, client, world, login, cohort_a
):
    with app.app_context():
        known = make_ambassador(
            municipality_a(world), name="Åse Sæther", birth_year=date.today().year - 15
        )
        db.session.commit()
        known_id = known.id
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    response = client.post(f"/cohorts/{cohort_a}/enrol", data=person_form(name="  ase   SAETHER "))
    page = response.data.decode()
    assert response.status_code == 200
    assert "Is this someone you already know?" in page
    assert f"/cohorts/{cohort_a}/enrol/{known_id}" in page
    assert 'name="create_anyway" type="hidden" value="1"' in page
    with app.app_context():
        assert count(Ambassador) == 1 and count(Enrolment) == 0
    # Enrol the known person ...
    response = client.post(f"/cohorts/{cohort_a}/enrol/{known_id}", data={"role": "peer_mentor"})
    assert response.status_code == 302
    with app.app_context():
        assert count(Ambassador) == 1
        assert db.session.scalar(select(Enrolment.ambassador_id)) == known_id
    # ... or insist it is someone else.
    client.post(f"/cohorts/{cohort_a}/enrol", data=person_form(create_anyway="1"))
    with app.app_context():
        assert count(Ambassador) == 2


def test_a_duplicate_enrolment_is_refused(app, client, world, login, cohort_a):
    with app.app_context():
        known = make_ambassador(municipality_a(world))
        make_enrolment(db.session.get(Cohort, cohort_a), known)
        db.session.commit()
        known_id = known.id
    login(world.a["youth_worker"])
    client.post(f"/cohorts/{cohort_a}/enrol/{known_id}", data={"role": "ambassador"})
    with app.app_context():
        assert count(Enrolment) == 1


def test_a_foreign_ambassador_cannot_be_enrolled(app, client, world, login, cohort_a):
    with app.app_context():
        foreign = make_ambassador(db.session.get(Municipality, world.municipality_b))
        db.session.commit()
        foreign_id = foreign.id
    login(world.a["youth_worker"])
    response = client.post(f"/cohorts/{cohort_a}/enrol/{foreign_id}", data={"role": "ambassador"})
    assert response.status_code == 404
    with app.app_context():
        assert count(Enrolment) == 0


def test_withdrawal_asks_for_a_reason_and_happens_once(app, client, world, login, cohort_a):
    with app.app_context():
        enrolment = make_enrolment(
            db.session.get(Cohort, cohort_a), make_ambassador(municipality_a(world))
        )
        db.session.commit()
        enrolment_id = enrolment.id
    login(world.a["youth_worker"])
    assert client.get(f"/cohorts/enrolments/{enrolment_id}/withdraw").status_code == 200
    assert client.post(f"/cohorts/enrolments/{enrolment_id}/withdraw", data={}).status_code == 200
    response = client.post(
        f"/cohorts/enrolments/{enrolment_id}/withdraw", data={"reason": "moved", "note": ""}
    )
    assert response.status_code == 302
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        assert enrolment.status == EnrolmentStatus.WITHDRAWN
        assert enrolment.withdrawn_by_id == world.a["youth_worker"].id
        first = enrolment.withdrawn_at
    client.post(f"/cohorts/enrolments/{enrolment_id}/withdraw", data={"reason": "other"})
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        assert enrolment.withdrawn_at == first and enrolment.withdrawal_reason == "moved"


def test_nobody_is_enrolled_into_a_completed_cohort(app, client, world, login):
    with app.app_context():
        cohort = make_cohort(municipality_a(world), status="completed")
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["youth_worker"])
    client.post(f"/cohorts/{cohort_id}/enrol", data=person_form())
    with app.app_context():
        assert count(Enrolment) == 0


def test_dashboard_has_a_cohorts_card_for_staff(client, world, login):
    login(world.a["youth_worker"])
    assert 'href="/cohorts/"' in client.get("/").data.decode()
    assert make_user  # factories stay importable
    assert Role.YOUTH_WORKER


def test_enrol_consent_and_login_in_one_step_end_on_the_hand_over(
    app, client, world, login, cohort_a
):
    """Issue 22: the guardian's consents and the sign-in link on the enrolment form; the next
    page is the young person's, with the link to hand over at the top."""
    from allin.models import Consent, Invitation

    login(world.a["youth_worker"])
    data = person_form(
        consents=["participation", "photo"],
        consent_given_by="guardian",
        consent_method="paper",
        make_login="y",
    )
    response = client.post(f"/cohorts/{cohort_a}/enrol", data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).data.decode()
    assert 'id="link-heading"' in page  # the hand-over, once
    assert "/invitations/" in page or "invitation" in page
    with app.app_context():
        consents = db.session.scalars(select(Consent)).all()
        assert {c.purpose for c in consents} == {"participation", "photo"}
        assert {c.guardian_name for c in consents} == {"Kari Sæther"}
        assert {c.given_on for c in consents} == {date.today()}
        assert count(Invitation) == 1 and count(Enrolment) == 1


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        # 12 years old: the young person alone cannot consent, so nothing is written.
        (
            {"birth_year": str(date.today().year - 12), "consent_given_by": "ambassador"},
            "må en foresatt gi dette samtykket",
        ),
        # A guardian's consent needs the guardian's name.
        ({"guardian_name": "", "guardian_phone": ""}, "foresatt"),
        # A login below the digital age needs the participation consent: photo alone is not it.
        (
            {"birth_year": str(date.today().year - 12), "consents": ["photo"], "make_login": "y"},
            "",
        ),
    ],
)
def test_enrolment_with_a_consent_that_breaks_a_rule_writes_nothing(
    app, client, world, login, cohort_a, overrides, said
):
    login(world.a["youth_worker"])
    defaults = {"consents": ["participation"], "consent_given_by": "guardian"}
    data = person_form(consent_method="paper", **{**defaults, **overrides})
    response = client.post(f"/cohorts/{cohort_a}/enrol", data=data)
    assert response.status_code == 200
    page = response.data.decode()
    assert said in page and "data-error-summary" in page
    assert "Larvik ungdomsskole 9B" in page  # what was typed stays
    with app.app_context():
        assert count(Ambassador) == 0 and count(Enrolment) == 0
