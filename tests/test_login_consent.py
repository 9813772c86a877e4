"""An ambassador's own login follows the consent rule where access is decided (issue 19.1):
at sign-in, on every request, and inside the transaction that accepts a sign-in link; a
withdrawn consent ends the login sessions and the pending links at once."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from allin.ambassadors import rules
from allin.auth import invitations
from allin.enums import Role
from allin.errors import DomainError
from allin.extensions import db
from allin.models import (
    Ambassador,
    AuditEvent,
    Consent,
    Invitation,
    LoginSession,
    Municipality,
    User,
)
from tests.conftest import without_form_tokens
from tests.factories import (
    CONFIRMED,
    PASSWORD,
    count,
    make_ambassador,
    make_cohort,
    make_consent,
    make_enrolment,
    make_municipality,
    make_reset,
    make_user,
)

ACCOUNT = {
    "name": "Liv Nilsen",
    "username": "liv.ny",
    "email": "",
    "password": "lange dager i Larvik",
    "confirm": "lange dager i Larvik",
}


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def person(app, world, *, age: int, consent: bool, login: bool = True):
    """Liv, `age` (conservatively), in a cohort "Vår 2027" of municipality A; a guardian's
    participation consent when `consent`; her own login "liv12" when `login`."""
    with app.app_context():
        a = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(a, name="Vår 2027")
        user = make_user(Role.AMBASSADOR, a, username="liv12", name="Liv Nilsen") if login else None
        ambassador = make_ambassador(
            a, age=age, name="Liv Nilsen", school="8B", user_id=user.id if user else None
        )
        make_enrolment(cohort, ambassador)
        consent_id = make_consent(ambassador, "participation").id if consent else None
        db.session.commit()
        return SimpleNamespace(
            id=ambassador.id, user_id=user.id if user else None, consent_id=consent_id
        )


def phone_of(app):
    """The ambassador's own phone, signed in as liv12 (English pages)."""
    phone = app.test_client()
    phone.post("/language", data={"lang": "en"})
    assert phone.post("/login", data={"login": "liv12", "password": PASSWORD}).status_code == 302
    assert "Vår 2027" in phone.get("/").text
    return phone


def withdraw_behind_the_apps_back(app, consent_id: int, *, own_connection: bool = False) -> None:
    """Withdraw as a statement of its own would (no service: no session is ended there),
    through the app's session or on a connection of its own (as a script's)."""
    statement = text("UPDATE consent SET withdrawn_at = CURRENT_TIMESTAMP WHERE id = :id")
    with app.app_context():
        if own_connection:
            with db.engine.begin() as connection:
                connection.execute(statement, {"id": consent_id})
            return
        db.session.execute(statement, {"id": consent_id})
        db.session.commit()


def assert_refused(response, *, age: int = 13) -> None:
    """The refusal page: why, and whom to ask; nothing else about the person or the cohort."""
    assert response.status_code == 403, response.status_code
    page = without_form_tokens(response.text)  # a token's random letters can spell "8B"
    assert "Your login is paused" in page
    assert f"under {age}" in page and "guardian" in page
    assert "Larvik" in page and "youth worker" in page
    for other in ("Vår 2027", "Liv", "Nilsen", "liv12", "8B", "/cohorts/", "Sign out"):
        assert other not in page, other


