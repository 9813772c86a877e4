"""Reads for the cohort pages; every query starts from visible()."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import abort
from sqlalchemy import Integer, Select, and_, bindparam, case, func, select
from sqlalchemy.orm import aliased

from ..access import GRANTS, BoundActor, Perm, built_once, scoped, visible
from ..ambassadors import rules
from ..ambassadors.services import standing_consents
from ..clock import now
from ..collation import nb_order
from ..enums import CohortStatus, ConsentPurpose, EnrolmentStatus
from ..extensions import db
from ..models import (
    Ambassador,
    AuditEvent,
    Cohort,
    Consent,
    Enrolment,
    Municipality,
    User,
    cohort_lead,
)
from ..namesakes import Namesakes
from .rules import UNDO_GRADUATION

LEAD = aliased(User, name="lead")


def with_leads(stmt: Select, *order) -> Select:
    """`stmt`, which reads Cohort, joined to each cohort's leads (LEAD; load them with
    `contains_eager(Cohort.leads.of_type(LEAD))`), in name order after `order`. The joins are
    flat, cohort_lead and then its user, so both engines read a cohort's leads by cohort_lead's
    key: the nested join joinedload() writes for a many-to-many made SQLite build every lead of
    the network into a temporary table on every cohort page (0.04 ms at scale 1, 0.3 at 10)."""
    return (
        stmt.outerjoin(cohort_lead, cohort_lead.c.cohort_id == Cohort.id)
        .outerjoin(LEAD, LEAD.id == cohort_lead.c.user_id)
        .order_by(*order, nb_order(LEAD.name), LEAD.id)
    )


def cohort_list(actor, *, status: CohortStatus | None = None, mine: bool = False) -> Select:
    """Active cohorts first, then the newest (their leads: lead_names)."""
    stmt = visible(Cohort, actor)
    if status is not None:
        stmt = stmt.where(Cohort.status == status)
    if mine:
        stmt = stmt.where(
            Cohort.id.in_(select(cohort_lead.c.cohort_id).where(cohort_lead.c.user_id == actor.id))
        )
    active_first = case((Cohort.status == CohortStatus.ACTIVE, 0), else_=1)
    return stmt.order_by(active_first, Cohort.starts_on.desc(), Cohort.id.desc())


def lead_names(cohorts) -> dict[int, list[str]]:
    """The names of the leads of each cohort of a page (already visible), in name order, in
    one query by cohort_lead's key (see with_leads)."""
    ids = [c.id for c in cohorts]
    names: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        stmt = (
            select(cohort_lead.c.cohort_id, User.name)
            .join(User, User.id == cohort_lead.c.user_id)
            .where(cohort_lead.c.cohort_id.in_(ids))
            .order_by(nb_order(User.name), User.id)
        )
        for cohort_id, name in db.session.execute(stmt):
            names[cohort_id].append(name)
    return names


