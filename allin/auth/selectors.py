"""Reads for the sign-in pages and forms: accounts by login, sessions, taken names."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from ..access import visible
from ..extensions import db
from ..models import LoginSession, User


def normalise_login(login: str) -> str:
    return login.strip().lower()


def find_user_by_login(login: str) -> User | None:
    """The account whose e-mail or username is `login` (case-insensitive)."""
    login = normalise_login(login)
    if not login:
        return None
    return db.session.scalar(select(User).where(or_(User.email == login, User.username == login)))


def needs_setup() -> bool:
    """True while no account exists at all."""
    return db.session.scalar(select(func.count()).select_from(User)) == 0


def sessions_of(user: User) -> list[LoginSession]:
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id)
            .order_by(LoginSession.last_seen_at.desc())
        )
    )


def email_taken(email: str) -> bool:
    return bool(
        db.session.scalar(select(func.count()).select_from(User).where(User.email == email.lower()))
    )


def email_taken_in_scope(actor, email: str) -> bool:
    """Does someone `actor` may see use this address? Outside their scope the answer must not
    differ (review finding 9): the clash then shows only to the invitee, on accepting."""
    stmt = visible(User, actor).where(User.email == email.lower())
    return bool(db.session.scalar(select(func.count()).select_from(stmt.subquery())))


def username_taken(username: str) -> bool:
    return bool(
        db.session.scalar(
            select(func.count()).select_from(User).where(User.username == username.lower())
        )
    )
