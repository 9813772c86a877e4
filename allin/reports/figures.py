"""The report's counts, read in two statements whatever the data size.

Every count is grouped by municipality and by bucket: bucket 0 is the whole period, buckets
1, 2, … its terms. Each kind of record is one aggregate; the aggregates are joined by UNION ALL
into one statement of the same columns (a column an aggregate does not count is 0 there), and
the rows of one municipality and bucket are added up here. The municipalities are the
reader's (access.visible); the network's own guide entries come back under municipality None.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)

from ..access import chooses_municipality, scoped
from ..clock import UTCDateTime, now
from ..collation import nb_order
from ..enums import (
    AttendanceValue,
    CohortStatus,
    ConceptFormat,
    ConceptStage,
    EnrolmentStatus,
    GuideKind,
    GuideStatus,
    ReachKind,
    WithdrawalReason,
)
from ..extensions import db
from ..models import (
    Ambassador,
    Attendance,
    Cohort,
    Concept,
    Enrolment,
    GuideEntry,
    Municipality,
    ReachFigure,
    TimelineEntry,
    TrainingSession,
)
from .periods import Period, midnight

AGE_BANDS = {
    "age_13": (None, 13),
    "age_14_15": (14, 15),
    "age_16_17": (16, 17),
    "age_18": (18, None),
}
LEFT = {f"left_{reason.value}": reason for reason in WithdrawalReason}
STAGES = {f"stage_{stage.value}": stage for stage in ConceptStage}
CHANNELS = {f"reach_{channel.value}": channel for channel in ConceptFormat}
ATTENDED = (AttendanceValue.PRESENT, AttendanceValue.LATE)
RUNNING = (ConceptStage.LAUNCHED, ConceptStage.SUSTAINED)

# Every column of the statement, in its order (the first two are municipality and bucket).
COLUMNS = (
    ["cohorts_started", "cohorts_completed", "sessions_held", "marked", "attended", "active"]
    + ["enrolled", *AGE_BANDS, "graduated", "finished", "withdrawn", *LEFT]
    + [*STAGES, "launched", "running", *CHANNELS, "events", "users", "guide_entries", "best_cases"]
)


@dataclass(frozen=True)
class Scope:
    municipalities: list[tuple[int, str]]  # (id, name), in the reader's order
    first_day: object  # the first cohort's start, or None


def scope_of(actor) -> Scope:
    """The municipalities the reader's report covers, and when their first cohort began."""
    ids = scoped(select(Municipality.id), Municipality, actor)
    first = select(func.min(Cohort.starts_on)).where(Cohort.municipality_id.in_(ids))
    stmt = select(Municipality.id, Municipality.name, first.scalar_subquery())
    rows = db.session.execute(
        scoped(stmt, Municipality, actor).order_by(nb_order(Municipality.name), Municipality.id)
    ).all()
    return Scope([(row[0], row[1]) for row in rows], rows[0][2] if rows else None)


def counts(actor, period: Period) -> dict[tuple[int | None, int], Counter]:
    """{(municipality id, bucket): Counter(column: count)} for the reader's municipalities."""
    bucket = _buckets(period)
    ids = scoped(select(Municipality.id), Municipality, actor)
    parts = [
        _cohorts(bucket, ids),
        _sessions(bucket, ids),
        _enrolments(bucket, ids),
        _attendance(bucket, ids),
        _concepts(bucket, ids),
        _launches(bucket, ids),
        _reach(bucket, ids),
        _guide(bucket, ids, network=chooses_municipality(actor)),
    ]
    found: dict[tuple[int | None, int], Counter] = {}
    for row in db.session.execute(union_all(*parts)):
        found.setdefault((row[0], row[1]), Counter()).update(
            {name: value for name, value in zip(COLUMNS, row[2:], strict=True) if value}
        )
    return found


# ---- the buckets ----------------------------------------------------------------------------


