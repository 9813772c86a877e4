"""Who sees a launched concept's check-ins and who completes one: registered with
access.visible() as the scope of ConceptCheckIn."""

from __future__ import annotations

from sqlalchemy import Select, false

from ..access import GRANTS, SCOPES, Perm, can
from ..models import ConceptCheckIn

# Staff who review concepts (coordinators and youth workers) may own a launched concept.
OWNER_ROLES = tuple(role for role, perms in GRANTS.items() if Perm.REVIEW_CONCEPTS in perms)


def _check_ins(stmt: Select, actor) -> Select:
    """The check-ins of the actor's municipality, for its staff who review concepts."""
    if can(actor, Perm.REVIEW_CONCEPTS):
        return stmt.where(ConceptCheckIn.municipality_id == actor.municipality_id)
    return stmt.where(false())


SCOPES[ConceptCheckIn] = _check_ins


def can_complete(actor, check_in) -> bool:
    """Its owner, or a coordinator of the concept's municipality."""
    if not can(actor, Perm.REVIEW_CONCEPTS) or actor.municipality_id != check_in.municipality_id:
        return False
    return actor.id == check_in.owner_id or can(actor, Perm.MANAGE_COHORTS)


def can_own(user, municipality_id: int) -> bool:
    """An owner is active staff of the concept's municipality who reviews concepts."""
    return bool(
        user
        and user.active
        and user.role in OWNER_ROLES
        and user.municipality_id == municipality_id
    )
