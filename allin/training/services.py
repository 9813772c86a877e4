"""Writes for sessions, the programme template, the roll call and the calendar address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import audit
from ..access import visible
from ..clock import now
from ..enums import AttendanceValue, EnrolmentStatus, Phase
from ..errors import DomainError
from ..extensions import db
from ..guide import selectors as guide_selectors
from ..models import (
    Attendance,
    CalendarFeed,
    Cohort,
    Enrolment,
    SessionTool,
    TrainingSession,
    User,
)
from ..models.cohorts import new_feed_token
from ..notifications import services as notifications
from . import programme, selectors, times
from .rules import can_facilitate, can_schedule_in, can_take_attendance


@dataclass(frozen=True)
class SessionFields:
    """What the session form sends; times are naive Oslo wall-clock readings."""

    title: str
    phase: Phase
    starts: datetime
    ends: datetime
    place: str = ""
    online_url: str = ""
    agenda: str = ""
    facilitator_id: int | None = None
    tools: tuple[str, ...] = ()  # pair keys of published guide tools


def _facilitator(actor: User, cohort: Cohort, user_id: int | None) -> int | None:
    if not user_id:
        return None
    user = db.session.scalar(visible(User, actor).where(User.id == user_id))
    if user is None or not can_facilitate(user, cohort.municipality_id):
        raise DomainError(_l("Choose the facilitator among the staff of your municipality."))
    return user.id


def _set_tools(session: TrainingSession, keys: set[str]) -> None:
    """List exactly these guide tools. Each one added must be a published tool (in either
    language); one listed before stays even when it is no longer published (pages show only
    published ones), so saving a session never fails over a tool someone else unpublished."""
    current = set(selectors.tool_keys(session))
    if keys == current:
        return
    added = keys - current
    if guide_selectors.published_tool_keys(added) != added:
        raise DomainError(_l("Choose the tools among the guide's published tools."))
    db.session.execute(delete(SessionTool).where(SessionTool.session_id == session.id))
    db.session.add_all(SessionTool(session_id=session.id, pair_key=key) for key in sorted(keys))


def _refuse_unless_scheduler(actor: User, record) -> None:
    if not can_schedule_in(actor, record):
        raise DomainError(_l("You cannot schedule sessions for this cohort."))


def save_session(
    *, actor: User, cohort: Cohort, fields: SessionFields, session: TrainingSession | None = None
) -> TrainingSession:
    """Create (session=None) or edit a session of `cohort`."""
    _refuse_unless_scheduler(actor, cohort)
    if session is not None and session.cohort_id != cohort.id:
        raise DomainError(_l("This session belongs to another cohort."))
    starts_at, ends_at = times.from_local(fields.starts), times.from_local(fields.ends)
    if ends_at <= starts_at:
        raise DomainError(_l("The session must end after it starts."))
    facilitator_id = _facilitator(actor, cohort, fields.facilitator_id)
    created = session is None
    before = None if created else _when_and_where(session)
    if created:
        session = TrainingSession(municipality_id=cohort.municipality_id, cohort_id=cohort.id)
        db.session.add(session)
    session.title, session.phase = fields.title, Phase(fields.phase)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.place, session.online_url = fields.place or "", fields.online_url or ""
    session.agenda, session.facilitator_id = fields.agenda or "", facilitator_id
    db.session.flush()
    _set_tools(session, set(fields.tools))
    ensure_feed(cohort)
    if before is not None and before != _when_and_where(session):
        notifications.session_changed(session, actor=actor)
    audit.record(
        "session.created" if created else "session.updated",
        actor=actor,
        target=session,
        cohort_id=cohort.id,
    )
    return session


def _when_and_where(session: TrainingSession) -> tuple:
    """What the people of a session are told about when it changes."""
    return (session.starts_at, session.ends_at, session.place, session.online_url)


def cancel_session(session: TrainingSession, *, actor: User) -> None:
    """Kept and shown as cancelled, left out of every count; once (a conditional UPDATE)."""
    _refuse_unless_scheduler(actor, session)
    stamp = now()
    result = db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session.id, TrainingSession.cancelled_at.is_(None))
        .values(cancelled_at=stamp, cancelled_by_id=actor.id, updated_at=stamp)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(_l("This session was already cancelled."))
    session.cancelled_at, session.cancelled_by_id = stamp, actor.id
    notifications.session_cancelled(session, actor=actor)
    audit.record("session.cancelled", actor=actor, target=session)


def apply_programme(*, actor: User, cohort: Cohort, language: str) -> int:
    """Create the programme's sessions, dated from the cohort's start. Each step's key is
    unique per cohort (a database constraint), so steps already there are skipped: applying
    twice, or twice at once, makes each session once. Returns how many were made."""
    _refuse_unless_scheduler(actor, cohort)
    stamp = now()
    rows = []
    for step in programme.steps():
        starts, ends = step.wall_times(cohort.starts_on)
        rows.append(
            {
                "municipality_id": cohort.municipality_id,
                "cohort_id": cohort.id,
                "title": step.text("title", language),
                "phase": step.phase,
                "starts_at": times.from_local(starts),
                "ends_at": times.from_local(ends),
                "place": "",
                "online_url": "",
                "agenda": step.text("agenda", language),
                "template_key": step.key,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    stmt = _dialect_insert(TrainingSession).on_conflict_do_nothing(
        index_elements=["cohort_id", "template_key"]
    )
    made = db.session.execute(
        stmt.returning(TrainingSession.id, TrainingSession.template_key), rows
    ).all()
    if made:
        link_programme_tools(made)
        ensure_feed(cohort)
        audit.record("session.programme_applied", actor=actor, target=cohort, sessions=len(made))
    return len(made)


def link_programme_tools(sessions) -> None:
    """List on each (session id, programme step key) the guide tools the step names
    (programme.toml), those the guide has published."""
    named = {step.key: step.tools for step in programme.steps()}
    wanted = {key for _id, step in sessions for key in named.get(step, ())}
    published = guide_selectors.published_tool_keys(wanted)
    rows = [
        {"session_id": session_id, "pair_key": key}
        for session_id, step in sessions
        for key in named.get(step, ())
        if key in published
    ]
    if rows:
        stmt = _dialect_insert(SessionTool).on_conflict_do_nothing()
        db.session.execute(stmt, rows)


def _dialect_insert(model):
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def _insert_ignoring_duplicates(model, rows: list[dict], keys: list[str]) -> int:
    if not rows:
        return 0
    stmt = _dialect_insert(model).on_conflict_do_nothing(index_elements=keys)
    result = db.session.execute(stmt.returning(model.id), rows)
    return len(result.all())


# ---- roll call ------------------------------------------------------------------------------


def roll_call_open(session: TrainingSession) -> bool:
    """Open from the session's day (in Oslo) on; never for a cancelled session."""
    return session.cancelled_at is None and times.local_date(session.starts_at) <= times.today()


