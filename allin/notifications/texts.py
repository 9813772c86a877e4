"""What a notification says, in the reader's language, built when it is shown from what the
reader may see then: a session's title and Oslo time, a concept's title; never a person's
name. What they no longer see is named only by its kind, without a link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

from ..enums import NotificationKind
from ..training.display import session_when


@dataclass(frozen=True)
class _Times:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Item:
    id: int
    text: str
    created_at: datetime
    unread: bool
    url: str | None  # opens it (marks it read) and goes on to what it is about


def text(row) -> str:
    """One notification's sentence (a row of selectors.COLUMNS)."""
    kind = row.Notification.kind
    if kind == NotificationKind.WEEKLY_DIGEST:
        return _("Your weekly summary: early warnings or missing consents in your cohorts.")
    if kind in (
        NotificationKind.CONSENT_WITHDRAWN,
        NotificationKind.EARLY_WARNING,
        NotificationKind.RETENTION_DUE,
    ):
        return _ambassador_text(kind, row)
    if kind == NotificationKind.INVITATION_ACCEPTED:
        if row.person_name is None:
            return _("An invitation you sent was accepted.")
        return _("%(name)s accepted your invitation and can sign in.", name=row.person_name)
    if kind in (
        NotificationKind.CONCEPT_STAGE,
        NotificationKind.CONCEPT_FEEDBACK,
        NotificationKind.CHECKIN_DUE,
    ):
        return _concept_text(kind, row)
    return _session_text(kind, row)


def _ambassador_text(kind, row) -> str:
    if kind == NotificationKind.RETENTION_DUE:
        if row.ambassador_name is None:
            return _("Data of someone you no longer follow is due for erasure.")
        # The key ends with the notice: retention:<person>:<day>:<30 or 7> (retention.py).
        days = int(row.Notification.event_key.rsplit(":", 1)[1])
        return _(
            "The data of %(name)s will be erased within %(days)s days (its retention time is "
            "up). Set a legal hold on their page if a case needs it.",
            name=row.ambassador_name,
            days=days,
        )
    if kind == NotificationKind.EARLY_WARNING:
        if row.ambassador_name is None:
            return _("An early warning for someone you no longer follow.")
        return _(
            "Early warning: %(name)s missed the last two sessions without an excuse.",
            name=row.ambassador_name,
        )
    if row.ambassador_name is None:
        return _("A consent was withdrawn for someone you no longer follow.")
    return _("A consent was withdrawn for %(name)s.", name=row.ambassador_name)


def _concept_text(kind, row) -> str:
    if kind == NotificationKind.CHECKIN_DUE:
        if row.concept_title is None:
            return _("A check-in of a launched concept is due.")
        return _("Time to check in on “%(title)s”: how is it doing?", title=row.concept_title)
    if kind == NotificationKind.CONCEPT_STAGE:
        if row.concept_title is None:
            return _("A concept you no longer follow moved stage.")
        return _(
            "Your concept “%(title)s” is now at the stage “%(stage)s”.",
            title=row.concept_title,
            stage=row.concept_stage.label,
        )
    if row.concept_title is None:
        return _("New feedback on a concept you no longer follow.")
    return _("New feedback on your concept “%(title)s”.", title=row.concept_title)


def _session_text(kind, row) -> str:
    if row.session_title is None:
        return _("News about a session you no longer follow.")
    when = session_when(_Times(row.starts_at, row.ends_at))
    if kind == NotificationKind.SESSION_TOMORROW and row.cancelled_at is None:
        return _("Tomorrow: “%(title)s”, %(when)s.", title=row.session_title, when=when)
    if kind in (NotificationKind.SESSION_TOMORROW, NotificationKind.SESSION_CANCELLED):
        return _("“%(title)s” (%(when)s) is cancelled.", title=row.session_title, when=when)
    return _("“%(title)s” has changed: now %(when)s.", title=row.session_title, when=when)


def item(row) -> Item:
    notification = row.Notification
    visible = (
        row.session_title is not None
        or row.concept_title is not None
        or row.ambassador_name is not None
        or row.person_name is not None
        or notification.kind == NotificationKind.WEEKLY_DIGEST
    )
    return Item(
        id=notification.id,
        text=text(row),
        created_at=notification.created_at,
        unread=notification.read_at is None,
        url=url_for("notifications.open_one", notification_id=notification.id) if visible else None,
    )


def target_url(row) -> str:
    """Where opening a notification leads: its session or concept, else the list."""
    notification = row.Notification
    if row.session_title is not None:
        return url_for("training.detail", session_id=notification.session_id)
    if row.concept_title is not None:
        return url_for("concepts.detail", concept_id=notification.concept_id)
    if row.ambassador_name is not None:
        return url_for("ambassadors.detail", ambassador_id=notification.ambassador_id)
    if row.person_name is not None:
        return url_for("admin.user_detail", user_id=notification.person_id)
    if notification.kind == NotificationKind.WEEKLY_DIGEST:
        return url_for("home.index")  # a lead's home lists what needs doing, as it is now
    return url_for("notifications.index")
