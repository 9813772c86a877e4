"""Reads for the concept pages; every one starts from access.visible(), and each page loads
what it shows in a fixed number of queries whatever the number of concepts or entries."""

from __future__ import annotations

from collections import Counter, defaultdict

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, select

from ..access import can_lead, visible
from ..collation import nb_order
from ..enums import ConceptStage, EnrolmentStatus, Role, TimelineKind
from ..extensions import db
from ..models import (
    Ambassador,
    Attachment,
    Cohort,
    Concept,
    ConceptMember,
    ConceptSeen,
    Enrolment,
    ReachFigure,
    TimelineEntry,
    User,
)
from ..models.ambassadors import name_key
from ..namesakes import Namesakes

BOARD_COLUMN = 30  # concepts per stage on the board; the stage's own list has them all
TIMELINE_PER_PAGE = 20


def concept_page(actor, concept_id: int) -> Concept:
    """One visible concept with its cohort, mentor and team (names), else 404."""
    stmt = (
        visible(Concept, actor)
        .options(
            db.joinedload(Concept.cohort),
            db.joinedload(Concept.mentor),
            db.joinedload(Concept.members)
            .joinedload(ConceptMember.enrolment)
            .joinedload(Enrolment.ambassador),
        )
        .where(Concept.id == concept_id)
    )
    concept = db.session.scalars(stmt).unique().one_or_none()
    if concept is None:
        abort(404)
    return concept


def timeline(concept: Concept) -> Select:
    """The concept's timeline, newest first (ties: the later line first), with authors."""
    return (
        select(TimelineEntry)
        .options(db.joinedload(TimelineEntry.author))
        .where(TimelineEntry.concept_id == concept.id)
        .order_by(TimelineEntry.created_at.desc(), TimelineEntry.id.desc())
    )


def attachments(actor, concept: Concept) -> list[Attachment]:
    """The concept's files that `actor` may open (concepts/rules.py: photos of people stay
    with the team and staff)."""
    stmt = (
        visible(Attachment, actor)
        .where(Attachment.concept_id == concept.id)
        .order_by(Attachment.created_at.desc(), Attachment.id.desc())
    )
    return list(db.session.scalars(stmt))


def reach(concept: Concept) -> list[ReachFigure]:
    """Every figure, oldest first (the chart reads left to right)."""
    stmt = (
        select(ReachFigure)
        .where(ReachFigure.concept_id == concept.id)
        .order_by(ReachFigure.measured_on, ReachFigure.id)
    )
    return list(db.session.scalars(stmt))


def seen_at(actor, concept: Concept):
    return db.session.scalar(
        select(ConceptSeen.seen_at).where(
            ConceptSeen.user_id == actor.id, ConceptSeen.concept_id == concept.id
        )
    )


def has_unseen_feedback(concept: Concept, last_seen) -> bool:
    """Feedback newer than `last_seen` (or any feedback when never opened): opening the
    concept now reads it. Without any, the page writes nothing."""
    stmt = select(TimelineEntry.id).where(
        TimelineEntry.concept_id == concept.id, TimelineEntry.kind == TimelineKind.FEEDBACK
    )
    if last_seen is not None:
        stmt = stmt.where(TimelineEntry.created_at > last_seen)
    return db.session.scalar(stmt.limit(1)) is not None


def team_choices(cohort: Cohort) -> list[tuple[int, str]]:
    """The cohort's enrolled ambassadors (not withdrawn), by name: (enrolment id, label), the
    label telling apart people with the same first name (told_apart)."""
    stmt = (
        select(Enrolment.id, Ambassador.name, Ambassador.school, Ambassador.birth_year)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .order_by(nb_order(Ambassador.name), Enrolment.id)
    )
    return told_apart(db.session.execute(stmt).all())


def told_apart(rows) -> list[tuple[int, str]]:
    """(id, label) of rows with name, school and birth_year: the full name, and where another
    row shares the first name, the class ("Liv Nilsen, 8B"), or the birth year without one;
    both where name and class are shared too."""
    namesakes = Namesakes(row.name for row in rows)
    same_class = Counter((name_key(row.name), row.school) for row in rows)
    labelled = []
    for row in rows:
        label = row.name
        if namesakes.shares_first_name(row.name):
            if row.school:
                label = f"{label}, {row.school}"
            if not row.school or same_class[(name_key(row.name), row.school)] > 1:
                label = _("%(name)s (born %(year)s)", name=label, year=row.birth_year)
        labelled.append((row.id, label))
    return labelled


def mentor_choices(municipality_id: int) -> list[tuple[int, str]]:
    """Active youth workers and coordinators of the municipality."""
    stmt = (
        select(User)
        .where(
            User.municipality_id == municipality_id,
            User.active.is_(True),
            User.role.in_((Role.YOUTH_WORKER, Role.COORDINATOR)),
        )
        .order_by(nb_order(User.name), User.id)
    )
    return [(u.id, u.name) for u in db.session.scalars(stmt) if can_lead(u, municipality_id)]


def writable_cohorts(actor) -> list[Cohort]:
    """The cohorts the actor sees (an ambassador: the ones they are in), newest first."""
    return list(
        db.session.scalars(
            visible(Cohort, actor).order_by(Cohort.starts_on.desc(), Cohort.id.desc()).limit(50)
        )
    )


