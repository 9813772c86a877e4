"""Changing other people's accounts and municipalities. The actor is always checked again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..access import Perm, Role, can
from ..auth import two_factor
from ..auth.services import end_sessions
from ..errors import DomainError
from ..extensions import db
from ..models import Municipality, User
from ..text import slugify
from .rules import assignable_roles, can_manage_user, can_reset_two_factor


def _check(actor: User, target: User) -> None:
    if not can_manage_user(actor, target):
        raise DomainError(_l("You cannot change this account."))


def _keep_a_network_admin(target: User, actor: User) -> None:
    """Refuse to leave the installation without an active network admin, under concurrency.

    The active network admins' rows are locked (FOR UPDATE on PostgreSQL; SQLite has one
    writer at a time) before counting, so two admins deactivating each other at the same moment
    take turns: the second sees the first's change and is refused. A network-admin actor who
    is no longer active themself is refused too.
    """
    if target.role != Role.NETWORK_ADMIN:
        return
    active = set(
        db.session.scalars(
            select(User.id)
            .where(User.role == Role.NETWORK_ADMIN, User.active.is_(True))
            .order_by(User.id)
            .with_for_update()
        )
    )
    if actor.role == Role.NETWORK_ADMIN and actor.id not in active:
        raise DomainError(_l("You cannot change this account."))
    if target.role == Role.NETWORK_ADMIN and not (active - {target.id}):
        raise DomainError(_l("The last active network admin cannot be deactivated."))


def deactivate_user(target: User, *, actor: User) -> None:
    """Stop `target` signing in; every session of theirs ends at once. The last active network
    admin stays."""
    _check(actor, target)
    _keep_a_network_admin(target, actor)
    target.active = False
    audit.record("user.deactivated", actor=actor, target=target)
    end_sessions(target, actor=actor, reason="deactivated")


def reactivate_user(target: User, *, actor: User) -> None:
    _check(actor, target)
    target.active = True
    audit.record("user.reactivated", actor=actor, target=target)


def change_role(target: User, *, actor: User, role: str) -> None:
    """Move staff between the roles the actor may grant; their sessions end (new privileges)."""
    if role not in assignable_roles(actor, target):
        raise DomainError(_l("You cannot give this account that role."))
    if role == target.role:
        return
    if target.role == Role.NETWORK_ADMIN:  # not offered today; never the last one either
        _keep_a_network_admin(target, actor)
    audit.record(
        "user.role_changed", actor=actor, target=target, **{"from": target.role, "to": role}
    )
    target.role = role
    end_sessions(target, actor=actor, reason="role_changed")


def end_user_sessions(target: User, *, actor: User) -> int:
    _check(actor, target)
    return end_sessions(target, actor=actor, reason="ended_by_admin")


def reset_two_factor(target: User, *, actor: User) -> None:
    """Turn off `target`'s two-factor sign-in (lost phone and codes); their sessions end, and
    where it is required they enrol again at their next sign-in."""
    if not can_reset_two_factor(actor, target):
        raise DomainError(_l("You cannot change this account."))
    two_factor.remove(target)
    audit.record("two_factor.reset", actor=actor, target=target)
    end_sessions(target, actor=actor, reason="two_factor_reset")


def save_municipality(
    *,
    actor: User,
    municipality: Municipality | None,
    name: str,
    country: str,
    digital_consent_age: int,
    photo_consent_age: int,
    retention_years: int | None = None,
) -> Municipality:
    """Create (municipality=None) or update a municipality; names are unique by slug."""
    if not can(actor, Perm.MANAGE_MUNICIPALITIES):
        raise DomainError(_l("Only network admins manage municipalities."))
    slug = slugify(name) or "municipality"
    created = municipality is None
    # The unique slug decides, not a read before the write: of two racing creations of the
    # same name one gets this message instead of an IntegrityError.
    try:
        with db.session.begin_nested():
            if created:
                municipality = Municipality(slug=slug)
                db.session.add(municipality)
            municipality.name, municipality.slug, municipality.country = name, slug, country
            municipality.digital_consent_age = digital_consent_age
            municipality.photo_consent_age = photo_consent_age
            if retention_years is not None:  # None: as it is (3 for a new one)
                municipality.retention_years = retention_years
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("A municipality with this name already exists.")) from None
    audit.record(
        "municipality.created" if created else "municipality.updated",
        actor=actor,
        target=municipality,
        municipality_id=municipality.id,
    )
    return municipality