def raise_digital_age(app, world, age: int) -> None:
    """The network admin raises municipality A's digital-consent age through its form."""
    admin = app.test_client()
    admin.post("/login", data={"login": world.admin.login, "password": PASSWORD})
    response = admin.post(
        f"/admin/municipalities/{world.municipality_a}/edit",
        data={
            "name": "Larvik",
            "country": "NO",
            "digital_consent_age": age,
            "photo_consent_age": 16,
            "retention_years": 3,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Municipality, world.municipality_a).digital_consent_age == age


# ---- the rule, in Python and in SQL ---------------------------------------------------------


def test_the_sql_login_rule_agrees_with_the_python_rule(ctx):
    municipality = make_municipality(digital_consent_age=14)
    people = []
    for age in range(11, 18):
        for kind in ("none", "guardian", "own", "withdrawn"):
            ambassador = make_ambassador(municipality, age=age)
            if kind == "guardian":
                make_consent(ambassador, "participation")
            elif kind == "own":
                make_consent(ambassador, "participation", given_by="ambassador")
            elif kind == "withdrawn":
                make_consent(ambassador, "participation", withdrawn_at=rules.now())
            make_consent(ambassador, "photo")  # another purpose never counts
            people.append(ambassador)
    db.session.flush()
    standing = list(db.session.scalars(select(Consent).where(Consent.withdrawn_at.is_(None))))
    in_python = {
        a.id
        for a in people
        if not rules.may_have_login(
            a.birth_year, municipality, [c for c in standing if c.ambassador_id == a.id]
        )
    }
    in_sql = {
        a.id
        for a in people
        if db.session.scalar(
            select(rules.login_refused_in_sql(Ambassador.id == a.id, rules.today().year))
        )
    }
    assert in_sql == in_python
    assert {rules.conservative_age(a.birth_year) for a in people if a.id in in_sql} == {11, 12, 13}


# ---- withdrawal ends what the consent allowed -----------------------------------------------


def test_withdrawal_ends_the_login_sessions_with_an_audit_event_and_staff_are_told(
    app, client, world, login
):
    liv = person(app, world, age=12, consent=True)
    phone = phone_of(app)
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    asked = client.post(f"/ambassadors/consents/{liv.consent_id}/withdraw").text
    assert "Liv is under 13: their login stops too" in asked  # said before it is confirmed
    response = client.post(
        f"/ambassadors/consents/{liv.consent_id}/withdraw", data=CONFIRMED, follow_redirects=True
    )
    page = response.text
    assert "Liv can no longer sign in" in page and "signed out" in page
    assert "Login paused" in page  # the record says so, not only the message
    with app.app_context():
        assert count(LoginSession, LoginSession.user_id == liv.user_id) == 0
        ended = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions.ended"))
        assert ended.object_id == liv.user_id and ended.detail["reason"] == "consent_withdrawn"
        stopped = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "ambassador.login_stopped")
        )
        assert stopped.object_id == liv.id and stopped.detail == {"sessions": 1, "links": 0}
    assert "Vår 2027" not in phone.get("/").text
    again = phone.get("/account")
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    assert_refused(phone.post("/login", data={"login": "liv12", "password": PASSWORD}))


def test_withdrawal_revokes_pending_links_and_the_old_link_makes_no_account(
    app, client, world, login
):
    liv = person(app, world, age=12, consent=True, login=False)
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    client.post(f"/ambassadors/{liv.id}/login")
    link = re.search(
        r"http://localhost(/invitation/[A-Za-z0-9_-]+)", client.get(f"/ambassadors/{liv.id}").text
    )[1]
    response = client.post(
        f"/ambassadors/consents/{liv.consent_id}/withdraw", data=CONFIRMED, follow_redirects=True
    )
    assert "The sign-in link for Liv no longer works" in response.text
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.revoked_at is not None
    assert "invitation.revoked" in actions(app) and "ambassador.login_stopped" in actions(app)

    kid = app.test_client()
    kid.post("/language", data={"lang": "en"})
    kid.get(link)
    assert kid.get("/invitation").status_code == 410
    assert kid.post("/invitation", data=ACCOUNT).status_code == 410
    assert "Vår 2027" not in kid.get("/", follow_redirects=True).text
    with app.app_context():
        assert count(User, User.username == "liv.ny") == 0
        assert db.session.get(Ambassador, liv.id).user_id is None


# ---- every request, sign-in and acceptance check the rule again ----------------------------


def test_a_signed_in_ambassador_is_refused_on_the_next_request_and_signed_out(app, world):
    liv = person(app, world, age=12, consent=True)
    phone = phone_of(app)
    withdraw_behind_the_apps_back(app, liv.consent_id)
    assert_refused(phone.get("/"))
    assert phone.get("/account").status_code == 302  # the session has ended
    with app.app_context():
        assert count(LoginSession, LoginSession.user_id == liv.user_id) == 0
        ended = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions.ended"))
        assert ended.detail["reason"] == "consent_rule"


def test_raising_the_digital_consent_age_refuses_a_signed_in_ambassador(app, client, world, login):
    person(app, world, age=13, consent=False)  # old enough alone at 13
    phone = phone_of(app)
    raise_digital_age(app, world, 15)
    assert_refused(phone.get("/"), age=15)
    # Staff see why on the record.
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    with app.app_context():
        ambassador_id = db.session.scalar(select(Ambassador.id))
    assert "Login paused" in client.get(f"/ambassadors/{ambassador_id}").text


def test_sign_in_is_refused_without_the_consent_the_rule_needs(app, world):
    liv = person(app, world, age=12, consent=True)
    withdraw_behind_the_apps_back(app, liv.consent_id)
    phone = app.test_client()
    phone.post("/language", data={"lang": "en"})
    assert_refused(phone.post("/login", data={"login": "liv12", "password": PASSWORD}))
    with app.app_context():
        assert count(LoginSession) == 0
    assert "login.refused" in actions(app) and "login.succeeded" not in actions(app)
    # A wrong password still gets the one answer for every failure (nothing told).
    wrong = phone.post("/login", data={"login": "liv12", "password": "not the password"})
    assert wrong.status_code == 200 and "paused" not in wrong.text