def check_in_open(session: TrainingSession) -> bool:
    """Ambassadors check themselves in (allin/checkin) on the session's day only (in Oslo)."""
    return session.cancelled_at is None and times.local_date(session.starts_at) == times.today()


def _refuse_unless_open(actor: User, session: TrainingSession) -> None:
    if not can_take_attendance(actor, session):
        raise DomainError(_l("You cannot take the roll call of this session."))
    if session.cancelled_at is not None:
        raise DomainError(_l("This session is cancelled; it has no roll call."))
    if not roll_call_open(session):
        raise DomainError(_l("The roll call opens on the day of the session."))


def _attendance_insert(session: TrainingSession, enrolment_id: int, values: dict):
    return _dialect_insert(Attendance).values(
        municipality_id=session.municipality_id,
        session_id=session.id,
        enrolment_id=enrolment_id,
        **values,
    )


def record_check_in(session: TrainingSession, *, actor: User, enrolment_id: int) -> bool:
    """An ambassador checked themself in (allin/checkin decided that they may): present, unless
    something is recorded for them already - a mark by staff is never overwritten, whatever it
    says; staff correct it on the roll call. One insert that does nothing on a conflict, so two
    phones of the same person, or a youth worker's tap at the same moment, make one row.
    Like a first tap on the roll call it is not audited (recorded_by_id says who: the
    ambassador's own login); a later correction by staff is. Returns whether this made the
    row."""
    values = {"value": AttendanceValue.PRESENT, "recorded_by_id": actor.id, "recorded_at": now()}
    made = db.session.execute(
        _attendance_insert(session, enrolment_id, values)
        .on_conflict_do_nothing(index_elements=["session_id", "enrolment_id"])
        .returning(Attendance.id)
    ).first()
    return made is not None


