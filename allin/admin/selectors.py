"""Reads for the people, invitation and municipality pages; every query starts from visible()."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from ..access import visible
from ..clock import now
from ..collation import nb_order
from ..extensions import db
from ..models import Invitation, LoginSession, Municipality, User


def people(actor, *, name_contains: str = "") -> Select:
    """The people `actor` may see, by name, with their municipality loaded for the list."""
    stmt = visible(User, actor).options(db.joinedload(User.municipality))
    if name_contains:
        stmt = stmt.where(func.lower(User.name).contains(name_contains.lower(), autoescape=True))
    return stmt.order_by(nb_order(User.name), User.id)


def names_like(actor, names) -> list[str]:
    """The names of everyone `actor` may see who is called one of `names` (case aside): for
    telling namesakes apart on a page whose namesake may be on the next one."""
    lowered = {name.lower() for name in names}
    if not lowered:
        return []
    stmt = visible(User, actor).with_only_columns(User.name)
    return list(db.session.scalars(stmt.where(func.lower(User.name).in_(lowered))))


def _open(stmt: Select) -> Select:
    return stmt.where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))


def waiting_invitation_count(actor) -> int:
    """Invitations whose link still works and that nobody has answered (Invitation.status
    'pending'); the list of open ones also shows the expired, which can be renewed."""
    waiting = _open(visible(Invitation, actor)).where(Invitation.expires_at > now())
    return db.session.scalar(select(func.count()).select_from(waiting.subquery()))


def open_invitations(actor) -> Select:
    """Invitations waiting for an answer, newest first."""
    return (
        _open(visible(Invitation, actor))
        .options(db.joinedload(Invitation.municipality))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )


def session_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )


def municipalities(actor) -> Select:
    return visible(Municipality, actor).order_by(Municipality.name, Municipality.id)


def municipality_choices(actor) -> list[Municipality]:
    return list(db.session.scalars(municipalities(actor)))
