"""Demo self-assessment rounds and follow-up check-ins for seed-demo (issue 24), so that the
cohorts' self-assessment pages, the report's effect section and the coordinator's overdue
check-ins have something to show: a kick-off round in every cohort that has started and an
end round in every completed one, answered by most of the group (scores a little higher at the
end); and the 3-, 6- and 12-month check-ins of every launched concept, those past due mostly
done ("running"), a few left waiting. Answers are given as with the code word: nobody is
recorded as having answered."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from ..enums import (
    CheckInStatus,
    CohortStatus,
    ConceptStage,
    EnrolmentStatus,
    Role,
    RoundKind,
)
from ..extensions import db
from ..followup.services import months_after
from ..models import (
    Cohort,
    Concept,
    ConceptCheckIn,
    Enrolment,
    SurveyAnswer,
    SurveyRound,
    TimelineEntry,
    User,
)
from ..models.followup import MONTHS
from ..models.surveys import SCORES, new_answer_id, new_round_key
from ..surveys.services import new_code_word
from ..training.times import today

ANSWERING = 0.8  # the share of a group that answers a round
LIFT = {RoundKind.KICK_OFF: 0.0, RoundKind.END: 0.6}  # the end round's scores, a bit higher


def seed_effect(rng: random.Random) -> None:
    """Rounds for the cohorts under way or done, check-ins for the launched concepts."""
    _rounds(rng)
    _check_ins(rng)


def _group_sizes() -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Enrolment.cohort_id, func.count())
            .where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .group_by(Enrolment.cohort_id)
        ).all()
    )


def _rounds(rng: random.Random) -> None:
    sizes, now_day = _group_sizes(), today()
    cohorts = db.session.scalars(
        select(Cohort).where(Cohort.status != CohortStatus.PLANNED).order_by(Cohort.id)
    ).all()
    answers = []
    for cohort in cohorts:
        kinds = [(RoundKind.KICK_OFF, cohort.starts_on)]
        if cohort.status == CohortStatus.COMPLETED:
            kinds.append((RoundKind.END, cohort.ends_on - timedelta(days=7)))
        for kind, opened in kinds:
            if opened > now_day:
                continue
            answered = int(sizes.get(cohort.id, 0) * ANSWERING)
            closes = min(opened + timedelta(days=7), now_day)
            round_ = SurveyRound(
                municipality_id=cohort.municipality_id,
                cohort_id=cohort.id,
                kind=kind,
                key=new_round_key(),
                code_word=new_code_word(),
                opened_on=opened,
                closes_on=closes,
                closed_at=datetime.combine(closes, time(12), tzinfo=UTC),
                answer_count=answered,
            )
            db.session.add(round_)
            db.session.flush()
            answers += [_answer(rng, round_, kind) for _ in range(answered)]
    if answers:
        rng.shuffle(answers)
        db.session.execute(insert(SurveyAnswer), answers)


def _answer(rng: random.Random, round_: SurveyRound, kind: RoundKind) -> dict:
    def score() -> int:
        return max(1, min(5, round(rng.gauss(3.2 + LIFT[kind], 0.9))))

    return {
        "id": new_answer_id(),
        "round_id": round_.id,
        "answered_on": round_.opened_on,
        "comment": "",
        **{key: score() for key in SCORES},
    }


def _check_ins(rng: random.Random) -> None:
    """Each launched concept's check-ins from the day it was launched, owned by its
    municipality's coordinator."""
    launched = db.session.execute(
        select(Concept.id, Concept.municipality_id, func.min(TimelineEntry.created_at))
        .join(TimelineEntry, TimelineEntry.concept_id == Concept.id)
        .where(
            Concept.stage.in_((ConceptStage.LAUNCHED, ConceptStage.SUSTAINED)),
            TimelineEntry.to_stage == ConceptStage.LAUNCHED,
        )
        .group_by(Concept.id, Concept.municipality_id)
        .order_by(Concept.id)
    ).all()
    owners = dict(
        db.session.execute(
            select(User.municipality_id, func.min(User.id))
            .where(User.role == Role.COORDINATOR)
            .group_by(User.municipality_id)
        ).all()
    )
    now_day, rows = today(), []
    for concept_id, municipality_id, at in launched:
        owner = owners.get(municipality_id)
        for months in MONTHS:
            due: date = months_after(at.date(), months)
            done = due <= now_day and rng.random() < 0.8
            rows.append(
                {
                    "municipality_id": municipality_id,
                    "concept_id": concept_id,
                    "owner_id": owner,
                    "months": months,
                    "due_on": due,
                    "completed_at": datetime.combine(due, time(12), tzinfo=UTC) if done else None,
                    "completed_by_id": owner if done else None,
                    "status": CheckInStatus.RUNNING if done else None,
                    "reach": rng.randint(20, 400) if done else None,
                    "note": "",
                }
            )
    if rows:
        db.session.execute(insert(ConceptCheckIn), rows)
