"""QR check-in in Chromium, bokmål and English, axe on every page: the youth worker's roll call
is open on one screen and the check-in screen on another; an ambassador on a 360 px phone
opens the code's link and is shown present on the roll call without a reload."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS, Checked, keep_served
from tests.browser.test_journey_cohorts import sign_in

pytestmark = pytest.mark.browser

BOTH = [("desktop", "nb-NO"), ("desktop", "en-GB")]
TEXT = {
    "nb": {"done": "Du er sjekket inn", "recorded": "Registrert: Til stede", "count": "1 av 4"},
    "en": {"done": "You are checked in", "recorded": "Recorded: Present", "count": "1 of 4"},
}


@pytest.fixture
def room(live_server) -> dict:
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
        phone_user = make_user(Role.AMBASSADOR, municipality, username="sara.b", name="Sara")
        cohort = make_cohort(municipality, name="Kull 2026", status="active")
        sara = make_ambassador(municipality, name="Sara Berg", user_id=phone_user.id)
        mine = make_enrolment(cohort, sara)
        for name in ("Ingrid Dahl", "Sindre Lie", "Eirik Moe"):
            make_enrolment(cohort, make_ambassador(municipality, name=name))
        session = make_session(
            cohort, starts_at=now() - timedelta(minutes=5), title="Prototyping", place="Huset"
        )
        db.session.commit()
        return {
            "worker": worker.email,
            "ambassador": "sara.b",
            "session": session.id,
            "enrolment": mine.id,
        }


def lang(checked) -> str:
    return "en" if checked.prefix.endswith("-en") else "nb"


@pytest.fixture
def phone(browser, live_server, screenshot_dir, checked, html_checker):
    """A second browser: the ambassador's phone at 360 px, in the same language."""
    locale = "en-GB" if lang(checked) == "en" else "nb-NO"
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORTS["phone"], locale=locale, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    tracker = Checked(
        page=page,
        screenshot_dir=screenshot_dir,
        prefix=f"checkin-phone-{locale[:2]}",
        html_checker=html_checker,
    )
    keep_served(page, tracker)
    page.on(
        "framenavigated",
        lambda frame: (
            frame == page.main_frame
            and tracker.visited.append("/" + frame.url.split("://", 1)[-1].split("/", 1)[-1])
        ),
    )
    yield tracker
    context.close()
    unchecked = sorted(
        {v.split("?")[0].split("#")[0] for v in tracker.visited}
        - {a.split("?")[0] for a in tracker.audited}
    )
    assert unchecked == [], f"pages visited without an axe check: {unchecked}"


@pytest.mark.parametrize("checked", BOTH, indirect=True)
def test_an_ambassador_checks_in_and_the_open_roll_call_shows_it(checked, phone, room, live_server):
    from allin.checkin import codes

    text = TEXT[lang(checked)]
    staff = checked.page
    sign_in(checked, room["worker"])
    staff.goto(f"/sessions/{room['session']}")
    checked.check("session")
    staff.locator(f"main a[href='/sessions/{room['session']}/check-in']").click()
    expect(staff.locator("[data-check-in-code]")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    expect(staff.locator(".handover__qr svg")).to_be_visible()
    checked.check("check-in-screen")
    staff.goto(f"/sessions/{room['session']}/roll-call")
    checked.check("roll-call")
    row = staff.locator(f"#row-{room['enrolment']}")
    expect(row.locator("button[value=present]")).to_have_attribute("aria-pressed", "false")
    staff.evaluate("() => { window.stillTheSamePage = true; }")

    with live_server.app.test_request_context():
        link = f"/check-in/{room['session']}?c={codes.current(room['session'])}"
    sign_in(phone, room["ambassador"])
    phone.page.goto(link)
    expect(phone.page.locator("h1")).to_have_text(text["done"])
    phone.check("checked-in")

    # The roll call, open all along, shows it within a poll or two, without a reload.
    expect(row.locator("button[value=present]")).to_have_attribute(
        "aria-pressed", "true", timeout=10_000
    )
    expect(row.locator("[data-status]")).to_have_text(text["recorded"])
    assert staff.evaluate("() => window.stillTheSamePage === true")
    checked.shoot("roll-call-after-check-in")

    staff.goto(f"/sessions/{room['session']}/check-in")
    expect(staff.locator("[data-check-in-count]")).to_contain_text(text["count"])
    checked.check("check-in-counted")
