"""Reads for check-in: an ambassador's sessions today and their own enrolment; what the roll
call records for a session, polled by the facilitator's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_

from ..access import visible
from ..enums import AttendanceValue, EnrolmentStatus
from ..extensions import db
from ..models import Ambassador, Attendance, Enrolment, TrainingSession
from ..training import times


def sessions_today(actor) -> list[TrainingSession]:
    """The sessions `actor` sees that take place today in Oslo and are not cancelled."""
    first = times.from_local(datetime.combine(times.today(), time()))
    end = times.from_local(datetime.combine(times.today() + timedelta(days=1), time()))
    stmt = (
        visible(TrainingSession, actor)
        .where(
            TrainingSession.starts_at >= first,
            TrainingSession.starts_at < end,
            TrainingSession.cancelled_at.is_(None),
        )
        .options(db.joinedload(TrainingSession.cohort))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return list(db.session.scalars(stmt))


def my_active_enrolment(actor, session: TrainingSession) -> Enrolment | None:
    """The actor's own active enrolment in the session's cohort, if any."""
    stmt = (
        visible(Enrolment, actor)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .where(
            Ambassador.user_id == actor.id,
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    return db.session.scalars(stmt).first()


def recorded_for(actor, session: TrainingSession, enrolment_id: int) -> AttendanceValue | None:
    stmt = visible(Attendance, actor).where(
        Attendance.session_id == session.id, Attendance.enrolment_id == enrolment_id
    )
    row = db.session.scalars(stmt).first()
    return row.value if row else None


@dataclass(frozen=True)
class RollState:
    """What the roll call holds now: each active member's value, how many checked themselves
    in, and how many are marked at all."""

    values: dict[int, str]
    checked_in: int
    members: int


def roll_state(actor, session: TrainingSession) -> RollState:
    """One query: every active member of the cohort with their value (if any) and whether
    their own login recorded it."""
    recorded = and_(Attendance.session_id == session.id, Attendance.enrolment_id == Enrolment.id)
    stmt = (
        visible(Enrolment, actor)
        .with_only_columns(
            Enrolment.id,
            Attendance.value,
            Attendance.recorded_by_id == Ambassador.user_id,
        )
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .outerjoin(Attendance, recorded)
        .where(Enrolment.cohort_id == session.cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
    )
    rows = db.session.execute(stmt).all()
    return RollState(
        values={e: str(v) for e, v, _own in rows if v is not None},
        checked_in=sum(1 for _e, v, own in rows if v is not None and own),
        members=len(rows),
    )
