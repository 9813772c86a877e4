"""Every page that exists, held to the phone-first patterns (issue 7), plus the patterns'
own behaviour: Copy puts the link on the clipboard, the QR decodes to the link, revoking
changes nothing until confirmed, the error summary takes focus, the script runs under the
real CSP, and the demo logins fit a phone.

Widths: the whole tour runs at 360 px in bokmål and 1280 px in English; every check()
also measures sideways scroll and the header at 320 px (= 1280 px at 400 % zoom). The
hand-over runs at 768 px too, the demo logins and the error summary at 320 px.
"""

from __future__ import annotations

import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from allin.demo import create_demo_network
from allin.enums import Role
from allin.extensions import db
from allin.models import Invitation, Municipality, User
from tests.factories import PASSWORD, make_ambassador, make_invitation, make_reset, make_user

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo password 2026"
TOUR = [("phone", "nb-NO"), ("desktop", "en-GB")]


def seed(app) -> dict:
    """The demo network, an ambassador in Larvik, and a pending invitation and reset link."""
    with app.app_context():
        accounts = create_demo_network(password=DEMO_PASSWORD)
        db.session.flush()
        larvik = db.session.query(Municipality).filter_by(name="Larvik").one()
        worker = db.session.query(User).filter_by(role=Role.YOUTH_WORKER, municipality=larvik).one()
        ambassador = make_user(Role.AMBASSADOR, larvik, name="Tuva Lien", username="tuva.l")
        make_ambassador(larvik, name="Tuva Lien", user_id=ambassador.id)  # her record
        coordinator = (
            db.session.query(User).filter_by(role=Role.COORDINATOR, municipality=larvik).one()
        )
        _, invitation_token = make_invitation(worker, role=Role.AMBASSADOR, name="Sara Berg")
        reset_token = make_reset(ambassador)
        db.session.commit()
        logins = {str(a.role): a.login for a in accounts if a.municipality in ("-", "Larvik")}
        return {
            "logins": logins,
            "coordinator_id": coordinator.id,
            "ambassador_id": ambassador.id,
            "invitation_token": invitation_token,
            "reset_token": reset_token,
        }


def sign_in(checked, login, password=DEMO_PASSWORD):
    page = checked.page
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.locator("main form.form [type=submit]").click()
    expect(page.locator("main h1")).to_contain_text(re.compile("Hei|Hello"))


def submit(page):
    page.locator("main form.form [type=submit]").first.click()


@pytest.mark.parametrize("checked", TOUR, indirect=True)
def test_every_page(checked, live_server):
    world = seed(live_server.app)
    page = checked.page
    phone = page.viewport_size["width"] < 700

    # Signed out.
    page.goto("/")
    checked.check("front")
    page.goto("/login")
    checked.check("login")
    submit(page)
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^(Feil|Error): "))
    checked.check("login-error")
    page.goto("/password/forgot")
    checked.check("forgot")
    page.fill("#email", "nobody@example.com")
    submit(page)
    checked.check("forgot-sent")
    page.goto("/invitation/not-a-real-token")
    checked.check("link-invalid")
    page.goto("/no-such-page")
    checked.check("404")
    page.goto(f"/invitation/{world['invitation_token']}")
    expect(page).to_have_url(re.compile(r"/invitation$"))
    checked.check("accept")
    page.goto(f"/password/reset/{world['reset_token']}")
    expect(page).to_have_url(re.compile(r"/password/reset$"))
    checked.check("reset")

    # The network admin: the widest menu.
    sign_in(checked, world["logins"]["network_admin"])
    checked.check("dashboard-admin")
    if phone:  # the menu is behind its button, and the header is one line
        expect(page.locator("header nav:visible")).to_have_count(0)
        expect(checked.header_link("/admin/municipalities/")).to_be_visible()  # opens it
        checked.check("menu-open")
    checked.header_link("/admin/municipalities/").click()
    checked.check("municipalities")
    page.locator("main a.rtable__link").first.click()
    checked.check("municipality-edit")
    page.fill("#digital_consent_age", "")
    submit(page)
    expect(page.locator("[data-error-summary]")).to_be_focused()
    checked.check("municipality-error")
    page.goto("/admin/municipalities/new")
    checked.check("municipality-new")
    checked.header_link("/admin/users/").click()
    checked.check("people-admin")
    page.locator("main a[href='/audit/']").click()
    expect(page.locator("main table.rtable")).to_be_visible()  # the sign-ins above at least
    checked.check("audit")
    page.goto("/audit/?since=2026-05-02&until=2026-05-01")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("#since")).to_have_value("2026-05-02")  # kept as typed
    checked.check("audit-error")
    page.goto("/admin/invitations/")
    checked.check("invitations-admin")
    page.goto("/admin/invitations/new")
    checked.check("invite-admin")
    page.goto(f"/admin/users/{world['coordinator_id']}")
    checked.check("person")
    page.get_by_role("button", name=re.compile("Deaktiver|Deactivate")).click()
    checked.check("confirm-deactivate")
    page.get_by_role("link", name=re.compile("Nei, gå tilbake|No, go back")).click()
    expect(page).to_have_url(re.compile(rf"/admin/users/{world['coordinator_id']}$"))
    with live_server.app.app_context():
        assert db.session.get(User, world["coordinator_id"]).active, "nothing changed"
    checked.header_link("/account").click()
    checked.check("account")
    page.goto("/account/password")
    checked.check("change-password")
    submit(page)
    checked.check("change-password-error")
    checked.sign_out()

    # A youth worker hands a password link to an ambassador without e-mail.
    sign_in(checked, world["logins"]["youth_worker"])
    checked.check("dashboard-worker")
    page.goto(f"/admin/users/{world['ambassador_id']}")
    page.get_by_role("button", name=re.compile("passordlenke|password link")).click()
    expect(page.locator("#reset-link")).to_be_visible()
    checked.check("reset-link")
    checked.sign_out()

    # The ambassador: the smallest menu; two sessions, so "sign out everywhere else" shows.
    elsewhere = page.context.browser.new_context(base_url=live_server.url)
    other = elsewhere.new_page()
    other.goto("/login")
    other.fill("#login", "tuva.l")
    other.fill("#password", PASSWORD)
    other.locator("main form.form [type=submit]").click()
    expect(other.locator("main h1")).to_contain_text("Tuva")
    elsewhere.close()
    sign_in(checked, "tuva.l", PASSWORD)
    checked.check("dashboard-ambassador")
    checked.header_link("/account").click()
    checked.check("account-ambassador")
    page.locator("main a[href='/ambassadors/my-data']").click()
    checked.check("my-data")
    submit(page)  # no password: asked for it, nothing downloaded
    expect(page.locator("[data-error-summary]")).to_be_focused()
    checked.check("my-data-error")
    page.go_back()
    page.go_back()
    page.get_by_role("button", name=re.compile("alle andre steder|everywhere else")).click()
    checked.check("confirm-end-others")
    page.get_by_role("button", name=re.compile("alle andre steder|everywhere else")).click()
    expect(page.locator(".flash--success")).to_be_visible()
    checked.check("ended-others")