def member_counts(cohorts) -> Counter:
    """Enrolled (not withdrawn) people per cohort of a page, in one query."""
    ids = [c.id for c in cohorts]
    if not ids:
        return Counter()
    rows = db.session.execute(
        select(Enrolment.cohort_id, func.count())
        .where(Enrolment.cohort_id.in_(ids), Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .group_by(Enrolment.cohort_id)
    )
    return Counter(dict(rows.all()))


def _missing_consent(year=None):
    """Enrolments whose ambassador lacks a consent that counts for some purpose (`year`: see
    rules.counts_in_sql)."""
    covered = (
        select(func.count(func.distinct(Consent.purpose)))
        .join(Ambassador, Ambassador.id == Consent.ambassador_id)
        .join(Municipality, Municipality.id == Ambassador.municipality_id)
        .where(Consent.ambassador_id == Enrolment.ambassador_id, rules.counts_in_sql(year=year))
        .correlate(Enrolment)
        .scalar_subquery()
    )
    return covered < len(ConsentPurpose)


def lacking_consent(*where, year) -> Select:
    """(enrolment id, cohort id) of the enrolments, not withdrawn, whose ambassador lacks a
    consent that counts for some purpose: _missing_consent as a join grouped per enrolment,
    for counting many. (PostgreSQL ran the correlated count once per enrolment, through two
    joins each time: 1.5 ms for the two cohorts of the demo's first municipality, 0.36 ms
    as a join; the same on SQLite.)"""
    counting = and_(
        Consent.ambassador_id == Enrolment.ambassador_id, rules.counts_in_sql(year=year)
    )
    return (
        select(Enrolment.id, Enrolment.cohort_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .join(Municipality, Municipality.id == Ambassador.municipality_id)
        .outerjoin(Consent, counting)
        .where(Enrolment.status != EnrolmentStatus.WITHDRAWN, *where)
        .group_by(Enrolment.id, Enrolment.cohort_id)
        .having(func.count(func.distinct(Consent.purpose)) < len(ConsentPurpose))
    )


def members(actor, cohort: Cohort, *, missing_consent: bool = False) -> Select:
    """The cohort's enrolments with their ambassadors: withdrawn last, then by name."""
    build = _members_missing_consent if missing_consent else _members
    values = {**BoundActor.values(actor), "cohort": cohort.id}
    if missing_consent:
        values["year"] = rules.today().year
    return build(actor).params(values)


def _members_of(actor, missing_consent: bool) -> Select:
    stmt = (
        scoped(select(Enrolment), Enrolment, actor)
        .join(Enrolment.ambassador)
        .options(db.contains_eager(Enrolment.ambassador))
        .where(Enrolment.cohort_id == bindparam("cohort"))
    )
    if missing_consent:
        year = bindparam("year", type_=Integer)
        stmt = stmt.where(
            _missing_consent(year=year), Enrolment.status != EnrolmentStatus.WITHDRAWN
        )
    withdrawn_last = case((Enrolment.status == EnrolmentStatus.WITHDRAWN, 1), else_=0)
    return stmt.order_by(withdrawn_last, nb_order(Ambassador.name), Enrolment.id)


@built_once
def _members(actor) -> Select:
    """members() built once for each kind of actor."""
    return _members_of(actor, False)


@built_once
def _members_missing_consent(actor) -> Select:
    """members(missing_consent=True) built once for each kind of actor; the year the
    consent rule counts in is a bound parameter."""
    return _members_of(actor, True)


def namesakes(actor, cohort: Cohort) -> Namesakes:
    """Who shares a first name among the cohort's people (all of them, not one page's)."""
    values = {**BoundActor.values(actor), "cohort": cohort.id}
    return Namesakes(db.session.scalars(_namesakes(actor), values))


@built_once
def _namesakes(actor) -> Select:
    return (
        scoped(select(Enrolment), Enrolment, actor)
        .with_only_columns(Ambassador.name)
        .select_from(Enrolment)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .where(Enrolment.cohort_id == bindparam("cohort"))
    )


def graduation_times(enrolments) -> dict[int, datetime]:
    """When each graduated enrolment of these (already visible) ones graduated, if that was
    within the undo window (cohorts.rules.UNDO_GRADUATION): one query over the audit trail, which
    is never changed, from its created_at index; none when nobody here is graduated."""
    graduated = [e for e in enrolments if e.status == EnrolmentStatus.GRADUATED]
    if not graduated:
        return {}
    stmt = (
        select(AuditEvent.object_id, func.max(AuditEvent.created_at))
        .where(
            AuditEvent.created_at > now() - UNDO_GRADUATION,
            AuditEvent.action == "enrolment.status_changed",
            AuditEvent.object_type == "enrolment",
            AuditEvent.object_id.in_([e.id for e in graduated]),
            AuditEvent.municipality_id.in_({e.municipality_id for e in graduated}),
            AuditEvent.detail["to"].as_string() == str(EnrolmentStatus.GRADUATED),
        )
        .group_by(AuditEvent.object_id)
    )
    return {enrolment_id: at for enrolment_id, at in db.session.execute(stmt)}


def missing_by_ambassador(enrolments, municipality) -> dict[int, list[ConsentPurpose]]:
    """For a page of enrolments: the purposes each ambassador lacks (one query)."""
    people = {e.ambassador.id: e.ambassador for e in enrolments}
    standing: dict[int, list[Consent]] = {i: [] for i in people}
    for consent in standing_consents(people):
        standing[consent.ambassador_id].append(consent)
    return {i: rules.missing_purposes(people[i], standing[i], municipality) for i in people}


def my_enrolments(actor) -> Select:
    """An ambassador's own enrolments, newest cohort first, with the cohort loaded."""
    return (
        visible(Enrolment, actor)
        .where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .join(Enrolment.cohort)
        .options(db.contains_eager(Enrolment.cohort))
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    )


def lead_choices(actor) -> list[User]:
    """People who may lead a cohort: active youth workers and coordinators of my municipality."""
    roles = [role for role, perms in GRANTS.items() if Perm.ENROL in perms]
    stmt = visible(User, actor).where(User.active.is_(True), User.role.in_(roles))
    return list(db.session.scalars(stmt.order_by(nb_order(User.name), User.id)))


def cohort_page(actor, cohort_id: int) -> Cohort:
    """One visible cohort with its leads and municipality (what its pages show), else 404."""
    values = {**BoundActor.values(actor), "cohort": cohort_id}
    found = db.session.execute(_cohort_page_stmt(actor), values)
    cohort = found.unique().scalar_one_or_none()
    if cohort is None:
        abort(404)
    return cohort


def to_follow(actor, limit: int = 20) -> list[Cohort]:
    """The active cohorts a member of staff follows from their home: those they lead, or, when
    they lead none, every active cohort of their municipality (at most `limit`)."""
    stmt = visible(Cohort, actor).where(Cohort.status == CohortStatus.ACTIVE)
    led = stmt.where(
        Cohort.id.in_(select(cohort_lead.c.cohort_id).where(cohort_lead.c.user_id == actor.id))
    )
    order = (Cohort.starts_on.desc(), Cohort.id.desc())
    cohorts = list(db.session.scalars(led.order_by(*order).limit(limit)))
    return cohorts or list(db.session.scalars(stmt.order_by(*order).limit(limit)))


@built_once
def _cohort_page_stmt(actor) -> Select:
    """Built once for each kind of actor: every cohort page reads its cohort with it."""
    return with_leads(
        scoped(select(Cohort), Cohort, actor)
        .options(db.contains_eager(Cohort.leads.of_type(LEAD)), db.joinedload(Cohort.municipality))
        .where(Cohort.id == bindparam("cohort"))
    )


def leads_any(actor) -> bool:
    """Does `actor` lead at least one cohort? (Then "cohorts I lead" is the default filter.)"""
    return bool(
        db.session.scalar(
            select(func.count()).select_from(cohort_lead).where(cohort_lead.c.user_id == actor.id)
        )
    )


def enrolled_among(cohort: Cohort, ambassador_ids) -> set[int]:
    """Which of these ambassadors are already in the cohort."""
    ids = list(ambassador_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Enrolment.ambassador_id).where(
                Enrolment.cohort_id == cohort.id, Enrolment.ambassador_id.in_(ids)
            )
        )
    )


def enrolment_page(actor, enrolment_id: int) -> Enrolment:
    stmt = (
        visible(Enrolment, actor)
        .options(db.joinedload(Enrolment.ambassador), db.joinedload(Enrolment.cohort))
        .where(Enrolment.id == enrolment_id)
    )
    return db.one_or_404(stmt)


def without_login(actor, cohort: Cohort) -> list[Ambassador]:
    """The cohort's people (not withdrawn) who have no login yet, by name."""
    stmt = (
        visible(Ambassador, actor)
        .join(Enrolment, Enrolment.ambassador_id == Ambassador.id)
        .options(db.joinedload(Ambassador.municipality))
        .where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            Ambassador.user_id.is_(None),
        )
        .order_by(nb_order(Ambassador.name), Ambassador.id)
    )
    return list(db.session.scalars(stmt))
