"""Signing in and out: first-run setup, throttled authentication, revocable login sessions,
password changes and resets. Services flush; the route or command commits."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..clock import now
from ..demo import create_demo_network
from ..enums import Role
from ..errors import DomainError
from ..extensions import db
from ..models import Installation, LoginFailure, LoginSession, Municipality, PasswordReset, User
from ..single_use import spend
from .passwords import password_problem
from .selectors import find_user_by_login, needs_setup, normalise_login

# ---- tokens ---------------------------------------------------------------------------------


def new_token() -> tuple[str, str]:
    """A 256-bit random token for a link or cookie, and the hash we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# ---- first-run setup ------------------------------------------------------------------------


def claim_installation() -> None:
    """Take the single setup slot; a second, racing claim fails here (DomainError)."""
    if not needs_setup():
        raise DomainError("already set up")
    try:
        with db.session.begin_nested():
            db.session.add(Installation(id=1))
    except IntegrityError:
        raise DomainError("already set up") from None


def set_up(
    *, name: str, email: str, password: str, municipality_name: str, country: str, slug: str
) -> User:
    """Create the first network admin and the first municipality."""
    claim_installation()
    problem = password_problem(password, personal=(name, email.split("@")[0]))
    if problem:
        raise DomainError(str(problem))
    db.session.add(Municipality(name=municipality_name, slug=slug, country=country))
    admin = User(role=Role.NETWORK_ADMIN, name=name, email=email)
    admin.set_password(password)
    db.session.add(admin)
    db.session.flush()
    audit.record("setup.completed", actor=admin, target=admin)
    return admin


def set_up_demo(*, password: str) -> list:
    """Take the setup slot and fill the empty database with the demo network."""
    claim_installation()
    return create_demo_network(password=password)


# ---- throttling (SECURITY 2) ----------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    wait_seconds: int

    @property
    def wait_minutes(self) -> int:
        return max(1, -(-self.wait_seconds // 60))


def _keys(login: str, address: str) -> list[tuple[str, str, int]]:
    config = current_app.config
    return [
        (
            "account",
            hash_token("account:" + normalise_login(login)),
            config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        ),
        (
            "address",
            hash_token("address:" + (address or "?")),
            config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        ),
    ]


def throttled(login: str, address: str) -> Throttle | None:
    """A Throttle when this account or address has failed too often within the window."""
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    since = now() - window
    longest = 0
    for kind, key, limit in _keys(login, address):
        times = db.session.scalars(
            select(LoginFailure.created_at)
            .where(
                LoginFailure.kind == kind,
                LoginFailure.key_hash == key,
                LoginFailure.created_at > since,
            )
            .order_by(LoginFailure.created_at.desc())
            .limit(limit)
        ).all()
        if len(times) >= limit:
            # Free again once the limit-th most recent failure leaves the window.
            longest = max(longest, math.ceil((times[-1] + window - now()).total_seconds()))
    return Throttle(longest) if longest > 0 else None


def _record_failure(login: str, address: str) -> None:
    cutoff = now() - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    for kind, key, _limit in _keys(login, address):
        db.session.execute(
            delete(LoginFailure).where(
                LoginFailure.kind == kind,
                LoginFailure.key_hash == key,
                LoginFailure.created_at <= cutoff,
            )
        )
        db.session.add(LoginFailure(kind=kind, key_hash=key))


def _clear_account_failures(login: str) -> None:
    kind, key, _limit = _keys(login, "")[0]
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.kind == kind, LoginFailure.key_hash == key)
    )


@cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def _dummy_hash() -> str:
    return _dummy_hash_for(current_app.config["PASSWORD_HASH_METHOD"])


class Throttled(DomainError):
    def __init__(self, throttle: Throttle):
        super().__init__("throttled")
        self.throttle = throttle


def authenticate(*, login: str, password: str, address: str) -> User | None:
    """The active account matching login and password, or None; failures are counted.

    Raises Throttled before looking at the password when the account or address is locked.
    The same None comes back for an unknown login, a wrong password and a deactivated account.
    """
    throttle = throttled(login, address)
    if throttle:
        audit.record("login.throttled")
        raise Throttled(throttle)
    user = find_user_by_login(login)
    if user is not None and user.active:
        if user.check_password(password):
            _clear_account_failures(login)
            return user
    else:
        # Hash anyway, so an unknown or deactivated account answers as slowly as a real one.
        check_password_hash(_dummy_hash(), password)

    _record_failure(login, address)
    audit.record("login.failed", target=user)
    if throttled(login, address):
        audit.record("login.locked", target=user)
    return None