def _board_stmt(actor, *, cohort_id=None, format=None) -> Select:
    stmt = visible(Concept, actor)
    if cohort_id is not None:
        stmt = stmt.where(Concept.cohort_id == cohort_id)
    if format is not None:
        stmt = stmt.where(Concept.format == format)
    return stmt


def _with_cards(stmt: Select) -> Select:
    """What a card on the board shows (cohort, team first names), newest change first."""
    return stmt.options(
        db.joinedload(Concept.cohort),
        db.joinedload(Concept.members)
        .joinedload(ConceptMember.enrolment)
        .joinedload(Enrolment.ambassador),
    ).order_by(Concept.updated_at.desc(), Concept.id.desc())


def board(actor, *, cohort_id=None, format=None) -> list[tuple[ConceptStage, list, int]]:
    """Every stage with its newest BOARD_COLUMN concepts and how many it has in all (one
    query for the counts and one per stage: the same number whatever the data)."""
    stmt = _board_stmt(actor, cohort_id=cohort_id, format=format)
    totals = dict(
        db.session.execute(
            stmt.with_only_columns(Concept.stage, func.count()).group_by(Concept.stage)
        ).all()
    )
    columns = []
    for stage in ConceptStage:
        column = _with_cards(stmt.where(Concept.stage == stage)).limit(BOARD_COLUMN)
        shown = list(db.session.scalars(column).unique())
        columns.append((stage, shown, totals.get(stage, 0)))
    return columns


def board_stage(actor, stage: ConceptStage, *, cohort_id=None, format=None) -> Select:
    """One stage's concepts, for a paginated list."""
    stmt = _board_stmt(actor, cohort_id=cohort_id, format=format).where(Concept.stage == stage)
    return _with_cards(stmt)


def counts_by_stage(actor, cohort: Cohort) -> dict[ConceptStage, int]:
    """How many of the cohort's concepts are at each stage (drafts counted with ideas)."""
    stmt = (
        visible(Concept, actor)
        .with_only_columns(Concept.stage, func.count())
        .where(Concept.cohort_id == cohort.id)
        .group_by(Concept.stage)
    )
    found = {stage: count for stage, count in db.session.execute(stmt)}
    return {stage: found.get(stage, 0) for stage in ConceptStage}


def my_concepts(actor) -> list[tuple[Concept, bool]]:
    """An ambassador's own teams' concepts, newest change first, each with whether it has
    feedback they have not seen (one query)."""
    mine = (
        select(ConceptMember.concept_id)
        .join(Enrolment, Enrolment.id == ConceptMember.enrolment_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .where(
            Ambassador.user_id == actor.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            ConceptMember.left_at.is_(None),
        )
    )
    unread = (
        select(func.count(TimelineEntry.id))
        .outerjoin(
            ConceptSeen,
            and_(
                ConceptSeen.concept_id == TimelineEntry.concept_id,
                ConceptSeen.user_id == actor.id,
            ),
        )
        .where(
            TimelineEntry.concept_id == Concept.id,
            TimelineEntry.kind == TimelineKind.FEEDBACK,
            (ConceptSeen.seen_at.is_(None)) | (TimelineEntry.created_at > ConceptSeen.seen_at),
        )
        .correlate(Concept)
        .scalar_subquery()
    )
    stmt = (
        visible(Concept, actor)
        .add_columns(unread)
        .where(Concept.id.in_(mine))
        .order_by(Concept.updated_at.desc(), Concept.id.desc())
        .limit(50)
    )
    return [(concept, count > 0) for concept, count in db.session.execute(stmt)]


def reach_series(figures: list[ReachFigure]) -> dict:
    """The figures by kind, in date order, for the chart and its table."""
    series = defaultdict(list)
    for figure in figures:
        series[figure.kind].append(figure)
    return dict(series)


def cohort_section(actor, cohort: Cohort) -> dict:
    """What the cohort home shows of its concepts: counts by stage (linking to the board for
    staff), the concepts themselves for ambassadors, and whether one may start a concept."""
    from ..access import Perm, can
    from .rules import can_create_concept_in

    staff = can(actor, Perm.REVIEW_CONCEPTS)
    listed = []
    if not staff and can(actor, Perm.VIEW_CONCEPTS):
        listed = list(
            db.session.scalars(
                visible(Concept, actor)
                .where(Concept.cohort_id == cohort.id)
                .order_by(Concept.updated_at.desc(), Concept.id.desc())
                .limit(50)
            )
        )
    return {
        "concept_counts": counts_by_stage(actor, cohort) if staff else None,
        "concept_list": listed,
        "concept_board": staff,
        "concept_new": can_create_concept_in(actor, cohort),
    }


def of_cohort(actor, cohort: Cohort) -> Select:
    """The cohort's concepts that `actor` may open, the latest changed first."""
    return (
        visible(Concept, actor)
        .where(Concept.cohort_id == cohort.id)
        .order_by(Concept.updated_at.desc(), Concept.id.desc())
    )


def concept_home(actor) -> dict:
    """An ambassador's start page: their teams' concepts, marked where feedback is unread."""
    from ..access import Perm, can

    if not can(actor, Perm.WRITE_CONCEPTS) or can(actor, Perm.REVIEW_CONCEPTS):
        return {}
    return {"my_concepts": my_concepts(actor)}
