"""Erasure (issue 21, SECURITY 27): an ambassador's or a staff member's personal data goes,
what the programme did stays.

An erased ambassador keeps their row, their enrolments and their attendance, so that every
count in the report stays as it was; the row says "Former ambassador" and nothing else (no
birth year, class, contact or guardian). Their consents, their login (the account, its
sessions, sign-in and password links, codes) and the photos that may show them are deleted;
concept texts stay with the team, with the person's full name replaced wherever it was
written. An erased staff account keeps its row under a pseudonym ("Former staff member #12"),
so the audit trail still tells one person's actions apart without saying who.

Everything here is one transaction, set-based over the ids (bulk UPDATE and DELETE, not a loop
of ORM objects), so that the retention command erases hundreds at once; the caller commits.
Files are deleted only after the commit (concepts/files.py's hook); a crash in between leaves
files no row names, which `flask --app allin sweep-files` removes.

A legal hold (`Ambassador.hold_reason`) refuses erasure, by hand or by retention.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, or_, select, update

from . import audit
from .access import Perm, can
from .clock import now
from .concepts.files import forget_after_commit
from .enums import Role
from .errors import DomainError
from .extensions import db
from .models import (
    Ambassador,
    Attachment,
    AttachmentSubject,
    AuditEvent,
    Certificate,
    CohortImport,
    Concept,
    ConceptMember,
    Consent,
    Enrolment,
    GuardianConsentLink,
    Invitation,
    LoginSession,
    MailJob,
    Notification,
    PasswordReset,
    PendingSignIn,
    RecoveryCode,
    TimelineEntry,
    User,
    cohort_lead,
)
from .models.ambassadors import name_key


def former_ambassador() -> str:
    """What an erased ambassador is called, in the installation's language (the row is read by
    everyone, so it is written once in one language)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("Former ambassador")


def former_staff(user_id: int) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _("Former staff member #%(number)s", number=user_id)


@dataclass
class Erased:
    """What an erasure did: the ids erased, and those it left (held, or erased before)."""

    erased: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    logins: int = 0
    consents: int = 0
    photos: int = 0


# ---- one ambassador, by a coordinator ---------------------------------------------------------


def may_erase(actor, ambassador: Ambassador) -> bool:
    """Erase (or hold) an ambassador's data: a coordinator of their municipality."""
    return (
        can(actor, Perm.ERASE_AMBASSADORS) and actor.municipality_id == ambassador.municipality_id
    )


def what_goes(ambassador: Ambassador) -> dict:
    """For the confirmation page: what erasing this person deletes (counts, no values)."""
    uploader = [ambassador.user_id] if ambassador.user_id else []
    photos = db.session.scalar(
        select(func.count()).select_from(_photos_of([ambassador.id], uploader).subquery())
    )
    consents = db.session.scalar(
        select(func.count()).select_from(Consent).where(Consent.ambassador_id == ambassador.id)
    )
    return {
        "consents": consents or 0,
        "login": ambassador.user_id is not None,
        "photos": photos or 0,
        "contacts": any(
            (ambassador.phone, ambassador.email, ambassador.school, ambassador.guardian_name)
        ),
    }


def erase_ambassador(ambassador: Ambassador, *, actor) -> Erased:
    """Erase one person now; a hold or an earlier erasure is refused with its reason."""
    if not may_erase(actor, ambassador):
        raise DomainError(_l("Only the municipality's coordinators erase an ambassador."))
    if ambassador.erased_at is not None:
        raise DomainError(_l("This person's data was erased already. Nothing was changed."))
    if ambassador.on_hold:
        raise DomainError(
            _l(
                "A legal hold is set on this person (%(reason)s): their data cannot be erased "
                "until the hold is lifted.",
                reason=ambassador.hold_reason,
            )
        )
    done = erase_ambassadors([ambassador.id], actor=actor, reason="manual")
    if not done.erased:  # erased or held by someone else in the meantime
        raise DomainError(_l("This person's data was erased already. Nothing was changed."))
    return done


# ---- many, set-based --------------------------------------------------------------------------


