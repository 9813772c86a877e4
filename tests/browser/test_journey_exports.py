"""Issue 21's downloads, as people get them in a browser: a youth worker takes the roster, the
attendance and everyone in the municipality as a workbook and as CSV and finds the rows with
æøå intact and a formula written as text; a young person downloads the copy of their data
and finds every part of it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.test_journey_cohorts import PASSWORD, named, sign_in, submit

pytestmark = pytest.mark.browser

PHONE = [("phone", "nb-NO"), ("phone", "en-GB")]
NAME = "Åse Ærø Øvrebø"
FORMULA = '=HYPERLINK("http://x.example")'


@dataclass(frozen=True)
class Class:
    youth_worker: str
    ambassador: str  # a username
    cohort: int


@pytest.fixture
def klass(live_server) -> Class:
    from allin.clock import now
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
    from tests.training_factories import make_attendance, make_session

    with live_server.app.app_context():
        town = make_municipality("Larvik")
        worker = make_user(Role.YOUTH_WORKER, town, name="Jonas Haugland")
        login = make_user(Role.AMBASSADOR, town, username="ase.o", name=NAME)
        cohort = make_cohort(town, name="Kull 2027", status="active")
        cohort.leads = [worker]
        session = make_session(cohort, days=-3, title="Verksted på Bølgen")
        people = [
            make_ambassador(town, age=17, name=NAME, school=FORMULA, user_id=login.id),
            make_ambassador(town, age=16, name="Bjørn Lie", school="10B"),
        ]
        for person, value in zip(people, ("present", "absent"), strict=True):
            enrolment = make_enrolment(cohort, person, enrolled_at=now() - timedelta(days=30))
            make_consent(person, "participation", given_by="ambassador")
            make_attendance(session, enrolment, value)
        db.session.commit()
        return Class(worker.email, "ase.o", cohort.id)


def fetch(page, link) -> bytes:
    with page.expect_download() as waiting:
        link.click()
    return Path(waiting.value.path()).read_bytes()


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_a_youth_worker_downloads_the_roster_and_the_attendance(checked, klass):
    page = checked.page
    english = checked.prefix.endswith("en")
    sign_in(checked, klass.youth_worker)
    page.goto(f"/cohorts/{klass.cohort}/people")
    checked.check("people-downloads")

    book = openpyxl.load_workbook(
        io.BytesIO(fetch(page, page.locator(f"main a[href='/cohorts/{klass.cohort}/roster.xlsx']")))
    )
    rows = list(book.worksheets[0].iter_rows())
    mine = next(row for row in rows if NAME in [cell.value for cell in row])
    school = next(cell for cell in mine if cell.value == FORMULA)
    assert school.data_type == "s"  # a string cell, shown as text, never a formula to run
    assert any("Bjørn Lie" in [cell.value for cell in row] for row in rows)

    raw = fetch(page, page.locator(f"main a[href='/cohorts/{klass.cohort}/roster.csv']"))
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads æøå
    table = list(
        csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter="," if english else ";")
    )
    mine = next(row for row in table if NAME in row)
    assert "'" + FORMULA in mine, mine

    page.goto(f"/cohorts/{klass.cohort}/progress")
    checked.check("progress-downloads")
    raw = fetch(page, page.locator(f"main a[href='/cohorts/{klass.cohort}/attendance-totals.csv']"))
    text = raw.decode("utf-8-sig")
    assert NAME in text and "Bjørn Lie" in text
    sheet = openpyxl.load_workbook(
        io.BytesIO(
            fetch(page, page.locator(f"main a[href='/cohorts/{klass.cohort}/attendance.xlsx']"))
        )
    )
    assert "Verksted på Bølgen" in str(
        [list(r) for ws in sheet.worksheets for r in ws.iter_rows(values_only=True)]
    )

    # Everyone in the municipality, from the cohort list.
    page.goto("/cohorts/")
    checked.check("cohort-list-downloads")
    book = openpyxl.load_workbook(
        io.BytesIO(fetch(page, page.locator("main a[href='/cohorts/people.xlsx']")))
    )
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert [row[0] for row in rows[1:]] == ["Bjørn Lie", NAME]  # Norwegian order: Å last
    assert rows[2][3].startswith("Kull 2027 (")
    raw = fetch(page, page.locator("main a[href='/cohorts/people.csv']"))
    assert raw.startswith(b"\xef\xbb\xbf") and NAME in raw.decode("utf-8-sig")


@pytest.mark.parametrize("checked", PHONE, indirect=True, ids=named)
def test_a_young_person_downloads_the_copy_of_their_data(checked, klass):
    from allin.ambassadors.data_copy import EXPORTED

    page = checked.page
    sign_in(checked, klass.ambassador)
    page.goto("/account")
    checked.check("account")
    page.locator("main a[href='/ambassadors/my-data']").click()
    checked.check("my-data")
    page.fill("#current", PASSWORD)
    with page.expect_download() as waiting:
        submit(page)
    archive = zipfile.ZipFile(io.BytesIO(Path(waiting.value.path()).read_bytes()))
    assert {"data.json", "index.html"} <= set(archive.namelist())
    data = json.loads(archive.read("data.json"))
    # Every part the inventory test names is in the copy, and the person's own details.
    assert set(data) >= {
        "ambassador",
        "login",
        "enrolments",
        "consents",
        "attendance",
        "concepts",
        "files",
        "audit_events",
    }
    assert set(EXPORTED["ambassador"].split()) <= set(data["ambassador"])
    assert data["ambassador"]["name"] == NAME
    assert [a["value"] for a in data["attendance"]] == ["present"]
    page_text = archive.read("index.html").decode()
    assert NAME in page_text and "Bjørn Lie" not in page_text
    expect(page.locator("main h1")).to_be_visible()
