"""A staff member turns on two-factor sign-in (required by the setting), then signs in with a
code from the app and, another time, with a recovery code. In Chromium, with axe on every
page, in bokmål and English, phone and desktop."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NAME, EMAIL, PASSWORD = "Åse Fjeldstad", "ase@example.no", "lange dager i Larvik"
COMBINATIONS = [("phone", "nb-NO"), ("desktop", "nb-NO"), ("phone", "en-GB"), ("desktop", "en-GB")]


@pytest.fixture
def live_config() -> dict:
    return {"REQUIRE_STAFF_2FA": True}


def submit(page):
    page.locator("main form.form [type=submit]").first.click()


def set_up_network(checked):
    page = checked.page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    checked.check("setup")
    page.fill("#name", NAME)
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#municipality_name", "Larvik")
    submit(page)
    expect(page).to_have_url(re.compile(r"/login$"))


def enter_password(checked):
    page = checked.page
    page.goto("/login")
    checked.check("login")
    page.fill("#login", EMAIL)
    page.fill("#password", PASSWORD)
    submit(page)


def sign_out(checked):
    page = checked.page
    checked.sign_out()
    expect(page).to_have_url(re.compile(r"/$"))
    checked.check("signed-out")


def expect_signed_in(checked, name: str):
    expect(checked.page.get_by_role("heading", level=1)).to_contain_text(NAME)
    checked.check(name)


@pytest.mark.parametrize("checked", COMBINATIONS, indirect=True)
def test_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(checked):
    page = checked.page
    set_up_network(checked)

    # Signed in with the password, but every page leads to enrolment until it is done.
    enter_password(checked)
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    checked.check("two-factor-required")
    page.goto("/admin/users/")
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    page.fill("#setup-current", PASSWORD)
    submit(page)

    expect(page).to_have_url(re.compile(r"/account/two-factor/confirm$"))
    expect(page.locator(".qr svg[role=img]")).to_be_visible()
    checked.check("two-factor-confirm")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.fill("#code", totp.now())
    submit(page)

    # all_inner_texts() does not wait: on a busy machine it read the page before the answer.
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){2}", c) for c in codes)
    checked.check("recovery-codes")
    page.locator("main .actions a.button").click()
    expect_signed_in(checked, "dashboard")
    sign_out(checked)

    # A code from the app: a wrong one first, then the next step's code (the one used for
    # enrolment would be a replay).
    enter_password(checked)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    checked.check("login-code")
    page.fill("#code", "000000")
    submit(page)
    expect(page.locator("#code-error")).to_be_visible()
    checked.check("login-code-error")
    page.fill("#code", totp.at(time.time() + 30))
    submit(page)
    expect_signed_in(checked, "dashboard-after-code")
    sign_out(checked)

    # No phone: a recovery code instead.
    enter_password(checked)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    page.fill("#code", codes[0])
    submit(page)
    expect_signed_in(checked, "dashboard-after-recovery-code")
    checked.header_link("/account").click()
    checked.check("account")
    page.locator("main a[href='/account/two-factor']").click()
    expect(page.locator("main dl.facts")).to_contain_text("9")
    checked.check("two-factor-on")
    sign_out(checked)
