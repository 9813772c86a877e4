"""Cohort journeys at phone size, in bokmål and English, with axe on every page: a coordinator
creates a cohort; a youth worker enrols a minor with a guardian and records consent; a youth
worker imports a class from a semicolon CSV in Windows-1252; an ambassador signs in through the
QR link and sees their cohort. The main journeys (enrolling with consent; moving an enrolment
and printing the sign-in cards) run at desktop width too."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
MAIN = [*PHONE, ("desktop", "nb-NO"), ("desktop", "en-GB")]


def named(param) -> str:
    viewport, locale = param
    return f"{viewport}-{locale[:2]}"


PASSWORD = "correct horse battery"
YEAR = date.today().year


@dataclass(frozen=True)
class Larvik:
    coordinator: str
    youth_worker: str
    cohort_id: int
    ambassador_id: int


@pytest.fixture
def larvik(live_server) -> Larvik:
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

    with live_server.app.app_context():
        municipality = make_municipality("Larvik")
        coordinator = make_user(Role.COORDINATOR, municipality, name="Marte Solberg")
        worker = make_user(Role.YOUTH_WORKER, municipality, name="Jonas Haugland")
        cohort = make_cohort(municipality, name="Kull 2027", status="active")
        cohort.leads = [worker]
        sigrid = make_ambassador(municipality, age=15, name="Sigrid Brekke")
        make_enrolment(cohort, sigrid)
        make_consent(sigrid, "participation", given_by="ambassador")
        db.session.commit()
        return Larvik(coordinator.email, worker.email, cohort.id, sigrid.id)


def submit(page):
    page.locator("main form.form [type=submit]").first.click()


def sign_in(checked, login, password=PASSWORD):
    page = checked.page
    page.goto("/login")
    checked.check("login")
    page.fill("#login", login)
    page.fill("#password", password)
    submit(page)
    expect(page).to_have_url(re.compile(r"/$"))
    checked.check("home")


def open_menu_item(checked, href, name):
    checked.header_link(href).click()
    checked.check(name)


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_coordinator_creates_a_cohort(checked, larvik):
    page = checked.page
    sign_in(checked, larvik.coordinator)
    open_menu_item(checked, "/cohorts/", "cohort-list")
    page.locator("main a[href='/cohorts/new']").click()
    checked.check("cohort-new")

    # A mistake first: the end before the start comes back beside the field, input kept.
    page.fill("#name", "Høst 2027")
    page.fill("#starts_on", "2027-08-20")
    page.fill("#ends_on", "2027-08-01")
    page.locator("input[name=leads]").first.check()
    page.fill("#description", "Kick-off på Stavern")
    submit(page)
    expect(page.locator("#ends_on-error")).to_be_visible()
    expect(page.locator("#name")).to_have_value("Høst 2027")
    checked.check("cohort-new-error")

    page.fill("#ends_on", "2027-12-15")
    submit(page)
    expect(page).to_have_url(re.compile(r"/cohorts/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Høst 2027")
    checked.check("cohort-detail-new")


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_enrol_consent_and_login_in_one_step_on_a_phone(checked, larvik):
    """Issue 22: the enrolment form takes the guardian's consent and makes the login; the
    next page hands the link over (two screens, about ten taps)."""
    page = checked.page
    sign_in(checked, larvik.youth_worker)
    page.goto(f"/cohorts/{larvik.cohort_id}/enrol")
    checked.check("enrol-one-step")
    page.fill("#name", "Mia Fjeld")
    page.fill("#birth_year", str(YEAR - 14))
    page.fill("#school", "8B")
    page.fill("#guardian_name", "Eva Fjeld")
    page.fill("#guardian_phone", "+47 912 34 999")
    page.locator("input[name=consents][value=participation]").check()
    page.locator("input[name=make_login]").check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/ambassadors/\d+$"))
    expect(page.locator("#link-heading")).to_be_visible()
    expect(page.locator(".flash--success")).to_be_visible()
    checked.check("enrol-one-step-hand-over")


@pytest.mark.parametrize("checked", MAIN, indirect=True, ids=named)
def test_youth_worker_enrols_a_minor_and_records_consent(checked, larvik):
    page = checked.page
    sign_in(checked, larvik.youth_worker)
    page.goto(f"/cohorts/{larvik.cohort_id}")
    checked.check("cohort-detail")
    page.locator(f"main a[href='/cohorts/{larvik.cohort_id}/enrol']").click()
    checked.check("enrol")

    page.fill("#name", "Åse Sæther")
    page.fill("#birth_year", str(YEAR - 13))
    page.fill("#school", "Larvik ungdomsskole 8A")
    submit(page)  # no guardian for a 12-year-old
    expect(page.locator("#guardian_name-error")).to_be_visible()
    expect(page.locator("#school")).to_have_value("Larvik ungdomsskole 8A")
    checked.check("enrol-error")

    page.fill("#guardian_name", "Kari Sæther")
    page.fill("#guardian_phone", "+47 912 34 567")
    submit(page)
    expect(page).to_have_url(re.compile(r"/ambassadors/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Åse Sæther")
    expect(page.locator(".notice").first).to_contain_text("13")  # no login before consent
    checked.check("ambassador-new")

    page.locator("main a[href$='/consents/new']").click()
    checked.check("consent-new")
    page.locator("input[name=purpose][value=participation]").check()
    page.locator("input[name=given_by][value=guardian]").check()
    expect(page.locator("#guardian_name")).to_have_value("Kari Sæther")
    page.locator("input[name=method][value=paper]").check()
    submit(page)
    expect(page.locator(".flash--success")).to_be_visible()
    expect(page.locator("main form[action$='/login'] button")).to_be_visible()
    checked.check("ambassador-consented")

    # Withdrawing asks first (the consequence, the real button, a way back); then at once.
    page.locator("main .consent form[action$='/withdraw'] button").first.click()
    expect(page.locator("main form input[name=confirmed]")).to_have_count(1)
    checked.check("consent-withdraw-confirm")
    page.locator("main .confirm__actions button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ambassadors/\d+$"))
    expect(page.locator(".flash--success")).to_be_visible()
    expect(page.locator("main .consent--withdrawn")).to_have_count(1)
    expect(page.locator("main form[action$='/login']")).to_have_count(0)  # a guardian again
    checked.check("consent-withdrawn")

    page.goto(f"/cohorts/{larvik.cohort_id}/people?missing=1")
    expect(page.locator(".member__name", has_text="Åse Sæther")).to_be_visible()
    checked.check("cohort-missing-consent")

    # On paper: the facts, the figures and the people; no controls; the municipality and the
    # day under the title.
    page.emulate_media(media="print")
    expect(page.locator("main .print-only")).to_contain_text("Larvik")
    for control in ("main form", "main .button", "main .downloads", "main .member__actions"):
        for element in page.locator(control).all():
            expect(element).to_be_hidden()
    expect(page.locator(".member__name", has_text="Åse Sæther")).to_be_visible()
    checked.shoot("cohort-print", full_page=True)
    page.emulate_media(media="screen")
    expect(page.locator("main .print-only")).to_be_hidden()


CLASS_CSV = (
    "Navn;Fødselsår;Skole;Foresatt;Foresatt telefon;Kommentar\r\n"
    f"Øystein Bakkevik;{YEAR - 14};9B;Liv Bakkevik;+47 900 11 222;ingen\r\n"
    f"Håkon Nymoen;{YEAR - 15};9B;Åse Nymoen;+47 900 11 333;\r\n"
    f'"Ragnhild Sæther";{YEAR - 14};"9B";"Torstein Sæther";"+47 900 11 444";"to\r\nlinjer"\r\n'
    "Sigrid Holm;2O11;9B;Anne Holm;+47 900 11 555;\r\n"  # a letter O for a zero
).encode("cp1252")


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_youth_worker_imports_a_class_from_norwegian_excel(checked, larvik):
    page = checked.page
    sign_in(checked, larvik.youth_worker)
    page.goto(f"/cohorts/{larvik.cohort_id}/import")
    checked.check("import")
    page.set_input_files(
        "#spreadsheet", files=[{"name": "9B.csv", "mimeType": "text/csv", "buffer": CLASS_CSV}]
    )
    submit(page)
    expect(page).to_have_url(re.compile(r"/import/[\w-]+$"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(2)).to_contain_text("Ragnhild Sæther")
    expect(page.locator("main")).to_contain_text("Kommentar")  # the ignored column is listed
    checked.check("import-preview")

    # One bad row does not stop the class: it is corrected on the page (issue 22).
    bad = page.locator("#row-5")
    expect(bad).to_contain_text("Fødselsår")
    bad.locator("summary").click()
    checked.check("import-preview-correct")
    bad.locator("input[name='row5-birth_year']").fill(str(YEAR - 15))
    bad.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/import/[\w-]+#row-5$"))
    expect(page.locator(".flash--success")).to_be_visible()
    expect(page.locator("main .import-row--error")).to_have_count(0)
    checked.check("import-preview-corrected")

    page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/cohorts/{larvik.cohort_id}/people$"))
    expect(page.locator(".flash--success")).to_be_visible()
    for name in ("Øystein Bakkevik", "Håkon Nymoen", "Ragnhild Sæther", "Sigrid Holm"):
        expect(page.locator(".member__name", has_text=name)).to_be_visible()
    checked.check("cohort-after-import")


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_ambassador_signs_in_through_the_qr_link_and_sees_their_cohort(checked, larvik):
    page = checked.page
    sign_in(checked, larvik.youth_worker)
    page.goto(f"/ambassadors/{larvik.ambassador_id}")
    checked.check("ambassador")
    page.locator("main form[action$='/login'] button").click()
    qr = page.locator(".handover .handover__qr[role=img] svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 120, box  # large enough to scan from a phone
    link = page.locator("#login-link").inner_text().strip()
    checked.check("ambassador-qr")
    checked.sign_out()
    expect(page).to_have_url(re.compile(r"/$"))
    checked.check("signed-out")

    page.goto(link)
    expect(page).to_have_url(re.compile(r"/invitation$"))
    checked.check("accept")
    page.fill("#username", "sigrid.b")
    page.fill("#password", "sommer ved fjorden 26")
    page.fill("#confirm", "sommer ved fjorden 26")
    submit(page)
    # Accepting signs the young person in at once (the phone-first patterns).
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#my-cohorts-heading")).to_be_visible()
    expect(page.locator("#my-consents-heading")).to_be_visible()
    checked.check("ambassador-home")
    page.locator("main .cohort-card__name a", has_text="Kull 2027").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kull 2027")
    expect(page.locator("main")).not_to_contain_text("Sigrid Brekke")  # no member list
    checked.check("ambassador-cohort")


KICK_OFF = [
    "Tuva Lie",
    "Emil Strand",
    "Nora Berg",
    "Jakob Moen",
    "Ingrid Dahl",
    "Filip Holm",
    "Sara Lund",
    "Oskar Bø",
    "Maja Nes",
    "Elias Vik",
    "Ella Rød",
    "Noah Aas",
]


@pytest.fixture
def kick_off(live_server, larvik) -> None:
    """Twelve more young people, invited and without a login: three printed pages of cards."""
    from allin.extensions import db
    from allin.models import Cohort
    from tests.factories import make_ambassador, make_enrolment

    with live_server.app.app_context():
        cohort = db.session.get(Cohort, larvik.cohort_id)
        for name in KICK_OFF:
            ambassador = make_ambassador(cohort.municipality, age=15, name=name)
            make_enrolment(cohort, ambassador, status="invited")
        db.session.commit()


CARD_BREAKS_JS = """() => Array.from(document.querySelectorAll(".hand-out__card"),
  (card) => getComputedStyle(card).breakInside)"""
A4_INNER = {"width": 718, "height": 1047}  # 19 x 27.7 cm in CSS px
HIDDEN_IN_PRINT = [".site-header", ".site-footer", ".flashes", ".hand-out__intro"]


@pytest.mark.parametrize("checked", MAIN, indirect=True, ids=named)
def test_youth_worker_moves_an_enrolment_and_prints_sign_in_cards(checked, larvik, kick_off):
    page = checked.page
    sign_in(checked, larvik.youth_worker)
    page.goto(f"/cohorts/{larvik.cohort_id}")
    checked.check("cohort-overview")
    people = f"/cohorts/{larvik.cohort_id}/people"
    page.locator(f".cohort-tabs a[href='{people}']").click()
    expect(page.locator(".cohort-tabs a[aria-current=page]")).to_have_attribute("href", people)
    checked.check("cohort-invited")

    # Tuva came to the kick-off: invited -> active, from the member list.
    tuva = page.locator(".member", has=page.locator(".member__name", has_text="Tuva Lie"))
    tuva.locator(".member__more summary").click()  # the moves are folded away
    tuva.locator("form.enrolment-moves button[value=active]").click()
    expect(page).to_have_url(re.compile(rf"/cohorts/{larvik.cohort_id}/people\??$"))
    expect(page.locator(".flash--success")).to_contain_text("Tuva Lie")
    expect(tuva.locator("button[value=active]")).to_have_count(0)
    tuva.locator(".member__more summary").click()
    expect(tuva.locator("button[value=graduated]")).to_be_visible()
    expect(tuva.locator("button[value=invited]")).to_have_count(0)  # back: coordinators only
    checked.check("cohort-moved")

    page.locator(f"main a[href='/cohorts/{larvik.cohort_id}/hand-out']").click()
    checked.check("hand-out-start")
    page.locator("main form[method=post] button[type=submit]").click()
    cards = page.locator(".hand-out__card")
    expect(cards).to_have_count(len(KICK_OFF) + 1)  # and Sigrid, who has no login either
    checked.check("hand-out")

    # The QR on the card, as drawn, decodes to the card's own link on this site.
    card = cards.first
    link = card.locator(".hand-out__link").inner_text().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/invitation/[A-Za-z0-9_-]{40,}", link), link
    qr = card.locator(".handover__qr[role=img]")
    assert qr.bounding_box()["width"] >= 150  # about 4 cm on paper, big enough to scan
    shot = Image.open(io.BytesIO(qr.screenshot()))
    assert [code.text for code in zxingcpp.read_barcodes(shot)] == [link]

    # Printed: only the cards, three to a row, three rows to a sheet, none cut by a page break.
    # Laid out at the width of A4 within its 1 cm margins (19 cm = 718 px at 96 px to the inch).
    size = page.viewport_size
    page.set_viewport_size({"width": A4_INNER["width"], "height": size["height"]})
    page.emulate_media(media="print")
    for selector in HIDDEN_IN_PRINT:
        expect(page.locator(selector).first).to_be_hidden()
    assert set(page.evaluate(CARD_BREAKS_JS)) == {"avoid"}
    lefts = {round(box["x"]) for box in (c.bounding_box() for c in cards.all())}
    assert len(lefts) == 3, lefts
    tallest = max(c.bounding_box()["height"] for c in cards.all())
    assert tallest * 3 <= A4_INNER["height"], tallest
    checked.shoot("print", full_page=True)
    if checked.screenshot_dir is not None:
        page.pdf(path=str(checked.screenshot_dir / f"{checked.prefix}-cards.pdf"), format="A4")
    page.emulate_media(media="screen")
    page.set_viewport_size(size)

    # The young person scans it: the link opens the invitation.
    checked.sign_out()
    expect(page).to_have_url(re.compile(r"/$"))
    checked.check("signed-out")
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/invitation$"))
    checked.check("accept-from-card")
