"""Writes about cohorts and enrolments. The actor is always checked again."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from .. import audit
from ..access import Perm, can, can_lead, visible
from ..ambassadors import services as ambassador_services
from ..clock import now
from ..enums import (
    CohortRole,
    CohortStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    EnrolmentStatus,
    WithdrawalReason,
)
from ..errors import DomainError
from ..extensions import db
from ..models import Ambassador, Cohort, Enrolment, User
from .rules import can_change_cohort_status, can_enrol_in, can_move_enrolment
from .selectors import graduation_times


def _leads(actor: User, lead_ids: list[int]) -> list[User]:
    """The chosen leads, each an active youth worker or coordinator of the actor's
    municipality; any other id (foreign, unknown, an ambassador) refuses the whole save."""
    ids = set(lead_ids)
    if not ids:
        return []
    found = list(db.session.scalars(visible(User, actor).where(User.id.in_(ids))))
    if len(found) != len(ids) or not all(can_lead(u, actor.municipality_id) for u in found):
        raise DomainError(
            _l("Choose the leads among the youth workers and coordinators of your municipality.")
        )
    return found


def save_cohort(
    *,
    actor: User,
    cohort: Cohort | None,
    name: str,
    starts_on: date,
    ends_on: date,
    description: str = "",
    lead_ids: list[int] = (),
) -> Cohort:
    """Create (cohort=None) or edit a cohort of the actor's municipality; names are unique
    there and the term ends on or after its start."""
    if not can(actor, Perm.MANAGE_COHORTS) or actor.municipality_id is None:
        raise DomainError(_l("Only coordinators create and edit cohorts."))
    if cohort is not None and cohort.municipality_id != actor.municipality_id:
        raise DomainError(_l("Only coordinators create and edit cohorts."))
    if ends_on < starts_on:
        raise DomainError(_l("The end date must be on or after the start date."))
    clash = select(func.count()).where(
        Cohort.municipality_id == actor.municipality_id, Cohort.name == name
    )
    if cohort is not None:
        clash = clash.where(Cohort.id != cohort.id)
    if db.session.scalar(clash):
        raise DomainError(_l("Your municipality already has a cohort with this name."))
    leads = _leads(actor, list(lead_ids))
    created = cohort is None
    if created:
        cohort = Cohort(municipality_id=actor.municipality_id)
        db.session.add(cohort)
    cohort.name, cohort.starts_on, cohort.ends_on = name, starts_on, ends_on
    cohort.description = description or ""
    cohort.leads = leads
    db.session.flush()
    audit.record("cohort.created" if created else "cohort.updated", actor=actor, target=cohort)
    return cohort


def change_status(cohort: Cohort, *, actor: User, to: CohortStatus) -> None:
    """Move the cohort one step forward, or (coordinators) back."""
    to = CohortStatus(to)
    if not can_change_cohort_status(actor, cohort, to):
        raise DomainError(_l("You cannot move this cohort to that status."))
    audit.record(
        "cohort.status_changed", actor=actor, target=cohort, **{"from": cohort.status, "to": to}
    )
    cohort.status = to
    db.session.flush()


def enrol(
    *, actor: User, cohort: Cohort, ambassador: Ambassador, role: CohortRole = CohortRole.AMBASSADOR
) -> Enrolment:
    """Enrol a known ambassador of the same municipality, once per cohort."""
    if not can_enrol_in(actor, cohort) or ambassador.municipality_id != cohort.municipality_id:
        raise DomainError(_l("You cannot enrol this person in this cohort."))
    if cohort.status == CohortStatus.COMPLETED:
        raise DomainError(_l("This cohort is completed; nobody new can be enrolled."))
    already = select(func.count()).where(
        Enrolment.cohort_id == cohort.id, Enrolment.ambassador_id == ambassador.id
    )
    if db.session.scalar(already):
        raise DomainError(
            _l("%(name)s is already enrolled in this cohort.", name=ambassador.first_name)
        )
    enrolment = Enrolment(
        municipality_id=cohort.municipality_id,
        cohort_id=cohort.id,
        ambassador_id=ambassador.id,
        role=CohortRole(role),
        enrolled_by_id=actor.id,
    )
    db.session.add(enrolment)
    db.session.flush()
    audit.record("enrolment.created", actor=actor, target=enrolment, cohort_id=cohort.id)
    return enrolment


def enrol_new(
    *, actor: User, cohort: Cohort, person: ambassador_services.Person, role: CohortRole
) -> Enrolment:
    """Add a young person to the municipality and enrol them, in one go."""
    if not can_enrol_in(actor, cohort):
        raise DomainError(_l("You cannot enrol this person in this cohort."))
    ambassador = ambassador_services.create_ambassador(actor=actor, person=person)
    return enrol(actor=actor, cohort=cohort, ambassador=ambassador, role=role)


def enrol_with_consents(
    *,
    actor: User,
    cohort: Cohort,
    person: ambassador_services.Person,
    role: CohortRole,
    consents: list[ConsentPurpose],
    given_by: ConsentGiver | None,
    method: ConsentMethod | None,
    make_login: bool,
):
    """Enrol a new young person, record the consents given today and make their sign-in link,
    all or nothing (the age rules of each consent and of the login apply as on their own
    pages). Returns the enrolment and, when a login was asked for, (invitation, token)."""
    enrolment = enrol_new(actor=actor, cohort=cohort, person=person, role=role)
    ambassador = enrolment.ambassador
    for purpose in consents:
        ambassador_services.record_consent(
            ambassador,
            actor=actor,
            purpose=purpose,
            given_by=given_by,
            guardian_name=person.guardian_name,
            method=method,
            given_on=now().date(),
        )
    login = ambassador_services.create_login(ambassador, actor=actor) if make_login else None
    return enrolment, login


def withdraw_enrolment(
    enrolment: Enrolment, *, actor: User, reason: WithdrawalReason, note: str | None = None
) -> None:
    """Withdraw at once, with a reason; of two clicks exactly one changes the row (one
    conditional UPDATE, like single_use.spend)."""
    if not can_enrol_in(actor, enrolment):
        raise DomainError(_l("You cannot change this enrolment."))
    stamp = now()
    values = {
        "status": EnrolmentStatus.WITHDRAWN,
        "withdrawn_at": stamp,
        "withdrawn_by_id": actor.id,
        "withdrawal_reason": WithdrawalReason(reason),
        "withdrawal_note": note or None,
    }
    result = db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.withdrawn_at.is_(None))
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("This enrolment was already withdrawn."))
    for key, value in values.items():
        setattr(enrolment, key, value)
    db.session.flush()
    audit.record("enrolment.withdrawn", actor=actor, target=enrolment, reason=str(reason))


def move_enrolment(
    enrolment: Enrolment, *, actor: User, to: EnrolmentStatus, seen: EnrolmentStatus
) -> None:
    """Invited -> active -> graduated, one step (back only by a coordinator, or within a day of
    a graduation), from the status the actor saw: one conditional UPDATE, so of two stale
    pages exactly one moves the row."""
    to, seen = EnrolmentStatus(to), EnrolmentStatus(seen)
    if enrolment.status != seen:
        raise DomainError(_l("Someone changed this enrolment meanwhile. Look again and retry."))
    graduated_at = graduation_times([enrolment]).get(enrolment.id)
    if not can_move_enrolment(actor, enrolment, to, graduated_at):
        raise DomainError(_l("You cannot move this enrolment to that status."))
    if to == EnrolmentStatus.GRADUATED and enrolment.cohort.status == CohortStatus.PLANNED:
        raise DomainError(_l("Nobody graduates from a cohort that has not started."))
    result = db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status == seen)
        .values(status=to)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("Someone changed this enrolment meanwhile. Look again and retry."))
    enrolment.status = to
    db.session.flush()
    audit.record(
        "enrolment.status_changed",
        actor=actor,
        target=enrolment,
        cohort_id=enrolment.cohort_id,
        **{"from": str(seen), "to": str(to)},
    )
