"""A retention notice at phone size (360 px), in bokmål and English, with axe on every page:
the coordinator is told in the app, by name, that an ambassador's data will be erased within
30 days, opens the notice and lands on the person's page, where the legal hold is
(SECURITY 28)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import larvik, named, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
TOLD = {
    "nb": "Opplysningene om Sigrid Brekke slettes innen 30 dager",
    "en": "The data of Sigrid Brekke will be erased within 30 days",
}


@pytest.fixture
def due_soon(live_server, larvik):  # noqa: F811
    """Sigrid's cohort ended three years less 20 days ago; the retention run tells Larvik's
    coordinator."""
    from datetime import timedelta

    from allin import retention
    from allin.clock import now
    from allin.extensions import db
    from allin.models import Cohort, Enrolment

    with live_server.app.app_context():
        today = now().date()
        ends = retention.years_before(today, 3) + timedelta(days=20)
        cohort = db.session.get(Cohort, larvik.cohort_id)
        cohort.starts_on, cohort.ends_on = ends - timedelta(days=200), ends
        cohort.status = "completed"
        for enrolment in db.session.query(Enrolment).filter_by(cohort_id=cohort.id):
            enrolment.status = "graduated"
        db.session.commit()
        report = retention.run(dry_run=False)
        db.session.commit()
        assert report.told == 1
    return larvik


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_a_coordinator_is_told_before_an_erasure_and_finds_the_hold(checked, due_soon):
    page = checked.page
    language = checked.prefix[-2:]
    sign_in(checked, due_soon.coordinator)
    page.goto("/notifications/")
    checked.check("notifications")
    notice = page.locator("main").get_by_text(TOLD[language])
    expect(notice).to_be_visible()
    notice.click()
    expect(page).to_have_url(re.compile(rf"/ambassadors/{due_soon.ambassador_id}$"))
    checked.check("ambassador")
    hold = page.locator(f"main a[href='/ambassadors/{due_soon.ambassador_id}/hold']")
    expect(hold).to_be_visible()
