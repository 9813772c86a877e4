"""Writes of the sign-up: open or close a cohort's form, receive a sign-up, accept it (the
enrolment service, with its duplicate check) or decline it (the data goes at once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from .. import audit
from ..ambassadors import services as ambassador_services
from ..clock import now
from ..cohorts import services as cohort_services
from ..enums import CohortRole, CohortStatus
from ..errors import DomainError
from ..extensions import db
from ..models import Ambassador, Cohort, Enrolment, Signup, SignupForm, User
from ..models.signups import SIGNUP_KEPT_DAYS
from . import rules


def set_open(cohort: Cohort, *, actor: User, open_: bool) -> SignupForm:
    """Open or close the cohort's public form; its address stays the same."""
    if not rules.can_open_form(actor, cohort):
        raise DomainError(_l("You cannot open or close this cohort's sign-up form."))
    if open_ and cohort.status == CohortStatus.COMPLETED:
        raise DomainError(_l("This cohort is completed; nobody new can sign up."))
    form = db.session.scalar(select(SignupForm).where(SignupForm.cohort_id == cohort.id))
    if form is None:
        form = SignupForm(cohort_id=cohort.id, municipality_id=cohort.municipality_id)
        db.session.add(form)
    form.is_open = open_
    form.changed_at = now()
    form.changed_by_id = actor.id
    db.session.flush()
    audit.record(
        "signup_form.opened" if open_ else "signup_form.closed",
        actor=actor,
        target=cohort,
    )
    return form


def is_open(form: SignupForm | None) -> bool:
    return form is not None and form.is_open and form.cohort.status != CohortStatus.COMPLETED


@dataclass
class Submission:
    """What the public form asks, and nothing more."""

    person: ambassador_services.Person
    motivation: str


def submit(form: SignupForm, *, submission: Submission) -> Signup:
    """A pending sign-up for the form's cohort. The same answer whoever signs up: nothing here
    looks at who is known already (the youth worker's accepting does)."""
    if not is_open(form):
        raise DomainError(_l("This sign-up form is closed."))
    person = submission.person
    problem = ambassador_services.person_problem(person)
    if problem:
        raise DomainError(problem)
    if not (person.phone or person.email):
        raise DomainError(_l("Enter a phone number or an e-mail address so that we can reach you."))
    signup = Signup(
        municipality_id=form.municipality_id,
        cohort_id=form.cohort_id,
        motivation=submission.motivation,
        **{key: (value or None) if key != "name" else value for key, value in vars(person).items()},
    )
    db.session.add(signup)
    db.session.flush()
    audit.record("signup.received", target=signup, cohort_id=form.cohort_id)
    return signup


def _person(signup: Signup) -> ambassador_services.Person:
    return ambassador_services.Person(
        name=signup.name,
        birth_year=signup.birth_year,
        school=signup.school,
        phone=signup.phone,
        email=signup.email,
        guardian_name=signup.guardian_name,
        guardian_phone=signup.guardian_phone,
        guardian_email=signup.guardian_email,
    )


def _take(signup: Signup, actor: User) -> None:
    """Remove the pending row; of two racing answers the database lets one through."""
    if not rules.can_handle(actor, signup):
        raise DomainError(_l("You cannot answer this sign-up."))
    gone = db.session.execute(
        delete(Signup).where(Signup.id == signup.id).execution_options(synchronize_session=False)
    )
    if gone.rowcount != 1:
        raise DomainError(_l("This sign-up was answered already."))


def accept(
    signup: Signup,
    *,
    actor: User,
    known: Ambassador | None = None,
    someone_else: bool = False,
) -> Enrolment:
    """Enrol the young person in the sign-up's cohort: as `known` (someone the municipality
    already has, found by the duplicate check) or as a new person. A new person is refused
    while the duplicate check finds someone, unless `someone_else` says it is not them."""
    cohort = signup.cohort
    person = _person(signup)
    if known is None and not someone_else:
        found = ambassador_services.find_duplicates(
            actor=actor, name=person.name, birth_year=person.birth_year
        )
        if found:
            raise DomainError(
                _l(
                    "Someone with this name and birth year is known already: enrol them, or "
                    "say that this is someone else."
                )
            )
    signup_id = signup.id
    _take(signup, actor)
    if known is not None:
        enrolment = cohort_services.enrol(actor=actor, cohort=cohort, ambassador=known)
    else:
        enrolment = cohort_services.enrol_new(
            actor=actor, cohort=cohort, person=person, role=CohortRole.AMBASSADOR
        )
    audit.record(
        "signup.accepted", actor=actor, target=enrolment, signup_id=signup_id, known=bool(known)
    )
    return enrolment


def decline(signup: Signup, *, actor: User) -> None:
    """Decline: the sign-up and everything it held are deleted at once."""
    signup_id, cohort_id = signup.id, signup.cohort_id
    _take(signup, actor)
    audit.record(
        "signup.declined",
        actor=actor,
        municipality_id=signup.municipality_id,
        signup_id=signup_id,
        cohort_id=cohort_id,
    )


def purge_old() -> int:
    """Delete sign-ups nobody answered within SIGNUP_KEPT_DAYS (the retention job)."""
    cutoff = now() - timedelta(days=SIGNUP_KEPT_DAYS)
    stmt = delete(Signup).where(Signup.created_at < cutoff)
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0
