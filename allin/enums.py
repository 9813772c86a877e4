"""Closed sets of values: each a StrEnum whose members carry their translated label.

Imports nothing of the app, so models, access rules and forms can all use it. A column is
declared as ``Mapped[TheEnum]``: the type map in ``extensions.py`` stores the value as text
and adds a CHECK constraint listing the allowed values (named ``ck_<table>_<enum>`` by the
naming convention), so the database refuses anything else and a migration shows any change.

    class Format(LabelledEnum):
        ONLINE = "online", _l("Online")
        OFFLINE = "offline", _l("Offline")

    Format("online").label  ->  "Nett" in Norwegian
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum

from .locales import current_locale

# Text columns for enum values are this wide; a longer value fails test_models.
ENUM_LENGTH = 20


class Label(LazyString):
    """A member's label, translated once per locale (once a request) and then reused: a
    lazy_gettext string looks the catalogue up again every time it is shown, and a page
    shows dozens of labels. Inside force_locale() the locale is another object: translated
    again."""

    def __init__(self, lazy: LazyString):
        super().__init__(lazy._func, *lazy._args, **lazy._kwargs)
        self._memo: tuple[object, str] = (None, "")

    def __str__(self) -> str:
        locale, (seen, text) = current_locale(), self._memo
        if locale is None or seen is not locale:
            text = super().__str__()
            self._memo = (locale, text)
        return text

    def __html__(self) -> str:
        return str(self)


class LabelledEnum(StrEnum):
    """A StrEnum whose members are declared as ``NAME = "value", _l("Label")``."""

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        if isinstance(label, LazyString):
            label = Label(label)
        member.label = label if label is not None else value
        return member

    @classmethod
    def choices(cls, members=None) -> list[tuple[str, str]]:
        """(value, label) pairs for a select or radio field, in declaration order."""
        return [(m.value, m.label) for m in (cls if members is None else members)]


def enum_type(enum_cls: type[LabelledEnum] = LabelledEnum) -> Enum:
    """The column type for an enum: its values as text, checked by the database."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=ENUM_LENGTH,
        values_callable=lambda members: [m.value for m in members],
    )


class Role(LabelledEnum):
    """What a person who signs in does in the programme (what each may do: access.py)."""

    NETWORK_ADMIN = "network_admin", _l("Network admin")
    # A funder or a board member: reads the network's report and nothing else.
    NETWORK_VIEWER = "network_viewer", _l("Network viewer")
    COORDINATOR = "coordinator", _l("Coordinator")
    YOUTH_WORKER = "youth_worker", _l("Youth worker")
    AMBASSADOR = "ambassador", _l("Ambassador")

    @property
    def works_for_network(self) -> bool:
        """The role belongs to no municipality (the database holds this, models/people.py)."""
        return self in (Role.NETWORK_ADMIN, Role.NETWORK_VIEWER)


class FailureKind(LabelledEnum):
    """What a counted sign-in failure is keyed by."""

    ACCOUNT = "account"  # the account, across every address (a higher ceiling)
    ACCOUNT_ADDRESS = "account_address"  # this account from this address
    ADDRESS = "address"  # this address, across every account


class Phase(LabelledEnum):
    """The programme cycle, in order (shared by training sessions and guide entries)."""

    PREPARE = "prepare", _l("Prepare")
    RECRUIT = "recruit", _l("Recruit")
    KICK_OFF = "kick_off", _l("Kick-off camp")
    EXPLORE = "explore", _l("Explore challenges")
    CREATE = "create", _l("Create concepts")
    PITCH = "pitch", _l("Pitch to the city")
    LAUNCH = "launch", _l("Launch")
    FOLLOW_UP = "follow_up", _l("Follow up")


class GuideKind(LabelledEnum):
    """What a guide entry is."""

    TOOL = "tool", _l("Tool")
    RECOMMENDATION = "recommendation", _l("Recommendation")
    INSPIRATION = "inspiration", _l("Inspiration")
    BEST_CASE = "best_case", _l("Best case")


class GuideStatus(LabelledEnum):
    """Drafts are seen only by those who write in the entry's scope; published ones by all."""

    DRAFT = "draft", _l("Draft")
    PUBLISHED = "published", _l("Published")


class Language(LabelledEnum):
    """The languages content is written in (the interface languages too)."""

    NB = "nb", _l("Norwegian (bokmål)")
    EN = "en", _l("English")


class MailKind(LabelledEnum):
    """What a queued e-mail job composes when it is sent."""

    PASSWORD_RESET = "password_reset"
    NOTIFICATION = "notification"  # one notification's e-mail (allin/notifications/emails.py)
    CONSENT_RECEIPT = "consent_receipt"  # a guardian's receipt (allin/guardians/emails.py)


