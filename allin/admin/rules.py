"""Whom one manages: registered with access.visible() as the scope of Municipality, and the
object rules of the people pages (deactivate, change role, password link, two-factor reset)."""

from __future__ import annotations

from sqlalchemy import Select

from ..access import GRANTS, MANAGES, SCOPES, Perm, can, in_scope
from ..enums import Role
from ..models import Municipality


def _municipalities(stmt: Select, actor) -> Select:
    """The network sees every municipality; everyone else their own."""
    if actor.municipality_id is None:
        return stmt
    return stmt.where(Municipality.id == actor.municipality_id)


SCOPES[Municipality] = _municipalities


def can_manage_user(actor, target) -> bool:
    """May `actor` deactivate, reactivate, sign out or change the role of `target`?

    Never oneself; only people in a role the actor manages, in the actor's scope.
    """
    return (
        target.id != actor.id
        and can(actor, MANAGES[target.role])
        and in_scope(actor, target.municipality_id)
    )


# Staff move between these roles; nobody else changes role.
STAFF_ROLE_CHANGES = (Role.COORDINATOR, Role.YOUTH_WORKER)


def assignable_roles(actor, target) -> tuple[Role, ...]:
    """Roles `target` may be moved to by `actor`: coordinator and youth worker, both managed."""
    if target.role not in STAFF_ROLE_CHANGES or not can_manage_user(actor, target):
        return ()
    return tuple(role for role in STAFF_ROLE_CHANGES if can(actor, MANAGES[role]))


def can_hand_over_reset_link(actor, target) -> bool:
    """Staff who manage an ambassador without e-mail may make them a password link."""
    return target.role == Role.AMBASSADOR and not target.email and can_manage_user(actor, target)


def can_reset_two_factor(actor, target) -> bool:
    """Network admins and coordinators turn off the two-factor sign-in of staff they manage
    (a lost phone and lost recovery codes); the person then enrols again."""
    return (
        can(actor, Perm.RESET_TWO_FACTOR)
        and Perm.USE_TWO_FACTOR in GRANTS[target.role]
        and can_manage_user(actor, target)
    )