def erase_ambassadors(ids, *, actor=None, reason: str) -> Erased:
    """Erase the ambassadors `ids` that are neither held nor erased; flushes, never commits."""
    ids = sorted(set(ids))
    result = Erased()
    if not ids:
        return result
    db.session.flush()
    people = db.session.execute(
        select(
            Ambassador.id,
            Ambassador.name,
            Ambassador.email,
            Ambassador.user_id,
            Ambassador.erased_at,
            Ambassador.hold_reason,
        )
        .where(Ambassador.id.in_(ids))
        .order_by(Ambassador.id)
    ).all()
    result.already = [p.id for p in people if p.erased_at is not None]
    result.held = [p.id for p in people if p.erased_at is None and p.hold_reason is not None]
    former = former_ambassador()
    # The database decides which rows this erases: of two racing erasures one does it.
    erased = set(
        db.session.scalars(
            update(Ambassador)
            .where(
                Ambassador.id.in_(ids),
                Ambassador.erased_at.is_(None),
                Ambassador.hold_reason.is_(None),
            )
            .values(
                name=former,
                name_key=name_key(former),
                birth_year=None,
                school=None,
                phone=None,
                email=None,
                guardian_name=None,
                guardian_phone=None,
                guardian_email=None,
                user_id=None,
                erased_at=now(),
            )
            .returning(Ambassador.id)
            .execution_options(synchronize_session=False)
        )
    )
    result.erased = sorted(erased)
    if not erased:
        return result
    people = [p for p in people if p.id in erased]
    user_ids = [p.user_id for p in people if p.user_id is not None]
    result.consents = _delete(Consent, Consent.ambassador_id.in_(erased))
    # A guardian's consent links hold the guardian's name, relation and e-mail (issue 25); a
    # receipt still waiting to be sent goes with them.
    links = select(GuardianConsentLink.id).where(GuardianConsentLink.ambassador_id.in_(erased))
    _delete(MailJob, MailJob.consent_link_id.in_(links))
    _delete(GuardianConsentLink, GuardianConsentLink.ambassador_id.in_(erased))
    # The certificate's public verification address stops working (it named the person).
    _delete(Certificate, Certificate.ambassador_id.in_(erased))
    # What the app told staff about the person (an early warning, a retention notice) would
    # stay as news of a "former ambassador": it goes with them.
    _delete(Notification, Notification.ambassador_id.in_(erased))
    result.photos = _delete_photos(erased, user_ids)
    _forget_texts(people, former)
    _delete_logins(user_ids, erased, [p.email for p in people if p.email])
    result.logins = len(user_ids)
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.ambassador_id.in_(erased))
        .values(withdrawal_note=None, feed_token=None)
        .execution_options(synchronize_session=False)
    )
    _drop_previews(people)
    _audit_many(people, actor=actor, reason=reason)
    db.session.expire_all()
    return result


def _delete(model, *where) -> int:
    stmt = delete(model).where(*where).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount or 0


def _photos_of(ambassador_ids, user_ids=()):
    """Photos that may show these people: they were on the team when it was added, or they
    added it themselves."""
    shown = select(AttachmentSubject.attachment_id).where(
        AttachmentSubject.ambassador_id.in_(ambassador_ids)
    )
    return select(Attachment.id, Attachment.stored_name).where(
        Attachment.shows_people.is_(True),
        or_(Attachment.id.in_(shown), Attachment.uploaded_by_id.in_(list(user_ids))),
    )


def _delete_photos(erased, user_ids) -> int:
    """The rows now, the files after the commit."""
    photos = db.session.execute(_photos_of(erased, user_ids)).all()
    ids = [photo.id for photo in photos]
    if ids:
        _delete(AttachmentSubject, AttachmentSubject.attachment_id.in_(ids))
        _delete(Attachment, Attachment.id.in_(ids))
        forget_after_commit(photo.stored_name for photo in photos)
    # Who was on the team when a file without people was added: nobody's business now.
    _delete(AttachmentSubject, AttachmentSubject.ambassador_id.in_(erased))
    return len(ids)


