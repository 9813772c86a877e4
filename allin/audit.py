"""Write audit events. Never a password, token, cookie or personal field value (SECURITY 31)."""

from __future__ import annotations

from .extensions import db
from .models import AuditEvent


def record(
    action: str, *, actor=None, target=None, municipality_id: int | None = None, **detail
) -> AuditEvent:
    """Add an audit event for `action` by `actor` on `target` (flushed with the request)."""
    if municipality_id is None:
        municipality_id = getattr(target, "municipality_id", None)
        if municipality_id is None and actor is not None:
            municipality_id = getattr(actor, "municipality_id", None)
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(target).__name__.lower() if target is not None else None,
        object_id=getattr(target, "id", None),
        municipality_id=municipality_id,
        detail=detail,
    )
    db.session.add(event)
    return event
