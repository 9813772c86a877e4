"""Time `flask notify` and `flask send-mail` on the day before 200 sessions of a scale-10 network:
notify must make and queue every reminder in under 10 s (issue 23).

    python -m tests.benchmarks.notify_flood            # SQLite in a temporary instance
    python -m tests.benchmarks.notify_flood --database postgresql+psycopg://…/allin_bench  (wiped!)

Seeds the demo network at scale 10, adds 200 sessions tomorrow at 17:00 (Oslo) spread over its
active cohorts, stands the clock at 12:00 today (Oslo), then runs the two commands as cron
would, twice. The e-mails go to a real SMTP server with STARTTLS in this process
(tests/smtp_stub.py); the figures are wall-clock seconds of each command.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from tests.benchmarks.seeded import arguments, seeded_app

SESSIONS = 200
LIMIT_SECONDS = 10.0


def add_sessions(count: int) -> int:
    """`count` sessions tomorrow at 17:00 Oslo over the active cohorts; how many cohorts."""
    from allin.extensions import db
    from allin.models import Cohort
    from allin.training import times
    from tests.training_factories import make_session

    cohorts = db.session.scalars(db.select(Cohort).where(Cohort.status == "active")).all()
    tomorrow = times.today() + timedelta(days=1)
    starts = times.from_local(datetime.combine(tomorrow, clock_time(17)))
    for n in range(count):
        make_session(cohorts[n % len(cohorts)], starts_at=starts, title=f"Økt {n}")
    db.session.commit()
    return len(cohorts)


def timed(app, command: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=[command])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        sys.exit(f"{command} failed: {result.output}")
    return seconds, result.output.strip().replace("\n", "; ")


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    from allin import clock
    from allin.extensions import db
    from allin.training import times
    from tests.smtp_stub import HOST, Server

    noon = times.from_local(datetime.combine(times.local_date(datetime.now(UTC)), clock_time(12)))
    clock.utcnow = lambda: noon  # reminders are made from 10:00 the day before
    smtp = Server(Path(tempfile.mkdtemp(prefix="allin-smtp-")))
    os.environ["SSL_CERT_FILE"] = str(smtp.cert_file)  # the stub's certificate is trusted
    app, _instance = seeded_app(
        args.database, prefix="notify", scale=10, MAIL_SERVER=HOST, MAIL_PORT=smtp.port
    )
    with app.app_context():
        cohorts = add_sessions(SESSIONS)
        db.session.commit()

    engine = "PostgreSQL" if args.database else "SQLite"
    print(f"{engine}, scale 10: {SESSIONS} sessions tomorrow in {cohorts} active cohorts")
    slowest = 0.0
    for run in (1, 2):
        seconds, output = timed(app, "notify")
        slowest = max(slowest, seconds)
        print(f"run {run}: notify {seconds:.2f} s ({output})")
        seconds, output = timed(app, "send-mail")
        print(
            f"run {run}: send-mail {seconds:.2f} s ({output}); "
            f"received {len(smtp.received)} over {len(smtp.received.connections)} connection(s)"
        )
    smtp.stop()
    if slowest > LIMIT_SECONDS:
        sys.exit(f"notify slower than {LIMIT_SECONDS} s")


if __name__ == "__main__":
    main()
