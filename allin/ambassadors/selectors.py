"""Reads for an ambassador's page and the ambassador's own home; all start from visible()."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, bindparam, func, or_, select

from ..access import BoundActor, Perm, built_once, can, scoped, visible
from ..cohorts.selectors import LEAD, with_leads
from ..enums import EnrolmentStatus
from ..extensions import db
from ..models import Ambassador, AuditEvent, Cohort, Consent, Enrolment, Invitation, User
from . import rules


def ambassador_page(actor, ambassador_id: int) -> Ambassador:
    """One visible ambassador with their municipality (its consent ages), else 404."""
    stmt = (
        visible(Ambassador, actor)
        .options(
            db.joinedload(Ambassador.municipality),
            db.joinedload(Ambassador.user),
            db.joinedload(Ambassador.hold_set_by),
        )
        .where(Ambassador.id == ambassador_id)
    )
    return db.one_or_404(stmt)


def enrolments_of(actor, ambassador: Ambassador) -> list[Enrolment]:
    """The cohorts this person is or was in, newest first."""
    stmt = (
        visible(Enrolment, actor)
        .join(Enrolment.cohort)
        .options(db.contains_eager(Enrolment.cohort))
        .where(Enrolment.ambassador_id == ambassador.id)
        .order_by(Cohort.starts_on.desc(), Enrolment.id.desc())
    )
    return list(db.session.scalars(stmt))


def consent_history(actor, ambassador: Ambassador) -> list[Consent]:
    """Every grant, standing ones first, newest first, with who recorded and withdrew it."""
    values = {**BoundActor.values(actor), "ambassador": ambassador.id}
    return list(db.session.scalars(_consent_history(actor), values))


@built_once
def _consent_history(actor) -> Select:
    return (
        scoped(select(Consent), Consent, actor)
        .options(db.joinedload(Consent.recorded_by), db.joinedload(Consent.withdrawn_by))
        .where(Consent.ambassador_id == bindparam("ambassador"))
        .order_by(Consent.withdrawn_at.is_not(None), Consent.recorded_at.desc(), Consent.id.desc())
    )


def consent_page(actor, consent_id: int) -> Consent:
    stmt = (
        visible(Consent, actor)
        .options(db.joinedload(Consent.ambassador))
        .where(Consent.id == consent_id)
    )
    return db.one_or_404(stmt)


def my_record(actor) -> Ambassador | None:
    """The Ambassador row behind an ambassador's own login."""
    return db.session.scalar(_my_record(actor), BoundActor.values(actor))


@built_once
def _my_record(actor) -> Select:
    return (
        scoped(select(Ambassador), Ambassador, actor)
        .options(db.joinedload(Ambassador.municipality))
        .where(Ambassador.user_id == actor.id)
    )


@built_once
def my_cohorts(actor) -> Select:
    """An ambassador's cohorts (not withdrawn), newest first, with the leads to contact; run
    with BoundActor.values(actor)."""
    stmt = (
        scoped(select(Enrolment), Enrolment, actor)
        .where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .join(Enrolment.cohort)
        .options(db.contains_eager(Enrolment.cohort).contains_eager(Cohort.leads.of_type(LEAD)))
    )
    return with_leads(stmt, Cohort.starts_on.desc(), Cohort.id.desc())


def ambassador_home(actor) -> dict:
    """What an ambassador sees on their start page: their cohorts (with the leads to ask) and
    their own consents, read-only. Empty for everyone else."""
    if can(actor, Perm.ENROL) or not can(actor, Perm.VIEW_COHORTS):
        return {}
    record = my_record(actor)
    if record is None:
        return {"my_record": None, "my_enrolments": [], "my_consents": [], "my_missing": []}
    history = consent_history(actor, record)
    standing = [c for c in history if c.withdrawn_at is None]
    return {
        "my_record": record,
        "my_enrolments": list(
            db.session.execute(my_cohorts(actor), BoundActor.values(actor)).unique().scalars()
        ),
        "my_consents": history,
        "my_missing": rules.missing_purposes(record, standing, record.municipality),
    }


def invitation_is_for(invitation_id: int, ambassador_id: int) -> bool:
    """Is this invitation the sign-in link of this ambassador? (For a link shown once.)"""
    stmt = select(Invitation.id).where(
        Invitation.id == invitation_id, Invitation.ambassador_id == ambassador_id
    )
    return db.session.scalar(stmt) is not None


# What counts as someone having seen a person's data: their page, a copy of their data, and a
# spreadsheet of a cohort they are in.
VIEWED = ("ambassador.viewed", "data.downloaded")
EXPORTED = "export.downloaded"
SEEN_BY_SHOWN = 5


@dataclass(frozen=True)
class Seen:
    name: str | None  # None: an account that is gone
    at: datetime


def seen_by(actor, ambassador: Ambassador) -> list[Seen]:
    """Who last saw this person's data, each once, latest first (a few): one query, from the
    audit events the reader may read."""
    cohorts = select(Enrolment.cohort_id).where(Enrolment.ambassador_id == ambassador.id)
    latest = func.max(AuditEvent.created_at).label("at")
    stmt = (
        visible(AuditEvent, actor)
        .with_only_columns(User.name, latest)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            or_(
                and_(
                    AuditEvent.object_type == "ambassador",
                    AuditEvent.object_id == ambassador.id,
                    AuditEvent.action.in_(VIEWED),
                ),
                and_(
                    AuditEvent.object_type == "cohort",
                    AuditEvent.object_id.in_(cohorts),
                    AuditEvent.action == EXPORTED,
                ),
            )
        )
        .group_by(AuditEvent.actor_id, User.name)
        .order_by(latest.desc(), AuditEvent.actor_id)
        .limit(SEEN_BY_SHOWN)
    )
    return [Seen(name, at) for name, at in db.session.execute(stmt)]
