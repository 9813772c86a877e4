"""`flask notify` on two hosts at once: each reminder is made once and its e-mail queued once
(the unique key decides, INSERT ... ON CONFLICT DO NOTHING; on PostgreSQL the second insert
waits for the first's commit and skips, on SQLite the writers queue)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from allin.enums import Role
from allin.extensions import db
from allin.models import MailJob, Municipality, Notification, User
from allin.notifications import services
from tests.factories import make_ambassador, make_cohort, make_enrolment, make_user
from tests.training_factories import make_session

pytestmark = pytest.mark.xdist_group("serial")  # threads racing on purpose


def test_two_notify_runs_at_once_make_each_reminder_once(app, world, frozen):
    frozen.current = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
    with app.app_context():
        municipality = db.session.get(Municipality, world.municipality_a)
        for c in range(4):
            cohort = make_cohort(municipality, status="active")
            cohort.leads.append(db.session.get(User, world.a["youth_worker"].id))
            for n in range(30):
                user = make_user(Role.AMBASSADOR, municipality, email=f"r{c}-{n}@example.com")
                make_enrolment(cohort, make_ambassador(municipality, user_id=user.id))
            make_session(cohort, starts_at=datetime(2027, 3, 3, 16, 0, tzinfo=UTC))
        db.session.commit()
    barrier = threading.Barrier(2)

    def run(_):
        with app.app_context():
            barrier.wait()
            made = services.remind_tomorrow()[1]
            db.session.commit()
            return made

    for expected in (4 * 31, 0):  # two at once; then both again, later: nothing new
        with ThreadPoolExecutor(2) as pool:
            made = list(pool.map(run, range(2)))
        assert sum(made) == expected, made
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 4 * 31
        assert db.session.scalar(select(func.count()).select_from(MailJob)) == 4 * 31
