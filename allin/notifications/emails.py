"""A notification's e-mail, composed when the outbox sends it: from the notification as it is
then, in the recipient's language; plain text and HTML, and for a session its .ics."""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from .. import outbox
from ..access import visible
from ..ambassadors import rules as consent_rules
from ..enums import MailKind, NotificationKind
from ..extensions import db
from ..mail import Attachment
from ..models import Ambassador, MailJob, Notification, TrainingSession, User
from ..training.display import session_when
from ..training.feed import session_invitation
from ..urls import external_url
from . import digest, services, unsubscribe

SUBJECTS = {
    NotificationKind.SESSION_TOMORROW: lambda s: _("Tomorrow: %(title)s", title=s.title),
    NotificationKind.SESSION_CHANGED: lambda s: _("Changed: %(title)s", title=s.title),
    NotificationKind.SESSION_CANCELLED: lambda s: _("Cancelled: %(title)s", title=s.title),
}


def _session_seen_by(user: User, session_id: int | None) -> TrainingSession | None:
    if session_id is None:
        return None
    return db.session.scalar(visible(TrainingSession, user).where(TrainingSession.id == session_id))


def _may_email(user: User, kind: NotificationKind) -> bool:
    """Asked again when it is sent: an active account with an address, the kind not turned
    off since it was queued, and the consent rule still allowing the young person a login
    (below the digital-consent age without a guardian's consent the app does not reach out)."""
    if not user.active or not user.email:
        return False
    if not services.wants_email(user.id, kind):
        return False
    return not consent_rules.login_refused(Ambassador.user_id == user.id)


@outbox.composer(MailKind.NOTIFICATION)
def compose(job: MailJob) -> outbox.Message | None:
    """Nothing to send when the person has no e-mail address or no longer sees the session,
    or when a reminder's session was cancelled meanwhile (its cancellation is told)."""
    found = db.session.execute(
        select_notification().where(Notification.id == job.notification_id)
    ).first()
    if found is None:
        return None
    notification, user = found
    if not _may_email(user, notification.kind):
        return None
    if notification.kind == NotificationKind.WEEKLY_DIGEST:
        return _digest(user)
    if notification.kind not in SUBJECTS:
        return None
    session = _session_seen_by(user, notification.session_id)
    if session is None:
        return None
    cancelled = session.cancelled_at is not None
    if cancelled and notification.kind != NotificationKind.SESSION_CANCELLED:
        return None
    context = {
        "kind": notification.kind.value,
        "session": session,
        "when": session_when(session),
        "place": session.place,
        "online_url": session.online_url,
        "link": external_url("training.detail", session_id=session.id),
        "all_link": external_url("notifications.index"),
        "preferences_link": external_url("notifications.preferences"),
        "unsubscribe_link": unsubscribe.link(user.id, notification.kind),
        "kind_label": notification.kind.label,
    }
    method = "CANCEL" if cancelled else "PUBLISH"
    organizer = parseaddr(current_app.config.get("MAIL_FROM") or "")[1] or None
    ics = session_invitation(session, method=method, organizer=organizer)
    return outbox.Message(
        to=user.email,
        subject=SUBJECTS[notification.kind](session),
        body=render_template("notifications/email.txt", **context),
        html=render_template("notifications/email.html", **context),
        headers=_unsubscribe_headers(context["unsubscribe_link"]),
        attachments=(
            Attachment(
                filename="session.ics",
                content_type=f"text/calendar; method={method}; charset=utf-8",
                data=ics,
            ),
        ),
    )


def _unsubscribe_headers(link: str) -> tuple[tuple[str, str], ...]:
    return (
        ("List-Unsubscribe", f"<{link}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


def _digest(user: User) -> outbox.Message | None:
    """Counts and links per cohort, as they are when it is sent; nothing when nothing."""
    news = digest.news_for(user)
    if not news:
        return None
    kind = NotificationKind.WEEKLY_DIGEST
    context = {
        "news": [
            {
                "name": item.cohort.name,
                "warnings": item.warnings,
                "missing_consent": item.missing_consent,
                "progress_link": external_url("training.cohort_progress", cohort_id=item.cohort.id),
                "consents_link": external_url(
                    "cohorts.people", cohort_id=item.cohort.id, missing=1
                ),
            }
            for item in news
        ],
        "preferences_link": external_url("notifications.preferences"),
        "unsubscribe_link": unsubscribe.link(user.id, kind),
        "kind_label": kind.label,
    }
    return outbox.Message(
        to=user.email,
        subject=_("Your cohorts this week"),
        body=render_template("notifications/digest.txt", **context),
        html=render_template("notifications/digest.html", **context),
        headers=_unsubscribe_headers(context["unsubscribe_link"]),
    )


def select_notification():
    return select(Notification, User).join(User, User.id == Notification.recipient_id)
