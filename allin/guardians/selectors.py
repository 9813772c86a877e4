"""Reads of guardians' consent links for staff pages, from access.visible()."""

from __future__ import annotations

from sqlalchemy import select

from ..access import visible
from ..extensions import db
from ..models import GuardianConsentLink

LINKS_SHOWN = 10


def links_of(actor, ambassador) -> list[GuardianConsentLink]:
    """The newest consent links made for this person, with who made them: one query."""
    stmt = (
        visible(GuardianConsentLink, actor)
        .options(db.joinedload(GuardianConsentLink.created_by))
        .where(GuardianConsentLink.ambassador_id == ambassador.id)
        .order_by(GuardianConsentLink.created_at.desc(), GuardianConsentLink.id.desc())
        .limit(LINKS_SHOWN)
    )
    return list(db.session.scalars(stmt))


def link_is_for(link_id: int, ambassador_id: int) -> bool:
    """Is this consent link one of this ambassador's? (For a link shown once.)"""
    stmt = select(GuardianConsentLink.id).where(
        GuardianConsentLink.id == link_id, GuardianConsentLink.ambassador_id == ambassador_id
    )
    return db.session.scalar(stmt) is not None
