"""Who may see and do what: the permissions, their grants and the registry of scopes.

Routes declare the permission of their action with @require(Perm.X) (or @public); tenant rows
are read through visible() / get_visible_or_404(), so foreign rows answer 404. Each feature's
rules.py registers the scopes of its models here and holds its object rules, which start from
can(actor, Perm.X) and add only the scope condition. Routes and services ask those (templates
get the answers as flags); nothing else compares role names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum, auto

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Integer, Select, bindparam, false, select

from .enums import Role
from .extensions import db
from .models import Ambassador

__all__ = ["GRANTS", "MANAGES", "Perm", "Role", "can", "get_visible_or_404", "require", "visible"]


class Perm(StrEnum):
    USE_ACCOUNT = auto()  # own profile, password, sessions
    VIEW_PEOPLE = auto()  # the people and open invitations of one's scope
    # Invite, deactivate, reactivate, sign out and change the role of people in that role:
    MANAGE_NETWORK_ADMINS = auto()
    MANAGE_NETWORK_VIEWERS = auto()
    MANAGE_COORDINATORS = auto()
    MANAGE_YOUTH_WORKERS = auto()
    MANAGE_AMBASSADORS = auto()  # ... and hand them password links in person
    MANAGE_MUNICIPALITIES = auto()
    USE_TWO_FACTOR = auto()  # own two-factor sign-in: staff only (SECURITY decision 3)
    RESET_TWO_FACTOR = auto()  # turn it off for someone one manages, who lost their phone
    # The guide: write entries of one's scope (network-wide, or one's municipality's), and
    # make them public.
    WRITE_GUIDE = auto()
    PUBLISH_GUIDE = auto()
    # Cohorts: staff see every cohort of their municipality, ambassadors the ones they are in.
    VIEW_COHORTS = auto()
    MANAGE_COHORTS = auto()  # create and edit cohorts, move a cohort's status back
    # Ambassadors, enrolments, spreadsheet imports, consents and ambassadors' logins:
    ENROL = auto()
    # Concepts: ambassadors read their cohorts' concepts and write their team's; staff read
    # their municipality's, write on a team's behalf, and review (board, feedback, the staff
    # stage moves, best cases). Object rules at the bottom add the team and cohort conditions.
    VIEW_CONCEPTS = auto()
    WRITE_CONCEPTS = auto()
    REVIEW_CONCEPTS = auto()
    # Training: schedule, edit and cancel sessions and rotate the calendar address; take the
    # roll call; read a cohort's progress and early warnings (ambassadors read sessions of
    # their own cohorts through VIEW_COHORTS).
    SCHEDULE_SESSIONS = auto()
    TAKE_ATTENDANCE = auto()
    VIEW_PROGRESS = auto()
    # The audit trail (allin/audit_log): a coordinator their municipality's, the network's
    # admins the staff's and the network's events, never one about a young person.
    VIEW_AUDIT = auto()
    # The report (allin/reports): counts and shares with every small number suppressed; a
    # coordinator's of their municipality, the network's of every municipality.
    VIEW_REPORTS = auto()
    # Erasure (allin/erasure.py): a coordinator erases an ambassador of their municipality and
    # sets or lifts a legal hold on one; a network admin erases a staff account.
    ERASE_AMBASSADORS = auto()
    ERASE_STAFF = auto()


GRANTS: dict[Role, frozenset[Perm]] = {
    Role.NETWORK_ADMIN: frozenset(
        {
            Perm.USE_ACCOUNT,
            Perm.VIEW_PEOPLE,
            Perm.MANAGE_NETWORK_ADMINS,
            Perm.MANAGE_NETWORK_VIEWERS,
            Perm.MANAGE_COORDINATORS,
            Perm.MANAGE_MUNICIPALITIES,
            Perm.USE_TWO_FACTOR,
            Perm.RESET_TWO_FACTOR,
            Perm.WRITE_GUIDE,
            Perm.PUBLISH_GUIDE,
            Perm.VIEW_AUDIT,
            Perm.VIEW_REPORTS,
            Perm.ERASE_STAFF,
        }
    ),
    # A funder or a board member: the report, and their own account. No people, no staff.
    Role.NETWORK_VIEWER: frozenset({Perm.USE_ACCOUNT, Perm.USE_TWO_FACTOR, Perm.VIEW_REPORTS}),
    Role.COORDINATOR: frozenset(
        {
            Perm.USE_ACCOUNT,
            Perm.VIEW_PEOPLE,
            Perm.MANAGE_COORDINATORS,
            Perm.MANAGE_YOUTH_WORKERS,
            Perm.MANAGE_AMBASSADORS,
            Perm.USE_TWO_FACTOR,
            Perm.RESET_TWO_FACTOR,
            Perm.WRITE_GUIDE,
            Perm.PUBLISH_GUIDE,
            Perm.VIEW_COHORTS,
            Perm.MANAGE_COHORTS,
            Perm.ENROL,
            Perm.VIEW_CONCEPTS,
            Perm.WRITE_CONCEPTS,
            Perm.REVIEW_CONCEPTS,
            Perm.SCHEDULE_SESSIONS,
            Perm.TAKE_ATTENDANCE,
            Perm.VIEW_PROGRESS,
            Perm.VIEW_AUDIT,
            Perm.VIEW_REPORTS,
            Perm.ERASE_AMBASSADORS,
        }
    ),
    Role.YOUTH_WORKER: frozenset(
        {
            Perm.USE_ACCOUNT,
            Perm.VIEW_PEOPLE,
            Perm.MANAGE_AMBASSADORS,
            Perm.USE_TWO_FACTOR,
            Perm.VIEW_COHORTS,
            Perm.ENROL,
            Perm.VIEW_CONCEPTS,
            Perm.WRITE_CONCEPTS,
            Perm.REVIEW_CONCEPTS,
            Perm.SCHEDULE_SESSIONS,
            Perm.TAKE_ATTENDANCE,
            Perm.VIEW_PROGRESS,
        }
    ),
    # Network admins get none of the cohort or concept permissions: aggregates only (DESIGN,
    # Decision 7).
    Role.AMBASSADOR: frozenset(
        {Perm.USE_ACCOUNT, Perm.VIEW_COHORTS, Perm.VIEW_CONCEPTS, Perm.WRITE_CONCEPTS}
    ),
}

# The permission that covers inviting and managing the people in each role.
MANAGES: dict[Role, Perm] = {
    Role.NETWORK_ADMIN: Perm.MANAGE_NETWORK_ADMINS,
    Role.NETWORK_VIEWER: Perm.MANAGE_NETWORK_VIEWERS,
    Role.COORDINATOR: Perm.MANAGE_COORDINATORS,
    Role.YOUTH_WORKER: Perm.MANAGE_YOUTH_WORKERS,
    Role.AMBASSADOR: Perm.MANAGE_AMBASSADORS,
}
# For routes that act on a person of any role: the object rule then checks the role.
MANAGE_PEOPLE = tuple(MANAGES.values())


def can(user, perm: Perm) -> bool:
    """True when `user` is signed in, active and their role holds `perm`."""
    # current_user is a proxy that looks the user up on every attribute read: read it once.
    user = getattr(user, "_get_current_object", lambda: user)()
    return bool(user and user.is_authenticated and perm in GRANTS[user.role])


def require(*perms: Perm) -> Callable:
    """View decorator: sign-in required, then 403 unless the user holds one of `perms`."""
    if not perms:
        raise TypeError("require() needs at least one permission")

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(can(current_user, perm) for perm in perms):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allin_permission = frozenset(perms)
        return wrapped

    return decorator


def forbid_unless(allowed: bool) -> None:
    """403 unless an object rule allowed the action (after the route's own @require)."""
    if not allowed:
        abort(403)


def public(view):
    """Mark a view as open to everyone, signed in or not (the url_map test checks for this)."""
    view.allin_permission = "public"
    return view


def polled(view):
    """Mark a view that an open page asks every few seconds on its own: its requests are not
    the person's activity, so a screen left open still signs out when idle (auth/login.py)."""
    view.allin_polled = True
    return view


def is_polled(view) -> bool:
    return getattr(view, "allin_polled", False)


# ---- scope: which rows an actor may see -----------------------------------------------------
# Each feature's rules.py registers a rule for each model it owns (SCOPES[Model] = rule, where
# rule(stmt, actor) narrows `select(Model)`); the feature's package imports its rules.py, so
# the registry is full once the app's blueprints are. Network-level staff have no municipality
# (the database enforces it), so "the actor's municipality, or everywhere for the network"
# needs no role names.


def my_ambassador_ids(actor) -> Select:
    """The Ambassador row(s) behind an ambassador's login (at most one)."""
    return select(Ambassador.id).where(Ambassador.user_id == actor.id)


SCOPES: dict[type, Callable[[Select, object], Select]] = {}


def visible(model, actor) -> Select:
    """SELECT of the `model` rows `actor` may see. Start every tenant query here."""
    return scoped(select(model), model, actor)


def scoped(stmt: Select, model, actor) -> Select:
    """`stmt` (which reads `model`, whatever its columns) narrowed to the rows `actor` may see:
    visible() for a statement that selects columns rather than the whole row."""
    if not (actor and actor.is_authenticated):
        return stmt.where(false())
    try:
        rule = SCOPES[model]
    except KeyError:
        raise LookupError(f"no visibility rule for {model.__name__}") from None
    return rule(stmt, actor)


class BoundActor:
    """An actor whose id and municipality are bound parameters, for statements built once:
    `scoped(stmt, Model, BoundActor.like(key))` serves every actor with that key (role, and
    whether they work for the whole network), run with `BoundActor.values(actor)`. The scope
    rules decide on the role and on "has no municipality" and use the id and municipality only
    inside SQL; tests/test_access.py holds that for every registered scope and role."""

    is_authenticated = True

    def __init__(self, role: Role, network: bool):
        self.role = role
        self.id = bindparam("actor_id", type_=Integer)
        self.municipality_id = None if network else bindparam("actor_municipality", type_=Integer)

    @staticmethod
    def key(actor) -> tuple[Role, bool]:
        """What a statement built for `actor` depends on: cache statements by it."""
        return actor.role, actor.municipality_id is None

    @classmethod
    def like(cls, key: tuple[Role, bool]) -> BoundActor:
        return cls(*key)

    @staticmethod
    def values(actor) -> dict:
        return {"actor_id": actor.id, "actor_municipality": actor.municipality_id}


def built_once(build: Callable[[BoundActor], Select]) -> Callable[[object], Select]:
    """A statement builder `build(bound_actor)` run once per kind of actor: the decorated
    function takes the real actor and returns the statement built for its key; run it with
    BoundActor.values(actor) (and its own parameters)."""
    statements = functools.cache(lambda key: build(BoundActor.like(key)))

    @functools.wraps(build)
    def statement(actor) -> Select:
        return statements(BoundActor.key(actor))

    return statement


def get_visible_or_404(model, id_: int, actor):
    """Fetch one row by id inside the actor's scope. Missing and foreign look the same: 404."""
    return db.one_or_404(visible(model, actor).where(model.id == id_))


# ---- shared by the features' object rules -----------------------------------------------
# A feature's rules.py imports no other feature: importing a feature's package loads its routes,
# and those may import the half-loaded rules module back. What several features ask is here.


def in_scope(actor, municipality_id: int | None) -> bool:
    """The record is in the actor's municipality, or the actor works for the whole network."""
    return actor.municipality_id is None or municipality_id == actor.municipality_id


def chooses_municipality(actor) -> bool:
    """Network-level staff work across municipalities: they choose one where it matters (whom
    to invite where) and see which municipality each person belongs to."""
    return bool(actor and actor.is_authenticated) and actor.municipality_id is None


def can_lead(user, municipality_id: int) -> bool:
    """Cohort leads are active youth workers or coordinators of the cohort's municipality."""
    return user.active and can(user, Perm.ENROL) and user.municipality_id == municipality_id
