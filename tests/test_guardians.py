"""A guardian's consent online (issue 25): the link, the answer, the receipt, withdrawal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from allin import erasure, retention
from allin import outbox as mail_queue
from allin.enums import (
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    EnrolmentStatus,
    MailKind,
    NotificationKind,
)
from allin.extensions import db
from allin.models import (
    AuditEvent,
    Consent,
    Enrolment,
    GuardianConsentLink,
    MailJob,
    Municipality,
    Notification,
    User,
)
from tests.factories import count, make_ambassador, make_cohort, make_consent, make_enrolment

P, PHOTO, NAME = ConsentPurpose.PARTICIPATION, ConsentPurpose.PHOTO, ConsentPurpose.PUBLISH_NAME
LINK = re.compile(r"http://localhost(/guardian/consent/[A-Za-z0-9_\-]+)")


@pytest.fixture
def config_overrides() -> dict:
    """SMTP is set (the `outbox` fixture catches it); mail waits for `send-mail`."""
    return {"MAIL_SERVER": "smtp.example.com", "MAIL_SEND_AFTER_RESPONSE": False}


@pytest.fixture(autouse=True)
def in_english(client):
    """The guardian's phone asks for English; staff choose English after signing in."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def sign_in(client, login, who) -> None:
    login(who)
    client.post("/language", data={"lang": "en"})


@pytest.fixture
def young(app, world):
    """Liv Nilsen, 12, in A: a guardian must give every consent (ages 13 and 15). In a cohort
    led by A's youth worker."""
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, name="Kull Vår")
        cohort.leads.append(db.session.get(User, world.a["coordinator"].id))
        ambassador = make_ambassador(municipality, age=12, name="Liv Nilsen")
        make_enrolment(cohort, ambassador, status=EnrolmentStatus.ACTIVE)
        db.session.commit()
        return ambassador.id


def make_link(client, login, world, ambassador_id) -> str:
    """As A's youth worker: make the link; the page shows it once. Returns its path."""
    sign_in(client, login, world.a["youth_worker"])
    response = client.post(f"/guardian/ambassadors/{ambassador_id}/link")
    assert response.status_code == 302
    page = client.get(f"/ambassadors/{ambassador_id}").get_data(as_text=True)
    found = LINK.search(page)
    assert found, "the new link is on the page"
    again = client.get(f"/ambassadors/{ambassador_id}").get_data(as_text=True)
    assert not LINK.search(again), "shown once"
    client.post("/logout")
    return found.group(1)


def answer(**fields) -> dict:
    data = {"guardian_name": "Kari Nilsen", "relation": "mor"}
    data.update(fields)
    return data


def test_the_link_is_stored_as_a_hash_only(app, client, world, login, young):
    path = make_link(client, login, world, young)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        link = db.session.scalar(select(GuardianConsentLink))
        assert token not in (link.token_hash, link.withdraw_hash)
        assert link.expires_at - link.created_at == timedelta(days=14)
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "guardian_consent.link_made")
        ).all()
        assert len(events) == 1 and "Liv" not in str(events[0].detail)


def test_the_guardian_sees_only_the_first_name_and_what_each_purpose_means(
    app, client, world, login, young
):
    path = make_link(client, login, world, young)
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Liv" in page and "Nilsen" not in page
    assert 'name="robots" content="noindex' in page
    assert "noindex" in response.headers["X-Robots-Tag"]
    for field in ("participation", "photo", "publish_name"):
        assert f'name="{field}"' in page
    assert "login" in page.lower() and "photo" in page.lower()