def _forget_texts(people, former: str) -> None:
    """The concepts stay with the team; where someone wrote an erased person's full name, or
    their first name (see _names_by_concept), in them (a title, the idea, a timeline update,
    a file's name), it now says `former`.

    Set-based: one query finds whose names each concept may hold, one reads each kind of
    text of those concepts, and the rows that change are written in one executemany per
    table (a REPLACE() per person and table took 40 s for 4,200 people)."""
    names = _names_by_concept(people)
    if not names:
        return
    texts = (
        (Concept, Concept.id, ("title", "challenge", "target_group", "idea", "stop_reason")),
        (TimelineEntry, TimelineEntry.concept_id, ("text",)),
        (Attachment, Attachment.concept_id, ("original_name",)),
    )
    for model, concept_column, columns in texts:
        stmt = select(model.id, concept_column, *(getattr(model, c) for c in columns)).where(
            concept_column.in_(list(names))
        )
        changed = []
        for row in db.session.execute(stmt):
            before = dict(zip(columns, row[2:], strict=True))
            after = {c: _scrub(text, names[row[1]], former) for c, text in before.items()}
            if after != before:
                changed.append({"id": row[0], **after})
        if changed:
            db.session.execute(update(model), changed)


def _names_by_concept(people) -> dict[int, re.Pattern]:
    """{concept id: what to replace in its texts}: the full names of the erased people its
    team had (longest first, so that "Liv Berg Nilsen" is not half-replaced by "Liv Berg"),
    and each one's first name as a whole word, unless someone else on that team, now or
    before, has the same first name (their credit stays). One query."""
    name_of = {p.id: p.name.strip() for p in people if p.name and p.name.strip()}
    touched = (
        select(ConceptMember.concept_id)
        .join(Enrolment, Enrolment.id == ConceptMember.enrolment_id)
        .where(Enrolment.ambassador_id.in_(list(name_of)))
    )
    rows = db.session.execute(
        select(ConceptMember.concept_id, Enrolment.ambassador_id, Ambassador.name)
        .join(Enrolment, Enrolment.id == ConceptMember.enrolment_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .where(ConceptMember.concept_id.in_(touched))
    )
    erased: dict[int, set[str]] = {}
    others: dict[int, set[str]] = {}
    for concept_id, ambassador_id, name in rows:
        if ambassador_id in name_of:
            erased.setdefault(concept_id, set()).add(name_of[ambassador_id])
        elif name:
            others.setdefault(concept_id, set()).add(_first(name))
    return {
        concept_id: _pattern(names, others.get(concept_id, set()))
        for concept_id, names in erased.items()
    }


def _first(name: str) -> str:
    return name.split()[0] if name.split() else ""


def _pattern(names: set[str], kept_first_names: set[str]) -> re.Pattern:
    full = sorted(names, key=len, reverse=True)
    firsts = {_first(n) for n in names} - kept_first_names - set(full)
    words = [rf"(?<!\w){re.escape(f)}(?!\w)" for f in sorted(firsts, key=len, reverse=True)]
    return re.compile("|".join([*(re.escape(n) for n in full), *words]))


def _scrub(text: str | None, pattern: re.Pattern, former: str) -> str | None:
    return pattern.sub(former, text) if text else text


def _replace(model, where, values) -> None:
    db.session.execute(
        update(model).where(where).values(values).execution_options(synchronize_session=False)
    )


def _delete_logins(user_ids, erased, emails) -> None:
    """The accounts go with everything that hangs on them (sessions, links, codes, what they
    last read: ON DELETE CASCADE), and the links that would make a new one."""
    _delete(
        Invitation,
        or_(Invitation.ambassador_id.in_(erased), Invitation.user_id.in_(user_ids)),
    )
    if user_ids:
        logins = [
            login
            for row in db.session.execute(
                select(User.email, User.username).where(User.id.in_(user_ids))
            )
            for login in row
            if login
        ]
        emails = [*emails, *logins]
        for model in (LoginSession, PasswordReset, PendingSignIn, RecoveryCode):
            _delete(model, model.user_id.in_(user_ids))
        _delete(User, User.id.in_(user_ids))
    if emails:
        _delete(MailJob, func.lower(MailJob.recipient).in_([e.lower() for e in emails]))


def _drop_previews(people) -> None:
    """A spreadsheet preview not yet confirmed holds the names it read: those naming an
    erased person go (the coordinator uploads the sheet again if it is still wanted)."""
    names = [p.name for p in people if p.name]
    previews = db.session.execute(
        select(CohortImport.id, CohortImport.payload).where(CohortImport.confirmed_at.is_(None))
    ).all()
    doomed = [
        preview.id
        for preview in previews
        if any(name in json.dumps(preview.payload, ensure_ascii=False) for name in names)
    ]
    if doomed:
        _delete(CohortImport, CohortImport.id.in_(doomed))


def _audit_many(people, *, actor, reason: str) -> None:
    """One event per person: who erased whom (by id) and why; no erased value."""
    municipality = dict(
        db.session.execute(
            select(Ambassador.id, Ambassador.municipality_id).where(
                Ambassador.id.in_([p.id for p in people])
            )
        ).all()
    )
    when = now()
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "created_at": when,
                "actor_id": getattr(actor, "id", None),
                "action": "ambassador.erased",
                "object_type": "ambassador",
                "object_id": person.id,
                "municipality_id": municipality[person.id],
                "detail": {"reason": reason},
            }
            for person in people
        ],
    )


