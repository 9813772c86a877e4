"""Ambassadors: records, the consent age rules, consent and its withdrawal, logins and QR."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from allin.ambassadors import rules, services
from allin.enums import ConsentGiver, ConsentMethod, ConsentPurpose, Role
from allin.errors import DomainError
from allin.extensions import db
from allin.models import Ambassador, AuditEvent, Consent, Invitation, Municipality, User
from tests.factories import (
    CONFIRMED,
    count,
    make_ambassador,
    make_cohort,
    make_consent,
    make_enrolment,
    make_invitation,
    make_municipality,
)

P, PHOTO, NAME = ConsentPurpose.PARTICIPATION, ConsentPurpose.PHOTO, ConsentPurpose.PUBLISH_NAME


@pytest.fixture
def on_new_years_eve(frozen):
    frozen.current = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    return frozen


# ---- the age rules --------------------------------------------------------------------------


def test_conservative_age_is_the_younger_possible_age(on_new_years_eve):
    # Born 2012: 14 on 31 December 2026 at the latest, 13 until the birthday.
    assert rules.conservative_age(2012) == 13
    assert rules.is_minor(2008) and not rules.is_minor(2007)


@pytest.mark.parametrize(
    ("digital", "photo", "birth_year", "expected"),
    [
        # Defaults 13 / 15: born 2012 counts as 13 in 2026, born 2013 as 12.
        (13, 15, 2012, {P: False, PHOTO: True, NAME: True}),
        (13, 15, 2013, {P: True, PHOTO: True, NAME: True}),
        (13, 15, 2010, {P: False, PHOTO: False, NAME: False}),  # 15
        (13, 15, 2011, {P: False, PHOTO: True, NAME: True}),  # 14
        # The municipality's own thresholds: digital 15, photo 16.
        (15, 16, 2011, {P: True, PHOTO: True, NAME: True}),  # 14
        (15, 16, 2010, {P: False, PHOTO: True, NAME: True}),  # 15
        (15, 16, 2009, {P: False, PHOTO: False, NAME: False}),  # 16
    ],
)
def test_needs_guardian_at_the_boundaries(
    ctx, on_new_years_eve, digital, photo, birth_year, expected
):
    municipality = make_municipality(digital_consent_age=digital, photo_consent_age=photo)
    got = {p: rules.needs_guardian(birth_year, p, municipality) for p in ConsentPurpose}
    assert got == expected


def test_raising_the_threshold_makes_an_own_consent_count_no_more(ctx, on_new_years_eve):
    municipality = make_municipality(digital_consent_age=13)
    ambassador = make_ambassador(municipality, birth_year=2011)  # 14
    consent = make_consent(ambassador, "participation", given_by="ambassador")
    assert rules.missing_purposes(ambassador, [consent], municipality) == [PHOTO, NAME]
    municipality.digital_consent_age = 15
    assert rules.missing_purposes(ambassador, [consent], municipality) == [P, PHOTO, NAME]


def test_the_sql_rule_agrees_with_the_python_rule(ctx, on_new_years_eve):
    """counts_in_sql() is the filter's copy of counts(): check them on every case."""
    municipality = make_municipality(digital_consent_age=14, photo_consent_age=16)
    consents = []
    for year in range(2006, 2016):
        ambassador = make_ambassador(municipality, birth_year=year)
        for purpose in ConsentPurpose:
            for giver in ConsentGiver:
                consents.append(make_consent(ambassador, purpose, given_by=giver))
                if giver == ConsentGiver.AMBASSADOR:
                    consents[-1].withdrawn_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.flush()
    in_sql = set(
        db.session.scalars(
            select(Consent.id)
            .join(Ambassador, Ambassador.id == Consent.ambassador_id)
            .join(Municipality, Municipality.id == Ambassador.municipality_id)
            .where(rules.counts_in_sql())
        )
    )
    in_python = {c.id for c in consents if rules.counts(c, c.ambassador.birth_year, municipality)}
    assert in_sql == in_python and in_sql


# ---- recording consent ----------------------------------------------------------------------