def _buckets(period: Period):
    """The period (key 0) and its terms (1, 2, …) as a table: first day, the day after, the
    same as moments, and the year of the last day (how old a young person is, by birth year)."""
    spans = [(period.starts, period.after)] + [(t.starts, t.after) for t in period.terms()]
    rows = [
        select(
            literal(key, Integer).label("key"),
            literal(first, Date).label("starts_on"),
            literal(after, Date).label("after_on"),
            literal(midnight(first), UTCDateTime()).label("starts_at"),
            literal(midnight(after), UTCDateTime()).label("after_at"),
            literal((after - timedelta(days=1)).year, Integer).label("year"),
        )
        for key, (first, after) in enumerate(spans)
    ]
    return union_all(*rows).cte("bucket")


def _on_day(column, bucket):
    return and_(column >= bucket.c.starts_on, column < bucket.c.after_on)


def _at(column, bucket):
    return and_(column >= bucket.c.starts_at, column < bucket.c.after_at)


def _count(condition):
    return func.count(case((condition, 1)))


def _distinct(condition, column):
    return func.count(case((condition, column)).distinct())


def _row(municipality, bucket, **columns):
    """One aggregate's columns in COLUMNS order, 0 where it counts nothing."""
    unknown = set(columns) - set(COLUMNS)
    assert not unknown, unknown
    return [
        municipality.label("municipality_id"),
        bucket.c.key.label("bucket"),
        *(columns.get(name, literal(0, Integer)).label(name) for name in COLUMNS),
    ]


# ---- one aggregate per kind of record ---------------------------------------------------------


def _cohorts(bucket, ids):
    c = Cohort
    overlap = and_(c.starts_on < bucket.c.after_on, c.ends_on >= bucket.c.starts_on)
    return (
        select(
            *_row(
                c.municipality_id,
                bucket,
                cohorts_started=_count(_on_day(c.starts_on, bucket)),
                cohorts_completed=_count(
                    and_(_on_day(c.ends_on, bucket), c.status == CohortStatus.COMPLETED)
                ),
            )
        )
        .join(bucket, overlap)
        .where(c.municipality_id.in_(ids), c.status != CohortStatus.PLANNED)
        .group_by(c.municipality_id, bucket.c.key)
    )


def _sessions(bucket, ids):
    s = TrainingSession
    return (
        select(*_row(s.municipality_id, bucket, sessions_held=func.count()))
        .join(bucket, _at(s.starts_at, bucket))
        .where(s.municipality_id.in_(ids), s.cancelled_at.is_(None), s.starts_at < now())
        .group_by(s.municipality_id, bucket.c.key)
    )


def _enrolments(bucket, ids):
    e, c, a = Enrolment, Cohort, Ambassador
    overlap = and_(c.starts_on < bucket.c.after_on, c.ends_on >= bucket.c.starts_on)
    ran = and_(overlap, c.status != CohortStatus.PLANNED, e.status != EnrolmentStatus.INVITED)
    left = _at(e.withdrawn_at, bucket)
    finished = and_(ran, c.status == CohortStatus.COMPLETED, _on_day(c.ends_on, bucket))
    age = bucket.c.year - a.birth_year
    bands = {}
    for name, (low, high) in AGE_BANDS.items():
        band = [ran]
        if low is not None:
            band.append(age >= low)
        if high is not None:
            band.append(age <= high)
        bands[name] = _distinct(and_(*band), e.ambassador_id)
    reason = func.coalesce(e.withdrawal_reason, WithdrawalReason.OTHER.value)
    return (
        select(
            *_row(
                e.municipality_id,
                bucket,
                enrolled=_distinct(ran, e.ambassador_id),
                **bands,
                graduated=_count(and_(finished, e.status == EnrolmentStatus.GRADUATED)),
                finished=_count(finished),
                withdrawn=_count(left),
                **{name: _count(and_(left, reason == value.value)) for name, value in LEFT.items()},
            )
        )
        .select_from(e)
        .join(c, c.id == e.cohort_id)
        .join(a, a.id == e.ambassador_id)
        .join(bucket, or_(overlap, left))
        .where(e.municipality_id.in_(ids))
        .group_by(e.municipality_id, bucket.c.key)
    )


