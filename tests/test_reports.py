"""The report (issue 20): who sees which figures, what each figure counts, small numbers
suppressed, the downloads equal the page, bad input answered, constant queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from allin.clock import now
from allin.enums import Role
from allin.extensions import db
from allin.models import AuditEvent, Municipality
from tests.conftest import Person
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_enrolment,
    make_timeline_entry,
    make_user,
)
from tests.training_factories import make_attendance, make_session

YEAR = now().year
THIS_YEAR = f"starts={YEAR}-01-01&ends={YEAR}-12-31"


def person(user) -> Person:
    return Person(user.id, user.login, user.municipality_id)


@pytest.fixture
def viewer(app, world):
    with app.app_context():
        user = make_user(Role.NETWORK_VIEWER, name="Funder Person")
        db.session.commit()
        return person(user)


def enrol_people(municipality_id, count, *, cohort=None, status="active", age=15, **fields):
    """`count` ambassadors in a cohort of this year (a new active one unless given), each at
    one past session, present."""
    municipality = db.session.get(Municipality, municipality_id)
    cohort = cohort or make_cohort(municipality, status="active")
    session = make_session(cohort, days=-1)
    enrolments = []
    for n in range(count):
        ambassador = make_ambassador(
            municipality, age=age, name=f"Secret Name {municipality_id}-{n}"
        )
        enrolment = make_enrolment(cohort, ambassador, status=status, **fields)
        make_attendance(session, enrolment, "present")
        enrolments.append(enrolment)
    return cohort, enrolments


def cells(html: str, row: str) -> list[str]:
    """The cells of every row headed `row` in the report's tables, in page order."""
    found = []
    tables = "".join(re.findall(r'<table class="report-table">(.*?)</table>', html, re.S))
    for match in re.finditer(r"<tr[^>]*><th scope=\"row\">(.*?)</th>(.*?)</tr>", tables, re.S):
        if match.group(1).strip() == row:
            found += [c.strip() for c in re.findall(r"<td>(.*?)</td>", match.group(2), re.S)]
    return found


def test_a_coordinator_sees_their_municipality_only(app, client, world, login):
    with app.app_context():
        enrol_people(world.municipality_a, 7)
        enrol_people(world.municipality_b, 9)
        db.session.commit()
    login(world.a["coordinator"])
    page = client.get(f"/reports/?{THIS_YEAR}")
    assert page.status_code == 200
    html = page.data.decode()
    assert "Larvik" in html and "Kristiansand" not in html
    assert "Network total" not in html and "Nettverket totalt" not in html
    assert client.get(f"/reports/?municipality={world.municipality_b}").status_code == 404
    assert client.get(f"/reports/?municipality={world.municipality_a}").status_code == 200
    assert client.get("/reports/?municipality=999999").status_code == 404
    assert client.get("/reports/?municipality=x").status_code == 404


@pytest.mark.parametrize("who", ["youth_worker", "ambassador"])
def test_others_at_municipal_level_get_no_report(client, world, login, who):
    login(world.a[who])
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/report.csv").status_code == 403


def withdraw(enrolment, reason="moved"):
    enrolment.status = "withdrawn"
    enrolment.withdrawal_reason = reason
    enrolment.withdrawn_at = now()


@pytest.fixture
def two_towns(app, world):
    """Larvik: 7 enrolled this year (2 of whom moved away), all at one past session; a planned
    cohort that does not count. Kristiansand: 9, all still in."""
    with app.app_context():
        cohort, larvik = enrol_people(world.municipality_a, 7)
        for enrolment in larvik[:2]:
            withdraw(enrolment)
        make_cohort(db.session.get(Municipality, world.municipality_a), name="Neste kull")
        enrol_people(world.municipality_b, 9)
        launched = make_concept(cohort, stage="launched")
        make_timeline_entry(launched, kind="stage_change", to_stage="launched", text="")
        db.session.commit()


