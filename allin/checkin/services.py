"""Checking oneself in: every refusal is a DomainError with a message the ambassador can act
on, and nothing is written unless all checks pass. The write itself is the roll call's
(training.services.record_check_in): it never overwrites a mark that is already there."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..enums import AttendanceValue
from ..errors import DomainError
from ..models import TrainingSession, User
from ..training import services as training
from . import codes, selectors
from .rules import checks_in_self

STAFF = _l(
    "You are signed in as staff. Check-in is for ambassadors: mark people on the roll call instead."
)
NOT_MEMBER = _l("You are not an active member of this session's cohort.")


@dataclass(frozen=True)
class CheckedIn:
    session: TrainingSession
    made: bool  # False: something was recorded already (see value)
    value: AttendanceValue | None


def refuse_staff(actor: User) -> None:
    if not checks_in_self(actor):
        raise DomainError(STAFF)


def _refuse_unless_today(session: TrainingSession) -> None:
    if session.cancelled_at is not None:
        raise DomainError(_l("This session is cancelled, so there is no check-in."))
    if not training.check_in_open(session):
        raise DomainError(_l("Check-in is open only on the day of the session."))


def check_in(*, actor: User, session: TrainingSession, code: str | None) -> CheckedIn:
    """Mark `actor` present at `session` if `code` is the session's code now (or a step ago)
    and they are an active member of its cohort. A replay by the same person changes nothing."""
    refuse_staff(actor)
    _refuse_unless_today(session)
    if not codes.matches(session.id, code):
        raise DomainError(
            _l(
                "This code is not the code of this session now. Codes change every 30 seconds: "
                "scan or type the one shown now."
            )
        )
    enrolment = selectors.my_active_enrolment(actor, session)
    if enrolment is None:
        raise DomainError(NOT_MEMBER)
    made = training.record_check_in(session, actor=actor, enrolment_id=enrolment.id)
    value = (
        AttendanceValue.PRESENT if made else selectors.recorded_for(actor, session, enrolment.id)
    )
    return CheckedIn(session, made, value)


def check_in_typed(*, actor: User, code: str | None) -> CheckedIn:
    """A typed code: the session of the actor's today whose code it is."""
    refuse_staff(actor)
    today = selectors.sessions_today(actor)
    if not today:
        raise DomainError(_l("You have no session today, so there is nothing to check in to."))
    for session in today:
        if codes.matches(session.id, code):
            return check_in(actor=actor, session=session, code=code)
    raise DomainError(
        _l("That code is wrong or too old. Type the code shown now; it changes every 30 seconds.")
    )
