"""The check-in code of a session: a TOTP (RFC 6238, 6 digits, 30-second steps) whose secret is
derived from the app's SECRET_KEY and the session id, so nothing is stored, nothing needs to be
encrypted or erased, and a copy of the database reveals no code. Changing SECRET_KEY changes
every code, which costs nothing: a code lives one minute. The current step and the one before
are accepted (a code shown just before it changed still works while the phone opens it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

import pyotp
from flask import current_app

from ..clock import now

STEP_SECONDS = 30
DIGITS = 6


def _totp(session_id: int) -> pyotp.TOTP:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, f"allin.checkin:{session_id}".encode(), hashlib.sha256).digest()
    secret = base64.b32encode(digest).decode().rstrip("=")
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def current(session_id: int, moment: datetime | None = None) -> str:
    """The code to show now."""
    return _totp(session_id).at(moment or now())


def seconds_left(moment: datetime | None = None) -> int:
    """Seconds until the shown code changes."""
    stamp = int((moment or now()).timestamp())
    return STEP_SECONDS - stamp % STEP_SECONDS


def clean(typed: str | None) -> str:
    """What was typed, without spaces or dashes ("123 456" is 123456); not digits -> ""."""
    code = "".join(ch for ch in (typed or "")[:20] if ch not in " -\u00a0")
    return code if len(code) == DIGITS and code.isascii() and code.isdigit() else ""


def matches(session_id: int, typed: str | None, moment: datetime | None = None) -> bool:
    """The code of this session now or one step ago; compared in constant time."""
    code = clean(typed)
    if not code:
        return False
    totp = _totp(session_id)
    moment = moment or now()
    return any(
        hmac.compare_digest(code, totp.at(moment - timedelta(seconds=STEP_SECONDS * back)))
        for back in (0, 1)
    )
