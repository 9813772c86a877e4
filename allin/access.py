"""Who may see and do what. The only place permissions and scope are defined.

Routes declare the permission of their action with @require(Perm.X) (or @public); tenant rows
are read through visible() / get_visible_or_404(), so foreign rows answer 404; object rules
at the bottom start from can(actor, Perm.X) and add only the scope condition. Routes, services
and templates all ask here; nothing else compares role names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum, auto

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, false, select

from .clock import now
from .enums import CohortStatus, EnrolmentStatus, Role
from .extensions import db
from .models import (
    Ambassador,
    Cohort,
    CohortImport,
    Consent,
    Enrolment,
)

__all__ = ["GRANTS", "MANAGES", "Perm", "Role", "can", "get_visible_or_404", "require", "visible"]


class Perm(StrEnum):
    USE_ACCOUNT = auto()  # own profile, password, sessions
    VIEW_PEOPLE = auto()  # the people and open invitations of one's scope
    # Invite, deactivate, reactivate, sign out and change the role of people in that role:
    MANAGE_NETWORK_ADMINS = auto()
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


GRANTS: dict[Role, frozenset[Perm]] = {
    Role.NETWORK_ADMIN: frozenset(
        {
            Perm.USE_ACCOUNT,
            Perm.VIEW_PEOPLE,
            Perm.MANAGE_NETWORK_ADMINS,
            Perm.MANAGE_COORDINATORS,
            Perm.MANAGE_MUNICIPALITIES,
            Perm.USE_TWO_FACTOR,
            Perm.RESET_TWO_FACTOR,
            Perm.WRITE_GUIDE,
            Perm.PUBLISH_GUIDE,
            Perm.VIEW_AUDIT,
        }
    ),
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
    Role.COORDINATOR: Perm.MANAGE_COORDINATORS,
    Role.YOUTH_WORKER: Perm.MANAGE_YOUTH_WORKERS,
    Role.AMBASSADOR: Perm.MANAGE_AMBASSADORS,
}
# For routes that act on a person of any role: the object rule then checks the role.
MANAGE_PEOPLE = tuple(MANAGES.values())


def can(user, perm: Perm) -> bool:
    """True when `user` is signed in, active and their role holds `perm`."""
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


# ---- scope: which rows an actor may see -----------------------------------------------------
# Network-level staff have no municipality (the database enforces it), so "the actor's
# municipality, or everywhere for the network" needs no role names.


def my_ambassador_ids(actor) -> Select:
    """The Ambassador row(s) behind an ambassador's login (at most one)."""
    return select(Ambassador.id).where(Ambassador.user_id == actor.id)


def _cohorts(stmt: Select, actor) -> Select:
    """Staff who enrol see every cohort of their municipality (leading one is a filter, not a
    boundary); an ambassador sees the cohorts they are enrolled in and not withdrawn from."""
    if can(actor, Perm.ENROL):
        return stmt.where(Cohort.municipality_id == actor.municipality_id)
    if can(actor, Perm.VIEW_COHORTS):
        return stmt.where(
            Cohort.id.in_(
                select(Enrolment.cohort_id).where(
                    Enrolment.ambassador_id.in_(my_ambassador_ids(actor)),
                    Enrolment.status != EnrolmentStatus.WITHDRAWN,
                )
            )
        )
    return stmt.where(false())


def _municipality_records(model) -> Callable[[Select, object], Select]:
    """Staff who enrol see the model's rows in their municipality; an ambassador only their
    own (`own(actor)` gives the condition); everyone else nothing."""

    def rule(stmt: Select, actor) -> Select:
        if can(actor, Perm.ENROL):
            return stmt.where(model.municipality_id == actor.municipality_id)
        if can(actor, Perm.VIEW_COHORTS) and model in _OWN:
            return stmt.where(_OWN[model](actor))
        return stmt.where(false())

    rule.__doc__ = f"{model.__name__}: staff of the municipality; an ambassador their own."
    return rule


_OWN = {
    Ambassador: lambda actor: Ambassador.user_id == actor.id,
    Enrolment: lambda actor: Enrolment.ambassador_id.in_(my_ambassador_ids(actor)),
    Consent: lambda actor: Consent.ambassador_id.in_(my_ambassador_ids(actor)),
}


def _cohort_imports(stmt: Select, actor) -> Select:
    """A spreadsheet preview belongs to the person who uploaded it."""
    if not can(actor, Perm.ENROL):
        return stmt.where(false())
    return stmt.where(
        CohortImport.municipality_id == actor.municipality_id,
        CohortImport.created_by_id == actor.id,
    )


SCOPES: dict[type, Callable[[Select, object], Select]] = {
    Cohort: _cohorts,
    Ambassador: _municipality_records(Ambassador),
    Enrolment: _municipality_records(Enrolment),
    Consent: _municipality_records(Consent),
    CohortImport: _cohort_imports,
}


