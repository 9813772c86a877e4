"""Writing concepts: save and submit, stage moves, the timeline, reach figures, last seen.

Services flush, never commit; the route commits once. Every rule about who may do what is
asked of concepts/rules.py; services re-check it, so they are safe to call from tests and commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit
from ..access import can_lead
from ..clock import now
from ..enums import ConceptFormat, ConceptStage, EnrolmentStatus, ReachKind, TimelineKind
from ..errors import DomainError
from ..extensions import db
from ..models import (
    Ambassador,
    Cohort,
    Concept,
    ConceptMember,
    ConceptSeen,
    Enrolment,
    ReachFigure,
    TimelineEntry,
    User,
)
from ..models.concepts import REASON_LENGTH, TEXT_LENGTH
from ..notifications import services as notifications
from ..single_use import spend
from .rules import (
    allowed_stage_moves,
    can_answer,
    can_create_concept_in,
    can_edit_concept,
    can_give_feedback,
    is_team_member,
)


class StageConflict(DomainError):
    """Someone else moved the concept after this person opened the page."""


@dataclass
class ConceptData:
    """What the concept form holds (already validated by the form)."""

    title: str
    challenge: str = ""
    target_group: str = ""
    idea: str = ""
    format: ConceptFormat = ConceptFormat.OFFLINE
    member_ids: list[int] = field(default_factory=list)
    mentor_id: int | None = None


def _team(cohort: Cohort, enrolment_ids: list[int]) -> list[Enrolment]:
    """The posted enrolments, each an enrolment of this cohort that is not withdrawn."""
    wanted = set(enrolment_ids)
    if not wanted:
        return []
    found = list(
        db.session.scalars(
            select(Enrolment).where(
                Enrolment.id.in_(wanted),
                Enrolment.cohort_id == cohort.id,
                Enrolment.status != EnrolmentStatus.WITHDRAWN,
            )
        )
    )
    if len(found) != len(wanted):
        raise DomainError(_l("Team members must be ambassadors enrolled in this cohort."))
    return found


def _own_enrolment(actor: User, cohort: Cohort) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .where(
            Ambassador.user_id == actor.id,
            Enrolment.cohort_id == cohort.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
    )


def _check_mentor(mentor_id: int | None, municipality_id: int) -> None:
    if mentor_id is None:
        return
    mentor = db.session.get(User, mentor_id)
    if mentor is None or not can_lead(mentor, municipality_id):
        raise DomainError(
            _l("The mentor must be a youth worker or coordinator of this municipality.")
        )


def _check_lengths(data: ConceptData) -> None:
    if len(data.challenge) > TEXT_LENGTH or len(data.idea) > TEXT_LENGTH:
        raise DomainError(_l("Use at most %(max)s characters in each text.", max=TEXT_LENGTH))


def save_concept(
    *,
    actor: User,
    cohort: Cohort,
    data: ConceptData,
    concept: Concept | None = None,
    submit: bool = False,
) -> Concept:
    """Create a concept in `cohort` or change one; `submit` ends the draft. An ambassador
    who writes it is always on its team; a submitted concept needs a team."""
    if concept is None and not can_create_concept_in(actor, cohort):
        raise DomainError(_l("You cannot add a concept to this cohort."))
    if concept is not None and not can_edit_concept(actor, concept):
        raise DomainError(_l("You cannot change this concept."))
    _check_lengths(data)
    _check_mentor(data.mentor_id, cohort.municipality_id)
    team = _team(cohort, data.member_ids)
    own = _own_enrolment(actor, cohort)
    if own is not None and own not in team:
        team.append(own)
    if (submit or (concept is not None and not concept.is_draft)) and not team:
        raise DomainError(_l("Choose at least one team member."))
    created = concept is None
    if created:
        concept = Concept(
            municipality_id=cohort.municipality_id, cohort_id=cohort.id, created_by_id=actor.id
        )
        db.session.add(concept)
    for name in ("title", "challenge", "target_group", "idea", "format", "mentor_id"):
        setattr(concept, name, getattr(data, name))
    db.session.flush()
    _set_team(concept, team)
    if submit and concept.is_draft:
        concept.submitted_at = now()
        _add_entry(concept, actor, TimelineKind.STAGE_CHANGE, "", to_stage=concept.stage)
    audit.record("concept.created" if created else "concept.saved", actor=actor, target=concept)
    db.session.flush()
    return concept


def submit_concept(concept: Concept, *, actor: User) -> None:
    """End the draft as it stands, from the concept's page: its team and mentor stay as they
    are. Decided by the database (a second press, or two team members at once, find it
    already submitted)."""
    if not can_edit_concept(actor, concept):
        raise DomainError(_l("You cannot change this concept."))
    no_member = _l("Add at least one team member first (Edit).")
    if all(m.enrolment.status == EnrolmentStatus.WITHDRAWN for m in concept.members):
        raise DomainError(no_member)
    stamp = spend(Concept, concept.id, "submitted_at", _has_enrolled_member())
    if stamp is None:  # a second press, or the last member withdrawn meanwhile
        db.session.refresh(concept, ["submitted_at"])
        already = _l("The concept is already submitted.")
        raise DomainError(already if concept.submitted_at else no_member)
    set_committed_value(concept, "submitted_at", stamp)  # the page shows it; no second write
    _add_entry(concept, actor, TimelineKind.STAGE_CHANGE, "", to_stage=concept.stage)
    audit.record("concept.submitted", actor=actor, target=concept)
    db.session.flush()


def _has_enrolled_member():
    """A condition on the concept's row: someone on its team is still enrolled."""
    return (
        select(ConceptMember.id)
        .join(Enrolment, Enrolment.id == ConceptMember.enrolment_id)
        .where(
            ConceptMember.concept_id == Concept.id,
            ConceptMember.left_at.is_(None),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
        .exists()
    )


def _set_team(concept: Concept, team: list[Enrolment]) -> None:
    """Make `team` the current team. Who leaves keeps their row with `left_at` set (a photo
    of them may be on the concept); who comes back gets the same row again. A member since
    withdrawn from the cohort is not on the form, so saving it leaves them as they are."""
    wanted = {e.id for e in team}
    rows = {m.enrolment_id: m for m in concept.team_history}
    withdrawn = _withdrawn(set(rows) - wanted)
    stamp = now()
    for enrolment_id, member in rows.items():
        if enrolment_id in wanted:
            member.left_at = None
        elif member.left_at is None and enrolment_id not in withdrawn:
            member.left_at = stamp
    for enrolment_id in sorted(wanted - set(rows)):
        concept.team_history.append(ConceptMember(enrolment_id=enrolment_id))
    db.session.flush()
    db.session.expire(concept, ["members"])


def _withdrawn(enrolment_ids: set[int]) -> set[int]:
    if not enrolment_ids:
        return set()
    stmt = select(Enrolment.id).where(
        Enrolment.id.in_(enrolment_ids), Enrolment.status == EnrolmentStatus.WITHDRAWN
    )
    return set(db.session.scalars(stmt))


def _add_entry(concept, actor, kind, text, *, from_stage=None, to_stage=None) -> TimelineEntry:
    entry = TimelineEntry(
        concept_id=concept.id,
        kind=kind,
        author_id=actor.id if actor else None,
        text=text,
        from_stage=from_stage,
        to_stage=to_stage,
    )
    db.session.add(entry)
    return entry


def move_stage(
    concept: Concept, *, actor: User, to: ConceptStage, expected: ConceptStage, reason: str = ""
) -> None:
    """Move the concept to `to` if the life-cycle rule allows it from `expected`, the stage
    the person saw. The UPDATE is conditional on that stage: of two moves sent at once, the
    database lets exactly one through and the other is told (StageConflict)."""
    if concept.stage != expected:
        raise StageConflict(_l("Someone else moved this concept in the meantime. Look again."))
    move = next((m for m in allowed_stage_moves(actor, concept) if m.to == to), None)
    if move is None:
        raise DomainError(_l("You cannot move this concept to that stage."))
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise DomainError(_l("Say why."))
    if len(reason) > REASON_LENGTH:
        raise DomainError(_l("Use at most %(max)s characters.", max=REASON_LENGTH))
    values = {"stage": to, "stopped_from": None, "stop_reason": None, "updated_at": now()}
    if to == ConceptStage.STOPPED:
        values.update(stopped_from=expected, stop_reason=reason)
    result = db.session.execute(
        update(Concept)
        .where(Concept.id == concept.id, Concept.stage == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StageConflict(_l("Someone else moved this concept in the meantime. Look again."))
    db.session.refresh(concept)
    entry = _add_entry(
        concept, actor, TimelineKind.STAGE_CHANGE, reason, from_stage=expected, to_stage=to
    )
    audit.record("concept.stage_changed", actor=actor, target=concept, to=str(to))
    db.session.flush()
    notifications.stage_moved(concept, entry_id=entry.id, actor=actor)


def writable_kind(
    actor: User, concept: Concept, *, member: bool | None = None
) -> TimelineKind | None:
    """What `actor` writes on the timeline: staff feedback, the team an update or an answer
    (`member`: whether the actor is on the team, when the caller knows)."""
    if can_give_feedback(actor, concept):
        return TimelineKind.FEEDBACK
    if can_answer(actor, concept, member=member):
        return TimelineKind.PROGRESS
    return None


def add_to_timeline(
    concept: Concept, *, actor: User, text: str, answer: bool = False
) -> TimelineEntry:
    """Staff write feedback; team members a progress update or an answer to feedback."""
    kind = writable_kind(actor, concept)
    if kind is None:
        raise DomainError(_l("You cannot write on this concept's timeline."))
    if kind == TimelineKind.PROGRESS and answer:
        kind = TimelineKind.ANSWER
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write something first."))
    if len(text) > TEXT_LENGTH:
        raise DomainError(_l("Use at most %(max)s characters.", max=TEXT_LENGTH))
    entry = _add_entry(concept, actor, kind, text)
    db.session.flush()
    if kind == TimelineKind.FEEDBACK:
        notifications.feedback_given(concept, entry_id=entry.id, actor=actor)
    return entry


def record_reach(
    concept: Concept, *, actor: User, kind: ReachKind, value: int, measured_on: date
) -> ReachFigure:
    """A figure as it stood on a date; the team and staff record them once it is submitted."""
    if concept.is_draft or not can_edit_concept(actor, concept):
        raise DomainError(_l("You cannot record figures for this concept."))
    if not 0 <= value <= 100_000_000:
        raise DomainError(_l("Enter a whole number from 0."))
    if measured_on > now().date():
        raise DomainError(_l("The date cannot be in the future."))
    figure = ReachFigure(
        concept_id=concept.id,
        kind=kind,
        value=value,
        measured_on=measured_on,
        recorded_by_id=actor.id,
    )
    db.session.add(figure)
    db.session.flush()
    return figure


def mark_seen(concept: Concept, *, actor: User) -> None:
    """Remember that a team member opened the concept now: its feedback is read."""
    if not is_team_member(actor, concept):
        return
    notifications.concept_read(actor, concept.id)  # its feedback's notifications too
    result = db.session.execute(
        update(ConceptSeen)
        .where(ConceptSeen.user_id == actor.id, ConceptSeen.concept_id == concept.id)
        .values(seen_at=now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        return
    try:
        with db.session.begin_nested():  # two tabs opening it at once: the first row wins
            db.session.add(ConceptSeen(user_id=actor.id, concept_id=concept.id, seen_at=now()))
    except IntegrityError:
        pass
