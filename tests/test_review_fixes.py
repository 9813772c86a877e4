"""Races, edge inputs and lifetimes found in review: each was a 500, a leak or a double use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from allin.access import Role
from allin.auth import invitations, services
from allin.clock import now
from allin.errors import DomainError
from allin.extensions import db
from allin.models import Invitation, LoginSession, Municipality, PasswordReset, User
from tests.factories import CONFIRMED, PASSWORD, make_reset

NEW = "et nytt og langt passord"


def make_invitation(app, world, role=Role.YOUTH_WORKER, inviter="coordinator"):
    token, token_hash = services.new_token()
    with app.app_context():
        invitation = Invitation(
            token_hash=token_hash,
            role=role,
            municipality_id=world.municipality_a,
            name="Invitee",
            email=None,
            invited_by_id=world.a[inviter].id,
            expires_at=now() + timedelta(hours=1),
        )
        db.session.add(invitation)
        db.session.commit()
        return invitation.id, token


def test_racing_acceptances_create_one_account(app, world):
    """The second request still holds a 'pending' invitation; the database says no."""
    invitation_id, token = make_invitation(app, world)
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


def test_racing_resets_use_the_link_once(app, world):
    token, token_hash = services.new_token()
    with app.app_context():
        user = db.session.get(User, world.a["youth_worker"].id)
        reset = PasswordReset(
            user=user, token_hash=token_hash, expires_at=now() + timedelta(minutes=30)
        )
        db.session.add(reset)
        db.session.commit()
        stale, status = services.find_reset(token)
        assert status == "valid"
        db.session.execute(
            update(PasswordReset).where(PasswordReset.id == reset.id).values(used_at=now())
        )
        with pytest.raises(DomainError):
            services.use_reset(stale, new=NEW)


def test_pending_invitations_die_with_the_inviters_rights(app, client, world, login):
    _, token = make_invitation(app, world, inviter="youth_worker", role=Role.AMBASSADOR)
    login(world.a["coordinator"])
    client.post(f"/admin/users/{world.a['youth_worker'].id}/deactivate", data=CONFIRMED)
    browser = app.test_client()
    browser.get(f"/invitation/{token}")
    assert browser.get("/invitation").status_code == 410


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/99999999999999999999999",
        "/admin/invitations/99999999999999999999999",
        "/admin/users/0",
    ],
)
def test_out_of_range_ids_are_404(client, world, login, url):
    login(world.admin)
    assert client.get(url).status_code == 404
    assert client.post("/account/sessions/99999999999999999999999/end").status_code == 404


def test_expired_form_on_a_forbidden_or_missing_page_is_not_a_500(make_app, world):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.get("/login")
    import re

    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").data.decode()
    ).group(1)
    client.post(
        "/login", data={"login": world.admin.login, "password": PASSWORD, "csrf_token": token}
    )
    assert client.post("/admin/municipalities/999999/edit", data={}).status_code == 404
    assert client.post("/setup", data={}).status_code == 404
    assert client.post("/login", data={}).status_code == 302  # already signed in


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
        },
    )
    assert response.status_code == 302
    with app.app_context():
        slug = db.session.scalar(select(Municipality.slug).where(Municipality.name == name))
        assert len(slug) <= 80


def test_unknown_accounts_cost_a_password_check_too(client, world, monkeypatch):
    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    client.post("/login", data={"login": "nobody@example.com", "password": "x" * 12})
    assert len(calls) == 1


def test_using_a_reset_link_ends_the_session_signed_in_there(app, client, world, login):
    with app.app_context():
        token = make_reset(db.session.get(User, world.a["ambassador"].id))
        db.session.commit()
    login(world.a["youth_worker"])
    client.get(f"/password/reset/{token}")
    assert client.post("/password/reset", data={"password": NEW, "confirm": NEW}).status_code == 302
    with app.app_context():
        remaining = db.session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == world.a["youth_worker"].id)
        )
        assert remaining == 0


def test_current_password_guesses_are_throttled(client, world, login):
    login(world.a["coordinator"])
    for _ in range(10):
        client.post(
            "/account/password", data={"current": "guess guess 1", "password": NEW, "confirm": NEW}
        )
    response = client.post(
        "/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 429
