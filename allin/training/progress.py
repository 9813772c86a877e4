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
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from ..ambassadors import rules as consent_rules
from ..clock import now
from ..cohorts.selectors import lacking_consent
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


# The statements below are built once (functools.cache) with these parameters, and run with
# params(): building a statement of this size costs more Python than SQLite takes to run it.
def _ids():
    return bindparam("ids", expanding=True)


def _moment():
    return bindparam("moment")


def params(cohort_ids: list[int]) -> dict:
    """Values for the statements below: the year is the one the consent rule counts in."""
    return {"ids": list(cohort_ids), "moment": now(), "year": consent_rules.today().year}


def _taken():
    """Sessions with at least one recorded value."""
    return select(Attendance.id).where(Attendance.session_id == TrainingSession.id).exists()


def _counted_sessions():
    return (
        select(
            TrainingSession.id,
            TrainingSession.cohort_id,
            TrainingSession.starts_at,
            TrainingSession.ends_at,
        )
        .where(
            TrainingSession.cohort_id.in_(_ids()),
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at <= _moment(),
            _taken(),
        )
        .subquery("counted")
    )


ALL, ACTIVE, NOT_ACTIVE = "all", "active", "not active"  # whose pairs (never the withdrawn)
WHOSE = {
    ALL: Enrolment.status != EnrolmentStatus.WITHDRAWN,
    ACTIVE: Enrolment.status == EnrolmentStatus.ACTIVE,
    NOT_ACTIVE: Enrolment.status.not_in((EnrolmentStatus.WITHDRAWN, EnrolmentStatus.ACTIVE)),
}


def _pairs(whose: str = ALL):
    """Every (enrolment, counted session) pair with the recorded value, numbered from the
    most recent session back for each enrolment (`recent`, a window); `whose`: of every
    enrolment that is not withdrawn, or of the active ones."""
    s = _counted_sessions()
    order = (s.c.starts_at.desc(), s.c.id.desc())
    return (
        select(
            Enrolment.id.label("enrolment_id"),
            Enrolment.cohort_id.label("cohort_id"),
            s.c.id.label("session_id"),
            s.c.starts_at,
            Attendance.value,
            func.row_number().over(partition_by=Enrolment.id, order_by=order).label("recent"),
        )
        .select_from(Enrolment)
        .join(s, and_(s.c.cohort_id == Enrolment.cohort_id, s.c.ends_at > Enrolment.enrolled_at))
        .outerjoin(
            Attendance,
            and_(Attendance.session_id == s.c.id, Attendance.enrolment_id == Enrolment.id),
        )
        .where(
            Enrolment.cohort_id.in_(_ids()),
            WHOSE[whose],
            # The roll call lists only active enrolments: an invited or graduated person who
            # was not marked could not have been, so that session does not count for them.
            or_(Attendance.value.is_not(None), Enrolment.status == EnrolmentStatus.ACTIVE),
        )
        .subquery("pairs")
    )


def _others_marks_count():
    """Whether a mark (Attendance joined to its Enrolment and TrainingSession) of someone not
    active counts: at a held session of the enrolment's own cohort that ended after they were
    enrolled (a mark makes the roll call taken). Only for them: an active member also misses
    the sessions they were not marked at (_pairs)."""
    s = TrainingSession
    return and_(
        # A difference, not an equality: PostgreSQL cannot join enrolments to their cohort's
        # sessions by it first. Its generic plan (a prepared statement's) did, then read every
        # mark of each session to keep one: 34,000 index entries for 2,600 marks at scale 10.
        # A mark reaches its session through the mark.
        s.cohort_id - Enrolment.cohort_id == 0,
        Enrolment.cohort_id.in_(_ids()),
        WHOSE[NOT_ACTIVE],
        s.cancelled_at.is_(None),
        s.starts_at <= _moment(),
        s.ends_at > Enrolment.enrolled_at,
    )


def _per_enrolment(whose: str = ALL):
    p = _pairs(whose=whose)
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


def _member_rows():
    """The statement behind the per-ambassador figures (for the cohort in `ids`), its four
    count columns and the early-warning column: enrolment, ambassador, name, status,
    counted, attended, late, excused, last attended, warning; by name."""
    stats = _per_enrolment()
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
        .where(Enrolment.cohort_id.in_(_ids()), Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .order_by(nb_order(Ambassador.name), Enrolment.id)
    )
    return stmt, counts, warning


