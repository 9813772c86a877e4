"""Who may see and do what. The only place roles, permissions and scope are defined.

Routes declare a permission with @require(Perm.X) (or @public); tenant rows are read through
visible() / get_visible_or_404(), so foreign rows answer 404; object rules are named functions
at the bottom, used by routes, services and templates alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum, auto

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import Select, false, select

from .extensions import db


class Role(StrEnum):
    NETWORK_ADMIN = "network_admin"
    COORDINATOR = "coordinator"
    YOUTH_WORKER = "youth_worker"
    AMBASSADOR = "ambassador"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.NETWORK_ADMIN: _l("Network admin"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.YOUTH_WORKER: _l("Youth worker"),
    Role.AMBASSADOR: _l("Ambassador"),
}
STAFF_ROLES = frozenset({Role.NETWORK_ADMIN, Role.COORDINATOR, Role.YOUTH_WORKER})


class Perm(StrEnum):
    USE_ACCOUNT = auto()  # own profile, password, sessions
    VIEW_USERS = auto()  # the user list of one's scope
    MANAGE_STAFF = auto()  # invite, deactivate, change role of staff
    MANAGE_AMBASSADOR_ACCOUNTS = auto()  # invite ambassadors, hand over reset links
    MANAGE_MUNICIPALITIES = auto()


GRANTS: dict[Role, frozenset[Perm]] = {
    Role.NETWORK_ADMIN: frozenset(
        {Perm.USE_ACCOUNT, Perm.VIEW_USERS, Perm.MANAGE_STAFF, Perm.MANAGE_MUNICIPALITIES}
    ),
    Role.COORDINATOR: frozenset(
        {Perm.USE_ACCOUNT, Perm.VIEW_USERS, Perm.MANAGE_STAFF, Perm.MANAGE_AMBASSADOR_ACCOUNTS}
    ),
    Role.YOUTH_WORKER: frozenset(
        {Perm.USE_ACCOUNT, Perm.VIEW_USERS, Perm.MANAGE_AMBASSADOR_ACCOUNTS}
    ),
    Role.AMBASSADOR: frozenset({Perm.USE_ACCOUNT}),
}

# Roles each role may hand out by invitation.
INVITABLE: dict[Role, tuple[Role, ...]] = {
    Role.NETWORK_ADMIN: (Role.NETWORK_ADMIN, Role.COORDINATOR),
    Role.COORDINATOR: (Role.COORDINATOR, Role.YOUTH_WORKER, Role.AMBASSADOR),
    Role.YOUTH_WORKER: (Role.AMBASSADOR,),
    Role.AMBASSADOR: (),
}


def can(user, perm: Perm) -> bool:
    """True when `user` is signed in, active and their role holds `perm`."""
    return bool(user and user.is_authenticated and perm in GRANTS[Role(user.role)])


def require(perm: Perm) -> Callable:
    """View decorator: sign-in required, then 403 unless the user holds `perm`."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, perm):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allin_permission = perm
        return wrapped

    return decorator


def public(view):
    """Mark a view as open to everyone, signed in or not (the url_map test checks for this)."""
    view.allin_permission = "public"
    return view


# ---- scope ----------------------------------------------------------------------------------

_SCOPES: dict[type, Callable] = {}


def scope(model: type):
    """Register the rule that limits `model` rows to what an actor may see."""

    def register(rule):
        _SCOPES[model] = rule
        return rule

    return register


def visible(model, actor) -> Select:
    """SELECT of the `model` rows `actor` may see. Start every tenant query here."""
    stmt = select(model)
    if not (actor and actor.is_authenticated):
        return stmt.where(false())
    try:
        rule = _SCOPES[model]
    except KeyError:
        raise LookupError(f"no visibility rule for {model.__name__}") from None
    return rule(stmt, actor)


def get_visible_or_404(model, id_: int, actor):
    """Fetch one row by id inside the actor's scope. Missing and foreign look the same: 404."""
    return db.one_or_404(visible(model, actor).where(model.id == id_))


def register_scopes() -> None:
    """Visibility rules of the models defined so far; each reads as a sentence."""
    from .models import Invitation, LoginSession, Municipality, User

    @scope(Municipality)
    def _municipalities(stmt, actor):
        """Network admins see every municipality; everyone else their own."""
        if actor.role == Role.NETWORK_ADMIN:
            return stmt
        return stmt.where(Municipality.id == actor.municipality_id)

    @scope(User)
    def _users(stmt, actor):
        """Network admins see staff everywhere (never ambassadors); staff see their municipality;
        an ambassador sees only themself."""
        if actor.role == Role.NETWORK_ADMIN:
            return stmt.where(User.role != Role.AMBASSADOR)
        if actor.role == Role.AMBASSADOR:
            return stmt.where(User.id == actor.id)
        return stmt.where(User.municipality_id == actor.municipality_id)

    @scope(LoginSession)
    def _login_sessions(stmt, actor):
        """Login sessions are seen one's own; administrators end others' without seeing them."""
        return stmt.where(LoginSession.user_id == actor.id)

    @scope(Invitation)
    def _invitations(stmt, actor):
        """Invitations follow the people they would create: the same rule as users."""
        if actor.role == Role.NETWORK_ADMIN:
            return stmt.where(Invitation.role != Role.AMBASSADOR)
        if actor.role == Role.AMBASSADOR:
            return stmt.where(false())
        return stmt.where(Invitation.municipality_id == actor.municipality_id)


# ---- object rules ---------------------------------------------------------------------------


def invitable_roles(actor) -> tuple[Role, ...]:
    """Roles `actor` may invite people into."""
    if not can(actor, Perm.USE_ACCOUNT):
        return ()
    return INVITABLE[Role(actor.role)]


def can_manage_user(actor, target) -> bool:
    """May `actor` deactivate, reactivate, end sessions of or change the role of `target`?

    Never oneself. Network admins manage staff; coordinators everyone in their municipality;
    youth workers the ambassadors of their municipality.
    """
    if target.id == actor.id or not can(actor, Perm.VIEW_USERS):
        return False
    if actor.role == Role.NETWORK_ADMIN:
        return target.role != Role.AMBASSADOR
    if target.municipality_id != actor.municipality_id:
        return False
    if actor.role == Role.COORDINATOR:
        return target.role != Role.NETWORK_ADMIN
    return target.role == Role.AMBASSADOR


def assignable_roles(actor, target) -> tuple[Role, ...]:
    """Roles `target` may be moved to by `actor`: staff roles within the same municipality."""
    if not can_manage_user(actor, target) or target.role not in (
        Role.COORDINATOR,
        Role.YOUTH_WORKER,
    ):
        return ()
    return tuple(r for r in invitable_roles(actor) if r in (Role.COORDINATOR, Role.YOUTH_WORKER))


def can_hand_over_reset_link(actor, target) -> bool:
    """Staff may create a reset link for an ambassador of their municipality without e-mail."""
    return (
        can(actor, Perm.MANAGE_AMBASSADOR_ACCOUNTS)
        and can_manage_user(actor, target)
        and target.role == Role.AMBASSADOR
        and not target.email
    )


def can_manage_invitation(actor, invitation) -> bool:
    """Resend or revoke: whoever could create the same invitation today."""
    if invitation.role not in invitable_roles(actor):
        return False
    if actor.role == Role.NETWORK_ADMIN:
        return True
    return invitation.municipality_id == actor.municipality_id
