"""The report in Chromium (issue 20): a funder (network viewer) signs in on a phone and on a
desktop, opens the report for the grant period from the home's link, finds a row per
municipality and the network's totals, "<5" where the counts are small and no name anywhere,
downloads the CSV and the workbook and finds the same figures, and prints the page to PDF; a
coordinator sees their municipality only."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import sign_in

pytestmark = pytest.mark.browser

BOTH = [("phone", "nb-NO"), ("desktop", "en-GB")]
TEXT = {
    "nb": {"total": "Nettverket totalt", "grant": "Tilskuddsperioden 2024–2026", "csv": ";"},
    "en": {"total": "Network total", "grant": "The grant period 2024–2026", "csv": ","},
}


@pytest.fixture
def network(live_server):
    """Larvik: 3 ambassadors and Bergen 2 (small counts), Kristiansand: 12, in cohorts of
    2025 with a session each; a funder and Larvik's coordinator."""
    from allin.clock import now
    from allin.enums import Role
    from allin.extensions import db
    from tests.factories import (
        make_ambassador,
        make_cohort,
        make_enrolment,
        make_municipality,
        make_user,
    )
    from tests.training_factories import make_attendance, make_session

    with live_server.app.app_context():
        towns = {}
        for name, size in (("Larvik", 3), ("Bergen", 2), ("Kristiansand", 12)):
            town = make_municipality(name)
            cohort = make_cohort(
                town, status="completed", starts_on=date(2025, 1, 6), ends_on=date(2025, 6, 20)
            )
            session = make_session(
                cohort, starts_at=now().replace(year=2025, month=3, day=4, hour=15, minute=0)
            )
            for n in range(size):
                person = make_ambassador(town, name=f"Hemmelig Navn{n:02d} {name}")
                make_attendance(session, make_enrolment(cohort, person, status="graduated"))
            towns[name] = town
        funder = make_user(Role.NETWORK_VIEWER, name="Stiftelsen Trygg By")
        coordinator = make_user(Role.COORDINATOR, towns["Larvik"], name="Marte Solberg")
        db.session.commit()
        return funder.login, coordinator.login, towns["Kristiansand"].id


def _row(page, name: str) -> list[str]:
    """The figures of `name`'s row in the report's first two tables."""
    cells = []
    for table in page.locator("table.report-table").all()[:2]:
        row = table.locator("tr", has=page.locator(f"th:text-is('{name}')"))
        cells += [re.sub(r"\s", "", c) for c in row.locator("td").all_inner_texts()]
    return cells


@pytest.mark.parametrize("checked", BOTH, indirect=True)
def test_a_funder_reads_downloads_and_prints_the_report(checked, network, tmp_path):
    funder, _coordinator, _kristiansand = network
    page, lang = checked.page, checked.prefix.rsplit("-", 1)[1]
    text = TEXT[lang]
    sign_in(checked, funder)
    page.locator("main a[href^='/reports/']").click()  # the home's "Open the report"
    checked.check("report-this-year")
    page.get_by_role("link", name=text["grant"]).click()
    expect(page).to_have_url(re.compile(r"starts=2024-01-01&ends=2026-12-31"))
    checked.check("report-grant")
    body = page.locator("main").inner_text()
    assert "Hemmelig" not in body and "Navn" not in body
    larvik, kristiansand, total = (
        _row(page, "Larvik"),
        _row(page, "Kristiansand"),
        _row(page, text["total"]),
    )
    # Cohorts started, completed, sessions, attendance; enrolled, came, graduated, left.
    assert larvik[:8] == ["1", "1", "1", ":", "<5", "<5", "<5", "0"]
    assert kristiansand[4:8] == ["12", "12", "12", "0"]
    assert total[4:8] == ["17", "17", "17", "0"]

    with page.expect_download() as got:
        page.locator("main a[href*='report.csv']").click()
    rows = list(
        csv.reader(io.StringIO(got.value.path().read_text("utf-8-sig")), delimiter=text["csv"])
    )
    in_csv = {row[0]: [re.sub(r"\s", "", c) for c in row[1:]] for row in rows if len(row) > 1}
    assert in_csv["Larvik"][:8] == larvik[:8] and in_csv[text["total"]][4:8] == total[4:8]
    with page.expect_download() as got:
        page.locator("main a[href*='report.xlsx']").click()
    sheet = openpyxl.load_workbook(io.BytesIO(got.value.path().read_bytes())).worksheets[0]
    in_book = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row[1:2] != (None,)}
    assert list(in_book["Larvik"][4:8]) == ["<5", "<5", "<5", 0]
    assert list(in_book["Kristiansand"][4:8]) == [12, 12, 12, 0]

    pdf = tmp_path / "report.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    assert not page.locator("main .actions").is_visible()  # no buttons on paper
    assert page.locator(".report-print-head").is_visible()  # the period on every page
    page.emulate_media(media="screen")


@pytest.mark.parametrize("checked", [("phone", "nb-NO")], indirect=True)
def test_a_coordinator_sees_their_municipality_only(checked, network):
    _funder, coordinator, kristiansand = network
    page = checked.page
    sign_in(checked, coordinator)
    page.goto("/reports/?starts=2025-01-01&ends=2025-12-31")
    checked.check("report-coordinator")
    assert page.locator("table.report-table th:text-is('Larvik')").count() > 0
    assert page.locator("text=Kristiansand").count() == 0
    assert page.locator("text=Nettverket totalt").count() == 0
    response = page.goto(f"/reports/?municipality={kristiansand}")
    assert response.status == 404
    checked.check("report-foreign")
