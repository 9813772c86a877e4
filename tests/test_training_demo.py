"""seed-demo gives every cohort the programme's sessions, with a realistic roll call."""

from __future__ import annotations

from sqlalchemy import func, select

from allin.demo import create_demo_network
from allin.extensions import db
from allin.models import Attendance, CalendarFeed, Cohort, TrainingSession
from allin.training import programme, progress


def test_demo_cohorts_follow_the_programme_with_early_warnings(app):
    with app.app_context():
        create_demo_network(password="demo-password-123")
        db.session.commit()
        cohorts = db.session.scalars(select(Cohort.id)).all()
        per_cohort = dict(
            db.session.execute(
                select(TrainingSession.cohort_id, func.count()).group_by(TrainingSession.cohort_id)
            ).all()
        )
        assert per_cohort == {c: len(programme.steps()) for c in cohorts}
        assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == len(cohorts)
        values = db.session.execute(
            select(Attendance.value, func.count()).group_by(Attendance.value)
        ).all()
        counts = {str(v): n for v, n in values}
        assert set(counts) == {"present", "late", "excused", "absent"}
        assert counts["present"] > sum(counts.values()) / 2
        figures = progress.headlines(list(cohorts))
        assert sum(f.warnings for f in figures.values()) > 0
        assert all(f.sessions.planned == 12 for f in figures.values())
