"""Reads for the certificate: what it says, from the ambassador's graduated cohorts, their
attendance and their concepts, in a fixed number of queries whatever their number."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..access import visible
from ..clock import now
from ..enums import AttendanceValue, CohortRole, ConceptStage, EnrolmentStatus
from ..extensions import db
from ..models import (
    Ambassador,
    Attendance,
    Certificate,
    Cohort,
    Concept,
    ConceptMember,
    Enrolment,
    TimelineEntry,
    TrainingSession,
    User,
)
from ..namesakes import short_name
from .rules import signers

# The stages in the order a concept reaches them; "stopped" is not a stage reached.
REACHED = (
    ConceptStage.IDEA,
    ConceptStage.DEVELOPING,
    ConceptStage.PITCHED,
    ConceptStage.LAUNCHED,
    ConceptStage.SUSTAINED,
)


@dataclass(frozen=True)
class CohortLine:
    name: str
    years: str
    role: CohortRole


@dataclass(frozen=True)
class ConceptLine:
    title: str
    stage: ConceptStage  # the furthest it reached


@dataclass
class Contents:
    """What a certificate says."""

    name: str
    municipality: str
    cohorts: list[CohortLine]
    roles: list[CohortRole]
    attended: int = 0
    held: int = 0
    concepts: list[ConceptLine] = field(default_factory=list)
    signer: str | None = None
    signer_is_coordinator: bool = True
    years: str = ""


def _years(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def ambassador_page(actor, ambassador_id: int) -> Ambassador:
    """A visible ambassador with their municipality, else 404."""
    stmt = (
        visible(Ambassador, actor)
        .where(Ambassador.id == ambassador_id)
        .options(db.joinedload(Ambassador.municipality))
    )
    return db.one_or_404(stmt)


def graduated(actor, ambassador: Ambassador) -> list[Enrolment]:
    """The ambassador's graduated enrolments, oldest cohort first, with their cohorts."""
    stmt = (
        visible(Enrolment, actor)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.ambassador_id == ambassador.id,
            Enrolment.status == EnrolmentStatus.GRADUATED,
        )
        .options(db.contains_eager(Enrolment.cohort))
        .order_by(Cohort.starts_on, Cohort.id)
    )
    return list(db.session.scalars(stmt).unique())


def _attendance(enrolments: list[Enrolment]) -> tuple[int, int]:
    """Sessions attended (present or late) of those held (not cancelled, begun), in one query."""
    cohorts = [e.cohort_id for e in enrolments]
    held = select(func.count(TrainingSession.id)).where(
        TrainingSession.cohort_id.in_(cohorts),
        TrainingSession.cancelled_at.is_(None),
        TrainingSession.starts_at <= now(),
    )
    attended = (
        select(func.count(Attendance.id))
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(
            Attendance.enrolment_id.in_([e.id for e in enrolments]),
            Attendance.value.in_((AttendanceValue.PRESENT, AttendanceValue.LATE)),
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at <= now(),
        )
    )
    row = db.session.execute(select(attended.scalar_subquery(), held.scalar_subquery())).one()
    return row[0], row[1]


def _furthest(stages) -> ConceptStage:
    reached = [s for s in stages if s in REACHED]
    return max(reached, key=REACHED.index) if reached else ConceptStage.IDEA


def _concepts(enrolments: list[Enrolment]) -> list[ConceptLine]:
    """The concepts they were on (now or before), each with the furthest stage it reached:
    its stage now, the stage it was stopped at, or any stage its timeline moved it to."""
    stmt = (
        select(
            Concept.id, Concept.title, Concept.stage, Concept.stopped_from, TimelineEntry.to_stage
        )
        .join(ConceptMember, ConceptMember.concept_id == Concept.id)
        .outerjoin(
            TimelineEntry,
            (TimelineEntry.concept_id == Concept.id) & TimelineEntry.to_stage.is_not(None),
        )
        .where(ConceptMember.enrolment_id.in_([e.id for e in enrolments]))
        .order_by(Concept.title, Concept.id)
    )
    titles: dict[int, str] = {}
    stages: dict[int, set] = {}
    for concept_id, title, stage, stopped_from, to_stage in db.session.execute(stmt):
        titles[concept_id] = title
        stages.setdefault(concept_id, set()).update({stage, stopped_from, to_stage})
    return [ConceptLine(titles[c], _furthest(stages[c])) for c in titles]


def _signer(last: Cohort) -> tuple[str | None, bool]:
    """The coordinator of the cohort's municipality (the longest-serving one), else a lead of
    the latest graduated cohort, in one query; None when it has neither."""
    who, coordinator = signers(last.municipality_id, last.id)
    row = db.session.execute(
        select(User.name, coordinator).where(who).order_by(coordinator.desc(), User.id).limit(1)
    ).first()
    return (row[0], bool(row[1])) if row else (None, False)


def contents(actor, ambassador: Ambassador) -> Contents | None:
    """What the certificate of a (visible, not erased) ambassador says; None without a
    graduated cohort."""
    enrolments = graduated(actor, ambassador)
    if not enrolments:
        return None
    cohorts = [e.cohort for e in enrolments]
    attended, held = _attendance(enrolments)
    signer, by_coordinator = _signer(cohorts[-1])
    return Contents(
        name=ambassador.name,
        municipality=ambassador.municipality.name,
        cohorts=[
            CohortLine(c.name, _years(c.starts_on.year, c.ends_on.year), e.role)
            for e, c in zip(enrolments, cohorts, strict=True)
        ],
        roles=sorted({e.role for e in enrolments}, key=list(CohortRole).index),
        attended=attended,
        held=held,
        concepts=_concepts(enrolments),
        signer=signer,
        signer_is_coordinator=by_coordinator,
        years=_years(cohorts[0].starts_on.year, cohorts[-1].ends_on.year),
    )


def token_of(actor, ambassador: Ambassador) -> str | None:
    return db.session.scalar(
        visible(Certificate, actor)
        .with_only_columns(Certificate.token)
        .where(Certificate.ambassador_id == ambassador.id)
    )


@dataclass(frozen=True)
class Verified:
    """All the public page shows: first name and last initial, and the years."""

    short_name: str
    years: str


def verify(token: str) -> Verified | None:
    """The certificate behind a verification address (the token is the access check), if its
    ambassador still has a graduated cohort; None otherwise."""
    if len(token) != 43:
        return None
    row = db.session.execute(
        select(
            Ambassador.name,
            func.min(Cohort.starts_on),
            func.max(Cohort.ends_on),
        )
        .select_from(Certificate)
        .join(Ambassador, Ambassador.id == Certificate.ambassador_id)
        .join(Enrolment, Enrolment.ambassador_id == Ambassador.id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Certificate.token == token,
            Ambassador.erased_at.is_(None),
            Enrolment.status == EnrolmentStatus.GRADUATED,
        )
        .group_by(Ambassador.id, Ambassador.name)
    ).first()
    if row is None:
        return None
    name, first, last = row
    return Verified(short_name(name, None), _years(first.year, last.year))
