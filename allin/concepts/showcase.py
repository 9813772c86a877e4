"""Best cases: a launched concept proposed for the guide, and what of it may be public.

SECURITY decision 6: a team member's name is public only with a publish_name consent that
counts today, a photo showing ambassadors only when everyone who was ever on the team, and
everyone on it when the photo was uploaded, has a photo consent that counts today; otherwise
"an ALL'IN ambassador" and no photo. Computed on every render from the consents as they
stand, never copied into the entry, so a withdrawal shows at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, false, or_, select

from .. import audit
from ..ambassadors.rules import counts_in_sql
from ..collation import nb_order
from ..enums import ConsentPurpose, EnrolmentStatus, GuideKind, GuideStatus, Language, Phase
from ..errors import DomainError
from ..extensions import db
from ..markdown import render_markdown
from ..models import (
    Ambassador,
    Attachment,
    AttachmentSubject,
    Concept,
    ConceptMember,
    Consent,
    Enrolment,
    GuideEntry,
    GuideRevision,
    Municipality,
    User,
)
from ..models.guide import SUMMARY_LENGTH
from .rules import can_propose_best_case


def proposed_entry(concept: Concept) -> GuideEntry | None:
    return db.session.scalar(
        select(GuideEntry).where(GuideEntry.concept_id == concept.id).order_by(GuideEntry.id)
    )


def _body(concept: Concept) -> str:
    parts = []
    if concept.challenge:
        parts.append(f"## {_('The challenge')}\n\n{concept.challenge}")
    if concept.idea:
        parts.append(f"## {_('The idea')}\n\n{concept.idea}")
    if concept.target_group:
        parts.append(f"## {_('Target group')}\n\n{concept.target_group}")
    return "\n\n".join(parts)


def propose_best_case(concept: Concept, *, actor: User, language: Language) -> GuideEntry:
    """A draft guide entry of kind best case about the concept, in the municipality's scope;
    coordinators then edit and publish it in the guide. Names are never written into it."""
    from ..guide.services import free_slug

    if not can_propose_best_case(actor, concept):
        raise DomainError(_l("Only launched or sustained concepts can become best cases."))
    if proposed_entry(concept) is not None:
        raise DomainError(_l("This concept is already proposed as a best case."))
    body = _body(concept)
    summary = (concept.challenge or concept.idea or concept.title).replace("\n", " ")
    entry = GuideEntry(
        kind=GuideKind.BEST_CASE,
        phase=Phase.LAUNCH,
        language=language,
        status=GuideStatus.DRAFT,
        title=concept.title,
        slug=free_slug(concept.title, language),
        summary=summary[:SUMMARY_LENGTH],
        body=body,
        body_html=str(render_markdown(body)),
        tags="",
        pair_key=uuid.uuid4().hex,
        municipality_id=concept.municipality_id,
        author_id=actor.id,
        concept_id=concept.id,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add(GuideRevision.of(entry, number=1, note="created", editor_id=actor.id))
    audit.record("concept.best_case_proposed", actor=actor, target=concept, entry=entry.id)
    db.session.flush()
    return entry


def _consent(purpose: ConsentPurpose):
    """A standing consent for `purpose` that counts today, of the outer query's ambassador."""
    return (
        select(Consent.id)
        .join(Municipality, Municipality.id == Consent.municipality_id)
        .where(
            Consent.ambassador_id == Ambassador.id,
            Consent.purpose == purpose,
            counts_in_sql(),
        )
        .correlate(Ambassador)
        .exists()
    )


@dataclass(frozen=True)
class Showcase:
    """What a public best-case page may show of its concept."""

    names: list[str]
    photos: list[Attachment]
    anonymous_count: int


def _may_show_people(everyone: list) -> ColumnElement[bool]:
    """A photo showing people may be public when everyone who was ever on the team has a
    photo consent that counts (that covers who joined after the upload, and who left), and so
    has everyone recorded on the photo as on the team when it was uploaded."""
    if not everyone or not all(row.photo for row in everyone):
        return false()
    unconsented_subject = (
        select(AttachmentSubject.ambassador_id)
        .join(Ambassador, Ambassador.id == AttachmentSubject.ambassador_id)
        .where(AttachmentSubject.attachment_id == Attachment.id, ~_consent(ConsentPurpose.PHOTO))
        .correlate(Attachment)
        .exists()
    )
    return ~unconsented_subject


def public_view(concept_id: int | None) -> Showcase | None:
    """Names and photos of a best case's concept that may be public right now (two queries)."""
    if concept_id is None:
        return None
    # Every member who was ever on the team: one who has left may still be in the photos.
    everyone = db.session.execute(
        select(
            Ambassador.name,
            _consent(ConsentPurpose.PUBLISH_NAME).label("publish_name"),
            _consent(ConsentPurpose.PHOTO).label("photo"),
            and_(
                Enrolment.status != EnrolmentStatus.WITHDRAWN, ConceptMember.left_at.is_(None)
            ).label("current"),
        )
        .join(Enrolment, Enrolment.ambassador_id == Ambassador.id)
        .join(ConceptMember, ConceptMember.enrolment_id == Enrolment.id)
        .where(ConceptMember.concept_id == concept_id)
        .order_by(nb_order(Ambassador.name), Ambassador.id)
    ).all()
    rows = [row for row in everyone if row.current]  # names: the current team only
    names = [row.name for row in rows if row.publish_name]
    condition = and_(
        Attachment.content_type.like("image/%"),
        or_(Attachment.shows_people.is_(False), _may_show_people(everyone)),
    )
    photos = list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.concept_id == concept_id, condition)
            .order_by(Attachment.created_at, Attachment.id)
            .limit(6)
        )
    )
    return Showcase(names=names, photos=photos, anonymous_count=len(rows) - len(names))


def public_photo(attachment_id: int) -> Attachment | None:
    """An attachment that may be shown publicly now: an image of a published best case's
    concept that shows nobody, or whose whole team has photo consent."""
    attachment = db.session.scalar(
        select(Attachment)
        .join(GuideEntry, GuideEntry.concept_id == Attachment.concept_id)
        .where(Attachment.id == attachment_id, GuideEntry.status == GuideStatus.PUBLISHED)
        .limit(1)
    )
    if attachment is None:
        return None
    view = public_view(attachment.concept_id)
    return attachment if any(p.id == attachment.id for p in view.photos) else None
