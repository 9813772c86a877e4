"""A cohort's concepts as a table for a spreadsheet: title, team, stage, the day each stage was
reached and the latest reach figures, in three queries whatever the number of concepts."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..access import visible
from ..collation import sort_key
from ..enums import ConceptStage, ReachKind, TimelineKind
from ..exports import Table
from ..extensions import db
from ..models import Concept, ConceptMember, Enrolment, ReachFigure, TimelineEntry
from ..training.times import local_date


def concept_table(actor, cohort) -> Table:
    concepts = list(
        db.session.scalars(
            visible(Concept, actor)
            .where(Concept.cohort_id == cohort.id)
            .options(
                db.joinedload(Concept.mentor),
                db.joinedload(Concept.members)
                .joinedload(ConceptMember.enrolment)
                .joinedload(Enrolment.ambassador),
            )
            .order_by(Concept.created_at, Concept.id)
        ).unique()
    )
    ids = [c.id for c in concepts]
    reached = _stage_days(ids)
    reach = _latest_reach(ids)
    headings = [_("Title"), _("Format"), _("Stage"), _("Team"), _("Mentor"), _("Submitted")]
    headings += [_("Reached: %(stage)s", stage=stage.label) for stage in ConceptStage]
    headings += [str(kind.label) for kind in ReachKind]
    rows = []
    for concept in concepts:
        team = sorted((m.enrolment.ambassador.name for m in concept.members), key=sort_key)
        # An idea from the day it was made (submitting a draft writes an "idea" line too).
        reached[(concept.id, ConceptStage.IDEA)] = local_date(concept.created_at)
        rows.append(
            [
                concept.title,
                str(concept.format.label),
                str(concept.stage.label),
                ", ".join(team),
                concept.mentor.name if concept.mentor else None,
                local_date(concept.submitted_at) if concept.submitted_at else None,
                *(reached.get((concept.id, stage)) for stage in ConceptStage),
                *(reach.get((concept.id, kind)) for kind in ReachKind),
            ]
        )
    return Table(_("Concepts"), headings, rows)


def _stage_days(ids: list[int]) -> dict:
    """(concept, stage) -> the day the concept last moved to that stage."""
    stmt = (
        select(TimelineEntry.concept_id, TimelineEntry.to_stage, func.max(TimelineEntry.created_at))
        .where(
            TimelineEntry.concept_id.in_(ids),
            TimelineEntry.kind == TimelineKind.STAGE_CHANGE,
            TimelineEntry.to_stage.is_not(None),
        )
        .group_by(TimelineEntry.concept_id, TimelineEntry.to_stage)
    )
    return {(c, ConceptStage(s)): local_date(at) for c, s, at in db.session.execute(stmt)}


def _latest_reach(ids: list[int]) -> dict:
    """(concept, kind) -> the figure measured last."""
    stmt = (
        select(ReachFigure.concept_id, ReachFigure.kind, ReachFigure.value)
        .where(ReachFigure.concept_id.in_(ids))
        .order_by(ReachFigure.measured_on, ReachFigure.id)
    )
    return {(c, ReachKind(k)): value for c, k, value in db.session.execute(stmt)}