def consent_form(**overrides):
    data = {
        "purpose": "participation",
        "given_by": "guardian",
        "guardian_name": "Kari Sæther",
        "method": "paper",
        "given_on": date.today().isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def minor(app, world):
    """A 12-year-old of municipality A (under every default threshold)."""
    with app.app_context():
        ambassador = make_ambassador(db.session.get(Municipality, world.municipality_a), age=12)
        db.session.commit()
        return ambassador.id


def test_youth_worker_records_a_guardians_consent(app, client, world, login, minor):
    login(world.a["youth_worker"])
    assert client.get(f"/ambassadors/{minor}/consents/new").status_code == 200
    response = client.post(f"/ambassadors/{minor}/consents/new", data=consent_form())
    assert response.status_code == 302
    with app.app_context():
        consent = db.session.scalar(select(Consent))
        assert consent.given_by == ConsentGiver.GUARDIAN and consent.guardian_name == "Kari Sæther"
        assert consent.recorded_by_id == world.a["youth_worker"].id
        assert consent.method == ConsentMethod.PAPER
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert event.action == "consent.given"
        assert event.detail == {"purpose": "participation", "given_by": "guardian"}


def test_a_child_cannot_consent_alone_below_the_threshold(app, client, world, login, minor):
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    response = client.post(
        f"/ambassadors/{minor}/consents/new", data=consent_form(given_by="ambassador")
    )
    assert response.status_code == 200
    assert "a guardian must give this consent" in response.data.decode()
    with app.app_context():
        assert count(Consent) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"guardian_name": ""},
        {"given_on": "2999-01-01"},
        {"purpose": "everything"},
        {"method": ""},
    ],
)
def test_bad_consent_forms_write_nothing(app, client, world, login, minor, overrides):
    login(world.a["youth_worker"])
    response = client.post(f"/ambassadors/{minor}/consents/new", data=consent_form(**overrides))
    assert response.status_code == 200
    with app.app_context():
        assert count(Consent) == 0


def test_a_consent_for_a_foreign_ambassador_is_404(app, client, world, login):
    with app.app_context():
        foreign = make_ambassador(db.session.get(Municipality, world.municipality_b), age=12)
        db.session.commit()
        foreign_id = foreign.id
    login(world.a["youth_worker"])
    response = client.post(f"/ambassadors/{foreign_id}/consents/new", data=consent_form())
    assert response.status_code == 404
    with app.app_context():
        assert count(Consent) == 0


def test_withdrawing_a_consent_asks_first_and_changes_nothing_until_confirmed(
    app, client, world, login, minor
):
    with app.app_context():
        consent_id = make_consent(db.session.get(Ambassador, minor), "photo").id
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    response = client.post(f"/ambassadors/consents/{consent_id}/withdraw")
    assert response.status_code == 200
    page = response.data.decode()
    assert "Withdraw the consent to “Photos”?" in page
    assert 'name="confirmed" value="yes"' in page
    assert f'action="/ambassadors/consents/{consent_id}/withdraw"' in page
    assert f'href="/ambassadors/{minor}"' in page  # the way back
    with app.app_context():
        assert db.session.get(Consent, consent_id).withdrawn_at is None
        assert "consent.withdrawn" not in db.session.scalars(select(AuditEvent.action)).all()


def test_withdrawal_is_effective_at_once_and_history_is_kept(app, client, world, login, minor):
    with app.app_context():
        consent_id = make_consent(db.session.get(Ambassador, minor), "photo").id
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    withdraw = f"/ambassadors/consents/{consent_id}/withdraw"
    assert client.post(withdraw, data=CONFIRMED).status_code == 302
    with app.app_context():
        consent = db.session.get(Consent, consent_id)
        assert consent.withdrawn_at is not None
        assert consent.withdrawn_by_id == world.a["youth_worker"].id
        first = consent.withdrawn_at
    page = client.get(f"/ambassadors/{minor}").data.decode()
    assert "Missing: Participation and an own login, Photos, Publishing the name" in page
    # A second click changes nothing; a new grant is a new row.
    client.post(withdraw, data=CONFIRMED)
    client.post(f"/ambassadors/{minor}/consents/new", data=consent_form(purpose="photo"))
    with app.app_context():
        assert db.session.get(Consent, consent_id).withdrawn_at == first
        assert count(Consent) == 2
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("consent.withdrawn") == 1


def test_a_standing_consent_is_not_recorded_twice(ctx, world, minor):
    actor = db.session.get(User, world.a["youth_worker"].id)
    ambassador = db.session.get(Ambassador, minor)
    kwargs = dict(
        actor=actor,
        purpose=P,
        given_by=ConsentGiver.GUARDIAN,
        guardian_name="Kari",
        method=ConsentMethod.EMAIL,
        given_on=date.today(),
    )
    services.record_consent(ambassador, **kwargs)
    with pytest.raises(DomainError):
        services.record_consent(ambassador, **kwargs)


# ---- logins ---------------------------------------------------------------------------------