def visible(model, actor) -> Select:
    """SELECT of the `model` rows `actor` may see. Start every tenant query here."""
    stmt = select(model)
    if not (actor and actor.is_authenticated):
        return stmt.where(false())
    try:
        rule = SCOPES[model]
    except KeyError:
        raise LookupError(f"no visibility rule for {model.__name__}") from None
    return rule(stmt, actor)


def get_visible_or_404(model, id_: int, actor):
    """Fetch one row by id inside the actor's scope. Missing and foreign look the same: 404."""
    return db.one_or_404(visible(model, actor).where(model.id == id_))


# ---- object rules ---------------------------------------------------------------------------


def in_scope(actor, municipality_id: int | None) -> bool:
    """The record is in the actor's municipality, or the actor works for the whole network."""
    return actor.municipality_id is None or municipality_id == actor.municipality_id


def chooses_municipality(actor) -> bool:
    """Network-level staff work across municipalities: they choose one where it matters (whom
    to invite where) and see which municipality each person belongs to."""
    return bool(actor and actor.is_authenticated) and actor.municipality_id is None


def invitable_roles(actor) -> tuple[Role, ...]:
    """Roles `actor` may invite people into."""
    return tuple(role for role in Role if can(actor, MANAGES[role]))


# ---- cohorts --------------------------------------------------------------------------------

# Forward through the programme: planned -> active -> completed. Youth workers run cohorts day
# to day (they start and close them); only a coordinator moves a cohort back, because going
# back reopens a finished record.
STATUS_ORDER = (CohortStatus.PLANNED, CohortStatus.ACTIVE, CohortStatus.COMPLETED)


def can_change_cohort_status(actor, cohort, to: CohortStatus) -> bool:
    """One step forward for staff who enrol; any step back only for coordinators."""
    if to == cohort.status or not in_scope(actor, cohort.municipality_id):
        return False
    step = STATUS_ORDER.index(to) - STATUS_ORDER.index(cohort.status)
    if step < 0:
        return can(actor, Perm.MANAGE_COHORTS)
    return step == 1 and (can(actor, Perm.ENROL) or can(actor, Perm.MANAGE_COHORTS))


def cohort_status_moves(actor, cohort) -> tuple[CohortStatus, ...]:
    """The statuses `actor` may move `cohort` to, in programme order."""
    return tuple(s for s in STATUS_ORDER if can_change_cohort_status(actor, cohort, s))


def can_lead(user, municipality_id: int) -> bool:
    """Cohort leads are active youth workers or coordinators of the cohort's municipality."""
    return user.active and can(user, Perm.ENROL) and user.municipality_id == municipality_id


def can_enrol_in(actor, record) -> bool:
    """Enrol, record consent, import, make logins: staff of the record's municipality."""
    return can(actor, Perm.ENROL) and record.municipality_id == actor.municipality_id


# An enrolment moves like its cohort: invited -> active -> graduated, one step forward by the
# staff who enrol; a step back only by a coordinator, as for cohorts - except that whoever
# enrols may step a graduation back within UNDO_GRADUATION of it (a graduation clicked by
# mistake), `graduated_at` being when it happened (cohorts.selectors.graduation_times).
# Withdrawal is its own action with a reason (cohorts.withdraw); a withdrawn enrolment does
# not move again.
ENROLMENT_ORDER = (EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE, EnrolmentStatus.GRADUATED)
UNDO_GRADUATION = timedelta(days=1)


def can_move_enrolment(actor, enrolment, to: EnrolmentStatus, graduated_at=None) -> bool:
    """One step forward for staff of the municipality; one step back for coordinators, and
    from graduated for staff too within a day of the graduation."""
    if enrolment.status not in ENROLMENT_ORDER or to not in ENROLMENT_ORDER:
        return False
    if not can_enrol_in(actor, enrolment):
        return False
    step = ENROLMENT_ORDER.index(to) - ENROLMENT_ORDER.index(enrolment.status)
    if step == -1:
        return can(actor, Perm.MANAGE_COHORTS) or _just_graduated(enrolment, graduated_at)
    return step == 1


def _just_graduated(enrolment, graduated_at) -> bool:
    return (
        enrolment.status == EnrolmentStatus.GRADUATED
        and graduated_at is not None
        and now() < graduated_at + UNDO_GRADUATION
    )


def enrolment_status_moves(actor, enrolment, graduated_at=None) -> tuple[EnrolmentStatus, ...]:
    """The statuses `actor` may move `enrolment` to, in programme order."""
    return tuple(
        s for s in ENROLMENT_ORDER if can_move_enrolment(actor, enrolment, s, graduated_at)
    )
