"""Notifications: one row per event and recipient, shown in the app and e-mailed from the
outbox (allin/notifications)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..enums import NotificationKind
from ..extensions import db


class Notification(db.Model):
    """Something that happened, for one person. It stores what it is about (ids), never a
    text: the text is built when it is shown, in the reader's language, from what they may see
    then. `event_key` names the event (a session's reminder for one day, one change, one piece
    of feedback); with the recipient it is unique, so an event is never told twice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The municipality it concerns; none for the network's own (an invitation between admins).
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind]
    event_key: Mapped[str] = mapped_column(String(80))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    concept_id: Mapped[int | None] = mapped_column(
        ForeignKey("concept.id", ondelete="CASCADE"), index=True
    )
    ambassador_id: Mapped[int | None] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(  # an account it is about
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=now)
    read_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("recipient_id", "event_key", name="uq_notification_recipient_event"),
        # The header's unread count and the list, newest first: both on the recipient.
        Index("ix_notification_recipient_unread", "recipient_id", "read_at"),
        Index("ix_notification_recipient_created", "recipient_id", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} for {self.recipient_id}>"


class NotificationPreference(db.Model):
    """A person's choice of e-mail for one kind (in the app they are always told). No row:
    the kind's default (notifications/services.py::EMAILED)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[NotificationKind] = mapped_column(primary_key=True)
    email: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(default=now)
