"""Notifications in Chromium on a 360 px phone, bokmål and English, axe on every page: a youth
worker moves a session; the ambassador finds it under the bell, opens it and lands on the
session, and the bell is quiet again (issue 23)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import sign_in, submit

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
TEXT = {
    "nb": {
        "in_app_only": "Ingen: varsles bare i appen (ingen e-postadresse)",
        "changed": "«Idéverksted» er endret: nå",
        "bell": "Varsler",
        "new": "Nytt for deg",
    },
    "en": {
        "in_app_only": "None: told in the app only (no e-mail address)",
        "changed": "“Idéverksted” has changed: now",
        "bell": "Notifications",
        "new": "New for you",
    },
}


@pytest.fixture
def moved(live_server):
    from allin.clock import now
    from allin.enums import Role
    from allin.extensions import db
    from tests.factories import (
        make_ambassador,
        make_cohort,
        make_enrolment,
        make_municipality,
        make_user,
    )
    from tests.training_factories import make_session

    with live_server.app.app_context():
        municipality = make_municipality("Larvik")
        worker = make_user(Role.YOUTH_WORKER, municipality, name="Jonas Haugland")
        ambassador = make_user(Role.AMBASSADOR, municipality, username="tuva.l", name="Tuva")
        cohort = make_cohort(municipality, name="Kull 2026", status="active")
        cohort.leads.append(worker)
        tuva = make_ambassador(municipality, user_id=ambassador.id, name="Tuva")
        make_enrolment(cohort, tuva)
        starts = (now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
        session = make_session(cohort, starts_at=starts, title="Idéverksted", place="Huset")
        db.session.commit()
        return {
            "worker": worker.login,
            "ambassador": "tuva.l",
            "session_id": session.id,
            "tuva": tuva.id,
        }


@pytest.mark.parametrize("checked", PHONE, indirect=True)
def test_an_ambassador_finds_a_moved_session_under_the_bell(checked, moved):
    page = checked.page
    language = "en" if checked.prefix.endswith("-en") else "nb"
    text = TEXT[language]
    session_id = moved["session_id"]

    sign_in(checked, moved["worker"])
    page.goto(f"/sessions/{session_id}/edit")
    checked.check("edit-session")
    page.fill("#place", "Biblioteket")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/sessions/{session_id}$"))
    checked.check("session-saved")
    # A lead is offered the weekly summary too; Tuva's page shows her e-mail choices.
    page.goto("/notifications/preferences")
    checked.check("staff-preferences")
    expect(page.locator("#weekly_digest")).to_be_checked()
    page.goto(f"/ambassadors/{moved['tuva']}")
    checked.check("ambassador")
    expect(page.locator("main dl.facts")).to_contain_text(text["in_app_only"])
    checked.sign_out()

    sign_in(checked, moved["ambassador"])
    bell = page.locator("header a.bell")
    expect(bell).to_be_visible()
    expect(bell).to_contain_text("1")
    expect(bell).to_contain_text(text["bell"])  # its name, for screen readers
    expect(page.locator("main")).to_contain_text(text["new"])  # on the home too
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    checked.check("notifications")
    item = page.locator("main .notification a").first
    expect(item).to_contain_text(text["changed"])
    item.click()
    expect(page).to_have_url(re.compile(rf"/sessions/{session_id}$"))
    checked.check("session")
    expect(page.locator("main")).to_contain_text("Biblioteket")
    expect(page.locator("header a.bell .bell__count")).to_have_count(0)

    # Her e-mail choices: a username sign-in is told in the app only; the page says so.
    page.locator("header a.bell").click()
    checked.check("notifications-read")
    page.locator("main a[href='/notifications/preferences']").click()
    checked.check("preferences")
    page.locator("#session_tomorrow").uncheck()
    submit(page)
    expect(page).to_have_url(re.compile(r"/notifications/preferences$"))
    checked.check("preferences-saved")
    expect(page.locator("#session_tomorrow")).not_to_be_checked()
    expect(page.locator("#session_changed")).to_be_checked()
