"""Young people known to a municipality, and what they (or their guardians) consented to.

Deliberately no free-text notes and no full birth date or national identity number
(SECURITY 23): birth year, school or class, contact, guardian contact.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..clock import now
from ..enums import ConsentGiver, ConsentMethod, ConsentPurpose
from ..extensions import db
from .base import TimestampMixin
from .people import Municipality, User

# The database's sanity bound; forms and services keep to the plausible 10-25 years of age.
BIRTH_YEAR_MIN, BIRTH_YEAR_MAX = 1950, 2150
HOLD_REASON_LENGTH = 500
# Letters NFKD does not take apart: the Nordic ones fold the way text.slugify folds them.
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ð": "d", "þ": "th", "ß": "ss"})


def name_key(name: str) -> str:
    """A name folded for finding the same person again: case, accents, æøå and white space
    do not count ("Åse  Sæther" and "ase saether" match)."""
    folded = unicodedata.normalize("NFKC", name or "").casefold().translate(_FOLD)
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return " ".join(stripped.split())[:120]


def first_name(name: str) -> str:
    """The first word of a name ("Liv Nilsen" -> "Liv"), or the name when it has none."""
    words = name.split()
    return words[0] if words else name


class Ambassador(TimestampMixin, db.Model):
    """A young person in the programme; at most one login (`user`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The name folded for duplicate look-ups (case, accents, æøå, white space): see name_key().
    name_key: Mapped[str] = mapped_column(String(120))
    # None once erased (allin/erasure.py): then nothing about the person is left.
    birth_year: Mapped[int | None]
    school: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    guardian_phone: Mapped[str | None] = mapped_column(String(30))
    guardian_email: Mapped[str | None] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), unique=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Erased (allin/erasure.py): the name says "Former ambassador", the rest is gone.
    erased_at: Mapped[datetime | None]
    # A legal hold (arkivlova, a complaint, a case): no erasure, by hand or by retention,
    # while a reason is set. Who set it and when, for the page.
    hold_reason: Mapped[str | None] = mapped_column(String(HOLD_REASON_LENGTH))
    hold_set_at: Mapped[datetime | None]
    hold_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    municipality: Mapped[Municipality] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    hold_set_by: Mapped[User | None] = relationship(foreign_keys=[hold_set_by_id])

    __table_args__ = (
        CheckConstraint(
            f"birth_year BETWEEN {BIRTH_YEAR_MIN} AND {BIRTH_YEAR_MAX}", name="birth_year_range"
        ),
        Index("ix_ambassador_duplicate_lookup", "municipality_id", "name_key", "birth_year"),
    )

    def __repr__(self) -> str:
        return f"<Ambassador {self.id}>"

    @validates("name")
    def _keep_name_key(self, _key, value: str) -> str:
        self.name_key = name_key(value)
        return value

    @property
    def first_name(self) -> str:
        return self.name if self.erased_at else first_name(self.name)

    @property
    def on_hold(self) -> bool:
        return self.hold_reason is not None


class Consent(db.Model):
    """One grant for one purpose; withdrawing stamps it, a new grant is a new row (history)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[ConsentPurpose]
    given_by: Mapped[ConsentGiver]
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    method: Mapped[ConsentMethod]
    given_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Given online by a guardian through this link (issue 25); withdrawn through it when
    # withdrawn_at is set and withdrawn_by_id is not.
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardian_consent_link.id", ondelete="SET NULL"), index=True
    )

    ambassador: Mapped[Ambassador] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    __table_args__ = (
        CheckConstraint(
            f"given_by <> '{ConsentGiver.GUARDIAN}' OR guardian_name IS NOT NULL",
            name="guardian_named",
        ),
        # At most one standing grant per purpose; withdrawn ones are history.
        Index(
            "uq_consent_standing",
            "ambassador_id",
            "purpose",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    def __repr__(self) -> str:
        return f"<Consent {self.id} {self.purpose}>"
