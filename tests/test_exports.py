"""A cohort's people as a spreadsheet (issue 21, exports): the same people the cohort page
lists, every page of it; .xlsx and CSV that Excel opens in nb and en; cells that never run."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import quote

import openpyxl
from sqlalchemy import select

from allin.clock import now
from allin.collation import sort_key
from allin.extensions import db
from allin.models import Ambassador, AuditEvent, Municipality
from allin.training.times import local_date
from tests.factories import (
    make_ambassador,
    make_cohort,
    make_concept,
    make_consent,
    make_enrolment,
    make_timeline_entry,
)
from tests.training_factories import make_attendance, make_session

HEADINGS_EN = ["Name", "Birth year", "Class", "Role", "Status", "Login"]


def cohort_of(app, world, people: int, name: str = "Vår 2027") -> int:
    """A cohort in municipality A with `people` members, names sorting as their numbers."""
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(larvik, name=name)
        for n in range(people):
            make_enrolment(cohort, make_ambassador(larvik, name=f"Person {n:03}", school="8B"))
        db.session.commit()
        return cohort.id


def xlsx_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response, delimiter: str) -> list[list[str]]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # the mark that tells Excel it is UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def page_names(client, cohort_id: int) -> list[str]:
    names, page = [], 1
    while True:
        html = client.get(f"/cohorts/{cohort_id}/people?page={page}").text
        found = re.findall(r'class="member__name"><a href="/ambassadors/\d+">([^<]+)</a>', html)
        if not found:
            return names
        names += found
        page += 1


def test_the_roster_lists_everyone_the_cohort_page_lists_on_all_its_pages(
    app, client, world, login
):
    cohort_id = cohort_of(app, world, 30)  # two pages of 25
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    on_page = page_names(client, cohort_id)
    assert len(on_page) == 30
    page = client.get(f"/cohorts/{cohort_id}/people").text
    assert f'href="/cohorts/{cohort_id}/roster.xlsx"' in page
    assert f'href="/cohorts/{cohort_id}/roster.csv"' in page

    workbook = client.get(f"/cohorts/{cohort_id}/roster.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["Content-Disposition"].endswith(".xlsx")
    assert workbook.headers["Cache-Control"] == "no-store"
    rows = xlsx_rows(workbook)
    assert rows[0][:6] == HEADINGS_EN
    assert [row[0] for row in rows[1:]] == on_page
    assert rows[1][1:6] == [now().year - 17, "8B", "Ambassador", "Active", "No"]

    spreadsheet = csv_rows(client.get(f"/cohorts/{cohort_id}/roster.csv"), ",")
    assert [row[0] for row in spreadsheet[1:]] == on_page
    assert spreadsheet[0] == rows[0]


def test_csv_is_semicolon_separated_for_norwegian_excel_with_the_letters_intact(
    app, client, world, login
):
    cohort_id = cohort_of(app, world, 0)
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        from allin.models import Cohort

        make_enrolment(db.session.get(Cohort, cohort_id), make_ambassador(larvik, name="Æsa Øyen"))
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "nb"})
    response = client.get(f"/cohorts/{cohort_id}/roster.csv")
    named = "filename*=UTF-8''" + quote("Vår 2027 - personer.csv")
    assert response.headers["Content-Disposition"] == f"attachment; {named}"
    rows = csv_rows(response, ";")
    assert rows[0][:6] == ["Navn", "Fødselsår", "Klasse", "Rolle", "Status", "Innlogging"]
    assert rows[1][0] == "Æsa Øyen" and rows[1][5] == "Nei"


def test_a_cell_that_would_start_a_formula_is_text_in_both_formats(app, client, world, login):
    cohort_id = cohort_of(app, world, 0)
    evil = '=HYPERLINK("http://evil.example","Klikk")'
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        from allin.models import Cohort

        cohort = db.session.get(Cohort, cohort_id)
        make_enrolment(cohort, make_ambassador(larvik, name=evil, school="+47 900 00 000"))
        make_enrolment(cohort, make_ambassador(larvik, name="@sum", school="-1"))
        db.session.commit()
    login(world.a["youth_worker"])
    rows = csv_rows(client.get(f"/cohorts/{cohort_id}/roster.csv"), ";")
    cells = {cell for row in rows[1:] for cell in row[:3]}
    assert {"'" + evil, "'+47 900 00 000", "'@sum", "'-1"} <= cells
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/cohorts/{cohort_id}/roster.xlsx").data)
    ).active
    texts = [c for row in sheet.iter_rows(min_row=2) for c in row[:3] if c.value is not None]
    assert {c.value for c in texts} >= {evil, "+47 900 00 000", "@sum", "-1"}
    assert {c.data_type for c in texts if isinstance(c.value, str)} == {"s"}  # never "f"


def test_each_consent_says_who_gave_it_when_or_why_there_is_none(app, client, world, login):
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(larvik)
        guardian, own, young, withdrawn, none_ = (
            make_ambassador(larvik, name=name, age=age)
            for name, age in (("A", 12), ("B", 17), ("C", 12), ("D", 12), ("E", 12))
        )
        for person in (guardian, own, young, withdrawn, none_):
            make_enrolment(cohort, person)
        make_consent(guardian, given_on=now().date() - timedelta(days=3))
        make_consent(own, given_by="ambassador")
        make_consent(young, given_by="ambassador")  # too young to give it alone
        late = (now() - timedelta(days=3)).replace(hour=23, minute=30)  # 00:30 or 01:30 in Oslo
        make_consent(withdrawn, withdrawn_at=late)
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    rows = xlsx_rows(client.get(f"/cohorts/{cohort_id}/roster.xlsx"))
    column = rows[0].index("Participation and an own login")
    states = {row[0]: row[column] for row in rows[1:]}
    day = (now().date() - timedelta(days=3)).isoformat()
    assert states == {
        "A": f"Given by a guardian, {day}",
        "B": f"Given by the young person, {now().date().isoformat()}",
        "C": "Missing: needs a guardian's consent",
        "D": f"Withdrawn {(late + timedelta(days=1)).date().isoformat()}",  # the day in Oslo
        "E": "Missing",
    }


def test_each_download_is_an_audit_event_without_the_data(app, client, world, login):
    cohort_id = cohort_of(app, world, 3)
    login(world.a["youth_worker"])
    client.get(f"/cohorts/{cohort_id}/roster.xlsx")
    client.get(f"/cohorts/{cohort_id}/roster.csv")
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export.downloaded")
        ).all()
    assert [(e.object_type, e.object_id, e.actor_id, e.detail) for e in events] == [
        ("cohort", cohort_id, world.a["youth_worker"].id, {"what": "roster", "kind": k, "rows": 3})
        for k in ("xlsx", "csv")
    ]


def test_an_ambassador_may_not_and_another_municipality_sees_nothing(app, client, world, login):
    cohort_id = cohort_of(app, world, 1)
    login(world.a["ambassador"])
    assert client.get(f"/cohorts/{cohort_id}/roster.csv").status_code == 403
    client.post("/logout")
    login(world.b["coordinator"])
    assert client.get(f"/cohorts/{cohort_id}/roster.xlsx").status_code == 404


def test_the_roster_takes_as_many_queries_for_30_people_as_for_3(
    app, client, world, login, count_queries
):
    small, large = cohort_of(app, world, 3), cohort_of(app, world, 30, name="Høst 2027")
    login(world.a["youth_worker"])
    client.get(f"/cohorts/{small}/roster.xlsx")
    with count_queries() as few:
        client.get(f"/cohorts/{small}/roster.xlsx")
    with count_queries() as many:
        client.get(f"/cohorts/{large}/roster.xlsx")
    assert few.count == many.count


def attended_cohort(app, world) -> int:
    """Three sessions with their roll calls: one person comes, one misses, one is excused."""
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(larvik, name="Høst 2026")
        kari, ola, siri = (
            make_enrolment(
                cohort, make_ambassador(larvik, name=name), enrolled_at=now() - timedelta(days=30)
            )
            for name in ("Kari", "Ola", "Siri")
        )
        sessions = [make_session(cohort, days=-d, title=f"Økt {d}") for d in (9, 6, 3)]
        for session, values in zip(
            sessions,
            (
                ("present", "absent", "present"),
                ("late", "present", "present"),
                ("excused", None, "present"),
            ),
            strict=True,
        ):
            for enrolment, value in zip((kari, ola, siri), values, strict=True):
                if value:
                    make_attendance(session, enrolment, value)
        db.session.commit()
        return cohort.id


def test_attendance_per_ambassador_has_the_dashboards_figures(app, client, world, login):
    cohort_id = attended_cohort(app, world)
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/cohorts/{cohort_id}/progress").text
    assert f'href="/cohorts/{cohort_id}/attendance.xlsx"' in page
    shown = dict(
        re.findall(
            r'<th scope="row"><a href="/ambassadors/\d+">(\w+)</a></th>\s*'
            r"<td>[^<]*</td>\s*<td>(\d+ / \d+)</td>",
            page,
        )
    )
    assert shown == {"Kari": "2 / 2", "Ola": "1 / 3", "Siri": "3 / 3"}

    person, session = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/cohorts/{cohort_id}/attendance.xlsx").data)
    ).worksheets
    rows = [list(row) for row in person.iter_rows(values_only=True)]
    assert rows[0][:5] == ["Name", "Status", "Attendance", "Attended", "Sessions counted"]
    assert {row[0]: f"{row[3]} / {row[4]}" for row in rows[1:4]} == shown
    assert rows[1][2] == 1.0 and round(rows[2][2], 3) == 0.333  # shares, shown as 100 %, 33 %
    assert rows[4][:5] == ["Everyone", None, 6 / 8, 6, 8]
    per_session = [list(row) for row in session.iter_rows(values_only=True)]
    assert per_session[0] == ["Date", "Session", "Name", "Roll call"]
    assert [row[1:] for row in per_session[1:4]] == [
        ["Økt 9", "Kari", "Present"],
        ["Økt 9", "Ola", "Absent"],
        ["Økt 9", "Siri", "Present"],
    ]
    assert per_session[-2][1:] == ["Økt 3", "Ola", "Not recorded"]  # counts as missed

    totals = csv_rows(client.get(f"/cohorts/{cohort_id}/attendance-totals.csv"), ",")
    assert totals[1][:5] == ["Kari", "Active", "100%", "2", "2"]
    rows_csv = csv_rows(client.get(f"/cohorts/{cohort_id}/attendance.csv"), ",")
    assert len(rows_csv) == 1 + 9


def test_attendance_is_for_the_staff_who_follow_progress(app, client, world, login):
    cohort_id = attended_cohort(app, world)
    login(world.a["ambassador"])
    for url in ("attendance.xlsx", "attendance.csv", "attendance-totals.csv"):
        assert client.get(f"/cohorts/{cohort_id}/{url}").status_code == 403


def test_concepts_give_team_stage_days_and_latest_reach(app, client, world, login):
    from allin.enums import ConceptStage, ReachKind
    from allin.models import ReachFigure

    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(larvik, name="Vår 2026")
        kari, ola = (
            make_enrolment(cohort, make_ambassador(larvik, name=n)) for n in ("Kari", "Ola")
        )
        made = now() - timedelta(days=30)
        concept = make_concept(
            cohort, members=[ola, kari], stage="launched", title="=1+1", created_at=made
        )
        make_timeline_entry(concept, kind="stage_change", to_stage=ConceptStage.IDEA)  # submitted
        pitched_at = now() - timedelta(days=20)
        for stage, at in (("pitched", pitched_at), ("launched", now() - timedelta(days=5))):
            make_timeline_entry(
                concept, kind="stage_change", to_stage=ConceptStage(stage), created_at=at
            )
        for value, days in ((40, 10), (120, 2)):
            db.session.add(
                ReachFigure(
                    concept_id=concept.id,
                    kind=ReachKind.PEOPLE,
                    value=value,
                    measured_on=now().date() - timedelta(days=days),
                )
            )
        make_concept(cohort, title="Kladd", submitted=False)  # a draft: staff see it too
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/cohorts/{cohort_id}/concepts").text
    assert f'href="/cohorts/{cohort_id}/concepts.xlsx"' in page
    rows = xlsx_rows(client.get(f"/cohorts/{cohort_id}/concepts.xlsx"))
    heading = rows[0]
    first = dict(zip(heading, rows[1], strict=True))
    assert first["Title"] == "=1+1" and first["Stage"] == "Launched"
    assert first["Team"] == "Kari, Ola"
    assert first["Reached: Pitched"].date() == local_date(pitched_at)  # Norway's day, not UTC's
    assert first["Reached: In development"] is None
    assert first["Reached: Idea"].date() == local_date(made)  # made, not submitted
    assert first["People reached"] == 120  # the latest measurement
    assert [row[0] for row in rows[1:]] == ["=1+1", "Kladd"]
    assert csv_rows(client.get(f"/cohorts/{cohort_id}/concepts.csv"), ",")[1][0] == "'=1+1"


def test_a_team_is_listed_in_norwegian_order(app, client, world, login):
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohort = make_cohort(larvik, name="Vår 2026")
        names = ("Ærlend", "Øydis", "Åse", "aksel", "Zara")
        team = [make_enrolment(cohort, make_ambassador(larvik, name=n)) for n in names]
        make_concept(cohort, members=team, title="Lag")
        db.session.commit()
        cohort_id = cohort.id
    login(world.a["coordinator"])
    client.post("/language", data={"lang": "en"})
    rows = csv_rows(client.get(f"/cohorts/{cohort_id}/concepts.csv"), ",")
    assert rows[1][rows[0].index("Team")] == "aksel, Zara, Ærlend, Øydis, Åse"


def test_concepts_are_for_reviewing_staff(app, client, world, login):
    cohort_id = cohort_of(app, world, 1)
    login(world.a["ambassador"])
    assert client.get(f"/cohorts/{cohort_id}/concepts.xlsx").status_code == 403


def test_the_concepts_take_as_many_queries_for_six_as_for_one(
    app, client, world, login, count_queries
):
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        cohorts = []
        for name, many in (("Én", 1), ("Seks", 6)):
            cohort = make_cohort(larvik, name=name)
            for _n in range(many):
                member = make_enrolment(cohort, make_ambassador(larvik))
                concept = make_concept(cohort, members=[member], stage="pitched")
                make_timeline_entry(concept, kind="stage_change", to_stage="pitched")
            cohorts.append(cohort.id)
        db.session.commit()
    login(world.a["coordinator"])
    client.get(f"/cohorts/{cohorts[0]}/concepts.xlsx")
    with count_queries() as few:
        client.get(f"/cohorts/{cohorts[0]}/concepts.xlsx")
    with count_queries() as many:
        client.get(f"/cohorts/{cohorts[1]}/concepts.xlsx")
    assert few.count == many.count


def test_the_two_attendance_files_have_names_of_their_own(app, client, world, login):
    cohort_id = attended_cohort(app, world)
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    names = {
        client.get(f"/cohorts/{cohort_id}/{path}").headers["Content-Disposition"]
        for path in ("attendance.csv", "attendance-totals.csv", "attendance.xlsx")
    }
    assert len(names) == 3


def test_a_printed_cohort_page_says_when_it_holds_only_some_of_the_people(
    app, client, world, login
):
    cohort_id = cohort_of(app, world, 30)
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/cohorts/{cohort_id}/people").text
    assert "On paper: 25 of the 30 people." in page


# ---- everyone in the municipality -------------------------------------------------------


def test_everyone_in_the_municipality_with_their_cohorts_and_not_the_erased(
    app, client, world, login
):
    spring = cohort_of(app, world, 2)
    with app.app_context():
        larvik = db.session.get(Municipality, world.municipality_a)
        autumn = make_cohort(larvik, name="Høst 2027")
        person = db.session.scalar(select(Ambassador).where(Ambassador.name == "Person 001"))
        make_enrolment(autumn, person, status="withdrawn", withdrawn_at=now())
        make_consent(person, purpose="participation")
        make_ambassador(larvik, name="Tidligere", erased_at=now())
        make_ambassador(
            db.session.get(Municipality, world.municipality_b), name="Person i Kristiansand"
        )
        db.session.commit()
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    page = client.get("/cohorts/").text
    assert 'href="/cohorts/people.xlsx"' in page and 'href="/cohorts/people.csv"' in page
    response = client.get("/cohorts/people.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    rows = xlsx_rows(response)
    assert rows[0][:5] == ["Name", "Birth year", "Class", "Cohorts", "Login"]
    names = [row[0] for row in rows[1:]]
    assert "Person 000" in names and "Person 001" in names
    assert "Tidligere" not in names and "Person i Kristiansand" not in names
    assert names == sorted(names, key=sort_key)
    row = rows[1 + names.index("Person 001")]
    assert row[3] == "Vår 2027 (Active, Ambassador); Høst 2027 (Left the cohort, Ambassador)"
    assert row[5].startswith("Given by")
    csv_names = [row[0] for row in csv_rows(client.get("/cohorts/people.csv"), ",")[1:]]
    assert csv_names == names
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export.downloaded")
        ).first()
        assert event.detail["what"] == "people" and event.detail["rows"] == len(names)
    assert spring


def test_everyone_is_for_staff_who_enrol(client, world, login):
    login(world.a["ambassador"])
    assert client.get("/cohorts/people.xlsx").status_code == 403


def test_everyone_takes_as_many_queries_for_40_people_as_for_4(
    app, client, world, login, count_queries
):
    cohort_of(app, world, 4)
    login(world.a["youth_worker"])
    client.get("/cohorts/people.xlsx")
    with count_queries() as few:
        client.get("/cohorts/people.xlsx")
    cohort_of(app, world, 36, name="Høst 2027")
    with count_queries() as many:
        client.get("/cohorts/people.xlsx")
    assert few.count == many.count