def _attendance(bucket, ids):
    t, s, e = Attendance, TrainingSession, Enrolment
    came = t.value.in_(ATTENDED)
    return (
        select(
            *_row(
                t.municipality_id,
                bucket,
                marked=func.count(),
                attended=_count(came),
                active=_distinct(came, e.ambassador_id),
            )
        )
        .select_from(t)
        .join(s, s.id == t.session_id)
        .join(e, e.id == t.enrolment_id)
        .join(bucket, _at(s.starts_at, bucket))
        .where(t.municipality_id.in_(ids), s.cancelled_at.is_(None))
        .group_by(t.municipality_id, bucket.c.key)
    )


def _concepts(bucket, ids):
    k = Concept
    return (
        select(
            *_row(
                k.municipality_id,
                bucket,
                **{name: _count(k.stage == stage) for name, stage in STAGES.items()},
            )
        )
        .join(bucket, _at(k.created_at, bucket))
        .where(k.municipality_id.in_(ids), k.submitted_at.is_not(None))
        .group_by(k.municipality_id, bucket.c.key)
    )


def _launches(bucket, ids):
    t, k = TimelineEntry, Concept
    return (
        select(
            *_row(
                k.municipality_id,
                bucket,
                launched=func.count(t.concept_id.distinct()),
                running=_distinct(k.stage.in_(RUNNING), k.id),
            )
        )
        .select_from(t)
        .join(k, k.id == t.concept_id)
        .join(bucket, _at(t.created_at, bucket))
        .where(k.municipality_id.in_(ids), t.to_stage == ConceptStage.LAUNCHED)
        .group_by(k.municipality_id, bucket.c.key)
    )


def _reach(bucket, ids):
    """Each concept's figures as last measured in the bucket, added up."""
    r, k = ReachFigure, Concept
    latest = (
        select(
            k.municipality_id,
            bucket.c.key,
            r.kind,
            k.format,
            r.value,
            func.row_number()
            .over(
                partition_by=(bucket.c.key, r.concept_id, r.kind),
                order_by=(r.measured_on.desc(), r.id.desc()),
            )
            .label("newest"),
        )
        .select_from(r)
        .join(k, k.id == r.concept_id)
        .join(bucket, _on_day(r.measured_on, bucket))
        .where(k.municipality_id.in_(ids))
        .subquery("latest")
    )
    newest = latest.c.newest == 1

    def total(*conditions):
        return func.coalesce(func.sum(case((and_(newest, *conditions), latest.c.value))), 0)

    people = latest.c.kind == ReachKind.PEOPLE
    return select(
        latest.c.municipality_id,
        latest.c.key,
        *(
            {
                **{
                    name: total(people, latest.c.format == channel)
                    for name, channel in CHANNELS.items()
                },
                "events": total(latest.c.kind == ReachKind.EVENTS),
                "users": total(latest.c.kind == ReachKind.USERS),
            }.get(name, literal(0, Integer)).label(name)
            for name in COLUMNS
        ),
    ).group_by(latest.c.municipality_id, latest.c.key)


def _guide(bucket, ids, *, network: bool):
    """Entries published in the bucket, once per pair of language versions; the network's
    own (no municipality) only for the network's readers."""
    g = GuideEntry
    mine = g.municipality_id.in_(ids)
    return (
        select(
            *_row(
                g.municipality_id,
                bucket,
                guide_entries=func.count(g.pair_key.distinct()),
                best_cases=_distinct(g.kind == GuideKind.BEST_CASE, g.pair_key),
            )
        )
        .join(bucket, _at(g.published_at, bucket))
        .where(or_(mine, g.municipality_id.is_(None)) if network else mine)
        .where(g.status == GuideStatus.PUBLISHED)
        .group_by(g.municipality_id, bucket.c.key)
    )
