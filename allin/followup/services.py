"""Writes of the follow-up: check-ins made at the launch, and completing one (once)."""

from __future__ import annotations

import calendar
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import audit
from ..clock import now
from ..enums import CheckInStatus, TimelineKind
from ..errors import DomainError
from ..extensions import db
from ..models import ConceptCheckIn, Municipality, TimelineEntry, User
from ..models.followup import MONTHS, NOTE_LENGTH
from ..training.times import today
from .rules import can_complete, can_own


def months_after(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule(concept, *, owner_id: int | None, actor) -> list[ConceptCheckIn]:
    """At the launch: a check-in at 3, 6 and 12 months, owned by `owner_id` (staff of the
    concept's municipality). A concept launched again keeps the check-ins it has."""
    owner = db.session.get(User, owner_id) if owner_id else None
    if not can_own(owner, concept.municipality_id):
        raise DomainError(_l("Choose who in the municipality owns the concept after launch."))
    have = set(
        db.session.scalars(
            select(ConceptCheckIn.months).where(ConceptCheckIn.concept_id == concept.id)
        )
    )
    launched = today()
    made = [
        ConceptCheckIn(
            municipality_id=concept.municipality_id,
            concept_id=concept.id,
            owner_id=owner.id,
            months=months,
            due_on=months_after(launched, months),
        )
        for months in MONTHS
        if months not in have
    ]
    db.session.add_all(made)
    audit.record("concept.checkins_made", actor=actor, target=concept, owner=owner.id)
    return made


def complete(
    check_in: ConceptCheckIn, *, actor, status: CheckInStatus, reach: int | None, note: str
) -> None:
    """Record how the concept is doing: once (a conditional UPDATE decides)."""
    if not can_complete(actor, check_in):
        raise DomainError(
            _l("Only the concept's owner or a coordinator of the municipality can do this.")
        )
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise DomainError(_l("Use at most %(max)s characters.", max=NOTE_LENGTH))
    result = db.session.execute(
        update(ConceptCheckIn)
        .where(ConceptCheckIn.id == check_in.id, ConceptCheckIn.completed_at.is_(None))
        .values(
            completed_at=now(),
            completed_by_id=actor.id,
            status=status,
            reach=reach,
            note=note,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("This check-in has been done already."))
    _on_timeline(check_in, actor=actor, status=status, reach=reach, note=note)
    audit.record("concept.checkin_done", actor=actor, target=check_in, status=status.value)


def _on_timeline(check_in: ConceptCheckIn, *, actor, status, reach, note) -> None:
    """The check-in as a line of the concept's timeline, by who did it, in the language of
    the concept's municipality (the timeline is the team's, read by all of it)."""
    municipality = db.session.get(Municipality, check_in.municipality_id)
    with force_locale(municipality.language):
        lines = [
            _(
                "Check-in after %(months)s months: %(status)s.",
                months=check_in.months,
                status=status.label,
            )
        ]
        if reach is not None:
            lines[0] += " " + _("Reach: %(count)s.", count=reach)
    if note:
        lines.append(note)
    db.session.add(
        TimelineEntry(
            concept_id=check_in.concept_id,
            kind=TimelineKind.PROGRESS,
            author_id=actor.id,
            text="\n".join(lines),
        )
    )
