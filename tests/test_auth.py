"""Setup, sign-in, throttling, revocable sessions, timeouts, password policy and headers."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from allin.access import Role
from allin.auth import services
from allin.auth.passwords import password_problem
from allin.clock import now
from allin.errors import DomainError
from allin.extensions import db
from allin.models import (
    AuditEvent,
    Installation,
    LoginFailure,
    LoginSession,
    Municipality,
    PasswordReset,
    User,
)
from tests.conftest import without_form_tokens
from tests.factories import CONFIRMED, PASSWORD, count, make_reset, make_user

NEW_PASSWORD = "a brand new sentence 42"


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# ---- first run ------------------------------------------------------------------------------

SETUP = {
    "name": "Åse Fjeldstad",
    "email": "ase@example.no",
    "password": "lange dager i Larvik",
    "confirm": "lange dager i Larvik",
    "municipality_name": "Larvik",
    "country": "NO",
}


def test_every_page_leads_to_setup_while_no_account_exists(client):
    for url in ("/", "/login", "/admin/users/", "/nope"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/setup", url
    assert client.get("/healthz").status_code == 200
    assert client.get("/setup").status_code == 200


def test_setup_creates_the_admin_and_municipality_then_disappears(app, client):
    response = client.post("/setup", data=SETUP)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    with app.app_context():
        admin = db.session.scalar(select(User))
        assert (admin.role, admin.municipality_id, admin.email) == (
            Role.NETWORK_ADMIN,
            None,
            "ase@example.no",
        )
        assert db.session.scalar(select(Municipality.slug)) == "larvik"
        assert count(Installation) == 1
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data=SETUP).status_code == 404
    assert client.post("/setup/demo").status_code == 404
    assert (
        client.post(
            "/login", data={"login": "ase@example.no", "password": SETUP["password"]}
        ).status_code
        == 302
    )


def test_setup_race_only_one_wins(app, client, monkeypatch):
    """Two first submissions that both passed the 'no account yet' check: one wins, one 404s."""
    assert client.post("/setup", data=SETUP).status_code == 302
    monkeypatch.setattr("allin.auth.selectors.needs_setup", lambda: True)
    second = client.post(
        "/setup", data={**SETUP, "email": "other@example.no", "municipality_name": "Bergen"}
    )
    assert second.status_code == 404
    with app.app_context():
        assert count(User) == 1 and count(Municipality) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "short", "confirm": "short"}, "at least 12"),
        ({"confirm": "something else entirely"}, "not the same"),
        ({"email": "not-an-address"}, "e-mail address like"),
        ({"municipality_name": ""}, "municipality's name"),
    ],
)
def test_setup_errors_keep_what_was_typed_and_write_nothing(app, client, change, message):
    response = client.post("/setup", data={**SETUP, **change}, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.data.decode()
    assert message in body
    assert 'value="Åse Fjeldstad"' in body
    assert 'aria-invalid="true"' in body
    with app.app_context():
        assert count(User) == count(Municipality) == count(Installation) == 0


def test_setup_can_load_the_demo_network_once(app, client):
    response = client.post("/setup/demo")
    assert response.status_code == 200
    body = response.data.decode()
    password = re.search(r"<code[^>]*>(demo-[^<]+)</code>", body).group(1)
    assert "Larvik" in body and "Kristiansand" in body
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == Role.NETWORK_ADMIN))
        assert admin.check_password(password)
    assert client.post("/setup/demo").status_code == 404


# ---- signing in -----------------------------------------------------------------------------


def test_unknown_login_and_wrong_password_look_the_same(client, world):
    unknown = client.post("/login", data={"login": "nobody@example.com", "password": "x" * 12})
    wrong = client.post(
        "/login", data={"login": world.a["coordinator"].login, "password": "x" * 12}
    )
    assert unknown.status_code == wrong.status_code == 200

    # The typed login is echoed back and the form tokens differ: neither says whether the
    # login exists.
    def strip(response):
        return without_form_tokens(re.sub(r'value="[^"]*@example.com"', "", response.data.decode()))

    assert strip(unknown) == strip(wrong)
    assert "feil" in strip(unknown)


def test_deactivated_account_cannot_sign_in(app, client, world):
    with app.app_context():
        db.session.get(User, world.a["coordinator"].id).active = False
        db.session.commit()
    response = client.post(
        "/login", data={"login": world.a["coordinator"].login, "password": PASSWORD}
    )
    assert response.status_code == 200 and b"error-summary" in response.data


def test_ambassador_signs_in_with_username_any_case(client, world, login):
    response = login(world.a["ambassador"].login.upper())
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account", "/account"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_goes_to_local_paths(client, world, target, expected):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"login": world.a["coordinator"].login, "password": PASSWORD},
    )
    assert response.headers["Location"] == expected


def test_logout_is_a_post(client, world, login):
    login(world.a["coordinator"])
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/account").status_code == 302


# ---- revocable sessions (SECURITY 5, 6) -----------------------------------------------------


def cookie(client) -> str:
    return client.get_cookie("allin_session").value


def replay(app, value: str):
    """A fresh browser presenting a copied session cookie."""
    other = app.test_client()
    other.set_cookie("allin_session", value)
    return other.get("/account")


def test_login_issues_a_new_cookie_and_the_old_one_stays_anonymous(app, client, world, login):
    client.get("/login")
    client.post("/language", data={"lang": "en"})
    before = cookie(client)
    login(world.a["coordinator"])
    after = cookie(client)
    assert before != after
    assert replay(app, before).status_code == 302
    assert replay(app, after).status_code == 200


def test_copied_cookie_stops_working_after_logout(app, client, world, login):
    login(world.a["coordinator"])
    stolen = cookie(client)
    assert replay(app, stolen).status_code == 200
    client.post("/logout")
    assert replay(app, stolen).status_code == 302


def test_password_change_ends_other_sessions_only(app, client, world, login):
    other = app.test_client()
    other.post("/login", data={"login": world.a["coordinator"].login, "password": PASSWORD})
    login(world.a["coordinator"])
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert "password.changed" in actions(app)


def test_wrong_current_password_changes_nothing(app, client, world, login):
    login(world.a["coordinator"])
    response = client.post(
        "/account/password",
        data={"current": "not it at all!", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert b"not your current password" in response.data
    with app.app_context():
        assert db.session.get(User, world.a["coordinator"].id).check_password(PASSWORD)


def test_deactivation_ends_every_session(app, client, world, login):
    victim = app.test_client()
    victim.post("/login", data={"login": world.a["youth_worker"].login, "password": PASSWORD})
    stolen = cookie(victim)
    login(world.a["coordinator"])
    assert (
        client.post(
            f"/admin/users/{world.a['youth_worker'].id}/deactivate", data=CONFIRMED
        ).status_code
        == 302
    )
    assert replay(app, stolen).status_code == 302
    with app.app_context():
        assert count(LoginSession) == 1  # only the coordinator's own
    assert {"user.deactivated", "sessions.ended"} <= set(actions(app))


def test_admin_can_end_someones_sessions(app, client, world, login):
    victim = app.test_client()
    victim.post("/login", data={"login": world.a["ambassador"].login, "password": PASSWORD})
    login(world.a["youth_worker"])
    client.post(f"/admin/users/{world.a['ambassador'].id}/end-sessions", data=CONFIRMED)
    assert victim.get("/account").status_code == 302


ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537"


def test_user_sees_and_ends_own_sessions(app, client, world, login):
    phone = app.test_client()
    phone.post(
        "/login",
        data={"login": world.a["coordinator"].login, "password": PASSWORD},
        headers={"User-Agent": ANDROID},
    )
    login(world.a["coordinator"])
    page = client.get("/account", headers={"Accept-Language": "en"}).data.decode()
    assert "Chrome on Android" in page
    with app.app_context():
        phone_session = db.session.scalar(
            select(LoginSession.id).where(LoginSession.user_agent == ANDROID)
        )
    assert client.post(f"/account/sessions/{phone_session}/end").status_code == 302
    assert phone.get("/account").status_code == 302
    assert client.get("/account").status_code == 200


# ---- timeouts (SECURITY 7) ------------------------------------------------------------------


def test_idle_timeout_for_staff(client, world, login, frozen):
    login(world.a["coordinator"])
    frozen.advance(minutes=29)
    assert client.get("/account").status_code == 200
    frozen.advance(minutes=29)  # active 29 minutes ago: still fine
    assert client.get("/account").status_code == 200
    frozen.advance(minutes=31)
    assert client.get("/account").status_code == 302


def test_ambassadors_have_a_longer_idle_time(client, world, login, frozen):
    login(world.a["ambassador"])
    frozen.advance(minutes=90)
    assert client.get("/account").status_code == 200


def test_absolute_timeout(client, world, login, frozen):
    login(world.a["coordinator"])
    for _ in range(28):  # active every 25 minutes: 11 h 40 min
        frozen.advance(minutes=25)
        assert client.get("/account").status_code == 200
    frozen.advance(minutes=19)  # 11 h 59 min
    assert client.get("/account").status_code == 200
    frozen.advance(minutes=2)  # 12 h 1 min
    assert client.get("/account").status_code == 302


# ---- throttling (SECURITY 2) ----------------------------------------------------------------


def test_throttle_holds_across_two_app_instances(make_app, world, frozen):
    first, second = make_app().test_client(), make_app().test_client()
    data = {"login": world.a["coordinator"].login, "password": "wrong password!"}
    for attempt in range(10):
        response = (first if attempt % 2 else second).post("/login", data=data)
        assert response.status_code == 200
    locked = first.post(
        "/login", data={**data, "password": PASSWORD}, headers={"Accept-Language": "en"}
    )
    assert locked.status_code == 429
    assert b"Try again in 15 minutes" in locked.data
    assert second.post("/login", data={**data, "password": PASSWORD}).status_code == 429
    frozen.advance(minutes=15, seconds=1)
    assert second.post("/login", data={**data, "password": PASSWORD}).status_code == 302


def test_throttle_answers_the_same_for_unknown_accounts(client, world):
    for _ in range(10):
        client.post("/login", data={"login": "ghost@example.com", "password": "x" * 12})
    assert (
        client.post("/login", data={"login": "ghost@example.com", "password": "x" * 12}).status_code
        == 429
    )


def test_throttle_per_address(make_app, world):
    client = make_app(LOGIN_MAX_FAILURES_PER_ADDRESS=5).test_client()
    for n in range(5):
        client.post("/login", data={"login": f"guess{n}@example.com", "password": "x" * 12})
    response = client.post(
        "/login", data={"login": world.a["coordinator"].login, "password": PASSWORD}
    )
    assert response.status_code == 429


def test_email_and_username_share_one_count(app, client, world):
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        make_user(Role.AMBASSADOR, municipality, username="tuva.l", email="tuva@example.com")
        db.session.commit()
    for n in range(10):
        login = "tuva.l" if n % 2 else "TUVA@example.com"
        assert client.post("/login", data={"login": login, "password": "x" * 12}).status_code == 200
    for login in ("tuva.l", "tuva@example.com"):
        response = client.post("/login", data={"login": login, "password": PASSWORD})
        assert response.status_code == 429


def at(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(client, world):
    data = {"login": world.a["coordinator"].login, "password": "not the password"}
    for _ in range(25):
        client.post("/login", data=data, **at("198.51.100.7"))
    right = {**data, "password": PASSWORD}
    assert client.post("/login", data=right, **at("198.51.100.7")).status_code == 429
    assert client.post("/login", data=right, **at("203.0.113.9")).status_code == 302


def test_many_addresses_meet_a_higher_ceiling_per_account(make_app, world):
    client = make_app(LOGIN_MAX_FAILURES_PER_ACCOUNT=25).test_client()
    data = {"login": world.a["coordinator"].login, "password": "not the password"}
    codes = [
        client.post("/login", data=data, **at(f"198.51.100.{n}")).status_code
        for n in range(3)
        for _ in range(10)
    ]
    assert codes.count(200) == 25 and codes.count(429) == 5
    right = {**data, "password": PASSWORD}
    assert client.post("/login", data=right, **at("203.0.113.9")).status_code == 429


def test_a_school_behind_one_address_is_not_locked_out(client, world):
    """Sixty mistakes by classmates behind one NAT address; the next person still signs in."""
    for n in range(60):
        client.post(
            "/login",
            data={"login": f"elev{n % 12}@example.com", "password": "x" * 12},
            **at("192.0.2.10"),
        )
    response = client.post(
        "/login",
        data={"login": world.a["ambassador"].login, "password": PASSWORD},
        **at("192.0.2.10"),
    )
    assert response.status_code == 302


def test_parallel_wrong_passwords_get_no_more_guesses_than_the_limit(make_app, world):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 30, "max_overflow": 0})
    threads = 30
    barrier = threading.Barrier(threads)

    def guess(n: int) -> int:
        browser = app.test_client()
        barrier.wait()
        data = {"login": world.a["coordinator"].login, "password": f"wrong guess {n:03}"}
        return browser.post("/login", data=data).status_code

    with ThreadPoolExecutor(threads) as pool:
        codes = list(pool.map(guess, range(threads)))
    with app.app_context():
        checked = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login.failed")
        )
    assert sorted(set(codes)) == [200, 429]
    assert checked == codes.count(200) <= 10, codes


def test_parallel_right_passwords_all_get_in(make_app, world):
    """Each success clears the pair's rows, the others' reservations included: no deadlock."""
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 0})
    barrier = threading.Barrier(8)

    def sign_in(_n: int) -> int:
        browser = app.test_client()
        barrier.wait()
        data = {"login": world.a["coordinator"].login, "password": PASSWORD}
        return browser.post("/login", data=data).status_code

    for _ in range(3):
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(sign_in, range(8))) == [302] * 8


def test_lockout_is_audited_once_without_secrets(app, client, world):
    for _ in range(10):
        client.post(
            "/login", data={"login": world.a["coordinator"].login, "password": "hunter2 hunter2"}
        )
    with app.app_context():
        failures = count(LoginFailure)
    for _ in range(30):
        response = client.post(
            "/login", data={"login": world.a["coordinator"].login, "password": PASSWORD}
        )
        assert response.status_code == 429
    events = actions(app)
    assert events.count("login.failed") == 10
    assert events.count("login.locked") == 1, "one audit row per lock-out, not per request"
    assert len(events) == 11
    with app.app_context():
        assert count(LoginFailure) == failures, "refused attempts leave no rows behind"
    with app.app_context():
        details = repr(db.session.scalars(select(AuditEvent.detail)).all())
        assert "hunter2" not in details and "@example.com" not in details


# ---- password policy (SECURITY 1) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("a" * 5 + "bcdef", False),  # 10
        ("kort passor", False),  # 11
        ("kort passord", True),  # 12
        ("æøå med mellomrom", True),
        ("🙂 smilefjes og æ", True),
        ("x" * 30 + "y" * 34, False),  # 64, but too few different characters
        ("".join(chr(0x41 + i % 26) for i in range(64)), True),
        ("".join(chr(0x61 + i % 26) for i in range(128)), True),
        ("".join(chr(0x61 + i % 26) for i in range(129)), False),
        ("passord123", False),
        ("passordpassord", False),
        ("Password1234", False),
        ("qwertyuiopasdfghjkl", False),
        ("dragon123456!", False),
        ("monkey monkey monkey", False),
        ("sommerferie i Bodø", True),
    ],
)
def test_password_policy(password, ok):
    assert (password_problem(password) is None) is ok


def test_password_must_not_contain_the_name(ctx):
    assert password_problem("kari nordmann 2026", personal=("Kari Nordmann",)) is not None


def test_login_uses_the_password_exactly_as_typed(app, client, world):
    with app.app_context():
        user = db.session.get(User, world.a["coordinator"].id)
        user.set_password("  mellomrom rundt  ")
        db.session.commit()
    login = world.a["coordinator"].login
    assert (
        client.post("/login", data={"login": login, "password": "mellomrom rundt"}).status_code
        == 200
    )
    assert (
        client.post("/login", data={"login": login, "password": "  mellomrom rundt  "}).status_code
        == 302
    )


# ---- CSRF and headers (SECURITY 17, 18) -----------------------------------------------------


def test_expired_form_comes_back_with_what_was_typed(make_app, world):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    client.get("/login")
    response = client.post(
        "/login",
        data={"login": "kari@example.com", "password": "x", "csrf_token": "stale"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    body = response.data.decode()
    assert 'value="kari@example.com"' in body
    assert "open for a long time" in body
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    retry = client.post(
        "/login",
        data={"login": world.a["coordinator"].login, "password": PASSWORD, "csrf_token": token},
    )
    assert retry.status_code == 302


def test_post_without_token_is_refused(make_app, world):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert client.post("/logout").status_code == 400
    assert client.post("/login", data={"login": "a", "password": "b"}).status_code == 400


def test_security_headers(make_app, world, client, login):
    for response in (client.get("/"), client.get("/login"), client.get("/nope")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"

    login(world.a["coordinator"])
    assert client.get("/account").headers["Cache-Control"] == "no-store"
    https = make_app(HTTPS=True).test_client()
    assert "max-age=31536000" in https.get("/").headers["Strict-Transport-Security"]


def test_session_cookie_flags(make_app, world):
    client = make_app(HTTPS=True).test_client()
    response = client.post(
        "/login", data={"login": world.a["coordinator"].login, "password": PASSWORD}
    )
    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-allin_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in header
    assert "Domain" not in header


# ---- races, timing and lifetimes of resets ---------------------------------------------------

NEW = "et nytt og langt passord"


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
