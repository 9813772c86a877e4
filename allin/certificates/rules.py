"""Who sees a certificate: staff who enrol see those of their municipality's ambassadors, an
ambassador their own (the same as who sees the ambassador); who signs it."""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from ..access import SCOPES, Perm, can, my_ambassador_ids
from ..enums import Role
from ..models import Certificate, User, cohort_lead


def _certificates(stmt: Select, actor) -> Select:
    if can(actor, Perm.ENROL):
        return stmt.where(Certificate.municipality_id == actor.municipality_id)
    if can(actor, Perm.VIEW_COHORTS):
        return stmt.where(Certificate.ambassador_id.in_(my_ambassador_ids(actor)))
    return stmt.where(false())


SCOPES[Certificate] = _certificates


def signers(municipality_id: int, cohort_id: int):
    """Who may sign a certificate: an active coordinator of the municipality, or a lead of the
    (latest graduated) cohort; and the ordering that puts coordinators first."""
    coordinator = (User.role == Role.COORDINATOR) & (User.municipality_id == municipality_id)
    lead = User.id.in_(select(cohort_lead.c.user_id).where(cohort_lead.c.cohort_id == cohort_id))
    who = or_(coordinator, lead) & User.active.is_(True) & User.erased_at.is_(None)
    return who, coordinator
