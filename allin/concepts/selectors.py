"""Reads for the concept pages; every one starts from access.visible() (the board's, built once,
from access.scoped() for a BoundActor), and each page loads what it shows in a fixed number
of queries whatever the number of concepts or entries."""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache
from typing import NamedTuple

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, func, or_, select, union_all

from ..access import BoundActor, Perm, built_once, can, can_lead, scoped, visible
from ..collation import nb_order
from ..enums import ConceptFormat, ConceptStage, EnrolmentStatus, Role, TimelineKind
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
from ..models.ambassadors import first_name, name_key
from ..namesakes import Namesakes
from .rules import can_create_concept_in

# Concepts per stage on the board, the latest changed: a glance at each stage that costs the
# same whatever the data (each card costs about as much as 1/200 of the page). "All N at this
# stage" opens the stage's own paginated list, and the cohort filter narrows the board.
BOARD_COLUMN = 3
TIMELINE_PER_PAGE = 20


@built_once
def _concept_page_stmt(actor) -> Select:
    """Built once for each kind of actor: the concept pages read their concept with it."""
    return (
        scoped(select(Concept), Concept, actor)
        .options(
            db.joinedload(Concept.cohort),
            db.joinedload(Concept.mentor),
            db.joinedload(Concept.members)
            .joinedload(ConceptMember.enrolment)
            .joinedload(Enrolment.ambassador),
        )
        .where(Concept.id == bindparam("concept"))
    )


def concept_page(actor, concept_id: int) -> Concept:
    """One visible concept with its cohort, mentor and team (names), else 404."""
    values = {**BoundActor.values(actor), "concept": concept_id}
    concept = db.session.scalars(_concept_page_stmt(actor), values).unique().one_or_none()
    if concept is None:
        abort(404)
    return concept


@cache
def _timeline() -> Select:
    return (
        select(TimelineEntry)
        .options(db.joinedload(TimelineEntry.author))
        .where(TimelineEntry.concept_id == bindparam("concept"))
        .order_by(TimelineEntry.created_at.desc(), TimelineEntry.id.desc())
    )


def timeline(concept: Concept) -> Select:
    """The concept's timeline, newest first (ties: the later line first), with authors."""
    return _timeline().params(concept=concept.id)


@built_once
def _attachments_stmt(actor) -> Select:
    return (
        scoped(select(Attachment), Attachment, actor)
        .where(Attachment.concept_id == bindparam("concept"))
        .order_by(Attachment.created_at.desc(), Attachment.id.desc())
    )


def attachments(actor, concept: Concept) -> list[Attachment]:
    """The concept's files that `actor` may open (concepts/rules.py: photos of people stay
    with the team and staff)."""
    values = {**BoundActor.values(actor), "concept": concept.id}
    return list(db.session.scalars(_attachments_stmt(actor), values))


@cache
def _reach() -> Select:
    return (
        select(ReachFigure)
        .where(ReachFigure.concept_id == bindparam("concept"))
        .order_by(ReachFigure.measured_on, ReachFigure.id)
    )


def reach(concept: Concept) -> list[ReachFigure]:
    """Every figure, oldest first (the chart reads left to right)."""
    return list(db.session.scalars(_reach(), {"concept": concept.id}))


@cache
def _seen_at() -> Select:
    return select(ConceptSeen.seen_at).where(
        ConceptSeen.user_id == bindparam("user"), ConceptSeen.concept_id == bindparam("concept")
    )


def last_seen_and_unseen(actor, concept: Concept) -> tuple[object, bool]:
    """When `actor` last opened the concept (None: never), and whether feedback came after
    that (or any, when never opened): opening it now reads that feedback. One query."""
    row = db.session.execute(_seen_and_unseen(), {"user": actor.id, "concept": concept.id}).one()
    return row[0], bool(row[1])


@cache
def _seen_and_unseen() -> Select:
    seen = _seen_at().scalar_subquery()
    newer = select(TimelineEntry.id).where(
        TimelineEntry.concept_id == bindparam("concept"),
        TimelineEntry.kind == TimelineKind.FEEDBACK,
        or_(seen.is_(None), TimelineEntry.created_at > seen),
    )
    return select(seen, newer.exists())


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


