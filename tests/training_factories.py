"""Factories for training sessions and attendance: add and flush, never commit."""

from __future__ import annotations

from datetime import timedelta

from allin.clock import now
from allin.enums import AttendanceValue, Phase
from allin.extensions import db
from allin.models import Attendance, TrainingSession


def make_session(cohort, *, days: float = -1, hours: float = 2, **fields) -> TrainingSession:
    """A session of `cohort` starting `days` from now (negative: in the past)."""
    starts = fields.pop("starts_at", None) or now() + timedelta(days=days)
    session = TrainingSession(
        municipality_id=cohort.municipality_id,
        cohort_id=cohort.id,
        title=fields.pop("title", "Workshop"),
        phase=Phase(fields.pop("phase", "create")),
        starts_at=starts,
        ends_at=fields.pop("ends_at", None) or starts + timedelta(hours=hours),
        **fields,
    )
    db.session.add(session)
    db.session.flush()
    return session


def make_attendance(session, enrolment, value="present", **fields) -> Attendance:
    row = Attendance(
        municipality_id=session.municipality_id,
        session_id=session.id,
        enrolment_id=enrolment.id,
        value=AttendanceValue(value),
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row
