"""QR check-in: the code's window on a frozen clock, each refusal (nothing written), the rule
that a mark already there is never overwritten, staff correcting afterwards, the polled state
and the rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from sqlalchemy import func, select

from allin.checkin import codes
from allin.enums import AttendanceValue
from allin.extensions import db
from allin.models import Attendance, AuditEvent, Cohort, Municipality
from tests.factories import make_ambassador, make_cohort, make_enrolment
from tests.test_fuzz import FUZZ, hostile
from tests.test_fuzz_cohorts import signed_in
from tests.training_factories import make_attendance, make_session

# 18:00 in Oslo on Monday 7 December 2026 is 17:00 UTC; the clock stands at 17:30 UTC.
NOON = datetime(2026, 12, 7, 17, 30, tzinfo=UTC)


@pytest.fixture
def room(app, world, frozen):
    """A session today with the signed-in ambassador and another member; a second session
    today of another cohort; a session yesterday of the same cohort."""
    frozen.current = NOON
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, status="active")
        me = make_ambassador(municipality, user_id=world.a["ambassador"].id)
        mine = make_enrolment(cohort, me)
        other = make_enrolment(cohort, make_ambassador(municipality))
        session = make_session(cohort, starts_at=datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
        yesterday = make_session(cohort, starts_at=datetime(2026, 12, 6, 17, 0, tzinfo=UTC))
        elsewhere = make_cohort(municipality, status="active")
        make_enrolment(elsewhere, make_ambassador(municipality))
        foreign = make_session(elsewhere, starts_at=datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
        db.session.commit()
        return {
            "session": session.id,
            "yesterday": yesterday.id,
            "foreign": foreign.id,
            "cohort": cohort.id,
            "mine": mine.id,
            "other": other.id,
        }


def code(session_id: int, moment: datetime) -> str:
    return codes.current(session_id, moment)


def rows(app):
    with app.app_context():
        return db.session.execute(
            select(Attendance.enrolment_id, Attendance.value, Attendance.recorded_by_id)
        ).all()


def scan(client, session_id, typed):
    return client.get(f"/check-in/{session_id}?c={typed}")


# ---- the code's window ----------------------------------------------------------------------


def test_the_code_window_on_a_frozen_clock(app, room):
    with app.test_request_context():
        now = NOON
        current = code(room["session"], now)
        assert len(current) == 6 and current.isdigit()
        assert codes.matches(room["session"], current, now)
        assert codes.matches(room["session"], f"{current[:3]} {current[3:]}", now)
        previous = code(room["session"], now - timedelta(seconds=30))
        assert codes.matches(room["session"], previous, now)
        two_old = code(room["session"], now - timedelta(seconds=60))
        assert two_old not in (current, previous)
        assert not codes.matches(room["session"], two_old, now)
        # The next step's code is not accepted early either.
        assert not codes.matches(room["session"], code(room["session"], now + timedelta(30)), now)
        # Another session has another code.
        assert code(room["foreign"], now) != current
        assert not codes.matches(room["session"], code(room["foreign"], now), now)
        assert not codes.matches(room["session"], "", now)
        assert not codes.matches(room["session"], "١٢٣٤٥٦", now)  # Arabic-Indic digits


def test_the_code_changes_every_30_seconds_and_depends_on_the_secret(app, room):
    with app.test_request_context():
        start = datetime(2026, 12, 7, 17, 30, 0, tzinfo=UTC)
        assert code(room["session"], start) == code(room["session"], start + timedelta(seconds=29))
        assert code(room["session"], start) != code(room["session"], start + timedelta(seconds=30))
        assert codes.seconds_left(start) == 30
        assert codes.seconds_left(start + timedelta(seconds=29)) == 1
        before = code(room["session"], start)
        app.config["SECRET_KEY"] = "another secret key for this test only"
        assert code(room["session"], start) != before


# ---- checking in ----------------------------------------------------------------------------


def test_opening_the_current_link_checks_in_once(app, client, world, login, room, frozen):
    login(world.a["ambassador"])
    with app.test_request_context():
        current = code(room["session"], NOON)
    response = scan(client, room["session"], current)
    assert response.status_code == 200
    assert "sjekket inn" in response.data.decode()
    assert rows(app) == [(room["mine"], AttendanceValue.PRESENT, world.a["ambassador"].id)]
    # A replay by the same person (a second scan, a reload) is harmless.
    again = scan(client, room["session"], current)
    assert again.status_code == 200
    assert rows(app) == [(room["mine"], AttendanceValue.PRESENT, world.a["ambassador"].id)]


def test_the_previous_step_is_accepted_and_two_steps_old_refused(
    app, client, world, login, room, frozen
):
    login(world.a["ambassador"])
    with app.test_request_context():
        shown = code(room["session"], NOON)
    frozen.advance(seconds=60)
    late = scan(client, room["session"], shown)
    assert late.status_code == 422
    assert "30. sekund" in late.data.decode()
    assert rows(app) == []
    frozen.current = NOON + timedelta(seconds=30 - NOON.second % 30)  # the very next step
    assert scan(client, room["session"], shown).status_code == 200
    assert len(rows(app)) == 1


@pytest.mark.parametrize(
    ("which", "code_of", "status", "message"),
    [
        ("session", "foreign", 422, "ikke koden til denne økta"),
        ("yesterday", "yesterday", 422, "bare åpen på dagen"),
        ("foreign", "foreign", 404, "ikke et aktivt medlem"),
    ],
)
def test_refusals_write_nothing(app, client, world, login, room, which, code_of, status, message):
    login(world.a["ambassador"])
    with app.test_request_context():
        typed = code(room[code_of], NOON)
    response = scan(client, room[which], typed)
    assert response.status_code == status
    assert message in response.data.decode()
    assert rows(app) == []


def test_a_withdrawn_member_is_refused(app, client, world, login, room):
    from allin.models import Enrolment

    with app.app_context():
        enrolment = db.session.get(Enrolment, room["mine"])
        enrolment.status = "withdrawn"
        enrolment.withdrawn_at = NOON
        db.session.commit()
        typed = code(room["session"], NOON)
    login(world.a["ambassador"])
    response = scan(client, room["session"], typed)
    assert response.status_code == 404
    assert "ikke et aktivt medlem" in response.data.decode()
    assert rows(app) == []


def test_an_invited_member_is_refused(app, client, world, login, room):
    from allin.models import Enrolment

    with app.app_context():
        db.session.get(Enrolment, room["mine"]).status = "invited"
        db.session.commit()
        typed = code(room["session"], NOON)
    login(world.a["ambassador"])
    response = scan(client, room["session"], typed)
    assert response.status_code == 422
    assert "ikke et aktivt medlem" in response.data.decode()
    assert rows(app) == []


@pytest.mark.parametrize("who", ["youth_worker", "coordinator"])
def test_staff_are_refused_and_told_why(app, client, world, login, room, who):
    login(world.a[who])
    with app.test_request_context():
        typed = code(room["session"], NOON)
    response = scan(client, room["session"], typed)
    assert response.status_code == 403
    assert "innlogget som ansatt" in response.data.decode()
    typed_page = client.post("/check-in", data={"code": typed})
    assert typed_page.status_code == 403
    assert rows(app) == []


def test_a_cancelled_session_is_refused(app, client, world, login, room):
    from allin.models import TrainingSession

    with app.app_context():
        db.session.get(TrainingSession, room["session"]).cancelled_at = NOON
        db.session.commit()
        typed = code(room["session"], NOON)
    login(world.a["ambassador"])
    response = scan(client, room["session"], typed)
    assert response.status_code == 422 and "avlyst" in response.data.decode()
    assert rows(app) == []


def test_the_check_in_closes_with_the_day(app, client, world, login, room, frozen):
    with app.test_request_context():
        typed = code(room["session"], datetime(2026, 12, 7, 22, 59, 50, tzinfo=UTC))
    frozen.current = datetime(2026, 12, 7, 23, 0, 5, tzinfo=UTC)  # 00:00:05 on 8 Dec in Oslo
    login(world.a["ambassador"])
    response = scan(client, room["session"], typed)
    assert response.status_code == 422 and "bare åpen på dagen" in response.data.decode()
    assert rows(app) == []


def test_a_mark_by_staff_is_never_overwritten(app, client, world, login, room):
    with app.app_context():
        from allin.models import Enrolment, TrainingSession

        session = db.session.get(TrainingSession, room["session"])
        make_attendance(
            session,
            db.session.get(Enrolment, room["mine"]),
            "absent",
            recorded_by_id=world.a["youth_worker"].id,
        )
        db.session.commit()
        typed = code(room["session"], NOON)
    login(world.a["ambassador"])
    response = scan(client, room["session"], typed)
    assert response.status_code == 200
    assert "Fraværende" in response.data.decode()
    assert rows(app) == [(room["mine"], AttendanceValue.ABSENT, world.a["youth_worker"].id)]


def test_staff_correct_a_check_in_afterwards(app, client, world, login, room):
    login(world.a["ambassador"])
    with app.test_request_context():
        typed = code(room["session"], NOON)
    scan(client, room["session"], typed)
    client.post("/logout")
    login(world.a["youth_worker"])
    corrected = client.post(
        f"/sessions/{room['session']}/roll-call/{room['mine']}", data={"value": "late"}
    )
    assert corrected.status_code == 303
    assert rows(app) == [(room["mine"], AttendanceValue.LATE, world.a["youth_worker"].id)]
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "attendance.corrected")
        )
        assert event.detail == {"enrolment_id": room["mine"], "from": "present", "to": "late"}


# ---- typing the code ------------------------------------------------------------------------


def test_typing_the_code_finds_todays_session(app, client, world, login, room):
    login(world.a["ambassador"])
    home = client.get("/").data.decode()
    assert 'href="/check-in"' in home
    assert client.get("/check-in").status_code == 200
    with app.test_request_context():
        typed = code(room["session"], NOON)
    wrong = client.post("/check-in", data={"code": "12 34"})
    assert wrong.status_code == 422
    assert 'value="12 34"' in wrong.data.decode()  # what was typed stays
    assert rows(app) == []
    done = client.post("/check-in", data={"code": f"{typed[:3]} {typed[3:]}"})
    assert done.status_code == 200
    assert rows(app) == [(room["mine"], AttendanceValue.PRESENT, world.a["ambassador"].id)]


def test_typing_without_a_session_today_says_so(app, client, world, login, room, frozen):
    frozen.current = NOON + timedelta(days=3)
    login(world.a["ambassador"])
    response = client.post("/check-in", data={"code": "123456"})
    assert response.status_code == 422
    assert "ingen økt i dag" in response.data.decode()


def test_code_entry_is_rate_limited_per_person(make_app, world, room):
    from tests.factories import PASSWORD

    phone = make_app(RATELIMIT_ENABLED=True).test_client()
    phone.post("/login", data={"login": world.a["ambassador"].login, "password": PASSWORD})
    answers = [phone.post("/check-in", data={"code": "000000"}).status_code for _ in range(11)]
    assert answers[:10] == [422] * 10 and answers[10] == 429
    # Another person on the same address (a school network) is not held back.
    other = make_app(RATELIMIT_ENABLED=True).test_client()
    other.post("/login", data={"login": world.a["coordinator"].login, "password": PASSWORD})
    assert other.post("/check-in", data={"code": "000000"}).status_code == 403


# ---- the facilitator's screen and the poll --------------------------------------------------


def test_the_facilitator_sees_the_code_and_the_count(app, client, world, login, room):
    login(world.a["ambassador"])
    with app.test_request_context():
        typed = code(room["session"], NOON)
    scan(client, room["session"], typed)
    client.post("/logout")
    login(world.a["youth_worker"])
    page = client.get(f"/sessions/{room['session']}/check-in").data.decode()
    assert f"{typed[:3]} {typed[3:]}" in page
    assert "<svg" in page and f"/check-in/{room['session']}?c={typed}" not in page  # only paths
    assert "1 av 2" in page
    state = client.get(f"/sessions/{room['session']}/check-in/state?qr=1").json
    assert state["values"] == {str(room["mine"]): "present"}
    assert state["checked_in"] == 1 and state["members"] == 2 and state["marked"] == 1
    assert state["code"] == typed and state["qr"].startswith("<div")
    assert "code" not in client.get(f"/sessions/{room['session']}/check-in/state").json
    roll_call = client.get(f"/sessions/{room['session']}/roll-call").data.decode()
    assert f'data-poll="/sessions/{room["session"]}/check-in/state"' in roll_call
    detail = client.get(f"/sessions/{room['session']}").data.decode()
    assert f'href="/sessions/{room["session"]}/check-in"' in detail


def test_the_facilitator_screen_is_closed_on_other_days(app, client, world, login, room):
    login(world.a["youth_worker"])
    page = client.get(f"/sessions/{room['yesterday']}/check-in")
    assert page.status_code == 200
    assert "<svg" not in page.data.decode().split("<main")[1]
    assert client.get(f"/sessions/{room['yesterday']}/check-in/state?qr=1").json["open"] is False


def test_ambassadors_cannot_open_the_facilitator_screen(app, client, world, login, room):
    login(world.a["ambassador"])
    assert client.get(f"/sessions/{room['session']}/check-in").status_code == 403
    assert client.get(f"/sessions/{room['session']}/check-in/state").status_code == 403


def test_the_check_in_pages_have_constant_queries(
    app, client, world, login, room, assert_constant_queries
):
    login(world.a["youth_worker"])

    def grow():
        with app.app_context():
            cohort = db.session.get(Cohort, room["cohort"])
            from allin.models import TrainingSession

            session = db.session.get(TrainingSession, room["session"])
            for _ in range(8):
                enrolment = make_enrolment(cohort, make_ambassador(cohort.municipality))
                make_attendance(session, enrolment, "present")
            db.session.commit()

    shown = assert_constant_queries(f"/sessions/{room['session']}/check-in", grow)
    polled = assert_constant_queries(f"/sessions/{room['session']}/check-in/state?qr=1", grow)
    print("queries", shown, polled)
    assert shown <= 12 and polled <= 8, (shown, polled)


def test_thirty_check_ins_are_thirty_rows(app, client, world, login, room):
    """Each member's own login checks in: one row each, nobody overwritten."""
    from allin.enums import Role
    from tests.factories import PASSWORD, make_user

    with app.app_context():
        cohort = db.session.get(Cohort, room["cohort"])
        logins = []
        for n in range(5):
            user = make_user(Role.AMBASSADOR, cohort.municipality, username=f"ci{n}")
            make_enrolment(cohort, make_ambassador(cohort.municipality, user_id=user.id))
            logins.append(user.login)
        db.session.commit()
    with app.test_request_context():
        typed = code(room["session"], NOON)
    for name in logins:
        with app.test_client() as phone:
            phone.post("/login", data={"login": name, "password": PASSWORD})
            assert phone.get(f"/check-in/{room['session']}?c={typed}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attendance)) == 5


# ---- odd input ------------------------------------------------------------------------------


@pytest.fixture
def today_room(app, world):
    """Like room, on the real clock (Hypothesis runs many examples; no frozen fixture)."""
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, status="active")
        me = make_ambassador(municipality, user_id=world.a["ambassador"].id)
        make_enrolment(cohort, me)
        from allin.clock import now

        session = make_session(cohort, starts_at=now() - timedelta(minutes=1))
        db.session.commit()
        return session.id


