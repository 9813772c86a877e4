"""Erasure at phone size (360 px), in bokmål and English, with axe on every page: a
coordinator opens an ambassador's page, reads what erasing takes away, erases, and the name is
gone from the cohort's pages (issue 21)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import larvik, named, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
NAME = "Sigrid Brekke"


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_a_coordinator_erases_an_ambassador_on_a_phone(checked, larvik):  # noqa: F811
    page = checked.page
    assert page.viewport_size["width"] == 360
    sign_in(checked, larvik.coordinator)
    page.goto(f"/ambassadors/{larvik.ambassador_id}")
    checked.check("ambassador")
    page.locator(f"main a[href='/ambassadors/{larvik.ambassador_id}/erase']").click()
    expect(page).to_have_url(re.compile(rf"/ambassadors/{larvik.ambassador_id}/erase$"))
    checked.check("erase-confirmation")
    confirmation = page.locator("main").inner_text()
    assert NAME in confirmation  # it says whose data goes
    assert re.search(r"1 (consent|samtykke)", confirmation)  # and what: the consent
    assert page.locator("main ul.erase-list li").count() >= 8
    page.locator(f"main form[action='/ambassadors/{larvik.ambassador_id}/erase'] button").click()
    expect(page).to_have_url(re.compile(rf"/ambassadors/{larvik.ambassador_id}$"))
    checked.check("erased")
    assert NAME not in page.content()
    for url in (f"/cohorts/{larvik.cohort_id}/people", f"/cohorts/{larvik.cohort_id}"):
        page.goto(url)
        checked.check(url.strip("/").replace("/", "-"))
        assert NAME not in page.content() and "Sigrid" not in page.content(), url


@pytest.mark.parametrize("checked", [("phone", "en-GB")], indirect=True, ids=named)
def test_a_legal_hold_stops_erasure_until_it_is_lifted(checked, larvik):  # noqa: F811
    page = checked.page
    sign_in(checked, larvik.coordinator)
    person = f"/ambassadors/{larvik.ambassador_id}"
    page.goto(person)
    checked.check("ambassador")
    page.locator(f"main a[href='{person}/hold']").click()
    checked.check("hold-form")
    page.locator("main form.form button[type=submit]").click()  # no reason: said at the field
    expect(page.locator("main")).to_contain_text("Say why the data must be kept")
    checked.check("hold-form-error")
    page.fill("#reason", "Klagesak 2027/4")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{person}$"))
    checked.check("held")
    expect(page.locator("main")).to_contain_text("Klagesak 2027/4")
    assert page.locator(f"main a[href='{person}/erase']").count() == 0
    page.goto(f"{person}/erase")
    checked.check("erase-refused")
    expect(page.locator("main")).to_contain_text("A legal hold is set on this person")
    page.goto(person)
    checked.check("held-again")
    page.locator(f"main form[action='{person}/hold/lift'] button").click()
    checked.check("lift-confirmation")
    page.locator("main form.confirm__actions button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{person}$"))
    checked.check("lifted")
    assert page.locator(f"main a[href='{person}/erase']").count() == 1
