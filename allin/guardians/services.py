"""Writes of a guardian's online consent: the link, the answer, the withdrawal.

The giving link is spent once by the database (single_use.spend) while it is still valid;
everything that refuses a link is decided before anything is written. The age rules are the
ambassadors' (ambassadors/rules.py): a link asks only what a guardian must consent to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update

from .. import audit, outbox
from ..ambassadors import rules as consent_rules
from ..ambassadors import services as ambassador_services
from ..auth.services import hash_token
from ..clock import now
from ..cohorts.rules import can_enrol_in
from ..enums import ConsentGiver, ConsentMethod, ConsentPurpose, EnrolmentStatus, MailKind
from ..errors import DomainError
from ..extensions import db
from ..models import Ambassador, Consent, Enrolment, GuardianConsentLink, User
from ..single_use import spend

LINK_DAYS = 14
TOKEN_LENGTH = 100  # longer tokens are cut before hashing: never a real one


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def purposes_to_ask(ambassador: Ambassador, standing) -> list[ConsentPurpose]:
    """The purposes a guardian must consent to at this age that are not given yet."""
    given = {c.purpose for c in standing if c.withdrawn_at is None}
    return [
        p
        for p in ConsentPurpose
        if p not in given
        and consent_rules.needs_guardian(ambassador.birth_year, p, ambassador.municipality)
    ]


def asked_for(ambassador: Ambassador) -> list[ConsentPurpose]:
    """What a link for this person asks a guardian now (one query)."""
    return purposes_to_ask(ambassador, ambassador_services.standing_consents([ambassador.id]))


def is_withdrawn(ambassador: Ambassador, enrolments=None) -> bool:
    """Withdrawn from the programme: enrolled once, and every enrolment withdrawn since
    (`enrolments`: theirs, when the page has loaded them already)."""
    if enrolments is not None:
        statuses = [e.status for e in enrolments]
        return bool(statuses) and all(s == EnrolmentStatus.WITHDRAWN for s in statuses)
    enrolments = select(Enrolment.id).where(Enrolment.ambassador_id == ambassador.id)
    still = enrolments.where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
    return bool(db.session.scalar(select(exists(enrolments) & ~exists(still))))


def gone(ambassador: Ambassador, enrolments=None) -> str | None:
    """Why nobody may consent for this person any more (erased or withdrawn), or None."""
    if ambassador.erased_at is not None:
        return _l("This person's data was erased.")
    if is_withdrawn(ambassador, enrolments):
        # A plain str: a lazy string is marked safe for Jinja, and this one carries a name.
        return _("%(name)s is no longer in the programme.", name=ambassador.first_name)
    return None


def link_refusal(ambassador: Ambassador, standing=None, enrolments=None) -> str | None:
    """Why no consent link can be made for this person now, or None (`standing` and
    `enrolments`: theirs, when the page has loaded them already)."""
    why = gone(ambassador, enrolments)
    if why:
        return why
    if standing is None:
        standing = ambassador_services.standing_consents([ambassador.id])
    if not purposes_to_ask(ambassador, standing):
        return _(
            "Nothing to ask a guardian: %(name)s may consent alone, or every consent a guardian "
            "must give is recorded.",
            name=ambassador.first_name,
        )
    return None


def make_link(ambassador: Ambassador, *, actor: User) -> tuple[GuardianConsentLink, str]:
    """A new consent link for the guardian, valid LINK_DAYS days; returns (link, token)."""
    if not can_enrol_in(actor, ambassador):
        raise DomainError(_l("You cannot ask for consent for this person."))
    refusal = link_refusal(ambassador)
    if refusal:
        raise DomainError(refusal)
    token, token_hash = new_token()
    made = now()
    # Only the newest link works: one sent to the wrong address, or lost, ends when the youth
    # worker makes another (its guardian is told it has expired and to ask for a new one).
    db.session.execute(
        update(GuardianConsentLink)
        .where(
            GuardianConsentLink.ambassador_id == ambassador.id,
            GuardianConsentLink.used_at.is_(None),
            GuardianConsentLink.expires_at > made,
        )
        .values(expires_at=made)
    )
    link = GuardianConsentLink(
        municipality_id=ambassador.municipality_id,
        ambassador_id=ambassador.id,
        created_by_id=actor.id,
        created_at=made,
        expires_at=made + timedelta(days=LINK_DAYS),
        token_hash=token_hash,
    )
    db.session.add(link)
    db.session.flush()
    audit.record("guardian_consent.link_made", actor=actor, target=link)
    return link, token


# ---- the guardian's side (no account) ------------------------------------------------------


def _by_hash(column, token: str) -> GuardianConsentLink | None:
    return db.session.scalar(
        select(GuardianConsentLink)
        .options(db.joinedload(GuardianConsentLink.ambassador).joinedload(Ambassador.municipality))
        .where(column == hash_token(token[:TOKEN_LENGTH]))
    )


def find_link(token: str) -> GuardianConsentLink | None:
    """The link whose giving token this is, or None (a tampered or unknown token)."""
    return _by_hash(GuardianConsentLink.token_hash, token)


def find_for_withdrawal(token: str) -> GuardianConsentLink | None:
    """The answered link whose withdraw token (from the receipt page or e-mail) this is."""
    link = _by_hash(GuardianConsentLink.withdraw_hash, token)
    return link or _by_hash(GuardianConsentLink.mailed_withdraw_hash, token)


def refusal(link: GuardianConsentLink) -> str | None:
    """Why this giving link cannot be used now (in words for the guardian), or None."""
    if link.used_at is not None:
        return _l("This link was used already: the answer is recorded. Each link works once.")
    if link.expires_at <= now():
        return _l("This link has expired. Ask the youth worker for a new one.")
    if gone(link.ambassador):
        return _l("This link no longer works. Ask the youth worker if anything is unclear.")
    return None


@dataclass
class Answer:
    """What the guardian answered on the form."""

    given: list[ConsentPurpose]
    declined: list[ConsentPurpose]
    guardian_name: str
    relation: str
    email: str | None = None


def give(link: GuardianConsentLink, *, answer: Answer) -> str:
    """Record the guardian's answer once; returns the withdraw token for the receipt.

    Refused before anything is written (used, expired, the person erased or withdrawn, nothing
    left to ask); the spend decides between two racing answers.
    """
    why = refusal(link)
    if why:
        raise DomainError(why)
    ambassador = link.ambassador
    asked = asked_for(ambassador)
    if not asked:
        raise DomainError(_l("Every consent this link asked for is recorded already."))
    still_valid = GuardianConsentLink.expires_at > now()
    if spend(GuardianConsentLink, link.id, "used_at", still_valid) is None:
        raise DomainError(_l("This link was used already: the answer is recorded."))
    withdraw_token, withdraw_hash = new_token()
    link.used_at = now()
    link.guardian_name = answer.guardian_name
    link.relation = answer.relation
    link.receipt_email = answer.email or None
    link.declined = " ".join(p.value for p in answer.declined if p in asked) or None
    link.withdraw_hash = withdraw_hash
    for purpose in (p for p in answer.given if p in asked):
        consent = Consent(
            municipality_id=ambassador.municipality_id,
            ambassador_id=ambassador.id,
            purpose=purpose,
            given_by=ConsentGiver.GUARDIAN,
            guardian_name=answer.guardian_name,
            method=ConsentMethod.ONLINE,
            given_on=consent_rules.today(),
            link_id=link.id,
        )
        db.session.add(consent)
        db.session.flush()
        audit.record(
            "consent.given", target=consent, purpose=str(purpose), given_by="guardian_online"
        )
    audit.record(
        "guardian_consent.answered",
        target=link,
        given=len([p for p in answer.given if p in asked]),
        declined=len(link.declined.split()) if link.declined else 0,
    )
    if link.receipt_email:
        job = outbox.queue(MailKind.CONSENT_RECEIPT, link.receipt_email)
        job.consent_link_id = link.id
    db.session.flush()
    return withdraw_token


def consents_of(link: GuardianConsentLink) -> list[Consent]:
    """The consents given through this link, standing ones first."""
    return list(
        db.session.scalars(
            select(Consent)
            .where(Consent.link_id == link.id)
            .order_by(Consent.withdrawn_at.is_not(None), Consent.id)
        )
    )


def withdraw(link: GuardianConsentLink, purpose: ConsentPurpose) -> Consent:
    """The guardian withdraws one consent given through this link, at once; the staff who
    lead the young person's cohorts are told, and a login it allowed stops."""
    consent = db.session.scalar(
        select(Consent).where(
            Consent.link_id == link.id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
    )
    if consent is None or spend(Consent, consent.id, "withdrawn_at") is None:
        raise DomainError(_l("This consent is withdrawn already."))
    consent.withdrawn_at = now()
    db.session.flush()
    audit.record("consent.withdrawn", target=consent, purpose=str(purpose), by="guardian_online")
    # Imported here, like ambassadors/services.py does: the notifications package loads pages
    # that read consents.
    from ..notifications import services as notifications

    notifications.consent_withdrawn(link.ambassador, consent_id=consent.id, actor=None)
    if purpose == ConsentPurpose.PARTICIPATION:
        ambassador_services.stop_login_if_refused(link.ambassador, actor=None)
    return consent


def receipt_token(link: GuardianConsentLink) -> str:
    """A second withdraw token, for the receipt e-mail (the page's is not kept in clear)."""
    token, token_hash = new_token()
    link.mailed_withdraw_hash = token_hash
    db.session.flush()
    return token
