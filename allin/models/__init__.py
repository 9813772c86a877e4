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
from .certificates import Certificate
from .cohorts import Cohort, CohortImport, Enrolment, cohort_lead
from .concepts import (
    Attachment,
    AttachmentSubject,
    Concept,
    ConceptMember,
    ConceptSeen,
    ReachFigure,
    TimelineEntry,
)
from .followup import ConceptCheckIn
from .guardians import GuardianConsentLink
from .guide import (
    GuideEdition,
    GuideEntry,
    GuideImage,
    GuideOldSlug,
    GuideRevision,
    GuideSynonym,
    GuideTag,
    GuideTagUse,
)
from .notifications import Notification, NotificationPreference
from .people import Municipality, User
from .signups import Signup, SignupForm
from .surveys import SurveyAnswer, SurveyRespondent, SurveyRound
from .training import Attendance, CalendarFeed, SessionTool, TrainingSession

__all__ = [
    "Ambassador",
    "Attachment",
    "AttachmentSubject",
    "Attendance",
    "AuditEvent",
    "GuardianConsentLink",
    "GuideEdition",
    "GuideEntry",
    "GuideImage",
    "GuideOldSlug",
    "GuideRevision",
    "GuideSynonym",
    "GuideTag",
    "GuideTagUse",
    "BrowserClaim",
    "CalendarFeed",
    "Certificate",
    "Cohort",
    "Concept",
    "ConceptCheckIn",
    "ConceptMember",
    "ConceptSeen",
    "CohortImport",
    "Consent",
    "Enrolment",
    "Installation",
    "Invitation",
    "LoginFailure",
    "LoginSession",
    "MailJob",
    "Municipality",
    "Notification",
    "NotificationPreference",
    "PasswordReset",
    "PendingSignIn",
    "ReachFigure",
    "RecoveryCode",
    "TimelineEntry",
    "SessionTool",
    "Signup",
    "SignupForm",
    "SurveyAnswer",
    "SurveyRespondent",
    "SurveyRound",
    "TrainingSession",
    "User",
    "cohort_lead",
]
