"""Who sees which self-assessment rounds, who runs them, and whether a round takes answers:
registered with access.visible() as the scope of SurveyRound."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, false, select

from ..access import SCOPES, Perm, can, my_ambassador_ids
from ..enums import EnrolmentStatus
from ..models import Enrolment, SurveyRound


def _rounds(stmt: Select, actor) -> Select:
    """Staff who enrol see their municipality's rounds; an ambassador those of the cohorts
    they are in and have not left."""
    if can(actor, Perm.ENROL):
        return stmt.where(SurveyRound.municipality_id == actor.municipality_id)
    if can(actor, Perm.VIEW_COHORTS):
        return stmt.where(
            SurveyRound.cohort_id.in_(
                select(Enrolment.cohort_id).where(
                    Enrolment.ambassador_id.in_(my_ambassador_ids(actor)),
                    Enrolment.status != EnrolmentStatus.WITHDRAWN,
                )
            )
        )
    return stmt.where(false())


SCOPES[SurveyRound] = _rounds


def can_run_rounds(actor, cohort) -> bool:
    """Open, show and close rounds, and read the results: staff of the cohort's municipality."""
    return can(actor, Perm.ENROL) and cohort.municipality_id == actor.municipality_id


def can_answer(actor, member: bool) -> bool:
    """Answer a round signed in: an ambassador who is a member of the round's cohort."""
    return can(actor, Perm.VIEW_COHORTS) and not can(actor, Perm.ENROL) and member


def is_open(round_, today: date) -> bool:
    """A round takes answers until it is closed or its last day has passed."""
    return round_.closed_at is None and today <= round_.closes_on
