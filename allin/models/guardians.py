"""A guardian's consent given online (issue 25): the link a youth worker hands over, and what
the guardian answered through it.

Only hashes of the tokens are stored. The giving link works once, for 14 days; the withdraw
link (shown on the receipt page, and a second one in the receipt e-mail) lasts as long as the
row, which goes with the ambassador's erasure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..enums import ConsentPurpose
from ..extensions import db
from .ambassadors import Ambassador
from .people import User

RELATION_LENGTH = 60


class GuardianConsentLink(db.Model):
    """One consent link for one ambassador's guardian, and the guardian's answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Stamped once, by single_use.spend(), when the guardian answers.
    used_at: Mapped[datetime | None]
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    relation: Mapped[str | None] = mapped_column(String(RELATION_LENGTH))
    receipt_email: Mapped[str | None] = mapped_column(String(254))
    # The purposes the guardian declined, their values joined by spaces.
    declined: Mapped[str | None] = mapped_column(String(80))
    withdraw_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    mailed_withdraw_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    ambassador: Mapped[Ambassador] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<GuardianConsentLink {self.id}>"

    @property
    def declined_purposes(self) -> list[ConsentPurpose]:
        return [ConsentPurpose(value) for value in (self.declined or "").split()]
