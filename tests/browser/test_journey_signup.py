"""Sign-up for new ambassadors at phone size (issue 25): the coordinator opens the cohort's
form, a young person signs up on a phone at 360 px, and a youth worker accepts the sign-up:
it becomes an enrolment. axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import larvik, named, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = [("phone", "en-GB"), ("phone", "nb-NO")]
# The same journey on a desktop, for the wide layout (and its screenshots).
DESKTOP = [("desktop", "en-GB"), ("desktop", "nb-NO")]


@pytest.mark.parametrize("checked", PHONE + DESKTOP, indirect=True, ids=named)
def test_a_sign_up_becomes_an_enrolment(checked, larvik):  # noqa: F811
    page = checked.page
    assert page.viewport_size["width"] in (360, 1280)
    english = page.evaluate("navigator.language").startswith("en")
    signups = f"/signups/cohorts/{larvik.cohort_id}"
    sign_in(checked, larvik.coordinator)
    page.goto(signups)
    checked.check("signups-closed")
    page.locator(f"main form[action='{signups}/open'] button").click()
    expect(page).to_have_url(re.compile(rf"{signups}$"))
    checked.check("signups-open")
    address = page.locator("#signup-address").inner_text()
    assert "/join/" in address

    # A young person on a phone, not signed in.
    page.context.clear_cookies()
    page.goto(address)
    checked.check("join-form")
    page.fill("#name", "Emma Hansen")
    page.fill("#birth_year", str(page.evaluate("new Date().getFullYear()") - 13))
    page.fill("#school", "Hedrum 8B")
    page.fill("#phone", "+47 912 34 567")
    page.fill("#motivation", "Jeg vil gjøre byen tryggere.")
    page.locator("main form.form button[type=submit]").click()  # no guardian: told at the field
    expect(page.locator("#guardian_name-error")).to_be_visible()
    expect(page.locator("#name")).to_have_value("Emma Hansen")
    checked.check("join-form-error")
    page.fill("#guardian_name", "Per Hansen")
    page.fill("#guardian_phone", "+47 913 00 000")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/join/[^/]+/thanks$"))
    checked.check("join-thanks")

    # The youth worker sees it in the cohort and accepts it.
    sign_in(checked, larvik.youth_worker)
    page.goto(f"/cohorts/{larvik.cohort_id}/people")
    checked.check("people-with-signups")
    page.locator(f"main a[href='{signups}']").click()
    expect(page).to_have_url(re.compile(rf"{signups}$"))
    checked.check("signups-waiting")
    expect(page.locator("main")).to_contain_text("Emma Hansen")
    page.locator("main li.signup form[action$='/accept'] button").first.click()
    expect(page).to_have_url(re.compile(r"/ambassadors/\d+$"))
    checked.check("enrolled")
    expect(page.get_by_role("heading", level=1)).to_have_text("Emma Hansen")
    expect(page.locator("main")).to_contain_text("Per Hansen")
    page.goto(f"/cohorts/{larvik.cohort_id}/people")
    checked.check("people-after")
    expect(page.locator("main")).to_contain_text("Emma Hansen")
    if english:
        page.goto(signups)
        checked.check("signups-empty")
        expect(page.locator("main")).to_contain_text("No sign-ups are waiting.")
