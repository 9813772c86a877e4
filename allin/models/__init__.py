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
from .ambassadors import Ambassador, Consent
from .audit import AuditEvent
from .cohorts import Cohort, CohortImport, Enrolment, cohort_lead
from .guide import GuideEntry, GuideOldSlug, GuideRevision, GuideTag
from .people import Municipality, User
from .training import Attendance, CalendarFeed, TrainingSession

__all__ = [
    "Ambassador",
    "Attendance",
    "AuditEvent",
    "GuideEntry",
    "GuideOldSlug",
    "GuideRevision",
    "GuideTag",
    "BrowserClaim",
    "CalendarFeed",
    "Cohort",
    "CohortImport",
    "Consent",
    "Enrolment",
    "Installation",
    "Invitation",
    "LoginFailure",
    "LoginSession",
    "MailJob",
    "Municipality",
    "PasswordReset",
    "PendingSignIn",
    "RecoveryCode",
    "TrainingSession",
    "User",
    "cohort_lead",
]
