"""The verification address of a graduate's certificate (allin/certificates)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import db
from .ambassadors import Ambassador


def new_certificate_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits, 43 characters: not guessable, not the id


class Certificate(db.Model):
    """One per ambassador, made the first time their certificate is opened: the random token
    of its public verification address. What the certificate says is read from the cohorts,
    attendance and concepts each time; erasure deletes the row, so the address stops
    working."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(43), unique=True, default=new_certificate_token)
    created_at: Mapped[datetime] = mapped_column(default=now)

    ambassador: Mapped[Ambassador] = relationship()

    def __repr__(self) -> str:
        return f"<Certificate {self.ambassador_id}>"