# ---- legal hold -------------------------------------------------------------------------------


def set_hold(ambassador: Ambassador, *, actor, reason: str) -> None:
    if not may_erase(actor, ambassador):
        raise DomainError(_l("Only the municipality's coordinators set a legal hold."))
    if ambassador.erased_at is not None:
        raise DomainError(_l("This person's data was erased already: there is nothing to hold."))
    if ambassador.hold_reason == reason:
        return  # the same hold, saved again: it stands as it was set
    ambassador.hold_reason = reason
    ambassador.hold_set_at = now()
    ambassador.hold_set_by_id = actor.id
    audit.record("ambassador.hold_set", actor=actor, target=ambassador)


def clear_hold(ambassador: Ambassador, *, actor) -> None:
    if not may_erase(actor, ambassador):
        raise DomainError(_l("Only the municipality's coordinators lift a legal hold."))
    if not ambassador.on_hold:
        raise DomainError(_l("No legal hold is set on this person."))
    ambassador.hold_reason = None
    ambassador.hold_set_at = None
    ambassador.hold_set_by_id = None
    audit.record("ambassador.hold_cleared", actor=actor, target=ambassador)


# ---- a staff account --------------------------------------------------------------------------


def can_erase_staff(actor, target: User) -> bool:
    """Erase a staff account (never an ambassador's login: that goes with their erasure)."""
    return can(actor, Perm.ERASE_STAFF) and target.role != Role.AMBASSADOR


def may_erase_staff(actor, target: User) -> bool:
    """Whether the page offers it: not oneself, not twice."""
    return can_erase_staff(actor, target) and target.id != actor.id and target.erased_at is None


def erase_staff(target: User, *, actor) -> None:
    """The account's personal data goes; the row stays under a pseudonym for the audit trail."""
    if target.id == actor.id:
        raise DomainError(_l("You cannot erase your own account."))
    if target.erased_at is not None:
        raise DomainError(_l("This account was erased already. Nothing was changed."))
    if not can_erase_staff(actor, target):
        raise DomainError(_l("Only network admins erase a staff account."))
    logins = [login for login in (target.email, target.username) if login]
    pseudonym = former_staff(target.id)
    changed = db.session.execute(
        update(User)
        .where(User.id == target.id, User.erased_at.is_(None))
        .values(
            name=pseudonym,
            email=None,
            username=f"erased-{target.id}",
            password_hash=None,
            active=False,
            language=None,
            last_login_at=None,
            totp_secret=None,
            totp_confirmed_at=None,
            totp_last_step=None,
            erased_at=now(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise DomainError(_l("This account was erased already. Nothing was changed."))
    for model in (LoginSession, PasswordReset, PendingSignIn, RecoveryCode):
        _delete(model, model.user_id == target.id)
    db.session.execute(
        delete(cohort_lead)
        .where(cohort_lead.c.user_id == target.id)
        .execution_options(synchronize_session=False)
    )
    # Invitations made for this person hold their name and address.
    invited = or_(Invitation.user_id == target.id)
    if target.email:
        invited = or_(invited, func.lower(Invitation.email) == target.email.lower())
    _replace(Invitation, invited, {"name": pseudonym, "email": None})
    if logins:
        _delete(MailJob, func.lower(MailJob.recipient).in_([x.lower() for x in logins]))
    audit.record("user.erased", actor=actor, target=target)
    db.session.flush()
    db.session.expire_all()
