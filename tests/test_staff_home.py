"""A youth worker's home starts with the day (issue 22): today's and tomorrow's sessions with
the roll call one tap away on the day, then what needs doing in the cohorts they follow."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from allin.extensions import db
from allin.models import Municipality, User
from allin.training.times import from_local, today
from tests.factories import make_ambassador, make_cohort, make_consent, make_enrolment
from tests.training_factories import make_attendance, make_session


def at(days: int, hour: int = 18) -> datetime:
    """`hour` o'clock in Oslo, `days` from today."""
    return from_local(datetime.combine(today() + timedelta(days=days), time(hour)))


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"')[1].split("</section>")[0]


def test_the_day_lists_todays_and_tomorrows_sessions_with_the_roll_call_on_the_day(
    app, client, world, login, frozen
):
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(larvik, name="Vår 2027", status="active")
        today_id = make_session(cohort, starts_at=at(0), title="Idémyldring").id
        make_session(cohort, starts_at=at(1), title="Prototyping")
        make_session(cohort, starts_at=at(0, 12), title="Avlyst økt", cancelled_at=at(-1))
        make_session(cohort, starts_at=at(3), title="Om tre dager")
        make_session(cohort, starts_at=at(-1), title="I går")
        elsewhere = make_cohort(db.session.get(Municipality, world.municipality_b))
        make_session(elsewhere, starts_at=at(0), title="Annen kommune")
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    day = section(client.get("/").text, "day-heading")
    titles = re.findall(r'class="session-card__title"><a href="/sessions/\d+">([^<]+)</a>', day)
    assert titles == ["Avlyst økt", "Idémyldring", "Prototyping"]
    assert re.findall(r'href="(/sessions/\d+/roll-call)"', day) == [
        f"/sessions/{today_id}/roll-call"
    ]
    assert "Cancelled" in day


def test_needs_attention_names_warnings_missing_consents_and_roll_calls_not_taken(
    app, client, world, login, frozen
):
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        worried = make_cohort(larvik, name="Bekymret", status="active")
        calm = make_cohort(larvik, name="Rolig", status="active")
        worker = db.session.get(User, world.a["youth_worker"].id)
        worried.leads = [worker]
        calm.leads = [worker]
        missing = make_enrolment(
            worried, make_ambassador(larvik, age=15), status="active", enrolled_at=at(-30)
        )
        for days in (-6, -3):
            make_attendance(make_session(worried, starts_at=at(days)), missing, "absent")
        make_session(worried, starts_at=at(-2))  # held, nobody marked
        fine = make_ambassador(larvik, age=17)
        for purpose in ("participation", "photo", "publish_name"):
            make_consent(fine, purpose)
        make_enrolment(calm, fine, status="active")
        db.session.commit()
        worried_id = worried.id
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    attention = section(client.get("/").text, "attention-heading")
    assert "Bekymret" in attention and "Rolig" not in attention
    assert f'href="/cohorts/{worried_id}/progress#warning-heading">1 early warning</a>' in attention
    assert f'href="/cohorts/{worried_id}/people?missing=1">1 ambassador is missing' in attention
    assert "1 session without a roll call" in attention


def test_a_calm_day_says_so_and_an_ambassador_gets_none_of_it(app, client, world, login):
    with app.app_context():
        make_cohort(db.session.get(Municipality, world.municipality_a), status="active")
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    home = client.get("/").text
    assert "No sessions today or tomorrow." in home
    assert "Nothing in your active cohorts" in home
    client.post("/logout")
    login(world.a["ambassador"])
    home = client.get("/").text
    assert 'id="day-heading"' not in home and 'id="attention-heading"' not in home
