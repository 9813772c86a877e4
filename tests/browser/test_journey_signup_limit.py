"""Sign-up over the rate limit, at phone size and on a desktop: a class at a school visit
shares one network address; the one who sends after 60 others in a minute gets the form back
as they filled it in, with how long to wait. axe and the HTML checker on that page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import larvik, named  # noqa: F401

pytestmark = pytest.mark.browser

SIZES = [("phone", "en-GB"), ("phone", "nb-NO"), ("desktop", "en-GB"), ("desktop", "nb-NO")]

# Sixty sends of the form as it stands (its CSRF token, the hidden field filled: nothing is
# stored), from the same browser, so the same address.
SIXTY_SENDS = """async () => {
  const form = document.querySelector("main form.form");
  const data = new FormData(form);
  data.set("website", "http://spam.example");
  const codes = [];
  for (let n = 0; n < 60; n++) {
    const sent = await fetch(location.href, {method: "POST", body: data, redirect: "manual"});
    codes.push(sent.status);
  }
  return codes;
}"""


@pytest.fixture
def live_config() -> dict:
    return {"RATELIMIT_ENABLED": True}


@pytest.mark.parametrize("checked", SIZES, indirect=True, ids=named)
def test_a_sign_up_over_the_limit_keeps_what_was_typed(checked, larvik, live_server):  # noqa: F811
    from allin.extensions import db, limiter
    from allin.models import Cohort, User
    from allin.signups import services

    limiter.reset()  # the limiter's counts outlive an app (tests/RECIPES)
    with live_server.app.app_context():
        cohort = db.session.get(Cohort, larvik.cohort_id)
        coordinator = db.session.scalar(db.select(User).where(User.email == larvik.coordinator))
        key = services.set_open(cohort, actor=coordinator, open_=True).key
        db.session.commit()
    page = checked.page
    english = page.evaluate("navigator.language").startswith("en")
    page.goto(f"/join/{key}")
    checked.check("join-form")
    codes = page.evaluate(SIXTY_SENDS)
    assert codes == [0] * 60  # each redirected to the thank-you (0: fetch hides a redirect)
    page.fill("#name", "Nora Berg")
    page.fill("#birth_year", str(page.evaluate("new Date().getFullYear()") - 20))
    page.fill("#school", "Hedrum 10A")
    page.fill("#phone", "+47 912 34 567")
    page.fill("#motivation", "Jeg vil at alle skal ha et sted å være.")
    page.locator("main form.form button[type=submit]").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    told = "Many sign-ups have come in just now" if english else "Mange har meldt seg på"
    expect(summary).to_contain_text(told)
    heading = "Your sign-up is not sent yet:" if english else "Påmeldingen din er ikke sendt ennå:"
    expect(summary.get_by_role("heading")).to_have_text(heading)
    expect(page.locator("#name")).to_have_value("Nora Berg")
    expect(page.locator("#school")).to_have_value("Hedrum 10A")
    expect(page.locator("#motivation")).to_have_value("Jeg vil at alle skal ha et sted å være.")
    checked.check("join-over-limit")
    with live_server.app.app_context():
        from allin.models import Signup

        assert db.session.scalar(db.select(db.func.count()).select_from(Signup)) == 0
