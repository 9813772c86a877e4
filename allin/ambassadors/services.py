"""Writes about ambassadors: records, consents and logins. The actor is always checked again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..access import Perm, can, visible
from ..auth import invitations
from ..auth.services import end_sessions
from ..clock import now
from ..cohorts.rules import can_enrol_in
from ..enums import ConsentGiver, ConsentMethod, ConsentPurpose, Role
from ..errors import DomainError
from ..extensions import db
from ..models import Ambassador, Consent, Invitation, User
from ..models.ambassadors import name_key
from ..single_use import spend
from . import rules


@dataclass
class Person:
    """What staff may record about a young person (and nothing more: SECURITY 23)."""

    name: str
    birth_year: int
    school: str | None = None
    phone: str | None = None
    email: str | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    guardian_email: str | None = None


def person_problem(person: Person) -> str | None:
    """Why this record cannot be stored, in words for the form; None when it can."""
    earliest, latest = rules.plausible_birth_years()
    if not earliest <= person.birth_year <= latest:
        return _l(
            "Enter a birth year from %(earliest)s to %(latest)s (10 to 25 years old).",
            earliest=earliest,
            latest=latest,
        )
    if rules.is_minor(person.birth_year) and not (
        person.guardian_name and (person.guardian_phone or person.guardian_email)
    ):
        return _l("Under 18: enter a guardian's name and their phone number or e-mail address.")
    return None


def _check_person(person: Person) -> None:
    problem = person_problem(person)
    if problem:
        raise DomainError(problem)


def find_duplicates(*, actor: User, name: str, birth_year: int) -> list[Ambassador]:
    """People already known to the actor's municipality with this name (folded) and birth
    year: one indexed query."""
    stmt = visible(Ambassador, actor).where(
        Ambassador.name_key == name_key(name), Ambassador.birth_year == birth_year
    )
    return list(db.session.scalars(stmt.order_by(Ambassador.id).limit(5)))


def create_ambassador(*, actor: User, person: Person) -> Ambassador:
    """Add a young person to the actor's municipality."""
    if not can(actor, Perm.ENROL) or actor.municipality_id is None:
        raise DomainError(_l("You cannot add ambassadors."))
    _check_person(person)
    ambassador = Ambassador(
        municipality_id=actor.municipality_id, created_by_id=actor.id, **_fields(person)
    )
    db.session.add(ambassador)
    db.session.flush()
    audit.record("ambassador.created", actor=actor, target=ambassador)
    return ambassador


def _fields(person: Person) -> dict:
    return {key: (value or None) if key != "name" else value for key, value in vars(person).items()}


def update_ambassador(ambassador: Ambassador, *, actor: User, person: Person) -> None:
    if not can_enrol_in(actor, ambassador):
        raise DomainError(_l("You cannot change this record."))
    _check_person(person)
    for key, value in _fields(person).items():
        setattr(ambassador, key, value)
    db.session.flush()
    audit.record("ambassador.updated", actor=actor, target=ambassador)


# ---- consent --------------------------------------------------------------------------------


def standing_consents(ambassador_ids) -> list[Consent]:
    """The standing (not withdrawn) grants of these ambassadors, in one query."""
    ids = list(ambassador_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Consent).where(Consent.ambassador_id.in_(ids), Consent.withdrawn_at.is_(None))
        )
    )


def record_consent(
    ambassador: Ambassador,
    *,
    actor: User,
    purpose: ConsentPurpose,
    given_by: ConsentGiver,
    guardian_name: str | None,
    method: ConsentMethod,
    given_on: date,
) -> Consent:
    """Record a grant; below the municipality's age a guardian must give it."""
    if not can_enrol_in(actor, ambassador):
        raise DomainError(_l("You cannot record consent for this person."))
    purpose, given_by = ConsentPurpose(purpose), ConsentGiver(given_by)
    if given_by == ConsentGiver.AMBASSADOR and rules.needs_guardian(
        ambassador.birth_year, purpose, ambassador.municipality
    ):
        raise DomainError(
            _l(
                "Under %(age)s a guardian must give this consent, not the young person alone.",
                age=rules.threshold(purpose, ambassador.municipality),
            )
        )
    if given_by == ConsentGiver.GUARDIAN and not guardian_name:
        raise DomainError(_l("Enter the name of the guardian who gave the consent."))
    if given_on > rules.today():
        raise DomainError(_l("The date cannot be in the future."))
    if any(c.purpose == purpose for c in standing_consents([ambassador.id])):
        raise DomainError(_l("This consent is already recorded. Withdraw it first to replace it."))
    consent = Consent(
        municipality_id=ambassador.municipality_id,
        ambassador_id=ambassador.id,
        purpose=purpose,
        given_by=given_by,
        guardian_name=guardian_name if given_by == ConsentGiver.GUARDIAN else None,
        method=ConsentMethod(method),
        given_on=given_on,
        recorded_by_id=actor.id,
    )
    db.session.add(consent)
    db.session.flush()
    audit.record(
        "consent.given", actor=actor, target=consent, purpose=str(purpose), given_by=str(given_by)
    )
    return consent