@cache
def _members_with_totals():
    stmt, counts, warning = _member_rows()
    return stmt.add_columns(
        *(func.sum(c).over() for c in counts), func.sum(case((warning, 1), else_=0)).over()
    )


@cache
def _member_page():
    """A page of _members_with_totals() (the sums cover every member, not the page's), with
    how many members there are in all."""
    return (
        _members_with_totals()
        .add_columns(func.count().over())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


@cache
def _warned():
    stmt, _counts, warning = _member_rows()
    return stmt.where(warning).limit(bindparam("limit", type_=Integer))


@cache
def _warned_in():
    stmt, _counts, warning = _member_rows()
    return stmt.where(warning).add_columns(Enrolment.cohort_id)


def _member(row) -> Member:
    e_id, a_id, name, status, counted, attended, late, excused, last, warned = row[:10]
    rate = Rate(int(counted), int(attended), int(late), int(excused))
    return Member(e_id, a_id, name, EnrolmentStatus(status), rate, last, bool(warned))


def members_and_totals(cohort_id: int) -> tuple[list[Member], Rate, int]:
    """members(), plus the cohort's rate and early-warning count from the same query (window
    sums over the member rows), so the figures are not aggregated twice."""
    people, total, warnings = [], Rate(), 0
    for row in db.session.execute(_members_with_totals(), params([cohort_id])):
        people.append(_member(row))
        totals = row[10:]
        total, warnings = Rate(*(int(v or 0) for v in totals[:4])), int(totals[4] or 0)
    return people, total, warnings


class MemberPage(NamedTuple):
    members: list[Member]
    count: int  # members in all
    rate: Rate | None  # the cohort's, over every member; None on a page past the end
    warnings: int


def member_page(cohort_id: int, limit: int, offset: int) -> MemberPage:
    """One page of members(), with how many there are in all and the cohort's rate and
    early-warning count (window sums over every member: one query)."""
    values = {**params([cohort_id]), "limit": limit, "offset": offset}
    rows = db.session.execute(_member_page(), values).all()
    if not rows:
        return MemberPage([], 0, None, 0)
    *totals, warnings, count = rows[0][10:]
    rate = Rate(*(int(v or 0) for v in totals))
    return MemberPage([_member(row) for row in rows], count, rate, int(warnings or 0))


def warned(cohort_id: int, limit: int = 100) -> list[Member]:
    """The members with an early warning, by name (at most `limit`; one query)."""
    values = {**params([cohort_id]), "limit": limit}
    return [_member(row) for row in db.session.execute(_warned(), values)]


def warned_in(cohort_ids: list[int]) -> dict[int, list[Member]]:
    """{cohort id: its members with an early warning, by name} for the cohorts that have any,
    every one of them (the notices must miss no one), in one query."""
    found: dict[int, list[Member]] = {}
    if cohort_ids:
        for row in db.session.execute(_warned_in(), params(cohort_ids)):
            found.setdefault(row[10], []).append(_member(row))
    return found


def attendance_rows(cohort_id: int) -> list:
    """The pairs behind members_and_totals(): each counted session of each ambassador with
    what the roll call recorded (None: nothing, which counts as missed), by session, then
    name: (starts_at, title, name, value), in one query."""
    return db.session.execute(_attendance_rows(), params([cohort_id])).all()


@cache
def _attendance_rows():
    p = _pairs()
    return (
        select(p.c.starts_at, TrainingSession.title, Ambassador.name, p.c.value)
        .select_from(p)
        .join(TrainingSession, TrainingSession.id == p.c.session_id)
        .join(Enrolment, Enrolment.id == p.c.enrolment_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .order_by(p.c.starts_at, p.c.session_id, nb_order(Ambassador.name), Enrolment.id)
    )


def headlines(cohort_ids: list[int], *, rates: bool = True) -> dict[int, Headline]:
    """The headline figures of each cohort, in one query (_headlines); without `rates` the
    attendance rate and early warnings are left out (the progress page has them from its
    member rows: the pairs behind them are the costliest part)."""
    result = {i: Headline() for i in cohort_ids}
    if not cohort_ids:
        return result
    for cohort_id, part, key, a, b, c, d, e in db.session.execute(
        _headlines(rates), params(cohort_ids)
    ):
        headline = result[cohort_id]
        # PostgreSQL sums bigints as numeric: back to int.
        a, b, c, d, e = (int(v or 0) for v in (a, b, c, d, e))
        if part == "sessions":
            headline.sessions = SessionCounts(a, b, c, d)
        elif part == "status":
            headline.statuses[EnrolmentStatus(key)] = a
        elif part == "rate":  # the others' pairs, and the active ones' with their warnings
            was = headline.rate
            headline.rate = Rate(was.counted + a, was.attended + b, was.late + c, was.excused + d)
            headline.warnings += e
        else:
            headline.missing_consent = a
    return result


@cache
def _headlines(with_rates: bool):
    """Four grouped aggregates in one UNION ALL, rows of (cohort, part, key, five numbers):
    session counts (planned, held, taken, cancelled), enrolments per status (key), the
    enrolments missing a consent and, `with_rates`, the rate (counted, attended, late,
    excused, warnings)."""

    def total(condition):
        return func.sum(case((condition, 1), else_=0))

    no_key, zero = cast(null(), String), literal_column("0")
    live = TrainingSession.cancelled_at.is_(None)
    held = and_(live, TrainingSession.starts_at <= _moment())
    sessions = (
        select(
            TrainingSession.cohort_id,
            literal_column("'sessions'"),
            no_key,
            total(live),
            total(held),
            total(and_(held, _taken())),
            total(~live),
            zero,
        )
        .where(TrainingSession.cohort_id.in_(_ids()))
        .group_by(TrainingSession.cohort_id)
    )
    statuses = (
        select(
            Enrolment.cohort_id,
            literal_column("'status'"),
            cast(Enrolment.status, String),
            func.count(),
            zero,
            zero,
            zero,
            zero,
        )
        .where(Enrolment.cohort_id.in_(_ids()))
        .group_by(Enrolment.cohort_id, Enrolment.status)
    )
    # Only the warnings need each enrolment's latest sessions (a window over its pairs), and
    # only active enrolments can have one. The others (in a completed cohort, everyone) have
    # no pair without a mark (a session counts for them only where they were marked): their
    # marks are read straight from their attendance rows, without pairing every enrolment
    # with every session of its cohort first (2-3 times the work at 10 cohorts).
    rate = (
        select(
            Enrolment.cohort_id,
            literal_column("'rate'"),
            no_key,
            func.count(),
            total(Attendance.value.in_(ATTENDED)),
            total(Attendance.value == AttendanceValue.LATE),
            total(Attendance.value == AttendanceValue.EXCUSED),
            zero,
        )
        .select_from(Enrolment)
        .join(Attendance, Attendance.enrolment_id == Enrolment.id)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(_others_marks_count())
        .group_by(Enrolment.cohort_id)
    )
    stats = _per_enrolment(ACTIVE)
    active = (
        select(
            Enrolment.cohort_id,
            literal_column("'rate'"),
            no_key,
            func.sum(stats.c.counted),
            func.sum(stats.c.attended),
            func.sum(stats.c.late),
            func.sum(stats.c.excused),
            total(_warning(stats)),
        )
        .join(stats, stats.c.enrolment_id == Enrolment.id)
        .group_by(Enrolment.cohort_id)
    )
    lacking = lacking_consent(
        Enrolment.cohort_id.in_(_ids()), year=bindparam("year", type_=Integer)
    ).subquery("lacking")
    missing = select(
        lacking.c.cohort_id,
        literal_column("'missing'"),
        no_key,
        func.count(),
        zero,
        zero,
        zero,
        zero,
    ).group_by(lacking.c.cohort_id)
    return union_all(sessions, statuses, missing, *([rate, active] if with_rates else []))


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
    values = {**params([cohort_id]), "limit": limit}
    bars: dict[int, SessionBar] = {}
    for session_id, title, starts_at, value, count in db.session.execute(_bars(), values):
        bar = bars.setdefault(
            session_id,
            SessionBar(session_id, title, starts_at, {v: 0 for v in AttendanceValue}),
        )
        if value is not None:
            bar.counts[AttendanceValue(value)] = count
    return list(bars.values())


@cache
def _bars():
    recent = (
        select(TrainingSession.id)
        .where(
            TrainingSession.cohort_id.in_(_ids()),
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at <= _moment(),
        )
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    return (
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
