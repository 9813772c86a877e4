"""Who reads and writes which concepts: registered with access.visible() as the scopes of
Concept and Attachment; the team's and the staff's object rules, and the stage machine."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, false, select

from ..access import SCOPES, BoundActor, Perm, can, my_ambassador_ids
from ..enums import ConceptStage, EnrolmentStatus, Role
from ..extensions import db
from ..models import Attachment, Concept, ConceptMember, Enrolment


def _my_enrolment_ids(actor) -> Select:
    """An ambassador's own enrolments that still count (not withdrawn)."""
    return select(Enrolment.id).where(
        Enrolment.ambassador_id.in_(my_ambassador_ids(actor)),
        Enrolment.status != EnrolmentStatus.WITHDRAWN,
    )


def _my_concept_ids(actor) -> Select:
    """The concepts whose team `actor` is on (now: not those they left)."""
    return select(ConceptMember.concept_id).where(
        ConceptMember.enrolment_id.in_(_my_enrolment_ids(actor)),
        ConceptMember.left_at.is_(None),
    )


def _concepts(stmt: Select, actor) -> Select:
    """Staff who review see every concept of their municipality; an ambassador the submitted
    concepts of their cohorts and the drafts of their own teams; the network nothing."""
    if can(actor, Perm.REVIEW_CONCEPTS):
        return stmt.where(Concept.municipality_id == actor.municipality_id)
    if can(actor, Perm.VIEW_CONCEPTS):
        my_cohorts = select(Enrolment.cohort_id).where(Enrolment.id.in_(_my_enrolment_ids(actor)))
        return stmt.where(
            Concept.cohort_id.in_(my_cohorts),
            Concept.submitted_at.is_not(None) | Concept.id.in_(_my_concept_ids(actor)),
        )
    return stmt.where(false())


def _attachments(stmt: Select, actor) -> Select:
    """A concept's files follow the concept, except that photos showing people are for its
    team and the municipality's staff only (SECURITY 24-25), not for other cohort members."""
    concept_ids = _concepts(select(Concept.id), actor)
    stmt = stmt.where(Attachment.concept_id.in_(concept_ids))
    if can(actor, Perm.REVIEW_CONCEPTS):
        return stmt
    return stmt.where(
        Attachment.shows_people.is_(False) | Attachment.concept_id.in_(_my_concept_ids(actor))
    )


SCOPES[Concept] = _concepts
SCOPES[Attachment] = _attachments


def is_team_member(actor, concept) -> bool:
    """`actor` is on the concept's team (through an enrolment that is not withdrawn)."""
    if not can(actor, Perm.WRITE_CONCEPTS) or can(actor, Perm.REVIEW_CONCEPTS):
        return False
    values = {"actor_id": actor.id, "concept": concept.id}
    return db.session.scalar(_team_member_stmt(), values) is not None


@cache
def _team_member_stmt() -> Select:
    """is_team_member's query, built once: the actor's id is a bound parameter (actor_id)."""
    return select(ConceptMember.id).where(
        ConceptMember.concept_id == bindparam("concept"),
        ConceptMember.enrolment_id.in_(_my_enrolment_ids(BoundActor(Role.AMBASSADOR, False))),
        ConceptMember.left_at.is_(None),
    )


def reviews(actor, concept) -> bool:
    """Staff of the concept's municipality: they read it, give feedback, make the staff moves."""
    return can(actor, Perm.REVIEW_CONCEPTS) and concept.municipality_id == actor.municipality_id


def can_create_concept_in(actor, cohort) -> bool:
    """Staff in any cohort of their municipality; an ambassador in a cohort they are in."""
    if reviews(actor, cohort):
        return True
    if not can(actor, Perm.WRITE_CONCEPTS) or can(actor, Perm.REVIEW_CONCEPTS):
        return False
    mine = select(Enrolment.id).where(
        Enrolment.id.in_(_my_enrolment_ids(actor)), Enrolment.cohort_id == cohort.id
    )
    return db.session.scalar(mine) is not None


def can_edit_concept(actor, concept, *, member: bool | None = None) -> bool:
    """Its team edits it; staff of the municipality may edit on the team's behalf."""
    if reviews(actor, concept):
        return True
    return is_team_member(actor, concept) if member is None else member


def can_give_feedback(actor, concept) -> bool:
    """Staff of the concept's municipality, once the team has submitted it."""
    return reviews(actor, concept) and not concept.is_draft


def can_answer(actor, concept, *, member: bool | None = None) -> bool:
    """A team member answers feedback and posts progress updates."""
    return not concept.is_draft and (is_team_member(actor, concept) if member is None else member)


CONCEPT_ORDER = (
    ConceptStage.IDEA,
    ConceptStage.DEVELOPING,
    ConceptStage.PITCHED,
    ConceptStage.LAUNCHED,
    ConceptStage.SUSTAINED,
)
# The moves a team makes; everything else is for staff.
TEAM_MOVES = {
    (ConceptStage.IDEA, ConceptStage.DEVELOPING),
    (ConceptStage.DEVELOPING, ConceptStage.PITCHED),
}
STAFF_FORWARD = {
    (ConceptStage.PITCHED, ConceptStage.LAUNCHED),
    (ConceptStage.LAUNCHED, ConceptStage.SUSTAINED),
}


class StageMove(NamedTuple):
    """A stage a concept may be moved to, and whether the move must say why (stopping, and
    every step back)."""

    to: ConceptStage
    needs_reason: bool = False
    back: bool = False


def _one_back(concept) -> ConceptStage | None:
    if concept.stage == ConceptStage.STOPPED:
        return concept.stopped_from
    index = CONCEPT_ORDER.index(concept.stage)
    return CONCEPT_ORDER[index - 1] if index else None


def allowed_stage_moves(actor, concept, *, member: bool | None = None) -> tuple[StageMove, ...]:
    """The life-cycle rule. A submitted concept's team moves it idea -> developing ->
    pitched; staff of its municipality mark it launched (from pitched), sustained (from
    launched) or stopped (from any stage, with a reason), and take it back one stage (a
    stopped concept: to where it was stopped) with a reason. Drafts do not move."""
    if concept.is_draft:
        return ()
    stage = concept.stage
    if reviews(actor, concept):
        moves = [StageMove(to) for (at, to) in sorted(STAFF_FORWARD) if at == stage]
        back = _one_back(concept)
        if back is not None:
            moves.append(StageMove(back, needs_reason=True, back=True))
        if stage != ConceptStage.STOPPED:
            moves.append(StageMove(ConceptStage.STOPPED, needs_reason=True))
        return tuple(moves)
    if is_team_member(actor, concept) if member is None else member:
        return tuple(StageMove(to) for (at, to) in TEAM_MOVES if at == stage)
    return ()


def can_propose_best_case(actor, concept) -> bool:
    """Staff propose a launched or sustained concept as a best case for the guide."""
    return reviews(actor, concept) and concept.stage in (
        ConceptStage.LAUNCHED,
        ConceptStage.SUSTAINED,
    )
