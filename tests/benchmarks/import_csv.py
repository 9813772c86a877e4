"""Time a 1,000-row spreadsheet import: the preview and the confirmation, each under 2 s.

    python -m tests.benchmarks.import_csv            # SQLite in a temporary instance
    python -m tests.benchmarks.import_csv --database postgresql+psycopg://…/allin_bench  (wiped!)

Seeds the demo network (so the duplicate look-up runs against real data), signs in as the
first youth worker, uploads a semicolon CSV in Windows-1252 and confirms it, through the app's
own routes (the Flask test client: no network, so the figure is the server's work).
"""

from __future__ import annotations

import io
import sys
import time
from datetime import date

from tests.benchmarks.seeded import PASSWORD, arguments, seeded_app

ROWS = 1000
LIMIT_SECONDS = 2.0


def class_csv(rows: int) -> bytes:
    year = date.today().year
    lines = ["Navn;Fødselsår;Skole;Foresatt;Foresatt telefon;E-post"]
    for i in range(rows):
        lines.append(
            f"Elev Ålesund{i};{year - 14 - i % 4};9B;Foresatt Ø{i};+47 0{1000000 + i};"
            f"elev{i}@demo.example.com"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def enrolled(app, cohort_id: int) -> int:
    from allin.extensions import db
    from allin.models import Enrolment

    with app.app_context():
        return db.session.query(Enrolment).filter_by(cohort_id=cohort_id).count()


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    from allin.extensions import db
    from allin.models import Cohort, User

    app, _instance = seeded_app(args.database, prefix="import", scale=10)
    password = PASSWORD
    with app.app_context():
        worker = db.session.scalar(db.select(User).where(User.role == "youth_worker"))
        cohort = db.session.scalar(
            db.select(Cohort).where(
                Cohort.municipality_id == worker.municipality_id, Cohort.status == "active"
            )
        )
        login, cohort_id = worker.login, cohort.id
    client = app.test_client()
    signed_in = client.post("/login", data={"login": login, "password": password})
    assert signed_in.status_code == 302, f"not signed in: {signed_in.status_code}"
    data = class_csv(ROWS)
    before = enrolled(app, cohort_id)

    started = time.perf_counter()
    response = client.post(
        f"/cohorts/{cohort_id}/import",
        data={"spreadsheet": (io.BytesIO(data), "klasse.csv")},
        content_type="multipart/form-data",
    )
    preview_url = response.headers["Location"]
    page = client.get(preview_url)
    previewed = time.perf_counter() - started
    assert f"/cohorts/{cohort_id}/import/" in preview_url, preview_url
    assert page.status_code == 200 and "Elev Ålesund999" in page.text, "no preview"

    started = time.perf_counter()
    response = client.post(preview_url)
    confirmed = time.perf_counter() - started
    assert response.status_code == 302
    assert enrolled(app, cohort_id) == before + ROWS, "the rows were not imported"

    engine = "PostgreSQL" if args.database else "SQLite"
    print(f"{engine}: {ROWS} rows previewed in {previewed:.2f} s, imported in {confirmed:.2f} s")
    if max(previewed, confirmed) > LIMIT_SECONDS:
        sys.exit(f"slower than {LIMIT_SECONDS} s")


if __name__ == "__main__":
    main()
