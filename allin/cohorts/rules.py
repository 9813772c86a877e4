"""Who sees which cohorts and how cohorts and enrolments move: registered with access.visible()
as the scopes of Cohort and CohortImport; the status machines of cohorts and enrolments, and
who leads and enrols."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, false, select

from ..access import SCOPES, Perm, can, in_scope, my_ambassador_ids
from ..clock import now
from ..enums import CohortStatus, EnrolmentStatus
from ..models import Cohort, CohortImport, Enrolment


def _cohorts(stmt: Select, actor) -> Select:
    """Staff who enrol see every cohort of their municipality (leading one is a filter, not a
    boundary); an ambassador sees the cohorts they are enrolled in and not withdrawn from."""
    if can(actor, Perm.ENROL):
        return stmt.where(Cohort.municipality_id == actor.municipality_id)
    if can(actor, Perm.VIEW_COHORTS):
        return stmt.where(
            Cohort.id.in_(
                select(Enrolment.cohort_id).where(
                    Enrolment.ambassador_id.in_(my_ambassador_ids(actor)),
                    Enrolment.status != EnrolmentStatus.WITHDRAWN,
                )
            )
        )
    return stmt.where(false())


def _cohort_imports(stmt: Select, actor) -> Select:
    """A spreadsheet preview belongs to the person who uploaded it."""
    if not can(actor, Perm.ENROL):
        return stmt.where(false())
    return stmt.where(
        CohortImport.municipality_id == actor.municipality_id,
        CohortImport.created_by_id == actor.id,
    )


SCOPES[Cohort] = _cohorts
SCOPES[CohortImport] = _cohort_imports


# Forward through the programme: planned -> active -> completed. Youth workers run cohorts day
# to day (they start and close them); only a coordinator moves a cohort back, because going
# back reopens a finished record.
STATUS_ORDER = (CohortStatus.PLANNED, CohortStatus.ACTIVE, CohortStatus.COMPLETED)


def can_change_cohort_status(actor, cohort, to: CohortStatus) -> bool:
    """One step forward for staff who enrol; any step back only for coordinators."""
    if to == cohort.status or not in_scope(actor, cohort.municipality_id):
        return False
    step = STATUS_ORDER.index(to) - STATUS_ORDER.index(cohort.status)
    if step < 0:
        return can(actor, Perm.MANAGE_COHORTS)
    return step == 1 and (can(actor, Perm.ENROL) or can(actor, Perm.MANAGE_COHORTS))


def cohort_status_moves(actor, cohort) -> tuple[CohortStatus, ...]:
    """The statuses `actor` may move `cohort` to, in programme order."""
    return tuple(s for s in STATUS_ORDER if can_change_cohort_status(actor, cohort, s))


def can_enrol_in(actor, record) -> bool:
    """Enrol, record consent, import, make logins: staff of the record's municipality."""
    return can(actor, Perm.ENROL) and record.municipality_id == actor.municipality_id


# An enrolment moves like its cohort: invited -> active -> graduated, one step forward by the
# staff who enrol; a step back only by a coordinator, as for cohorts - except that whoever
# enrols may step a graduation back within UNDO_GRADUATION of it (a graduation clicked by
# mistake), `graduated_at` being when it happened (cohorts.selectors.graduation_times).
# Withdrawal is its own action with a reason (cohorts.withdraw); a withdrawn enrolment does
# not move again.
ENROLMENT_ORDER = (EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE, EnrolmentStatus.GRADUATED)
UNDO_GRADUATION = timedelta(days=1)


def can_move_enrolment(actor, enrolment, to: EnrolmentStatus, graduated_at=None) -> bool:
    """One step forward for staff of the municipality; one step back for coordinators, and
    from graduated for staff too within a day of the graduation."""
    if enrolment.status not in ENROLMENT_ORDER or to not in ENROLMENT_ORDER:
        return False
    if not can_enrol_in(actor, enrolment):
        return False
    step = ENROLMENT_ORDER.index(to) - ENROLMENT_ORDER.index(enrolment.status)
    if step == -1:
        return can(actor, Perm.MANAGE_COHORTS) or _just_graduated(enrolment, graduated_at)
    return step == 1


def _just_graduated(enrolment, graduated_at) -> bool:
    return (
        enrolment.status == EnrolmentStatus.GRADUATED
        and graduated_at is not None
        and now() < graduated_at + UNDO_GRADUATION
    )


def enrolment_status_moves(actor, enrolment, graduated_at=None) -> tuple[EnrolmentStatus, ...]:
    """The statuses `actor` may move `enrolment` to, in programme order."""
    return tuple(
        s for s in ENROLMENT_ORDER if can_move_enrolment(actor, enrolment, s, graduated_at)
    )
