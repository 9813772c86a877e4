"""The e-mail choices: one box per kind that can be e-mailed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from ..enums import NotificationKind


class PreferencesForm(FlaskForm):
    session_tomorrow = BooleanField(_l("The day before a session: a reminder"))
    session_changed = BooleanField(_l("When a session's time or place changes"))
    session_cancelled = BooleanField(_l("When a session is cancelled"))
    weekly_digest = BooleanField(
        _l("Once a week: early warnings and missing consents in the cohorts I lead")
    )

    def choices(self) -> dict[NotificationKind, bool]:
        return {kind: bool(self[kind.value].data) for kind in KINDS if kind.value in self}


KINDS = (
    NotificationKind.SESSION_TOMORROW,
    NotificationKind.SESSION_CHANGED,
    NotificationKind.SESSION_CANCELLED,
    NotificationKind.WEEKLY_DIGEST,
)
