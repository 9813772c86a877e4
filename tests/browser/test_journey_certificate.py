"""A graduate's certificate in Chromium, bokmål and English, axe on every page: the ambassador
opens it from their home, it prints to one A4 page (page.pdf), and its verification address
shows the first name and the last name's initial only."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import sign_in

pytestmark = pytest.mark.browser

BOTH = [("phone", "nb-NO"), ("desktop", "en-GB")]
TEXT = {
    "nb": {"title": "Bevis", "genuine": "Ekte bevis"},
    "en": {"title": "Certificate", "genuine": "Genuine certificate"},
}


@pytest.fixture
def graduate(live_server) -> dict:
    from allin.enums import Role
    from allin.extensions import db
    from tests.factories import (
        make_ambassador,
        make_cohort,
        make_concept,
        make_enrolment,
        make_municipality,
        make_user,
    )
    from tests.training_factories import make_attendance, make_session

    with live_server.app.app_context():
        municipality = make_municipality("Larvik")
        make_user(Role.COORDINATOR, municipality, name="Marte Solberg")
        user = make_user(Role.AMBASSADOR, municipality, username="liv.n", name="Liv")
        liv = make_ambassador(municipality, name="Liv Marie Nordmann", user_id=user.id)
        cohorts = []
        for year, role in ((2024, "ambassador"), (2025, "peer_mentor")):
            cohort = make_cohort(
                municipality,
                name=f"Kull {year}",
                starts_on=date(year, 8, 1),
                ends_on=date(year + 1, 6, 1),
                status="completed",
            )
            enrolment = make_enrolment(cohort, liv, status="graduated", role=role)
            for n, value in enumerate(["present", "late", "absent", "present", "present"]):
                make_attendance(
                    make_session(cohort, days=-400 + n * 30 + (year - 2024) * 200), enrolment, value
                )
            make_concept(cohort, members=[enrolment], stage="launched", title=f"Fredagsgym {year}")
            cohorts.append(cohort)
        db.session.commit()
        return {"ambassador": "liv.n", "id": liv.id}


def lang(checked) -> str:
    return "en" if checked.prefix.endswith("-en") else "nb"


def pages_in(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("checked", BOTH, indirect=True)
def test_a_graduate_prints_a_one_page_certificate_and_it_verifies(checked, graduate):
    text = TEXT[lang(checked)]
    page = checked.page
    sign_in(checked, graduate["ambassador"])
    page.locator(f"main a[href='/ambassadors/{graduate['id']}/certificate']").click()
    expect(page.locator("h1")).to_have_text(text["title"])
    expect(page.locator(".certificate__name")).to_have_text("Liv Marie Nordmann")
    expect(page.locator(".certificate__signer")).to_have_text("Marte Solberg")
    checked.check("certificate")

    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert pages_in(pdf) == 1, f"{pages_in(pdf)} pages"
    page.emulate_media(media="print")
    checked.shoot("certificate-print", full_page=True)
    page.emulate_media(media="screen")

    link = page.locator(".certificate__link").inner_text().strip()
    assert re.search(r"/certificates/[A-Za-z0-9_-]{43}$", link)
    checked.sign_out()
    page.goto(link)
    expect(page.locator("h1")).to_have_text(text["genuine"])
    main = page.locator("main").inner_text()
    assert "Liv N." in main and "Nordmann" not in main and "Marie" not in main
    assert "2024–2026" in main
    assert page.locator("meta[name=robots]").get_attribute("content") == "noindex, nofollow"
    checked.check("verified")
