"""Reads of the follow-up, each starting from access.visible()."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import Perm, can, visible
from ..collation import nb_order
from ..enums import ConceptStage
from ..extensions import db
from ..models import Concept, ConceptCheckIn, User
from ..training.times import today
from .rules import OWNER_ROLES

OVERDUE_AFTER = timedelta(days=14)


def check_in_page(actor, check_in_id: int) -> ConceptCheckIn:
    stmt = (
        visible(ConceptCheckIn, actor)
        .where(ConceptCheckIn.id == check_in_id)
        .options(joinedload(ConceptCheckIn.concept), joinedload(ConceptCheckIn.owner))
    )
    return db.one_or_404(stmt)


def of_concept(actor, concept_id: int) -> list[ConceptCheckIn]:
    stmt = (
        visible(ConceptCheckIn, actor)
        .where(ConceptCheckIn.concept_id == concept_id)
        .options(joinedload(ConceptCheckIn.owner))
        .order_by(ConceptCheckIn.months)
    )
    return list(db.session.scalars(stmt))


def overdue(actor, limit: int = 10) -> list[ConceptCheckIn]:
    """Check-ins of the actor's municipality not done 14 days after they were due."""
    stmt = (
        visible(ConceptCheckIn, actor)
        .where(
            ConceptCheckIn.completed_at.is_(None),
            ConceptCheckIn.due_on < today() - OVERDUE_AFTER,
        )
        .join(Concept, Concept.id == ConceptCheckIn.concept_id)
        .where(Concept.stage != ConceptStage.STOPPED)
        .options(joinedload(ConceptCheckIn.concept), joinedload(ConceptCheckIn.owner))
        .order_by(ConceptCheckIn.due_on, ConceptCheckIn.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def owners(municipality_id: int) -> list[tuple[int, str]]:
    """Who may own a launched concept of the municipality: its active reviewing staff."""
    stmt = (
        select(User.id, User.name)
        .where(
            User.municipality_id == municipality_id,
            User.active.is_(True),
            User.role.in_(OWNER_ROLES),
        )
        .order_by(nb_order(User.name), User.id)
    )
    return [(row.id, row.name) for row in db.session.execute(stmt)]


def home(actor) -> dict:
    """For a coordinator's home: the municipality's check-ins overdue by 14 days."""
    if not can(actor, Perm.MANAGE_COHORTS):
        return {}
    return {"overdue_check_ins": overdue(actor)}
