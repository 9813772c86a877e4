"""Writes of the spread: a draft concept started from another city's best case."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..enums import CohortStatus, ConceptStage, GuideStatus, TimelineKind
from ..errors import DomainError
from ..extensions import db
from ..models import Cohort, Concept, Municipality, TimelineEntry
from .rules import can_start_from


def start_from(entry, *, cohort: Cohort | None, members: int, actor) -> Concept:
    """A draft in `cohort` (one of the actor's, with members) with the original's text: no
    team, no files, no reach, the stage an idea. `based_on_id` keeps the link."""
    if entry.status != GuideStatus.PUBLISHED:
        raise DomainError(_l("Only a published best case can be started in another city."))
    if not can_start_from(actor, entry):
        raise DomainError(_l("This best case is from your own municipality."))
    if cohort is None or cohort.status == CohortStatus.COMPLETED:
        raise DomainError(_l("Choose one of your cohorts."))
    if members == 0:
        raise DomainError(
            _l("%(name)s has no ambassadors yet. Choose a cohort with members.", name=cohort.name)
        )
    original = db.session.scalar(select(Concept).where(Concept.id == entry.concept_id))
    if original is None:
        raise DomainError(_l("The concept behind this best case is gone."))
    copy = Concept(
        municipality_id=cohort.municipality_id,
        cohort_id=cohort.id,
        title=original.title,
        challenge=original.challenge,
        target_group=original.target_group,
        idea=original.idea,
        format=original.format,
        stage=ConceptStage.IDEA,
        created_by_id=actor.id,
        based_on_id=original.id,
    )
    db.session.add(copy)
    db.session.flush()
    _on_timelines(original, copy, actor=actor)
    audit.record("concept.started_from", actor=actor, target=copy, original=original.id)
    return copy


def _on_timelines(original: Concept, copy: Concept, *, actor) -> None:
    """Both timelines say where the concept went or came from, each in its own municipality's
    language; the pages' "Between cities" reads the names as they are now."""
    there = db.session.get(Municipality, original.municipality_id)
    here = db.session.get(Municipality, copy.municipality_id)
    with force_locale(here.language):
        started = _("Started from %(city)s's “%(title)s”.", city=there.name, title=original.title)
    with force_locale(there.language):
        spread = _("%(city)s started a concept from this one.", city=here.name)
    for concept, text in ((copy, started), (original, spread)):
        db.session.add(
            TimelineEntry(
                concept_id=concept.id, kind=TimelineKind.PROGRESS, author_id=actor.id, text=text
            )
        )
