"""Single-use rules decided by the database, not by a read followed by a write."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from .clock import now
from .extensions import db


def spend(model, row_id: int, column: str, *still_valid) -> datetime | None:
    """Stamp `column` of one row with the current time if it is still empty.

    One conditional UPDATE (… WHERE id = :id AND column IS NULL AND still_valid): of two
    racing requests the database lets exactly one through. Returns the stamp for the winner,
    None for the loser (or when `still_valid` no longer holds, e.g. the link expired).
    """
    stamp = now()
    stamped = getattr(model, column)
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, stamped.is_(None), *still_valid)
        .values({column: stamp})
        .execution_options(synchronize_session=False)
    )
    return stamp if result.rowcount == 1 else None
