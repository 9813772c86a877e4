"""Every model, imported here so Alembic and the shell see all tables."""

from .accounts import (
    BrowserClaim,
    Installation,
    Invitation,
    LoginFailure,
    LoginSession,
    MailJob,
    PasswordReset,
    PendingSignIn,
    RecoveryCode,
)
from .audit import AuditEvent
from .guide import GuideEntry, GuideOldSlug, GuideRevision, GuideTag
from .people import Municipality, User

__all__ = [
    "AuditEvent",
    "GuideEntry",
    "GuideOldSlug",
    "GuideRevision",
    "GuideTag",
    "BrowserClaim",
    "Installation",
    "Invitation",
    "LoginFailure",
    "LoginSession",
    "MailJob",
    "Municipality",
    "PasswordReset",
    "PendingSignIn",
    "RecoveryCode",
    "User",
]