class NotificationKind(LabelledEnum):
    """What a notification tells its recipient (allin/notifications)."""

    SESSION_TOMORROW = "session_tomorrow", _l("Session tomorrow")
    SESSION_CHANGED = "session_changed", _l("Session changed")
    SESSION_CANCELLED = "session_cancelled", _l("Session cancelled")
    CONCEPT_FEEDBACK = "concept_feedback", _l("New feedback on a concept")
    CONCEPT_STAGE = "concept_stage", _l("A concept moved stage")
    WEEKLY_DIGEST = "weekly_digest", _l("Weekly summary for cohort leads")
    CONSENT_WITHDRAWN = "consent_withdrawn", _l("A consent was withdrawn")
    INVITATION_ACCEPTED = "invitation_accepted", _l("An invitation was accepted")
    EARLY_WARNING = "early_warning", _l("Early warning: missed the last two sessions")
    CHECKIN_DUE = "checkin_due", _l("A launched concept's check-in is due")
    RETENTION_DUE = "retention_due", _l("An ambassador's data is due for erasure")


class ClaimKind(LabelledEnum):
    """What a browser holds a server-side claim on (auth/claims.py)."""

    RESET = "reset"  # an opened password-reset link
    INVITATION = "invitation"  # an opened invitation link
    SHOW_RESET_LINK = "show_reset_link"  # a new hand-over link, shown once to staff
    SHOW_INVITATION_LINK = "show_invitation_link"  # a new invitation link, shown once
    SHOW_CONSENT_LINK = "show_consent_link"  # a new guardian's consent link, shown once


class CohortStatus(LabelledEnum):
    """A cohort moves forward planned -> active -> completed (back only by a coordinator)."""

    PLANNED = "planned", _l("Planned")
    ACTIVE = "active", _l("Active")
    COMPLETED = "completed", _l("Completed")


class EnrolmentStatus(LabelledEnum):
    INVITED = "invited", _l("Invited")
    ACTIVE = "active", _l("Active")
    GRADUATED = "graduated", _l("Graduated")
    WITHDRAWN = "withdrawn", _l("Left the cohort")


class CohortRole(LabelledEnum):
    """What an enrolled young person does in the cohort."""

    AMBASSADOR = "ambassador", _l("Ambassador")
    PEER_MENTOR = "peer_mentor", _l("Peer mentor")


class WithdrawalReason(LabelledEnum):
    """Why someone left a cohort: a short list, nothing about health or family."""

    NO_TIME = "no_time", _l("No time (school, work, leisure)")
    LOST_INTEREST = "lost_interest", _l("Lost interest")
    MOVED = "moved", _l("Moved away")
    ENROLLED_BY_MISTAKE = "mistake", _l("Enrolled by mistake")
    OTHER = "other", _l("Other reason")


class ConsentPurpose(LabelledEnum):
    """What a consent is for (SECURITY 24, Decisions 1 and 6)."""

    PARTICIPATION = "participation", _l("Participation and an own login")
    PHOTO = "photo", _l("Photos")
    PUBLISH_NAME = "publish_name", _l("Publishing the name")


class ConsentGiver(LabelledEnum):
    AMBASSADOR = "ambassador", _l("The young person")
    GUARDIAN = "guardian", _l("A guardian")


class ConsentMethod(LabelledEnum):
    PAPER = "paper", _l("Paper form")
    EMAIL = "email", _l("E-mail")
    IN_PERSON = "in_person", _l("In person")
    ONLINE = "online", _l("Online, by the guardian")


class ConceptFormat(LabelledEnum):
    """Where a concept happens."""

    ONLINE = "online", _l("Online")
    OFFLINE = "offline", _l("Offline")
    HYBRID = "hybrid", _l("Online and offline")


class ConceptStage(LabelledEnum):
    """A concept's life-cycle, in order; stopped (with a reason) can happen at any stage.
    Who may move a concept where: concepts/rules.py::allowed_stage_moves."""

    IDEA = "idea", _l("Idea")
    DEVELOPING = "developing", _l("In development")
    PITCHED = "pitched", _l("Pitched")
    LAUNCHED = "launched", _l("Launched")
    SUSTAINED = "sustained", _l("Sustained")
    STOPPED = "stopped", _l("Stopped")


class TimelineKind(LabelledEnum):
    """What a line on a concept's timeline records."""

    STAGE_CHANGE = "stage_change", _l("Stage change")
    PROGRESS = "progress", _l("Progress update")
    FEEDBACK = "feedback", _l("Feedback")
    ANSWER = "answer", _l("Answer")


class ReachKind(LabelledEnum):
    """The figures a concept can show as it grows."""

    PEOPLE = "people", _l("People reached")
    EVENTS = "events", _l("Events held")
    USERS = "users", _l("Users")


class AttendanceValue(LabelledEnum):
    """What the roll call records for one ambassador at one session."""

    PRESENT = "present", _l("Present")
    LATE = "late", _l("Late")
    EXCUSED = "excused", _l("Excused")
    ABSENT = "absent", _l("Absent")


class RoundKind(LabelledEnum):
    """When in a cohort's programme its ambassadors assess themselves (allin/surveys)."""

    KICK_OFF = "kick_off", _l("Kick-off")
    END = "end", _l("End")
    FOLLOW_UP = "follow_up", _l("Follow-up")


class CheckInStatus(LabelledEnum):
    """How a launched concept is doing at a check-in (allin/followup)."""

    RUNNING = "running", _l("Running")
    PAUSED = "paused", _l("Paused")
    STOPPED = "stopped", _l("Stopped")