@dataclass(frozen=True)
class LoginStopped:
    """What a withdrawal ended: the ambassador's login sessions and their pending links."""

    sessions: int
    links: int
    had_login: bool


def withdraw_consent(consent: Consent, *, actor: User) -> LoginStopped | None:
    """Withdraw at once; of two clicks exactly one stamps the row (single_use.spend). When the
    login rule needed this consent, the ambassador's login stops at once too."""
    if not can_enrol_in(actor, consent):
        raise DomainError(_l("You cannot change this consent."))
    stamp = spend(Consent, consent.id, "withdrawn_at")
    if stamp is None:
        raise DomainError(_l("This consent was already withdrawn."))
    consent.withdrawn_at = stamp
    consent.withdrawn_by_id = actor.id
    db.session.flush()
    audit.record("consent.withdrawn", actor=actor, target=consent, purpose=str(consent.purpose))
    # Imported here: the notifications package loads the training pages, which read this
    # module's consents (no cycle between the modules, only in the packages' loading order).
    from ..notifications import services as notifications

    notifications.consent_withdrawn(consent.ambassador, consent_id=consent.id, actor=actor)
    if consent.purpose != ConsentPurpose.PARTICIPATION:
        return None
    return stop_login_if_refused(consent.ambassador, actor=actor)


def stop_login_if_refused(ambassador: Ambassador, *, actor: User) -> LoginStopped | None:
    """When the login rule no longer allows this ambassador a login: every pending sign-in
    link of theirs is revoked and every login session ends, now, with an audit event. (A
    session that a racing acceptance starts after this is refused by its next request's
    sign-in query: the rule is checked there too.)"""
    if not rules.login_refused(Ambassador.id == ambassador.id):
        return None
    pending = db.session.scalars(
        select(Invitation).where(
            Invitation.ambassador_id == ambassador.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ).all()
    if ambassador.user is None and not pending:  # nothing to stop: say nothing
        return None
    for invitation in pending:
        invitation.revoked_at = now()
        audit.record("invitation.revoked", actor=actor, target=invitation, reason="consent")
    sessions = 0
    if ambassador.user is not None:
        sessions = end_sessions(ambassador.user, actor=actor, reason="consent_withdrawn")
    stopped = LoginStopped(sessions, len(pending), had_login=ambassador.user is not None)
    audit.record(
        "ambassador.login_stopped",
        actor=actor,
        target=ambassador,
        sessions=sessions,
        links=len(pending),
    )
    return stopped


# ---- logins ---------------------------------------------------------------------------------


def login_refusal(ambassador: Ambassador, standing: list[Consent] | None = None) -> str | None:
    """Why this ambassador cannot be given a login now, or None when they can."""
    # A plain str: a lazy string is marked safe for Jinja (LazyString.__html__), and this one
    # carries the person's name.
    if ambassador.user_id is not None:
        return _("%(name)s already has a login.", name=ambassador.first_name)
    municipality = ambassador.municipality
    if standing is None:
        standing = standing_consents([ambassador.id])
    own = [c for c in standing if c.ambassador_id == ambassador.id]
    if rules.may_have_login(ambassador.birth_year, municipality, own):
        return None
    return _(
        "%(name)s is under %(age)s, so a guardian's consent to participation must be recorded "
        "before they get a login.",
        name=ambassador.first_name,
        age=municipality.digital_consent_age,
    )


def create_login(ambassador: Ambassador, *, actor: User) -> tuple[Invitation, str]:
    """An invitation that creates the ambassador's own login (username sign-in without an
    e-mail address); a pending one is renewed instead, so only the newest link works."""
    if not can_enrol_in(actor, ambassador):
        raise DomainError(_l("You cannot make a login for this person."))
    refusal = login_refusal(ambassador)
    if refusal:
        raise DomainError(refusal)
    pending = db.session.scalar(
        select(Invitation)
        .where(
            Invitation.ambassador_id == ambassador.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.id.desc())
        .limit(1)
    )
    if pending is not None:
        token = invitations.renew(pending, actor=actor)
        invitation = pending
    else:
        invitation, token = invitations.invite(
            actor=actor,
            role=Role.AMBASSADOR,
            name=ambassador.name,
            email=ambassador.email,
            municipality=None,
        )
        invitation.ambassador_id = ambassador.id
    db.session.flush()
    audit.record("ambassador.login_created", actor=actor, target=ambassador)
    return invitation, token


def hand_out_logins(
    ambassadors: list[Ambassador], *, actor: User
) -> tuple[list[tuple[Ambassador, str]], list[tuple[Ambassador, str]]]:
    """Sign-in links for everyone here without a login: (ambassador, token) for those who may
    have one, (ambassador, why not) for the others. Older links of theirs stop working."""
    standing = standing_consents(a.id for a in ambassadors)
    made, refused = [], []
    for ambassador in ambassadors:
        if ambassador.user_id is not None:
            continue
        refusal = login_refusal(ambassador, standing)
        if refusal:
            refused.append((ambassador, str(refusal)))
            continue
        _invitation, token = create_login(ambassador, actor=actor)
        made.append((ambassador, token))
    return made, refused
