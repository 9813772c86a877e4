"""Issue 22's table, row by row: each journey done at 360 px, its taps and swipes counted
(tests/browser/journey.py) and held to the issue's target, in bokmål and English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.journey import Journey
from tests.browser.test_journey_cohorts import PASSWORD, named, sign_in

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
YEAR = date.today().year


@dataclass(frozen=True)
class Class32:
    youth_worker: str
    cohort: int
    session: int
    absent: tuple[str, ...]  # the three who are not here today


@pytest.fixture
def class32(live_server) -> Class32:
    """A cohort of 32 with today's session, whose three exceptions are far down the list."""
    from allin.clock import now
    from allin.enums import Role
    from allin.extensions import db
    from tests.factories import (
        make_ambassador,
        make_cohort,
        make_consent,
        make_enrolment,
        make_municipality,
        make_user,
    )
    from tests.training_factories import make_session

    with live_server.app.app_context():
        town = make_municipality("Larvik")
        worker = make_user(Role.YOUTH_WORKER, town, name="Jonas Haugland", password=PASSWORD)
        cohort = make_cohort(town, name="Kull 2027", status="active")
        cohort.leads = [worker]
        names = [f"Person {n:02d} Ås" for n in range(32)]
        for name in names:
            person = make_ambassador(town, age=15, name=name)
            make_enrolment(cohort, person, enrolled_at=now() - timedelta(days=30))
            make_consent(person, "participation", given_by="guardian")
        session = make_session(cohort, starts_at=now() - timedelta(minutes=5), title="Verksted")
        db.session.commit()
        return Class32(worker.email, cohort.id, session.id, (names[9], names[20], names[31]))


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_roll_call_of_32_with_3_exceptions_from_home(checked, class32):
    """Target: today's roll call 1 tap from home; "everyone present" then the exceptions in
    at most 8 taps for 32 people with 3 exceptions; at least 8 people a screen."""
    page = checked.page
    sign_in(checked, class32.youth_worker)  # not counted: journeys start at home
    walk = Journey(page)
    walk.tap(page.locator(f"main a[href='/sessions/{class32.session}/roll-call']"))
    assert walk.taps == 1
    checked.check("roll-call-32")
    rows = page.locator(".roll-row")
    expect(rows).to_have_count(32)
    per_screen = (page.viewport_size["height"] - 90) / rows.nth(0).bounding_box()["height"]
    assert per_screen >= 8, per_screen
    walk.tap(page.locator("main form.roll-call__everyone button"))
    expect(page.locator(".roll-row button[value=present][aria-pressed=true]")).to_have_count(32)
    for name in class32.absent:
        row = page.locator(".roll-row", has_text=name)
        walk.tap(row.locator("button[value=absent]"))
        expect(row.locator("button[value=absent]")).to_have_attribute("aria-pressed", "true")
    checked.check("roll-call-32-done")
    assert walk.taps <= 8, walk
    assert walk.swipes <= 4, walk  # the three are at 10, 21 and 32 of 32


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_each_page_of_a_cohort_of_32_is_a_few_screens_with_its_actions_on_top(checked, class32):
    """Target: the cohort page at most 4 screens tall at 360 px (it was 28.7 for 32 people).
    Each sub-page is: the ambassadors' page lists 25 a page in two short lines each (the
    moves folded away under "Change", the consents counted)."""
    page = checked.page
    sign_in(checked, class32.youth_worker)  # not counted: journeys start at home
    walk = Journey(page)
    page.goto(f"/cohorts/{class32.cohort}")
    tabs = page.locator("nav.cohort-tabs a")
    hrefs = [tabs.nth(n).get_attribute("href") for n in range(tabs.count())]
    assert len(hrefs) >= 4, hrefs
    for href in hrefs:
        page.goto(href)
        checked.check(f"cohort-{href.rsplit('/', 1)[-1]}")
        assert walk.screens() <= 4, (href, walk.screens())
    # The cohort's main action is on the first screen: enrolling someone takes no swipe.
    page.goto(f"/cohorts/{class32.cohort}")
    walk.tap(page.locator(f"main a[href='/cohorts/{class32.cohort}/enrol']").first)
    checked.check("enrol-32")
    assert walk.swipes == 0


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_enrol_with_consent_and_login_and_hand_over(checked, class32):
    """Target: enrol + consent + login + hand-over in at most 12 taps and 4 swipes (was 20
    and 26), from the cohort's page."""
    page = checked.page
    sign_in(checked, class32.youth_worker)  # not counted: journeys start at home
    page.goto(f"/cohorts/{class32.cohort}")
    checked.check("cohort-32")
    walk = Journey(page)
    walk.tap(page.locator(f"main a[href='/cohorts/{class32.cohort}/enrol']").first)
    walk.type(page.locator("#name"), "Mia Fjeld")
    walk.type(page.locator("#birth_year"), str(YEAR - 14))
    walk.type(page.locator("#school"), "8B")
    walk.type(page.locator("#guardian_name"), "Eva Fjeld")
    walk.type(page.locator("#guardian_phone"), "+47 912 34 999")
    walk.tap(page.locator("input[name=consents][value=participation]"))
    walk.tap(page.locator("input[name=make_login]"))
    checked.check("enrol-filled")
    walk.tap(page.locator("main form.form [type=submit]").first)
    # The hand-over is at the top of the next page: the link, to copy, share or show as QR.
    handover = page.locator("#link-heading")
    expect(handover).to_be_visible()
    assert handover.bounding_box()["y"] < page.viewport_size["height"]
    checked.check("enrolled-hand-over")
    assert walk.taps <= 12, walk
    assert walk.swipes <= 4, walk


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_guide_search_finds_what_people_type(checked, live_server):
    """Target: "foreldre" finds what is written about "foresatte" (a synonym), an English
    word finds its other forms, and an empty result offers the closest entries and topics."""
    from allin.enums import Role
    from allin.extensions import db
    from allin.guide.seed import load_starter_guide
    from tests.factories import make_user

    with live_server.app.app_context():
        make_user(Role.NETWORK_ADMIN)  # a site that is set up: no setup page for visitors
        load_starter_guide()
        db.session.commit()
    page = checked.page
    english = checked.prefix.endswith("en")
    page.goto("/guide/?lang=en" if english else "/guide/")
    checked.check("guide-index")
    walk = Journey(page)
    walk.type(page.locator("#guide-q"), "families" if english else "foreldre")
    walk.tap(page.locator("form.guide-search button"))
    results = page.locator(".guide-result")
    expect(results.first).to_be_visible()
    found = " ".join(page.locator(".guide-result mark").all_inner_texts()).lower()
    assert ("famil" if english else "foresatte") in found, found
    checked.check("guide-search-found")
    assert walk.taps == 2 and walk.swipes == 0, walk
    page.fill("#guide-q", "xylofonorkester")
    page.locator("form.guide-search button").click()
    expect(page.locator(".guide-result")).to_have_count(0)
    expect(page.locator("main ul.guide-tags a").first).to_be_visible()  # topics to choose
    checked.check("guide-search-empty")
