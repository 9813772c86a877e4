"""Hypothesis over the session form and the roll call: never a 5xx, a refused form writes
nothing, and a saved session reads back as typed (SECURITY 15)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from allin.clock import now
from allin.extensions import db
from allin.models import Attendance, Cohort, Municipality, TrainingSession
from allin.training.times import to_local
from tests.factories import count, make_ambassador, make_cohort, make_enrolment
from tests.test_fuzz import FUZZ, hostile
from tests.test_fuzz_cohorts import signed_in
from tests.training_factories import make_session

# Wall-clock times around both daylight-saving changes, and hostile text.
moments = st.datetimes(min_value=datetime(2026, 3, 28), max_value=datetime(2026, 11, 1))
stamps = st.one_of(
    hostile,
    moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    moments.map(lambda d: d.strftime("%d.%m.%Y %H:%M")),
    st.sampled_from(["2027-03-28T02:30", "2026-10-25T02:30", "2027-02-30T10:00"]),
)
choices = st.one_of(hostile, st.sampled_from(["create", "pitch", "kick_off"]))
urls = st.one_of(hostile, st.sampled_from(["https://meet.example.no/x", "javascript:alert(1)"]))


def cohort_id(world) -> int:
    cohort = db.session.scalar(select(Cohort)) or make_cohort(
        db.session.get(Municipality, world.municipality_a)
    )
    db.session.commit()
    return cohort.id


@FUZZ
@given(
    title=hostile,
    phase=choices,
    starts=stamps,
    ends=stamps,
    place=hostile,
    online_url=urls,
    agenda=hostile,
    facilitator=st.one_of(hostile, st.integers(-5, 10**12).map(str)),
)
def test_session_form(
    app, world, title, phase, starts, ends, place, online_url, agenda, facilitator
):
    with app.app_context():
        cohort, before = cohort_id(world), count(TrainingSession)
    client = signed_in(app, world, "youth_worker")
    data = {
        "title": title,
        "phase": phase,
        "starts": starts,
        "ends": ends,
        "place": place,
        "online_url": online_url,
        "agenda": agenda,
        "facilitator": facilitator,
    }
    response = client.post(f"/cohorts/{cohort}/sessions/new", data=data)
    assert response.status_code in (200, 302, 400)
    with app.app_context():
        assert count(TrainingSession) == before + (response.status_code == 302)
        if response.status_code == 302:
            saved = db.session.scalar(select(TrainingSession).order_by(TrainingSession.id.desc()))
            assert saved.ends_at > saved.starts_at
            assert saved.online_url == "" or saved.online_url.startswith(("http://", "https://"))
            local = to_local(saved.starts_at).strftime("%Y-%m-%dT%H:%M")
            typed = (
                starts
                if "T" in starts
                else datetime.strptime(starts.strip(), "%d.%m.%Y %H:%M").strftime("%Y-%m-%dT%H:%M")
            )
            assert local == typed


@FUZZ
@given(value=hostile, enrolment=st.one_of(st.integers(-5, 10**6), st.just(1)))
def test_roll_call_post(app, world, value, enrolment):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id(world))
        if not count(TrainingSession):
            make_enrolment(cohort, make_ambassador(cohort.municipality))
            make_session(cohort, starts_at=now() - timedelta(minutes=1))
            db.session.commit()
        session_id = db.session.scalar(select(TrainingSession.id))
        before = count(Attendance)
    client = signed_in(app, world, "youth_worker")
    response = client.post(f"/sessions/{session_id}/roll-call/{enrolment}", data={"value": value})
    assert response.status_code in (303, 400, 404)
    with app.app_context():
        written = count(Attendance) - before
        assert written in (0, 1)
        if written:
            assert value.strip() in ("present", "late", "excused", "absent")
