"""Who opens a cohort's sign-up form and who handles the sign-ups.

Opening and closing the public form is managing the cohort (Perm.MANAGE_COHORTS: the
coordinator); reading and answering the sign-ups is enrolling (Perm.ENROL: youth workers and
coordinators). Both only in their own municipality.
"""

from __future__ import annotations

from sqlalchemy import Select, false

from ..access import SCOPES, Perm, can
from ..models import Signup, SignupForm


def can_open_form(actor, cohort) -> bool:
    return can(actor, Perm.MANAGE_COHORTS) and cohort.municipality_id == actor.municipality_id


def can_handle(actor, record) -> bool:
    """Accept or decline a sign-up (or see them): staff who enrol, in its municipality."""
    return can(actor, Perm.ENROL) and record.municipality_id == actor.municipality_id


def _staff_of(model):
    def rule(stmt: Select, actor) -> Select:
        if can(actor, Perm.ENROL) or can(actor, Perm.MANAGE_COHORTS):
            return stmt.where(model.municipality_id == actor.municipality_id)
        return stmt.where(false())

    rule.__doc__ = f"{model.__name__}: staff of the municipality; nobody else."
    return rule


SCOPES[Signup] = _staff_of(Signup)
SCOPES[SignupForm] = _staff_of(SignupForm)
