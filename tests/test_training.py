"""Training sessions: scheduling across daylight-saving changes, the programme template, the
roll call, its bad input, and the calendar feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from allin.clock import now
from allin.enums import AttendanceValue, EnrolmentStatus, Role
from allin.extensions import db
from allin.models import (
    Attendance,
    AuditEvent,
    CalendarFeed,
    Cohort,
    Enrolment,
    Municipality,
    TrainingSession,
    User,
)
from allin.training import programme
from tests.factories import (
    CONFIRMED,
    count,
    make_ambassador,
    make_cohort,
    make_enrolment,
    make_user,
)
from tests.training_factories import make_attendance, make_session


@pytest.fixture
def cohort_a(app, world):
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(municipality, status="active", starts_on=datetime(2026, 9, 1).date())
        db.session.commit()
        return cohort.id


def form(**overrides):
    data = {
        "title": "Idéverksted",
        "phase": "create",
        "starts": "2026-10-25T17:00",
        "ends": "2026-10-25T19:30",
        "place": "Ungdomshuset",
        "online_url": "",
        "agenda": "- Bli kjent\n- **Ideer**",
        "facilitator": "0",
    }
    data.update(overrides)
    return data


# ---- sessions and time ----------------------------------------------------------------------


def test_a_session_across_the_october_change_is_stored_in_utc(app, client, world, login, cohort_a):
    """25 October 2026 is the last Sunday: 17:00 is CET (UTC+1); a day before it was CEST."""
    login(world.a["coordinator"])
    response = client.post(f"/cohorts/{cohort_a}/sessions/new", data=form())
    assert response.status_code == 302
    before = client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(title="Dagen før", starts="2026-10-24T17:00", ends="2026-10-24T19:30"),
    )
    assert before.status_code == 302
    with app.app_context():
        after, day_before = db.session.scalars(
            select(TrainingSession).order_by(TrainingSession.starts_at.desc())
        ).all()
        assert after.starts_at == datetime(2026, 10, 25, 16, 0, tzinfo=UTC)
        assert day_before.starts_at == datetime(2026, 10, 24, 15, 0, tzinfo=UTC)
        session_id = after.id
    page = client.get(f"/sessions/{session_id}").data.decode()
    assert "17:00–19:30" in page
    edit = client.get(f"/sessions/{session_id}/edit").data.decode()
    assert 'value="2026-10-25T17:00"' in edit


def test_the_repeated_hour_means_summer_time_and_a_skipped_hour_is_refused(
    app, client, world, login, cohort_a
):
    login(world.a["coordinator"])
    client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(starts="2026-10-25T02:30", ends="2026-10-25T04:00"),
    )
    with app.app_context():
        session = db.session.scalar(select(TrainingSession))
        assert session.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # CEST reading
        assert session.ends_at - session.starts_at == timedelta(hours=2, minutes=30)
    skipped = client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(starts="2027-03-28T02:30", ends="2027-03-28T04:00"),
    )
    assert skipped.status_code == 200
    assert "klokka hopper" in skipped.data.decode() or "skip an hour" in skipped.data.decode()
    with app.app_context():
        assert count(TrainingSession) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends": "2026-10-25T16:00"}, "slutte etter"),
        ({"online_url": "javascript:alert(1)"}, "https://"),
        ({"online_url": "ftp://example.com/x"}, "https://"),
        ({"title": ""}, "tittel"),
        ({"phase": "nonsense"}, ""),
        # Beyond the keys' range: the database must never see it (was a 500 on both engines).
        ({"facilitator": "9223372036854775808"}, 'id="facilitator-error"'),
        ({"facilitator": "2147483648"}, 'id="facilitator-error"'),
        ({"facilitator": "-1"}, 'id="facilitator-error"'),
        ({"facilitator": "٣"}, 'id="facilitator-error"'),
    ],
)
def test_bad_session_input_is_refused_and_writes_nothing(
    app, client, world, login, cohort_a, overrides, message
):
    login(world.a["coordinator"])
    response = client.post(f"/cohorts/{cohort_a}/sessions/new", data=form(**overrides))
    assert response.status_code == 200
    assert message in response.data.decode()
    with app.app_context():
        assert count(TrainingSession) == 0


def test_a_facilitator_from_another_municipality_is_refused(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    response = client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(facilitator=str(world.b["youth_worker"].id)),
    )
    assert response.status_code == 200
    assert "ansatte i kommunen" in response.data.decode()
    ok = client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(facilitator=str(world.a["youth_worker"].id)),
    )
    assert ok.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(TrainingSession.facilitator_id)) == world.a["youth_worker"].id
        )


def test_agenda_markdown_is_sanitised(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(agenda="<script>alert(1)</script>\n\n[x](javascript:alert(2)) **fet**"),
    )
    with app.app_context():
        session_id = db.session.scalar(select(TrainingSession.id))
    page = client.get(f"/sessions/{session_id}").data.decode()
    assert "<script>alert" not in page
    assert 'href="javascript' not in page
    assert "<strong>fet</strong>" in page


def test_cancel_asks_first_then_keeps_the_session_marked(app, client, world, login, cohort_a):
    with app.app_context():
        session = make_session(db.session.get(Cohort, cohort_a), days=3)
        db.session.commit()
        session_id = session.id
    login(world.a["youth_worker"])
    asked = client.post(f"/sessions/{session_id}/cancel")
    assert asked.status_code == 200 and 'name="confirmed"' in asked.data.decode()
    with app.app_context():
        assert db.session.get(TrainingSession, session_id).cancelled_at is None
    assert client.post(f"/sessions/{session_id}/cancel", data=CONFIRMED).status_code == 302
    with app.app_context():
        cancelled = db.session.get(TrainingSession, session_id)
        assert cancelled.cancelled_at is not None
        assert cancelled.cancelled_by_id == world.a["youth_worker"].id
    listing = client.get(f"/cohorts/{cohort_a}/sessions").data.decode()
    assert "Avlyst" in listing


def test_list_separates_upcoming_and_past_in_time_order(app, client, world, login, cohort_a):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        make_session(cohort, days=-10, title="Gammel")
        make_session(cohort, days=-2, title="Nylig")
        make_session(cohort, days=9, title="Senere")
        make_session(cohort, days=2, title="Snart")
        db.session.commit()
    login(world.a["youth_worker"])
    page = client.get(f"/cohorts/{cohort_a}/sessions").data.decode()
    upcoming, past = page.split('id="past-heading"')
    assert upcoming.index("Snart") < upcoming.index("Senere")
    assert past.index("Nylig") < past.index("Gammel")  # newest past first
    assert "Gammel" not in upcoming


# ---- the programme template -----------------------------------------------------------------


def test_the_programme_is_applied_once(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    steps = programme.steps()
    assert {s.phase.value for s in steps} >= {
        "kick_off",
        "explore",
        "create",
        "pitch",
        "launch",
        "follow_up",
    }
    first = client.post(f"/cohorts/{cohort_a}/sessions/from-programme", follow_redirects=True)
    assert f"{len(steps)} økter er opprettet" in first.data.decode()
    second = client.post(f"/cohorts/{cohort_a}/sessions/from-programme", follow_redirects=True)
    assert "finnes allerede" in second.data.decode()
    with app.app_context():
        sessions = db.session.scalars(
            select(TrainingSession).order_by(TrainingSession.starts_at)
        ).all()
        assert len(sessions) == len(steps)
        kick_off = sessions[0]
        assert kick_off.title == "Oppstartsleir"
        # 1 September 2026, 10:00 in Oslo (summer time)
        assert kick_off.starts_at == datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
        assert "Bli kjent" in kick_off.agenda
        assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 1


def test_the_programme_in_english_and_after_a_moved_session(app, client, world, login, cohort_a):
    # The cohort's language, not the reader's: a Swedish municipality's cohort gets the English
    # texts though its coordinator reads Norwegian.
    with app.app_context():
        db.session.get(Cohort, cohort_a).municipality.country = "SE"
        db.session.commit()
    login(world.a["coordinator"])
    client.post(f"/cohorts/{cohort_a}/sessions/from-programme")
    with app.app_context():
        first = db.session.scalar(select(TrainingSession).order_by(TrainingSession.starts_at))
        assert first.title == "Kick-off camp"
        first.starts_at += timedelta(days=3)
        first.ends_at += timedelta(days=3)
        db.session.commit()
    client.post(f"/cohorts/{cohort_a}/sessions/from-programme")
    with app.app_context():
        assert count(TrainingSession) == len(programme.steps())


def test_the_programme_button_shows_only_on_an_empty_cohort(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    label = "Opprett økter fra ALL'IN-programmet"
    assert label in client.get(f"/cohorts/{cohort_a}").data.decode()
    client.post(f"/cohorts/{cohort_a}/sessions/from-programme")
    assert label not in client.get(f"/cohorts/{cohort_a}").data.decode()


def test_ambassadors_cannot_schedule(app, client, world, login, cohort_a):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        me = make_ambassador(cohort.municipality, user_id=world.a["ambassador"].id)
        make_enrolment(cohort, me)
        db.session.commit()
    login(world.a["ambassador"])
    assert client.post(f"/cohorts/{cohort_a}/sessions/from-programme").status_code == 403
    assert client.get(f"/cohorts/{cohort_a}/sessions").status_code == 200


# ---- roll call ------------------------------------------------------------------------------


@pytest.fixture
def roll(app, world, cohort_a):
    """A session today with three active members, one withdrawn and one in another cohort."""
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        session = make_session(cohort, days=0, hours=2, starts_at=now() - timedelta(minutes=5))
        members = [make_enrolment(cohort, make_ambassador(cohort.municipality)) for _ in range(3)]
        gone = make_enrolment(
            cohort,
            make_ambassador(cohort.municipality),
            status="withdrawn",
            withdrawn_at=now(),
        )
        other = make_cohort(cohort.municipality)
        stranger = make_enrolment(other, make_ambassador(cohort.municipality))
        other_session = make_session(other, days=0, starts_at=now() - timedelta(minutes=5))
        db.session.commit()
        return {
            "session": session.id,
            "members": [m.id for m in members],
            "withdrawn": gone.id,
            "stranger": stranger.id,
            "other_session": other_session.id,
        }


def attendance_rows():
    return db.session.execute(
        select(Attendance.enrolment_id, Attendance.value).order_by(Attendance.enrolment_id)
    ).all()


def test_roll_call_without_javascript_saves_and_corrects(app, client, world, login, roll):
    login(world.a["youth_worker"])
    first = roll["members"][0]
    url = f"/sessions/{roll['session']}/roll-call/{first}"
    response = client.post(url, data={"value": "late"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#row-{first}")
    client.post(url, data={"value": "present"})
    with app.app_context():
        assert attendance_rows() == [(first, AttendanceValue.PRESENT)]
        row = db.session.scalar(select(Attendance))
        assert row.recorded_by_id == world.a["youth_worker"].id
        corrections = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "attendance.corrected")
        ).all()
        assert [c.detail for c in corrections] == [
            {"enrolment_id": first, "from": "late", "to": "present"}
        ]
    page = client.get(f"/sessions/{roll['session']}/roll-call").data.decode()
    rows = page.split("data-roll-call")[1].split("</ul>")[0]
    assert rows.count('aria-pressed="true"') == 1
    assert "2 av 3" in page


def test_roll_call_with_json_answers_json(app, client, world, login, roll):
    login(world.a["youth_worker"])
    url = f"/sessions/{roll['session']}/roll-call/{roll['members'][1]}"
    response = client.post(url, data={"value": "excused"}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json == {"ok": True, "value": "excused"}
    refused = client.post(url, data={"value": "sick"}, headers={"Accept": "application/json"})
    assert refused.status_code == 422 and refused.json["ok"] is False


@pytest.mark.parametrize(
    ("who", "value"),
    [("stranger", "present"), ("withdrawn", "present"), ("member", "sick"), ("member", "")],
)
def test_roll_call_refuses_bad_input_and_writes_nothing(
    app, client, world, login, roll, who, value
):
    login(world.a["youth_worker"])
    enrolment = roll["members"][0] if who == "member" else roll[who]
    response = client.post(
        f"/sessions/{roll['session']}/roll-call/{enrolment}",
        data={"value": value},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "flash--error" in response.data.decode()
    with app.app_context():
        assert attendance_rows() == []


def test_a_session_of_another_cohort_with_this_cohorts_member_is_refused(
    app, client, world, login, roll
):
    login(world.a["youth_worker"])
    client.post(
        f"/sessions/{roll['other_session']}/roll-call/{roll['members'][0]}",
        data={"value": "present"},
    )
    with app.app_context():
        assert attendance_rows() == []


def test_mark_the_rest_absent_keeps_what_is_recorded(app, client, world, login, roll):
    login(world.a["youth_worker"])
    first, *rest = roll["members"]
    client.post(f"/sessions/{roll['session']}/roll-call/{first}", data={"value": "late"})
    asked = client.post(f"/sessions/{roll['session']}/roll-call/rest-absent").data.decode()
    assert f"Registrere {len(rest)} ambassadører som fraværende?" in asked
    with app.app_context():
        assert attendance_rows() == [(first, AttendanceValue.LATE)]  # nothing before the yes
    client.post(f"/sessions/{roll['session']}/roll-call/rest-absent", data=CONFIRMED)
    with app.app_context():
        assert attendance_rows() == [(first, AttendanceValue.LATE)] + [
            (r, AttendanceValue.ABSENT) for r in rest
        ]
    again = client.post(f"/sessions/{roll['session']}/roll-call/rest-absent", follow_redirects=True)
    assert "0 er registrert som fraværende" in again.data.decode()


def test_a_future_sessions_roll_call_is_closed_and_says_why(
    app, client, world, login, roll, cohort_a
):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        future = make_session(cohort, days=3).id
        db.session.commit()
    login(world.a["youth_worker"])
    page = client.get(f"/sessions/{future}/roll-call").data.decode()
    assert "åpner på dagen" in page
    assert 'name="value"' not in page
    client.post(f"/sessions/{future}/roll-call/{roll['members'][0]}", data={"value": "present"})
    client.post(f"/sessions/{future}/roll-call/rest-absent")
    with app.app_context():
        assert attendance_rows() == []


def test_the_roll_call_opens_at_midnight_in_oslo(app, world, cohort_a, frozen):
    from allin.training.services import roll_call_open

    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        # 18:00 Oslo on 1 December is 17:00 UTC; at 23:30 UTC the day before it is already
        # 00:30 on 1 December in Oslo.
        session = make_session(cohort, starts_at=datetime(2026, 12, 1, 17, 0, tzinfo=UTC))
        frozen.current = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)
        assert not roll_call_open(session)
        frozen.current = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
        assert roll_call_open(session)


def test_only_staff_of_the_municipality_take_the_roll_call(app, client, world, login, roll):
    login(world.a["coordinator"])
    assert client.get(f"/sessions/{roll['session']}/roll-call").status_code == 200
    client.post("/logout")
    login(world.b["youth_worker"])
    assert client.get(f"/sessions/{roll['session']}/roll-call").status_code == 404


# ---- calendar feed --------------------------------------------------------------------------


def feed_token(cohort_id) -> str:
    return db.session.scalar(select(CalendarFeed.token).where(CalendarFeed.cohort_id == cohort_id))


def test_the_calendar_feed_parses_back_without_names(app, client, world, login, cohort_a):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        make_enrolment(cohort, make_ambassador(cohort.municipality, name="Kari Nordmann"))
        db.session.commit()
    login(world.a["coordinator"])
    client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(facilitator=str(world.a["youth_worker"].id)),
    )
    client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(title="Avlyses", starts="2026-11-02T17:00", ends="2026-11-02T18:00"),
    )
    with app.app_context():
        cancelled = db.session.scalar(
            select(TrainingSession).where(TrainingSession.title == "Avlyses")
        )
        cancelled_id = cancelled.id
        token = feed_token(cohort_a)
        facilitator = db.session.get(User, world.a["youth_worker"].id).name
    client.post(f"/sessions/{cancelled_id}/cancel", data=CONFIRMED)
    client.post("/logout")
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    body = response.data.decode()
    assert "Kari" not in body and facilitator not in body
    calendar = Calendar.from_ical(response.data)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Idéverksted", "Avlyses"}
    start = events["Idéverksted"].decoded("dtstart")
    assert start.astimezone(UTC) == datetime(2026, 10, 25, 16, 0, tzinfo=UTC)
    assert str(events["Idéverksted"]["location"]) == "Ungdomshuset"
    assert str(events["Idéverksted"]["status"]) == "CONFIRMED"
    assert str(events["Avlyses"]["status"]) == "CANCELLED"
    assert str(events["Idéverksted"]["url"]).endswith(f"/sessions/{cancelled_id - 1}")
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/Oslo"


@pytest.mark.parametrize("config_overrides", [{"BASE_URL": "https://allin.example.no"}])
def test_the_feed_address_comes_from_the_base_url_not_the_request(app):
    """Behind a proxy that speaks plain HTTP to the app, the address to copy is still https."""
    from types import SimpleNamespace

    from allin.training.display import calendar_address

    with app.test_request_context("/", base_url="http://allin.example.no"):
        address = calendar_address(SimpleNamespace(token="abc"))
    assert address == "https://allin.example.no/calendar/abc.ics"


def test_a_rotated_feed_token_answers_404(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    client.post(f"/cohorts/{cohort_a}/sessions/new", data=form())
    with app.app_context():
        old = feed_token(cohort_a)
    asked = client.post(f"/cohorts/{cohort_a}/calendar/rotate")
    assert 'name="confirmed"' in asked.data.decode()
    with app.app_context():
        assert feed_token(cohort_a) == old
    client.post(f"/cohorts/{cohort_a}/calendar/rotate", data=CONFIRMED)
    with app.app_context():
        new = feed_token(cohort_a)
    assert new != old and len(new) >= 43
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    assert client.get("/calendar/nonsense.ics").status_code == 404


def test_ambassadors_see_the_subscribe_link_of_their_cohort(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    client.post(
        f"/cohorts/{cohort_a}/sessions/new",
        data=form(starts="2030-01-01T17:00", ends="2030-01-01T18:00"),
    )
    client.post("/logout")
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        me = make_ambassador(cohort.municipality, user_id=world.a["ambassador"].id)
        make_enrolment(cohort, me)
        db.session.commit()
        cohort_token = feed_token(cohort_a)
        own = db.session.scalar(select(Enrolment.feed_token))
    login(world.a["ambassador"])
    page = client.get(f"/cohorts/{cohort_a}").data.decode()
    assert f"/calendar/{own}.ics" in page and cohort_token not in page  # their own address
    assert "Idéverksted" in page
    assert f"/calendar/{own}.ics" in client.get(f"/cohorts/{cohort_a}/sessions").data.decode()
    home = client.get("/").data.decode()
    assert "Idéverksted" in home and "Bli kjent" in home
    assert "Idéverksted" in client.get(f"/calendar/{own}.ics").data.decode()


def test_an_ambassadors_own_calendar_address_ends_when_they_withdraw(
    app, client, world, login, cohort_a
):
    """The cohort's shared address stays with its staff; each ambassador has one of their own,
    so a withdrawn ambassador (or one whose login is closed) no longer sees where and when
    the group meets."""
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        make_session(cohort, days=3, title="Idéverksted")
        services_feed(cohort)
        leaving = make_enrolment(cohort, make_ambassador(cohort.municipality, name="Går ut"))
        closed = make_enrolment(cohort, make_ambassador(cohort.municipality, name="Stengt"))
        staying = make_enrolment(cohort, make_ambassador(cohort.municipality, name="Blir"))
        for enrolment in (leaving, closed, staying):
            enrolment.ambassador.user_id = make_user(Role.AMBASSADOR, cohort.municipality).id
        db.session.commit()
        tokens = [e.feed_token for e in (leaving, closed, staying)]
        shared = feed_token(cohort_a)
    for token in (*tokens, shared):
        assert client.get(f"/calendar/{token}.ics").status_code == 200
    with app.app_context():
        leaving = db.session.get(Enrolment, leaving.id)
        leaving.status, leaving.withdrawn_at = EnrolmentStatus.WITHDRAWN, now()
        db.session.get(Enrolment, closed.id).ambassador.user.active = False
        db.session.commit()
    assert client.get(f"/calendar/{tokens[0]}.ics").status_code == 404
    assert client.get(f"/calendar/{tokens[1]}.ics").status_code == 404
    assert client.get(f"/calendar/{tokens[2]}.ics").status_code == 200
    assert client.get(f"/calendar/{shared}.ics").status_code == 200
    # A new address for the cohort renews every address of it, the ambassadors' too.
    login(world.a["coordinator"])
    client.post(f"/cohorts/{cohort_a}/calendar/rotate", data=CONFIRMED)
    assert client.get(f"/calendar/{tokens[2]}.ics").status_code == 404
    assert client.get(f"/calendar/{shared}.ics").status_code == 404
    with app.app_context():
        renewed = db.session.get(Enrolment, staying.id).feed_token
    assert renewed != tokens[2]
    assert client.get(f"/calendar/{renewed}.ics").status_code == 200


def test_an_ambassador_sees_only_their_own_attendance(app, client, world, login, cohort_a):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        me = make_enrolment(
            cohort, make_ambassador(cohort.municipality, user_id=world.a["ambassador"].id)
        )
        other = make_enrolment(cohort, make_ambassador(cohort.municipality, name="Per Annen"))
        session = make_session(cohort, days=-3, title="Forrige gang")
        make_attendance(session, me, "late")
        make_attendance(session, other, "absent")
        db.session.commit()
        session_id = session.id
    login(world.a["ambassador"])
    home = client.get("/").data.decode()
    assert "Forrige gang" in home and "Sent" in home
    assert "Per Annen" not in home and "Fraværende" not in home
    assert client.get(f"/sessions/{session_id}/roll-call").status_code == 403
    cohort_page = client.get(f"/cohorts/{cohort_a}").data.decode()
    assert "Per Annen" not in cohort_page


def test_enrolment_is_unique_per_session(app, roll):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        session = db.session.get(TrainingSession, roll["session"])
        enrolment = db.session.get(Enrolment, roll["members"][0])
        make_attendance(session, enrolment)
        with pytest.raises(IntegrityError):
            make_attendance(session, enrolment, "late")
        db.session.rollback()


def test_staff_of_the_cohorts_municipality_only_facilitate(app, world):
    from allin.training.rules import can_facilitate

    with app.app_context():
        yw = db.session.get(User, world.a["youth_worker"].id)
        ambassador = db.session.get(User, world.a["ambassador"].id)
        inactive = make_user(
            role=yw.role, municipality=db.session.get(Municipality, world.municipality_a)
        )
        inactive.active = False
        assert can_facilitate(yw, world.municipality_a)
        assert not can_facilitate(yw, world.municipality_b)
        assert not can_facilitate(ambassador, world.municipality_a)
        assert not can_facilitate(inactive, world.municipality_a)
        db.session.rollback()


# ---- tenant isolation beyond the id walk (tests/test_access.py) -------------------------------


def test_the_overview_lists_only_the_own_municipalitys_cohorts(app, client, world, login):
    with app.app_context():
        mine = make_cohort(db.session.get(Municipality, world.municipality_a), name="Vårt kull")
        make_cohort(db.session.get(Municipality, world.municipality_b), name="Deres kull")
        make_session(mine, days=-1)
        db.session.commit()
    login(world.a["youth_worker"])
    page = client.get("/cohorts/overview").data.decode()
    assert "Vårt kull" in page and "Deres kull" not in page
    client.post("/logout")
    login(world.a["ambassador"])
    assert client.get("/cohorts/overview").status_code == 403


def test_an_ambassador_sees_no_session_of_a_cohort_they_are_not_in(
    app, client, world, login, cohort_a
):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_a)
        other = make_cohort(cohort.municipality, name="Et annet kull")
        make_enrolment(
            cohort, make_ambassador(cohort.municipality, user_id=world.a["ambassador"].id)
        )
        theirs = make_session(other, days=2, title="Ikke din økt")
        mine = make_session(cohort, days=2, title="Din økt")
        services_feed(other)
        db.session.commit()
        ids = theirs.id, mine.id, other.id
    login(world.a["ambassador"])
    assert client.get(f"/sessions/{ids[0]}").status_code == 404
    assert client.get(f"/sessions/{ids[1]}").status_code == 200
    assert client.get(f"/cohorts/{ids[2]}/sessions").status_code == 404
    home = client.get("/").data.decode()
    assert "Din økt" in home and "Ikke din økt" not in home


def services_feed(cohort):
    from allin.training.services import ensure_feed

    ensure_feed(cohort)


def test_staff_writes_are_audited(app, client, world, login, cohort_a):
    login(world.a["coordinator"])
    client.post(f"/cohorts/{cohort_a}/sessions/new", data=form())
    with app.app_context():
        session_id = db.session.scalar(select(TrainingSession.id))
    client.post(f"/sessions/{session_id}/edit", data=form(place="Biblioteket"))
    client.post(f"/sessions/{session_id}/cancel", data=CONFIRMED)
    client.post(f"/cohorts/{cohort_a}/calendar/rotate", data=CONFIRMED)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith(("session.", "calendar."))] == [
        "session.created",
        "session.updated",
        "session.cancelled",
        "calendar.rotated",
    ]


def test_a_session_links_the_guides_tools_for_its_phase(app, client, world, login, cohort_a):
    """Training sessions link to guide tools (issue 12): published tools and recommendations
    of the session's phase in the reader's language; never drafts or other phases."""
    from tests.factories import make_guide_entry

    with app.app_context():
        session = make_session(db.session.get(Cohort, cohort_a), phase="create")
        make_guide_entry(title="Prototyp på en dag", phase="create", status="published")
        make_guide_entry(title="Hemmelig utkast", phase="create", status="draft")
        make_guide_entry(title="Annen fase", phase="launch", status="published")
        make_guide_entry(
            title="Prototype in a day", phase="create", status="published", language="en"
        )
        make_guide_entry(
            title="Et godt eksempel", phase="create", status="published", kind="best_case"
        )
        db.session.commit()
        session_id = session.id
    login(world.a["youth_worker"])
    page = client.get(f"/sessions/{session_id}").data.decode()
    assert "Prototyp på en dag" in page
    for absent in ("Hemmelig utkast", "Annen fase", "Prototype in a day", "Et godt eksempel"):
        assert absent not in page
    assert "/guide/?phase=create" in page


def test_everyone_is_here_marks_the_unmarked_present_and_keeps_what_is_recorded(
    app, client, world, login, roll
):
    login(world.a["youth_worker"])
    page = client.get(f"/sessions/{roll['session']}/roll-call").data.decode()
    assert f'action="/sessions/{roll["session"]}/roll-call/rest-present"' in page
    first, *rest = roll["members"]
    client.post(f"/sessions/{roll['session']}/roll-call/{first}", data={"value": "excused"})
    done = client.post(
        f"/sessions/{roll['session']}/roll-call/rest-present", follow_redirects=True
    ).data.decode()
    assert f"{len(rest)} er registrert som til stede" in done
    assert "roll-call/rest-present" not in done  # everyone has a value now: no second offer
    with app.app_context():
        assert attendance_rows() == [(first, AttendanceValue.EXCUSED)] + [
            (r, AttendanceValue.PRESENT) for r in rest
        ]
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "attendance.rest_present")
        ).all()
        assert [e.detail["count"] for e in events] == [len(rest)]


def test_everyone_is_here_waits_for_the_day_and_for_staff_of_the_municipality(
    app, client, world, login, roll, cohort_a
):
    with app.app_context():
        future = make_session(db.session.get(Cohort, cohort_a), days=3).id
        db.session.commit()
    login(world.a["youth_worker"])
    client.post(f"/sessions/{future}/roll-call/rest-present")
    client.post("/logout")
    login(world.b["youth_worker"])
    assert client.post(f"/sessions/{roll['session']}/roll-call/rest-present").status_code == 404
    with app.app_context():
        assert attendance_rows() == []
