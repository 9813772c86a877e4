"""Concepts: what a team of ambassadors develops from an idea to a launch, with its timeline,
reach figures, attachments, and when each team member last looked at it.

A concept belongs to one cohort (and so one municipality, copied here for scoping); its team
is a set of that cohort's enrolments. Who sees and changes what: concepts/rules.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..enums import ConceptFormat, ConceptStage, ReachKind, TimelineKind, enum_type
from ..extensions import db
from .base import TimestampMixin
from .cohorts import Cohort, Enrolment
from .people import User


def _stage_type(name: str):
    """ConceptStage for a second stage column of a table: its CHECK constraint needs a name of
    its own (ck_<table>_<name>), as two constraints of one table cannot share one."""
    column_type = enum_type(ConceptStage)
    column_type.name = name
    return column_type


TITLE_LENGTH = 120
TARGET_LENGTH = 300
TEXT_LENGTH = 5000
REASON_LENGTH = 500
FILENAME_LENGTH = 200


class Concept(TimestampMixin, db.Model):
    """A team's concept in one cohort. A draft has no submitted_at."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    challenge: Mapped[str] = mapped_column(Text, default="")
    target_group: Mapped[str] = mapped_column(String(TARGET_LENGTH), default="")
    idea: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[ConceptFormat]
    stage: Mapped[ConceptStage] = mapped_column(default=ConceptStage.IDEA, index=True)
    # The stage a stopped concept was stopped at (staff may take it back there).
    stopped_from: Mapped[ConceptStage | None] = mapped_column(_stage_type("stoppedfrom"))
    stop_reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    # Started from another city's published best case (allin/spread): the original concept,
    # so that its name, city and title are read as they are now.
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("concept.id", ondelete="SET NULL"), index=True
    )

    cohort: Mapped[Cohort] = relationship()
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])
    # The team as it is now; `team_history` also holds those who left (never deleted: a
    # photo taken while they were on the team stays private without their consent).
    members: Mapped[list[ConceptMember]] = relationship(
        primaryjoin="and_(ConceptMember.concept_id == Concept.id, ConceptMember.left_at.is_(None))",
        order_by="ConceptMember.id",
        viewonly=True,
    )
    team_history: Mapped[list[ConceptMember]] = relationship(
        back_populates="concept", cascade="all, delete-orphan", order_by="ConceptMember.id"
    )

    __table_args__ = (
        # The board: each stage's newest concepts of a municipality, read from the index in
        # order (a LIMIT stops after a column's worth), and the counts by stage.
        Index(
            "ix_concept_municipality_id_stage_updated_at_id",
            "municipality_id",
            "stage",
            "updated_at",
            "id",
        ),
        CheckConstraint(
            "(stage = 'stopped') = (stop_reason IS NOT NULL AND stopped_from IS NOT NULL)",
            name="stopped_with_reason",
        ),
    )

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None

    def __repr__(self) -> str:
        return f"<Concept {self.id} {self.stage}>"


class ConceptMember(db.Model):
    """An enrolment of the concept's cohort on its team; one who left keeps the row with
    `left_at` set (and comes back on the same row)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(
        ForeignKey("concept.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    left_at: Mapped[datetime | None]

    concept: Mapped[Concept] = relationship(back_populates="team_history")
    enrolment: Mapped[Enrolment] = relationship()

    __table_args__ = (UniqueConstraint("concept_id", "enrolment_id"),)


class TimelineEntry(db.Model):
    """One line of a concept's history: a stage change, an update, feedback or an answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concept.id", ondelete="CASCADE"))
    kind: Mapped[TimelineKind]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    from_stage: Mapped[ConceptStage | None] = mapped_column(_stage_type("fromstage"))
    to_stage: Mapped[ConceptStage | None] = mapped_column(_stage_type("tostage"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    author: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_timeline_entry_concept_id_created_at", "concept_id", "created_at"),
        # The report's launches in a period (reports/figures.py::_launches), from this alone.
        Index("ix_timeline_entry_report_launches", "to_stage", "created_at", "concept_id"),
        CheckConstraint(
            "(kind = 'stage_change') = (to_stage IS NOT NULL)", name="stage_change_has_stage"
        ),
    )


class ReachFigure(db.Model):
    """A figure (people reached, events held, users) as it stood on a date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(
        ForeignKey("concept.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReachKind]
    value: Mapped[int]
    measured_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    __table_args__ = (CheckConstraint("value >= 0 AND value <= 100000000", name="value_range"),)


class Attachment(db.Model):
    """A file of a concept: a re-encoded image or a PDF, stored under a random name in the
    instance folder (concepts/files.py); only metadata lives here."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    concept_id: Mapped[int] = mapped_column(
        ForeignKey("concept.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(40), unique=True)
    original_name: Mapped[str] = mapped_column(String(FILENAME_LENGTH))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    # A photo showing ambassadors is public (on a best case) only with their photo consent;
    # the uploader says whether it does, and "yes" is the default (privacy by default).
    shows_people: Mapped[bool] = mapped_column(default=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class AttachmentSubject(db.Model):
    """Someone on the concept's team when the file was uploaded: they may be in the photo,
    so it is public only with their photo consent, whether or not they are on the team now.
    An ambassador with such a row cannot be deleted (RESTRICT) before the photo is."""

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True
    )
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class ConceptSeen(db.Model):
    """When a person last opened a concept: feedback after that is unread for them."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    concept_id: Mapped[int] = mapped_column(
        ForeignKey("concept.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    seen_at: Mapped[datetime] = mapped_column(default=now)
