"""Follow-up of launched concepts: check-ins 3, 6 and 12 months after the launch, each with
its municipal owner, and, once done, how the concept is doing (allin/followup)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import CheckInStatus
from ..extensions import db
from .concepts import Concept
from .people import User

NOTE_LENGTH = 500
MONTHS = (3, 6, 12)


class ConceptCheckIn(db.Model):
    """One check-in of a launched concept; completed once (single_use.spend)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concept.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    months: Mapped[int] = mapped_column(SmallInteger)
    due_on: Mapped[date]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[CheckInStatus | None]
    reach: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(NOTE_LENGTH), default="")

    concept: Mapped[Concept] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    __table_args__ = (
        UniqueConstraint("concept_id", "months"),
        Index("ix_concept_check_in_municipality_id_due_on", "municipality_id", "due_on"),
        CheckConstraint("months IN (3, 6, 12)", name="months"),
        CheckConstraint("(completed_at IS NULL) = (status IS NULL)", name="completed_with_status"),
        CheckConstraint("reach IS NULL OR (reach >= 0 AND reach <= 100000000)", name="reach"),
    )