@pytest.mark.parametrize("checked", [("phone", "nb-NO"), ("tablet", "en-GB")], indirect=True)
def test_hand_over_copy_qr_and_revoke(checked, live_server, tmp_path):
    world = seed(live_server.app)
    page = checked.page
    page.goto("/login")
    checked.check("login")
    sign_in(checked, world["logins"]["coordinator"])
    checked.check("dashboard-coordinator")
    page.goto("/admin/invitations/new")
    checked.check("invite")
    page.select_option("#role", "youth_worker")
    page.fill("#name", "Jonas Haugland")
    page.fill("#email", "jonas@example.no")
    submit(page)
    link_text = page.locator("#invitation-link")
    expect(link_text).to_be_visible()
    checked.check("hand-over")
    link = link_text.inner_text().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/invitation/[A-Za-z0-9_-]{40,}", link)

    # Copy: the link lands on the clipboard, and the page says so.
    page.locator("[data-copy]").click()
    expect(page.locator(".handover__status")).to_have_text(re.compile("Kopiert|Copied"))
    assert page.evaluate("navigator.clipboard.readText()") == link

    # The QR, as drawn on screen, decodes to the same link, and is big enough to scan.
    qr = page.locator(".handover__qr")
    assert qr.bounding_box()["width"] >= 240
    shot = tmp_path / "qr.png"
    qr.screenshot(path=str(shot))
    decoded = zxingcpp.read_barcodes(Image.open(shot))
    assert [code.text for code in decoded] == [link]

    # Revoke: the first press only asks; going back changes nothing; confirming revokes.
    invitation_id = int(re.search(r"/admin/invitations/(\d+)", page.url).group(1))

    def revoked():
        with live_server.app.app_context():
            return db.session.get(Invitation, invitation_id).revoked_at is not None

    page.get_by_role("button", name=re.compile("Trekk tilbake|Revoke")).click()
    expect(page.locator("main h1")).to_contain_text(re.compile(r"\?$"))
    checked.check("confirm-revoke")
    assert not revoked()
    page.get_by_role("link", name=re.compile("Nei, gå tilbake|No, go back")).click()
    assert not revoked()
    page.get_by_role("button", name=re.compile("Trekk tilbake|Revoke")).click()
    page.locator("main form [name=confirmed]").locator("..").get_by_role("button").click()
    expect(page.locator(".flash--success")).to_be_visible()
    checked.check("revoked")
    assert revoked()


@pytest.mark.parametrize("checked", [("small", "nb-NO"), ("phone", "en-GB")], indirect=True)
def test_demo_logins_fit_a_phone(checked):
    page = checked.page
    page.goto("/setup")
    checked.check("setup")
    page.get_by_role("button", name=re.compile("demonettverket|demo network")).click()
    expect(page.locator("main h1")).to_contain_text(re.compile("Demonettverket|Demo network"))
    checked.check("demo-logins")
    width = page.viewport_size["width"]
    logins = page.locator("main table code")
    assert logins.count() >= 5
    for index in range(logins.count()):
        box = logins.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, "a login is cut off"


@pytest.mark.parametrize("checked", [("small", "nb-NO")], indirect=True)
def test_error_summary_focus_and_links(checked, live_server):
    seed(live_server.app)
    page = checked.page
    page.goto("/login")
    checked.check("login")
    page.fill("#login", "someone@example.no")
    submit(page)
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Feil: Logg inn"))
    checked.check("login-error")
    summary.get_by_role("link").first.click()
    expect(page.locator("#password")).to_be_focused()


def test_the_script_runs_under_the_real_csp(browser, live_server):
    """No bypass_csp here: app.js must load from 'self' and do its work."""
    world = seed(live_server.app)
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 780},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    page.goto("/login")
    page.fill("#login", world["logins"]["coordinator"])
    page.fill("#password", DEMO_PASSWORD)
    submit(page)
    page.goto(f"/admin/users/{world['ambassador_id']}")
    page.locator("main form[action$='/reset-link'] button").click()
    expect(page.locator("[data-copy]")).to_be_visible()  # unhidden by app.js
    page.locator("[data-copy]").click()
    expect(page.locator(".handover__status")).not_to_be_empty()
    assert refused == []
    context.close()