# ---- the board ----------------------------------------------------------------------------
# The staff's busiest page. Its statements are built once (functools.cache) and take bound
# parameters, read plain rows (no ORM objects to hydrate), and find their rows through
# ix_concept_municipality_id_stage_updated_at_id: a column reads at most its BOARD_COLUMN rows
# and the counts read the index alone, so the page costs the same for 9 concepts as for 9,000.


class Card(NamedTuple):
    """What a card on the board shows."""

    id: int
    title: str
    stage: ConceptStage
    format_label: str
    draft: bool
    cohort: str
    team: str  # the first names of the team, in the order they joined


def _board_scope(actor) -> tuple[tuple, dict]:
    """The board is for staff who review (the route requires REVIEW_CONCEPTS). Its statements
    start from the concept scope of access (scoped) for an actor of the same role and kind,
    with the actor's own id and municipality as bound parameters (BoundActor), so they stay
    the same from request to request: the key to build them by, and the values to run them."""
    if not can(actor, Perm.REVIEW_CONCEPTS):
        abort(403)
    return BoundActor.key(actor), BoundActor.values(actor)


def _filtered(stmt: Select, key: tuple, by_cohort: bool, by_format: bool) -> Select:
    stmt = scoped(stmt, Concept, BoundActor.like(key))
    if by_cohort:
        stmt = stmt.where(Concept.cohort_id == bindparam("cohort"))
    if by_format:
        stmt = stmt.where(Concept.format == bindparam("format"))
    return stmt


def _card_columns():
    return (
        Concept.id,
        Concept.title,
        Concept.stage,
        Concept.format,
        Concept.submitted_at.is_(None).label("draft"),
        Cohort.name.label("cohort"),
    )


_NEWEST = (Concept.updated_at.desc(), Concept.id.desc())


@cache
def _columns_stmt(key: tuple, by_cohort: bool, by_format: bool):
    """Each stage's newest :limit concepts: one LIMIT per stage in one UNION ALL, so that
    the database reads at most :limit rows a stage from the index, newest change first."""
    per_stage = [
        select(
            _filtered(select(*_card_columns(), Concept.updated_at), key, by_cohort, by_format)
            .join(Cohort, Cohort.id == Concept.cohort_id)
            .where(Concept.stage == stage)
            .order_by(*_NEWEST)
            .limit(bindparam("limit"))
            .subquery()
        )
        for stage in ConceptStage
    ]
    both = union_all(*per_stage).subquery()
    shown = [column for column in both.c if column.key != "updated_at"]
    return select(*shown).order_by(both.c.updated_at.desc(), both.c.id.desc())


@cache
def _totals_stmt(key: tuple, by_cohort: bool, by_format: bool):
    """How many concepts each stage has (from the index alone)."""
    stmt = select(Concept.stage, func.count()).group_by(Concept.stage)
    return _filtered(stmt, key, by_cohort, by_format)