def test_photo_given_name_declined_then_participation_withdrawn(
    app, client, world, login, young, outbox
):
    path = make_link(client, login, world, young)
    response = client.post(
        path,
        data=answer(participation="yes", photo="yes", publish_name="no", email="kari@example.no"),
    )
    assert response.status_code == 302
    receipt = response.headers["Location"]
    assert "/guardian/receipt/" in receipt
    with app.app_context():
        consents = {c.purpose: c for c in db.session.scalars(select(Consent))}
        assert set(consents) == {P, PHOTO}
        photo = consents[PHOTO]
        assert photo.given_by == ConsentGiver.GUARDIAN and photo.method == ConsentMethod.ONLINE
        assert photo.guardian_name == "Kari Nilsen" and photo.recorded_by_id is None
        link = db.session.scalar(select(GuardianConsentLink))
        assert link.declined == "publish_name" and link.used_at is not None
        assert count(MailJob, MailJob.kind == MailKind.CONSENT_RECEIPT) == 1
        details = " ".join(
            str(e.detail) for e in db.session.scalars(select(AuditEvent)) if e.detail
        )
        assert "Kari" not in details and "kari@" not in details and "mor" not in details

    page = client.get(receipt).get_data(as_text=True)
    assert "Liv" in page and "Nilsen" not in page and "kari@" not in page
    assert "Not given" in page

    # The youth worker sees each step at once.
    sign_in(client, login, world.a["youth_worker"])
    staff = client.get(f"/ambassadors/{young}").get_data(as_text=True)
    assert staff.count("Given online by guardian Kari Nilsen") == 2
    assert "declined: Publishing the name" in staff
    client.post("/logout")

    asked = client.post(receipt, data={"purpose": "participation"})
    assert asked.status_code == 200 and "Withdraw your consent" in asked.get_data(as_text=True)
    with app.app_context():
        assert count(Consent, Consent.withdrawn_at.is_not(None)) == 0
    response = client.post(receipt, data={"purpose": "participation", "confirmed": "yes"})
    assert response.status_code == 302
    with app.app_context():
        withdrawn = db.session.scalar(select(Consent).where(Consent.purpose == P))
        assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by_id is None
        told = db.session.scalars(
            select(Notification).where(Notification.kind == NotificationKind.CONSENT_WITHDRAWN)
        ).all()
        assert [n.recipient_id for n in told] == [world.a["coordinator"].id]
    again = client.post(
        receipt, data={"purpose": "participation", "confirmed": "yes"}, follow_redirects=True
    )
    assert "withdrawn already" in again.get_data(as_text=True)
    sign_in(client, login, world.a["youth_worker"])
    staff = client.get(f"/ambassadors/{young}").get_data(as_text=True)
    assert "withdrawn online by the guardian" in staff

    # The receipt e-mail carries a withdraw link of its own, which works too.
    with app.app_context():
        assert mail_queue.run_pending()[0] == 1
    mail = outbox_message(outbox)
    assert mail["To"] == "kari@example.no"
    body = mail.get_body(("plain",)).get_content()
    mailed = re.search(r"http://localhost(/guardian/receipt/\S+)", body).group(1)
    assert mailed != receipt.replace("http://localhost", "")
    client.post("/logout")
    client.post(mailed, data={"purpose": "photo", "confirmed": "yes"})
    with app.app_context():
        assert count(Consent, Consent.withdrawn_at.is_(None)) == 0


def outbox_message(sent):
    assert len(sent) == 1
    return sent[0]


def test_a_used_link_is_refused_and_nothing_written(app, client, world, login, young):
    path = make_link(client, login, world, young)
    client.post(path, data=answer(participation="yes", photo="no", publish_name="no"))
    with app.app_context():
        before = count(Consent), count(AuditEvent)
    response = client.post(path, data=answer(participation="yes", photo="yes", publish_name="yes"))
    assert response.status_code == 410
    assert "used already" in response.get_data(as_text=True)
    assert client.get(path).status_code == 410
    with app.app_context():
        assert (count(Consent), count(AuditEvent)) == before


def test_an_expired_link_is_refused(app, client, world, login, young, frozen):
    path = make_link(client, login, world, young)
    frozen.advance(days=14, minutes=1)
    response = client.post(path, data=answer(participation="yes", photo="yes", publish_name="yes"))
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Consent) == 0
        assert db.session.scalar(select(GuardianConsentLink.used_at)) is None


def test_a_new_link_ends_the_unused_older_one(app, client, world, login, young):
    older = make_link(client, login, world, young)
    newer = make_link(client, login, world, young)
    response = client.post(older, data=answer(participation="yes", photo="yes", publish_name="yes"))
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    response = client.post(newer, data=answer(participation="yes", photo="no", publish_name="no"))
    assert response.status_code == 302
    with app.app_context():
        assert count(Consent, Consent.ambassador_id == young) == 1  # participation, once


def test_a_tampered_token_is_404(app, client, world, login, young):
    path = make_link(client, login, world, young)
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    assert client.get(tampered).status_code == 404
    assert client.post(tampered, data=answer(participation="yes")).status_code == 404
    assert client.get("/guardian/consent/" + "x" * 500).status_code == 404
    assert client.get("/guardian/receipt/nothing").status_code == 404
    with app.app_context():
        assert count(Consent) == 0