def test_figures_count_what_happened_in_the_period(client, world, login, two_towns):
    login(world.admin)
    html = client.get(f"/reports/?{THIS_YEAR}").data.decode()
    larvik, kristiansand, total = (
        cells(html, "Larvik"),
        cells(html, "Kristiansand"),
        cells(html, "Nettverket totalt"),
    )
    # Cohorts and sessions: started, completed, sessions held, attendance.
    assert larvik[:4] == ["1", "0", "1", "100\xa0%"]
    # Ambassadors: enrolled, came, graduated, left (2: "<5"), retention (no cohort ended).
    assert larvik[4:9] == ["7", "7", "0", "&lt;5", "–"]
    assert kristiansand[4:9] == ["9", "9", "0", "0", "–"]
    # The network's 2 who left are "<5" too, and with Kristiansand's 0 nothing can be solved.
    assert total[4:9] == ["16", "16", "0", "&lt;5", "–"]
    assert "1" == larvik[list(COLUMN_KEYS).index("launched")]


def test_last_year_holds_none_of_it(client, world, login, two_towns):
    login(world.admin)
    html = client.get(f"/reports/?starts={YEAR - 1}-01-01&ends={YEAR - 1}-12-31").data.decode()
    assert set(cells(html, "Larvik")) <= {"0", "–"}


def test_network_readers_never_see_a_name_or_a_birth_year(client, world, login, viewer, two_towns):
    login(viewer)
    html = client.get(f"/reports/?{THIS_YEAR}").data.decode()
    assert "Larvik" in html and "Kristiansand" in html
    assert "Secret Name" not in html and str(YEAR - 16) not in html
    for kind in ("csv", "xlsx"):
        body = client.get(f"/reports/report.{kind}?{THIS_YEAR}").data
        assert b"Secret Name" not in body


def test_the_csv_and_the_workbook_show_what_the_page_shows(client, world, login, viewer, two_towns):
    login(viewer)
    html = client.get(f"/reports/?{THIS_YEAR}").data.decode()
    text = client.get(f"/reports/report.csv?{THIS_YEAR}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["ALL'IN-rapport"] and rows[1][0].startswith("Periode:")
    assert any("<5" in row[0] for row in rows[:6])  # the rule is said before the figures
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Kommune")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/report.xlsx?{THIS_YEAR}").data))
    sheet = list(book.worksheets[0].iter_rows())
    top = next(i for i, row in enumerate(sheet) if row[0].value == "Kommune")
    assert [cell.value for cell in sheet[top]] == rows[start]
    plain = lambda value: re.sub(r"[\s\u00a0\u202f]", "", value).replace("&lt;", "<")  # noqa: E731
    for name in ("Larvik", "Kristiansand", "Nettverket totalt"):
        in_csv = next(row for row in rows[start:] if row[0] == name)
        in_book = next(row for row in sheet[top:] if row[0].value == name)
        assert [plain(c) for c in in_csv[1:]] == [plain(c) for c in cells(html, name)]
        for from_csv, from_book in zip(in_csv[1:], in_book[1:], strict=True):
            if "%" in from_book.number_format:  # a share
                assert plain(from_csv) == f"{round(from_book.value * 100)}%"
            else:
                assert plain(from_csv) == str(from_book.value)


def test_a_download_is_an_audit_event_without_figures(app, client, world, login, viewer, two_towns):
    login(viewer)
    client.get(f"/reports/report.csv?{THIS_YEAR}")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export.downloaded")
        ).one()
        assert event.actor_id == viewer.id
        assert event.detail["what"] == "report" and event.detail["scope"] == "network"
        assert event.detail["starts"] == f"{YEAR}-01-01"
        assert set(event.detail) == {
            "what",
            "kind",
            "rows",
            "scope",
            "municipality",
            "starts",
            "ends",
        }


@pytest.mark.parametrize(
    "query",
    [
        f"starts={YEAR}-05-01&ends={YEAR}-04-01",  # the last day before the first
        "starts=1999-01-01&ends=1999-12-31",  # out of range
        f"starts={YEAR}-13-01&ends={YEAR}-12-31",  # not a date
        f"starts={YEAR}-01-01",  # half a period
        "figure=nonsense",
    ],
)
def test_a_period_that_cannot_be_read_is_said_next_to_its_field(client, world, login, query):
    login(world.admin)
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 400
    html = response.data.decode()
    assert 'class="field-error"' in html or "error" in html
    assert "Nettverket totalt" not in html  # no figures for a period that is not understood
    assert client.get(f"/reports/report.csv?{query}").status_code == 400


