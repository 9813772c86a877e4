"""Time the data-out paths of issue 21 that the page benchmark does not serve: a municipality's
list of 2,000 people as .xlsx (under 1 s), one person's copy of their data (under 500 ms, the
password check included) and the retention command over a scale-10 network (under 10 s).

    python -m tests.benchmarks.exports            # SQLite in a temporary instance
    python -m tests.benchmarks.exports --database postgresql+psycopg://…/allin_bench  (wiped!)

Seeds the demo network at scale 10 and adds 2,000 people (each enrolled, with a consent) to
the first youth worker's municipality; the downloads go through the app's own routes (the
Flask test client: no network, so the figure is the server's work), each the median of three.
Retention runs with the clock four years ahead, when most of the network is past its time.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import zipfile
from datetime import timedelta

from tests.benchmarks.seeded import PASSWORD, arguments, seeded_app

PEOPLE = 2000
LIMITS = {"people .xlsx": 1.0, "data copy": 0.5, "retention": 10.0}


def add_people(worker_id: int) -> int:
    """PEOPLE ambassadors in the worker's municipality, in a new active cohort."""
    from allin.extensions import db
    from allin.models import Municipality, User
    from tests.factories import make_ambassador, make_cohort, make_consent, make_enrolment

    worker = db.session.get(User, worker_id)
    municipality = db.session.get(Municipality, worker.municipality_id)
    cohort = make_cohort(municipality, name="Storkull", status="active")
    for n in range(PEOPLE):
        person = make_ambassador(
            municipality, name=f"Elev Ålesund {n:04}", birth_year=2010 + n % 5, school="9B"
        )
        make_enrolment(cohort, person)
        make_consent(person, purpose="participation")
    db.session.commit()
    return cohort.id


def median_seconds(call, times: int = 3) -> float:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    import openpyxl

    from allin import clock
    from allin.extensions import db
    from allin.models import Ambassador, Enrolment, User

    app, _instance = seeded_app(args.database, prefix="exports", scale=10)
    with app.app_context():
        worker = db.session.scalar(db.select(User).where(User.role == "youth_worker"))
        login, worker_id = worker.login, worker.id
        add_people(worker_id)
        # The demo person in the worker's municipality with the most enrolments.
        person_id = db.session.scalar(
            db.select(Ambassador.id)
            .join(Enrolment, Enrolment.ambassador_id == Ambassador.id)
            .where(Ambassador.municipality_id == worker.municipality_id)
            .where(Ambassador.user_id.is_not(None))
            .group_by(Ambassador.id)
            .order_by(db.func.count().desc(), Ambassador.id)
            .limit(1)
        )
    client = app.test_client()
    signed_in = client.post("/login", data={"login": login, "password": PASSWORD})
    assert signed_in.status_code == 302, f"not signed in: {signed_in.status_code}"

    figures = {}
    sheet = client.get("/cohorts/people.xlsx")
    rows = openpyxl.load_workbook(io.BytesIO(sheet.data), read_only=True).active.max_row
    assert rows > PEOPLE, rows
    figures["people .xlsx"] = median_seconds(lambda: client.get("/cohorts/people.xlsx"))

    def data_copy():
        response = client.post(
            f"/ambassadors/{person_id}/data",
            data={"asked_by": "ambassador", "current": PASSWORD},
        )
        assert response.status_code == 200, response.status_code
        assert zipfile.ZipFile(io.BytesIO(response.data)).namelist()

    figures["data copy"] = median_seconds(data_copy)

    later = clock.utcnow() + timedelta(days=4 * 365)
    clock.utcnow = lambda: later
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["retention"])
    figures["retention"] = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    summary = [line for line in result.output.splitlines() if line.startswith("erased")]

    engine = "PostgreSQL" if args.database else "SQLite"
    print(f"{engine}, scale 10 + {PEOPLE} people in one municipality")
    print(f"people .xlsx: {rows - 1} rows in {figures['people .xlsx'] * 1000:.0f} ms")
    print(f"data copy of ambassador {person_id}: {figures['data copy'] * 1000:.0f} ms")
    print(f"retention four years on: {figures['retention']:.2f} s ({'; '.join(summary)})")
    slow = [name for name, limit in LIMITS.items() if figures[name] > limit]
    if slow:
        sys.exit(f"slower than the target: {', '.join(slow)}")


if __name__ == "__main__":
    main()