def record_attendance(
    session: TrainingSession, *, actor: User, enrolment_id: int, value: AttendanceValue
) -> None:
    """Record one ambassador's attendance; the last write wins (one upsert, no duplicate row
    when two youth workers tap at once). A changed value is audited as a correction."""
    _refuse_unless_open(actor, session)
    try:
        value = AttendanceValue(value)
    except ValueError:
        raise DomainError(_l("Choose present, late, excused or absent.")) from None
    recorded = (Attendance.enrolment_id == Enrolment.id) & (Attendance.session_id == session.id)
    found = db.session.execute(  # the member and what was recorded for them, in one query
        visible(Enrolment, actor)
        .outerjoin(Attendance, recorded)
        .add_columns(Attendance.value)
        .where(
            Enrolment.id == enrolment_id,
            Enrolment.cohort_id == session.cohort_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
        )
    ).first()
    if found is None:
        raise DomainError(_l("This person is not an active member of the session's cohort."))
    enrolment, before = found
    values = {"value": value, "recorded_by_id": actor.id, "recorded_at": now()}
    db.session.execute(
        _attendance_insert(session, enrolment.id, values).on_conflict_do_update(
            index_elements=["session_id", "enrolment_id"], set_=values
        )
    )
    if before is not None and before != value:
        audit.record(
            "attendance.corrected",
            actor=actor,
            target=session,
            enrolment_id=enrolment.id,
            **{"from": str(before), "to": str(value)},
        )


def mark_rest(session: TrainingSession, value: AttendanceValue, *, actor: User) -> int:
    """Everyone active in the cohort without a value yet gets `value` - present at the start
    ("everyone is here", then the exceptions), absent at the end (one INSERT ... SELECT; a
    value recorded meanwhile is kept). Returns how many."""
    if value not in (AttendanceValue.PRESENT, AttendanceValue.ABSENT):
        raise ValueError(value)
    _refuse_unless_open(actor, session)
    stamp = now()
    rows = [
        {
            "municipality_id": municipality_id,
            "session_id": session.id,
            "enrolment_id": enrolment_id,
            "value": value,
            "recorded_by_id": actor.id,
            "recorded_at": stamp,
        }
        for municipality_id, enrolment_id in db.session.execute(selectors.unmarked(actor, session))
    ]
    made = _insert_ignoring_duplicates(Attendance, rows, ["session_id", "enrolment_id"])
    if made and value == AttendanceValue.PRESENT:
        audit.record("attendance.rest_present", actor=actor, target=session, count=made)
    elif made:
        audit.record("attendance.rest_absent", actor=actor, target=session, count=made)
    return made


# ---- calendar feed --------------------------------------------------------------------------


def ensure_feed(cohort: Cohort) -> None:
    """Give the cohort its calendar address once it has sessions (no-op when it has one)."""
    stmt = _dialect_insert(CalendarFeed).on_conflict_do_nothing(index_elements=["cohort_id"])
    db.session.execute(
        stmt,
        [
            {
                "municipality_id": cohort.municipality_id,
                "cohort_id": cohort.id,
                "token": new_feed_token(),
                "created_at": now(),
            }
        ],
    )


def rotate_feed(cohort: Cohort, *, actor: User) -> None:
    """A new secret address; the old one answers 404 from now on."""
    _refuse_unless_scheduler(actor, cohort)
    ensure_feed(cohort)
    db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.cohort_id == cohort.id)
        .values(token=new_feed_token(), created_at=now())
        .execution_options(synchronize_session=False)
    )
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)):
        enrolment.feed_token = new_feed_token()  # each ambassador's own address too
    audit.record("calendar.rotated", actor=actor, target=cohort)
