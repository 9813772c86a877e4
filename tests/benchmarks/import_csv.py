"""Time a 1,000-row spreadsheet import: the preview and the confirmation, each under 2 s.

    python -m tests.benchmarks.import_csv            # SQLite in a temporary instance
    python -m tests.benchmarks.import_csv --database postgresql+psycopg://…/allin_bench  (wiped!)

Seeds the demo network (so the duplicate look-up runs against real data), signs in as the
first youth worker, uploads a semicolon CSV in Windows-1252 and confirms it, through the app's
own routes (the Flask test client: no network, so the figure is the server's work).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import date

from flask_migrate import upgrade

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (wiped!); default: SQLite")
    args = parser.parse_args()
    # The settings are the benchmark's own, whatever the shell that started it has set.
    for key in [k for k in os.environ if k.startswith("ALLIN_") or k == "DATABASE_URL"]:
        del os.environ[key]

    from allin import create_app, demo, schema
    from allin.extensions import db
    from allin.models import Cohort, User
    from tests.benchmarks.bench import reset_postgres

    instance = tempfile.mkdtemp(prefix="allin-import-bench-")
    url = args.database or f"sqlite:///{instance}/bench.sqlite"
    if args.database:
        reset_postgres(url)
    password = "benchmark password 2026"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "benchmark",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "AUTO_MIGRATE": False,
            # Staff sign in with a password alone here: with two-factor sign-in on, every
            # page below would be the two-factor set-up page and nothing would be imported.
            "REQUIRE_STAFF_2FA": False,
            "BASE_URL": "http://localhost",  # a server database wants the site's address
        }
    )
    with app.app_context():
        upgrade(directory=schema.MIGRATIONS_DIR)
        demo.create_demo_network(password=password, scale=10)
        db.session.commit()
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
