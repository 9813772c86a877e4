"""Who sees which sessions and roll calls, and who schedules, takes the roll call and follows
progress: registered with access.visible() as the scopes of TrainingSession, Attendance and
CalendarFeed, and the object rules of the training pages."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from ..access import SCOPES, Perm, can, can_lead, my_ambassador_ids
from ..enums import EnrolmentStatus
from ..models import Attendance, CalendarFeed, Enrolment, TrainingSession


def _my_cohort_ids(actor) -> Select:
    """The cohorts an ambassador is enrolled in and not withdrawn from."""
    return select(Enrolment.cohort_id).where(
        Enrolment.ambassador_id.in_(my_ambassador_ids(actor)),
        Enrolment.status != EnrolmentStatus.WITHDRAWN,
    )


def _training_sessions(stmt: Select, actor) -> Select:
    """Staff see the sessions of their municipality; an ambassador those of their cohorts."""
    if can(actor, Perm.TAKE_ATTENDANCE) or can(actor, Perm.SCHEDULE_SESSIONS):
        return stmt.where(TrainingSession.municipality_id == actor.municipality_id)
    if can(actor, Perm.VIEW_COHORTS):
        return stmt.where(TrainingSession.cohort_id.in_(_my_cohort_ids(actor)))
    return stmt.where(false())


def _attendance(stmt: Select, actor) -> Select:
    """Staff see the roll calls of their municipality; an ambassador only their own rows."""
    if can(actor, Perm.TAKE_ATTENDANCE):
        return stmt.where(Attendance.municipality_id == actor.municipality_id)
    if can(actor, Perm.VIEW_COHORTS):
        mine = select(Enrolment.id).where(Enrolment.ambassador_id.in_(my_ambassador_ids(actor)))
        return stmt.where(Attendance.enrolment_id.in_(mine))
    return stmt.where(false())


def _calendar_feeds(stmt: Select, actor) -> Select:
    """A cohort's shared feed address: its municipality's staff only. Ambassadors each have
    an address of their own (Enrolment.feed_token), which ends when they withdraw."""
    if can(actor, Perm.SCHEDULE_SESSIONS):
        return stmt.where(CalendarFeed.municipality_id == actor.municipality_id)
    return stmt.where(false())


SCOPES[TrainingSession] = _training_sessions
SCOPES[Attendance] = _attendance
SCOPES[CalendarFeed] = _calendar_feeds


def can_schedule_in(actor, record) -> bool:
    """Create, edit and cancel sessions, apply the programme, rotate the calendar address:
    staff of the record's (cohort's or session's) municipality."""
    return can(actor, Perm.SCHEDULE_SESSIONS) and record.municipality_id == actor.municipality_id


def can_take_attendance(actor, training_session) -> bool:
    """Take or correct the roll call: staff of the session's municipality."""
    return (
        can(actor, Perm.TAKE_ATTENDANCE)
        and training_session.municipality_id == actor.municipality_id
    )


def can_follow_progress(actor, cohort) -> bool:
    """The progress dashboard and early warnings: staff of the cohort's municipality."""
    return can(actor, Perm.VIEW_PROGRESS) and cohort.municipality_id == actor.municipality_id


def can_facilitate(user, municipality_id: int) -> bool:
    """Sessions are facilitated by active staff of the cohort's municipality."""
    return can_lead(user, municipality_id)
