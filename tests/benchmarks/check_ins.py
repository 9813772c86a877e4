"""Thirty phones check in at once (issue 25): SQLite, gunicorn with 4 sync workers.

    python -m tests.benchmarks.check_ins [--phones 30] [--database postgresql+psycopg://…]

Session 13 of the demo (seed-demo --scale 1) is moved to today; as many ambassadors as
phones are added to its cohort, each signed in through the real form with a cookie of their
own. Then every phone opens the current check-in link (the QR code's address) at the same
moment. Prints p50/p99 and how many check-ins the roll call recorded. Issue 25's target: all
recorded within 10 s, p99 under 500 ms; the run fails otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .bench import PASSWORD, ROOT, USER_AGENT, gunicorn, prepare, sign_in

SESSION = 13


def setup(session_id: int, phones: int) -> None:
    """Run inside the benchmark's environment: move the session to now and add `phones`
    signed-up ambassadors to its cohort; prints their logins."""
    from datetime import timedelta

    from allin import create_app
    from allin.clock import now
    from allin.enums import Role
    from allin.extensions import db
    from allin.models import TrainingSession
    from tests.factories import make_ambassador, make_enrolment, make_user

    app = create_app()
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        session.starts_at, session.ends_at = (
            now() - timedelta(minutes=5),
            now() + timedelta(hours=2),
        )
        session.cancelled_at = None
        cohort = session.cohort
        for n in range(phones):
            user = make_user(
                Role.AMBASSADOR, cohort.municipality, username=f"phone{n:02d}", password=PASSWORD
            )
            make_enrolment(cohort, make_ambassador(cohort.municipality, user_id=user.id))
            print(user.username)
        db.session.commit()


def code(session_id: int) -> None:
    from allin import create_app
    from allin.checkin import codes

    with create_app().app_context():
        print(codes.current(session_id))


def recorded(session_id: int) -> None:
    """How many of the session's attendance rows its ambassadors recorded themselves."""
    from sqlalchemy import func, select

    from allin import create_app
    from allin.extensions import db
    from allin.models import Ambassador, Attendance, Enrolment

    with create_app().app_context():
        print(
            db.session.scalar(
                select(func.count())
                .select_from(Attendance)
                .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
                .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
                .where(
                    Attendance.session_id == session_id,
                    Attendance.recorded_by_id == Ambassador.user_id,
                )
            )
        )


def _run(env: dict, call: str) -> str:
    command = [sys.executable, "-c", f"from tests.benchmarks.check_ins import *; {call}"]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def _open(url: str, cookie: str) -> tuple[float, int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body, status = response.read().decode(), response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode(), error.code
    return (time.perf_counter() - started) * 1000, status, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (wiped!); default: SQLite")
    parser.add_argument("--phones", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    env, _logins = prepare(1, args.database)
    logins = _run(env, f"setup({SESSION}, {args.phones})").split()
    folder = Path(tempfile.mkdtemp(prefix="allin-check-ins-"))
    log_path = folder / "server.log"
    with open(log_path, "w") as log, gunicorn("wsgi:app", env, args.workers, log) as url:
        cookies = [sign_in(url, login) for login in logins]
        link = f"{url}/check-in/{SESSION}?c={_run(env, f'code({SESSION})').strip()}"
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(cookies)) as pool:
            answers = list(pool.map(lambda cookie: _open(link, cookie), cookies))
        wall = time.perf_counter() - started
    made = int(_run(env, f"recorded({SESSION})").strip())
    times = sorted(ms for ms, _status, _body in answers)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    failed = [status for _ms, status, _body in answers if status != 200]
    locked = log_path.read_text().count("database is locked")
    engine = "PostgreSQL" if args.database else "SQLite"
    print(f"\n{engine}, gunicorn {args.workers} sync workers, {len(cookies)} phones at once")
    print(f"all answered in {wall:.2f} s; p50 {statistics.median(times):.0f} ms, p99 {p99:.0f} ms")
    print(f"recorded {made} of {len(cookies)}, failed {len(failed)}, locked {locked}")
    if made != len(cookies) or failed or locked or wall > 10 or p99 >= 500:
        raise SystemExit(f"check-ins missed the target; server log: {log_path}")


if __name__ == "__main__":
    main()
