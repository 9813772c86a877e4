"""Notifications by e-mail, read from a real SMTP server (tests/smtp_stub.py), with Chromium on a
360 px phone in bokmål: the day-before reminder with its .ics; Kari turns reminders off with
the link in it; a youth worker moves the session and Kari's e-mail brings the update while
Tuva (no e-mail) finds it under the bell; `notify` and `send-mail` run twice send nothing
twice, and Kari gets no more reminders; the weekly summary's early warnings are the ones on
the cohort's progress page (issue 23, "Done when")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from allin.training import times
from tests.browser.test_journey_cohorts import sign_in, submit

pytestmark = pytest.mark.browser

KARI = "kari@example.com"


@pytest.fixture
def live_config() -> dict:
    # SMTP is the stub (the outbox fixture); e-mail waits for `send-mail`, as from cron, so
    # that the test reads exactly what each run sent.
    return {"MAIL_SERVER": "smtp.example.com", "MAIL_SEND_AFTER_RESPONSE": False}


@pytest.fixture
def today_noon(frozen):
    """The clock stands at 12:00 in Oslo today: tomorrow's reminders are due (from 10:00)."""
    noon = times.from_local(datetime.combine(times.local_date(datetime.now(UTC)), time(12)))
    frozen.current = noon
    return noon


@pytest.fixture
def cohort(live_server, today_noon):
    from allin.enums import Role
    from allin.extensions import db
    from tests.factories import (
        make_ambassador,
        make_cohort,
        make_enrolment,
        make_municipality,
        make_user,
    )
    from tests.training_factories import make_attendance, make_session

    with live_server.app.app_context():
        municipality = make_municipality("Larvik")
        worker = make_user(Role.YOUTH_WORKER, municipality, name="Jonas Haugland")
        cohort = make_cohort(municipality, name="Kull 2026", status="active")
        cohort.leads.append(worker)
        people = {}
        for login, email in (("tuva.l", None), ("kari.b", KARI)):
            user = make_user(Role.AMBASSADOR, municipality, username=login, email=email)
            ambassador = make_ambassador(municipality, user_id=user.id, birth_year=2006)
            enrolment = make_enrolment(cohort, ambassador, status="active")
            enrolment.enrolled_at = today_noon - timedelta(days=30)
            people[login] = enrolment
        for days in (14, 7):  # Tuva missed both held sessions: an early warning
            held = make_session(cohort, starts_at=today_noon - timedelta(days=days))
            make_attendance(held, people["tuva.l"], "absent")
            make_attendance(held, people["kari.b"], "present")
        starts = times.from_local(datetime.combine(times.local_date(today_noon), time(17)))
        session = make_session(
            cohort, starts_at=starts + timedelta(days=1), title="Idéverksted", place="Huset"
        )
        db.session.commit()
        return {"worker": worker.login, "session_id": session.id, "cohort_id": cohort.id}


def run(live_server, command: str) -> str:
    result = live_server.app.test_cli_runner().invoke(args=[command])
    assert result.exit_code == 0, result.output
    return result.output


def mail_to(outbox, to: str, subject: str):
    """The one message to `to` with `subject`."""
    found = [m for m in outbox if m["To"] == to and m["Subject"] == subject]
    assert len(found) == 1, [(m["To"], m["Subject"]) for m in outbox]
    return found[0]


def calendar_of(message) -> Calendar:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("checked", [("phone", "nb-NO")], indirect=True)
def test_reminder_update_unsubscribe_and_summary_by_email(
    checked, live_server, cohort, outbox, today_noon
):
    page = checked.page
    made = run(live_server, "notify")
    assert "new reminders: 3" in made  # Tuva, Kari and their lead
    assert "new weekly summaries for cohort leads: 1" in made
    assert "new early warnings for cohort leads: 1" in made  # Tuva's, in the app
    assert "sent 3," in run(live_server, "send-mail")  # Kari's reminder; the lead's and summary
    reminder = mail_to(outbox, KARI, "I morgen: Idéverksted")
    calendar = calendar_of(reminder)
    (event,) = calendar.walk("VEVENT")
    assert (calendar["METHOD"], str(event["LOCATION"])) == ("PUBLISH", "Huset")
    starts = event.decoded("DTSTART")
    assert (starts.hour, str(starts.tzinfo)) == (17, "Europe/Oslo")
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Kari follows the link in the reminder on her phone, not signed in.
    page.goto(path_of(reminder["List-Unsubscribe"].strip("<>")))
    checked.check("unsubscribe")
    page.locator("main form [type=submit]").click()
    checked.check("unsubscribed")
    expect(page.locator("main")).to_contain_text("Økt i morgen")

    # The weekly summary's early warnings are those on the progress page it links to, and
    # the lead's bell names them.
    summary = mail_to(outbox, cohort["worker"], "Dine kull denne uken")
    text = summary.get_body(("plain",)).get_content()
    assert "Tidlige varsler: 1" in text
    progress = re.search(r"https?://\S+/cohorts/\d+/progress\S*", text).group(0)
    sign_in(checked, cohort["worker"])
    page.goto(path_of(progress))
    checked.check("progress")
    warned = page.locator("main .warning-list__item a")
    expect(warned).to_have_count(1)
    name = warned.inner_text()
    page.locator("header a.bell").click()
    checked.check("lead-bell")
    expect(page.locator("main .notification a", has_text="Tidlig varsel")).to_contain_text(name)

    # The lead moves the session; Kari's update carries the new place in its .ics.
    page.goto(f"/sessions/{cohort['session_id']}/edit")
    checked.check("edit-session")
    page.fill("#place", "Biblioteket")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/sessions/{cohort['session_id']}$"))
    checked.check("session-saved")
    assert "sent 1," in run(live_server, "send-mail")  # Kari's; the lead moved it
    update = mail_to(outbox, KARI, "Endret: Idéverksted")
    (event,) = calendar_of(update).walk("VEVENT")
    assert str(event["LOCATION"]) == "Biblioteket"
    checked.sign_out()

    # Tuva has no e-mail: the change is under her bell.
    sign_in(checked, "tuva.l")
    page.locator("header a.bell").click()
    checked.check("bell")
    expect(page.locator("main .notification a").first).to_contain_text("er endret: nå")

    # Nothing twice, and Kari gets no more reminders: not this one, not the next.
    assert "new reminders: 0" in run(live_server, "notify")
    assert "sent 0," in run(live_server, "send-mail")
    with live_server.app.app_context():
        from allin.extensions import db
        from allin.models import Cohort
        from tests.training_factories import make_session

        evening = datetime.combine(times.local_date(today_noon) + timedelta(days=1), time(19))
        cohort_row = db.session.get(Cohort, cohort["cohort_id"])
        make_session(cohort_row, starts_at=times.from_local(evening), title="Kveldsmøte")
        db.session.commit()
    assert "new reminders: 3" in run(live_server, "notify")
    assert "sent 1," in run(live_server, "send-mail")  # the lead's
    assert [m["Subject"] for m in outbox if m["To"] == KARI] == [
        "I morgen: Idéverksted",
        "Endret: Idéverksted",
    ]
