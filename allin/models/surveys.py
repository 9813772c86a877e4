"""Anonymous self-assessment: a cohort's rounds, their answers, and who has answered.

Anonymity is in the schema, not in a promise (tests/test_surveys.py inspects it): an answer
has no foreign key but its round's, no time finer than the day, and a random primary key (on
SQLite the table has no rowid either), so neither a join nor the order of the rows leads back
to a person. Who has answered a round (to allow one answer each) is another table with
nothing in common with the answers but the round.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import RoundKind
from ..extensions import db
from .cohorts import Cohort

CODE_WORD_LENGTH = 6
COMMENT_LENGTH = 500
# The programme's statements, in their order: each a column of an answer (1 to 5).
SCORES = ("belong", "safe", "speak_up", "idea", "heard")


def new_round_key() -> str:
    return secrets.token_urlsafe(16)


def new_answer_id() -> str:
    return uuid.uuid4().hex


class SurveyRound(db.Model):
    """A round of the self-assessment in one cohort (at most one of each kind)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RoundKind]
    # The public answer page's address (with the QR code) and the word said in the room.
    key: Mapped[str] = mapped_column(String(22), unique=True, default=new_round_key)
    code_word: Mapped[str] = mapped_column(String(CODE_WORD_LENGTH), unique=True)
    opened_on: Mapped[date]
    closes_on: Mapped[date]
    closed_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Answers so far, counted by the conditional UPDATE that lets an answer in (services).
    answer_count: Mapped[int] = mapped_column(default=0)

    cohort: Mapped[Cohort] = relationship()

    __table_args__ = (
        UniqueConstraint("cohort_id", "kind"),
        CheckConstraint("closes_on >= opened_on", name="dates_ordered"),
    )

    def __repr__(self) -> str:
        return f"<SurveyRound {self.id} {self.kind}>"


class SurveyAnswer(db.Model):
    """One anonymous answer: scores from 1 to 5, an optional comment, and the day."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_answer_id)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    answered_on: Mapped[date]
    belong: Mapped[int] = mapped_column(SmallInteger)
    safe: Mapped[int] = mapped_column(SmallInteger)
    speak_up: Mapped[int] = mapped_column(SmallInteger)
    idea: Mapped[int] = mapped_column(SmallInteger)
    heard: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(COMMENT_LENGTH), default="")

    __table_args__ = (
        *(CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_scale") for name in SCORES),
        # The report's effect section sums each round's scores (reports/effect.py) from this
        # index alone, not the answers.
        Index("ix_survey_answer_report_scores", "round_id", *SCORES),
        {"sqlite_with_rowid": False},
    )


class SurveyRespondent(db.Model):
    """Who has answered a round while signed in: one row each, no time, nothing of the answer."""

    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    # No rowid either: the order in which people answered is not kept.
    __table_args__ = ({"sqlite_with_rowid": False},)
