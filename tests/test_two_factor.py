"""Two-factor sign-in for staff (SECURITY 3, 9): enrolment, the second step, codes that work
once, recovery codes, the throttle, the requirement setting and a reset by a manager."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from allin import create_app
from allin.auth import two_factor
from allin.clock import now
from allin.extensions import db
from allin.models import AuditEvent, LoginSession, PendingSignIn, RecoveryCode, User
from tests.conftest import Person, make_config
from tests.factories import CONFIRMED, PASSWORD, make_reset


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def code_for(secret: str, seconds: int = 0) -> str:
    """The app's code, `seconds` from now (30 = the next step, inside the allowed window)."""
    return pyotp.TOTP(secret).at(now() + timedelta(seconds=seconds))


def enrol(app, person: Person) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on for `person` through the services; the secret and codes."""
    with app.app_context():
        user = db.session.get(User, person.id)
        two_factor.begin_enrolment(user)
        secret = two_factor.pending_secret(user)
        codes = two_factor.confirm_enrolment(user, code=code_for(secret))
        db.session.commit()
        return secret, codes


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def coordinator(world) -> Person:
    return world.a["coordinator"]


@pytest.fixture
def enrolled(app, coordinator):
    """The coordinator of municipality A with two-factor sign-in on: (secret, codes)."""
    return enrol(app, coordinator)


# ---- enrolment ------------------------------------------------------------------------------


def test_enrolment_asks_the_password_then_a_first_code(app, client, coordinator, login):
    login(coordinator)
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and b'name="setup-current"' in page.data
    wrong = client.post("/account/two-factor/setup", data={"setup-current": "not my password"})
    assert wrong.status_code == 200 and b"setup-current-error" in wrong.data
    assert client.get("/account/two-factor/confirm").headers["Location"] == "/account/two-factor"

    started = client.post("/account/two-factor/setup", data={"setup-current": PASSWORD})
    assert started.headers["Location"] == "/account/two-factor/confirm"
    page = client.get("/account/two-factor/confirm", headers={"Accept-Language": "en"})
    html = page.data.decode()
    assert re.search(r'<svg role="img" aria-label="QR code for your authenticator app"', html)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")

    assert client.post("/account/two-factor/confirm", data={"code": "000000"}).status_code == 200
    done = client.post("/account/two-factor/confirm", data={"code": code_for(secret)})
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", done.data.decode())
    assert done.status_code == 200 and len(set(codes)) == 10
    with app.app_context():
        user = db.session.get(User, coordinator.id)
        assert user.two_factor_enabled
        assert secret not in user.totp_secret  # encrypted at rest
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10 and not {c.replace("-", "") for c in codes} & set(hashes)
    assert "two_factor.enabled" in actions(app)
    # The secret is not shown again once it is confirmed.
    assert client.get("/account/two-factor/confirm").status_code == 302
    assert secret not in client.get("/account/two-factor").data.decode()


def test_ambassadors_are_not_asked(client, world, login):
    login(world.a["ambassador"])
    assert client.get("/account/two-factor").status_code == 403
    assert (
        client.post("/account/two-factor/setup", data={"setup-current": PASSWORD}).status_code
        == 403
    )


# ---- the second step ------------------------------------------------------------------------


def test_password_alone_does_not_sign_in_enrolled_staff(app, client, coordinator, enrolled, login):
    secret, _codes = enrolled
    response = login(coordinator)
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert client.post("/login/code", data={"code": "123456"}).status_code == 200
    assert not signed_in(client)
    right = client.post("/login/code?next=/account", data={"code": code_for(secret, 30)})
    assert right.headers["Location"] == "/account"
    assert signed_in(client)
    events = actions(app)
    assert events.index("login.code_asked") < events.index("login.code_failed")
    assert events[-1] == "login.succeeded"


def test_a_code_works_once(app, client, coordinator, enrolled, login, frozen):
    secret, _codes = enrolled
    code = code_for(secret)  # the step enrolment used
    login(coordinator)
    assert client.post("/login/code", data={"code": code}).status_code == 200
    assert not signed_in(client)
    frozen.advance(seconds=30)
    code = code_for(secret)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    login(coordinator)
    assert client.post("/login/code", data={"code": code}).status_code == 200  # replayed
    frozen.advance(seconds=30)
    assert client.post("/login/code", data={"code": code_for(secret)}).status_code == 302


def test_codes_outside_the_window_are_refused(client, coordinator, enrolled, login):
    secret, _codes = enrolled
    login(coordinator)
    for seconds in (-90, 90):
        assert (
            client.post("/login/code", data={"code": code_for(secret, seconds)}).status_code == 200
        )
    assert not signed_in(client)


def test_two_requests_with_the_same_code_let_one_through(app, coordinator, enrolled):
    """The replay rule is one conditional UPDATE: racing requests cannot both use a step."""
    step = int(now().timestamp()) // 30 + 1
    barrier, results = threading.Barrier(2), []

    def use():
        with app.app_context():
            barrier.wait()
            user = db.session.get(User, coordinator.id)
            results.append(two_factor._accept_step(user, step))
            db.session.commit()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == [False, True]


def test_recovery_code_signs_in_once(app, client, coordinator, enrolled, login):
    _secret, codes = enrolled
    login(coordinator)
    typed = "  " + codes[0].upper().replace("-", " ") + " "
    assert client.post("/login/code", data={"code": typed}).status_code == 302
    assert signed_in(client)
    client.post("/logout")
    login(coordinator)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 200
    assert client.post("/login/code", data={"code": codes[1]}).status_code == 302
    assert actions(app).count("two_factor.recovery_code_used") == 2
    with app.app_context():
        detail = db.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "two_factor.recovery_code_used")
        ).all()
        assert [d["left"] for d in detail] == [9, 8]
        assert codes[1] not in repr(detail)


# Digits other than 0-9 (Arabic-Indic, fullwidth) count as digits for str.isdigit(): a code
# typed in them is told apart at the field, never compared with the app's code (a 500).
OTHER_DIGITS = [
    str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
    str.maketrans("0123456789", "０１２３４５６７８９"),
]


@pytest.mark.parametrize("digits", OTHER_DIGITS, ids=["arabic-indic", "fullwidth"])
def test_a_code_in_other_digits_gets_a_message_at_the_field(
    app, client, coordinator, enrolled, login, digits
):
    secret, _codes = enrolled
    login(coordinator)
    response = client.post("/login/code", data={"code": code_for(secret, 30).translate(digits)})
    assert response.status_code == 200 and b'id="code-error"' in response.data
    assert not signed_in(client)
    assert client.post("/login/code", data={"code": code_for(secret, 30)}).status_code == 302


@pytest.mark.parametrize("digits", OTHER_DIGITS, ids=["arabic-indic", "fullwidth"])
def test_a_first_code_in_other_digits_gets_a_message_at_the_field(
    app, client, coordinator, login, digits
):
    login(coordinator)
    client.post("/account/two-factor/setup", data={"setup-current": PASSWORD})
    with app.app_context():
        secret = two_factor.pending_secret(db.session.get(User, coordinator.id))
    typed = code_for(secret).translate(digits)
    response = client.post("/account/two-factor/confirm", data={"code": typed})
    assert response.status_code == 200 and b'id="code-error"' in response.data
    with app.app_context():
        assert not db.session.get(User, coordinator.id).two_factor_enabled


def test_the_second_step_expires(client, coordinator, enrolled, login, frozen):
    secret, _codes = enrolled
    login(coordinator)
    frozen.advance(minutes=5, seconds=1)
    response = client.post("/login/code", data={"code": code_for(secret)})
    assert response.headers["Location"] == "/login"


def test_five_wrong_codes_end_the_second_step(app, client, coordinator, enrolled, login):
    secret, _codes = enrolled
    login(coordinator)
    for _ in range(5):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 200
    response = client.post("/login/code", data={"code": code_for(secret, 30)})
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_wrong_codes_are_throttled_even_after_a_right_password(
    app, client, coordinator, enrolled, login
):
    """Ten wrong codes lock the code step for the window; signing in with the right password
    again (which clears password failures) does not reset that count."""
    secret, _codes = enrolled
    for _attempt in range(2):
        login(coordinator)
        for _ in range(5):
            client.post("/login/code", data={"code": "000000"})
    login(coordinator)
    locked = client.post("/login/code", data={"code": code_for(secret, 30)})
    assert locked.status_code == 429
    assert not signed_in(client)
    events = actions(app)
    assert "login.locked" in events and "login.throttled" in events


def test_deactivated_account_cannot_finish_the_second_step(
    app, client, coordinator, enrolled, login
):
    secret, _codes = enrolled
    login(coordinator)
    with app.app_context():
        db.session.get(User, coordinator.id).active = False
        db.session.commit()
    assert client.post("/login/code", data={"code": code_for(secret, 30)}).status_code == 302
    assert not signed_in(client)


def test_a_password_reset_keeps_two_factor(app, client, coordinator, enrolled, login):
    new = "et helt nytt passord her"
    with app.app_context():
        token = make_reset(db.session.get(User, coordinator.id))
        db.session.commit()
    client.get(f"/password/reset/{token}")
    assert client.post("/password/reset", data={"password": new, "confirm": new}).status_code == 302
    assert login(coordinator, password=new).headers["Location"] == "/login/code"


# ---- one's own settings ---------------------------------------------------------------------


def test_new_recovery_codes_replace_the_old(app, client, coordinator, enrolled, login):
    secret, old = enrolled
    login(coordinator)
    client.post("/login/code", data={"code": code_for(secret, 30)})
    page = client.post("/account/two-factor/recovery-codes", data={"renew-current": PASSWORD})
    new = re.findall(r"<code>([a-z2-9-]{14})</code>", page.data.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    login(coordinator)
    assert client.post("/login/code", data={"code": old[0]}).status_code == 200
    assert client.post("/login/code", data={"code": new[0]}).status_code == 302


def test_turning_off_needs_the_password(app, client, coordinator, enrolled, login):
    secret, _codes = enrolled
    login(coordinator)
    client.post("/login/code", data={"code": code_for(secret, 30)})
    assert (
        client.post("/account/two-factor/off", data={"off-current": "guess guess"}).status_code
        == 200
    )
    with app.app_context():
        assert db.session.get(User, coordinator.id).two_factor_enabled
    assert client.post("/account/two-factor/off", data={"off-current": PASSWORD}).status_code == 302
    with app.app_context():
        user = db.session.get(User, coordinator.id)
        assert not user.two_factor_enabled and user.totp_secret is None
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert "two_factor.disabled" in actions(app)


def test_the_secret_survives_a_key_rotation_with_fallbacks(make_app, world):
    first = make_app(SECRET_KEY="old key")
    secret, _codes = enrol(first, world.a["coordinator"])
    rotated = make_app(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["old key"])
    client = rotated.test_client()
    client.post("/login", data={"login": world.a["coordinator"].login, "password": PASSWORD})
    assert client.post("/login/code", data={"code": code_for(secret, 30)}).status_code == 302
    lost = make_app(SECRET_KEY="another key").test_client()
    lost.post("/login", data={"login": world.a["coordinator"].login, "password": PASSWORD})
    assert lost.post("/login/code", data={"code": code_for(secret, 30)}).status_code == 200


# ---- the requirement ------------------------------------------------------------------------


@pytest.mark.parametrize("config_overrides", [{"REQUIRE_STAFF_2FA": True}])
def test_required_sends_staff_without_it_to_enrolment(client, world, login):
    login(world.a["youth_worker"])
    for url in ("/", "/admin/users/", f"/admin/users/{world.a['ambassador'].id}"):
        assert client.get(url).headers["Location"] == "/account/two-factor", url
    assert client.post(f"/admin/users/{world.a['ambassador'].id}/reset-link").status_code == 302
    for url in ("/account", "/account/two-factor", "/account/password"):
        assert client.get(url).status_code == 200, url
    assert client.post("/language", data={"lang": "en", "next": "/account"}).status_code == 302
    assert client.post("/logout").headers["Location"] == "/"


@pytest.mark.parametrize("config_overrides", [{"REQUIRE_STAFF_2FA": True}])
def test_required_lets_enrolled_staff_and_ambassadors_through(app, client, world, login):
    login(world.a["ambassador"])
    assert client.get("/").status_code == 200
    client.post("/logout")
    secret, _codes = enrol(app, world.a["coordinator"])
    login(world.a["coordinator"])
    client.post("/login/code", data={"code": code_for(secret, 30)})
    assert client.get("/admin/users/").status_code == 200


def test_not_required_lets_staff_without_it_through(client, world, login):
    login(world.a["youth_worker"])
    assert client.get("/admin/users/").status_code == 200


def test_required_by_default_except_on_the_embedded_database(tmp_path):
    def required(**settings) -> bool:
        config = {"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path), "AUTO_MIGRATE": False}
        return create_app({**config, **settings}).config["REQUIRE_STAFF_2FA"]

    assert required() is False  # the default SQLite file: the demo
    server = {"SQLALCHEMY_DATABASE_URI": "postgresql://allin@db.example/allin"}
    assert required(**server, BASE_URL="https://allin.example.no") is True
    assert required(REQUIRE_STAFF_2FA=True) is True
    assert make_config("sqlite://", tmp_path)["REQUIRE_STAFF_2FA"] is False  # the test suite


# ---- reset by a manager ---------------------------------------------------------------------


def test_coordinator_resets_a_youth_workers_two_factor(app, client, world, login):
    worker = world.a["youth_worker"]
    enrol(app, worker)
    with app.app_context():
        db.session.add(LoginSession(user_id=worker.id, token_hash="x" * 64))
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get(f"/admin/users/{worker.id}").data.decode()
    assert f"/admin/users/{worker.id}/two-factor/reset" in page
    asked = client.post(f"/admin/users/{worker.id}/two-factor/reset")
    assert asked.status_code == 200 and "confirmed" in asked.data.decode()  # a confirm step
    with app.app_context():
        assert db.session.get(User, worker.id).two_factor_enabled  # nothing changed yet
    response = client.post(f"/admin/users/{worker.id}/two-factor/reset", data=CONFIRMED)
    assert response.headers["Location"] == f"/admin/users/{worker.id}"
    with app.app_context():
        user = db.session.get(User, worker.id)
        assert not user.two_factor_enabled
        sessions = select(func.count()).select_from(LoginSession)
        assert db.session.scalar(sessions.where(LoginSession.user_id == worker.id)) == 0
        reset = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "two_factor.reset"))
        assert (reset.actor_id, reset.object_id) == (world.a["coordinator"].id, worker.id)
    assert client.post(f"/admin/users/{worker.id}/two-factor/reset").status_code == 403  # off


@pytest.mark.parametrize(
    ("actor", "target", "status"),
    [
        ("admin", "coordinator", 302),  # the network manages coordinators
        ("youth_worker", "coordinator", 403),  # no such permission
        ("coordinator", "admin", 404),  # outside the coordinator's scope
    ],
)
def test_who_may_reset(app, client, world, login, actor, target, status):
    people = {"admin": world.admin, **world.a}
    enrol(app, people[target])
    login(people[actor])
    url = f"/admin/users/{people[target].id}/two-factor/reset"
    assert client.post(url, data=CONFIRMED).status_code == status


def test_a_coordinator_cannot_reset_another_coordinator_of_another_town(app, client, world, login):
    enrol(app, world.b["coordinator"])
    login(world.a["coordinator"])
    assert (
        client.post(f"/admin/users/{world.b['coordinator'].id}/two-factor/reset").status_code == 404
    )
    with app.app_context():
        assert db.session.get(User, world.b["coordinator"].id).two_factor_enabled


def test_pending_sign_ins_hold_only_a_hash(app, client, coordinator, enrolled, login):
    login(coordinator)
    with client.session_transaction() as cookie:
        token = cookie[two_factor.SESSION_KEY]
    with app.app_context():
        stored = db.session.scalar(select(PendingSignIn.token_hash))
        assert stored != token and len(stored) == 64
