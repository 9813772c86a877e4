"""Every model, imported here so Alembic and the shell see all tables."""

from .audit import AuditEvent
from .people import Municipality, User

__all__ = ["AuditEvent", "Municipality", "User"]