def test_a_login_under_the_digital_age_needs_a_guardians_consent_first(
    app, client, world, login, minor
):
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/ambassadors/{minor}").data.decode()
    assert "a guardian&#39;s consent to participation must be recorded" in page
    client.post(f"/ambassadors/{minor}/login")
    with app.app_context():
        assert count(Invitation) == 0
    client.post(f"/ambassadors/{minor}/consents/new", data=consent_form())
    response = client.post(f"/ambassadors/{minor}/login")
    assert response.status_code == 302
    page = client.get(f"/ambassadors/{minor}").data.decode()
    # The shared hand-over (templates/_macros/handover.html): QR, the link, Copy and Share.
    assert 'class="handover__qr" role="img" aria-label="QR code with the link for ' in page
    assert "<svg" in page and 'data-copy="login-link"' in page
    assert 'id="login-link">http://localhost/invitation/' in page
    assert 'id="login-link"' not in client.get(f"/ambassadors/{minor}").data.decode()  # once
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.ambassador_id == minor and invitation.role == Role.AMBASSADOR
        assert invitation.email is None


def test_accepting_the_link_links_the_new_login_and_shows_the_cohort(app, client, world, login):
    with app.app_context():
        a = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(a, name="Kick-off 2027")
        ambassador = make_ambassador(a, age=16, name="Sindre Lien")
        make_enrolment(cohort, ambassador)
        make_consent(ambassador, "participation", given_by="ambassador")
        db.session.commit()
        ambassador_id = ambassador.id
    login(world.a["youth_worker"])
    client.post(f"/ambassadors/{ambassador_id}/login")
    link = client.get(f"/ambassadors/{ambassador_id}").data.decode()
    token = link.split("/invitation/")[1].split("<")[0]
    client.post("/logout")
    client.get(f"/invitation/{token}")
    response = client.post(
        "/invitation",
        data={
            "name": "Sindre Lien",
            "username": "sindre27",
            "email": "",
            "password": "lange dager i Larvik",
            "confirm": "lange dager i Larvik",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "sindre27"))
        assert db.session.get(Ambassador, ambassador_id).user_id == user.id
    login("sindre27", password="lange dager i Larvik")
    client.post("/language", data={"lang": "en"})
    home = client.get("/").data.decode()
    assert "Kick-off 2027" in home and "My consents" in home
    assert "given by you" in home


def test_an_adult_or_teen_above_the_age_gets_a_login_without_consent(app, client, world, login):
    with app.app_context():
        teen = make_ambassador(db.session.get(Municipality, world.municipality_a), age=14)
        db.session.commit()
        teen_id = teen.id
    login(world.a["youth_worker"])
    client.post(f"/ambassadors/{teen_id}/login")
    client.post(f"/ambassadors/{teen_id}/login")  # again: the pending one is renewed
    with app.app_context():
        assert count(Invitation, Invitation.ambassador_id == teen_id) == 1


def test_staff_edit_a_record(app, client, world, login, minor):
    login(world.a["youth_worker"])
    with app.app_context():
        ambassador = db.session.get(Ambassador, minor)
        data = {
            "name": "Nytt Navn",
            "birth_year": ambassador.birth_year,
            "guardian_name": "Foresatt",
            "guardian_email": "foresatt@example.no",
            "guardian_phone": "",
        }
    assert client.get(f"/ambassadors/{minor}/edit").status_code == 200
    assert client.post(f"/ambassadors/{minor}/edit", data=data).status_code == 302
    with app.app_context():
        ambassador = db.session.get(Ambassador, minor)
        assert ambassador.name == "Nytt Navn" and ambassador.name_key == "nytt navn"
        assert ambassador.guardian_phone is None


def test_ambassadors_cannot_open_records(client, world, login, minor):
    login(world.a["ambassador"])
    assert client.get(f"/ambassadors/{minor}").status_code == 403


def test_names_are_escaped_in_the_login_refusal(app, client, world, login):
    with app.app_context():
        evil = make_ambassador(
            db.session.get(Municipality, world.municipality_a), age=12, name="<script>x</script>"
        )
        db.session.commit()
        evil_id = evil.id
    login(world.a["youth_worker"])
    page = client.get(f"/ambassadors/{evil_id}").data.decode()
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_hand_out_cards_for_everyone_without_a_login(app, client, world, login):
    with app.app_context():
        a = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(a, name="Kick-off")
        ready = make_ambassador(a, age=16, name="Sigrid Brekke", school="9B Larvik")
        young = make_ambassador(a, age=11, name="Aksel Dahle")
        signed_up = make_ambassador(a, age=16, name="Vegard Vik", user_id=world.a["ambassador"].id)
        for person in (ready, young, signed_up):
            make_enrolment(cohort, person)
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    start = client.get(f"/cohorts/{cohort_id}/hand-out").data.decode()
    assert "2 ambassadors in this cohort have no login yet" in start
    with app.app_context():
        assert count(Invitation) == 0  # looking makes no links
    page = client.post(f"/cohorts/{cohort_id}/hand-out").data.decode()
    cards = page.split('class="hand-out__card"')[1:]
    assert len(cards) == 1
    # First name, the last name's initial and the class: enough to tell two Sigrids apart.
    assert '<p class="hand-out__name">Sigrid B., 9B Larvik</p>' in cards[0]
    assert "Brekke" not in page
    assert 'aria-label="Sign-in QR code for Sigrid B., 9B Larvik"' in cards[0]
    assert "/invitation/" in cards[0]
    assert "Aksel is under 13" in page
    with app.app_context():
        assert count(Invitation) == 1


