"""Spreadsheet import: awkward CSVs, the preview, all-or-nothing and only-once confirmation."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from allin.extensions import db
from allin.models import Ambassador, AuditEvent, Cohort, CohortImport, Enrolment, Municipality
from tests.factories import count, make_ambassador, make_cohort, make_enrolment

YEAR = date.today().year
MINOR, ADULT = YEAR - 15, YEAR - 20


@pytest.fixture
def cohort_id(app, world):
    with app.app_context():
        cohort = make_cohort(db.session.get(Municipality, world.municipality_a), name="9B")
        db.session.commit()
        return cohort.id


@pytest.fixture
def upload(client, world, login, cohort_id):
    """Upload bytes as a CSV; returns the response (signed in as A's youth worker, in English)."""
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})

    def _upload(data: bytes, filename: str = "klasse.csv"):
        return client.post(
            f"/cohorts/{cohort_id}/import",
            data={"spreadsheet": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )

    return _upload


def preview_url(response) -> str:
    assert response.status_code == 302, response.data.decode()[:2000]
    return response.headers["Location"]


def csv_text(rows, sep=";", header=("Navn", "Fødselsår", "Foresatt", "Foresatt telefon")):
    lines = [sep.join(header)] + [sep.join(map(str, r)) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def kids(n: int):
    return [(f"Elev Nummer{i}", MINOR, f"Forelder {i}", "+47 912 34 567") for i in range(n)]


def test_norwegian_excel_semicolons_in_windows_1252(app, client, upload, cohort_id):
    data = csv_text(
        [("Åse Sæther", MINOR, "Kari Sæther", "+47 912 34 567"), ("Øystein Brække", ADULT, "", "")]
    ).encode("cp1252")
    url = preview_url(upload(data))
    page = client.get(url).data.decode()
    assert "Åse Sæther" in page and "Øystein Brække" in page
    assert "Enrol 2 people" in page
    with app.app_context():
        assert count(Ambassador) == 0  # nothing until confirmed
    assert client.post(url).status_code == 302
    with app.app_context():
        names = set(db.session.scalars(select(Ambassador.name)))
        assert names == {"Åse Sæther", "Øystein Brække"}
        assert count(Enrolment, Enrolment.cohort_id == cohort_id) == 2
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.confirmed"))
        assert event.detail == {"created": 2, "enrolled": 2, "rows": 2, "skipped": 0}


def test_english_headers_commas_utf8_bom_any_order_and_extra_columns(app, client, upload):
    data = (
        "\ufeffEmail,Birth year,Favourite colour,Name,Guardian,Guardian email\n"
        f"ingrid@example.no,{MINOR},blå,Ingrid Fjeldstad,Liv Fjeldstad,liv@example.no\n"
    ).encode()
    page = client.get(preview_url(upload(data))).data.decode()
    assert "Ingrid Fjeldstad" in page
    assert "Ignored columns: Favourite colour." in page


def test_quoted_fields_with_newlines_keep_spreadsheet_row_numbers(app, client, upload):
    data = (
        "Navn;Fødselsår;Skole;Foresatt;Foresatt telefon\n"
        f'"Tuva Lien";{MINOR};"Larvik\nungdomsskole";"Ola Lien";"+47 900 00 000"\n'
        f'"Eirik Vik";1900;"9B";"Per Vik";"+47 900 00 001"\n'
    ).encode()
    page = client.get(preview_url(upload(data))).data.decode()
    assert re.search(r"<td[^>]*>3</td>\s*<td[^>]*>Eirik Vik</td>", page)
    assert "Column “Fødselsår”: 1900 is not plausible" in page


def test_an_error_in_row_437_of_1000_writes_nothing(app, client, upload):
    rows = kids(1000)
    rows[435] = ("Feil Rad", "nitten", "Forelder", "+47 912 34 567")  # spreadsheet row 437
    url = preview_url(upload(csv_text(rows).encode("utf-8")))
    page = client.get(url).data.decode()
    assert re.search(r"<td[^>]*>437</td>\s*<td[^>]*>Feil Rad</td>", page)
    assert "Column “Fødselsår”: write the year with four digits" in page
    assert "1 row has an error" in page and "Enrol 999 people, leave out 1" in page
    client.post(url)  # a confirmation without "leave out" writes nothing
    with app.app_context():
        assert count(Ambassador) == 0 and count(Enrolment) == 0


def test_1000_rows_are_all_written_and_a_second_confirm_does_nothing(app, client, upload):
    url = preview_url(upload(csv_text(kids(1000)).encode("utf-8")))
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    with app.app_context():
        assert count(Ambassador) == 1000 and count(Enrolment) == 1000
        assert count(AuditEvent, AuditEvent.action == "import.confirmed") == 1
        assert db.session.scalar(select(CohortImport.confirmed_at)) is not None


def test_known_people_are_enrolled_instead_and_members_skipped(
    app, client, world, upload, cohort_id
):
    with app.app_context():
        a = db.session.get(Municipality, world.municipality_a)
        known = make_ambassador(a, name="Håkon Strand", birth_year=MINOR)
        member = make_ambassador(a, name="Marte Moen", birth_year=MINOR)
        make_enrolment(db.session.get(Cohort, cohort_id), member)
        db.session.commit()
        known_id = known.id
    data = csv_text(
        [
            ("hakon  STRAND", MINOR, "F", "+47 900 00 000"),
            ("Marte Moen", MINOR, "F", "+47 900 00 000"),
            ("Ny Person", MINOR, "F", "+47 900 00 000"),
        ]
    ).encode()
    url = preview_url(upload(data))
    page = client.get(url).data.decode()
    assert "Known already: enrolled" in page and "Already in this cohort" in page
    client.post(url)
    with app.app_context():
        assert count(Ambassador) == 3
        assert count(Enrolment, Enrolment.ambassador_id == known_id) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \r\n", "The file is empty."),
        ("Navn;Fødselsår\r\n".encode(), "headings but no people"),
        (b"PK\x03\x04\x14\x00\x06\x00", "This is an Excel file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b"Navn;F\xf8dsels\xe5r\n\x81\x8d\x8f;2011\n", "We cannot read the characters"),
        (b"Fornavn;Alder\nKari;14\n", "no column for name, birth year"),
    ],
)
def test_files_that_cannot_be_read_get_a_clear_message(app, upload, data, message):
    response = upload(data)
    assert response.status_code == 200
    assert message in response.data.decode()
    with app.app_context():
        assert count(CohortImport) == 0 and count(Ambassador) == 0


def test_no_file_chosen(app, client, world, login, cohort_id):
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": "en"})
    response = client.post(f"/cohorts/{cohort_id}/import", data={})
    assert "Choose a CSV file" in response.data.decode()


def test_2001_rows_are_too_many(app, upload):
    response = upload(csv_text(kids(2001)).encode())
    assert "The file has more than 2,000 rows; at most 2,000" in response.data.decode()
    with app.app_context():
        assert count(CohortImport) == 0


@pytest.mark.parametrize("config_overrides", [{"MAX_CONTENT_LENGTH": 2000}])
def test_an_upload_over_the_size_limit_is_explained(app, upload):
    response = upload(csv_text(kids(100)).encode())
    assert response.status_code == 413
    assert "The file is larger than" in response.data.decode()


def test_a_preview_is_the_uploaders_own(app, client, upload, world, login):
    url = preview_url(upload(csv_text(kids(2)).encode()))
    client.post("/logout")
    login(world.a["coordinator"])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    with app.app_context():
        assert count(Ambassador) == 0


def test_an_expired_preview_writes_nothing(app, client, upload, frozen):
    url = preview_url(upload(csv_text(kids(2)).encode()))
    frozen.advance(minutes=61)
    client.post(url)
    with app.app_context():
        assert count(Ambassador) == 0


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nb", "Navn;Fødselsår;Skole;Telefon;E-post;Foresatt;Foresatt telefon;Foresatt e-post"),
        ("en", "Name,Birth year,School,Phone,Email,Guardian,Guardian phone,Guardian email"),
    ],
)
def test_template_in_the_users_language(client, world, login, cohort_id, lang, expected):
    login(world.a["youth_worker"])
    client.post("/language", data={"lang": lang})
    response = client.get(f"/cohorts/{cohort_id}/import/template.csv")
    assert response.mimetype == "text/csv"
    assert response.data.decode("utf-8-sig").strip() == expected
    assert "attachment" in response.headers["Content-Disposition"]


