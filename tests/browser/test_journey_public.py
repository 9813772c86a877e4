"""A newcomer's first minute: landing page, language switch, an error page, the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def demo_network(live_server):
    """Accounts exist, so pages are not redirected to /setup."""
    from allin.demo import create_demo_network
    from allin.extensions import db

    with live_server.app.app_context():
        create_demo_network(password="demo password 2026")
        db.session.commit()


def test_landing_language_and_error_page(checked):
    page = checked.page
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_text("En kul og trygg by for all ungdom")
    checked.check("landing-nb")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("A cool and safe city for all youth")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    checked.check("landing-en")

    page.goto("/this-page-does-not-exist")
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    checked.check("404-en")

    page.get_by_role("button", name="Norsk (bokmål)").click()
    expect(page).to_have_url(re.compile(r"/this-page-does-not-exist$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vi fant ikke den siden")
    checked.check("404-nb")


def test_skip_link_is_the_first_stop_for_the_keyboard(checked):
    page = checked.page
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hopp til hovedinnholdet")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    checked.check("skip-link")