def test_a_withdrawn_ambassador_is_refused(app, client, world, login, young):
    path = make_link(client, login, world, young)
    with app.app_context():
        for enrolment in db.session.scalars(
            select(Enrolment).where(Enrolment.ambassador_id == young)
        ):
            enrolment.status = EnrolmentStatus.WITHDRAWN
            enrolment.withdrawn_at = enrolment.enrolled_at
        db.session.commit()
    response = client.post(path, data=answer(participation="yes", photo="yes", publish_name="yes"))
    assert response.status_code == 410
    assert "no longer works" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Consent) == 0


def test_an_erased_ambassador_takes_the_links_with_them(app, client, world, login, young):
    path = make_link(client, login, world, young)
    response = client.post(path, data=answer(participation="yes", photo="no", publish_name="no"))
    receipt = response.headers["Location"]
    with app.app_context():
        erasure.erase_ambassadors([young], reason="manual")
        db.session.commit()
        assert count(GuardianConsentLink) == 0
    assert client.get(receipt).status_code == 404


def test_the_form_keeps_what_was_typed_and_writes_nothing_on_errors(
    app, client, world, login, young
):
    path = make_link(client, login, world, young)
    response = client.post(path, data={"guardian_name": "Kari Nilsen", "photo": "yes"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose yes or no." in page and 'value="Kari Nilsen"' in page
    assert "Enter your relation" in page
    with app.app_context():
        assert count(Consent) == 0
        assert db.session.scalar(select(GuardianConsentLink.used_at)) is None


def test_the_age_rules_decide_what_a_link_asks(app, client, world, login):
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        fourteen = make_ambassador(municipality, age=14).id  # participation alone from 13
        adult = make_ambassador(municipality, age=18).id
        given = make_ambassador(municipality, age=12)
        for purpose in ConsentPurpose:
            make_consent(given, purpose)
        given = given.id
        db.session.commit()
    path = make_link(client, login, world, fourteen)
    page = client.get(path).get_data(as_text=True)
    assert 'name="participation"' not in page
    assert 'name="photo"' in page and 'name="publish_name"' in page
    sign_in(client, login, world.a["youth_worker"])
    for ambassador_id in (adult, given):
        response = client.post(f"/guardian/ambassadors/{ambassador_id}/link")
        assert response.status_code == 302
        page = client.get(f"/ambassadors/{ambassador_id}").get_data(as_text=True)
        assert "Nothing to ask a guardian" in page
    with app.app_context():
        assert count(GuardianConsentLink) == 1


def test_an_ambassador_cannot_make_a_link(app, client, world, login, young):
    login(world.a["ambassador"])
    assert client.post(f"/guardian/ambassadors/{young}/link").status_code == 403
    with app.app_context():
        assert count(GuardianConsentLink) == 0


def test_retention_deletes_unanswered_links_long_expired(app, client, world, login, young, frozen):
    make_link(client, login, world, young)
    with app.app_context():
        assert retention.purge_expired()["consent links"] == 0
        frozen.advance(days=14 + retention.INVITATION_KEPT_DAYS + 1)
        assert retention.purge_expired()["consent links"] == 1


def test_pages_send_constant_queries(app, client, world, login, young, assert_constant_queries):
    """Staff's ambassador page with 1 and 5 links; the guardian's form and receipt with few
    and many other people's links and consents in the municipality."""
    sign_in(client, login, world.a["youth_worker"])

    def more_links():
        for _n in range(4):
            client.post(f"/guardian/ambassadors/{young}/link")

    client.post(f"/guardian/ambassadors/{young}/link")
    detail = assert_constant_queries(f"/ambassadors/{young}", more_links)
    path = make_link(client, login, world, young)

    def others():
        with app.app_context():
            municipality = db.session.get(Municipality, world.municipality_a)
            for _n in range(20):
                other = make_ambassador(municipality, age=12)
                make_consent(other, "photo")
            db.session.commit()

    form = assert_constant_queries(path, others)
    response = client.post(path, data=answer(participation="yes", photo="yes", publish_name="no"))
    receipt = assert_constant_queries(response.headers["Location"], others)
    print(f"guardians: ambassador page {detail}, form {form}, receipt {receipt} queries")
    assert detail <= 12 and form <= 4 and receipt <= 4
