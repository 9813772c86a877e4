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
