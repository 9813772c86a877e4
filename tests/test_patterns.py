"""Phone-first patterns on the server side: the confirm step, signing in after accepting or
resetting, the QR, the error summary and title, British dates for English, country names."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
import segno
from PIL import Image
from sqlalchemy import func, select

from allin import i18n
from allin.clock import now
from allin.enums import Role
from allin.extensions import db
from allin.handover import qr_svg
from allin.models import Invitation, LoginSession, User
from tests.conftest import without_form_tokens
from tests.factories import CONFIRMED, PASSWORD, make_invitation, make_reset

NEW = "et helt nytt passord"


def sessions_of(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)
        )


# ---- dangerous actions: nothing changes until confirmed ------------------------------------


def test_revoke_needs_confirmation(app, client, world, login):
    with app.app_context():
        invitation, _ = make_invitation(db.session.get(User, world.a["coordinator"].id))
        db.session.commit()
        invitation_id = invitation.id
    login(world.a["coordinator"])
    url = f"/admin/invitations/{invitation_id}/revoke"
    page = client.post(url)
    assert page.status_code == 200
    body = page.data.decode()
    assert "<title>Trekke tilbake invitasjonen" in body
    assert "Lenken slutter å virke med en gang" in body  # names the consequence
    assert f'action="{url}"' in body and 'name="confirmed" value="yes"' in body
    assert f'href="/admin/invitations/{invitation_id}"' in body  # the way back
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).revoked_at is None
    assert client.post(url, data={"confirmed": "no"}).status_code == 200
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).revoked_at is None
    assert client.post(url, data=CONFIRMED).status_code == 302
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).revoked_at is not None


def test_deactivate_needs_confirmation(app, client, world, login):
    worker = world.a["youth_worker"]
    app.test_client().post("/login", data={"login": worker.login, "password": PASSWORD})
    login(world.a["coordinator"])
    url = f"/admin/users/{worker.id}/deactivate"
    page = client.post(url)
    assert page.status_code == 200 and "kan ikke lenger logge inn" in page.data.decode()
    with app.app_context():
        assert db.session.get(User, worker.id).active
    assert sessions_of(app, worker.id) == 1
    assert client.post(url, data=CONFIRMED).status_code == 302
    with app.app_context():
        assert not db.session.get(User, worker.id).active
    assert sessions_of(app, worker.id) == 0


def test_ending_someones_sessions_needs_confirmation(app, client, world, login):
    ambassador = world.a["ambassador"]
    app.test_client().post("/login", data={"login": ambassador.login, "password": PASSWORD})
    login(world.a["youth_worker"])
    url = f"/admin/users/{ambassador.id}/end-sessions"
    assert client.post(url).status_code == 200
    assert sessions_of(app, ambassador.id) == 1
    response = client.post(url, data=CONFIRMED, follow_redirects=True)
    assert sessions_of(app, ambassador.id) == 0
    assert "er logget ut 1 sted" in response.data.decode()


def test_ending_ones_other_sessions_needs_confirmation(app, client, world, login):
    me = world.a["coordinator"]
    app.test_client().post("/login", data={"login": me.login, "password": PASSWORD})
    login(me)
    assert sessions_of(app, me.id) == 2
    page = client.post("/account/sessions/end-others")
    assert page.status_code == 200 and "Her forblir du logget inn" in page.data.decode()
    assert sessions_of(app, me.id) == 2
    client.post("/account/sessions/end-others", data=CONFIRMED)
    assert sessions_of(app, me.id) == 1
    assert client.get("/account").status_code == 200  # this one stays


def test_confirm_page_keeps_the_csrf_token(make_app, world):
    """The confirm page is a real form: with CSRF on, its button carries a token."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    body = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    me = world.a["coordinator"]
    client.post("/login", data={"login": me.login, "password": PASSWORD, "csrf_token": token})
    account = client.get("/account").data.decode()  # signing in starts a new cookie session
    token = re.search(r'name="csrf_token" value="([^"]+)"', account).group(1)
    page = client.post("/account/sessions/end-others", data={"csrf_token": token})
    assert page.status_code == 200
    assert re.search(r'name="csrf_token" value="[^"]+"', page.data.decode())


# ---- signing in after accepting an invitation or a reset -----------------------------------


