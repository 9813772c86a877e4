"""Mixins shared by the models."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..clock import now

if TYPE_CHECKING:
    from .people import Municipality


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class MunicipalityOwned:
    """A row that belongs to exactly one municipality.

    Read these rows through access.visible() / access.get_visible_or_404().
    """

    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)

    @declared_attr
    def municipality(cls) -> Mapped[Municipality]:
        return relationship()
