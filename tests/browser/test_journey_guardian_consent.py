"""A guardian's consent online at phone size (issue 25): the youth worker makes the link, the
guardian gives photo consent but not publishing the name, then withdraws participation with
the receipt link; the youth worker's page shows each step. axe on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import larvik, named, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = [("phone", "en-GB"), ("phone", "nb-NO")]
# The same journey on a desktop, for the wide layout (and its screenshots).
DESKTOP = [("desktop", "en-GB"), ("desktop", "nb-NO")]


@pytest.fixture
def young(live_server, larvik):  # noqa: F811
    """Liv Nilsen, 12, in Larvik's cohort: a guardian gives every consent."""
    from allin.extensions import db
    from allin.models import Cohort
    from tests.factories import make_ambassador, make_enrolment

    with live_server.app.app_context():
        cohort = db.session.get(Cohort, larvik.cohort_id)
        liv = make_ambassador(cohort.municipality, age=12, name="Liv Nilsen")
        make_enrolment(cohort, liv)
        db.session.commit()
        return liv.id


@pytest.mark.parametrize("checked", PHONE + DESKTOP, indirect=True, ids=named)
def test_a_guardian_consents_on_a_phone_and_withdraws_later(checked, larvik, young):  # noqa: F811
    page = checked.page
    english = checked.page.evaluate("navigator.language").startswith("en")
    assert page.viewport_size["width"] in (360, 1280)
    person = f"/ambassadors/{young}"
    sign_in(checked, larvik.youth_worker)
    page.goto(person)
    checked.check("ambassador-before")
    page.locator(f"main form[action='/guardian/ambassadors/{young}/link'] button").click()
    expect(page).to_have_url(re.compile(rf"{person}$"))
    checked.check("ambassador-link")
    link = page.locator("#consent-link").inner_text()
    assert "/guardian/consent/" in link

    # The guardian: no account, on a phone.
    page.context.clear_cookies()
    page.goto(link)
    checked.check("guardian-form")
    assert "Liv" in page.content() and "Nilsen" not in page.locator("main").inner_text()
    page.locator("main form.form button[type=submit]").click()  # nothing chosen: told so
    expect(page.locator("#participation-error")).to_be_visible()
    checked.check("guardian-form-errors")
    page.check("#participation-0")
    page.check("#photo-0")
    page.check("#publish_name-1")
    page.fill("#guardian_name", "Kari Nilsen")
    page.fill("#relation", "mor")
    page.locator("main form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/guardian/receipt/"))
    checked.check("guardian-receipt")
    assert "Nilsen" not in page.locator("main").inner_text()
    receipt = page.url
    page.locator("main form:has(input[name=purpose][value=participation]) button").click()
    checked.check("guardian-confirm-withdrawal")  # nothing changes until confirmed
    page.locator("main form.confirm__actions button[type=submit]").click()
    expect(page).to_have_url(receipt)
    checked.check("guardian-withdrawn")
    expect(page.locator("main form input[name=purpose][value=participation]")).to_have_count(0)
    expect(page.locator("main form input[name=purpose][value=photo]")).to_have_count(1)

    # The youth worker's page shows each step.
    sign_in(checked, larvik.youth_worker)
    page.goto(person)
    checked.check("ambassador-after")
    main = page.locator("main").inner_text()
    assert main.count("Kari Nilsen") >= 3  # two consents and the link's answer
    if english:
        assert "Given online by guardian Kari Nilsen" in main
        assert "withdrawn online by the guardian" in main
        assert "declined: Publishing the name" in main
