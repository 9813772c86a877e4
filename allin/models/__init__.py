"""Every model, imported here so Alembic and the shell see all tables."""

from .accounts import (
    BrowserClaim,
    Installation,
    Invitation,
    LoginFailure,
    LoginSession,
    MailJob,
    PasswordReset,
)
from .audit import AuditEvent
from .people import Municipality, User

__all__ = [
    "AuditEvent",
    "BrowserClaim",
    "Installation",
    "Invitation",
    "LoginFailure",
    "LoginSession",
    "MailJob",
    "Municipality",
    "PasswordReset",
    "User",
]