def test_a_network_viewer_reads_the_report_and_nothing_else(app, client, world, login, viewer):
    login(viewer)
    assert client.get("/reports/").status_code == 200
    for url in ("/admin/users/", "/admin/invitations/", "/cohorts/", "/concepts/", "/audit/"):
        assert client.get(url).status_code == 403, url
    html = client.get("/").data.decode()
    assert 'href="/reports/"' in html
    assert 'href="/admin/users/"' not in html


def test_a_network_viewer_posting_anywhere_gets_no_error_page(app, client, world, login, viewer):
    login(viewer)
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.arguments and rule.endpoint != "auth.logout":
            assert client.post(rule.rule, data={}).status_code < 500, rule.rule


def test_network_admins_invite_network_viewers(client, world, login):
    login(world.admin)
    page = client.get("/admin/invitations/new").data.decode()
    assert 'value="network_viewer"' in page
    response = client.post(
        "/admin/invitations/new",
        data={"role": "network_viewer", "name": "Stiftelsen", "email": "board@example.org"},
    )
    assert response.status_code == 302, response.data.decode()[:2000]


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("admin", "/reports/"),
        ("admin", "/reports/report.xlsx"),
        ("coordinator", "/reports/"),
        ("coordinator", "/reports/report.csv"),
    ],
)
def test_the_report_sends_as_many_queries_whatever_the_data(
    app, world, login, assert_constant_queries, who, path
):
    login(world.admin if who == "admin" else world.a["coordinator"])

    def grow():
        with app.app_context():
            for _ in range(3):
                enrol_people(world.municipality_a, 6)
                enrol_people(world.municipality_b, 6)
            db.session.commit()

    assert assert_constant_queries(f"{path}?starts={YEAR - 3}-01-01&ends={YEAR}-12-31", grow) <= 10


COLUMN_KEYS = __import__("allin.reports.report", fromlist=["COLUMNS"]).COLUMNS


def test_the_network_home_starts_with_this_years_figures(client, world, login, viewer, two_towns):
    for who in (world.admin, viewer):
        login(who)
        html = client.get("/").data.decode()
        assert "Nettverkets ansatte ser bare samlede tall" in html
        figures = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html)
        assert dict(figures)["Meldt inn"] == "16"
        assert "Secret Name" not in html
        client.post("/logout")


def test_a_named_period_stays_current(client, world, login, two_towns):
    login(world.admin)
    html = client.get("/reports/?period=this_year").data.decode()
    assert cells(html, "Larvik") == cells(
        client.get(f"/reports/?{THIS_YEAR}").data.decode(), "Larvik"
    )
    assert client.get("/reports/?period=forever").status_code == 400


def test_each_term_counts_what_happened_in_it_and_the_period_adds_them_up(app, world):
    """Seven people leave in the spring of last year and six in the autumn; a session in
    each term; the period is the sum, and a person who came in both terms counts once."""
    from allin.models import User
    from allin.reports.periods import Period
    from allin.reports.report import TOTAL, build

    spring, autumn = date(YEAR - 1, 3, 15), date(YEAR - 1, 10, 15)
    with app.app_context():
        town = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(
            town,
            status="completed",
            starts_on=date(YEAR - 1, 1, 5),
            ends_on=date(YEAR - 1, 12, 15),
            name="Fjorårets kull",
        )
        at = lambda day: now().replace(year=day.year, month=day.month, day=day.day)  # noqa: E731
        first, second = (
            make_session(cohort, starts_at=at(spring)),
            make_session(cohort, starts_at=at(autumn)),
        )
        for n in range(13):
            enrolment = make_enrolment(
                cohort,
                make_ambassador(town),
                status="withdrawn",
                withdrawal_reason="no_time",
                withdrawn_at=at(spring if n < 7 else autumn),
            )
            make_attendance(first, enrolment)
            make_attendance(second, enrolment)
        db.session.commit()
        admin = db.session.get(User, world.admin.id)
        period = Period(date(YEAR - 1, 1, 1), date(YEAR - 1, 12, 31))
        with app.test_request_context():
            report = build(admin, period, [(town.id, "Larvik")], network=True)
        left = [report.cell(town.id, bucket, "withdrawn").value for bucket in (0, 1, 2)]
        assert left == [13, 7, 6]
        assert [report.cell(town.id, b, "sessions_held").value for b in (0, 1, 2)] == [2, 1, 1]
        assert [report.cell(TOTAL, b, "active").value for b in (0, 1, 2)] == [13, 13, 13]
        assert report.cell(town.id, 0, "attendance").value == 1.0
