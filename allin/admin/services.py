"""Changing other people's accounts and municipalities. The actor is always checked again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..access import Perm, assignable_roles, can, can_manage_user, can_reset_two_factor
from ..auth import two_factor
from ..auth.services import end_sessions
from ..demo import slugify
from ..errors import DomainError
from ..extensions import db
from ..models import Municipality, User


def _check(actor: User, target: User) -> None:
    if not can_manage_user(actor, target):
        raise DomainError(_l("You cannot change this account."))


def deactivate_user(target: User, *, actor: User) -> None:
    """Stop `target` signing in; every session of theirs ends at once."""
    _check(actor, target)
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
) -> Municipality:
    """Create (municipality=None) or update a municipality; names are unique by slug."""
    if not can(actor, Perm.MANAGE_MUNICIPALITIES):
        raise DomainError(_l("Only network admins manage municipalities."))
    slug = slugify(name) or "municipality"
    clash = select(func.count()).select_from(Municipality).where(Municipality.slug == slug)
    if municipality is not None:
        clash = clash.where(Municipality.id != municipality.id)
    if db.session.scalar(clash):
        raise DomainError(_l("A municipality with this name already exists."))
    created = municipality is None
    if created:
        municipality = Municipality(slug=slug)
        db.session.add(municipality)
    municipality.name, municipality.slug, municipality.country = name, slug, country
    municipality.digital_consent_age = digital_consent_age
    municipality.photo_consent_age = photo_consent_age
    db.session.flush()
    audit.record(
        "municipality.created" if created else "municipality.updated",
        actor=actor,
        target=municipality,
        municipality_id=municipality.id,
    )
    return municipality
