"""Invitations, password resets, user administration and mass assignment."""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select, update

from allin.access import Role
from allin.auth import invitations
from allin.clock import now
from allin.errors import DomainError
from allin.extensions import db
from allin.models import AuditEvent, Invitation, MailJob, Municipality, PasswordReset, User
from tests.conftest import without_form_tokens
from tests.factories import CONFIRMED, PASSWORD, make_invitation, make_reset, make_user

NEW = "et nytt og langt passord"


def invite(client, **data) -> tuple[int, str]:
    """Post the invite form; returns the invitation id and the link path shown once."""
    response = client.post("/admin/invitations/new", data=data)
    assert response.status_code == 302, response.data.decode()[-2000:]
    invitation_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(response.headers["Location"]).data.decode()
    link = re.search(r">http://localhost(/invitation/[^<]+)</code>", page).group(1)
    return invitation_id, link


def accept(app, link: str, **data):
    """Open the link in a fresh browser and submit the form."""
    browser = app.test_client()
    opened = browser.get(link)
    assert opened.headers["Location"] == "/invitation"
    return browser, browser.post("/invitation", data={"password": NEW, "confirm": NEW, **data})


def test_coordinator_invites_a_youth_worker(app, client, world, login):
    login(world.a["coordinator"])
    invitation_id, link = invite(
        client, role="youth_worker", name="Sindre Vik", email="Sindre@Example.com"
    )
    again = client.get(f"/admin/invitations/{invitation_id}").data.decode()
    assert link not in again, "the link is shown once"
    browser, response = accept(app, link, name="Sindre Vik", email="sindre@example.com")
    # Signed in at once, on the start page.
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Hei, Sindre Vik" in browser.get("/").data.decode()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "sindre@example.com"))
        assert (user.role, user.municipality_id) == (Role.YOUTH_WORKER, world.municipality_a)
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.accepted_at is not None and invitation.user_id == user.id
        # Only the hash is stored.
        assert link.rsplit("/", 1)[1] not in invitation.token_hash
    fresh = app.test_client()
    assert (
        fresh.post("/login", data={"login": "sindre@example.com", "password": NEW}).status_code
        == 302
    )


def test_ambassador_invitation_uses_a_username(app, client, world, login):
    login(world.a["youth_worker"])
    _, link = invite(client, role="ambassador", name="Tuva Lien", email="")
    _, response = accept(app, link, name="Tuva Lien", username="Tuva.L", email="")
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "tuva.l"))
        assert user.role == Role.AMBASSADOR and user.email is None
    assert (
        app.test_client().post("/login", data={"login": "tuva.l", "password": NEW}).status_code
        == 302
    )


def test_a_link_works_once(app, client, world, login):
    login(world.a["coordinator"])
    _, link = invite(client, role="youth_worker", name="A", email="a1@example.com")
    accept(app, link, name="A", email="a1@example.com")
    browser, response = accept(app, link, name="B", email="b1@example.com")
    assert response.status_code == 410
    assert "allerede brukt" in response.data.decode()


def test_expired_link(app, client, world, login, frozen):
    login(world.a["coordinator"])
    _, link = invite(client, role="youth_worker", name="A", email="a2@example.com")
    frozen.advance(hours=72, seconds=1)
    _, response = accept(app, link, name="A", email="a2@example.com")
    assert response.status_code == 410
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "a2@example.com")) is None


@pytest.mark.parametrize(
    "tamper",
    [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:10], lambda t: "x" * 300],
)
def test_tampered_link(app, client, world, login, tamper):
    login(world.a["coordinator"])
    _, link = invite(client, role="youth_worker", name="A", email="a3@example.com")
    token = link.rsplit("/", 1)[1]
    _, response = accept(app, f"/invitation/{tamper(token)}", name="A", email="a3@example.com")
    assert response.status_code == 404
    assert "Vi kjenner ikke igjen denne lenken" in response.data.decode()


