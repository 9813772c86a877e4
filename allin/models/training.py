"""Training sessions of a cohort, their roll call, and each cohort's calendar feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..enums import AttendanceValue, Phase
from ..extensions import db
from .base import TimestampMixin
from .cohorts import Cohort
from .people import User


class TrainingSession(TimestampMixin, db.Model):
    """A workshop or camp of a cohort. Times are aware UTC; pages show Europe/Oslo."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    phase: Mapped[Phase]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The programme template's step this session was made from (applied once per cohort).
    template_key: Mapped[str | None] = mapped_column(String(40))
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship()
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id])

    __table_args__ = (
        UniqueConstraint("cohort_id", "template_key"),
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
    )

    def __repr__(self) -> str:
        return f"<TrainingSession {self.id} {self.title!r}>"


class SessionTool(db.Model):
    """A guide tool a session uses, by its entries' pair key: the same tool in nb and en, and
    still the same tool when one language version is rewritten or re-created."""

    __tablename__ = "session_tool"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True
    )
    pair_key: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Attendance(db.Model):
    """One ambassador (enrolment) at one session: the last recorded value wins."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[AttendanceValue]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=now)

    session: Mapped[TrainingSession] = relationship()

    __table_args__ = (
        UniqueConstraint("session_id", "enrolment_id"),
        # The report counts every mark of a period's sessions per session and per enrolment
        # (reports/figures.py::_attendance) from this index alone, never the rows.
        Index("ix_attendance_report_marks", "session_id", "value", "enrolment_id"),
    )

    def __repr__(self) -> str:
        return f"<Attendance {self.session_id}/{self.enrolment_id} {self.value}>"


class CalendarFeed(db.Model):
    """The secret address of a cohort's calendar feed; rotating replaces the token."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.cohort_id}>"
