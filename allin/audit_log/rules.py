"""Who reads which audit events: registered with access.visible() as AuditEvent's scope.

A coordinator reads every event of their municipality. The network's admins read the staff's
and the network's own events, never one about a young person: not their record, consents,
enrolments, sessions, concepts or files, not their sign-ins, and not the invitations or
password links made for them.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select

from ..access import SCOPES, Perm, can
from ..enums import Role
from ..models import AuditEvent, Invitation, User

NETWORK_OBJECTS = ("user", "invitation", "municipality", "guideentry", "guideimage")


def events(stmt: Select, actor) -> Select:
    if not can(actor, Perm.VIEW_AUDIT):
        return stmt.where(false())
    if actor.municipality_id is not None:
        return stmt.where(AuditEvent.municipality_id == actor.municipality_id)
    # Staff accounts, including erased ones (kept under a pseudonym). An account that is gone
    # was a young person's login, deleted with their erasure: still never shown here.
    staff = select(User.id).where(User.role != Role.AMBASSADOR)
    their_invitations = select(Invitation.id).where(Invitation.role == Role.AMBASSADOR)
    return stmt.where(
        or_(AuditEvent.object_type.is_(None), AuditEvent.object_type.in_(NETWORK_OBJECTS)),
        or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id.in_(staff)),
        ~and_(AuditEvent.object_type == "user", AuditEvent.object_id.not_in(staff)),
        ~and_(AuditEvent.object_type == "invitation", AuditEvent.object_id.in_(their_invitations)),
    )


SCOPES[AuditEvent] = events