def test_each_card_is_the_shared_hand_over_whose_qr_decodes_to_a_working_link(
    app, client, world, login
):
    """The card's QR is the shared one (handover.qr_svg: segno, the standard quiet zone) of
    the card's own link; the link is built from ALLIN_BASE_URL (urls.external_url, as on the
    other hand-over pages), its PNG rendering decodes back to it, and it opens the invitation."""
    import re

    import segno
    import zxingcpp
    from PIL import Image

    from allin.auth import invitations
    from allin.handover import qr_svg

    with app.app_context():
        a = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(a, name="Kick-off")
        make_enrolment(cohort, make_ambassador(a, age=16, name="Sigrid Brekke"))
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.post(f"/cohorts/{cohort_id}/hand-out").text
    [card] = page.split('class="hand-out__card"')[1:]
    link = re.search(r'<p class="hand-out__link">([^<]+)</p>', card).group(1)
    assert re.fullmatch(r"http://localhost/invitation/[A-Za-z0-9_-]{40,}", link), link
    assert str(qr_svg(link, "Sign-in QR code for Sigrid B.")) in card
    png = io.BytesIO()
    segno.make(link, error="m").save(png, kind="png", scale=6, border=4)
    png.seek(0)
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(png))] == [link]
    with app.app_context():
        invitation, status = invitations.find(link.rsplit("/", 1)[1])
        assert invitation is not None and invitation.role == Role.AMBASSADOR, status


def test_racing_withdrawals_stamp_once(app, world, minor):
    from sqlalchemy import update

    from allin.clock import now

    with app.app_context():
        actor = db.session.get(User, world.a["youth_worker"].id)
        consent = make_consent(db.session.get(Ambassador, minor), "photo")
        db.session.commit()
        stale = db.session.get(Consent, consent.id)
        db.session.execute(
            update(Consent).where(Consent.id == consent.id).values(withdrawn_at=now())
        )
        with pytest.raises(DomainError):
            services.withdraw_consent(stale, actor=actor)
        db.session.rollback()


# ---- telling people apart; the link kept off the cookie (issue 19, points 11 and 8) ---------


def cookie_contents(app, client) -> str:
    """The session cookie decoded: signed, not encrypted, so anyone holding it can read it."""
    value = client.get_cookie("allin_session").value
    return repr(app.session_interface.get_signing_serializer(app).loads(value))


def test_the_new_login_link_never_sits_in_the_cookie(app, client, world, login, minor):
    with app.app_context():
        make_consent(db.session.get(Ambassador, minor), "participation")
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    assert client.post(f"/ambassadors/{minor}/login").status_code == 302
    held = cookie_contents(app, client)
    assert "/invitation/" not in held and "new_login_link" not in held
    page = client.get(f"/ambassadors/{minor}").text
    token = re.search(r'id="login-link">http://localhost/invitation/([A-Za-z0-9_-]+)<', page)[1]
    assert token not in held
    assert token not in cookie_contents(app, client)
    assert 'id="login-link"' not in client.get(f"/ambassadors/{minor}").text  # shown once
    # Another ambassador's page never shows it.
    with app.app_context():
        other = make_ambassador(db.session.get(Municipality, world.municipality_a), age=16)
        db.session.commit()
        other_id = other.id
    client.post(f"/ambassadors/{minor}/login")
    assert "/invitation/" not in client.get(f"/ambassadors/{other_id}").text
    assert "/invitation/" in client.get(f"/ambassadors/{minor}").text


def test_two_livs_get_cards_that_tell_them_apart(app, client, world, login):
    with app.app_context():
        a = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(a, name="Kick-off")
        for name, school in (("Liv Nilsen", "8B"), ("Liv Marie Berg", "9A"), ("Liv", None)):
            make_enrolment(cohort, make_ambassador(a, age=16, name=name, school=school))
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["youth_worker"])
    page = client.post(f"/cohorts/{cohort_id}/hand-out").text
    names = re.findall(r'<p class="hand-out__name">([^<]+)</p>', page)
    assert sorted(names) == ["Liv", "Liv B., 9A", "Liv N., 8B"]


