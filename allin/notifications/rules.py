"""Whose notifications are whose: a person sees only their own (registered with
access.visible()); nobody, staff included, reads another person's."""

from __future__ import annotations

from sqlalchemy import Select

from ..access import SCOPES
from ..models import Notification


def _notifications(stmt: Select, actor) -> Select:
    return stmt.where(Notification.recipient_id == actor.id)


SCOPES[Notification] = _notifications