def test_an_old_link_is_refused_inside_the_acceptance_after_the_age_was_raised(
    app, client, world, login
):
    liv = person(app, world, age=13, consent=False, login=False)
    login(world.a["youth_worker"])
    client.post(f"/ambassadors/{liv.id}/login")
    link = re.search(
        r"http://localhost(/invitation/[A-Za-z0-9_-]+)", client.get(f"/ambassadors/{liv.id}").text
    )[1]
    raise_digital_age(app, world, 15)
    kid = app.test_client()
    kid.post("/language", data={"lang": "en"})
    kid.get(link)
    assert_refused(kid.get("/invitation"), age=15)
    assert_refused(kid.post("/invitation", data=ACCOUNT), age=15)
    with app.app_context():
        assert count(User, User.username == "liv.ny") == 0
        # The service itself refuses, whatever a route checked before.
        invitation = db.session.scalar(select(Invitation))
        with pytest.raises(DomainError):
            invitations.accept(
                invitation, name="Liv", email=None, username="liv.ny", password=ACCOUNT["password"]
            )
        db.session.rollback()
        assert count(User, User.username == "liv.ny") == 0
        assert db.session.get(Invitation, invitation.id).accepted_at is None


def test_a_withdrawal_written_beside_the_app_refuses_on_the_next_request(app, world):
    """Written on a connection of its own, as a script's: the sign-in query of the next
    request decides, nothing a worker holds."""
    liv = person(app, world, age=12, consent=True)
    phone = phone_of(app)
    assert "Vår 2027" in phone.get("/").text
    withdraw_behind_the_apps_back(app, liv.consent_id, own_connection=True)
    assert_refused(phone.get("/"))


def test_a_reset_link_signs_a_refused_ambassador_in_no_more(app, world):
    liv = person(app, world, age=12, consent=True)
    withdraw_behind_the_apps_back(app, liv.consent_id)
    with app.app_context():
        token = make_reset(db.session.get(User, liv.user_id))
        db.session.commit()
    phone = app.test_client()
    phone.post("/language", data={"lang": "en"})
    phone.get(f"/password/reset/{token}")
    new = "nye dager i Larvik"
    assert_refused(phone.post("/password/reset", data={"password": new, "confirm": new}))
    with app.app_context():
        assert count(LoginSession) == 0
    assert phone.get("/account").status_code == 302


@pytest.mark.parametrize("how", ["withdrawn", "age raised"])
def test_the_own_calendar_address_follows_the_rule(app, world, how):
    """The personal calendar feed is access too: where and when the group meets."""
    from allin.models import Cohort, Enrolment
    from allin.training.services import ensure_feed

    liv = person(app, world, age=12 if how == "withdrawn" else 13, consent=how == "withdrawn")
    with app.app_context():
        ensure_feed(db.session.scalar(select(Cohort)))
        db.session.commit()
        token = db.session.scalar(select(Enrolment.feed_token))
    feed = app.test_client()
    assert feed.get(f"/calendar/{token}.ics").status_code == 200
    if how == "withdrawn":
        withdraw_behind_the_apps_back(app, liv.consent_id)
    else:
        raise_digital_age(app, world, 15)
    assert feed.get(f"/calendar/{token}.ics").status_code == 404


def test_a_link_for_someone_who_got_a_login_meanwhile_makes_no_second_account(
    app, client, world, login
):
    """An ambassador account is always tied to their record: a second pending link whose
    person got a login meanwhile is refused, never an account the consent rule cannot see."""
    liv = person(app, world, age=16, consent=False, login=False)
    login(world.a["youth_worker"])
    client.post(f"/ambassadors/{liv.id}/login")
    link = re.search(
        r"http://localhost(/invitation/[A-Za-z0-9_-]+)", client.get(f"/ambassadors/{liv.id}").text
    )[1]
    with app.app_context():  # a login made meanwhile, another way
        ambassador = db.session.get(Ambassador, liv.id)
        ambassador.user_id = make_user(Role.AMBASSADOR, ambassador.municipality).id
        db.session.commit()
        users = count(User)
    kid = app.test_client()
    kid.post("/language", data={"lang": "en"})
    kid.get(link)
    response = kid.post("/invitation", data=ACCOUNT)
    assert response.status_code == 200
    assert "already has a login" in response.text
    with app.app_context():
        assert count(User) == users
        assert db.session.scalar(select(Invitation)).accepted_at is None


def test_withdrawing_for_someone_without_a_login_or_link_says_nothing_of_a_login(
    app, client, world, login
):
    liv = person(app, world, age=12, consent=True, login=False)
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    asked = client.post(f"/ambassadors/consents/{liv.consent_id}/withdraw").text
    assert "their login stops too" not in asked
    done = client.post(
        f"/ambassadors/consents/{liv.consent_id}/withdraw", data=CONFIRMED, follow_redirects=True
    ).text
    assert "can no longer sign in" not in done and "sign-in link" not in done
    assert "ambassador.login_stopped" not in actions(app)
