"""The data edition: one row, a number raised in the same transaction as every change to the
data pages show (allin/kept.py), so that a page a worker kept is never served after a change
has committed."""

from __future__ import annotations

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class DataEdition(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(default=0)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