def test_the_template_reads_back(app, client, upload, cohort_id):
    template = client.get(f"/cohorts/{cohort_id}/import/template.csv").data
    data = template + f"Liv Aasheim;{ADULT};;;;;;\r\n".encode()
    assert "Liv Aasheim" in client.get(preview_url(upload(data))).data.decode()


def test_racing_confirmations_write_once(app, world, cohort_id):
    """The second request still holds an unconfirmed preview; the database says no."""
    from sqlalchemy import update

    from allin.clock import now
    from allin.cohorts import imports
    from allin.errors import DomainError
    from allin.models import User

    with app.app_context():
        actor = db.session.get(User, world.a["youth_worker"].id)
        cohort = db.session.get(Cohort, cohort_id)
        stored = imports.preview(
            actor=actor, cohort=cohort, data=csv_text(kids(3)).encode(), filename="x.csv"
        )
        db.session.commit()
        stale = db.session.get(CohortImport, stored.id)
        assert stale.confirmed_at is None
        db.session.execute(  # meanwhile another request confirms it and commits
            update(CohortImport).where(CohortImport.id == stored.id).values(confirmed_at=now())
        )
        with pytest.raises(DomainError):
            imports.confirm(stale, actor=actor, cohort=cohort)
        db.session.rollback()
        assert count(Ambassador) == 0