# ---- login sessions (SECURITY 5-7) ----------------------------------------------------------


def start_session(user: User, *, user_agent: str) -> str:
    """Create a server-side login session for `user`; returns the token for the cookie."""
    token, token_hash = new_token()
    db.session.add(
        LoginSession(
            user=user, token_hash=token_hash, user_agent=user_agent.replace("\x00", "")[:200]
        )
    )
    user.last_login_at = now()
    audit.record("login.succeeded", actor=user, target=user)
    return token


def _expired(login_session: LoginSession, user: User) -> bool:
    config = current_app.config
    idle_minutes = (
        config["SESSION_IDLE_MINUTES_AMBASSADOR"]
        if user.role == Role.AMBASSADOR
        else config["SESSION_IDLE_MINUTES"]
    )
    current = now()
    return current - login_session.last_seen_at > timedelta(
        minutes=idle_minutes
    ) or current - login_session.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])


def load_session_user(token: str) -> User | None:
    """The active user behind a session token, or None when it was ended, expired or is unknown.

    Touches last_seen at most once a minute, in its own small commit, so that reading pages
    does not turn every request into a write.
    """
    # The municipality comes with the user: pages show it, and a template must never lazy-load.
    row = db.session.execute(
        select(LoginSession, User)
        .join(User, LoginSession.user_id == User.id)
        .options(db.contains_eager(LoginSession.user), db.joinedload(User.municipality))
        .where(LoginSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    login_session, user = row
    if not user.active or _expired(login_session, user):
        db.session.delete(login_session)
        db.session.commit()
        return None
    if now() - login_session.last_seen_at > timedelta(minutes=1):
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.id == login_session.id)
            .values(last_seen_at=now())
        )
        db.session.commit()
    g.login_session_id = login_session.id
    g.login_token = token
    return user


def end_session(login_session: LoginSession, *, actor: User) -> None:
    db.session.delete(login_session)
    audit.record("session.ended", actor=actor, target=login_session.user)


def end_sessions(user: User, *, actor: User | None, keep_id: int | None = None, reason: str) -> int:
    """End every login session of `user` (except `keep_id`); returns how many ended."""
    stmt = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_id is not None:
        stmt = stmt.where(LoginSession.id != keep_id)
    ended = db.session.execute(stmt).rowcount or 0
    audit.record("sessions.ended", actor=actor, target=user, reason=reason, count=ended)
    return ended


# ---- passwords ------------------------------------------------------------------------------


def personal_words(user: User) -> tuple[str, ...]:
    return (user.name, (user.email or "").split("@")[0], user.username or "")


def change_password(user: User, *, new: str) -> None:
    """Change one's own password; every other session of the user ends.

    The caller has confirmed the current password through authenticate(), which also counts
    wrong guesses toward the sign-in throttle.
    """
    problem = password_problem(new, personal=personal_words(user))
    if problem:
        raise DomainError(str(problem))
    user.set_password(new)
    audit.record("password.changed", actor=user, target=user)
    end_sessions(user, actor=user, keep_id=g.get("login_session_id"), reason="password_changed")


def create_reset(user: User, *, created_by: User | None = None) -> str:
    """A 30-minute, single-use reset link token for `user`; older unused links stop working."""
    db.session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    )
    token, token_hash = new_token()
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(
        PasswordReset(
            user=user,
            token_hash=token_hash,
            created_by_id=getattr(created_by, "id", None),
            expires_at=now() + timedelta(minutes=minutes),
        )
    )
    audit.record(
        "password.reset_created", actor=created_by, target=user, handed_over=created_by is not None
    )
    return token


def find_reset(token: str) -> tuple[PasswordReset | None, str]:
    """The reset behind `token` and its state: valid, used, expired or unknown."""
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    )
    if reset is None or not reset.user.active:
        return None, "unknown"
    if reset.used_at:
        return reset, "used"
    if reset.expires_at <= now():
        return reset, "expired"
    return reset, "valid"


def use_reset(reset: PasswordReset, *, new: str) -> User:
    """Set the new password, spend the link and end every session of the user."""
    user = reset.user
    problem = password_problem(new, personal=personal_words(user))
    if problem:
        raise DomainError(str(problem))
    stamp = spend(PasswordReset, reset.id, "used_at", PasswordReset.expires_at > now())
    if stamp is None:  # a racing request used the link first
        raise DomainError(_l("This link has already been used or has expired."))
    reset.used_at = stamp
    user.set_password(new)
    audit.record("password.reset", actor=user, target=user)
    end_sessions(user, actor=user, reason="password_reset")
    return user
