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
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, outbox
from ..clock import now
from ..enums import FailureKind, MailKind, Role
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


# ---- throttling (SECURITY 2; review findings 3 and 4) ---------------------------------------
# Every attempt is reserved before its password is checked: one failure row per key, committed,
# then counted. Of racing attempts each one counts the reservations committed before it, so no
# more than the limit get their password checked, however many workers and threads run. A
# refused attempt takes its reservation back; a right password takes it back and clears the
# failures of its account and address pair.


@dataclass(frozen=True)
class Throttle:
    wait_seconds: int

    @property
    def wait_minutes(self) -> int:
        return max(1, -(-self.wait_seconds // 60))


@dataclass(frozen=True)
class _Key:
    kind: FailureKind
    key_hash: str
    limit: int
    window: timedelta

    def rows(self, since_window: bool = True):
        """WHERE clause for this key's failures (within its window)."""
        clauses = [LoginFailure.kind == self.kind, LoginFailure.key_hash == self.key_hash]
        if since_window:
            clauses.append(LoginFailure.created_at > now() - self.window)
        return clauses


def _keys(user: User | None, login: str, address: str) -> list[_Key]:
    """The account (by id when it exists, so e-mail and username share one count), the account
    from this address, and the address."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    account = f"user:{user.id}" if user is not None else "login:" + normalise_login(login)
    address = address or "?"
    return [
        _Key(
            FailureKind.ACCOUNT_ADDRESS,
            hash_token(f"pair:{account}|{address}"),
            config["LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS"],
            window,
        ),
        _Key(
            FailureKind.ACCOUNT,
            hash_token(f"account:{account}"),
            config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
            timedelta(minutes=config["LOGIN_ACCOUNT_WINDOW_MINUTES"]),
        ),
        _Key(
            FailureKind.ADDRESS,
            hash_token(f"address:{address}"),
            config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
            window,
        ),
    ]


def _reserve(keys: list[_Key]) -> list[int]:
    """Write this attempt's failure rows and commit, so racing attempts count them.

    The one place a service commits: the reservation must be visible to other requests before
    this one checks the password (nothing else is pending at sign-in).
    """
    rows = []
    for key in keys:
        db.session.execute(
            delete(LoginFailure).where(
                *key.rows(since_window=False), LoginFailure.created_at <= now() - key.window
            )
        )
        rows.append(LoginFailure(kind=key.kind, key_hash=key.key_hash))
    db.session.add_all(rows)
    db.session.flush()
    # The ids before the commit: reading them after it would reload the rows, and a racing
    # right password may have deleted them by then (ObjectDeletedError, seen on SQLite).
    reserved = [row.id for row in rows]
    db.session.commit()
    return reserved


def _release(reserved: list[int]) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.id.in_(reserved)))


def _clear(reserved: list[int], pair: _Key) -> None:
    """After a right password: this attempt's reservation and the pair's failures go.

    The rows are locked in id order first: two sign-ins of one account from one address at
    the same moment each delete the other's reservation too, and deleting in whatever order
    the rows come would deadlock.
    """
    ids = db.session.scalars(
        select(LoginFailure.id)
        .where(or_(LoginFailure.id.in_(reserved), and_(*pair.rows(since_window=False))))
        .order_by(LoginFailure.id)
        .with_for_update()
    ).all()
    db.session.execute(delete(LoginFailure).where(LoginFailure.id.in_(ids)))


def _over_limit(keys: list[_Key]) -> list[_Key]:
    """The keys whose failures in their window (this attempt's included) exceed the limit."""
    return [
        key
        for key in keys
        if db.session.scalar(select(func.count()).select_from(LoginFailure).where(*key.rows()))
        > key.limit
    ]


def _wait(keys: list[_Key]) -> Throttle:
    """How long until each full key frees up: its limit-th most recent failure leaves the window."""
    longest = 0
    for key in keys:
        times = db.session.scalars(
            select(LoginFailure.created_at)
            .where(*key.rows())
            .order_by(LoginFailure.created_at.desc())
            .limit(key.limit)
        ).all()
        if len(times) >= key.limit:
            longest = max(longest, math.ceil((times[-1] + key.window - now()).total_seconds()))
    return Throttle(max(longest, 1))


def _note_locks(keys: list[_Key], user: User | None) -> None:
    """Audit each key this failure filled, once per lock-out: the newest failure of the key is
    stamped by one conditional UPDATE, and only the request whose UPDATE hit writes the event."""
    for key in keys:
        counted = db.session.scalar(
            select(func.count()).select_from(LoginFailure).where(*key.rows())
        )
        if counted < key.limit:
            continue
        newest = (
            select(LoginFailure.id)
            .where(*key.rows())
            .order_by(LoginFailure.created_at.desc(), LoginFailure.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        stamped = db.session.execute(
            update(LoginFailure)
            .where(LoginFailure.id == newest, LoginFailure.lock_noted_at.is_(None))
            .values(lock_noted_at=now())
            .execution_options(synchronize_session=False)
        )
        if stamped.rowcount == 1:
            audit.record("login.locked", target=user, key=str(key.kind))


def throttled(login: str, address: str) -> Throttle | None:
    """Whether attempts for `login` from `address` are over a limit now, without counting one.

    For the sign-in's second step (a code), which counts its wrong codes under a key of its
    own; each pending sign-in also allows only a few tries, which bounds what racing requests
    between this check and record_failure() could add.
    """
    full = [
        key
        for key in _keys(None, login, address)
        if db.session.scalar(select(func.count()).select_from(LoginFailure).where(*key.rows()))
        >= key.limit
    ]
    return _wait(full) if full else None


def record_failure(login: str, address: str) -> None:
    """Count one failed attempt for `login` from `address` (flushed with the request)."""
    db.session.add_all(
        LoginFailure(kind=key.kind, key_hash=key.key_hash) for key in _keys(None, login, address)
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


def _password_matches(user: User | None, password: str) -> bool:
    if user is not None and user.active:
        return user.check_password(password)
    # Hash anyway, so an unknown or deactivated account answers as slowly as a real one.
    check_password_hash(_dummy_hash(), password)
    return False


def authenticate(*, login: str, password: str, address: str) -> User | None:
    """The active account matching login and password, or None; failures are counted.

    Raises Throttled, without looking at the password, when this attempt would exceed a limit
    (the reservation is taken back, and nothing is audited: the lock-out was, once). The same
    None comes back for an unknown login, a wrong password and a deactivated account.
    """
    user = find_user_by_login(login)
    keys = _keys(user, login, address)
    reserved = _reserve(keys)
    full = _over_limit(keys)
    if full:
        _release(reserved)
        throttle = _wait(full)
        db.session.commit()
        raise Throttled(throttle)
    if _password_matches(user, password):
        _clear(reserved, keys[0])
        return user
    audit.record("login.failed", target=user)
    _note_locks(keys, user)
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


def session_expired(login_session: LoginSession, user: User) -> bool:
    """Idle too long (ambassadors may idle longer than staff), or older than the absolute limit."""
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
    """Change one's own password; every other session and every reset link of the user end.

    The caller has confirmed the current password through authenticate(), which also counts
    wrong guesses toward the sign-in throttle.
    """
    problem = password_problem(new, personal=personal_words(user))
    if problem:
        raise DomainError(str(problem))
    user.set_password(new)
    audit.record("password.changed", actor=user, target=user)
    end_resets(user)
    end_sessions(user, actor=user, keep_id=g.get("login_session_id"), reason="password_changed")


def end_resets(user: User) -> None:
    """Every outstanding reset link of `user` stops working (the password just changed)."""
    db.session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    )


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


def request_reset(*, email: str) -> None:
    """Queue a reset e-mail for whatever address was typed: the same work for every address,
    known or not (the account is looked up when the job runs, after the response)."""
    outbox.queue(MailKind.PASSWORD_RESET, normalise_login(email))


def find_reset(token: str) -> tuple[PasswordReset | None, str]:
    return find_reset_by_hash(hash_token(token))


def find_reset_by_hash(token_hash: str | None) -> tuple[PasswordReset | None, str]:
    """The reset whose link token hashes to `token_hash` and its state: valid, used, expired
    or unknown."""
    if not token_hash:
        return None, "unknown"
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash))
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
