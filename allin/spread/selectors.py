"""Reads of the spread: the best case to start from, the cohorts to start in, and the links
between an original and its copies."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import distinct, func, or_, select

from ..access import visible
from ..enums import CohortStatus, ConceptStage, EnrolmentStatus, GuideKind, GuideStatus
from ..extensions import db
from ..models import Cohort, Concept, Enrolment, GuideEntry, Municipality

LIVE = (ConceptStage.LAUNCHED, ConceptStage.SUSTAINED)


def best_case(actor, entry_id: int) -> GuideEntry:
    """A best case about a concept that the actor may read (published, or a draft in their
    own scope), else 404."""
    own = visible(GuideEntry, actor).with_only_columns(GuideEntry.id)
    found = db.session.scalar(
        select(GuideEntry).where(
            GuideEntry.id == entry_id,
            GuideEntry.kind == GuideKind.BEST_CASE,
            GuideEntry.concept_id.is_not(None),
            or_(GuideEntry.status == GuideStatus.PUBLISHED, GuideEntry.id.in_(own)),
        )
    )
    if found is None:
        abort(404)
    return found


def cohorts(actor) -> list[tuple[int, str, int]]:
    """(id, name, members) of the actor's cohorts that are not completed."""
    members = (
        select(func.count())
        .where(Enrolment.cohort_id == Cohort.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .correlate(Cohort)
        .scalar_subquery()
    )
    stmt = (
        visible(Cohort, actor)
        .with_only_columns(Cohort.id, Cohort.name, members)
        .where(Cohort.status != CohortStatus.COMPLETED)
        .order_by(Cohort.starts_on.desc(), Cohort.id)
    )
    return [tuple(row) for row in db.session.execute(stmt)]


def tried_in(concept_id: int | None) -> int:
    """In how many other cities a copy of the concept has launched."""
    if concept_id is None:
        return 0
    original = select(Concept.municipality_id).where(Concept.id == concept_id).scalar_subquery()
    stmt = select(func.count(distinct(Concept.municipality_id))).where(
        Concept.based_on_id == concept_id,
        Concept.stage.in_(LIVE),
        Concept.municipality_id != original,
    )
    return db.session.scalar(stmt) or 0


@dataclass(frozen=True)
class Provenance:
    """A concept's links: the original it is based on (city and title as they are now), and
    the cities that started a copy of it."""

    based_on_city: str | None
    based_on_title: str | None
    copied_to: list[str]


def provenance(concept) -> Provenance:
    """One query for the original (if any) and one for the copies' cities."""
    based = None
    if concept.based_on_id is not None:
        based = db.session.execute(
            select(Municipality.name, Concept.title)
            .join(Municipality, Municipality.id == Concept.municipality_id)
            .where(Concept.id == concept.based_on_id)
        ).first()
    cities = db.session.scalars(
        select(Municipality.name)
        .distinct()
        .join(Concept, Concept.municipality_id == Municipality.id)
        .where(Concept.based_on_id == concept.id)
        .order_by(Municipality.name)
    ).all()
    return Provenance(based[0] if based else None, based[1] if based else None, list(cities))
