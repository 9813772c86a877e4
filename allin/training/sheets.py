"""A cohort's attendance as tables for a spreadsheet: per ambassador, with the figures of the
progress dashboard (the same query), and per session, the roll call behind those figures."""

from __future__ import annotations

from flask_babel import gettext as _

from ..enums import AttendanceValue
from ..exports import Table
from . import progress
from .times import local_date


def per_person(cohort_id: int) -> Table:
    members, total, _warnings = progress.members_and_totals(cohort_id)
    headings = [
        _("Name"),
        _("Status"),
        _("Attendance"),
        _("Attended"),
        _("Sessions counted"),
        _("Late"),
        _("Excused"),
        _("Missed"),
        _("Last attended"),
    ]
    rows = [_figures(m.name, str(m.status.label), m.rate, m.last_attended) for m in members]
    if members:
        rows.append(_figures(_("Everyone"), None, total, None))
    return Table(_("Per ambassador"), headings, rows)


def _figures(name, status, rate: progress.Rate, last) -> list:
    """As the dashboard shows them: attended out of the sessions counted less the excused."""
    return [
        name,
        status,
        rate.rate,
        rate.attended,
        rate.counted - rate.excused,
        rate.late,
        rate.excused,
        rate.missed,
        local_date(last) if last else None,
    ]


def per_session(cohort_id: int) -> Table:
    headings = [_("Date"), _("Session"), _("Name"), _("Roll call")]
    rows = [
        [
            local_date(starts_at),
            title,
            name,
            str(AttendanceValue(value).label) if value else _("Not recorded"),
        ]
        for starts_at, title, name, value in progress.attendance_rows(cohort_id)
    ]
    return Table(_("Per session"), headings, rows)