def test_two_cards_that_would_read_alike_name_more(app, client, world, login):
    """Two Liv N. in 8B (and two Liv Nilsen in 8B): no two cards of a batch look alike."""
    with app.app_context():
        a = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(a, name="Kick-off")
        for name, age in (("Liv Nilsen", 16), ("Liv Nordby", 16), ("Liv Nilsen", 15)):
            make_enrolment(cohort, make_ambassador(a, age=age, name=name, school="8B"))
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.post(f"/cohorts/{cohort_id}/hand-out").text
    names = re.findall(r'<p class="hand-out__name">([^<]+)</p>', page)
    assert len(set(names)) == 3, names
    assert "Liv Nordby, 8B" in names
    assert any(name.startswith("Liv Nilsen, 8B (born ") for name in names), names


def open_card(app, client, world, login, **person) -> tuple[int, str]:
    """Staff make a sign-in link for a 16-year-old; returns the ambassador id and the link."""
    with app.app_context():
        ambassador = make_ambassador(db.session.get(Municipality, world.municipality_a), **person)
        db.session.commit()
        ambassador_id = ambassador.id
    login(world.a["youth_worker"])
    client.post(f"/ambassadors/{ambassador_id}/login")
    page = client.get(f"/ambassadors/{ambassador_id}").text
    link = re.search(r'id="login-link">http://localhost(/invitation/[A-Za-z0-9_-]+)<', page)[1]
    client.post("/logout")
    return ambassador_id, link


def test_the_link_page_asks_is_this_you_with_a_way_out(app, client, world, login):
    _id, link = open_card(app, client, world, login, age=16, name="Liv Nilsen", school="8B")
    kid = app.test_client()
    kid.post("/language", data={"lang": "en"})
    kid.get(link)
    page = kid.get("/invitation").text
    assert "Is this you? Liv N., 8B" in page
    assert 'action="/invitation/not-me"' in page and "This is not me" in page
    answer = kid.post("/invitation/not-me")
    assert answer.status_code == 200
    assert "give the card back" in answer.text.lower() and "Nilsen" not in answer.text
    assert kid.get("/invitation").status_code == 404  # this browser let go of the link
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.status == "pending" and count(User, User.username.is_not(None)) == 2
    # The right Liv can still use it.
    right = app.test_client()
    right.post("/language", data={"lang": "en"})
    right.get(link)
    assert "Is this you? Liv N., 8B" in right.get("/invitation").text


def test_the_link_page_names_more_where_another_liv_n_is_in_the_class(app, client, world, login):
    with app.app_context():
        make_ambassador(
            db.session.get(Municipality, world.municipality_a), name="Liv Nordby", school="8B"
        )
        db.session.commit()
    _id, link = open_card(app, client, world, login, age=16, name="Liv Nilsen", school="8B")
    kid = app.test_client()
    kid.post("/language", data={"lang": "en"})
    kid.get(link)
    assert "Is this you? Liv Nilsen, 8B" in kid.get("/invitation").text


def test_a_staff_invitation_does_not_ask_is_this_you(app, world):
    with app.app_context():
        _invitation, token = make_invitation(db.session.get(User, world.a["coordinator"].id))
        db.session.commit()
    browser = app.test_client()
    browser.get(f"/invitation/{token}")
    page = browser.get("/invitation", headers={"Accept-Language": "en"}).text
    assert "Create your account" in page and "Is this you?" not in page


def test_phone_numbers_can_be_called_or_texted_with_a_tap(app, client, world, login):
    """tel: and sms: links without the spaces people type (the phone walk of issue 22)."""
    with app.app_context():
        from allin.models import Municipality
        from tests.factories import make_ambassador

        person = make_ambassador(
            db.session.get(Municipality, world.municipality_a),
            name="Siri Dahl",
            phone="+47 912 34 567",
            guardian_name="Ola Dahl",
            guardian_phone="900 11 222",
            guardian_email="ola@example.com",
        )
        db.session.commit()
        person_id = person.id
    login(world.a["youth_worker"])
    page = client.get(f"/ambassadors/{person_id}").text
    assert '<a href="tel:+4791234567">+47 912 34 567</a>' in page
    assert 'href="sms:+4791234567"' in page and 'href="sms:90011222"' in page
    assert '<a href="mailto:ola@example.com">' in page