def test_revoke_and_renew(app, client, world, login):
    login(world.a["coordinator"])
    invitation_id, first = invite(client, role="youth_worker", name="A", email="a4@example.com")
    client.post(f"/admin/invitations/{invitation_id}/renew")
    second = re.search(
        r">http://localhost(/invitation/[^<]+)</code>",
        client.get(f"/admin/invitations/{invitation_id}").data.decode(),
    ).group(1)
    assert first != second
    assert accept(app, first, name="A", email="a4@example.com")[1].status_code == 404
    client.post(f"/admin/invitations/{invitation_id}/revoke", data=CONFIRMED)
    assert accept(app, second, name="A", email="a4@example.com")[1].status_code == 410


def test_network_admin_invites_a_coordinator_into_a_chosen_municipality(app, client, world, login):
    login(world.admin)
    _, link = invite(
        client,
        role="coordinator",
        municipality=world.municipality_b,
        name="C",
        email="c@example.com",
    )
    accept(app, link, name="C", email="c@example.com")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "c@example.com"))
        assert (user.role, user.municipality_id) == (Role.COORDINATOR, world.municipality_b)


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("youth_worker", "coordinator"),
        ("coordinator", "network_admin"),
        ("youth_worker", "network_admin"),
    ],
)
def test_nobody_invites_above_their_station(app, client, world, login, who, role):
    login(world.a[who])
    response = client.post(
        "/admin/invitations/new", data={"role": role, "name": "X", "email": "x@example.com"}
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_ambassadors_cannot_invite(client, world, login):
    login(world.a["ambassador"])
    assert client.get("/admin/invitations/new").status_code == 403


def test_invitation_email_with_smtp_and_without(make_app, world, outbox, caplog):
    sent = outbox
    for server in ("smtp.example.com", None):
        app = make_app(MAIL_SERVER=server)
        client = app.test_client()
        client.post("/login", data={"login": world.a["coordinator"].login, "password": PASSWORD})
        with caplog.at_level(logging.INFO):
            _, link = invite(
                client,
                role="youth_worker",
                name="Eirik Moen",
                email=f"eirik{bool(server)}@example.com",
            )
        token = link.rsplit("/", 1)[1]
        if server:
            assert len(sent) == 1 and token in sent[0].get_content()
            assert sent[0]["To"] == "eiriktrue@example.com"
        else:
            assert "e-mail not sent" in caplog.text and "[redacted]" in caplog.text
        assert token not in caplog.text


# ---- password reset -------------------------------------------------------------------------


def reset_link_from(outbox) -> str:
    return re.search(r"(/password/reset/[A-Za-z0-9_-]{20,})", outbox[-1].get_content()).group(1)


def test_reset_answers_the_same_for_unknown_addresses(client, world):
    known = client.post("/password/forgot", data={"email": world.a["coordinator"].login})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert without_form_tokens(known.data.decode()) == without_form_tokens(unknown.data.decode())


def test_reset_flow_ends_every_session_and_works_once(make_app, world, outbox):
    app = make_app(MAIL_SERVER="smtp.example.com")
    client = app.test_client()
    victim_browser = app.test_client()
    victim_browser.post(
        "/login", data={"login": world.a["coordinator"].login, "password": PASSWORD}
    )
    client.post("/password/forgot", data={"email": world.a["coordinator"].login})
    assert outbox[-1]["To"] == world.a["coordinator"].login
    link = reset_link_from(outbox)
    assert client.get(link).headers["Location"] == "/password/reset"
    response = client.post("/password/reset", data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert victim_browser.get("/account").status_code == 302
    assert (
        client.post(
            "/login", data={"login": world.a["coordinator"].login, "password": NEW}
        ).status_code
        == 302
    )
    other = app.test_client()
    other.get(link)
    assert other.get("/password/reset").status_code == 410


def test_reset_link_expires_after_30_minutes(make_app, world, outbox, frozen):
    client = make_app(MAIL_SERVER="smtp.example.com").test_client()
    client.post("/password/forgot", data={"email": world.a["coordinator"].login})
    link = reset_link_from(outbox)
    client.get(link)
    frozen.advance(minutes=29)
    client.get(link)  # opened again: the page left idle had closed
    assert client.get("/password/reset").status_code == 200
    frozen.advance(minutes=2)
    client.get(link)
    assert client.get("/password/reset").status_code == 410


def test_reset_tokens_never_reach_the_log_outside_debug(app, client, world, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post("/password/forgot", data={"email": world.a["coordinator"].login})
    assert "/password/reset/[redacted]" in caplog.text
    assert not re.search(r"/password/reset/[A-Za-z0-9_-]{20,}", caplog.text)


def test_staff_hand_over_a_reset_link_to_an_ambassador_without_email(app, client, world, login):
    login(world.a["youth_worker"])
    ambassador = world.a["ambassador"]
    response = client.post(f"/admin/users/{ambassador.id}/reset-link", follow_redirects=True)
    link = re.search(
        r">http://localhost(/password/reset/[^<]+)</code>", response.data.decode()
    ).group(1)
    kid = app.test_client()
    kid.get(link)
    assert kid.post("/password/reset", data={"password": NEW, "confirm": NEW}).status_code == 302
    assert kid.post("/login", data={"login": ambassador.login, "password": NEW}).status_code == 302
    with app.app_context():
        reset = db.session.scalar(select(PasswordReset))
        assert reset.created_by_id == world.a["youth_worker"].id


def test_no_handover_links_for_staff(client, world, login):
    login(world.a["coordinator"])
    assert client.post(f"/admin/users/{world.a['youth_worker'].id}/reset-link").status_code == 403


# ---- administration -------------------------------------------------------------------------


def test_role_change_within_what_the_actor_may_grant(app, client, world, login):
    login(world.a["coordinator"])
    worker = world.a["youth_worker"].id
    assert (
        client.post(f"/admin/users/{worker}/role", data={"role": "network_admin"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(User, worker).role == Role.YOUTH_WORKER
    client.post(f"/admin/users/{worker}/role", data={"role": "coordinator"})
    with app.app_context():
        assert db.session.get(User, worker).role == Role.COORDINATOR
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.role_changed")
        )
        assert event.detail == {"from": "youth_worker", "to": "coordinator"}


def test_nobody_changes_themselves(client, world, login):
    login(world.a["coordinator"])
    me = world.a["coordinator"].id
    assert client.post(f"/admin/users/{me}/deactivate").status_code == 403
    assert client.post(f"/admin/users/{me}/role", data={"role": "youth_worker"}).status_code == 403


def test_youth_workers_manage_ambassadors_only(client, world, login):
    login(world.a["youth_worker"])
    assert client.post(f"/admin/users/{world.a['coordinator'].id}/deactivate").status_code == 403
    assert (
        client.post(
            f"/admin/users/{world.a['ambassador'].id}/deactivate", data=CONFIRMED
        ).status_code
        == 302
    )


def test_reactivate(app, client, world, login):
    login(world.a["coordinator"])
    worker = world.a["youth_worker"]
    client.post(f"/admin/users/{worker.id}/deactivate", data=CONFIRMED)
    client.post(f"/admin/users/{worker.id}/reactivate")
    assert (
        app.test_client()
        .post("/login", data={"login": worker.login, "password": PASSWORD})
        .status_code
        == 302
    )


def test_user_list_search_and_pagination(app, client, world, login):
    from tests.factories import make_user

    with app.app_context():
        municipality = db.session.get(User, world.a["coordinator"].id).municipality
        for n in range(30):
            make_user(
                Role.AMBASSADOR, municipality, name=f"Ambassadør {n:02d}", username=f"kid{n:02d}"
            )
        db.session.commit()
    login(world.a["coordinator"])
    first = client.get("/admin/users/?q=ambassadør").data.decode()
    assert "Ambassadør 00" in first and "Ambassadør 29" not in first
    assert 'aria-current="page"' in first and "?page=2&amp;q=ambassad%C3%B8r" in first
    second = client.get("/admin/users/?q=ambassadør&page=2").data.decode()
    assert "Ambassadør 29" in second
    names = re.findall(r'href="/admin/users/\d+">([^<]+)<', first)
    assert len(names) == 25 and all(n.startswith("Ambassadør") for n in names)
    assert client.get("/admin/users/?q=%25").status_code == 200


def test_municipalities_are_created_by_network_admins(app, client, world, login):
    login(world.admin)
    response = client.post(
        "/admin/municipalities/new",
        data={
            "name": "Tromsø",
            "country": "NO",
            "digital_consent_age": "13",
            "photo_consent_age": "15",
            "retention_years": "3",
        },
    )
    assert response.status_code == 302
    duplicate = client.post(
        "/admin/municipalities/new",
        data={
            "name": "tromsø",
            "country": "NO",
            "digital_consent_age": "13",
            "photo_consent_age": "15",
            "retention_years": "3",
        },
    )
    assert duplicate.status_code == 200 and b"finnes allerede" in duplicate.data
    bad = client.post(
        "/admin/municipalities/new",
        data={
            "name": "Bodø",
            "country": "NO",
            "digital_consent_age": "9",
            "photo_consent_age": "15",
            "retention_years": "3",
        },
    )
    assert bad.status_code == 200 and b'value="Bod\xc3\xb8"' in bad.data


# ---- mass assignment (SECURITY 14) ----------------------------------------------------------

SNEAKY = {"role": "network_admin", "municipality_id": "999", "active": "n", "is_active": "n"}


def test_accepting_cannot_choose_role_or_municipality(app, client, world, login):
    login(world.a["coordinator"])
    _, link = invite(client, role="youth_worker", name="S", email="s@example.com")
    accept(
        app,
        link,
        name="S",
        email="s@example.com",
        **{**SNEAKY, "municipality_id": str(world.municipality_b)},
    )
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "s@example.com"))
        assert (user.role, user.municipality_id, user.active) == (
            Role.YOUTH_WORKER,
            world.municipality_a,
            True,
        )


def test_coordinators_cannot_invite_into_another_municipality(app, client, world, login):
    login(world.a["coordinator"])
    invite(
        client,
        role="youth_worker",
        name="S",
        email="t@example.com",
        municipality=str(world.municipality_b),
        municipality_id=str(world.municipality_b),
    )
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.municipality_id == world.municipality_a


def test_password_and_account_forms_ignore_extra_fields(app, client, world, login):
    login(world.a["ambassador"])
    client.post(
        "/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW, **SNEAKY}
    )
    client.post("/language", data={"lang": "en", **SNEAKY})
    with app.app_context():
        user = db.session.get(User, world.a["ambassador"].id)
        assert (user.role, user.municipality_id, user.active) == (
            Role.AMBASSADOR,
            world.municipality_a,
            True,
        )
        assert user.language == "en"


def test_debug_mode_logs_links_for_developers_without_smtp(make_app, world, caplog):
    from tests.conftest import TEST_DATABASE_URL

    if TEST_DATABASE_URL:
        pytest.skip("debug mode is refused on a server database")
    client = make_app(DEBUG=True).test_client()
    with caplog.at_level(logging.INFO):
        client.post("/password/forgot", data={"email": world.a["coordinator"].login})
    assert re.search(r"/password/reset/[A-Za-z0-9_-]{20,}", caplog.text)


def test_audit_trail_names_actions_and_never_secrets(app, client, world, login, outbox, make_app):
    mailing = make_app(MAIL_SERVER="smtp.example.com").test_client()
    mailing.post("/login", data={"login": world.a["coordinator"].login, "password": "wrong!"})
    login(world.a["coordinator"])
    _, link = invite(client, role="youth_worker", name="Liv Brekke", email="liv@example.com")
    accept(app, link, name="Liv Brekke", email="liv@example.com")
    with app.app_context():
        liv = db.session.scalar(select(User.id).where(User.email == "liv@example.com"))
    client.post(f"/admin/users/{liv}/role", data={"role": "coordinator"})
    client.post(f"/admin/users/{liv}/end-sessions", data=CONFIRMED)
    client.post(f"/admin/users/{liv}/deactivate", data=CONFIRMED)
    mailing.post("/password/forgot", data={"email": world.a["youth_worker"].login})
    mailing.get(reset_link_from(outbox))
    mailing.post("/password/reset", data={"password": NEW, "confirm": NEW})
    client.post("/logout")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        done = {e.action for e in events}
        assert {
            "login.failed",
            "login.succeeded",
            "invitation.sent",
            "invitation.accepted",
            "user.role_changed",
            "sessions.ended",
            "user.deactivated",
            "password.reset_created",
            "password.reset",
            "session.ended",
        } <= done
        everything = repr([(e.action, e.object_type, e.detail) for e in events])
        token = link.rsplit("/", 1)[1]
        for secret in (token, NEW, PASSWORD, "liv@example.com", "Liv Brekke", "wrong!"):
            assert secret not in everything
        assert all(
            e.municipality_id == world.municipality_a
            for e in events
            if e.action.startswith("invitation.")
        )


def pending_invitation(app, world, role=Role.YOUTH_WORKER, inviter="coordinator"):
    """A pending invitation by a person of municipality A; returns its id and link token."""
    with app.app_context():
        invitation, token = make_invitation(db.session.get(User, world.a[inviter].id), role)
        db.session.commit()
        return invitation.id, token


# ---- races and lifetimes ------------------------------------------------------------------


def test_racing_acceptances_create_one_account(app, world):
    """The second request still holds a 'pending' invitation; the database says no."""
    invitation_id, token = pending_invitation(app, world)
    with app.app_context():
        stale, status = invitations.find(token)
        assert status == "pending"
        # Meanwhile another request accepts it and commits.
        db.session.execute(
            update(Invitation).where(Invitation.id == invitation_id).values(accepted_at=now())
        )
        with pytest.raises(DomainError):
            invitations.accept(
                stale, name="Second", email="second@example.com", username=None, password=NEW
            )
        db.session.rollback()
        assert db.session.scalar(select(User).where(User.email == "second@example.com")) is None


def test_pending_invitations_die_with_the_inviters_rights(app, client, world, login):
    _, token = pending_invitation(app, world, inviter="youth_worker", role=Role.AMBASSADOR)
    login(world.a["coordinator"])
    client.post(f"/admin/users/{world.a['youth_worker'].id}/deactivate", data=CONFIRMED)
    browser = app.test_client()
    browser.get(f"/invitation/{token}")
    assert browser.get("/invitation").status_code == 410


def test_long_municipality_names_fit(app, client, world, login):
    login(world.admin)
    name = "Æ" * 120
    response = client.post(
        "/admin/municipalities/new",
        data={
            "name": name,
            "country": "NO",
            "digital_consent_age": "13",
            "photo_consent_age": "15",
            "retention_years": "3",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        slug = db.session.scalar(select(Municipality.slug).where(Municipality.name == name))
        assert len(slug) <= 80


# ---- links follow the configured address, never the Host header (review finding 1) ---------


def test_links_that_leave_the_page_ignore_the_host_header(make_app, world, outbox):
    app = make_app(
        MAIL_SERVER="smtp.example.com",
        BASE_URL="https://allin.example.no",
        TRUSTED_HOSTS=["allin.example.no", "allin.internal"],
    )
    client = app.test_client()
    evil = {"headers": {"Host": "evil.example"}}
    forgot = {"email": world.a["coordinator"].login}
    assert client.post("/password/forgot", data=forgot, **evil).status_code == 400
    assert client.get("/login", **evil).status_code == 400
    assert outbox == []

    internal = {"headers": {"Host": "allin.internal"}}  # a second name the site answers to
    assert client.post("/password/forgot", data=forgot, **internal).status_code == 200
    assert re.search(
        r"^https://allin\.example\.no/password/reset/[A-Za-z0-9_-]{20,}$",
        outbox[-1].get_content(),
        re.M,
    )
    client.post(
        "/login",
        data={"login": world.a["coordinator"].login, "password": PASSWORD},
        **internal,
    )
    response = client.post(
        "/admin/invitations/new",
        data={"role": "youth_worker", "name": "Sindre Vik", "email": "sindre@example.com"},
        follow_redirects=True,
        **internal,
    )
    assert ">https://allin.example.no/invitation/" in response.data.decode()
    assert "https://allin.example.no/invitation/" in outbox[-1].get_content()
    handed = client.post(
        f"/admin/users/{world.a['ambassador'].id}/reset-link", follow_redirects=True, **internal
    )
    assert ">https://allin.example.no/password/reset/" in handed.data.decode()


# ---- forgot-password does the same work for every address (review finding 2) ---------------


def test_forgot_password_does_the_same_work_for_known_and_unknown_addresses(
    make_app, world, outbox, count_queries
):
    app = make_app(MAIL_SERVER="smtp.example.com", MAIL_SEND_AFTER_RESPONSE=False)
    client = app.test_client()
    client.post("/password/forgot", data={"email": "warm@example.com"})  # warm caches
    work = {}
    for address in (world.a["coordinator"].login, "nobody@example.com"):
        with count_queries() as queries:
            response = client.post("/password/forgot", data={"email": address})
        assert response.status_code == 200
        work[address] = queries.statements
    known, unknown = work.values()
    assert known == unknown, "the same statements whether or not the account exists"
    assert outbox == [], "nothing is sent inside the request"

    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "sent 3" in result.output
    assert [m["To"] for m in outbox] == [world.a["coordinator"].login]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MailJob)) == 0
        assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 1


def test_a_failed_reset_email_is_kept_and_retried(make_app, world, request):
    # A real connection to a closed port: the SMTP server is down.
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    response = app.test_client().post(
        "/password/forgot", data={"email": world.a["coordinator"].login}
    )
    assert response.status_code == 200
    with app.app_context():
        job = db.session.scalar(select(MailJob))
        assert (job.attempts, job.claimed_at) == (1, None)
        assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0
    assert app.test_cli_runner().invoke(args=["send-mail"]).exit_code == 1

    outbox = request.getfixturevalue("outbox")  # the server is back
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert [m["To"] for m in outbox] == [world.a["coordinator"].login]
    assert re.search(r"/password/reset/[A-Za-z0-9_-]{20,}", outbox[0].get_content())


# ---- no tokens in the cookie; an abandoned page closes (review finding 13) -----------------


def cookie_contents(app, client) -> str:
    """The session cookie decoded: signed, not encrypted, so anyone holding it can read it."""
    value = client.get_cookie("allin_session").value
    return repr(app.session_interface.get_signing_serializer(app).loads(value))


def test_an_opened_reset_link_leaves_no_token_in_the_cookie_and_closes_when_idle(
    app, world, frozen
):
    with app.app_context():
        token = make_reset(db.session.get(User, world.a["coordinator"].id))
        db.session.commit()
    browser = app.test_client()
    browser.get(f"/password/reset/{token}")
    assert browser.get("/password/reset").status_code == 200
    assert token not in cookie_contents(app, browser)
    frozen.advance(minutes=9)
    assert browser.get("/password/reset").status_code == 200  # still working on it
    frozen.advance(minutes=11)
    left = browser.get("/password/reset", headers={"Accept-Language": "en"})
    assert left.status_code == 410 and "left open too long" in left.data.decode()
    browser.get(f"/password/reset/{token}")  # the link itself still works
    response = browser.post("/password/reset", data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302


def test_an_opened_invitation_leaves_no_token_in_the_cookie(app, world):
    invitation_id, token = pending_invitation(app, world)
    browser = app.test_client()
    browser.get(f"/invitation/{token}")
    assert browser.get("/invitation").status_code == 200
    assert token not in cookie_contents(app, browser)


def test_links_shown_once_to_staff_do_not_sit_in_the_cookie(app, client, world, login):
    login(world.a["youth_worker"])
    ambassador = world.a["ambassador"].id
    client.post(f"/admin/users/{ambassador}/reset-link")
    assert "/password/reset/" not in cookie_contents(app, client)
    page = client.get(f"/admin/users/{ambassador}").data.decode()
    assert re.search(r">http://localhost/password/reset/[A-Za-z0-9_-]{20,}</code>", page)
    assert "/password/reset/" not in client.get(f"/admin/users/{ambassador}").data.decode()

    response = client.post(
        "/admin/invitations/new", data={"role": "ambassador", "name": "Tuva Lien", "email": ""}
    )
    assert "/invitation/" not in cookie_contents(app, client)
    assert "/invitation/" in client.get(response.headers["Location"]).data.decode()


# ---- a password change ends old reset links (review finding 8) -----------------------------


def test_a_password_change_ends_outstanding_reset_links(app, client, world, login):
    login(world.a["youth_worker"])
    ambassador = world.a["ambassador"]
    page = client.post(f"/admin/users/{ambassador.id}/reset-link", follow_redirects=True)
    link = re.search(r">http://localhost(/password/reset/[^<]+)</code>", page.data.decode())[1]
    kid = app.test_client()
    kid.post("/login", data={"login": ambassador.login, "password": PASSWORD})
    changed = kid.post(
        "/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert changed.status_code == 302
    other = app.test_client()
    other.get(link)
    assert other.get("/password/reset").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0


# ---- staff cannot probe addresses outside their scope (review finding 9) -------------------


def test_the_invite_form_tells_only_about_addresses_in_ones_own_scope(app, client, world, login):
    login(world.a["coordinator"])
    inside = client.post(
        "/admin/invitations/new",
        data={"role": "youth_worker", "name": "X", "email": world.a["youth_worker"].login},
        headers={"Accept-Language": "en"},
    )
    assert inside.status_code == 200 and "already has an account" in inside.data.decode()
    # Another municipality's coordinator: answered exactly like a fresh address.
    foreign, _link = invite(
        client, role="youth_worker", name="X", email=world.b["coordinator"].login
    )
    fresh, _link = invite(client, role="youth_worker", name="Y", email="fresh@example.com")
    assert foreign and fresh


def test_network_admins_cannot_probe_ambassadors_addresses(app, client, world, login):
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        make_user(Role.AMBASSADOR, municipality, email="ung@example.com")
        db.session.commit()
    login(world.admin)
    invitation_id, link = invite(
        client,
        role="coordinator",
        municipality=world.municipality_a,
        name="Z",
        email="ung@example.com",
    )
    # The invitee learns of the clash on accepting, honestly; no second account appears.
    _, response = accept(app, link, name="Z", email="ung@example.com")
    assert response.status_code == 200
    assert "allerede en konto" in response.data.decode()
    _, response = accept(app, link, name="Z", email="ung.jobb@example.com")
    assert response.status_code == 302


# ---- a renewed invitation is the renewer's (review finding 10) ----------------------------


def test_a_renewed_invitation_of_a_deactivated_inviter_works(app, client, world, login):
    invitation_id, _token = pending_invitation(
        app, world, inviter="youth_worker", role=Role.AMBASSADOR
    )
    login(world.a["coordinator"])
    client.post(f"/admin/users/{world.a['youth_worker'].id}/deactivate")
    client.post(f"/admin/invitations/{invitation_id}/renew")
    page = client.get(f"/admin/invitations/{invitation_id}").data.decode()
    link = re.search(r">http://localhost(/invitation/[^<]+)</code>", page)[1]
    _, response = accept(app, link, name="Tuva", username="tuva.r", email="")
    assert response.status_code == 302
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.invited_by_id == world.a["coordinator"].id


# ---- the last network admin (review finding 7) ---------------------------------------------


def test_a_network_admin_deactivated_meanwhile_cannot_deactivate_the_last_one(app, world):
    """B's request loaded B as active; A's request deactivated B and committed first."""
    from allin.admin import services as admin_services

    with app.app_context():
        a = db.session.get(User, world.admin.id)
        b = make_user(Role.NETWORK_ADMIN)
        db.session.commit()
        b_id = b.id
    with app.app_context():
        actor_b, target_a = db.session.get(User, b_id), db.session.get(User, world.admin.id)
        db.session.execute(
            update(User)
            .where(User.id == b_id)
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(DomainError):
            admin_services.deactivate_user(target_a, actor=actor_b)
        db.session.rollback()
        assert db.session.get(User, world.admin.id).active
    del a


def test_two_network_admins_deactivating_each_other_leave_one(make_app, world):
    with make_app().app_context():
        second = make_user(Role.NETWORK_ADMIN, email="second@example.com")
        db.session.commit()
        admins = [(world.admin.login, second.id), ("second@example.com", world.admin.id)]
    app = make_app()
    barrier = threading.Barrier(2)

    def deactivate(pair):
        who, target = pair
        browser = app.test_client()
        browser.post("/login", data={"login": who, "password": PASSWORD})
        barrier.wait()
        return browser.post(f"/admin/users/{target}/deactivate", data=CONFIRMED).status_code

    for _ in range(3):
        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(deactivate, admins)) == [302, 302]
        with app.app_context():
            active = db.session.scalar(
                select(func.count())
                .select_from(User)
                .where(User.role == Role.NETWORK_ADMIN, User.active.is_(True))
            )
            assert active == 1
            db.session.execute(update(User).values(active=True))
            db.session.commit()


# ---- racing creations become the form's own message (review finding 5) --------------------


def test_a_racing_acceptance_with_the_same_username_gets_the_forms_message(app, world):
    first, _ = pending_invitation(app, world, role=Role.AMBASSADOR, inviter="youth_worker")
    _, token = pending_invitation(app, world, role=Role.AMBASSADOR, inviter="youth_worker")
    with app.app_context():
        invitations.accept(
            db.session.get(Invitation, first), name="A", email=None, username="same", password=NEW
        )
        db.session.commit()
    with app.app_context():
        # The second request's form check ran before the first committed.
        second, status = invitations.find(token)
        with pytest.raises(DomainError, match="brukernavnet er opptatt"):
            invitations.accept(second, name="B", email=None, username="same", password=NEW)
        db.session.rollback()  # as attempt() does
        second, status = invitations.find(token)
        with pytest.raises(DomainError, match="har allerede en konto"):
            invitations.accept(
                second,
                name="B",
                email=world.b["coordinator"].login,
                username="other",
                password=NEW,
            )


def test_a_racing_creation_of_the_same_municipality_gets_the_forms_message(app, world):
    from allin.admin import services as admin_services

    fields = {"country": "NO", "digital_consent_age": 13, "photo_consent_age": 15}
    with app.app_context():  # the other request, committed first
        admin = db.session.get(User, world.admin.id)
        admin_services.save_municipality(actor=admin, municipality=None, name="Bodø", **fields)
        db.session.commit()
    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        with pytest.raises(DomainError, match="finnes allerede"):
            admin_services.save_municipality(actor=admin, municipality=None, name="BODØ", **fields)


def test_two_parallel_creations_of_a_municipality_make_one_and_a_message(make_app, world):
    app = make_app()
    barrier = threading.Barrier(2)
    fields = {
        "country": "NO",
        "digital_consent_age": "13",
        "photo_consent_age": "15",
        "retention_years": "3",
    }

    def create(n: int):
        browser = app.test_client()
        browser.post("/login", data={"login": world.admin.login, "password": PASSWORD})
        barrier.wait()
        response = browser.post("/admin/municipalities/new", data={"name": "Vardø", **fields})
        return response.status_code, "finnes allerede" in response.data.decode()

    for _ in range(3):
        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(create, range(2)))
        assert outcomes == [(200, True), (302, False)], outcomes
        with app.app_context():
            db.session.execute(delete(Municipality).where(Municipality.slug == "vardo"))
            db.session.commit()
