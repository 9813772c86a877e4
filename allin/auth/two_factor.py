"""Two-factor sign-in for staff (SECURITY 3): TOTP secrets kept encrypted, codes that work
once, ten recovery codes, the second step of signing in, and the rule that sends staff
without it to enrolment. Services flush; the route commits.

Ambassadors are never asked (SECURITY decision 3): they cannot enrol (no USE_TWO_FACTOR).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit
from ..access import GRANTS, Perm
from ..clock import now
from ..errors import DomainError
from ..extensions import db
from ..models import PendingSignIn, RecoveryCode, User
from ..single_use import spend
from .services import (
    Throttled,
    end_sessions,
    hash_token,
    new_token,
    record_failure,  # the sign-in throttle's own counter, reused for wrong codes
    throttled,
)

ISSUER = "ALL'IN"
SESSION_KEY = "second_step"  # the pending sign-in's token, in the cookie session
SECOND_STEP_MINUTES = 5
SECOND_STEP_ATTEMPTS = 5
RECOVERY_CODE_COUNT = 10
# 31 characters without look-alikes (no i, l, o, 0, 1): 12 of them carry 59 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 12
# The app's code: six digits 0-9. Not str.isdigit() or \d, which take every script's digits
# ("١٢٣٤٥٦", fullwidth "１２３４５６"): hmac.compare_digest refuses those with a TypeError.
APP_CODE = re.compile(r"[0-9]{6}")


# ---- who ------------------------------------------------------------------------------------


def may_enrol(user) -> bool:
    """Staff may turn two-factor sign-in on; ambassadors are exempt (SECURITY decision 3)."""
    return Perm.USE_TWO_FACTOR in GRANTS[user.role] if user.is_authenticated else False


def asks_code(user: User) -> bool:
    """A code is the second step of this person's sign-in."""
    return may_enrol(user) and user.two_factor_enabled


def must_enrol(user) -> bool:
    """Signed-in staff without two-factor sign-in, where the setting requires it."""
    return (
        bool(current_app.config["REQUIRE_STAFF_2FA"])
        and may_enrol(user)
        and not user.two_factor_enabled
    )


# Pages a signed-in staff member without two-factor sign-in may still open while the setting
# requires it: enrolment itself, signing out, the language, and their account's essentials.
OPEN_BEFORE_ENROLMENT = {
    "static",
    "home.set_language",
    "home.healthz",
    "auth.logout",
    "auth.account",
    "auth.change_password",
    "auth.end_session",
    "auth.end_other_sessions",
    "auth.two_factor_status",
    "auth.two_factor_setup",
    "auth.two_factor_confirm",
}


def require_enrolment():
    """before_request: with REQUIRE_STAFF_2FA, staff without it are sent to enrolment."""
    if request.endpoint in OPEN_BEFORE_ENROLMENT or not current_user.is_authenticated:
        return None
    if must_enrol(current_user):  # the enrolment page says why
        return redirect(url_for("auth.two_factor_status"))
    return None


# ---- the secret at rest ---------------------------------------------------------------------


def _key(secret_key: str | bytes, purpose: bytes) -> bytes:
    """A 256-bit key for one purpose, derived from SECRET_KEY (HKDF-SHA256)."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material)


def _secret_keys() -> list[str | bytes]:
    """SECRET_KEY first, then Flask's SECRET_KEY_FALLBACKS, so a key can be rotated."""
    config = current_app.config
    return [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]


def _fernet() -> MultiFernet:
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_key(k, b"allin totp secret v1"))) for k in _secret_keys()]
    )


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _decrypt(stored: str | None) -> str | None:
    """The secret, or None when it cannot be read: SECRET_KEY changed without the old key in
    SECRET_KEY_FALLBACKS (recovery codes, keyed the same way, fail too). A reset by a
    coordinator or network admin then lets the person enrol afresh."""
    if not stored:
        return None
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        current_app.logger.error("a TOTP secret cannot be decrypted: was SECRET_KEY changed?")
        return None


