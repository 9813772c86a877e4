"""The training parts of a cohort's pages: its next sessions, calendar address and headline
figures on the overview; the progress page (figures, early warnings, the chart and a page of
the per-ambassador table) for the staff of its municipality."""

from __future__ import annotations

from ..access import Perm, can
from ..markdown import render_markdown
from ..pagination import paginate_rows
from . import chart, progress, selectors
from .rules import can_follow_progress, can_schedule_in


def overview(actor, cohort) -> dict:
    """Template values for the training part of templates/cohorts/detail.html."""
    manage = can_schedule_in(actor, cohort)
    follow = can_follow_progress(actor, cohort)
    headline = progress.headlines([cohort.id])[cohort.id] if follow else None
    if headline is not None:
        empty = headline.sessions.total == 0
    else:
        empty = manage and not selectors.has_sessions(cohort)
    return {
        "training_upcoming": selectors.upcoming_of(actor, cohort),
        # Ambassadors subscribe here; staff find the cohort's address on the sessions page.
        "training_feed": None if follow else selectors.feed_of(actor, cohort),
        "training_manage": manage,
        "training_empty": manage and empty,
        "headline": headline,
    }


def progress_page(cohort) -> dict:
    """Template values for templates/training/progress.html (callers check
    can_follow_progress)."""
    bars = progress.session_bars(cohort.id)
    rows, height = chart.layout(bars)
    return {
        "headline": progress.headlines([cohort.id])[cohort.id],
        "warned": progress.warned(cohort.id),
        "page": paginate_rows(lambda limit, offset: progress.member_page(cohort.id, limit, offset)),
        "progress": {"bars": bars, "rows": rows, "height": height},
    }


def ambassador_home(actor) -> dict:
    """An ambassador's next sessions (with agenda) and their own attendance; nothing about
    anyone else's. Empty for staff."""
    if can(actor, Perm.ENROL) or not can(actor, Perm.VIEW_COHORTS):
        return {}
    upcoming = selectors.my_upcoming(actor)
    return {
        "my_sessions": [(s, render_markdown(s.agenda)) for s in upcoming],
        "my_attendance": selectors.my_attendance(actor),
    }