# ---- a file cannot tie up a worker (issue 19, point 6) ----------------------------------


def one_character_rows(megabytes: int = 10) -> bytes:
    """A header, then one-character rows up to the upload limit: millions of rows."""
    header = "Navn;Fødselsår\n".encode()
    return header + b"a\n" * ((megabytes * 1024 * 1024 - len(header) - 1024) // 2)


def test_a_file_of_millions_of_rows_is_refused_after_reading_limit_plus_one(
    app, client, upload, cohort_id
):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # Encoded here in memory: the test client would spool 10 MB to a file it never closes.
    file = FileStorage(io.BytesIO(one_character_rows()), filename="x.csv")
    boundary, body = encode_multipart({"spreadsheet": file})
    response = client.post(
        f"/cohorts/{cohort_id}/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200
    page = response.data.decode()
    assert "The file has more than 2,000 rows; at most 2,000" in page
    with app.app_context():
        assert count(CohortImport) == 0


def test_reading_stops_at_limit_plus_one_rows(app):
    """The reader does not go to the end of a long file: it stops after IMPORT_MAX_ROWS + 1."""
    from allin.cohorts import imports

    text = one_character_rows().decode()
    stream = io.StringIO(text, newline="")
    with app.test_request_context(), pytest.raises(imports.ImportProblem) as refused:
        imports.read_table(stream, ";", limit=2000)
    assert re.search(r"more than 2.000 rows", str(refused.value))
    header_and_rows = len("Navn;Fødselsår\n") + 2 * 2001
    assert stream.tell() <= header_and_rows < len(text) // 1000


def test_blank_rows_do_not_count_and_the_limit_itself_is_fine(app, client, upload):
    rows = kids(2000)
    data = csv_text(rows).replace("\r\n", "\r\n;\r\n\r\n").encode()
    assert "Enrol 2000 people" in client.get(preview_url(upload(data))).data.decode()


@pytest.mark.parametrize("length", [1001, 131_072, 131_073, 400_000])
def test_a_huge_field_gets_a_message_never_a_500(app, upload, length):
    data = f"Navn;Fødselsår;Skole\r\nKari Li;{MINOR};{'x' * length}\r\n".encode()
    response = upload(data)
    assert response.status_code == 200
    assert "Row 2 has a cell longer than 1,000 characters" in response.data.decode()
    with app.app_context():
        assert count(CohortImport) == 0


def test_a_huge_quoted_field_spanning_lines_gets_a_message(app, upload):
    lines = "x\n" * 70_000  # 140,000 characters in one quoted cell: past csv's own limit
    data = f'Navn;Fødselsår\r\n"{lines}";{MINOR}\r\n'.encode()
    response = upload(data)
    assert response.status_code == 200
    assert "Row 2 has a cell longer than 1,000 characters" in response.data.decode()


def test_too_many_columns_get_a_message(app, upload):
    header = ";".join(["Navn", "Fødselsår"] + [f"Ekstra {i}" for i in range(49)])
    response = upload(f"{header}\r\nKari Li;{MINOR}\r\n".encode())
    assert response.status_code == 200
    assert "Row 1 has 51 columns; at most 50 can be read" in response.data.decode()
    wide_row = f"Navn;Fødselsår\r\nKari Li;{MINOR}" + ";x" * 60 + "\r\n"
    assert "Row 2 has 62 columns" in upload(wide_row.encode()).data.decode()


def test_empty_trailing_columns_are_not_counted(app, client, upload):
    data = f"Navn;Fødselsår{';' * 80}\r\nKari Li;{MINOR}{';' * 80}\r\n".encode()
    assert "Kari Li" in client.get(preview_url(upload(data))).data.decode()


# ---- previews do not keep personal data (issue 19, point 7) -----------------------------


def test_a_confirmed_preview_keeps_no_rows(app, client, upload):
    url = preview_url(upload(csv_text(kids(3)).encode()))
    assert client.post(url).status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(CohortImport))
        assert stored.confirmed_at is not None
        assert "Elev Nummer" not in str(stored.payload) and "Forelder" not in str(stored.payload)
    page = client.get(url).data.decode()
    assert "This import is done." in page and "Elev Nummer" not in page


def test_sweep_files_deletes_expired_previews_and_keeps_the_others(
    app, client, upload, runner, frozen
):
    old = preview_url(upload(csv_text(kids(2)).encode()))
    done = preview_url(upload(csv_text(kids(3)).encode()))
    client.post(done)
    frozen.advance(minutes=20)
    client.get(old)  # (signed-in sessions end after 30 idle minutes)
    frozen.advance(minutes=20)
    fresh = preview_url(upload(csv_text(kids(4)).encode()))
    frozen.advance(minutes=21)  # `old` and `done` have expired, `fresh` has not
    result = runner.invoke(args=["sweep-files"])
    assert result.exit_code == 0, result.output
    assert "expired import previews removed: 2" in result.output
    with app.app_context():
        assert db.session.scalars(select(CohortImport.key)).all() == [fresh.rsplit("/", 1)[1]]
    assert client.get(old).status_code == 404


def test_the_preview_counts_one_row_as_one(app, client, upload):
    """ "1 rad med feil", not "1 rader med feil" (the phone walk of issue 22)."""
    rows = [*kids(1), ("", MINOR, "Forelder", "+47 912 34 567")]  # the second has no name
    page = client.get(preview_url(upload(csv_text(rows).encode()))).text
    assert re.search(r"<strong>1</strong> new person</li>", page)
    assert re.search(r"<strong>1</strong> row with errors</li>", page)
    client.post("/language", data={"lang": "nb"})
    page = client.get(preview_url(upload(csv_text(rows).encode()))).text
    assert re.search(r"<strong>1</strong> rad med feil</li>", page)


def test_the_good_rows_go_in_and_the_bad_ones_are_left_out_by_number(app, client, upload):
    rows = kids(40)
    rows[3] = ("Feil Rad", "nitten", "Forelder", "+47 912 34 567")  # spreadsheet row 5
    rows[17] = ("Ingen År", "", "Forelder", "+47 912 34 568")  # row 19
    url = preview_url(upload(csv_text(rows).encode("utf-8")))
    assert "Enrol 38 people, leave out 2" in client.get(url).data.decode()
    response = client.post(url, data={"skip": "1"}, follow_redirects=True)
    page = response.data.decode()
    assert "Imported: 38 enrolled, of whom 38 new." in page
    assert "Left out: rows 5, 19 of the file." in page
    assert "Feil Rad" not in page and "Ingen År" not in page  # the numbers, not the people
    with app.app_context():
        assert count(Ambassador) == 38 and count(Enrolment) == 38
        assert db.session.scalar(select(CohortImport.payload)) == {"rows": [], "ignored": []}
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.confirmed"))
        assert event.detail["skipped"] == 2


def test_a_row_corrected_in_place_goes_in_with_the_rest(app, client, upload):
    rows = kids(5)
    rows[2] = ("Feil Rad", "nitten", "Forelder", "+47 912 34 567")  # spreadsheet row 4
    url = preview_url(upload(csv_text(rows).encode("utf-8")))
    page = client.get(url).data.decode()
    assert 'name="row4-birth_year"' in page and 'value="Feil Rad"' in page
    assert 'value="nitten"' in page  # the refused cell as the file had it, to correct
    # Still wrong: said next to the field, what was typed stays, nothing else changes.
    wrong = client.post(
        f"{url}/rows/4",
        data={
            "row4-name": "Feil Rad",
            "row4-birth_year": "20x1",
            "row4-guardian_name": "Forelder",
            "row4-guardian_phone": "+47 912 34 567",
        },
    )
    assert wrong.status_code == 400
    html = wrong.data.decode()
    assert 'value="20x1"' in html and "write the year with four digits" in html
    assert 'aria-invalid="true"' in html
    right = client.post(
        f"{url}/rows/4",
        data={
            "row4-name": "Riktig Rad",
            "row4-birth_year": str(MINOR),
            "row4-guardian_name": "Forelder",
            "row4-guardian_phone": "+47 912 34 567",
        },
    )
    assert right.status_code == 302 and right.headers["Location"].endswith("#row-4")
    page = client.get(url).data.decode()
    assert "Enrol 5 people" in page and "Riktig Rad" in page
    client.post(url)
    with app.app_context():
        assert "Riktig Rad" in set(db.session.scalars(select(Ambassador.name)))
        assert count(Enrolment) == 5


def test_a_corrected_row_can_become_the_same_person_as_another(app, client, upload):
    rows = kids(3)
    rows[1] = ("Feil Rad", "nitten", "Forelder", "+47 912 34 567")  # row 3
    url = preview_url(upload(csv_text(rows).encode("utf-8")))
    name, year, guardian, phone = rows[0]
    response = client.post(
        f"{url}/rows/3",
        data={
            "row3-name": name,
            "row3-birth_year": str(year),
            "row3-guardian_name": guardian,
            "row3-guardian_phone": phone,
        },
    )
    assert response.status_code == 400
    assert "the same person as in row 2" in response.data.decode()