# ---- codes from the app ---------------------------------------------------------------------


def app_code(typed: str) -> str | None:
    """`typed` as a code from the app (spaces left out), or None when it is not 6 digits 0-9."""
    code = "".join(typed.split())
    return code if APP_CODE.fullmatch(code) else None


def matched_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step (30 s) around `at` whose code is `code`: one step of clock drift either
    way, as pyotp's verify(valid_window=1) allows; compared in constant time."""
    totp = pyotp.TOTP(secret)
    step = int(at.timestamp()) // totp.interval
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


def _accept_step(user: User, step: int) -> bool:
    """Record `step` as used, if it is later than the last one used.

    One conditional UPDATE (… WHERE totp_last_step IS NULL OR totp_last_step < :step), so of
    two requests carrying the same code the database lets exactly one through: a code never
    works twice, not even in parallel.
    """
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _use_totp(user: User, secret: str | None, code: str) -> bool:
    step = matched_step(secret, code, now()) if secret else None
    return step is not None and _accept_step(user, step)


# ---- recovery codes -------------------------------------------------------------------------


def _recovery_hashes(code: str) -> list[str]:
    """The stored form of a recovery code under every secret key (HMAC-SHA256), so a copy of
    the database alone does not allow guessing codes offline."""
    return [
        hmac.new(_key(k, b"allin recovery code v1"), code.encode(), hashlib.sha256).hexdigest()
        for k in _secret_keys()
    ]


def _normalise_recovery(code: str) -> str:
    return "".join(code.lower().split()).replace("-", "")


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh recovery codes, shown once; the previous ones stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hashes(raw)[0]))
    return codes


def is_recovery_code(typed: str) -> bool:
    """`typed` has the shape of a recovery code (any case, spaces and dashes left out)."""
    code = _normalise_recovery(typed)
    return len(code) == RECOVERY_LENGTH and not set(code) - set(RECOVERY_ALPHABET)


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of `user` (one conditional UPDATE: only once)."""
    if not is_recovery_code(code):
        return False
    code = _normalise_recovery(code)
    row_id = db.session.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash.in_(_recovery_hashes(code)),
            RecoveryCode.used_at.is_(None),
        )
    )
    return row_id is not None and spend(RecoveryCode, row_id, "used_at") is not None


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# ---- enrolment ------------------------------------------------------------------------------


def begin_enrolment(user: User) -> None:
    """A new secret, waiting for its first code (replaces one that was never confirmed)."""
    if not may_enrol(user):
        raise DomainError(_l("Two-factor sign-in is for staff accounts."))
    if user.two_factor_enabled:
        raise DomainError(_l("Two-factor sign-in is already on."))
    user.totp_secret = _encrypt(pyotp.random_base32())
    user.totp_last_step = None
    audit.record("two_factor.enrolment_started", actor=user, target=user)


def pending_secret(user: User) -> str | None:
    """The secret of an enrolment waiting for its first code (None once confirmed)."""
    if user.two_factor_enabled:
        return None
    return _decrypt(user.totp_secret)


def confirm_enrolment(user: User, *, code: str) -> list[str]:
    """Turn two-factor sign-in on with a first right code; returns the recovery codes."""
    secret = pending_secret(user)
    if secret is None:
        raise DomainError(_l("Start the set-up again."))
    code = app_code(code)
    if code is None or not _use_totp(user, secret, code):
        raise DomainError(
            _l("That code is not right. Check the clock on your phone and try the newest code.")
        )
    user.totp_confirmed_at = now()
    audit.record("two_factor.enabled", actor=user, target=user)
    return new_recovery_codes(user)


def renew_recovery_codes(user: User) -> list[str]:
    if not user.two_factor_enabled:
        raise DomainError(_l("Two-factor sign-in is not on."))
    audit.record("two_factor.recovery_codes_renewed", actor=user, target=user)
    return new_recovery_codes(user)


def remove(user: User) -> None:
    """Forget the secret, recovery codes and waiting second steps (the caller audits)."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(PendingSignIn).where(PendingSignIn.user_id == user.id))


