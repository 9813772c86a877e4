"""Reads: the unread count (folded into the sign-in query), a page of one's notifications
with what they are about, and the ambassador's home."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from ..access import Perm, can, scoped
from ..extensions import db
from ..models import Ambassador, Concept, Notification, TrainingSession, User
from . import texts


def unread_count(user_id_column):
    """A scalar subquery: the user's unread notifications (the recipient-and-read index).
    auth/login.py reads it in the sign-in query every request runs anyway, so the bell in the
    header costs no query of its own."""
    return (
        select(func.count(Notification.id))
        .where(Notification.recipient_id == user_id_column, Notification.read_at.is_(None))
        .scalar_subquery()
    )


Person = aliased(User, name="person")  # the account a notification is about


def _with_subjects(stmt: Select, actor) -> Select:
    """What each notification is about, as far as `actor` may see it now: a session, a
    concept or a young person they no longer see (withdrawn, moved away) joins as nothing."""
    seen_sessions = scoped(select(TrainingSession.id), TrainingSession, actor)
    seen_concepts = scoped(select(Concept.id), Concept, actor)
    seen_ambassadors = scoped(select(Ambassador.id), Ambassador, actor)
    seen_people = scoped(select(User.id), User, actor)
    return (
        stmt.select_from(Notification)
        .outerjoin(
            TrainingSession,
            (TrainingSession.id == Notification.session_id) & TrainingSession.id.in_(seen_sessions),
        )
        .outerjoin(Concept, (Concept.id == Notification.concept_id) & Concept.id.in_(seen_concepts))
        .outerjoin(
            Ambassador,
            (Ambassador.id == Notification.ambassador_id) & Ambassador.id.in_(seen_ambassadors),
        )
        .outerjoin(Person, (Person.id == Notification.person_id) & Person.id.in_(seen_people))
    )


COLUMNS = (
    Notification,
    TrainingSession.title.label("session_title"),
    TrainingSession.starts_at,
    TrainingSession.ends_at,
    TrainingSession.cancelled_at,
    Concept.title.label("concept_title"),
    Concept.stage.label("concept_stage"),
    Ambassador.name.label("ambassador_name"),
    Person.name.label("person_name"),
)


def newest_first(actor, *, unread_only: bool = False) -> Select:
    stmt = _with_subjects(scoped(select(*COLUMNS), Notification, actor), actor)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def page_of(actor):
    """fetch(limit, offset) for paginate_rows: the rows and the total in one query."""

    def fetch(limit: int, offset: int):
        stmt = newest_first(actor).add_columns(
            func.count().over().label("total"), func.max(Notification.id).over().label("newest")
        )
        rows = db.session.execute(stmt.limit(limit).offset(offset)).all()
        total = rows[0].total if rows else _total(actor)
        return rows, total

    return fetch


def _total(actor) -> int:

    stmt = scoped(select(func.count(Notification.id)), Notification, actor)
    return db.session.scalar(stmt)


def opened(actor, notification_id: int):
    """One of the actor's notifications with what it is about; None when it is not theirs."""

    stmt = _with_subjects(scoped(select(*COLUMNS), Notification, actor), actor)
    return db.session.execute(stmt.where(Notification.id == notification_id)).first()


HOME_LIMIT = 5


def ambassador_home(actor, *, unread: int) -> dict:
    """An ambassador's unread notifications, newest first (a few; the bell leads to all).
    `unread` is the bell's count, read with the sign-in: with none, no query at all."""
    if not unread or can(actor, Perm.ENROL) or not can(actor, Perm.VIEW_COHORTS):
        return {}
    stmt = newest_first(actor, unread_only=True).limit(HOME_LIMIT)
    return {"my_notifications": [texts.item(row) for row in db.session.execute(stmt)]}
