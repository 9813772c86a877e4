"""Reads for the training pages; every query starts from visible()."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import Integer, Select, and_, bindparam, func, select

from ..access import BoundActor, Perm, built_once, can, scoped, visible
from ..ambassadors import rules
from ..clock import now
from ..collation import nb_order
from ..enums import AttendanceValue, EnrolmentStatus
from ..extensions import db
from ..models import (
    Ambassador,
    Attendance,
    CalendarFeed,
    Cohort,
    Enrolment,
    SessionTool,
    TrainingSession,
    User,
)
from ..namesakes import Namesakes
from . import times

UPCOMING_ON_HOME = 5
MY_ATTENDANCE = 20


def session_page(actor, session_id: int) -> TrainingSession:
    """One visible session with its cohort (and municipality) and facilitator, else 404."""
    stmt = (
        visible(TrainingSession, actor)
        .options(
            db.joinedload(TrainingSession.cohort).joinedload(Cohort.municipality),
            db.joinedload(TrainingSession.facilitator),
        )
        .where(TrainingSession.id == session_id)
    )
    return db.one_or_404(stmt)


def cohort_sessions(actor, cohort: Cohort) -> tuple[list, list]:
    """The cohort's sessions in time order, split into (upcoming, past) by their end."""
    stmt = (
        visible(TrainingSession, actor)
        .where(TrainingSession.cohort_id == cohort.id)
        .options(db.joinedload(TrainingSession.facilitator))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    moment = now()
    sessions = list(db.session.scalars(stmt))
    upcoming = [s for s in sessions if s.ends_at > moment]
    past = [s for s in sessions if s.ends_at <= moment]
    return upcoming, past


def has_sessions(cohort: Cohort) -> bool:
    stmt = select(TrainingSession.id).where(TrainingSession.cohort_id == cohort.id).limit(1)
    return db.session.scalar(stmt) is not None


def upcoming_of(actor, cohort: Cohort, limit: int = 3) -> list[TrainingSession]:
    """The cohort's next sessions that are not cancelled (for its overview)."""
    values = {**BoundActor.values(actor), "cohort": cohort.id, "moment": now(), "limit": limit}
    return list(db.session.scalars(_upcoming_stmt(actor), values))


@built_once
def _upcoming_stmt(actor) -> Select:
    return (
        scoped(select(TrainingSession), TrainingSession, actor)
        .where(
            TrainingSession.cohort_id == bindparam("cohort"),
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.ends_at > bindparam("moment"),
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(bindparam("limit", type_=Integer))
    )


@dataclass(frozen=True)
class PersonalFeed:
    """An ambassador's own address of their cohort's calendar."""

    cohort_id: int
    token: str


def feed_of(actor, cohort: Cohort) -> CalendarFeed | PersonalFeed | None:
    """The calendar address `actor` may subscribe to, once the cohort has sessions: the
    cohort's own for its staff, and for an ambassador their personal one, which stops working
    when they withdraw."""
    if can(actor, Perm.SCHEDULE_SESSIONS):
        return db.session.scalar(
            visible(CalendarFeed, actor).where(CalendarFeed.cohort_id == cohort.id)
        )
    token = db.session.scalar(
        visible(Enrolment, actor)
        .with_only_columns(Enrolment.feed_token)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .join(CalendarFeed, CalendarFeed.cohort_id == Enrolment.cohort_id)
        .where(
            Enrolment.cohort_id == cohort.id,
            Ambassador.user_id == actor.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
    )
    return PersonalFeed(cohort.id, token) if token else None


@dataclass(frozen=True)
class RollCallRow:
    enrolment_id: int
    ambassador_id: int
    name: str
    value: AttendanceValue | None
    # Shown where someone else on the list has the same first name (issue 19, point 11).
    birth_year: int | None  # None once erased
    school: str | None
    namesake: bool = False


def roll_call(actor, session: TrainingSession) -> list[RollCallRow]:
    """Every active member of the session's cohort with what is recorded, by name; people who
    share a first name are marked, so the page can tell them apart."""
    stmt = (
        visible(Enrolment, actor)
        .with_only_columns(
            Enrolment.id,
            Ambassador.id,
            Ambassador.name,
            Attendance.value,
            Ambassador.birth_year,
            Ambassador.school,
        )
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .outerjoin(
            Attendance,
            and_(Attendance.session_id == session.id, Attendance.enrolment_id == Enrolment.id),
        )
        .where(Enrolment.cohort_id == session.cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(nb_order(Ambassador.name), Enrolment.id)
    )
    rows = db.session.execute(stmt).all()
    namesakes = Namesakes(row.name for row in rows)
    return [
        RollCallRow(
            e,
            a,
            name,
            AttendanceValue(v) if v else None,
            year,
            school,
            namesakes.shares_first_name(name),
        )
        for e, a, name, v, year, school in rows
    ]


def session_feed(cohort: Cohort) -> list[TrainingSession]:
    """All of a cohort's sessions for its calendar feed (the token was the access check)."""
    stmt = (
        select(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return list(db.session.scalars(stmt))


def feed_cohort(token: str) -> Cohort | None:
    """The cohort whose calendar `token` opens: the cohort's own address, or the personal one
    of an ambassador who has not withdrawn, whose login is active and whom the consent rule
    allows a login now (ambassadors/rules.py)."""
    with_feed = select(Cohort).join(CalendarFeed, CalendarFeed.cohort_id == Cohort.id)
    cohort = db.session.scalar(with_feed.where(CalendarFeed.token == token))
    if cohort is not None:
        return cohort
    return db.session.scalar(
        with_feed.join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .join(User, User.id == Ambassador.user_id)
        .where(
            Enrolment.feed_token == token,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            User.active.is_(True),
            ~rules.login_refused_in_sql(
                Ambassador.id == Enrolment.ambassador_id, rules.today().year
            ),
        )
    )


def my_upcoming(actor) -> list[TrainingSession]:
    """An ambassador's next sessions across their cohorts (cancelled ones shown as such)."""
    values = {**BoundActor.values(actor), "moment": now()}
    return list(db.session.scalars(_my_upcoming(actor), values))


@built_once
def _my_upcoming(actor) -> Select:
    return (
        scoped(select(TrainingSession), TrainingSession, actor)
        .where(TrainingSession.ends_at > bindparam("moment"))
        .options(db.joinedload(TrainingSession.cohort))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(UPCOMING_ON_HOME)
    )


def around_today(actor, days: int = 2, limit: int = 20) -> list[TrainingSession]:
    """The sessions `actor` may see that start today or in the next `days` - 1 days (Oslo),
    cancelled ones included so that nobody goes to one: a youth worker's day on the home."""
    first = times.from_local(datetime.combine(times.today(), time()))
    end = times.from_local(datetime.combine(times.today() + timedelta(days=days), time()))
    stmt = (
        visible(TrainingSession, actor)
        .where(TrainingSession.starts_at >= first, TrainingSession.starts_at < end)
        .options(db.joinedload(TrainingSession.cohort))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def my_attendance(actor) -> list[Attendance]:
    """An ambassador's own recorded attendance, newest session first."""
    return list(db.session.scalars(_my_attendance(actor), BoundActor.values(actor)))


@built_once
def _my_attendance(actor) -> Select:
    return (
        scoped(select(Attendance), Attendance, actor)
        .join(Attendance.session)
        .options(db.contains_eager(Attendance.session))
        .order_by(TrainingSession.starts_at.desc(), Attendance.id.desc())
        .limit(MY_ATTENDANCE)
    )


def unmarked(actor, session: TrainingSession) -> Select:
    """(municipality_id, enrolment id) of everyone active in the cohort without a value yet."""
    return (
        visible(Enrolment, actor)
        .with_only_columns(Enrolment.municipality_id, Enrolment.id)
        .where(
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            ~select(Attendance.id)
            .where(Attendance.session_id == session.id, Attendance.enrolment_id == Enrolment.id)
            .exists(),
        )
    )


def unmarked_count(actor, session: TrainingSession) -> int:
    return db.session.scalar(select(func.count()).select_from(unmarked(actor, session).subquery()))


def tool_keys(session: TrainingSession) -> list[str]:
    """The pair keys of the guide tools this (visible) session lists."""
    stmt = select(SessionTool.pair_key).where(SessionTool.session_id == session.id)
    return list(db.session.scalars(stmt.order_by(SessionTool.pair_key)))
