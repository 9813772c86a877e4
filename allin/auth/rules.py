"""Who sees which people, login sessions and invitations: registered with access.visible() as
the scopes of User, LoginSession and Invitation; and who invites into which role, and who
manages an invitation."""

from __future__ import annotations

from sqlalchemy import Select, false

from ..access import MANAGES, SCOPES, Perm, can, in_scope
from ..enums import Role
from ..models import Invitation, LoginSession, User


def _users(stmt: Select, actor) -> Select:
    """Staff see the people of their municipality; the network sees staff everywhere, never an
    ambassador; an ambassador sees only themself."""
    if not can(actor, Perm.VIEW_PEOPLE):
        return stmt.where(User.id == actor.id)
    if actor.municipality_id is None:
        return stmt.where(User.role != Role.AMBASSADOR)
    return stmt.where(User.municipality_id == actor.municipality_id)


def _login_sessions(stmt: Select, actor) -> Select:
    """One's own login sessions; administrators end others' without seeing them."""
    return stmt.where(LoginSession.user_id == actor.id)


def _invitations(stmt: Select, actor) -> Select:
    """Invitations follow the people they would create: the same rule as users."""
    if not can(actor, Perm.VIEW_PEOPLE):
        return stmt.where(false())
    if actor.municipality_id is None:
        return stmt.where(Invitation.role != Role.AMBASSADOR)
    return stmt.where(Invitation.municipality_id == actor.municipality_id)


SCOPES[User] = _users
SCOPES[LoginSession] = _login_sessions
SCOPES[Invitation] = _invitations


def can_manage_invitation(actor, invitation) -> bool:
    """Renew or revoke: whoever could create the same invitation today."""
    return can(actor, MANAGES[invitation.role]) and in_scope(actor, invitation.municipality_id)


def invitable_roles(actor) -> tuple[Role, ...]:
    """Roles `actor` may invite people into."""
    return tuple(role for role in Role if can(actor, MANAGES[role]))