@cache
def _stage_page_stmt(key: tuple, by_cohort: bool, by_format: bool):
    """One page of one stage's concepts, each row with how many the stage has in all."""
    return (
        _filtered(select(*_card_columns(), func.count().over()), key, by_cohort, by_format)
        .join(Cohort, Cohort.id == Concept.cohort_id)
        .where(Concept.stage == bindparam("stage"))
        .order_by(*_NEWEST)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def _teams_stmt():
    """The team now of each of the concepts :ids (concept id, ambassador's name)."""
    return (
        select(ConceptMember.concept_id, Ambassador.name)
        .join(Enrolment, Enrolment.id == ConceptMember.enrolment_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .where(
            ConceptMember.concept_id.in_(bindparam("ids", expanding=True)),
            ConceptMember.left_at.is_(None),
        )
        .order_by(ConceptMember.id)
    )


@built_once
def _cohorts_stmt(actor) -> Select:
    return (
        scoped(select(Cohort.id, Cohort.name), Cohort, actor)
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
        .limit(50)
    )


def board_cohorts(actor) -> list:
    """The municipality's 50 newest cohorts (id, name), for the board's cohort filter."""
    _key, values = _board_scope(actor)
    return db.session.execute(_cohorts_stmt(actor), values).all()


def _filters(actor, cohort_id, format) -> tuple[dict, tuple]:
    """The values to run the board's statements with, and what to build them by."""
    key, values = _board_scope(actor)
    if cohort_id is not None:
        values["cohort"] = cohort_id
    if format is not None:
        values["format"] = format.value
    return values, (key, cohort_id is not None, format is not None)


def _cards(rows) -> list[Card]:
    """Cards of (_card_columns) rows, with their teams' first names (one query)."""
    teams = defaultdict(list)
    if rows:
        ids = [row.id for row in rows]
        for concept_id, name in db.session.execute(_teams_stmt(), {"ids": ids}):
            teams[concept_id].append(first_name(name))
    formats = {value: str(value.label) for value in ConceptFormat}
    return [
        Card(
            row.id,
            row.title,
            row.stage,
            formats[row.format],
            row.draft,
            row.cohort,
            ", ".join(teams[row.id]),
        )
        for row in rows
    ]


def board(actor, *, cohort_id=None, format=None) -> list[tuple[ConceptStage, list, int]]:
    """Every stage with its newest BOARD_COLUMN cards and how many it has in all, in three
    queries (totals, cards, teams) whatever the data."""
    values, built = _filters(actor, cohort_id, format)
    totals = dict(db.session.execute(_totals_stmt(*built), values).all())
    rows = db.session.execute(_columns_stmt(*built), {**values, "limit": BOARD_COLUMN}).all()
    columns = {stage: [] for stage in ConceptStage}
    for card in _cards(rows):
        columns[card.stage].append(card)
    return [(stage, columns[stage], totals.get(stage, 0)) for stage in ConceptStage]


def board_stage(actor, stage: ConceptStage, *, cohort_id=None, format=None):
    """One stage's cards, for a paginated list: fetch(limit, offset) -> (cards, total)."""
    values, built = _filters(actor, cohort_id, format)
    stmt = _stage_page_stmt(*built)

    def fetch(limit: int, offset: int) -> tuple[list[Card], int]:
        page = {**values, "stage": stage.value, "limit": limit, "offset": offset}
        rows = db.session.execute(stmt, page).all()
        if rows:
            return _cards(rows), rows[0][-1]
        if not offset:
            return [], 0
        # A page past the end: the stage's count without its rows.
        totals = db.session.execute(_totals_stmt(*built), values).all()
        return [], dict(totals).get(stage, 0)

    return fetch


def counts_by_stage(actor, cohort: Cohort) -> dict[ConceptStage, int]:
    """How many of the cohort's concepts are at each stage (drafts counted with ideas)."""
    values = {**BoundActor.values(actor), "cohort": cohort.id}
    found = dict(db.session.execute(_stage_counts_stmt(actor), values).all())
    return {stage: found.get(stage, 0) for stage in ConceptStage}


@built_once
def _stage_counts_stmt(actor) -> Select:
    return (
        scoped(select(Concept.stage, func.count()), Concept, actor)
        .where(Concept.cohort_id == bindparam("cohort"))
        .group_by(Concept.stage)
    )


def my_concepts(actor) -> list[tuple[Concept, bool]]:
    """An ambassador's own teams' concepts, newest change first, each with whether it has
    feedback they have not seen (one query)."""
    rows = db.session.execute(_my_concepts(actor), BoundActor.values(actor))
    return [(concept, count > 0) for concept, count in rows]


@built_once
def _my_concepts(actor) -> Select:
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
    return (
        scoped(select(Concept), Concept, actor)
        .add_columns(unread)
        .where(Concept.id.in_(mine))
        .order_by(Concept.updated_at.desc(), Concept.id.desc())
        .limit(50)
    )


def reach_series(figures: list[ReachFigure]) -> dict:
    """The figures by kind, in date order, for the chart and its table."""
    series = defaultdict(list)
    for figure in figures:
        series[figure.kind].append(figure)
    return dict(series)


def cohort_section(actor, cohort: Cohort, *, listed: bool = True) -> dict:
    """What a cohort's pages show of its concepts: counts by stage (each a link to the board)
    for staff, the concepts themselves for ambassadors when `listed` (the concepts page
    lists them a page at a time instead), and whether one may start a concept."""
    staff = can(actor, Perm.REVIEW_CONCEPTS)
    shown = listed and not staff and can(actor, Perm.VIEW_CONCEPTS)
    concepts = db.session.scalars(of_cohort(actor, cohort).limit(50)) if shown else []
    return {
        "concept_counts": counts_by_stage(actor, cohort) if staff else None,
        "concept_list": list(concepts),
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
    if not can(actor, Perm.WRITE_CONCEPTS) or can(actor, Perm.REVIEW_CONCEPTS):
        return {}
    return {"my_concepts": my_concepts(actor)}