def turn_off(user: User, *, keep_session_id: int | None) -> None:
    """One's own choice (after the current password); the requirement may send them back.
    Every other session ends, as after a password change."""
    if not user.two_factor_enabled:
        raise DomainError(_l("Two-factor sign-in is not on."))
    remove(user)
    audit.record("two_factor.disabled", actor=user, target=user)
    end_sessions(user, actor=user, keep_id=keep_session_id, reason="two_factor_off")


def qr_svg(user: User, secret: str) -> Markup:
    """The otpauth:// link as an inline SVG QR code (no scripts, no styles: CSP-safe)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4)
    label = escape(str(_l("QR code for your authenticator app")))
    # segno builds the markup from the URI alone; only our escaped label is added to it.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S704


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# ---- the second step of signing in ----------------------------------------------------------


def start_second_step(user: User) -> str:
    """The password was right; a code is still to come. Returns the token for the cookie."""
    db.session.execute(
        delete(PendingSignIn).where(
            PendingSignIn.user_id == user.id, PendingSignIn.expires_at <= now()
        )
    )
    token, token_hash = new_token()
    db.session.add(
        PendingSignIn(
            user_id=user.id,
            token_hash=token_hash,
            expires_at=now() + timedelta(minutes=SECOND_STEP_MINUTES),
        )
    )
    audit.record("login.code_asked", actor=user, target=user)
    return token


def find_second_step(token: str) -> PendingSignIn | None:
    """The waiting sign-in behind `token`, while it is young, has tries left and its person
    may still sign in."""
    if not token:
        return None
    pending = db.session.scalar(
        select(PendingSignIn).where(
            PendingSignIn.token_hash == hash_token(token),
            PendingSignIn.expires_at > now(),
            PendingSignIn.attempts < SECOND_STEP_ATTEMPTS,
        )
    )
    if pending is None or not pending.user.active or not asks_code(pending.user):
        return None
    return pending


def _throttle_login(user: User) -> str:
    # Wrong codes are counted under a key of their own: a right password clears the account's
    # password failures, and must not clear these.
    return f"second-step:{user.id}"


def finish_second_step(pending: PendingSignIn, *, code: str, address: str) -> User | None:
    """The user, when `code` is a fresh code from their app or an unused recovery code.

    Raises Throttled (before looking at the code) after too many wrong codes for the account
    or the address; each wrong code counts there and against this pending sign-in's tries.
    """
    user = pending.user
    key = _throttle_login(user)
    throttle = throttled(key, address)
    if throttle:
        audit.record("login.throttled", target=user, step="code")
        raise Throttled(throttle)
    how = _check_code(user, code)
    if how is None:
        _count_wrong_code(pending, key, address)
        return None
    if not spend_second_step(pending):
        return None  # a parallel request finished this sign-in first
    if how == "recovery":
        audit.record(
            "two_factor.recovery_code_used", actor=user, target=user, left=recovery_codes_left(user)
        )
    return user


def _check_code(user: User, code: str) -> str | None:
    """Which kind of right code `code` is ("totp" or "recovery"), or None."""
    if (digits := app_code(code)) is not None:
        return "totp" if _use_totp(user, _decrypt(user.totp_secret), digits) else None
    return "recovery" if _use_recovery_code(user, "".join(code.split())) else None


def _count_wrong_code(pending: PendingSignIn, key: str, address: str) -> None:
    record_failure(key, address)
    db.session.execute(
        update(PendingSignIn)
        .where(PendingSignIn.id == pending.id)
        .values(attempts=PendingSignIn.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    audit.record("login.code_failed", target=pending.user)
    if throttled(key, address):
        audit.record("login.locked", target=pending.user, step="code")


def spend_second_step(pending: PendingSignIn) -> bool:
    """Delete the pending sign-in; of two racing requests only one deletes it."""
    result = db.session.execute(
        delete(PendingSignIn)
        .where(PendingSignIn.id == pending.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