def test_accepting_signs_the_young_person_in(app, world):
    with app.app_context():
        _, token = make_invitation(
            db.session.get(User, world.a["youth_worker"].id), role=Role.AMBASSADOR, name="Tuva"
        )
        db.session.commit()
    phone = app.test_client()
    phone.get(f"/invitation/{token}")
    response = phone.post(
        "/invitation", data={"name": "Tuva", "username": "tuva", "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    start = phone.get("/").data.decode()
    assert "Hei, Tuva" in start and "Kontoen din er klar, og du er logget inn." in start
    with phone.session_transaction() as cookie:
        assert "invitation_token" not in cookie


def test_reset_signs_in_here_and_ends_every_other_session(app, world):
    ambassador = world.a["ambassador"]
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"login": ambassador.login, "password": PASSWORD})
    with app.app_context():
        token = make_reset(db.session.get(User, ambassador.id))
        db.session.commit()
    phone = app.test_client()
    phone.get(f"/password/reset/{token}")
    response = phone.post("/password/reset", data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert phone.get("/account").status_code == 200  # the new session
    assert elsewhere.get("/account").status_code == 302  # the old one ended
    assert sessions_of(app, ambassador.id) == 1
    with phone.session_transaction() as cookie:
        assert "reset_token" not in cookie


# ---- the QR code ------------------------------------------------------------------------------


def test_qr_svg_is_segno_output_named_for_screen_readers():
    import zxingcpp

    link = "https://allin.example.no/invitation/" + "Ab3_-" * 9
    markup = str(qr_svg(link, 'QR <for> "Tuva"'))
    assert markup.startswith('<div class="handover__qr" role="img" aria-label="QR &lt;for&gt;')
    assert "<svg" in markup and "style=" not in markup and "<script" not in markup
    assert link not in markup  # only path data: nothing from the link reaches the HTML as text
    png = io.BytesIO()
    segno.make(link, error="m").save(png, kind="png", scale=6, border=4)
    png.seek(0)
    assert zxingcpp.read_barcodes(Image.open(png))[0].text == link


def test_invitation_page_hands_the_link_over(app, client, world, login):
    login(world.a["coordinator"])
    response = client.post(
        "/admin/invitations/new",
        data={"role": "youth_worker", "name": "Sindre", "email": "sindre@example.com"},
        follow_redirects=True,
    )
    body = response.data.decode()
    link = re.search(r'<code id="invitation-link">(http://localhost/invitation/[^<]+)</code>', body)
    assert link, "the whole link is on the page"
    assert 'role="img" aria-label="QR-kode med lenken til Sindre"' in body
    assert 'data-copy="invitation-link"' in body and 'data-share="invitation-link"' in body


# ---- the error summary and the title --------------------------------------------------------


def test_a_form_with_errors_says_so_first(client, world):
    body = client.post("/login", data={"login": "", "password": ""}).data.decode()
    assert re.search(r"<title>Feil: Logg inn · ALL'IN</title>", body)
    summary = body[body.index('class="error-summary"') :]
    assert 'tabindex="-1"' in body[body.index('<div class="error-summary"') :][:200]
    assert '<a href="#login">' in summary and '<a href="#password">' in summary
    assert body.index("error-summary") < body.index('id="login"')  # at the top of the form
    assert "<title>Logg inn · ALL'IN</title>" in client.get("/login").data.decode()


def test_setup_has_the_summary_too(client):
    body = client.post("/setup", data={"name": "Åse"}).data.decode()
    assert "<title>Feil: Sett opp ALL'IN" in body
    assert '<a href="#email">' in body and '<a href="#municipality_name">' in body


def test_english_error_title(client, world):
    body = client.post(
        "/login", data={"login": "", "password": ""}, headers={"Accept-Language": "en"}
    ).data.decode()
    assert "<title>Error: Sign in · ALL'IN</title>" in body


# ---- words and formats ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected_short", "expected_medium"),
    [
        ("en", "25/11/2026, 14:45", "25 Nov 2026, 14:45:00"),
        ("nb", "25.11.2026, 14:45", "25. nov. 2026, 14:45:00"),
    ],
)
def test_dates_day_first_and_24_hour(app, language, expected_short, expected_medium):
    moment = datetime(2026, 11, 25, 13, 45, tzinfo=UTC)  # 14:45 in Oslo
    with app.test_request_context(headers={"Accept-Language": language}):
        assert i18n.format_datetime(moment, "short") == expected_short
        assert i18n.format_datetime(moment) == expected_medium
        assert "PM" not in i18n.format_datetime(moment, "long")


def test_english_pages_use_british_dates(app, client, world, login):
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    body = client.get("/account").data.decode()
    assert re.search(r"Signed in \d\d/\d\d/\d{4}, \d\d:\d\d, last active", body)
    text = without_form_tokens(body)  # a token may spell "PM" (this failed once)
    assert not re.search(r"\d{1,2}/\d{1,2}/\d\d,|\b[AP]M\b", text)


def test_municipalities_show_country_names(client, world, login):
    login(world.admin)
    body = client.get("/admin/municipalities/").data.decode()
    assert "Norge" in body and ">NO<" not in body


def test_the_waiting_count_matches_waiting_invitations(app, client, world, login, frozen):
    with app.app_context():
        coordinator = db.session.get(User, world.a["coordinator"].id)
        make_invitation(coordinator)
        make_invitation(coordinator)
        revoked, _ = make_invitation(coordinator)
        revoked.revoked_at = now()
        make_invitation(coordinator, hours=1)
        db.session.commit()
    frozen.advance(hours=2)  # the one-hour invitation has expired
    login(world.a["coordinator"])
    body = client.get("/admin/users/").data.decode()
    assert "2 invitasjoner venter på svar" in body


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_product_is_called_allin_in_capitals(client, world, language):
    response = client.get("/", headers={"Accept-Language": language})
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", " ", response.data.decode())
    assert "ALL'IN" in text
    assert not re.search(r"\ballin\b", text), "the UI says ALL'IN"
    assert "KomINN" not in text.replace("(KomINN", ""), "KomINN only in the footer's line"


def test_front_page_promises_only_what_exists(client, world):
    response = client.get("/")
    assert response.status_code == 200
    body = response.data.decode()
    offer = body[body.index('id="what-heading"') : body.index('class="phases"')].lower()
    assert "invit" in offer and "samtykke" in offer and "/guide/start" in offer
    for later in ("økt", "konsept", "oppmøte"):  # sessions, concepts, attendance: not yet
        assert later not in offer, later


def test_sign_in_does_not_greet_twice(client, world, login):
    response = login(world.a["coordinator"], follow=True)
    body = response.data.decode()
    assert "Velkommen" not in body and "Hei, " in body
