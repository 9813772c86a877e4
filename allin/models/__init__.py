"""Every model, imported here so Alembic and the shell see all tables."""

from .accounts import (
    Installation,
    Invitation,
    LoginFailure,
    LoginSession,
    PasswordReset,
    PendingSignIn,
    RecoveryCode,
)
from .ambassadors import Ambassador, Consent
from .audit import AuditEvent
from .cohorts import Cohort, CohortImport, Enrolment, cohort_lead
from .people import Municipality, User

__all__ = [
    "Ambassador",
    "AuditEvent",
    "Cohort",
    "CohortImport",
    "Consent",
    "Enrolment",
    "Installation",
    "Invitation",
    "LoginFailure",
    "LoginSession",
    "Municipality",
    "PasswordReset",
    "PendingSignIn",
    "RecoveryCode",
    "User",
    "cohort_lead",
]
