"""Reads of the self-assessment pages, each starting from access.visible()."""

from __future__ import annotations

from flask import abort
from sqlalchemy import case, exists, select
from sqlalchemy.orm import joinedload

from ..access import get_visible_or_404, my_ambassador_ids, visible
from ..enums import EnrolmentStatus, RoundKind
from ..extensions import db
from ..models import Enrolment, SurveyRespondent, SurveyRound
from ..training.times import today
from .rules import can_answer

KIND_ORDER = case(
    {RoundKind.KICK_OFF.value: 0, RoundKind.END.value: 1, RoundKind.FOLLOW_UP.value: 2},
    value=SurveyRound.kind,
)


def cohort_rounds(actor, cohort_id: int) -> list[SurveyRound]:
    """The cohort's rounds in programme order."""
    stmt = visible(SurveyRound, actor).where(SurveyRound.cohort_id == cohort_id)
    return list(db.session.scalars(stmt.order_by(KIND_ORDER)))


def round_(actor, round_id: int) -> SurveyRound:
    return get_visible_or_404(SurveyRound, round_id, actor)


def round_page(actor, round_id: int) -> SurveyRound:
    """A round with its cohort (the page names it), else 404."""
    stmt = (
        visible(SurveyRound, actor)
        .where(SurveyRound.id == round_id)
        .options(joinedload(SurveyRound.cohort))
    )
    return db.one_or_404(stmt)


def by_key(key: str) -> SurveyRound:
    """A round by its public address (no scope: the address is the secret), else 404."""
    if not key or len(key) > 40:
        abort(404)
    found = db.session.scalar(select(SurveyRound).where(SurveyRound.key == key))
    if found is None:
        abort(404)
    return found


def by_code_word(word: str) -> SurveyRound | None:
    return db.session.scalar(select(SurveyRound).where(SurveyRound.code_word == word))


def is_member(actor, cohort_id: int) -> bool:
    """Is `actor` an ambassador of the cohort who has not left it?"""
    stmt = select(
        exists().where(
            Enrolment.cohort_id == cohort_id,
            Enrolment.ambassador_id.in_(my_ambassador_ids(actor)),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
    )
    return bool(db.session.scalar(stmt))


def answered(actor, round_ids: list[int]) -> set[int]:
    """Which of the rounds `actor` has answered signed in."""
    if not round_ids:
        return set()
    stmt = select(SurveyRespondent.round_id).where(
        SurveyRespondent.user_id == actor.id, SurveyRespondent.round_id.in_(round_ids)
    )
    return set(db.session.scalars(stmt))


def home(actor) -> dict:
    """For an ambassador's home: the open rounds of their cohorts they have not answered."""
    if not can_answer(actor, member=True):
        return {}
    day = today()
    answered_ids = select(SurveyRespondent.round_id).where(SurveyRespondent.user_id == actor.id)
    stmt = (
        visible(SurveyRound, actor)
        .where(
            SurveyRound.closed_at.is_(None),
            SurveyRound.closes_on >= day,
            SurveyRound.id.not_in(answered_ids),
        )
        .order_by(SurveyRound.closes_on, SurveyRound.id)
        .limit(5)
    )
    return {"open_rounds": list(db.session.scalars(stmt))}
