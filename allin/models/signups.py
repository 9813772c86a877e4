"""Sign-up for new ambassadors (issue 25): a cohort's public form, and what young people sent
through it until a youth worker accepts (an enrolment) or declines (deleted).

A pending sign-up holds only what the enrolment needs, and not for long: accepted, its data
moves to the ambassador's record and the row goes; declined, it goes at once; left pending,
the retention job deletes it after SIGNUP_KEPT_DAYS (allin/retention.py).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import db
from .ambassadors import BIRTH_YEAR_MAX, BIRTH_YEAR_MIN
from .cohorts import Cohort
from .people import User

MOTIVATION_LENGTH = 500
SIGNUP_KEPT_DAYS = 90


def new_form_key() -> str:
    return secrets.token_urlsafe(12)  # 96 bits, 16 characters: short enough for a poster


class SignupForm(db.Model):
    """A cohort's public sign-up form: off until someone who manages cohorts opens it. The
    address stays the same when it is closed and opened again."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    key: Mapped[str] = mapped_column(String(43), unique=True, default=new_form_key)
    is_open: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship()
    changed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<SignupForm {self.cohort_id} {'open' if self.is_open else 'closed'}>"


class Signup(db.Model):
    """A young person's sign-up, waiting for a youth worker of the municipality."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    name: Mapped[str] = mapped_column(String(120))
    birth_year: Mapped[int]
    school: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    guardian_phone: Mapped[str | None] = mapped_column(String(30))
    guardian_email: Mapped[str | None] = mapped_column(String(254))
    motivation: Mapped[str] = mapped_column(String(MOTIVATION_LENGTH))

    cohort: Mapped[Cohort] = relationship()

    __table_args__ = (
        CheckConstraint(
            f"birth_year BETWEEN {BIRTH_YEAR_MIN} AND {BIRTH_YEAR_MAX}", name="birth_year_range"
        ),
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL", name="reachable"),
    )

    def __repr__(self) -> str:
        return f"<Signup {self.id}>"
