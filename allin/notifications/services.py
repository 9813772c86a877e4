"""Events become notifications: one per recipient, at most once (the unique key of event and
recipient, decided by the database), in the caller's transaction; those of a kind that is
e-mailed also become outbox jobs for recipients with an e-mail address.

Who is told is the programme's rule, not what the person who acted may see: a session's
active ambassadors with a login and its cohort's leads; a concept's current team. The person
who acted is never told about their own act. These reads have no actor (a command, or on
behalf of the programme), so they do not start from access.visible(): each is bounded by the
one session, cohort or concept it is about. What a notification shows is read through the
recipient's own scope when it is shown or sent (selectors.py, emails.py).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import (
    Select,
    String,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from .. import outbox
from ..clock import now
from ..enums import EnrolmentStatus, MailKind, NotificationKind
from ..extensions import db
from ..models import (
    Ambassador,
    Concept,
    ConceptMember,
    Enrolment,
    MailJob,
    Notification,
    NotificationPreference,
    TrainingSession,
    User,
    cohort_lead,
)
from ..training import times

# Kinds that are also e-mailed to a recipient with an e-mail address, unless they turned the
# kind off (NotificationPreference; on by default). Feedback and stage moves are told in the
# app only: the team reads them where they answer.
EMAILED = frozenset(
    {
        NotificationKind.SESSION_TOMORROW,
        NotificationKind.SESSION_CHANGED,
        NotificationKind.SESSION_CANCELLED,
        NotificationKind.WEEKLY_DIGEST,
    }
)
# Kinds told to staff only: an ambassador is never offered them.
STAFF_ONLY = frozenset({NotificationKind.WEEKLY_DIGEST})
BATCH = 500  # rows per statement when a flood (a network's reminders) is written
# Reminders of tomorrow's sessions are made from this hour (Oslo) the day before: an e-mail
# in the morning, not from a cron run just after midnight.
REMINDERS_FROM = time(10, 0)


def _insert(model):
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


_SESSION_RECIPIENT_COLUMNS = (
    TrainingSession.id.label("session_id"),
    TrainingSession.municipality_id.label("municipality_id"),
    User.id.label("user_id"),
)


def _session_recipients(session_ids) -> Select:
    """(session id, municipality id, user id) of everyone a session's news is for: the active
    ambassadors of its cohort who have an active login, and the cohort's active leads."""
    members = (
        select(*_SESSION_RECIPIENT_COLUMNS)
        .join(Enrolment, Enrolment.cohort_id == TrainingSession.cohort_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .join(User, User.id == Ambassador.user_id)
        .where(
            TrainingSession.id.in_(session_ids),
            Enrolment.status == EnrolmentStatus.ACTIVE,
            User.active.is_(True),
        )
    )
    leads = (
        select(*_SESSION_RECIPIENT_COLUMNS)
        .join(cohort_lead, cohort_lead.c.cohort_id == TrainingSession.cohort_id)
        .join(User, User.id == cohort_lead.c.user_id)
        .where(TrainingSession.id.in_(session_ids), User.active.is_(True))
    )
    return union(members, leads)


def _team_recipients(concept_id: int) -> Select:
    """The users of the concept's current team members who are still in the cohort."""
    return (
        select(Concept.municipality_id, User.id)
        .join(ConceptMember, ConceptMember.concept_id == Concept.id)
        .join(Enrolment, Enrolment.id == ConceptMember.enrolment_id)
        .join(Ambassador, Ambassador.id == Enrolment.ambassador_id)
        .join(User, User.id == Ambassador.user_id)
        .where(
            Concept.id == concept_id,
            ConceptMember.left_at.is_(None),
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            User.active.is_(True),
        )
    )


def create(rows: list[dict]) -> list[int]:
    """Insert the rows an event makes, skipping any already there; the ids of the new ones."""
    made: list[int] = []
    stmt = _insert(Notification).on_conflict_do_nothing(
        index_elements=["recipient_id", "event_key"]
    )
    connection = db.session.connection()  # Core, not the ORM's bulk path: rows, no objects
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        made += connection.execute(stmt.returning(Notification.id), batch).scalars().all()
    if made and any(row["kind"] in EMAILED for row in rows):
        _queue_mail(made)
    return made


def _queue_mail(notification_ids: list[int]) -> None:
    """An outbox job for each new notification of an e-mailed kind whose recipient has an
    e-mail address (their login, which their invitation or a reset link reached) and has not
    turned that kind off: INSERT ... SELECT, a batch of notifications at a time."""
    columns = ("kind", "recipient", "locale", "created_at", "attempts", "notification_id")
    table = MailJob.__table__
    jobs: list[int] = []
    for start in range(0, len(notification_ids), BATCH):
        ids = notification_ids[start : start + BATCH]
        source = (
            select(
                literal(MailKind.NOTIFICATION, table.c.kind.type),
                User.email,
                func.coalesce(User.language, "nb"),
                literal(now(), table.c.created_at.type),
                literal(0),
                Notification.id,
            )
            .join(User, User.id == Notification.recipient_id)
            .outerjoin(NotificationPreference, _preference_of_notification())
            .where(
                Notification.id.in_(ids),
                Notification.kind.in_(EMAILED),
                User.email.is_not(None),
                or_(NotificationPreference.email.is_(None), NotificationPreference.email),
            )
            .order_by(Notification.id)
        )
        stmt = insert(MailJob).from_select(columns, source).returning(MailJob.id)
        jobs += db.session.connection().execute(stmt).scalars().all()
    outbox.run_after_response(jobs)


def _preference_of_notification():
    return (NotificationPreference.user_id == Notification.recipient_id) & (
        NotificationPreference.kind == Notification.kind
    )


def wants_email(user_id: int, kind: NotificationKind) -> bool:
    """The person's choice for this kind, else its default (EMAILED)."""
    chosen = db.session.scalar(
        select(NotificationPreference.email).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return kind in EMAILED if chosen is None else chosen


def email_choices(user_id: int, *, staff: bool = True) -> dict[NotificationKind, bool]:
    """Each kind that can be e-mailed (to staff, or to an ambassador), with the person's
    choice or its default."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.email).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    kinds = EMAILED if staff else EMAILED - STAFF_ONLY
    order = list(NotificationKind)
    return {kind: chosen.get(kind, True) for kind in sorted(kinds, key=order.index)}


def set_email(user_id: int, kind: NotificationKind, email: bool) -> None:
    """Record the person's choice (an upsert: the last choice wins)."""
    if kind not in EMAILED:
        raise ValueError(kind)
    values = {"email": email, "changed_at": now()}
    db.session.execute(
        _insert(NotificationPreference)
        .values(user_id=user_id, kind=kind, **values)
        .on_conflict_do_update(index_elements=["user_id", "kind"], set_=values)
    )


def _rows(kind, key, recipients, **about) -> list[dict]:
    stamp = now()
    return [
        {
            "municipality_id": municipality_id,
            "recipient_id": user_id,
            "kind": kind,
            "event_key": key,
            "created_at": stamp,
            **about,
        }
        for municipality_id, user_id in recipients
    ]


def _tell_about_session(session: TrainingSession, kind, key: str, actor) -> int:
    found = db.session.execute(_session_recipients([session.id])).all()
    recipients = {(m, u) for _s, m, u in found if actor is None or u != actor.id}
    return len(create(_rows(kind, key, sorted(recipients), session_id=session.id)))


def session_changed(session: TrainingSession, *, actor) -> int:
    """Its time or place changed: each change is told once to everyone it is for."""
    if session.cancelled_at is not None or session.ends_at <= now():
        return 0
    key = f"changed:{session.id}:{now():%Y%m%dT%H%M%S%f}"
    return _tell_about_session(session, NotificationKind.SESSION_CHANGED, key, actor)


def session_cancelled(session: TrainingSession, *, actor) -> int:
    """A session that has not ended was cancelled (once: a session is cancelled once)."""
    if session.ends_at <= now():
        return 0
    key = f"cancelled:{session.id}"
    return _tell_about_session(session, NotificationKind.SESSION_CANCELLED, key, actor)


def _tell_team(concept: Concept, kind, key: str, actor) -> int:
    found = db.session.execute(_team_recipients(concept.id)).all()
    recipients = sorted({(m, u) for m, u in found if actor is None or u != actor.id})
    return len(create(_rows(kind, key, recipients, concept_id=concept.id)))


def feedback_given(concept: Concept, *, entry_id: int, actor) -> int:
    """Staff wrote feedback: each member of the team is told."""
    return _tell_team(concept, NotificationKind.CONCEPT_FEEDBACK, f"feedback:{entry_id}", actor)


def stage_moved(concept: Concept, *, entry_id: int, actor) -> int:
    """The concept moved stage (the team's own move, or staff's): the rest of the team is
    told."""
    return _tell_team(concept, NotificationKind.CONCEPT_STAGE, f"stage:{entry_id}", actor)


def consent_withdrawn(ambassador, *, consent_id: int, actor) -> int:
    """A consent of `ambassador` was withdrawn: the leads of the cohorts they are active or
    invited in are told (in the app: the rule it may change is theirs to follow)."""
    found = db.session.execute(
        select(Enrolment.municipality_id, User.id)
        .join(cohort_lead, cohort_lead.c.cohort_id == Enrolment.cohort_id)
        .join(User, User.id == cohort_lead.c.user_id)
        .where(
            Enrolment.ambassador_id == ambassador.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
            User.active.is_(True),
        )
    ).all()
    recipients = sorted({(m, u) for m, u in found if actor is None or u != actor.id})
    kind, key = NotificationKind.CONSENT_WITHDRAWN, f"consent:{consent_id}"
    return len(create(_rows(kind, key, recipients, ambassador_id=ambassador.id)))


def invitation_accepted(invitation, user) -> int:
    """Whoever sent the invitation is told that it made an account (in the app)."""
    if invitation.invited_by_id is None or invitation.invited_by_id == user.id:
        return 0
    row = {
        "municipality_id": invitation.municipality_id,
        "recipient_id": invitation.invited_by_id,
        "kind": NotificationKind.INVITATION_ACCEPTED,
        "event_key": f"invitation:{invitation.id}",
        "person_id": user.id,
        "created_at": now(),
    }
    return len(create([row]))


def tomorrow_bounds() -> tuple[datetime, datetime]:
    """Tomorrow in Oslo, as a UTC interval [start, end)."""
    day = times.today() + timedelta(days=1)
    start = times.from_local(datetime.combine(day, time.min))
    end = times.from_local(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def remind_tomorrow() -> tuple[int, int]:
    """Every session that starts tomorrow (Oslo) and is not cancelled: a reminder for everyone
    it is for, once per session and day (a session moved to another day is reminded again).
    Set-based: one INSERT ... SELECT makes them all, skipping those already made (the key is
    built in SQL), then their e-mails are queued. Before REMINDERS_FROM (Oslo) nothing is
    due yet. Returns (sessions due, new notifications)."""
    if times.to_local(now()).time() < REMINDERS_FROM:
        return 0, 0
    start, end = tomorrow_bounds()
    due = select(TrainingSession.id).where(
        TrainingSession.starts_at >= start,
        TrainingSession.starts_at < end,
        TrainingSession.cancelled_at.is_(None),
    )
    sessions = db.session.scalar(select(func.count()).select_from(due.subquery()))
    found = _session_recipients(due.scalar_subquery()).subquery()
    day = f":{times.local_date(start):%Y-%m-%d}"
    table = Notification.__table__
    source = select(
        found.c.municipality_id,
        found.c.user_id,
        literal(NotificationKind.SESSION_TOMORROW, table.c.kind.type),
        literal("tomorrow:") + cast(found.c.session_id, String) + literal(day),
        found.c.session_id,
        literal(now(), table.c.created_at.type),
    ).where(true())  # SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT
    columns = ("municipality_id", "recipient_id", "kind", "event_key", "session_id")
    stmt = (
        _insert(Notification)
        .from_select((*columns, "created_at"), source)
        .on_conflict_do_nothing(index_elements=["recipient_id", "event_key"])
        .returning(Notification.id)
    )
    made = db.session.connection().execute(stmt).scalars().all()
    _queue_mail(sorted(made))
    return sessions, len(made)


def checkins_due() -> int:
    """Each launched concept's check-in that is due and not done: its owner is told, once
    (the event key). Returns the new notifications."""
    from ..models import ConceptCheckIn  # issue 24's follow-up

    found = db.session.execute(
        select(
            ConceptCheckIn.id,
            ConceptCheckIn.municipality_id,
            ConceptCheckIn.owner_id,
            ConceptCheckIn.concept_id,
        )
        .join(User, User.id == ConceptCheckIn.owner_id)
        .where(
            ConceptCheckIn.completed_at.is_(None),
            ConceptCheckIn.due_on <= times.today(),
            User.active.is_(True),
        )
    ).all()
    rows = [
        row
        for check_in_id, municipality_id, owner_id, concept_id in found
        for row in _rows(
            NotificationKind.CHECKIN_DUE,
            f"checkin:{check_in_id}",
            [(municipality_id, owner_id)],
            concept_id=concept_id,
        )
    ]
    return len(create(rows)) if rows else 0


def mark_read(actor, notification_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.recipient_id == actor.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=now())
        .execution_options(synchronize_session=False)
    )


def concept_read(actor, concept_id: int) -> None:
    """The person opened the concept: what told them about its feedback is read."""
    db.session.execute(
        update(Notification)
        .where(
            Notification.recipient_id == actor.id,
            Notification.concept_id == concept_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=now())
        .execution_options(synchronize_session=False)
    )


def mark_all_read(actor, *, upto: int) -> int:
    """Every unread notification of `actor` up to the id `upto` (the newest they were shown)."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.recipient_id == actor.id,
            Notification.read_at.is_(None),
            Notification.id <= upto,
        )
        .values(read_at=now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
