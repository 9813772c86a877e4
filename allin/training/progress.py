"""How cohorts are doing, aggregated in SQL: a few GROUP BY / window-function queries per
page, whatever the number of ambassadors or sessions. Callers pass ids of cohorts they read
through access.visible() and checked with can_follow_progress() (dashboard.py, routes.py).

Rules (tests/test_training_progress.py holds them at their edges):
- a session is *held* once it has started and is not cancelled; its roll call is *taken*
  when at least one value is recorded. Rates and warnings count held sessions whose roll call
  was taken, and for each ambassador only those that ended after they were enrolled;
- an ambassador with no value at such a session missed it, as one marked absent did;
- late counts as attended; excused is left out of the rate (and shown);
- early warning: active, and missed each of their last two counted sessions without excuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from ..clock import now
from ..cohorts.selectors import _missing_consent
from ..collation import nb_order
from ..enums import AttendanceValue, EnrolmentStatus
from ..extensions import db
from ..models import Ambassador, Attendance, Enrolment, TrainingSession

ATTENDED = (AttendanceValue.PRESENT, AttendanceValue.LATE)


@dataclass
class SessionCounts:
    planned: int = 0  # not cancelled
    held: int = 0  # started, not cancelled
    taken: int = 0  # held, with a roll call
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.planned + self.cancelled


@dataclass
class Rate:
    counted: int = 0
    attended: int = 0
    late: int = 0
    excused: int = 0

    @property
    def missed(self) -> int:
        return self.counted - self.attended - self.excused

    @property
    def rate(self) -> float | None:
        """Attended ÷ (counted − excused); None when nothing counts yet."""
        base = self.counted - self.excused
        return self.attended / base if base else None


@dataclass
class Member:
    enrolment_id: int
    ambassador_id: int
    name: str
    status: EnrolmentStatus
    rate: Rate
    last_attended: datetime | None
    warning: bool


@dataclass
class Headline:
    """The figures of one cohort, on its dashboard and in the municipality overview."""

    sessions: SessionCounts = field(default_factory=SessionCounts)
    statuses: dict[EnrolmentStatus, int] = field(default_factory=dict)
    rate: Rate = field(default_factory=Rate)
    warnings: int = 0
    missing_consent: int = 0

    @property
    def status_counts(self) -> list[tuple[EnrolmentStatus, int]]:
        """Every status with its count, in the order enrolments move."""
        return [(status, self.statuses.get(status, 0)) for status in EnrolmentStatus]

    @property
    def ever_enrolled(self) -> int:
        return sum(self.statuses.values())

    @property
    def retained(self) -> int:
        """Still with the programme: everyone not withdrawn (invited, active, graduated)."""
        return self.ever_enrolled - self.statuses.get(EnrolmentStatus.WITHDRAWN, 0)

    @property
    def retention(self) -> float | None:
        return self.retained / self.ever_enrolled if self.ever_enrolled else None


def _taken():
    """Sessions with at least one recorded value."""
    return select(Attendance.id).where(Attendance.session_id == TrainingSession.id).exists()


def _counted_sessions(cohort_ids, moment):
    return (
        select(
            TrainingSession.id,
            TrainingSession.cohort_id,
            TrainingSession.starts_at,
            TrainingSession.ends_at,
        )
        .where(
            TrainingSession.cohort_id.in_(cohort_ids),
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at <= moment,
            _taken(),
        )
        .subquery("counted")
    )


def _pairs(cohort_ids, moment):
    """Every (enrolment, counted session) pair with the recorded value, numbered from the
    most recent session back for each enrolment."""
    s = _counted_sessions(cohort_ids, moment)
    recent = func.row_number().over(
        partition_by=Enrolment.id, order_by=(s.c.starts_at.desc(), s.c.id.desc())
    )
    return (
        select(
            Enrolment.id.label("enrolment_id"),
            s.c.id.label("session_id"),
            s.c.starts_at,
            Attendance.value,
            recent.label("recent"),
        )
        .select_from(Enrolment)
        .join(s, and_(s.c.cohort_id == Enrolment.cohort_id, s.c.ends_at > Enrolment.enrolled_at))
        .outerjoin(
            Attendance,
            and_(Attendance.session_id == s.c.id, Attendance.enrolment_id == Enrolment.id),
        )
        .where(
            Enrolment.cohort_id.in_(cohort_ids),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            # The roll call lists only active enrolments: an invited or graduated person who
            # was not marked could not have been, so that session does not count for them.
            or_(Attendance.value.is_not(None), Enrolment.status == EnrolmentStatus.ACTIVE),
        )
        .subquery("pairs")
    )


def _per_enrolment(cohort_ids, moment):
    p = _pairs(cohort_ids, moment)
    attended = p.c.value.in_(ATTENDED)
    missed = or_(p.c.value.is_(None), p.c.value == AttendanceValue.ABSENT)
    return (
        select(
            p.c.enrolment_id,
            func.count().label("counted"),
            func.sum(case((attended, 1), else_=0)).label("attended"),
            func.sum(case((p.c.value == AttendanceValue.LATE, 1), else_=0)).label("late"),
            func.sum(case((p.c.value == AttendanceValue.EXCUSED, 1), else_=0)).label("excused"),
            func.max(case((attended, p.c.starts_at))).label("last_attended"),
            func.sum(case((p.c.recent <= 2, 1), else_=0)).label("recent"),
            func.sum(case((and_(p.c.recent <= 2, missed), 1), else_=0)).label("recent_missed"),
        )
        .group_by(p.c.enrolment_id)
        .subquery("stats")
    )


def _warning(stats):
    return and_(
        Enrolment.status == EnrolmentStatus.ACTIVE, stats.c.recent == 2, stats.c.recent_missed == 2
    )


def members(cohort_id: int) -> list[Member]:
    """Each ambassador of the cohort (not withdrawn) with their rate, by name (one query)."""
    return members_and_totals(cohort_id)[0]


def _member_rows(cohort_id: int):
    """The statement behind the per-ambassador figures, its four count columns and the
    early-warning column: enrolment, ambassador, name, status, counted, attended, late,
    excused, last attended, warning; by name."""
    stats = _per_enrolment([cohort_id], now())
    counts = [
        func.coalesce(stats.c.counted, 0),
        func.coalesce(stats.c.attended, 0),
        func.coalesce(stats.c.late, 0),
        func.coalesce(stats.c.excused, 0),
    ]
    warning = func.coalesce(_warning(stats), False)
    stmt = (
        select(
            Enrolment.id,
            Ambassador.id,
            Ambassador.name,
            Enrolment.status,
            *counts,
            stats.c.last_attended,
            warning,
        )
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .outerjoin(stats, stats.c.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .order_by(nb_order(Ambassador.name), Enrolment.id)
    )
    return stmt, counts, warning


def _member(row) -> Member:
    e_id, a_id, name, status, counted, attended, late, excused, last, warned = row[:10]
    rate = Rate(int(counted), int(attended), int(late), int(excused))
    return Member(e_id, a_id, name, EnrolmentStatus(status), rate, last, bool(warned))


def members_and_totals(cohort_id: int) -> tuple[list[Member], Rate, int]:
    """members(), plus the cohort's rate and early-warning count from the same query (window
    sums over the member rows), so the figures are not aggregated twice."""
    stmt, counts, warning = _member_rows(cohort_id)
    stmt = stmt.add_columns(
        *(func.sum(c).over() for c in counts), func.sum(case((warning, 1), else_=0)).over()
    )
    people, total, warnings = [], Rate(), 0
    for row in db.session.execute(stmt):
        people.append(_member(row))
        totals = row[10:]
        total, warnings = Rate(*(int(v or 0) for v in totals[:4])), int(totals[4] or 0)
    return people, total, warnings


def member_page(cohort_id: int, limit: int, offset: int) -> tuple[list[Member], int]:
    """One page of members(), and how many there are in all (counted along: one query)."""
    stmt, _counts, _warning = _member_rows(cohort_id)
    rows = db.session.execute(stmt.add_columns(func.count().over()).limit(limit).offset(offset))
    rows = rows.all()
    return [_member(row) for row in rows], (rows[0][-1] if rows else 0)


def warned(cohort_id: int, limit: int = 100) -> list[Member]:
    """The members with an early warning, by name (at most `limit`; one query)."""
    stmt, _counts, warning = _member_rows(cohort_id)
    return [_member(row) for row in db.session.execute(stmt.where(warning).limit(limit))]


def attendance_rows(cohort_id: int) -> list:
    """The pairs behind members_and_totals(): each counted session of each ambassador with
    what the roll call recorded (None: nothing, which counts as missed), by session, then
    name: (starts_at, title, name, value), in one query."""
    p = _pairs([cohort_id], now())
    stmt = (
        select(p.c.starts_at, TrainingSession.title, Ambassador.name, p.c.value)
        .select_from(p)
        .join(TrainingSession, TrainingSession.id == p.c.session_id)
        .join(Enrolment, Enrolment.id == p.c.enrolment_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .order_by(p.c.starts_at, p.c.session_id, nb_order(Ambassador.name), Enrolment.id)
    )
    return db.session.execute(stmt).all()


def headlines(cohort_ids: list[int], *, rates: bool = True) -> dict[int, Headline]:
    """The headline figures of each cohort, in four grouped queries (three without the
    rates)."""
    result = {i: Headline() for i in cohort_ids}
    if not cohort_ids:
        return result
    moment = now()
    _session_counts(result, cohort_ids, moment)
    statuses = select(Enrolment.cohort_id, Enrolment.status, func.count()).where(
        Enrolment.cohort_id.in_(cohort_ids)
    )
    for cohort_id, status, count in db.session.execute(
        statuses.group_by(Enrolment.cohort_id, Enrolment.status)
    ):
        result[cohort_id].statuses[EnrolmentStatus(status)] = count
    if rates:
        _rates(result, cohort_ids, moment)
    missing = (
        select(Enrolment.cohort_id, func.count())
        .where(
            Enrolment.cohort_id.in_(cohort_ids),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            _missing_consent(),
        )
        .group_by(Enrolment.cohort_id)
    )
    for cohort_id, count in db.session.execute(missing):
        result[cohort_id].missing_consent = count
    return result


def _session_counts(result, cohort_ids, moment) -> None:
    live = TrainingSession.cancelled_at.is_(None)
    held = and_(live, TrainingSession.starts_at <= moment)
    stmt = (
        select(
            TrainingSession.cohort_id,
            func.sum(case((live, 1), else_=0)),
            func.sum(case((held, 1), else_=0)),
            func.sum(case((and_(held, _taken()), 1), else_=0)),
            func.sum(case((live, 0), else_=1)),
        )
        .where(TrainingSession.cohort_id.in_(cohort_ids))
        .group_by(TrainingSession.cohort_id)
    )
    for cohort_id, *counts in db.session.execute(stmt):
        result[cohort_id].sessions = SessionCounts(*(int(c or 0) for c in counts))


def _rates(result, cohort_ids, moment) -> None:
    stats = _per_enrolment(cohort_ids, moment)
    stmt = (
        select(
            Enrolment.cohort_id,
            func.sum(stats.c.counted),
            func.sum(stats.c.attended),
            func.sum(stats.c.late),
            func.sum(stats.c.excused),
            func.sum(case((_warning(stats), 1), else_=0)),
        )
        .join(stats, stats.c.enrolment_id == Enrolment.id)
        .group_by(Enrolment.cohort_id)
    )
    for cohort_id, counted, attended, late, excused, warnings in db.session.execute(stmt):
        # PostgreSQL sums bigints as numeric: back to int.
        result[cohort_id].rate = Rate(*(int(v or 0) for v in (counted, attended, late, excused)))
        result[cohort_id].warnings = int(warnings or 0)


@dataclass
class SessionBar:
    """One held session's roll call, for the chart and its table."""

    session_id: int
    title: str
    starts_at: datetime
    counts: dict[AttendanceValue, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def session_bars(cohort_id: int, limit: int = 30) -> list[SessionBar]:
    """Recorded values per held session (the latest `limit`), oldest first (one query)."""
    recent = (
        select(TrainingSession.id)
        .where(
            TrainingSession.cohort_id == cohort_id,
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at <= now(),
        )
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
        .limit(limit)
    )
    stmt = (
        select(
            TrainingSession.id,
            TrainingSession.title,
            TrainingSession.starts_at,
            Attendance.value,
            func.count(Attendance.id),
        )
        .outerjoin(Attendance, Attendance.session_id == TrainingSession.id)
        .where(TrainingSession.id.in_(recent))
        .group_by(
            TrainingSession.id, TrainingSession.title, TrainingSession.starts_at, Attendance.value
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    bars: dict[int, SessionBar] = {}
    for session_id, title, starts_at, value, count in db.session.execute(stmt):
        bar = bars.setdefault(
            session_id,
            SessionBar(session_id, title, starts_at, {v: 0 for v in AttendanceValue}),
        )
        if value is not None:
            bar.counts[AttendanceValue(value)] = count
    return list(bars.values())