@FUZZ
@given(typed=hostile)
def test_odd_codes_never_fail_and_never_write(app, world, today_room, typed):
    client = signed_in(app, world, "ambassador")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Attendance))
    with app.test_request_context():
        right = codes.current(today_room)
    scanned = client.get(f"/check-in/{today_room}", query_string={"c": typed})
    entered = client.post("/check-in", data={"code": typed})
    # 400: a NUL is refused before any view (security.py)
    assert scanned.status_code in (200, 400, 422) and entered.status_code in (200, 400, 422)
    with app.app_context():
        written = db.session.scalar(select(func.count()).select_from(Attendance)) - before
    assert written in (0, 1)
    if written:
        assert codes.clean(typed) == right


def test_scanning_before_signing_in_leads_back_to_the_check_in(make_app, world, room):
    """The QR code opened signed out: sign in, and the link is opened again. Thirty phones
    doing so at once from one address are not rate-limited as one."""
    from tests.factories import PASSWORD

    app = make_app(RATELIMIT_ENABLED=True)
    with app.test_request_context():
        typed = code(room["session"], NOON)
    phone = app.test_client()
    link = f"/check-in/{room['session']}?c={typed}"
    answers = [phone.get(link) for _ in range(30)]
    assert {a.status_code for a in answers} == {302}
    assert "/login" in answers[0].headers["Location"]
    signed_in = phone.post(
        answers[0].headers["Location"],
        data={"login": world.a["ambassador"].login, "password": PASSWORD},
    )
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith(link)
    assert phone.get(signed_in.headers["Location"]).status_code == 200
    assert rows(app) == [(room["mine"], AttendanceValue.PRESENT, world.a["ambassador"].id)]


def test_the_screens_polling_is_not_activity_so_an_open_screen_still_signs_out(
    app, world, today_room
):
    """The idle time (SESSION_IDLE_MINUTES) counts from the last thing the person did: the
    page asking every 2 s does not move it, opening a page does."""
    from allin.models import LoginSession

    client = signed_in(app, world, "youth_worker")
    long_ago = datetime.now(UTC) - timedelta(minutes=20)

    def last_seen():
        with app.app_context():
            return db.session.scalar(select(func.max(LoginSession.last_seen_at)))

    with app.app_context():
        db.session.execute(db.update(LoginSession).values(last_seen_at=long_ago))
        db.session.commit()
    assert client.get(f"/sessions/{today_room}/check-in/state").status_code == 200
    assert last_seen() == long_ago
    assert client.get(f"/sessions/{today_room}/check-in").status_code == 200
    assert last_seen() > long_ago
