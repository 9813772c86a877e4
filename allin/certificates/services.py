"""The one write of certificates: the verification address, made once per ambassador."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Ambassador, Certificate
from ..models.certificates import new_certificate_token


def ensure_token(ambassador: Ambassador) -> str:
    """The ambassador's certificate token, made now if there is none (one insert that does
    nothing when another request made it first). The caller has checked that they may see the
    ambassador and that there is a certificate; flushes, never commits."""
    name = db.session.get_bind().dialect.name
    insert = (postgresql.insert if name == "postgresql" else sqlite.insert)(Certificate)
    db.session.execute(
        insert.values(
            municipality_id=ambassador.municipality_id,
            ambassador_id=ambassador.id,
            token=new_certificate_token(),
        ).on_conflict_do_nothing(index_elements=["ambassador_id"])
    )
    return db.session.scalar(
        select(Certificate.token).where(Certificate.ambassador_id == ambassador.id)
    )
