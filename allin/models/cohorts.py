"""Cohorts, their leads, enrolments, and spreadsheet imports waiting for confirmation."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..collation import nb_order
from ..enums import CohortRole, CohortStatus, EnrolmentStatus, WithdrawalReason
from ..extensions import db
from .ambassadors import Ambassador
from .base import TimestampMixin
from .people import Municipality, User

cohort_lead = Table(
    "cohort_lead",
    db.metadata,
    Column("cohort_id", ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Cohort(TimestampMixin, db.Model):
    """A group of ambassadors in one municipality, for a term or a year."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[CohortStatus] = mapped_column(default=CohortStatus.PLANNED)
    description: Mapped[str] = mapped_column(String(500), default="")

    municipality: Mapped[Municipality] = relationship()
    leads: Mapped[list[User]] = relationship(
        secondary=cohort_lead, order_by=lambda: nb_order(User.name)
    )

    __table_args__ = (
        UniqueConstraint("municipality_id", "name"),
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name!r}>"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits, 43 characters


class Enrolment(db.Model):
    """An ambassador in a cohort (once per cohort)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[EnrolmentStatus] = mapped_column(default=EnrolmentStatus.ACTIVE)
    role: Mapped[CohortRole] = mapped_column(default=CohortRole.AMBASSADOR)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    enrolled_at: Mapped[datetime] = mapped_column(default=now)
    withdrawal_reason: Mapped[WithdrawalReason | None]
    withdrawal_note: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The ambassador's own secret address of the cohort's calendar: it stops working when they
    # withdraw (staff share the cohort's address, models/training.py::CalendarFeed).
    feed_token: Mapped[str | None] = mapped_column(String(43), unique=True, default=new_feed_token)

    cohort: Mapped[Cohort] = relationship()
    ambassador: Mapped[Ambassador] = relationship()
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])

    __table_args__ = (
        UniqueConstraint("ambassador_id", "cohort_id"),
        CheckConstraint(
            f"(status = '{EnrolmentStatus.WITHDRAWN}') = (withdrawn_at IS NOT NULL)",
            name="withdrawn_stamped",
        ),
    )

    def __repr__(self) -> str:
        return f"<Enrolment {self.id} {self.status}>"


class CohortImport(db.Model):
    """A parsed spreadsheet waiting for its confirmation; confirmed once (single_use.spend)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The random id in the preview's address; ids are not guessable across users.
    key: Mapped[str] = mapped_column(String(43), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    filename: Mapped[str] = mapped_column(String(200), default="")
    row_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    # {"rows": [...], "ignored": [...]}: parsed values, matches and errors for the preview.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<CohortImport {self.id}>"
