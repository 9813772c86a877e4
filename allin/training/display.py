"""How sessions read on the page: Oslo time in the reader's language, and percentages."""

from __future__ import annotations

import functools

from babel import Locale, dates
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..enums import AttendanceValue
from ..i18n import FORMAT_LOCALES
from ..locales import current_locale
from ..urls import external_url
from .times import OSLO, local_date

# The roll call's buttons on a phone, where a person's four choices share a line with their
# name: a short word each (the full label stays in the button's name for screen readers).
SHORT_LABELS = {
    AttendanceValue.PRESENT: _l("Here"),
    AttendanceValue.LATE: _l("Late"),
    AttendanceValue.EXCUSED: _l("Exc."),
    AttendanceValue.ABSENT: _l("Away"),
}


@functools.cache
def _parsed(language: str) -> Locale:
    return Locale.parse(FORMAT_LOCALES.get(language, language))


def _language() -> str:
    return str(current_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


@functools.lru_cache(maxsize=4096)
def _formatted_day(day, form: str, language: str) -> str:
    """Babel's date formatting is slow and a dashboard shows the same few days many times."""
    return dates.format_date(day, form, locale=_parsed(language))


def _time(moment) -> str:
    return moment.astimezone(OSLO).strftime("%H:%M")  # 24-hour in both languages


def _day(moment, form: str = "full") -> str:
    return _formatted_day(local_date(moment), form, _language())


def session_when(session, form: str = "full") -> str:
    """ "tirsdag 3. mars 2027, 17:00–19:30", or both days when it ends on another one."""
    start, end = session.starts_at, session.ends_at
    if local_date(start) == local_date(end):
        return f"{_day(start, form)}, {_time(start)}–{_time(end)}"
    return f"{_day(start, form)}, {_time(start)} – {_day(end, form)}, {_time(end)}"


def session_day(session) -> str:
    """A short date for a chart or a table: "3. mars 2027"."""
    return _day(session.starts_at if hasattr(session, "starts_at") else session, "medium")


def format_percent(value: float | None) -> str:
    """ "85 %" in Norwegian (a no-break space before the sign), "85%" in English."""
    if value is None:
        return "–"
    whole = round(value * 100)
    return f"{whole}\u00a0%" if _language() == "nb" else f"{whole}%"


def calendar_address(feed) -> str:
    """The feed's address to subscribe to, from ALLIN_BASE_URL (never the request's Host)."""
    return external_url("training.calendar_feed", token=feed.token)


def init_app(state) -> None:
    state.app.jinja_env.globals.update(
        session_when=session_when,
        session_day=session_day,
        format_percent=format_percent,
        calendar_address=calendar_address,
    )
